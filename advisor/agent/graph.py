"""The advisor agent: one LangChain agent graph, whatever chat model runs it.

The graph is `create_agent` with the advisor's three tools and one middleware that reads the
customer's message once (as the turn's first model call begins), writes the system prompt
(around each model call) and composes the ChatTurn from the classifier (after the agent). A
turn that records facts or classifies ends after that one model call; a guidance question
takes a second call, to write the answer; a picked quick reply takes none.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from typing import Any, cast

from langchain.agents import create_agent
from langchain.agents.middleware import AgentMiddleware
from langchain.agents.middleware.types import (
    ExtendedModelResponse,
    ModelRequest,
    ModelResponse,
)
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph.state import CompiledStateGraph
from langgraph.prebuilt.tool_node import ToolCallRequest
from langgraph.runtime import Runtime
from langgraph.types import Command

from advisor.agent import executors
from advisor.agent.context import TurnContext
from advisor.agent.facts import merge_facts
from advisor.agent.guards import keeps_the_turn
from advisor.agent.state import (
    AdvisorState,
    asked_slot,
    correction_slot,
    final_ai_message,
    latest_customer_text,
    older_messages,
    recent_turns,
    state_profile,
    turn_count,
)
from advisor.agent.tools import advisor_tools
from advisor.agent.turn import build_turn
from advisor.domain.questions import question
from advisor.domain.schemas import ChatTurn, Lang, Question, Slot
from advisor.nlu import Understanding, understand
from advisor.prompts import render

log = logging.getLogger(__name__)

LANGUAGE_NAMES: dict[Lang, str] = {"en": "English", "ja": "日本語"}


class AdvisorMiddleware(AgentMiddleware[AdvisorState, TurnContext, Any]):
    """Read the message once as the turn starts, prompt the model, compose the turn after it."""

    state_schema = AdvisorState

    def __init__(self, rephraser: BaseChatModel | None = None) -> None:
        super().__init__()
        # the model that may rephrase templated replies (ADVISOR_LLM_REPHRASE), if any
        self.rephraser = rephraser

    def start_turn(self, state: Any, context: TurnContext) -> dict[str, Any]:
        """Read the customer's message against the question asked; take a quick reply as given.

        Runs as the turn's first model call begins rather than as a graph step of its own
        (a `before_agent` hook), whose stepping cost LangGraph more than this work. Returns the
        state update: a new conversation's fields, and a quick reply's fact.
        """
        if context.opened is not None:
            context.opened(state)
        update: dict[str, Any] = {}
        if "created_at" not in state:
            update = {"created_at": _now(), "profile": {}, "turns": []}
        if context.answer is not None:
            merge = merge_facts(
                state_profile(state),
                {context.answer["slot"]: context.answer["value"]},
                Understanding(),
            )
            if merge.error is not None:
                raise merge.error
            context.record(merge.recorded, [])
            return {**update, "profile": merge.profile.model_dump(mode="json")}
        text = latest_customer_text(state)
        declined = state.get("declined") or []
        # with no question pending, a bare figure answers the one the customer held back
        expecting = asked_slot(state) or (Slot(declined[-1]) if declined else None)
        context.reading = understand(
            text,
            expecting=expecting,
            correcting=correction_slot(state, text),
            bare_no=not state.get("foreign"),
        )
        return update

    def wrap_model_call(
        self,
        request: ModelRequest[TurnContext],
        handler: Callable[[ModelRequest[TurnContext]], ModelResponse[Any]],
    ) -> ModelResponse[Any] | ExtendedModelResponse[Any]:
        """Give the model the system prompt for this language, with what is known so far.

        The turn's first call starts the turn (`start_turn`). A quick reply needs no model:
        its fact is recorded and the turn goes straight to its composition. A turn calls the
        model at most `ADVISOR_AGENT_MAX_STEPS` times; past that the model is not called and
        the turn is composed from what is known.
        """
        context = request.runtime.context
        update = self.start_turn(request.state, context) if context.model_calls == 0 else {}
        if context.answer is not None:
            return _with_update(ModelResponse(result=[AIMessage(content="")]), update)
        context.model_calls += 1
        if context.model_calls > context.settings.agent_max_steps:
            return _with_update(ModelResponse(result=[AIMessage(content="")]), update)
        lang = context.lang
        asked = asked_question(request.state, lang)
        prompt = render(
            "system",
            lang,
            language=LANGUAGE_NAMES[lang],
            next_question=asked.text if asked is not None else "-",
            profile=json.dumps(
                state_profile(request.state).model_dump(mode="json"), ensure_ascii=False
            ),
        )
        # The profile is in the system prompt, so older turns need not be sent again.
        history = recent_turns(request.messages, context.settings.agent_history_turns)
        settings = request.model_settings
        if getattr(request.model, "reads_turn", False):
            settings = {**settings, "reading": context.reading}
        response = handler(
            request.override(
                system_message=SystemMessage(prompt), messages=history, model_settings=settings
            )
        )
        context.allow_tool_calls(response.result)
        return _with_update(response, update)

    def wrap_tool_call(
        self,
        request: ToolCallRequest,
        handler: Callable[[ToolCallRequest], ToolMessage | Command[Any]],
    ) -> ToolMessage | Command[Any]:
        """Run a tool call within the turn's budget; refuse the ones beyond it, unrun."""
        call = request.tool_call
        context = cast(TurnContext, request.runtime.context)
        if context.allows(call["id"]):
            return handler(request)
        return ToolMessage(
            "Refused: this turn has used all its tool calls.",
            tool_call_id=call["id"] or "",
            name=call["name"],
            status="error",
        )

    def after_agent(
        self, state: AdvisorState, runtime: Runtime[TurnContext]
    ) -> dict[str, Any] | None:
        """Turn the agent's result into the ChatTurn the customer sees."""
        context = runtime.context
        composed = build_turn(state, context)
        turn = composed.turn.model_copy(update={"number": turn_count(state) + 1})
        if self.rephraser is not None and not context.guidance:
            turn = rephrase(self.rephraser, turn)
        context.turn = turn
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
                latest_customer_text(state),
                turn.reply,
            )
        record = {
            "at": _now(),
            "customer": latest_customer_text(state),
            "turn": turn.model_dump(mode="json"),
            **composed.record,
        }
        if context.idempotency_key is not None:
            record["key"] = context.idempotency_key
        if context.guidance:  # for the console's analytics: which questions went unanswered
            record["guidance"] = [
                {"answered": a.answered, "refusal": a.refusal} for a in context.guidance
            ]
        settings = context.settings
        # the store keeps the latest turns, and only the messages the model is shown again
        turns = [*state.get("turns", []), record][-settings.session_kept_turns :]
        update: dict[str, Any] = {
            **composed.update,
            "turns": turns,
            "turn_count": turn_count(state) + 1,
        }
        messages: list[Any] = older_messages(state["messages"], settings.agent_history_turns)
        final = final_ai_message(state)
        if final is not None and final.text != turn.reply:
            messages.append(AIMessage(content=turn.reply, id=final.id))
        elif final is None:
            messages.append(AIMessage(content=turn.reply))
        if messages:
            update["messages"] = messages
        return update


