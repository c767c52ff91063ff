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


def test_scripted_tool_calls_reach_a_recommendation(
    llm: ScriptedOpenAI, service: ChatService
) -> None:
    llm.enqueue_tool_calls([("record_facts", {"seats": 300, "self_service": False})])
    llm.enqueue_tool_calls([("classify_motion", {})])
    llm.enqueue_text("Thanks! Do you need any special contract terms, such as multi-affiliate?")
    first = service.chat("We're 300 people and want a partner to look after Microsoft 365")
    assert len(llm.requests) == 3, "three LLM calls for one customer turn: record, classify, reply"
    assert first.question is not None and first.question.slot == "special_terms"
    assert first.reply == "Thanks! Do you need any special contract terms, such as multi-affiliate?"

    llm.enqueue_tool_calls([("record_facts", {"special_terms": [], "azure_annual_usd": 20000})])
    llm.enqueue_tool_calls([("classify_motion", {})])
    llm.enqueue_text("I recommend the breadth motion: buy through a CSP partner.")
    second = service.chat("No special terms. About $20k of Azure a year.", first.session_id)
    assert len(llm.requests) == 6
    assert second.recommendation is not None and second.recommendation.motion == "breadth"
    assert second.reply == "I recommend the breadth motion: buy through a CSP partner."
    assert {c.id for c in second.citations} >= {"breadth-motion", "partner-economics-thresholds"}

    # What the model was given: the tools, a system prompt with the facts, the tool results.
    request = llm.requests[-1]
    assert {t["function"]["name"] for t in request["tools"]} == {
        "record_facts",
        "classify_motion",
        "search_guidance",
    }
    system = request["messages"][0]
    assert system["role"] == "system" and '"seats": 300' in system["content"]
    assert any(
        m["role"] == "tool" and '"motion": "breadth"' in m["content"] for m in request["messages"]
    )


def test_a_reply_naming_another_motion_is_corrected(
    llm: ScriptedOpenAI, service: ChatService
) -> None:
    llm.enqueue_tool_calls(
        [
            (
                "record_facts",
                {"special_terms": [], "self_service": False, "seats": 100, "azure_annual_usd": 0},
            )
        ]
    )
    llm.enqueue_tool_calls([("classify_motion", {})])
    llm.enqueue_text("You should sign an Enterprise Agreement: I recommend the enterprise motion.")
    turn = service.chat("100 seats, no Azure, no special terms, a partner should help")
    assert turn.recommendation is not None and turn.recommendation.motion == "breadth"
    assert "enterprise motion" not in turn.reply
    assert turn.reply.startswith("Noted:")
    assert "My recommendation: the breadth motion (CSP partner)." in turn.reply


def test_an_undecided_reply_that_recommends_is_corrected(
    llm: ScriptedOpenAI, service: ChatService
) -> None:
    llm.enqueue_tool_calls([("classify_motion", {})])
    llm.enqueue_text("I recommend self-service, definitely.")
    turn = service.chat("Hi")
    assert turn.recommendation is None
    assert turn.question is not None and turn.question.slot == "special_terms"
    assert "self-service" not in turn.reply
    assert turn.reply.endswith(turn.question.text)


def test_a_reply_without_the_question_gets_it_appended(
    llm: ScriptedOpenAI, service: ChatService
) -> None:
    llm.enqueue_tool_calls([("classify_motion", {})])
    llm.enqueue_text("Welcome to Motion Advisor.")
    turn = service.chat("Hi")
    assert turn.question is not None
    assert turn.reply == f"Welcome to Motion Advisor.\n\n{turn.question.text}"


def test_invalid_tool_arguments_are_refused_not_recorded(
    llm: ScriptedOpenAI, service: ChatService
) -> None:
    llm.enqueue_tool_calls([("record_facts", {"seats": -5})])
    llm.enqueue_tool_calls([("classify_motion", {})])
    llm.enqueue_text("How many seats do you need?")
    turn = service.chat("minus five seats")
    assert service.session(turn.session_id)["profile"].get("seats") is None
    tool_messages = [m for m in llm.requests[-1]["messages"] if m["role"] == "tool"]
    assert "seats: must be a whole number" in tool_messages[0]["content"]


def test_server_errors_are_retried_then_succeed(llm: ScriptedOpenAI, service: ChatService) -> None:
    llm.enqueue_error(500, times=2)
    llm.enqueue_tool_calls([("classify_motion", {})])
    llm.enqueue_text("Do you need special terms?")
    turn = service.chat("Hi")
    assert turn.reply == "Do you need special terms?"
    assert len(llm.requests) == 4


def test_a_failing_llm_leaves_the_session_as_it_was(
    llm: ScriptedOpenAI, service: ChatService
) -> None:
    llm.enqueue_tool_calls([("record_facts", {"seats": 40})])
    llm.enqueue_tool_calls([("classify_motion", {})])
    llm.enqueue_text("Do you need special terms?")
    first = service.chat("We need 40 seats")
    before = service.session(first.session_id)

    llm.enqueue_tool_calls([("record_facts", {"seats": 4000})])
    llm.enqueue_error(429, times=5)
    with pytest.raises(ServiceError, match="the language model did not answer"):
        service.chat("actually 4,000", first.session_id)
    assert service.session(first.session_id) == before

    llm.enqueue_tool_calls([("classify_motion", {})])
    llm.enqueue_text("Do you need special terms?")
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
    for _ in range(10):
        llm.enqueue_tool_calls([("classify_motion", {})])
    turn = service.chat("Hi")
    assert len(llm.requests) == 3
    assert turn.question is not None and turn.reply.endswith(turn.question.text)


def test_streaming_deltas_come_from_the_model(llm: ScriptedOpenAI, service: ChatService) -> None:
    llm.enqueue_tool_calls([("classify_motion", {})])
    llm.enqueue_text("Hello there. Do you need special terms?")
    events = list(service.stream("Hi"))
    deltas = "".join(v for k, v in events if k == "delta")
    assert deltas == "Hello there. Do you need special terms?"
    assert events[-1][0] == "turn"
    assert llm.requests[-1].get("stream") is True


def test_streaming_holds_back_a_sentence_the_checks_would_replace(
    llm: ScriptedOpenAI, service: ChatService
) -> None:
    llm.enqueue_tool_calls(
        [
            (
                "record_facts",
                {"special_terms": [], "self_service": False, "seats": 100, "azure_annual_usd": 0},
            )
        ]
    )
    llm.enqueue_tool_calls([("classify_motion", {})])
    llm.enqueue_text("Thanks for the details. I recommend the enterprise motion. Talk to a seller.")
    events = list(service.stream("100 seats, no Azure, no special terms, a partner should help"))
    deltas = "".join(v for k, v in events if k == "delta")
    assert deltas == "Thanks for the details. "
    turn = events[-1][1]
    assert turn.recommendation.motion == "breadth"
    assert "enterprise motion" not in turn.reply
