"""A long conversation takes no more room, and no more time a turn, than a short one."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from advisor.channels.http import create_app
from advisor.chat import ChatService
from advisor.config import Settings
from advisor.errors import ConversationFullError, NotFoundError

LOOSE = ["hi", "about 300 people", "no azure yet", "nothing special", "a partner please", "thanks"]


def _service(tmp_path: Path, index: Any, **limits: Any) -> ChatService:
    return ChatService(Settings(data_dir=tmp_path, **limits), index=index)


def _rows(tmp_path: Path, table: str, session: str) -> int:
    with sqlite3.connect(tmp_path / "sessions.sqlite") as conn:
        row = conn.execute(f"SELECT COUNT(*) FROM {table} WHERE thread_id = ?", (session,))
        return int(row.fetchone()[0])


def test_the_store_keeps_one_checkpoint_per_conversation(
    tmp_path: Path, guidance_index: Any
) -> None:
    service = _service(tmp_path, guidance_index)
    session = service.chat(LOOSE[0]).session_id
    other = service.chat("hello").session_id
    for text in LOOSE[1:]:
        service.chat(text, session)
        assert _rows(tmp_path, "checkpoints", session) == 1
    assert _rows(tmp_path, "checkpoints", other) == 1
    # what the customer said is all still there, and the advice stands
    shown = service.session(session)
    assert [e["text"] for e in shown["transcript"] if e["role"] == "customer"] == LOOSE
    assert shown["recommendation"]["motion"] == "breadth"
    assert shown["turn_count"] == len(LOOSE)
    assert shown["earlier_turns"] == 0


def test_old_turns_leave_the_store_but_the_profile_and_count_stay(
    tmp_path: Path, guidance_index: Any
) -> None:
    service = _service(tmp_path, guidance_index, session_kept_turns=3, agent_history_turns=2)
    session = service.chat("we have 300 seats").session_id
    for text in ["no azure", "no special terms", "what is CSP?", "thanks", "ok"]:
        service.chat(text, session)
    shown = service.session(session)
    assert shown["turn_count"] == 6
    assert [e["text"] for e in shown["transcript"] if e["role"] == "customer"] == [
        "what is CSP?",
        "thanks",
        "ok",
    ]
    assert shown["earlier_turns"] == 3
    assert shown["profile"]["seats"] == 300
    # a turn's messages (tool calls and results) are not kept once it is over
    assert "messages" not in service.graph.get_state(service._config(session)).values
    # a later turn still reads the facts given long ago
    turn = service.chat("a partner please", session)
    assert turn.recommendation is not None and turn.recommendation.motion.value == "breadth"


def test_a_conversation_at_its_limit_gets_a_calm_answer_in_its_language(
    tmp_path: Path, guidance_index: Any
) -> None:
    service = _service(tmp_path, guidance_index, session_max_turns=3)
    session = service.chat("こんにちは").session_id
    service.chat("300シートです", session)
    service.chat("Azureは使っていません", session)
    before = service.session(session)
    with pytest.raises(ConversationFullError) as raised:
        service.chat("特別な条件はありません", session)
    assert "新しい会話" in raised.value.message
    assert service.session(session) == before  # nothing lost, nothing added
    for text in ["まだですか", "もう一度", "特別な条件はありません"]:
        with pytest.raises(ConversationFullError):
            service.chat(text, session)
    # refused messages take no room either
    assert _rows(tmp_path, "checkpoints", session) == 1
    assert service.session(session) == before
    english = service.chat("hello").session_id
    service.chat("300 seats", english)
    service.chat("no azure", english)
    with pytest.raises(ConversationFullError, match="start a new conversation"):
        service.chat("no special terms", english)


def test_the_api_says_409_and_caps_the_transcript(tmp_path: Path, guidance_index: Any) -> None:
    settings = Settings(data_dir=tmp_path, session_max_turns=4)
    with TestClient(create_app(settings, index=guidance_index)) as client:
        session = client.post("/v1/chat", json={"message": "hi"}).json()["session_id"]
        for text in ["300 seats", "no azure", "no special terms"]:
            assert client.post("/v1/chat", json={"message": text, "session_id": session}).is_success
        full = client.post("/v1/chat", json={"message": "thanks", "session_id": session})
        assert full.status_code == 409
        assert full.json() == {
            "error": "this conversation has reached its limit of 4 messages; "
            "please start a new conversation",
            "field": "session_id",
        }
        last_two = client.get(f"/v1/sessions/{session}", params={"limit": 2}).json()
        assert [e["text"] for e in last_two["transcript"] if e["role"] == "customer"] == [
            "no azure",
            "no special terms",
        ]
        assert (last_two["turn_count"], last_two["earlier_turns"]) == (4, 2)
        assert client.get(f"/v1/sessions/{session}", params={"limit": 0}).status_code == 422


def test_a_message_to_an_unknown_session_leaves_nothing_stored(
    tmp_path: Path, guidance_index: Any
) -> None:
    service = _service(tmp_path, guidance_index)
    service.chat("hello")  # the store exists
    with pytest.raises(NotFoundError):
        service.chat("we have 300 seats", "0123456789abcdef0123456789abcdef")
    assert not service.exists("0123456789abcdef0123456789abcdef")
    assert _rows(tmp_path, "checkpoints", "0123456789abcdef0123456789abcdef") == 0
    assert _rows(tmp_path, "writes", "0123456789abcdef0123456789abcdef") == 0
