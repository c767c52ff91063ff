"""Privacy: no message text in the logs, erasure that leaves nothing in the file, retention."""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from advisor.agent import graph as agent
from advisor.channels.http import create_app
from advisor.chat import ChatService
from advisor.config import Settings
from advisor.store.retention import last_activity, purge_sessions, retention_cutoff, thread_ids
from tests.cli_helpers import run_cli
from tests.fake_openai import Reply, ScriptedOpenAI
from tests.servers import serve_app

SECRET = "ZEBRAQUARTZ"  # in every customer message and model reply, never in a log
LONG_AGO = "2020-01-01T00:00:00+00:00"


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def records() -> Iterator[Records]:
    """Capture every log record at DEBUG, from the root and from uvicorn's own loggers."""
    handler = Records()
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.DEBUG)
    root.addHandler(handler)
    yield handler
    root.removeHandler(handler)
    root.setLevel(level)
    logging.getLogger("uvicorn").removeHandler(handler)


def model(body: dict[str, Any]) -> Reply | str:
    """A model that records seats, searches the guidance, answers, and fails on request."""
    last = body["messages"][-1]
    if last["role"] == "user":
        if "fail" in last["content"]:
            return Reply(status=500, error=f"upstream error about {SECRET}")
        calls = [("record_facts", {"seats": 300}), ("search_guidance", {"query": last["content"]})]
        return Reply(tool_calls=calls, finish_reason="tool_calls")
    return f"Noted, {SECRET}. The guidance covers that."


def conversation(url: str, records: Records) -> None:
    """Talk over every channel, with a turn that fails, and check what the customer saw."""
    logging.getLogger("uvicorn").addHandler(records)
    teams = {
        "type": "message",
        "channelId": "msteams",
        "serviceUrl": "http://127.0.0.1:9/",
        "deliveryMode": "expectReplies",
        "from": {"id": "29:user"},
        "recipient": {"id": "28:bot"},
        "conversation": {"id": "privacy"},
    }
    with httpx.Client(base_url=url, timeout=30) as http:
        first = http.post("/v1/chat", json={"message": f"We are {SECRET}, 300 seats"})
        assert first.status_code == 200 and SECRET in first.json()["reply"]
        session_id = first.json()["session_id"]
        failed = http.post(
            "/v1/chat", json={"message": f"please fail {SECRET}", "session_id": session_id}
        )
        assert failed.status_code == 503
        with http.stream(
            "POST", "/v1/chat/stream", json={"message": f"{SECRET} again", "session_id": session_id}
        ) as stream:
            assert SECRET in stream.read().decode()
        assert http.post("/v1/ask", json={"question": f"What is CSP, {SECRET}?"}).status_code == 200
        assert (
            http.post("/api/messages", json={**teams, "text": f"{SECRET} 300 seats"}).status_code
            == 200
        )
        assert (
            http.post("/api/messages", json={**teams, "text": f"fail {SECRET}"}).status_code == 200
        )
        assert http.post("/api/messages", json={**teams, "text": [SECRET]}).status_code == 422
        assert http.post("/v1/chat", json={"message": SECRET * 1000}).status_code == 422
        assert SECRET in json.dumps(http.get(f"/v1/sessions/{session_id}").json())


@pytest.fixture
def clean_teams_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("CONNECTIONS__", "CONNECTIONSMAP__")):
            monkeypatch.delenv(name)


@pytest.mark.slow
@pytest.mark.usefixtures("clean_teams_env")
@pytest.mark.parametrize("log_text", [False, True])
def test_logs_hold_message_text_only_when_asked(
    tmp_path: Path, records: Records, log_text: bool
) -> None:
    with ScriptedOpenAI(default=model) as llm:
        settings = Settings(
            data_dir=tmp_path,
            model="openai:gpt-test",
            openai_api_key="k",
            openai_base_url=llm.base_url,
            llm_max_retries=0,
            log_message_text=log_text,
        )
        with serve_app(create_app(settings)) as url:
            conversation(url, records)
    assert len(records.lines) > 50, "the capture saw the service's logs"
    leaked = [line for line in records.lines if SECRET in line]
    if log_text:
        assert leaked and all(line.startswith("advisor.agent.graph INFO") for line in leaked)
    else:
        assert leaked == []


def store_rows(path: Path, thread_id: str) -> tuple[int, int]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        return (
            db.execute(
                "SELECT count(*) FROM checkpoints WHERE thread_id = ?", (thread_id,)
            ).fetchone()[0],
            db.execute("SELECT count(*) FROM writes WHERE thread_id = ?", (thread_id,)).fetchone()[
                0
            ],
        )


def file_bytes(data_dir: Path) -> bytes:
    return b"".join(p.read_bytes() for p in data_dir.glob("sessions.sqlite*"))


@pytest.mark.slow
def test_delete_erases_the_conversation_from_the_file(tmp_path: Path) -> None:
    with (
        serve_app(create_app(Settings(data_dir=tmp_path))) as url,
        httpx.Client(base_url=url, timeout=30) as http,
    ):
        keep = http.post("/v1/chat", json={"message": "We are Contoso, 40 seats"}).json()[
            "session_id"
        ]
        turn = http.post("/v1/chat", json={"message": f"We are {SECRET}, 300 seats"}).json()
        session_id = turn["session_id"]
        http.post(
            "/v1/chat", json={"message": f"no special terms, {SECRET}", "session_id": session_id}
        )
        assert store_rows(tmp_path / "sessions.sqlite", session_id)[0] > 0
        assert SECRET.encode() in file_bytes(tmp_path)

        assert http.delete(f"/v1/sessions/{session_id}").status_code == 204
        assert http.get(f"/v1/sessions/{session_id}").status_code == 404
        assert http.delete(f"/v1/sessions/{session_id}").status_code == 404
        assert store_rows(tmp_path / "sessions.sqlite", session_id) == (0, 0)
        assert SECRET.encode() not in file_bytes(tmp_path), "zeroed, and gone from the log too"
        assert http.get(f"/v1/sessions/{keep}").status_code == 200


