"""Scale-out on real engines: two `advisor serve` workers sharing PostgreSQL and a Chroma server.

Starts a throwaway PostgreSQL cluster (Debian's package; `.ci/run` installs it) and a
`chroma run` server on loopback, then carries conversations across both workers as a load
balancer would. Skipped only when PostgreSQL is not installed.
"""

from __future__ import annotations

import itertools
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from advisor.chat import ChatService
from advisor.config import Settings
from advisor.domain.policy import classify
from advisor.domain.schemas import ChatTurn, Lang, Profile
from advisor.errors import ConfigError, ServiceError
from advisor.evaluation.simulator import answer_slot
from advisor.guidance.index import GuidanceIndex
from advisor.guidance.knowledge import load_knowledge
from advisor.resources import data_path
from advisor.store.sessions import make_checkpointer, make_session_lock
from tests.engines import advisor_workers, chroma_server, postgres_bindir, postgres_server
from tests.servers import free_port
from tests.store.test_session_locks import BUSY, SlowOfflineModel, assert_both_turns_landed, at_once

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    if postgres_bindir() is None:
        pytest.skip("PostgreSQL is not installed: apt-get install -y postgresql (.ci/run does)")
    with postgres_server() as url:
        yield url


@pytest.fixture(scope="module")
def chroma(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    with chroma_server(tmp_path_factory.mktemp("chroma")) as address:
        yield address


@pytest.fixture(scope="module")
def workers(
    postgres_url: str, chroma: tuple[str, int], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[list[httpx.Client]]:
    env = {
        "ADVISOR_DATABASE_URL": postgres_url,
        "CHROMA_HOST": chroma[0],
        "CHROMA_PORT": str(chroma[1]),
        "ADVISOR_RATE_LIMIT_PER_MINUTE": "0",  # the tests are one client sending fast
    }
    # started together: both create the tables and build the index at the same moment
    with advisor_workers(2, env, tmp_path_factory.mktemp("workers")) as started:
        clients = [httpx.Client(base_url=url, timeout=30) for url, _ in started]
        yield clients
        for client in clients:
            client.close()


@pytest.fixture
def pg_settings(postgres_url: str, tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=postgres_url)


def closed_port() -> int:
    return free_port()  # nothing listens there once the probe socket is closed


def post_chat(client: httpx.Client, message: str, session_id: str | None) -> ChatTurn:
    body: dict[str, Any] = {"message": message}
    if session_id is not None:
        body["session_id"] = session_id
    response = client.post("/v1/chat", json=body)
    assert response.status_code == 200, response.text
    return ChatTurn.model_validate(response.json())


CONVERSATIONS = [
    (
        "en",
        "Hello, we're looking at Microsoft 365",
        Profile(special_terms=[], self_service=False, seats=300, azure_annual_usd=50_000),
    ),
    (
        "ja",
        "こんにちは。Microsoft 365 を検討しています",
        Profile(special_terms=[], self_service=False, seats=5_000, azure_annual_usd=0),
    ),
]


@pytest.mark.parametrize(("lang", "opening", "profile"), CONVERSATIONS, ids=["en", "ja"])
def test_one_conversation_carried_across_two_workers(
    workers: list[httpx.Client], lang: Lang, opening: str, profile: Profile
) -> None:
    a, b = workers
    message, session_id = opening, None
    said: list[str] = []
    for client in itertools.islice(itertools.cycle([a, b]), 8):  # A, B, A, B, ...
        turn = post_chat(client, message, session_id)
        said += [message, turn.reply]
        session_id = turn.session_id
        if turn.question is None:
            break
        message = answer_slot(turn.question.slot, profile, lang)
    assert len(said) >= 6, "at least turn 1 on A, turn 2 on B, turn 3 on A"
    expected = classify(profile, lang).model_dump(mode="json")
    assert turn.recommendation is not None
    assert turn.recommendation.model_dump(mode="json")["motion"] == expected["motion"]

    on_b = b.get(f"/v1/sessions/{session_id}").json()
    assert [entry["text"] for entry in on_b["transcript"]] == said
    assert on_b["recommendation"]["motion"] == expected["motion"]
    assert on_b["lang"] == lang


def test_a_session_erased_on_one_worker_is_gone_on_the_other(
    workers: list[httpx.Client],
) -> None:
    a, b = workers
    turn = post_chat(a, "We need 500 seats", None)
    assert b.get(f"/v1/sessions/{turn.session_id}").status_code == 200
    assert b.delete(f"/v1/sessions/{turn.session_id}").status_code == 204
    gone = a.get(f"/v1/sessions/{turn.session_id}")
    assert (gone.status_code, gone.json()["error"]) == (
        404,
        f"session_id: no session {turn.session_id}",
    )


def test_one_session_sent_to_both_workers_at_once_takes_turns(
    workers: list[httpx.Client],
) -> None:
    a, b = workers
    sessions = [post_chat(a, "Hello", None).session_id for _ in range(8)]
    for session_id in sessions:
        results = at_once(
            lambda s=session_id: post_chat(a, "We have 300 seats", s),
            lambda s=session_id: post_chat(b, "no special terms", s),
        )
        assert_both_turns_landed(_Reader(b), session_id, results)


class _Reader:
    """Read a session over HTTP with ChatService's `session` signature."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client

    def session(self, session_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self.client.get(f"/v1/sessions/{session_id}").json()
        return result


def test_two_services_sharing_postgres_take_turns(pg_settings: Settings) -> None:
    # the model pauses, so the two turns surely overlap; each service has its own pools and
    # in-process locks, as two processes would: only the advisory lock orders them
    one = ChatService(pg_settings, model=SlowOfflineModel())
    two = ChatService(pg_settings, model=SlowOfflineModel())
    try:
        first = one.chat("Hello")
        results = at_once(
            lambda: one.chat("We have 300 seats", first.session_id),
            lambda: two.chat("no special terms", first.session_id),
        )
        assert_both_turns_landed(two, first.session_id, results)
        one.delete(first.session_id)
        assert not two.exists(first.session_id)
    finally:
        for service in (one, two):
            service.session_lock.close()
            service.checkpointer.conn.close()  # type: ignore[attr-defined]


def test_a_turn_waits_a_bounded_time_for_one_on_another_worker(pg_settings: Settings) -> None:
    holder = make_session_lock(pg_settings, wait_s=0.3)
    waiter = make_session_lock(pg_settings, wait_s=0.3)
    try:
        with holder("s-1"):
            start = time.monotonic()
            with pytest.raises(ServiceError) as raised, waiter("s-1"):
                pass
            assert raised.value.message == BUSY
            assert time.monotonic() - start < 5
            with waiter("s-2"):
                pass
        with waiter("s-1"):
            pass
    finally:
        holder.close()
        waiter.close()


def test_workers_starting_together_set_the_store_up_once(postgres_url: str, tmp_path: Path) -> None:
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("CREATE DATABASE fresh")
    settings = Settings(data_dir=tmp_path, database_url=postgres_url.rsplit("/", 1)[0] + "/fresh")
    savers = at_once(*[lambda: make_checkpointer(settings) for _ in range(4)])
    try:
        assert not [s for s in savers if isinstance(s, Exception)], savers
    finally:
        for saver in savers:
            if not isinstance(saver, Exception):
                saver.conn.close()


def test_a_store_that_cannot_be_reached_fails_at_start_in_one_line(tmp_path: Path) -> None:
    port = closed_port()
    url = f"postgresql://advisor:s3cret@127.0.0.1:{port}/advisor"
    start = time.monotonic()
    with pytest.raises(ConfigError) as raised:
        make_checkpointer(Settings(data_dir=tmp_path, database_url=url))
    message = raised.value.message
    assert message.startswith(
        f"ADVISOR_DATABASE_URL: cannot connect to the conversation store at 127.0.0.1:{port}/advisor ("
    )
    assert "Connection refused" in message
    assert "s3cret" not in message and "\n" not in message
    assert time.monotonic() - start < 10


@pytest.mark.parametrize(
    ("url", "error"),
    [
        (
            "{server}/no_such_database",
            ': cannot connect to the conversation store at 127.0.0.1:{port}/no_such_database (connection failed: connection to server at "127.0.0.1", port {port} failed: FATAL:  database "no_such_database" does not exist)',
        ),
        (
            "postgresql://advisor:s3cret@[127.0.0.1/advisor",
            ' is not a valid postgresql:// URL: end of string reached when looking for matching "]" in IPv6 host address in URI: "postgresql://advisor:***@[127.0.0.1/advisor"',
        ),
        ("mysql://advisor@127.0.0.1/advisor", " must be a postgresql:// URL, not 'mysql'"),
    ],
    ids=["unknown-database", "malformed", "not-postgres"],
)
def test_a_wrong_database_url_names_what_is_wrong(
    postgres_url: str, tmp_path: Path, url: str, error: str
) -> None:
    server, port = postgres_url.rsplit("/", 1)[0], postgres_url.split(":")[-1].split("/")[0]
    with pytest.raises(ConfigError) as raised:
        make_checkpointer(
            Settings(data_dir=tmp_path, database_url=url.format(server=server, port=port))
        )
    assert raised.value.message == "ADVISOR_DATABASE_URL" + error.format(port=port)


@pytest.mark.parametrize("store", ["postgres", "chroma"])
def test_advisor_serve_says_in_one_line_which_server_it_cannot_reach(
    tmp_path: Path, store: str
) -> None:
    port = closed_port()
    env = (
        {"ADVISOR_DATABASE_URL": f"postgresql://advisor@127.0.0.1:{port}/advisor"}
        if store == "postgres"
        else {"CHROMA_HOST": "127.0.0.1", "CHROMA_PORT": str(port)}
    )
    result = subprocess.run(
        [sys.executable, "-m", "advisor", "serve", "--port", str(free_port())],
        env={**_environ(), "ADVISOR_DATA_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stdout == ""
    last = result.stderr.strip().splitlines()[-1]
    expected = {
        "postgres": f"Error: ADVISOR_DATABASE_URL: cannot connect to the conversation store at 127.0.0.1:{port}/advisor (",
        "chroma": f"Error: Cannot reach the Chroma server at 127.0.0.1:{port} (CHROMA_HOST, CHROMA_PORT): ",
    }[store]
    assert last.startswith(expected)
    assert "Traceback" not in result.stderr


def _environ() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k not in ("CHROMA_HOST", "CHROMA_PORT")}


def test_the_index_on_a_chroma_server(tmp_path: Path) -> None:
    with chroma_server(tmp_path / "chroma") as (host, port):
        settings = Settings(data_dir=tmp_path / "data", chroma_host=host, chroma_port=port)
        # workers starting together all build the new index; none fails
        opened = at_once(*[lambda: GuidanceIndex.open(settings) for _ in range(4)])
        assert not [o for o in opened if isinstance(o, Exception)], opened
        assert opened[0].search("Who manages subscriptions?", "en")

        again = GuidanceIndex.open(settings)
        assert again.stats is not None and again.stats.built is False

        root = tmp_path / "knowledge"
        shutil.copytree(data_path("knowledge"), root)
        path = root / "en" / "purchasing-motions.md"
        path.write_text(
            path.read_text(encoding="utf-8").replace(
                "Microsoft asks partners to check regularly",
                "Zebra crossings are not part of the guidance. "
                "Microsoft asks partners to check regularly",
            ),
            encoding="utf-8",
        )
        changed = GuidanceIndex.open(settings, load_knowledge(root))
        assert changed.stats is not None and changed.stats.built is True
        assert changed.search("zebra crossings", "en")[0].section.id == "csp-future"
        # a worker that opened the index before the change still searches it
        assert again.search("Who manages subscriptions?", "en")

    try:
        with pytest.raises(ServiceError) as raised:
            again.search("Who manages subscriptions?", "en")
        assert raised.value.message.startswith(f"The Chroma server at {host}:{port} failed: ")
    finally:
        # chromadb's client has no close(), and its kept-alive sockets would warn when collected
        for index in [*opened, again, changed]:
            for client in (index._client, index._client._admin_client):
                client._server._session.close()


def test_a_chroma_server_that_cannot_be_reached_is_named(tmp_path: Path) -> None:
    port = closed_port()
    with pytest.raises(ServiceError) as raised:
        GuidanceIndex.open(Settings(data_dir=tmp_path, chroma_host="127.0.0.1", chroma_port=port))
    assert raised.value.message == (
        f"Cannot reach the Chroma server at 127.0.0.1:{port} (CHROMA_HOST, CHROMA_PORT): "
        "Could not connect to a Chroma server. Are you sure it is running?"
    )


def test_retention_purges_old_sessions_in_postgres(pg_settings: Settings) -> None:
    import datetime as dt

    from advisor.store.retention import purge_sessions, thread_ids

    service = ChatService(pg_settings)
    try:
        kept = service.chat("We need 40 seats").session_id
        old = service.chat("We need 50 seats").session_id
        assert {kept, old} <= set(thread_ids(service.checkpointer))
        # nothing is older than an hour ago, so nothing goes
        assert (
            purge_sessions(service.checkpointer, dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
            == 0
        )
        service.delete(kept)
        assert (
            purge_sessions(service.checkpointer, dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1))
            >= 1
        )
        assert old not in thread_ids(service.checkpointer)
    finally:
        service.session_lock.close()
        service.checkpointer.conn.close()  # type: ignore[attr-defined]


def test_postgres_keeps_one_checkpoint_and_its_blobs_per_conversation(
    pg_settings: Settings, postgres_url: str
) -> None:
    service = ChatService(pg_settings)
    try:
        session = service.chat("hi").session_id
        for text in ["about 300 people", "no azure yet", "nothing special", "a partner please"]:
            service.chat(text, session)
        with psycopg.connect(postgres_url) as conn:
            counts = [
                conn.execute(
                    f"SELECT COUNT(*) FROM {table} WHERE thread_id = %s", (session,)
                ).fetchone()[0]  # type: ignore[index]
                for table in ("checkpoints", "checkpoint_blobs")
            ]
        assert counts[0] == 1
        # one blob per channel the latest checkpoint refers to, not one per turn
        assert counts[1] <= 12
        shown = service.session(session)
        assert shown["recommendation"]["motion"] == "breadth"
        assert len(shown["transcript"]) == 10
    finally:
        service.session_lock.close()
        service.checkpointer.conn.close()  # type: ignore[attr-defined]


def test_leads_live_in_postgres_with_the_conversations(postgres_url: str, tmp_path: Path) -> None:
    from advisor.store.leads import LeadStore, check_contact

    settings = Settings(data_dir=tmp_path / "data", database_url=postgres_url)
    store, other = LeadStore(settings), LeadStore(settings)  # two workers
    try:
        contact = check_contact(
            {"name": "Kim", "email": "kim@contoso.com", "company": "Contoso", "consent": True}
        )
        lead, created = store.add("pg-session", contact, "en", {"motion": "breadth"})
        again, created_again = other.add("pg-session", contact, "en", {"motion": "breadth"})
        assert created and not created_again and again.id == lead.id
        now = time.time()
        claimed = [store.claim_due(now, 60), other.claim_due(now, 60)]
        assert sorted(len(c) for c in claimed) == [0, 1]  # one worker gets it, the other none
        store.failed(lead.id, "HTTP 503", now - 1)
        (retried,) = other.claim_due(time.time(), 60)
        assert retried.attempts == 1 and retried.last_error == "HTTP 503"
        other.delivered(lead.id)
        assert store.claim_due(time.time() + 3600, 60) == []
        assert store.erase_session("pg-session") == 1 and other.get(lead.id) is None
    finally:
        store.close()
        other.close()


def test_workers_creating_the_tables_at_once_all_start(postgres_url: str, tmp_path: Path) -> None:
    # a database of its own, so the tables do not exist yet
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute('CREATE DATABASE "tables_at_once"')
    url = postgres_url.rsplit("/", 1)[0] + "/tables_at_once"
    from concurrent.futures import ThreadPoolExecutor

    from advisor.store.configuration import ConfigurationStore
    from advisor.store.feedback import FeedbackStore
    from advisor.store.leads import LeadStore

    def start(n: int) -> str:
        settings = Settings(data_dir=tmp_path / f"w{n}", database_url=url)
        for kind in (ConfigurationStore, FeedbackStore, LeadStore):
            kind(settings).close()
        return "started"

    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(start, range(8))) == ["started"] * 8
