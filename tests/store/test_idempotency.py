"""A client that sends a message again with the same Idempotency-Key gets one turn, not two."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from advisor.chat import ChatService
from advisor.config import Settings
from advisor.errors import UserError


@pytest.fixture
def service(tmp_path: Path, guidance_index: Any) -> ChatService:
    return ChatService(Settings(data_dir=tmp_path), index=guidance_index)


def test_a_retried_message_is_answered_once(service: ChatService) -> None:
    session = service.chat("hello").session_id
    key = str(uuid.uuid4())
    first = service.chat("we have 300 seats", session, idempotency_key=key)
    again = service.chat("we have 300 seats", session, idempotency_key=key)
    assert again == first
    customers = [
        e["text"] for e in service.session(session)["transcript"] if e["role"] == "customer"
    ]
    assert customers == ["hello", "we have 300 seats"]
    # a new key is a new message, even with the same words
    service.chat("we have 300 seats", session, idempotency_key=str(uuid.uuid4()))
    assert service.session(session)["turn_count"] == 3


def test_a_retried_stream_gets_the_same_turn(service: ChatService) -> None:
    session = service.chat("hello").session_id
    key = str(uuid.uuid4())
    first = dict(service.stream("no special terms", session, idempotency_key=key))
    again = dict(service.stream("no special terms", session, idempotency_key=key))
    assert again["turn"] == first["turn"]
    assert again["delta"] == first["turn"].reply
    assert service.session(session)["turn_count"] == 2


def test_a_first_message_sent_twice_opens_one_conversation(service: ChatService) -> None:
    key = str(uuid.uuid4())
    first = service.chat("hi, 300 seats here", idempotency_key=key)
    again = service.chat("hi, 300 seats here", idempotency_key=key)
    assert again.session_id == first.session_id
    assert service.session(first.session_id)["turn_count"] == 1
    assert service.chat("hi", idempotency_key=str(uuid.uuid4())).session_id != first.session_id


def test_a_key_reused_for_another_message_is_refused(service: ChatService) -> None:
    key = str(uuid.uuid4())
    session = service.chat("hello", idempotency_key=key).session_id
    with pytest.raises(UserError, match="already used for another message"):
        service.chat("we have 300 seats", session, idempotency_key=key)
    assert service.session(session)["turn_count"] == 1


@pytest.mark.parametrize(
    ("key", "session", "says"),
    [
        ("short", None, "at least 16 characters"),
        ("has spaces in it, which are not allowed", "s1", "letters, digits"),
        ("x" * 129, "s1", "1 to 128"),
        (42, "s1", "1 to 128"),
    ],
)
def test_a_malformed_key_is_refused_before_anything_runs(
    service: ChatService, key: object, session: str | None, says: str
) -> None:
    with pytest.raises(UserError, match=says) as raised:
        service.chat("hello", session, idempotency_key=key, create=True)
    assert raised.value.field == "idempotency_key"
    assert not service.exists("s1")


def test_the_chat_routes_take_an_idempotency_key_header(
    tmp_path: Path, guidance_index: Any
) -> None:
    from fastapi.testclient import TestClient

    from advisor.channels.http import create_app

    settings = Settings(data_dir=tmp_path)
    with TestClient(create_app(settings, index=guidance_index)) as client:
        key = {"Idempotency-Key": str(uuid.uuid4())}
        first = client.post("/v1/chat", json={"message": "we have 300 seats"}, headers=key)
        again = client.post("/v1/chat", json={"message": "we have 300 seats"}, headers=key)
        assert first.status_code == again.status_code == 200
        assert again.json() == first.json()
        session = first.json()["session_id"]
        assert client.get(f"/v1/sessions/{session}").json()["turn_count"] == 1
        streamed = client.post(
            "/v1/chat/stream",
            json={"message": "we have 300 seats", "session_id": session},
            headers=key,
        )
        assert '"turn_count"' not in streamed.text and "event: turn" in streamed.text
        bad = client.post("/v1/chat", json={"message": "hi"}, headers={"Idempotency-Key": "x y"})
        assert bad.status_code == 422
        assert bad.json()["field"] == "idempotency_key"
        schema = client.get("/openapi.json").json()
        parameters = schema["paths"]["/v1/chat"]["post"]["parameters"]
        assert [p["name"] for p in parameters] == ["Idempotency-Key"]
