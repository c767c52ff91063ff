"""The HTTP service against hostile or careless clients.

A POST under /v1/ must say it is JSON (so a cross-site form or `text/plain` post, which a browser
sends without a CORS preflight, does nothing), a message of invisible characters is empty, and
`advisor serve` copes with clients that hang up mid-body, send oversized headers or sit idle,
and with SIGTERM while a stream is open.
"""

from __future__ import annotations

import re
import signal
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from advisor.channels.http import create_app
from advisor.cli import GRACEFUL_SHUTDOWN_S, KEEP_ALIVE_S
from advisor.config import Settings
from advisor.guidance.index import GuidanceIndex
from tests.fake_openai import Reply, ScriptedOpenAI
from tests.servers import advisor_process, free_port, serve_app

ALLOWED_ORIGIN = "https://shop.example"


@dataclass
class Server:
    url: str
    store: Path


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, guidance_index: GuidanceIndex
) -> Iterator[Server]:
    data = tmp_path_factory.mktemp("hardening")
    settings = Settings(data_dir=data, rate_limit_per_minute=0, cors_origins=[ALLOWED_ORIGIN])
    with serve_app(create_app(settings, index=guidance_index)) as url:
        yield Server(url, data / "sessions.sqlite")


@pytest.fixture
def http(server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        yield client


def conversations(server: Server) -> int:
    """Count the conversations in the store."""
    if not server.store.exists():
        return 0
    with sqlite3.connect(f"file:{server.store}?mode=ro", uri=True) as db:
        count: int = db.execute("SELECT count(DISTINCT thread_id) FROM checkpoints").fetchone()[0]
    return count


# --- POST bodies must be declared as JSON ---------------------------------------------------

CHAT = b'{"message": "We are 300 people"}'


@pytest.mark.slow
@pytest.mark.parametrize("path", ["/v1/chat", "/v1/chat/stream", "/v1/ask", "/v1/classify"])
@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "text/plain;charset=UTF-8",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "text/json",
        "application/json-patch+json",
        None,
    ],
)
def test_a_post_not_declared_as_json_is_415(
    server: Server, http: httpx.Client, path: str, content_type: str | None
) -> None:
    before = conversations(server)
    body = b'{"message": "We are 300 people", "question": "What is CSP?"}'
    if path == "/v1/classify":
        body = b'{"seats": 300}'
    headers = {} if content_type is None else {"content-type": content_type}
    response = http.post(path, content=body, headers=headers)
    assert response.request.headers.get("content-type") == content_type
    assert response.status_code == 415, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "error": "request body: must be JSON sent as Content-Type: application/json"
    }
    assert conversations(server) == before


@pytest.mark.slow
def test_a_cross_site_text_plain_post_does_nothing(server: Server, http: httpx.Client) -> None:
    """What a page on any site can send without a preflight: refused before any work."""
    before = conversations(server)
    for origin in ["https://evil.example", ALLOWED_ORIGIN]:
        response = http.post(
            "/v1/chat",
            content=CHAT,
            headers={"content-type": "text/plain;charset=UTF-8", "origin": origin},
        )
        assert response.status_code == 415
        assert "session_id" not in response.json()
    assert conversations(server) == before


@pytest.mark.slow
@pytest.mark.parametrize(
    "content_type", ["application/json", "application/json; charset=utf-8", "Application/JSON"]
)
def test_json_with_parameters_is_accepted(http: httpx.Client, content_type: str) -> None:
    response = http.post("/v1/chat", content=CHAT, headers={"content-type": content_type})
    assert response.status_code == 200, response.text
    assert response.json()["question"]["slot"] == "special_terms"


# --- invisible messages are empty ------------------------------------------------------------

INVISIBLE = [
    "\u200b\u200d\ufeff",
    " \u200b \u00a0\u3000\t",
    "\u2060\u180e\u200c\u200e\u202e",
    "\u00ad\u034f\ufe0f",
    "\u3164\u115f\u2800",
    "\u2028\u2029\U000e0020",
]


@pytest.mark.slow
@pytest.mark.parametrize("path", ["/v1/chat", "/v1/chat/stream"])
@pytest.mark.parametrize("message", INVISIBLE)
def test_a_message_of_invisible_characters_is_empty(
    server: Server, http: httpx.Client, path: str, message: str
) -> None:
    before = conversations(server)
    response = http.post(path, json={"message": message})
    assert response.status_code == 422
    assert response.json() == {"error": "message: must not be empty", "field": "message"}
    assert conversations(server) == before


@pytest.mark.slow
def test_a_question_of_invisible_characters_is_empty(http: httpx.Client) -> None:
    response = http.post("/v1/ask", json={"question": "\u200b\u200d\ufeff"})
    assert response.status_code == 422
    assert response.json() == {"error": "question: must not be empty", "field": "question"}


@pytest.mark.slow
def test_invisible_characters_around_words_are_a_message(http: httpx.Client) -> None:
    response = http.post("/v1/chat", json={"message": "\u200bWe are 300 people 👩\u200d💻"})
    assert response.status_code == 200
    assert response.json()["question"]["slot"] == "special_terms"


@pytest.mark.slow
@pytest.mark.parametrize("slot", [{}, [], 5, None])
def test_a_quick_reply_slot_that_is_not_a_name_is_422(http: httpx.Client, slot: Any) -> None:
    response = http.post("/v1/chat", json={"message": "x", "answer": {"slot": slot, "value": []}})
    assert response.status_code == 422
    assert response.json()["field"] == "answer.slot"
    assert response.json()["error"].startswith("answer.slot: must be one of special_terms")


