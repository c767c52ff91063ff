"""A client that hangs up mid-stream never holds a session's lock."""

from __future__ import annotations

import json
import socket
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from advisor.channels.http import create_app
from advisor.chat import ChatService
from advisor.config import Settings
from tests.scripted import ScriptedChatModel
from tests.servers import serve_app

JSON = {"Content-Type": "application/json"}

ANSWER = (
    "In the breadth motion a CSP partner owns the whole relationship. "
    "They handle the contract, pricing and support. "
    "They add services of their own."
)


def test_streams_abandoned_mid_answer_leave_the_session_free(
    tmp_path: Path, guidance_index: Any
) -> None:
    model = ScriptedChatModel()
    service = ChatService(Settings(data_dir=tmp_path), model=model, index=guidance_index)
    model.enqueue_tool_calls([("classify_motion", {})])
    session = service.chat("Hello").session_id
    abandoned = []  # kept alive and never closed, as a server that misses the hang-up does
    for _ in range(3):
        model.enqueue_tool_calls([("search_guidance", {"query": "CSP partner role"})])
        model.enqueue_text(ANSWER)
        events = service.stream("What does a CSP partner do?", session)
        kind, _ = next(events)  # the first sentence of the answer arrives, then the reader goes
        assert kind == "delta"
        abandoned.append(events)
    model.enqueue_tool_calls([("record_facts", {"special_terms": []})])
    done = threading.Event()

    def another_turn() -> None:
        service.chat("no special terms", session)
        done.set()

    threading.Thread(target=another_turn, daemon=True).start()
    assert done.wait(30), "the session's lock was still held by a stream nobody reads"
    assert service.session(session)["profile"]["special_terms"] == []
    # every abandoned turn finished and was stored, whole
    assert len(service.session(session)["transcript"]) == 2 * 5


def _events_then_hang_up(port: int, body: bytes, events: int) -> None:
    """Post a streamed turn, read `events` server-sent events, then drop the connection."""
    head = (
        "POST /v1/chat/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head + body)
        received = b""
        while received.count(b"\n\n") < events:
            chunk = sock.recv(4096)
            if not chunk:
                break
            received += chunk


@pytest.mark.slow
def test_clients_hanging_up_at_every_event_lock_nobody_out(
    tmp_path: Path, guidance_index: Any
) -> None:
    settings = Settings(data_dir=tmp_path)
    app = create_app(settings, index=guidance_index)
    with serve_app(app) as url:
        port = int(url.rsplit(":", 1)[1])
        with httpx.Client(base_url=url, timeout=30) as client:
            session = client.post("/v1/chat", json={"message": "hello"}).json()["session_id"]
            body = json.dumps({"message": "What does a CSP partner do?", "session_id": session})
            whole = client.post("/v1/chat/stream", content=body, headers=JSON).text
            positions = whole.count("\n\n")
            assert positions >= 2  # deltas, then the turn
            for events in range(positions + 1):  # before the first event, ..., after the last
                _events_then_hang_up(port, body.encode(), events)
                started = time.monotonic()
                # the same session, and a new one, answer at once
                same = client.post("/v1/chat", json={"message": "ok", "session_id": session})
                fresh = client.post("/v1/chat", json={"message": "we have 300 seats"})
                assert same.status_code == fresh.status_code == 200
                assert time.monotonic() - started < 10
