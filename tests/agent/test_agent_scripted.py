"""The agent driven in-process by a scripted chat model, as a tool-calling LLM drives it.

Fast counterparts of tests/agent/test_agent_openai.py: no HTTP, so they can script what an LLM
does that the offline model never does - parallel tool calls, prose beside tool calls,
paraphrased or wrong answers, and failures - and check what the customer sees.
"""

from __future__ import annotations

import sys
from collections import Counter
from typing import Any

import pytest
from langchain_core.messages import HumanMessage, ToolMessage

from advisor.chat import ChatService
from advisor.config import Settings
from advisor.domain import policy
from advisor.domain.questions import question
from advisor.errors import ServiceError, UserError
from advisor.guidance.index import GuidanceIndex
from advisor.nlu import reader
from tests.scripted import ScriptedChatModel, ToolResults, tool_result

BREADTH_FACTS = {
    "seats": 300,
    "azure_annual_usd": 20000,
    "special_terms": [],
    "self_service": False,
}
NOT_ANSWERED = "the language model did not answer"
AZURE_QUESTION = question("azure_annual_usd", "en").text


@pytest.fixture
def model() -> ScriptedChatModel:
    return ScriptedChatModel()


@pytest.fixture
def service(
    settings: Settings, model: ScriptedChatModel, guidance_index: GuidanceIndex
) -> ChatService:
    return ChatService(settings, model=model, index=guidance_index)


def test_parallel_record_and_classify_end_the_turn_on_the_structured_question(
    model: ScriptedChatModel, service: ChatService
) -> None:
    facts = {"seats": 300, "special_terms": [], "self_service": False}
    model.enqueue_tool_calls(
        [("record_facts", facts), ("classify_motion", {})], text="Let me note that down."
    )
    turn = service.chat("We're 300 licences, no special terms, and we'd like a partner to help")
    assert turn.question is not None and turn.question.slot == "azure_annual_usd"
    assert turn.recommendation is None
    assert turn.reply == (
        "Noted: no special terms, you'd like help from a partner or Microsoft, 300 seats."
        f"\n\n{AZURE_QUESTION}"
    )
    assert service.session(turn.session_id)["profile"] == {
        **facts,
        "azure_annual_usd": None,
        "preferred_motion": None,
    }
    assert len(model.calls) == 1, "one model call: the turn ends with the tools"
    assert model.bound_tools == ["record_facts", "classify_motion", "search_guidance"]


@pytest.mark.parametrize("order", ["record first", "classify first"])
def test_classify_beside_record_sees_the_facts_being_recorded(
    model: ScriptedChatModel, service: ChatService, order: str
) -> None:
    results = ToolResults()
    service.callbacks.append(results)
    calls = [("record_facts", {"seats": 300, "special_terms": [], "self_service": False})]
    calls.append(("classify_motion", {}))
    model.enqueue_tool_calls(calls if order == "record first" else calls[::-1])
    turn = service.chat("We're 300 licences, no special terms, and we'd like a partner to help")
    # what both tools answer: a classification made after the facts were applied
    for name in ("classify_motion", "record_facts"):
        assert results.last(name)["next_question"]["slot"] == "azure_annual_usd"
    assert turn.question is not None and turn.question.slot == "azure_annual_usd"


def test_parallel_record_and_classify_state_exactly_the_recommendation(
    model: ScriptedChatModel, service: ChatService
) -> None:
    model.enqueue_tool_calls([("record_facts", BREADTH_FACTS), ("classify_motion", {})])
    turn = service.chat("300 seats, $20k of Azure a year, no special terms, a partner should help")
    assert turn.recommendation is not None and turn.recommendation.motion == "breadth"
    assert turn.question is None
    assert "My recommendation: the breadth motion (CSP partner)." in turn.reply
    assert "enterprise motion" not in turn.reply.lower()
    assert {c.id for c in turn.citations} >= {"breadth-motion", "partner-economics-thresholds"}
    assert len(model.calls) == 1


def test_a_guidance_question_takes_two_calls_and_keeps_the_written_answer(
    model: ScriptedChatModel, service: ChatService
) -> None:
    model.enqueue_tool_calls(
        [("search_guidance", {"query": "What is CSP?"}), ("classify_motion", {})]
    )
    model.enqueue(lambda messages: "CSP partners own the whole customer relationship [1].")
    turn = service.chat("What is CSP?")
    searched = tool_result(model.calls[1], "search_guidance")
    # a definition comes first, from the glossary, numbered as the model sees the sections
    assert searched["answered"] is True
    assert searched["citations"][:2] == ["glossary-csp", "breadth-motion"]
    assert [n["id"] for n in searched["sections"]][:2] == ["glossary-csp", "breadth-motion"]
    assert "not the purchasing guidance" in searched["sections"][0]["heading"]
    assert len(model.calls) == 2
    assert turn.reply.startswith("CSP partners own the whole customer relationship [1].")
    assert turn.question is not None and turn.reply.endswith(turn.question.text)
    assert [c.id for c in turn.citations][:1] == ["glossary-csp"]


