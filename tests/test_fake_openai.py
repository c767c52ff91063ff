"""The scripted OpenAI server speaks well enough for the real `openai` client and ChatOpenAI."""

from __future__ import annotations

import math
from collections.abc import Iterator

import openai
import pytest
from langchain_core.messages import AIMessageChunk, HumanMessage
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI

from tests.fake_openai import ScriptedOpenAI, embed_text

pytestmark = pytest.mark.slow  # each test starts the scripted OpenAI server


@pytest.fixture
def server() -> Iterator[ScriptedOpenAI]:
    with ScriptedOpenAI() as fake:
        yield fake


@pytest.fixture
def client(server: ScriptedOpenAI) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(api_key="test", base_url=server.base_url, max_retries=2) as real:
        yield real


def chat(server: ScriptedOpenAI, **kwargs: object) -> ChatOpenAI:
    return ChatOpenAI(
        model="gpt-test",
        api_key="test",  # type: ignore[arg-type]
        base_url=server.base_url,
        max_retries=2,
        **kwargs,  # type: ignore[arg-type]
    )


@tool
def classify_motion(seats: int) -> str:
    """Classify the customer's purchasing motion."""
    return f"{seats}"


def test_openai_client_gets_text(server: ScriptedOpenAI, client: openai.OpenAI) -> None:
    server.enqueue_text("Hello [1].")
    result = client.chat.completions.create(
        model="gpt-test", messages=[{"role": "user", "content": "hi"}]
    )
    assert result.choices[0].message.content == "Hello [1]."
    assert server.requests[0]["messages"] == [{"role": "user", "content": "hi"}]


def test_openai_client_streams_text_and_tool_calls(
    server: ScriptedOpenAI, client: openai.OpenAI
) -> None:
    server.enqueue_text("one two three")
    server.enqueue_tool_calls([("classify_motion", {"seats": 300})])
    stream = client.chat.completions.create(
        model="gpt-test", messages=[{"role": "user", "content": "hi"}], stream=True
    )
    assert "".join(c.choices[0].delta.content or "" for c in stream) == "one two three"
    stream = client.chat.completions.create(
        model="gpt-test", messages=[{"role": "user", "content": "hi"}], stream=True
    )
    arguments, names = "", []
    for chunk in stream:
        for call in chunk.choices[0].delta.tool_calls or []:
            names += [call.function.name] if call.function and call.function.name else []
            arguments += (call.function.arguments or "") if call.function else ""
    assert (names, arguments) == (["classify_motion"], '{"seats": 300}')


def test_openai_client_retries_a_500_then_succeeds(
    server: ScriptedOpenAI, client: openai.OpenAI
) -> None:
    server.enqueue_error(500)
    server.enqueue_text("ok")
    result = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}])
    assert result.choices[0].message.content == "ok"
    assert len(server.requests) == 2


def test_persistent_429_surfaces_after_the_retries(
    server: ScriptedOpenAI, client: openai.OpenAI
) -> None:
    server.enqueue_error(429, times=3)
    with pytest.raises(openai.RateLimitError):
        client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}])
    assert len(server.requests) == 3


def test_an_unscripted_call_fails_clearly(server: ScriptedOpenAI, client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError, match="no scripted reply left"):
        client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}])


def test_default_responder_answers_when_the_queue_is_empty() -> None:
    with ScriptedOpenAI(default=lambda body: f"echo {body['messages'][-1]['content']}") as fake:
        with openai.OpenAI(api_key="test", base_url=fake.base_url) as client:
            result = client.chat.completions.create(
                model="m", messages=[{"role": "user", "content": "ping"}]
            )
    assert result.choices[0].message.content == "echo ping"


def test_embeddings_are_deterministic_unit_vectors(
    server: ScriptedOpenAI, client: openai.OpenAI
) -> None:
    first = client.embeddings.create(model="text-embedding-3-small", input=["CSP partner", "EA"])
    again = client.embeddings.create(model="text-embedding-3-small", input="CSP partner")
    floats = client.embeddings.create(
        model="text-embedding-3-small", input="CSP partner", encoding_format="float", dimensions=8
    )
    assert len(first.data) == 2 and len(first.data[0].embedding) == 1536
    assert first.data[0].embedding == pytest.approx(again.data[0].embedding, abs=1e-6)
    assert math.isclose(sum(x * x for x in first.data[1].embedding), 1.0, rel_tol=1e-4)
    assert floats.data[0].embedding == pytest.approx(embed_text("CSP partner", 8))


def test_chat_openai_invokes_and_binds_tools(server: ScriptedOpenAI) -> None:
    server.enqueue_tool_calls([("classify_motion", {"seats": 300})])
    server.enqueue_text("Breadth fits.")
    model = chat(server).bind_tools([classify_motion])
    first = model.invoke([HumanMessage("We have 300 seats")])
    assert [(c["name"], c["args"]) for c in first.tool_calls] == [
        ("classify_motion", {"seats": 300})
    ]
    assert server.requests[0]["tools"][0]["function"]["name"] == "classify_motion"
    second = model.invoke([HumanMessage("again")])
    assert second.text == "Breadth fits."


def test_chat_openai_streams_text_and_tool_calls(server: ScriptedOpenAI) -> None:
    server.enqueue_text("Breadth fits you.")
    server.enqueue_tool_calls([("classify_motion", {"seats": 12})])
    model = chat(server, streaming=True)
    pieces = [c.text for c in model.stream([HumanMessage("hi")])]
    assert "".join(pieces) == "Breadth fits you." and len(pieces) > 2
    merged: AIMessageChunk | None = None
    for chunk in model.bind_tools([classify_motion]).stream([HumanMessage("hi")]):
        merged = chunk if merged is None else merged + chunk  # type: ignore[assignment]
    assert merged is not None
    assert [(c["name"], c["args"]) for c in merged.tool_calls] == [
        ("classify_motion", {"seats": 12})
    ]
    assert server.requests[-1]["stream"] is True