def _with_update(
    response: ModelResponse[Any], update: dict[str, Any]
) -> ModelResponse[Any] | ExtendedModelResponse[Any]:
    """Return a model response with the turn's state update alongside, if it has one."""
    if not update:
        return response
    return ExtendedModelResponse(model_response=response, command=Command(update=update))


def rephrase(model: BaseChatModel, turn: ChatTurn) -> ChatTurn:
    """Let a model reword a templated reply; keep the template if the rewording loses the turn."""
    prompt = render("rephrase", turn.lang, language=LANGUAGE_NAMES[turn.lang], reply=turn.reply)
    rephrased = model.invoke([HumanMessage(prompt)]).text.strip()
    if keeps_the_turn(rephrased, turn):
        return turn.model_copy(update={"reply": rephrased})
    log.info("a rephrased reply lost the question or the motion; the template is kept")
    return turn


def asked_question(state: Any, lang: Lang) -> Question | None:
    """Return the question the customer was asked at the end of the previous turn, if any."""
    slot = asked_slot(state)
    return None if slot is None else question(slot, lang)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def build_agent(
    model: BaseChatModel,
    checkpointer: BaseCheckpointSaver[Any] | None,
    *,
    rephrase: bool = False,
) -> CompiledStateGraph[Any, Any, Any, Any]:
    """Build the advisor graph around a chat model.

    The turn's limits (model calls, tool calls) live in the middleware's hooks rather than in
    limit middlewares of their own, which would add two graph steps to every model call.
    """
    executors.install()  # no new threads for every turn
    return create_agent(
        model,
        tools=advisor_tools(),
        middleware=[AdvisorMiddleware(rephraser=model if rephrase else None)],
        context_schema=TurnContext,
        checkpointer=checkpointer,
        name="motion_advisor",
    )