def test_a_sentence_naming_another_motion_is_held_back_not_the_whole_answer(
    model: ScriptedChatModel, service: ChatService
) -> None:
    model.enqueue_tool_calls(
        [
            ("record_facts", BREADTH_FACTS),
            ("search_guidance", {"query": "Who owns the relationship?"}),
        ]
    )
    model.enqueue_text(
        "The CSP partner owns the relationship [1]. "
        "I recommend the enterprise motion for you. "
        "The partner also sets the price [1]."
    )
    events = list(service.stream("300 seats, $20k Azure, no terms, partner help. Who owns it?"))
    turn = events[-1][1]
    deltas = "".join(v for k, v in events if k == "delta")
    assert "enterprise" not in deltas and "enterprise motion" not in turn.reply
    assert deltas.startswith("The CSP partner owns the relationship [1]. ")
    assert "The partner also sets the price [1]." in deltas
    assert "The CSP partner owns the relationship [1]. The partner also sets the price [1]." in (
        turn.reply
    )
    assert turn.recommendation is not None and turn.recommendation.motion == "breadth"


def test_prose_beside_tool_calls_is_not_streamed(
    model: ScriptedChatModel, service: ChatService
) -> None:
    model.enqueue_tool_calls(
        [("record_facts", {"seats": 300}), ("classify_motion", {})], text="Let me note that down. "
    )
    events = list(service.stream("We're 300 licences"))
    assert events[-1][0] == "turn"
    assert "".join(v for k, v in events if k == "delta") == events[-1][1].reply
    assert "Let me note" not in events[-1][1].reply


def test_a_picked_quick_reply_needs_no_model_call(
    model: ScriptedChatModel, service: ChatService
) -> None:
    model.enqueue_tool_calls([("classify_motion", {})])
    first = service.chat("Hello")
    assert first.question is not None and first.question.slot == "special_terms"
    label = first.question.options[0].label
    turn = service.chat(label, first.session_id, answer={"slot": "special_terms", "value": []})
    assert len(model.calls) == 1, "the quick reply did not call the model"
    assert turn.question is not None and turn.question.slot == "self_service"
    assert turn.reply.startswith("Noted: no special terms.")
    assert service.session(first.session_id)["profile"]["special_terms"] == []


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        ({"slot": "seats", "value": -5}, "answer.value: seats"),
        ({"slot": "budget", "value": 5}, "answer.slot: must be one of"),
        ({"slot": "seats"}, "answer: must be an object"),
        ("seats=5", "answer: must be an object"),
    ],
)
def test_a_bad_quick_reply_is_refused_before_the_turn(
    model: ScriptedChatModel, service: ChatService, answer: Any, error: str
) -> None:
    with pytest.raises(UserError, match=error):
        service.chat("5", answer=answer)
    assert model.calls == [] and list(service.checkpointer.list(None)) == []


def test_each_turn_reads_the_message_once_and_classifies_each_profile_once(
    model: ScriptedChatModel, service: ChatService, monkeypatch: pytest.MonkeyPatch
) -> None:
    counts: Counter[str] = Counter()
    originals = {"understand": reader.understand, "classify": policy.classify}

    def counting(name: str) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            counts[name] += 1
            return originals[name](*args, **kwargs)

        return wrapper

    for module in [m for n, m in sys.modules.items() if n.startswith("advisor")]:
        for name, original in originals.items():
            if getattr(module, name, None) is original:
                monkeypatch.setattr(module, name, counting(name))

    model.enqueue_tool_calls([("record_facts", {"seats": 300}), ("classify_motion", {})])
    first = service.chat("We're 300 licences")
    assert counts == {"understand": 1, "classify": 1}

    counts.clear()
    model.enqueue_tool_calls(
        [("search_guidance", {"query": "What is CSP?"}), ("classify_motion", {})]
    )
    model.enqueue_text("CSP partners own the relationship [1].")
    service.chat("What is CSP?", first.session_id)
    assert counts == {"understand": 1, "classify": 1}

    counts.clear()
    service.chat(
        "No, none of these", first.session_id, answer={"slot": "special_terms", "value": []}
    )
    assert counts == {"classify": 1}, "a quick reply is not read as text"


def test_a_failing_model_call_leaves_the_session_as_it_was(
    model: ScriptedChatModel, service: ChatService
) -> None:
    model.enqueue_tool_calls([("record_facts", {"seats": 40}), ("classify_motion", {})])
    first = service.chat("We need 40 seats")
    before = service.session(first.session_id)

    # the model fails after a pause, as a timeout would
    model.enqueue_error(TimeoutError("the model did not answer in time"), delay=0.05)
    with pytest.raises(ServiceError, match=NOT_ANSWERED):
        service.chat("actually 4,000", first.session_id)
    assert service.session(first.session_id) == before
    assert model.pending == 0

    model.enqueue_tool_calls([("classify_motion", {})])
    again = service.chat("sorry, still there?", first.session_id)
    assert again.question is not None and again.question.slot == "special_terms"
    assert len(service.session(first.session_id)["transcript"]) == 4
    # the model never sees the failed turn again
    seen = [m.text for m in model.calls[-1] if isinstance(m, HumanMessage)]
    assert seen == ["We need 40 seats", "sorry, still there?"]