# --- retention ------------------------------------------------------------------------------


@pytest.fixture
def sessions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, guidance_index: Any
) -> tuple[ChatService, dict[str, str]]:
    """One conversation idle since 2020, one that began then but spoke today, one from today."""
    service = ChatService(Settings(data_dir=tmp_path), index=guidance_index)
    with monkeypatch.context() as past:
        past.setattr(agent, "_now", lambda: LONG_AGO)
        old = service.chat("We need 40 seats").session_id
        revived = service.chat("We need 50 seats").session_id
    service.chat("no special terms", revived)
    new = service.chat("We need 60 seats").session_id
    return service, {"old": old, "revived": revived, "new": new}


def test_purge_erases_only_conversations_idle_past_the_cutoff(
    sessions: tuple[ChatService, dict[str, str]],
) -> None:
    service, ids = sessions
    checkpointer = service.checkpointer
    assert sorted(thread_ids(checkpointer)) == sorted(ids.values())
    assert str(last_activity(checkpointer, ids["old"])) == "2020-01-01 00:00:00+00:00"
    assert purge_sessions(checkpointer, retention_cutoff(30)) == 1
    assert not service.exists(ids["old"])
    assert service.exists(ids["revived"]) and service.exists(ids["new"])
    assert purge_sessions(checkpointer, retention_cutoff(30)) == 0


@pytest.mark.slow
def test_the_service_purges_at_start_up(
    sessions: tuple[ChatService, dict[str, str]], tmp_path: Path
) -> None:
    _, ids = sessions
    settings = Settings(data_dir=tmp_path, session_retention_days=30)
    with serve_app(create_app(settings)) as url, httpx.Client(base_url=url, timeout=30) as http:
        assert http.get(f"/v1/sessions/{ids['old']}").status_code == 404
        assert http.get(f"/v1/sessions/{ids['revived']}").status_code == 200
        assert http.get(f"/v1/sessions/{ids['new']}").status_code == 200


@pytest.mark.slow
def test_zero_retention_keeps_everything(
    sessions: tuple[ChatService, dict[str, str]], tmp_path: Path
) -> None:
    _, ids = sessions
    settings = Settings(data_dir=tmp_path, session_retention_days=0)
    with serve_app(create_app(settings)) as url:
        assert httpx.get(f"{url}/v1/sessions/{ids['old']}", timeout=30).status_code == 200


@pytest.mark.slow
def test_the_service_purges_periodically(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(data_dir=tmp_path, session_retention_days=1, session_purge_interval_s=0.1)
    app = create_app(settings)
    with serve_app(app) as url, httpx.Client(base_url=url, timeout=30) as http:
        with monkeypatch.context() as past:
            past.setattr(agent, "_now", lambda: LONG_AGO)
            old = app.state.service.chat("We need 40 seats").session_id
        # stored when chat returned; the purge may erase it before any request could look
        deadline = time.monotonic() + 5
        while http.get(f"/v1/sessions/{old}").status_code == 200:
            assert time.monotonic() < deadline, "the periodic purge did not run"
            time.sleep(0.05)


def test_sessions_purge_command(
    sessions: tuple[ChatService, dict[str, str]],
    data_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, ids = sessions
    monkeypatch.setenv("ADVISOR_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ADVISOR_SESSION_RETENTION_DAYS", "0")
    run = run_cli(["sessions", "purge"], "", capsys, monkeypatch)
    assert (run.code, run.err) == (0, "")
    assert run.out.startswith("Nothing purged: ADVISOR_SESSION_RETENTION_DAYS is 0")
    monkeypatch.setenv("ADVISOR_SESSION_RETENTION_DAYS", "30")
    run = run_cli(["sessions", "purge"], "", capsys, monkeypatch)
    assert (run.code, run.out) == (
        0,
        "Purged 1 conversation whose last turn was over 30 days ago\n",
    )
    time.sleep(1)  # the last turns are now over 0.86 s (0.00001 days) old
    run = run_cli(["sessions", "purge", "--older-than-days", "0.00001"], "", capsys, monkeypatch)
    assert (run.code, run.out) == (
        0,
        "Purged 2 conversations whose last turn was over 1e-05 days ago\n",
    )
    assert ChatService(Settings(data_dir=tmp_path)).exists(ids["new"]) is False


@pytest.mark.slow
def test_a_retention_set_in_the_console_is_the_one_the_purge_keeps(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(data_dir=tmp_path, session_retention_days=0, session_purge_interval_s=0.1)
    app = create_app(settings)
    with serve_app(app) as url, httpx.Client(base_url=url, timeout=30) as http:
        with monkeypatch.context() as past:
            past.setattr(agent, "_now", lambda: LONG_AGO)
            old = app.state.service.chat("We need 40 seats").session_id
        time.sleep(0.5)  # several purges: with no limit, nothing goes
        assert http.get(f"/v1/sessions/{old}").status_code == 200
        app.state.service.configuration.change({"session_retention_days": 30.0}, "admin-sub")
        deadline = time.monotonic() + 5
        while http.get(f"/v1/sessions/{old}").status_code == 200:
            assert time.monotonic() < deadline, "the purge did not take the console's retention"
            time.sleep(0.05)
