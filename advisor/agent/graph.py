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
from collections.abc import Callable
from typing import Any

from langchain.agents import create_agent
from langchain.agents.middleware import (
    AgentMiddleware,
    ModelCallLimitMiddleware,
    ToolCallLimitMiddleware,
)
from langchain.agents.middleware.types import ModelRequest, ModelResponse
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, SystemMessage
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph.state import CompiledStateGraph
from langgraph.runtime import Runtime

from advisor.agent.context import TurnContext
from advisor.agent.state import (
    AdvisorState,
    final_ai_message,
    latest_customer_text,
    recent_turns,
    state_profile,
)
from advisor.agent.tools import advisor_tools
from advisor.agent.turn import build_turn
from advisor.domain.policy import classify
from advisor.domain.questions import question
from advisor.domain.schemas import Lang
from advisor.prompts import render

log = logging.getLogger(__name__)

LANGUAGE_NAMES: dict[Lang, str] = {"en": "English", "ja": "日本語"}


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
                latest_customer_text(state),
                turn.reply,
            )
        record = {
            "at": _now(),
            "customer": latest_customer_text(state),
            "turn": turn.model_dump(mode="json"),
        }
        update: dict[str, Any] = {"turns": [*state.get("turns", []), record]}
        final = final_ai_message(state)
        if final is not None and final.text != turn.reply:
            update["messages"] = [AIMessage(content=turn.reply, id=final.id)]
        elif final is None:
            update["messages"] = [AIMessage(content=turn.reply)]
        return update


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


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
