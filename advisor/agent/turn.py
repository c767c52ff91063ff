"""The advisor agent: one LangChain agent graph, whatever chat model runs it.

The graph is `create_agent` with the advisor's three tools and one middleware that (before each
model call) writes the system prompt from what is known and (after the agent) turns the result
into a ChatTurn: the classifier's recommendation, the next structured question, the citations,
and a reply checked against the classifier.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any, NotRequired, TypeVar

from langchain.agents import AgentState, create_agent
from langchain.agents.middleware import (
    AgentMiddleware,
    ModelCallLimitMiddleware,
    ToolCallLimitMiddleware,
)
from langchain.agents.middleware.types import ModelRequest, ModelResponse
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph.state import CompiledStateGraph
from langgraph.runtime import Runtime

from advisor.agent.replies import TurnFacts, compose_reply, gather_facts
from advisor.agent.tools import (
    TurnContext,
    advisor_tools,
    last_customer_index,
    state_profile,
    tool_results,
)
from advisor.domain.policy import classify
from advisor.domain.schemas import LANGS, ChatTurn, Citation, Classification, Lang, Motion
from advisor.guidance.knowledge import load_knowledge
from advisor.nlu.understanding import understand
from advisor.prompts import question, render, template

log = logging.getLogger(__name__)

LANGUAGE_NAMES: dict[Lang, str] = {"en": "English", "ja": "日本語"}


class AdvisorState(AgentState[Any]):
    """The conversation state kept by the checkpointer, per session."""

    profile: NotRequired[dict[str, Any]]
    turns: NotRequired[list[dict[str, Any]]]
    created_at: NotRequired[str]


class AdvisorMiddleware(AgentMiddleware[AdvisorState, TurnContext, Any]):
    """Write the system prompt before each model call; build the ChatTurn after the agent."""

    state_schema = AdvisorState

    def wrap_model_call(
        self,
        request: ModelRequest[TurnContext],
        handler: Callable[[ModelRequest[TurnContext]], ModelResponse[Any]],
    ) -> ModelResponse[Any]:
        """Give the model the system prompt for this language, with what is known so far."""
        lang = request.runtime.context.lang
        result = classify(state_profile(request.state), lang)
        next_question = question(result.missing[0], lang).text if result.missing else "-"
        prompt = render(
            "system",
            lang,
            language=LANGUAGE_NAMES[lang],
            next_question=next_question,
            profile=json.dumps(result.profile.model_dump(mode="json"), ensure_ascii=False),
        )
        # The profile is in the system prompt, so older turns need not be sent again.
        history = recent_turns(
            request.messages, request.runtime.context.settings.agent_history_turns
        )
        return handler(request.override(system_message=SystemMessage(prompt), messages=history))

    def before_agent(
        self, state: AdvisorState, runtime: Runtime[TurnContext]
    ) -> dict[str, Any] | None:
        """Stamp a new conversation with its creation time."""
        if "created_at" in state:
            return None
        return {"created_at": _now(), "profile": {}, "turns": []}

    def after_agent(
        self, state: AdvisorState, runtime: Runtime[TurnContext]
    ) -> dict[str, Any] | None:
        """Turn the agent's result into the ChatTurn the customer sees."""
        context = runtime.context
        turn = build_turn(state, context)
        context.extra["turn"] = turn
        motion = turn.recommendation.motion if turn.recommendation else None
        asks = turn.question.slot if turn.question else None
        log.debug(
            "session %s: turn done (%s, motion %s, asks %s)",
            context.session_id,
            turn.lang,
            motion,
            asks,
        )
        if context.settings.log_message_text:
            log.info(
                "session %s: customer %r; advisor %r",
                context.session_id,
                latest_text(state),
                turn.reply,
            )
        record = {
            "at": _now(),
            "customer": latest_text(state),
            "turn": turn.model_dump(mode="json"),
        }
        update: dict[str, Any] = {"turns": [*state.get("turns", []), record]}
        final = _final_ai_message(state)
        if final is not None and final.text != turn.reply:
            update["messages"] = [AIMessage(content=turn.reply, id=final.id)]
        elif final is None:
            update["messages"] = [AIMessage(content=turn.reply)]
        return update


_Message = TypeVar("_Message", bound=BaseMessage)


def recent_turns(messages: Sequence[_Message], turns: int) -> list[_Message]:
    """Keep the messages of the last `turns` customer turns, whole, so tool calls keep results."""
    starts = [i for i, m in enumerate(messages) if isinstance(m, HumanMessage)]
    if len(starts) <= turns:
        return list(messages)
    return list(messages[starts[-turns] :])


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def latest_text(state: AdvisorState) -> str:
    """Return the customer's latest message."""
    index = last_customer_index(state["messages"])
    return "" if index is None else state["messages"][index].text


def _final_ai_message(state: AdvisorState) -> AIMessage | None:
    messages = state["messages"]
    index = last_customer_index(messages)
    if index is None:
        return None
    for message in reversed(messages[index + 1 :]):
        if isinstance(message, AIMessage) and not message.tool_calls:
            return message
    return None


def _tool_results(state: AdvisorState, name: str) -> list[dict[str, Any]]:
    index = last_customer_index(state["messages"]) or 0
    return tool_results(state["messages"][index + 1 :], name)


