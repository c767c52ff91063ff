"""Faults: a hard kill mid-turn, two turns of one session at once, an LLM that stalls or fails,
and a data directory that is full or read-only at start-up."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from advisor.channels.http import create_app
from advisor.config import Settings
from tests.cli_helpers import run_cli
from tests.fake_openai import Reply, ScriptedOpenAI
from tests.servers import advisor_process, serve_app

POLITE = "the language model did not answer; please try again in a moment (your conversation so far is kept)"


class Stall:
    """A model answer that waits, as a slow or hung LLM does, until released."""

    def __init__(self) -> None:
        self.reached = threading.Event()
        self.release = threading.Event()

    def __call__(self, body: dict[str, Any]) -> Reply:
        self.reached.set()
        self.release.wait(30)
        return Reply(status=500, error="released")


def llm_env(llm: ScriptedOpenAI) -> dict[str, str]:
    return {
        "ADVISOR_MODEL": "openai:gpt-test",
        "OPENAI_API_KEY": "test-key",
        "OPENAI_BASE_URL": llm.base_url,
        "ADVISOR_LLM_MAX_RETRIES": "0",
    }


def script_turn(llm: ScriptedOpenAI, facts: dict[str, Any]) -> None:
    """Script one turn as a tool-calling model plays it: record and classify in one response."""
    llm.enqueue_tool_calls([("record_facts", facts), ("classify_motion", {})])


def script_stalling_turn(llm: ScriptedOpenAI, facts: dict[str, Any]) -> None:
    """Script a turn whose facts are recorded and whose guidance answer never comes."""
    llm.enqueue_tool_calls(
        [("record_facts", facts), ("search_guidance", {"query": "What is CSP?"})]
    )


@pytest.mark.slow
def test_a_hard_kill_mid_turn_loses_no_committed_turn(tmp_path: Path) -> None:
    stall = Stall()
    data = tmp_path / "data"
    with ScriptedOpenAI(default=stall) as llm:
        env = llm_env(llm)
        with advisor_process(data, env) as (url, process):
            script_turn(llm, {"seats": 300})
            first = httpx.post(
                f"{url}/v1/chat", json={"message": "We need 300 seats"}, timeout=30
            ).json()
            session_id = first["session_id"]
            script_turn(llm, {"special_terms": []})
            httpx.post(
                f"{url}/v1/chat",
                json={"message": "no special terms", "session_id": session_id},
                timeout=30,
            )
            before = httpx.get(f"{url}/v1/sessions/{session_id}", timeout=30).json()

            # the third turn records a fact, then the model hangs: kill -9 while it waits
            script_stalling_turn(llm, {"self_service": False, "seats": 9999})
            outcome: list[object] = []

            def in_flight() -> None:
                try:
                    outcome.append(
                        httpx.post(
                            f"{url}/v1/chat",
                            json={
                                "message": "a partner should help; actually 9,999 seats",
                                "session_id": session_id,
                            },
                            timeout=30,
                        ).status_code
                    )
                except httpx.HTTPError as exc:
                    outcome.append(type(exc).__name__)

            client = threading.Thread(target=in_flight)
            client.start()
            assert stall.reached.wait(30), "the turn never reached the model"
            process.send_signal(signal.SIGKILL)
            process.wait(10)
            client.join(30)
            stall.release.set()
        assert outcome and not isinstance(outcome[0], int), "the killed turn got no answer"

        with sqlite3.connect(data / "sessions.sqlite") as db:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stall.reached.clear()
        stall.release.clear()
        with advisor_process(data, env) as (url, _):
            after = httpx.get(f"{url}/v1/sessions/{session_id}", timeout=30).json()
            assert after == before, (
                "the two committed turns are intact; the killed one left nothing"
            )
            assert after["profile"]["seats"] == 300 and after["profile"]["self_service"] is None
            script_turn(llm, {"self_service": False})
            fourth = httpx.post(
                f"{url}/v1/chat",
                json={"message": "a partner should help", "session_id": session_id},
                timeout=30,
            )
            assert fourth.status_code == 200
            assert fourth.json()["question"]["slot"] == "azure_annual_usd"
            transcript = httpx.get(f"{url}/v1/sessions/{session_id}", timeout=30).json()[
                "transcript"
            ]
            assert [t["text"] for t in transcript if t["role"] == "customer"] == [
                "We need 300 seats",
                "no special terms",
                "a partner should help",
            ]


class Overlap:
    """A model that answers slowly and notes how many turns it served at the same time.

    After `hold_for(n)`, a call also waits until `n` calls have been in flight together (or
    `patience` seconds pass), so turns that may overlap surely do, however loaded the machine.
    """

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.inside = 0
        self.most = 0
        self.company = 1
        self.patience = 0.0
        self.guard = threading.Condition()

    def hold_for(self, company: int, patience: float = 20.0) -> None:
        """Hold each call until `company` calls have met; `patience` stays below the LLM timeout."""
        with self.guard:
            self.company, self.patience = company, patience

    def __call__(self, body: dict[str, Any]) -> Reply | str:
        with self.guard:
            self.inside += 1
            self.most = max(self.most, self.inside)
            self.guard.notify_all()
            # once the calls have met, later ones need not wait again
            self.guard.wait_for(lambda: self.most >= self.company, timeout=self.patience)
        time.sleep(self.delay)
        with self.guard:
            self.inside -= 1
        if body["messages"][-1]["role"] == "user":
            return Reply(tool_calls=[("classify_motion", {})], finish_reason="tool_calls")
        return "Do you need any special terms?"


@pytest.fixture
def overlap_server(tmp_path: Path) -> Iterator[tuple[str, Overlap, ScriptedOpenAI]]:
    model = Overlap(0.15)
    with ScriptedOpenAI(default=model) as llm:
        settings = Settings(
            data_dir=tmp_path,
            model="openai:gpt-test",
            openai_api_key="k",
            openai_base_url=llm.base_url,
            llm_max_retries=0,
        )
        with serve_app(create_app(settings)) as url:
            yield url, model, llm


def post_together(url: str, bodies: list[dict[str, Any]]) -> list[httpx.Response]:
    start = threading.Barrier(len(bodies))
    responses: list[httpx.Response | None] = [None] * len(bodies)

    def send(i: int) -> None:
        start.wait()
        responses[i] = httpx.post(f"{url}/v1/chat", json=bodies[i], timeout=60)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert all(r is not None for r in responses)
    return [r for r in responses if r is not None]


@pytest.mark.slow
def test_two_turns_of_one_session_run_one_after_the_other(
    overlap_server: tuple[str, Overlap, ScriptedOpenAI],
) -> None:
    url, model, llm = overlap_server
    session_id = httpx.post(f"{url}/v1/chat", json={"message": "hello"}, timeout=30).json()[
        "session_id"
    ]
    model.most = 0
    responses = post_together(
        url,
        [{"message": f"message {n}", "session_id": session_id} for n in ("A", "B")],
    )
    assert [r.status_code for r in responses] == [200, 200]
    assert model.most == 1, "the two turns overlapped"
    transcript = httpx.get(f"{url}/v1/sessions/{session_id}", timeout=30).json()["transcript"]
    assert [t["role"] for t in transcript] == ["customer", "advisor"] * 3
    customers = [t["text"] for t in transcript if t["role"] == "customer"]
    assert sorted(customers[1:]) == ["message A", "message B"]
    # the later turn saw the earlier one whole: its question and the advisor's answer
    last_call = llm.requests[-1]["messages"]
    users = [m["content"] for m in last_call if m["role"] == "user"]
    assert users == ["hello", *customers[1:]]


@pytest.mark.slow
def test_turns_of_different_sessions_do_overlap(
    overlap_server: tuple[str, Overlap, ScriptedOpenAI],
) -> None:
    """The control for the test above: the model does see overlapping turns when allowed."""
    url, model, _ = overlap_server
    model.hold_for(2)  # the first turn's model call waits for the other session's to arrive
    responses = post_together(url, [{"message": "hello"}, {"message": "hi there"}])
    assert [r.status_code for r in responses] == [200, 200]
    assert model.most == 2


@pytest.fixture
def stalling(tmp_path: Path) -> Iterator[tuple[str, ScriptedOpenAI, Stall]]:
    stall = Stall()
    with ScriptedOpenAI(default=stall) as llm:
        settings = Settings(
            data_dir=tmp_path,
            model="openai:gpt-test",
            openai_api_key="k",
            openai_base_url=llm.base_url,
            llm_max_retries=0,
            llm_timeout_s=0.5,
        )
        try:
            with serve_app(create_app(settings)) as url:
                yield url, llm, stall
        finally:
            stall.release.set()


@pytest.mark.slow
def test_an_llm_that_times_out_leaves_the_session_usable(
    stalling: tuple[str, ScriptedOpenAI, Stall],
) -> None:
    url, llm, stall = stalling
    with httpx.Client(base_url=url, timeout=30) as http:
        script_turn(llm, {"seats": 300})
        session_id = http.post("/v1/chat", json={"message": "We need 300 seats"}).json()[
            "session_id"
        ]
        before = http.get(f"/v1/sessions/{session_id}").json()

        script_stalling_turn(llm, {"special_terms": []})  # then the model stalls
        started = time.monotonic()
        timed_out = http.post(
            "/v1/chat", json={"message": "no special terms", "session_id": session_id}
        )
        assert time.monotonic() - started < 5
        assert timed_out.status_code == 503
        assert timed_out.json() == {"error": POLITE}
        assert http.get(f"/v1/sessions/{session_id}").json() == before

        with http.stream(
            "POST",
            "/v1/chat/stream",
            json={"message": "no special terms", "session_id": session_id},
        ) as stream:
            assert stream.status_code == 200
            events = stream.read().decode()
        assert events.endswith(
            f"event: error\ndata: {json.dumps({'error': POLITE, 'status': 503})}\n\n"
        )
        assert http.get(f"/v1/sessions/{session_id}").json() == before

        script_turn(llm, {"special_terms": []})
        again = http.post(
            "/v1/chat", json={"message": "no special terms", "session_id": session_id}
        )
        assert again.status_code == 200 and again.json()["question"]["slot"] == "self_service"
        assert len(http.get(f"/v1/sessions/{session_id}").json()["transcript"]) == 4


@pytest.mark.slow
def test_an_llm_that_fails_gives_a_polite_503(stalling: tuple[str, ScriptedOpenAI, Stall]) -> None:
    url, llm, _ = stalling
    with httpx.Client(base_url=url, timeout=30) as http:
        llm.enqueue_error(500)
        failed = http.post("/v1/chat", json={"message": "We need 300 seats"})
        assert (failed.status_code, failed.json()) == (503, {"error": POLITE})
        llm.enqueue_error(401, message="bad key")
        failed = http.post("/v1/chat", json={"message": "We need 300 seats"})
        assert (failed.status_code, failed.json()) == (503, {"error": POLITE})
        script_turn(llm, {"seats": 300})
        assert http.post("/v1/chat", json={"message": "We need 300 seats"}).status_code == 200


# --- the data directory at start-up ---------------------------------------------------------


def serve(
    data_dir: Path, wrap: Callable[[list[str]], list[str]] = lambda c: c
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "advisor", "serve", "--port", "0"]
    env = {**os.environ, "ADVISOR_DATA_DIR": str(data_dir)}
    return subprocess.run(wrap(command), env=env, capture_output=True, text=True, timeout=60)


def assert_refused(result: subprocess.CompletedProcess[str], message: str) -> None:
    assert result.returncode == 1, result.stderr
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.startswith("Error: ") and message in result.stderr, result.stderr


def in_private_mount(setup: str) -> Callable[[list[str]], list[str]] | None:
    """Return a wrapper running a command in its own mount namespace after `setup`, if allowed."""
    if not shutil.which("unshare"):
        return None
    probe = subprocess.run(["unshare", "--mount", "true"], capture_output=True)
    if probe.returncode != 0:
        return None
    return lambda command: [
        "unshare",
        "--mount",
        "sh",
        "-ec",
        f'{setup}\nexec "$@"',
        "sh",
        *command,
    ]


@pytest.mark.slow
def test_a_read_only_data_dir_fails_at_start(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    if os.geteuid() != 0:
        data.chmod(0o500)
        assert_refused(
            serve(data), f"ADVISOR_DATA_DIR {data} is not a writable directory (Permission denied)"
        )
        return
    # root ignores file modes, so make the directory a read-only mount in a private namespace
    wrap = in_private_mount(f"mount --bind {data} {data}\nmount -o remount,bind,ro {data}")
    if wrap is None:
        pytest.skip("root, and no private mount namespace to make a read-only directory in")
    assert_refused(
        serve(data, wrap),
        f"ADVISOR_DATA_DIR {data} is not a writable directory (Read-only file system)",
    )


@pytest.mark.slow
def test_a_full_data_dir_fails_at_start(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    wrap = in_private_mount(
        f"mount -t tmpfs -o size=64k tmpfs {data}\n"
        f"dd if=/dev/zero of={data}/filler bs=4k 2>/dev/null || true"
    )
    if wrap is not None:
        assert_refused(
            serve(data, wrap),
            f"ADVISOR_DATA_DIR {data} is not a writable directory (No space left on device)",
        )
    # without mounts: the write check itself lands on /dev/full, which is always full
    (data / ".write-check").symlink_to("/dev/full")
    assert_refused(
        serve(data),
        f"ADVISOR_DATA_DIR {data} is not a writable directory (No space left on device)",
    )


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda d: d.with_name("data").write_text("a file"),
            "is not a writable directory (File exists)",
        ),
        (lambda d: (d.mkdir(), (d / "sessions.sqlite").mkdir()), "the conversation store"),
        (
            lambda d: (d.mkdir(), (d / "sessions.sqlite").write_bytes(b"not a database" * 100)),
            "file is not a database",
        ),
    ],
    ids=[
        "a file instead of the folder",
        "a folder instead of the store",
        "a store that is not SQLite",
    ],
)
def test_an_unusable_store_fails_at_start(
    tmp_path: Path,
    make: Callable[[Path], object],
    message: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = tmp_path / "data"
    make(data)
    monkeypatch.setenv("ADVISOR_DATA_DIR", str(data))
    run = run_cli(["serve", "--port", "0"], "", capsys, monkeypatch)
    assert_refused(subprocess.CompletedProcess([], run.code, run.out, run.err), message)
