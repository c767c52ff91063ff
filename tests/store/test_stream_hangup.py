"""A client that hangs up mid-stream never holds a session's lock."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from advisor.chat import ChatService
from advisor.config import Settings
from tests.scripted import ScriptedChatModel

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