def test_a_failing_guidance_answer_leaves_the_session_as_it_was(
    model: ScriptedChatModel, service: ChatService
) -> None:
    model.enqueue_tool_calls([("classify_motion", {})])
    first = service.chat("Hello")
    before = service.session(first.session_id)
    model.enqueue_tool_calls([("search_guidance", {"query": "What is CSP?"})])
    model.enqueue_error(ConnectionError("connection reset by peer"))
    with pytest.raises(ServiceError, match=NOT_ANSWERED):
        service.chat("What is CSP?", first.session_id)
    assert service.session(first.session_id) == before


def test_a_failing_first_turn_leaves_no_session(
    model: ScriptedChatModel, service: ChatService
) -> None:
    model.enqueue_error(ConnectionError("connection reset by peer"))
    with pytest.raises(ServiceError, match=NOT_ANSWERED):
        service.chat("Hi")
    assert list(service.checkpointer.list(None)) == []


def test_a_model_that_keeps_searching_stops_at_the_step_limit(
    settings: Settings, model: ScriptedChatModel, guidance_index: GuidanceIndex
) -> None:
    limited = ChatService(
        settings.model_copy(update={"agent_max_steps": 3}), model=model, index=guidance_index
    )
    for n in range(3):
        model.enqueue_tool_calls([("search_guidance", {"query": f"CSP {n}"})])
    turn = limited.chat("Tell me about CSP")
    assert len(model.calls) == 3, "no fourth call"
    assert turn.question is not None and turn.reply.endswith(turn.question.text)


def test_a_flood_of_tool_calls_runs_only_the_turns_budget(
    settings: Settings, model: ScriptedChatModel, guidance_index: GuidanceIndex
) -> None:
    limited = ChatService(
        settings.model_copy(update={"agent_max_steps": 4}), model=model, index=guidance_index
    )
    model.enqueue_tool_calls([("search_guidance", {"query": f"CSP {n}"}) for n in range(50)])
    model.enqueue_text("CSP partners own the relationship [1].")
    limited.chat("Tell me about CSP")
    results = [m for m in model.calls[1] if isinstance(m, ToolMessage)]
    ran = [m for m in results if m.text.startswith("{")]
    assert len(results) == 50 and len(ran) == 8, "2 x agent_max_steps tool calls per turn"
    assert [m.tool_call_id for m in ran] == [m.tool_call_id for m in results[:8]]


@pytest.fixture
def rephrasing(
    settings: Settings, model: ScriptedChatModel, guidance_index: GuidanceIndex
) -> ChatService:
    configured = settings.model_copy(update={"llm_rephrase": True})
    return ChatService(configured, model=model, index=guidance_index)


def test_a_rephrase_that_keeps_the_question_is_the_reply(
    model: ScriptedChatModel, rephrasing: ChatService
) -> None:
    model.enqueue_tool_calls([("record_facts", {"seats": 300})])
    model.enqueue_text(f"Great, 300 seats it is.\n\n{question('special_terms', 'en').text}")
    turn = rephrasing.chat("We're 300 licences")
    assert turn.reply == f"Great, 300 seats it is.\n\n{question('special_terms', 'en').text}"
    assert len(model.calls) == 2 and "Rewrite the advisor's reply" in model.calls[1][0].text


@pytest.mark.parametrize(
    "rephrased",
    [
        "Great, 300 seats it is. What else can you tell me?",
        "Great, 300 seats. I recommend the enterprise motion.\n\n"
        + question("special_terms", "en").text,
    ],
    ids=["drops the question", "adds a motion"],
)
def test_a_rephrase_that_loses_the_turn_is_discarded(
    model: ScriptedChatModel, rephrasing: ChatService, rephrased: str
) -> None:
    model.enqueue_tool_calls([("record_facts", {"seats": 300})])
    model.enqueue_text(rephrased)
    turn = rephrasing.chat("We're 300 licences")
    assert turn.reply == f"Noted: 300 seats.\n\n{question('special_terms', 'en').text}"


def test_a_rephrase_must_keep_the_recommended_motion(
    model: ScriptedChatModel, rephrasing: ChatService
) -> None:
    model.enqueue_tool_calls([("record_facts", BREADTH_FACTS)])
    model.enqueue_text("All set: a partner will look after you.")
    turn = rephrasing.chat("300 seats, $20k Azure, no special terms, a partner should help")
    assert "My recommendation: the breadth motion (CSP partner)." in turn.reply
