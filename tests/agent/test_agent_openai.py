"""The agent driven by a real `openai` client and `langchain-openai` over loopback HTTP.

A local OpenAI-compatible server returns scripted tool calls; the same graph, tools, prompts
and store as the offline model turn them into ChatTurns.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from advisor.chat import ChatService
from advisor.config import Settings
from advisor.errors import ServiceError
from tests.fake_openai import ScriptedOpenAI

pytestmark = pytest.mark.slow  # each test starts the scripted OpenAI server


@pytest.fixture
def llm() -> Iterator[ScriptedOpenAI]:
    with ScriptedOpenAI() as server:
        yield server


@pytest.fixture
def service(llm: ScriptedOpenAI, tmp_path: Path) -> ChatService:
    settings = Settings(
        data_dir=tmp_path,
        model="openai:gpt-test",
        openai_api_key="test-key",
        openai_base_url=llm.base_url,
        llm_max_retries=2,
    )
    return ChatService(settings)


CONVERSATION = [
    # (what the customer types, the facts a tool-calling model records in parallel with classify)
    ("Hi, can you help us buy Microsoft 365?", {}),
    ("We're 300 people and want a partner to look after it", {"seats": 300, "self_service": False}),
    ("nothing special", {"special_terms": []}),
    ("about 20k a year", {"azure_annual_usd": 20000}),
    ("actually we're 3,000 people", {"seats": 3000}),
]


def test_parallel_tool_calls_give_replies_that_ask_or_state_exactly_the_classifier(
    llm: ScriptedOpenAI, service: ChatService
) -> None:
    session_id = None
    for n, (message, facts) in enumerate(CONVERSATION):
        calls = ([("record_facts", facts)] if facts else []) + [("classify_motion", {})]
        # as today's models do: both calls in one response, with a sentence of prose beside them
        llm.enqueue_tool_calls(calls, text="Let me note that down.")
        turn = service.chat(message, session_id)
        session_id = turn.session_id
        assert len(llm.requests) == n + 1, "one model call per customer turn"
        assert "Let me note" not in turn.reply
        if turn.question is not None:
            assert turn.recommendation is None
            assert (
                turn.reply.endswith(f"\n\n{turn.question.text}") or turn.reply == turn.question.text
            )
        else:
            assert turn.recommendation is not None
            motion = {
                "breadth": "breadth motion (CSP partner)",
                "enterprise": ("enterprise motion (EA or MCA via a Microsoft seller)"),
            }[turn.recommendation.motion]
            assert f"My recommendation: the {motion}." in turn.reply
    assert turn.recommendation is not None and turn.recommendation.motion == "enterprise"
    assert "changes from breadth to enterprise" in turn.reply

    # What the model was given: the tools, a system prompt with the facts, and the earlier
    # turns as they were said (the breadth recommendation), not their tool calls again.
    request = llm.requests[-1]
    assert {t["function"]["name"] for t in request["tools"]} == {
        "record_facts",
        "classify_motion",
        "search_guidance",
    }
    system = request["messages"][0]
    assert system["role"] == "system" and '"seats": 300' in system["content"]
    said = [m for m in request["messages"] if m["role"] == "assistant"]
    assert any("My recommendation: the breadth motion" in (m["content"] or "") for m in said)
    assert not any(m["role"] == "tool" or m.get("tool_calls") for m in request["messages"])


def test_a_guidance_answer_streams_and_holds_back_a_sentence_naming_another_motion(
    llm: ScriptedOpenAI, service: ChatService
) -> None:
    llm.enqueue_tool_calls(
        [
            (
                "record_facts",
                {"special_terms": [], "self_service": False, "seats": 100, "azure_annual_usd": 0},
            ),
            ("search_guidance", {"query": "who sets the price?"}),
        ]
    )
    llm.enqueue_text(
        "The CSP partner sets the price [1]. I recommend the enterprise motion. "
        "They also own the support [1]."
    )
    events = list(
        service.stream("100 seats, no Azure, no terms, partner help. Who sets the price?")
    )
    deltas = "".join(v for k, v in events if k == "delta")
    assert deltas == "The CSP partner sets the price [1]. They also own the support [1]."
    assert llm.requests[-1].get("stream") is True and len(llm.requests) == 2
    turn = events[-1][1]
    assert turn.recommendation.motion == "breadth"
    assert "enterprise motion" not in turn.reply
    assert "The CSP partner sets the price [1]. They also own the support [1]." in turn.reply
    assert "My recommendation: the breadth motion (CSP partner)." in turn.reply


def test_a_reply_the_model_writes_beside_classify_is_not_the_reply(
    llm: ScriptedOpenAI, service: ChatService
) -> None:
    llm.enqueue_tool_calls([("classify_motion", {})], text="I recommend self-service, definitely.")
    turn = service.chat("Hi")
    assert turn.recommendation is None
    assert turn.question is not None and turn.question.slot == "special_terms"
    assert "self-service" not in turn.reply
    assert turn.reply.endswith(turn.question.text)


def test_invalid_tool_arguments_are_refused_not_recorded(
    llm: ScriptedOpenAI, service: ChatService
) -> None:
    llm.enqueue_tool_calls([("record_facts", {"seats": -5})])
    turn = service.chat("minus five seats")
    assert service.session(turn.session_id)["profile"].get("seats") is None
    assert "seat count is outside what I can work with" in turn.reply
    llm.enqueue_tool_calls([("classify_motion", {})])
    service.chat("sorry", turn.session_id)
    # the model is shown the earlier turn as the customer read it
    shown = llm.requests[-1]["messages"]
    assert any(
        m["role"] == "assistant" and "seat count is outside" in (m["content"] or "") for m in shown
    )


def test_server_errors_are_retried_then_succeed(llm: ScriptedOpenAI, service: ChatService) -> None:
    llm.enqueue_error(500, times=2)
    llm.enqueue_tool_calls([("classify_motion", {})])
    turn = service.chat("Hi")
    assert turn.question is not None and turn.reply.endswith(turn.question.text)
    assert len(llm.requests) == 3


def test_a_failing_llm_leaves_the_session_as_it_was(
    llm: ScriptedOpenAI, service: ChatService
) -> None:
    llm.enqueue_tool_calls([("record_facts", {"seats": 40})])
    first = service.chat("We need 40 seats")
    before = service.session(first.session_id)

    llm.enqueue_error(429, times=5)
    with pytest.raises(ServiceError, match="the language model did not answer"):
        service.chat("actually 4,000", first.session_id)
    assert service.session(first.session_id) == before

    llm.enqueue_tool_calls([("classify_motion", {})])
    again = service.chat("sorry, still there?", first.session_id)
    assert again.question is not None and again.question.slot == "special_terms"
    assert len(service.session(first.session_id)["transcript"]) == 4


def test_a_failing_first_turn_leaves_no_session(llm: ScriptedOpenAI, service: ChatService) -> None:
    llm.enqueue_error(503, times=5)
    with pytest.raises(ServiceError):
        service.chat("Hi")
    assert list(service.checkpointer.list(None)) == []


def test_step_limit_ends_a_looping_model(llm: ScriptedOpenAI, tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        model="openai:gpt-test",
        openai_api_key="k",
        openai_base_url=llm.base_url,
        agent_max_steps=3,
    )
    service = ChatService(settings)
    for n in range(10):
        llm.enqueue_tool_calls([("search_guidance", {"query": f"CSP {n}"})])
    turn = service.chat("Hi")
    assert len(llm.requests) == 3
    assert turn.question is not None and turn.reply.endswith(turn.question.text)