def build_turn(state: AdvisorState, context: TurnContext) -> ChatTurn:
    """Build the ChatTurn of the turn that just ran, from state the classifier decides on."""
    lang = context.lang
    classification = classify(state_profile(state), lang)
    next_question = question(classification.missing[0], lang) if classification.missing else None
    previous = _previous_recommendation(state)
    guidance = [g for g in _tool_results(state, "search_guidance") if "answer" in g]
    recorded, rejected = gather_facts(_tool_results(state, "record_facts"))
    text = latest_text(state)
    facts = TurnFacts(
        lang=lang,
        text=text,
        understood=understand(text),
        recorded=recorded,
        rejected=rejected,
        guidance=guidance,
        first_turn=not state.get("turns"),
    )
    final = _final_ai_message(state)
    reply = final.text.strip() if final is not None else ""
    if not reply or contradicts(reply, classification) or leaks_prompt(reply):
        reply = compose_reply(facts, classification, next_question, previous)
    elif next_question is not None and not re.search(r"[?？]", reply):
        reply = f"{reply}\n\n{next_question.text}"
    return ChatTurn(
        session_id=context.session_id,
        reply=reply,
        lang=lang,
        question=next_question,
        recommendation=classification if classification.motion is not None else None,
        citations=_citations(classification, guidance, lang),
    )


def _previous_recommendation(state: AdvisorState) -> Motion | None:
    turns = state.get("turns") or []
    if not turns:
        return None
    recommendation = turns[-1]["turn"].get("recommendation")
    return None if recommendation is None else Motion(recommendation["motion"])


def _citations(
    classification: Classification, guidance: list[dict[str, Any]], lang: Lang
) -> list[Citation]:
    kb = load_knowledge()
    ids: list[str] = []
    for result in guidance:
        ids.extend(result.get("citations", []))
    for reason in classification.reasons:
        ids.extend(reason.citations)
    known = set(kb.ids(lang))
    return [kb.section(i, lang).citation() for i in dict.fromkeys(ids) if i in known]


_MOTION_WORDS: dict[Motion, re.Pattern[str]] = {
    Motion.BREADTH: re.compile(r"\bbreadth\b|ブレドゥス", re.IGNORECASE),
    Motion.ENTERPRISE: re.compile(
        r"\benterprise motion\b|エンタープライズ\s*モーション", re.IGNORECASE
    ),
    Motion.SELF_SERVICE: re.compile(r"\bself[- ]service\b|セルフサービス", re.IGNORECASE),
}
_RECOMMENDS = re.compile(
    r"recommend|suggest|best (fit|option)|should (buy|go)|推奨|おすすめ|お勧め", re.IGNORECASE
)


def needs_checking(text: str) -> bool:
    """Tell whether streamed model text must wait for the turn's checks before it is shown."""
    return any(p.search(text) for p in _MOTION_WORDS.values()) or leaks_prompt(text)


def contradicts(reply: str, classification: Classification) -> bool:
    """Tell whether a model's reply names a motion the classifier did not decide."""
    named = {motion for motion, pattern in _MOTION_WORDS.items() if pattern.search(reply)}
    decided = classification.motion
    if decided is None:
        return bool(named) and bool(_RECOMMENDS.search(reply))
    allowed = {decided, *(a.motion for a in classification.alternatives)}
    return decided not in named or bool(named - allowed)


_PROMPT_MARKUP = re.compile(r"[`*_\"'「」“”]")
_SENTENCE = re.compile(r"(?<=[.:;])\s+|(?<=[。：])|\n")


def _squeeze(text: str) -> str:
    return " ".join(_PROMPT_MARKUP.sub("", text).casefold().split())


def _width(text: str) -> int:
    return sum(2 if ord(c) >= 0x2E80 else 1 for c in text)


@cache
def _prompt_sentences() -> tuple[str, ...]:
    """Return the system prompts' own sentences, long enough to be telling, in both languages."""
    found: list[str] = []
    for lang in LANGS:
        for piece in re.split(r"\{[a-z_]+\}", template("system", lang)):
            for sentence in _SENTENCE.split(piece):
                squeezed = _squeeze(sentence)
                if _width(squeezed) >= 24:
                    found.append(squeezed)
    return tuple(dict.fromkeys(found))


def leaks_prompt(reply: str) -> bool:
    """Tell whether a model's reply repeats the system prompt or names the agent's tools."""
    squeezed = _squeeze(reply)
    if any(tool.name in reply for tool in advisor_tools()):
        return True
    return any(sentence in squeezed for sentence in _prompt_sentences())


def build_agent(
    model: BaseChatModel, checkpointer: BaseCheckpointSaver[Any] | None, max_steps: int
) -> CompiledStateGraph[Any, Any, Any, Any]:
    """Build the advisor graph around a chat model."""
    middleware: list[AgentMiddleware[Any, Any, Any]] = [
        AdvisorMiddleware(),
        ModelCallLimitMiddleware(run_limit=max_steps, exit_behavior="end"),
        # A model asking for dozens of tools at once gets them refused, not run.
        ToolCallLimitMiddleware(run_limit=2 * max_steps, exit_behavior="continue"),
    ]
    return create_agent(
        model,
        tools=advisor_tools(),
        middleware=middleware,
        context_schema=TurnContext,
        checkpointer=checkpointer,
        name="motion_advisor",
    )