# --- advisor serve: clients that hang up, idle or send too much; SIGTERM ---------------------


def serve_log(data: Path, port: int) -> str:
    return (data.parent / f"serve-{port}.log").read_text(errors="replace")


def head(path: str, length: int) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {length}\r\n\r\n"
    ).encode()


@pytest.mark.slow
def test_a_client_that_hangs_up_mid_body_leaves_no_traceback(tmp_path: Path) -> None:
    data, port = tmp_path / "data", free_port()
    with advisor_process(data, port=port) as (url, _):
        for path in ["/v1/chat", "/v1/chat/stream", "/v1/classify", "/api/messages"]:
            with socket.create_connection(("127.0.0.1", port)) as sock:
                sock.sendall(head(path, 1000) + b'{"message"')
                time.sleep(0.2)
        time.sleep(0.5)
        after = httpx.post(f"{url}/v1/chat", json={"message": "We are 300 people"}, timeout=30)
        assert after.status_code == 200
    log = serve_log(data, port)
    assert "Traceback" not in log, log
    assert not re.search(r'HTTP/1\.1" 5\d\d', log), log


@pytest.mark.slow
def test_serve_closes_idle_connections_and_refuses_oversized_headers(tmp_path: Path) -> None:
    data, port = tmp_path / "data", free_port()
    with advisor_process(data, port=port):
        with socket.create_connection(("127.0.0.1", port)) as idle:
            idle.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            idle.settimeout(KEEP_ALIVE_S + 10)
            answer = b""
            while not answer.endswith(b'{"status":"ok"}'):
                answer += idle.recv(4096)
            assert answer.startswith(b"HTTP/1.1 200")
            waited = time.monotonic()
            assert idle.recv(4096) == b"", "the idle connection was not closed"
            assert time.monotonic() - waited < KEEP_ALIVE_S + 3

        with socket.create_connection(("127.0.0.1", port)) as big:
            big.settimeout(10)
            # over the 16 KiB limit, and no end of the headers in sight
            big.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: " + b"a" * 20_000)
            answer = b""
            while chunk := big.recv(4096):  # until the server closes the connection
                answer += chunk
            assert answer.startswith(b"HTTP/1.1 400"), answer
            assert b"Invalid HTTP request" in answer  # and then the connection is closed


def closed_within(sock: socket.socket, seconds: float) -> float:
    """Read until the server closes the connection; return how long that took."""
    sock.settimeout(seconds + 5)
    started = time.monotonic()
    while sock.recv(4096):
        pass
    return time.monotonic() - started


@pytest.mark.slow
def test_serve_cuts_off_clients_that_trickle_a_request(tmp_path: Path) -> None:
    data, port = tmp_path / "data", free_port()
    env = {"ADVISOR_HTTP_HEAD_TIMEOUT_S": "1.5", "ADVISOR_HTTP_BODY_TIMEOUT_S": "1.5"}
    with advisor_process(data, env=env, port=port) as (url, _):
        # a slowloris client: the head never ends, though a byte comes now and then
        with socket.create_connection(("127.0.0.1", port)) as slow:
            slow.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            for _ in range(3):
                time.sleep(0.4)
                slow.sendall(b"X")
            assert closed_within(slow, 1.5) < 3
        # a body that stops halfway
        with socket.create_connection(("127.0.0.1", port)) as stalled:
            stalled.sendall(head("/v1/chat", 1000) + b'{"message": "we are')
            assert closed_within(stalled, 1.5) < 4
        # a client at a working pace is served, twice on one connection
        with httpx.Client(base_url=url, timeout=120) as client:
            for _ in range(2):
                assert client.post("/v1/chat", json={"message": "300 seats"}).status_code == 200
                time.sleep(1)
    log = serve_log(data, port)
    assert "Traceback" not in log, log
    assert "came too slowly" in log


@pytest.mark.slow
def test_sigterm_ends_serve_within_the_graceful_timeout_while_a_stream_is_open(
    tmp_path: Path,
) -> None:
    reached, release = threading.Event(), threading.Event()

    def stalled_model(body: dict[str, Any]) -> Reply:
        reached.set()
        release.wait(120)
        return Reply(status=500, error="released")

    with ScriptedOpenAI(default=stalled_model) as llm:
        env = {
            "ADVISOR_MODEL": "openai:gpt-test",
            "OPENAI_API_KEY": "test-key",
            "OPENAI_BASE_URL": llm.base_url,
            "ADVISOR_LLM_MAX_RETRIES": "0",
            "ADVISOR_LLM_TIMEOUT_S": "120",
        }
        with advisor_process(tmp_path / "data", env) as (url, process):
            seen: list[object] = []

            def stream() -> None:
                try:
                    with httpx.stream(
                        "POST", f"{url}/v1/chat/stream", json={"message": "hi"}, timeout=120
                    ) as response:
                        seen.append(response.status_code)
                        for line in response.iter_lines():
                            seen.append(line)
                except httpx.HTTPError as exc:
                    seen.append(type(exc).__name__)

            client = threading.Thread(target=stream)
            client.start()
            try:
                assert reached.wait(30), "the stream never reached the model"
                sent = time.monotonic()
                process.send_signal(signal.SIGTERM)
                process.wait(GRACEFUL_SHUTDOWN_S + 10)
                took = time.monotonic() - sent
                client.join(10)
            finally:
                release.set()
    assert took < GRACEFUL_SHUTDOWN_S + 5
    assert seen[0] == 200 and not any("event: turn" == line for line in seen)
