"""The advisor agent: one LangGraph step per customer turn, whatever chat model runs it.

The graph has a single node, `turn`. It reads the customer's message once, calls the model
with the advisor's three tools, runs the tool calls the model makes and, when they are done,
composes the ChatTurn from the classifier. A turn that records facts or classifies ends after
that one model call (`record_facts` and `classify_motion` return directly); a guidance question
takes a second call, to write the answer; a picked quick reply takes none. Being one step, a
turn is read from the store once and, by default, written once, as it ends.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from concurrent.futures import Future
from contextvars import copy_context
from typing import Any, cast

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import (
    AIMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.runnables import Runnable, RunnableConfig, RunnableLambda
from langchain_core.runnables.config import merge_configs
from langchain_core.tools import BaseTool
from langgraph.checkpoint.base import (
    BaseCheckpointSaver,
    CheckpointMetadata,
    copy_checkpoint,
    create_checkpoint,
    empty_checkpoint,
)
from langgraph.config import get_config
from langgraph.graph import START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.runtime import Runtime
from langgraph.types import Command

from advisor.agent import executors
from advisor.agent.context import TurnContext
from advisor.agent.facts import merge_facts
from advisor.agent.guards import keeps_the_turn
from advisor.agent.state import (
    AdvisorState,
    TurnState,
    asked_slot,
    correction_slot,
    earlier_turns,
    latest_customer_text,
    state_profile,
    turn_count,
)
from advisor.agent.tools import advisor_tools, run_tool_call
from advisor.agent.turn import build_turn
from advisor.domain.questions import question
from advisor.domain.schemas import ChatTurn, Lang, Question, Slot
from advisor.nlu import Understanding, understand
from advisor.prompts import render

log = logging.getLogger(__name__)

LANGUAGE_NAMES: dict[Lang, str] = {"en": "English", "ja": "日本語"}

# the graph's one node; streamed model output carries it as its `langgraph_node`
NODE = "turn"
GRAPH = "motion_advisor"
# metadata on the model call that writes the answer to a guidance question, for streaming
ANSWERING = "advisor_answering"


class AdvisorAgent:
    """One customer turn: read the message, call the model and its tools, compose the turn."""

    def __init__(self, model: BaseChatModel, rephraser: BaseChatModel | None = None) -> None:
        self.model = model
        self.tools: dict[str, BaseTool] = {tool.name: tool for tool in advisor_tools()}
        # A model that reads the turn (the offline one) is bound to each turn's reading;
        # any other is bound to the tools once, not on every call.
        self.bound: Runnable[Any, Any] | None = (
            None
            if getattr(model, "reads_turn", False)
            else model.bind_tools(list(self.tools.values()))
        )
        # the model that may rephrase templated replies (ADVISOR_LLM_REPHRASE), if any
        self.rephraser = rephraser

    def __call__(self, state: AdvisorState, runtime: Runtime[TurnContext]) -> dict[str, Any]:
        """Run the customer's turn: the graph's one step."""
        return self.run(state, runtime.context, get_config())

    def run(
        self, state: AdvisorState, context: TurnContext, config: RunnableConfig
    ) -> dict[str, Any]:
        """Run the customer's turn on the stored state; return the state's update."""
        current: dict[str, Any] = {**state, "messages": [context.message]}
        current.update(self.start_turn(current, context))
        answering = False
        while context.answer is None and context.model_calls < context.settings.agent_max_steps:
            context.model_calls += 1
            response = self.call_model(current, context, config, answering=answering)
            current["messages"] = [*current["messages"], response]
            context.allow_tool_calls([response])
            calls = response.tool_calls
            if not calls:
                break
            results, profile = self.run_tools(calls, current, context, config)
            current["messages"] = [*current["messages"], *results]
            if profile is not None:
                current["profile"] = profile
            known = [call["name"] for call in calls if call["name"] in self.tools]
            if known and all(self.tools[name].return_direct for name in known):
                break
            answering = "search_guidance" in known
        return self.finish_turn(cast(TurnState, current), context)

    def start_turn(self, state: Any, context: TurnContext) -> dict[str, Any]:
        """Read the customer's message against the question asked; take a quick reply as given.

        Returns the state update: a new conversation's fields, and a quick reply's fact.
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

    def call_model(
        self,
        state: dict[str, Any],
        context: TurnContext,
        config: RunnableConfig,
        *,
        answering: bool,
    ) -> AIMessage:
        """Call the model with the system prompt for this language and what is known so far."""
        lang = context.lang
        asked = asked_question(state, lang)
        prompt = render(
            "system",
            lang,
            language=LANGUAGE_NAMES[lang],
            next_question=asked.text if asked is not None else "-",
            profile=json.dumps(state_profile(state).model_dump(mode="json"), ensure_ascii=False),
        )
        # The profile is in the system prompt; earlier turns are shown as what was said.
        history = [
            *earlier_turns(state, context.settings.agent_history_turns - 1),
            *state["messages"],
        ]
        bound = self.bound
        if bound is None:
            bound = self.model.bind_tools(list(self.tools.values()), reading=context.reading)
        call_config = merge_configs(config, {"metadata": {ANSWERING: answering}})
        return cast(AIMessage, bound.invoke([SystemMessage(prompt), *history], call_config))

    def run_tools(
        self,
        calls: list[Any],
        state: dict[str, Any],
        context: TurnContext,
        config: RunnableConfig,
    ) -> tuple[list[ToolMessage], dict[str, Any] | None]:
        """Run a model response's tool calls within the turn's budget; refuse the rest, unrun.

        Calls made together run together, against the same state, as a tool-calling model
        expects. Returns their results in call order, and the profile they leave, if changed.
        """
        outcomes: list[ToolMessage | Command[Any] | Future[ToolMessage | Command[Any]]] = []
        granted = [context.allows(call.get("id")) for call in calls]
        pool = executors.shared_pool() if sum(granted) > 1 else None
        for call, allowed in zip(calls, granted, strict=True):
            if not allowed:
                outcomes.append(_refused(call))
            elif pool is not None:
                outcomes.append(
                    pool.submit(copy_context().run, self.run_tool, call, state, context, config)
                )
            else:
                outcomes.append(self.run_tool(call, state, context, config))
        results: list[ToolMessage] = []
        profile: dict[str, Any] | None = None
        for found in outcomes:
            outcome = found.result() if isinstance(found, Future) else found
            if isinstance(outcome, Command):
                written = cast(dict[str, Any], outcome.update or {})
                profile = written.get("profile", profile)
                results.extend(written.get("messages", []))
            else:
                results.append(outcome)
        return results, profile

    def run_tool(
        self, call: Any, state: dict[str, Any], context: TurnContext, config: RunnableConfig
    ) -> ToolMessage | Command[Any]:
        """Run one tool call; a call of a tool the agent does not have is refused, unrun."""
        tool = self.tools.get(call["name"])
        if tool is None:
            names = ", ".join(self.tools)
            return _error(
                call, f"Error: {call['name']} is not a valid tool. The tools are: {names}."
            )
        return run_tool_call(tool, call, state, context, config)

    def finish_turn(self, state: TurnState, context: TurnContext) -> dict[str, Any]:
        """Compose the ChatTurn the customer sees, and the turn's whole state update."""
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
        customer = latest_customer_text(state)
        if context.settings.log_message_text:
            log.info(
                "session %s: customer %r; advisor %r", context.session_id, customer, turn.reply
            )
        record = {
            "at": _now(),
            "customer": customer,
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
        # the store keeps the latest turns
        turns = [*(state.get("turns") or []), record][-settings.session_kept_turns :]
        update: dict[str, Any] = {
            "created_at": state["created_at"],
            "profile": state.get("profile") or {},
            **composed.update,
            "turns": turns,
            "turn_count": turn_count(state) + 1,
        }
        return update


def _refused(call: Any) -> ToolMessage:
    return _error(call, "Refused: this turn has used all its tool calls.")


def _error(call: Any, text: str) -> ToolMessage:
    return ToolMessage(text, tool_call_id=call.get("id") or "", name=call["name"], status="error")


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
    agent: AdvisorAgent, checkpointer: BaseCheckpointSaver[Any] | None
) -> CompiledStateGraph[Any, Any, Any, Any]:
    """Build the advisor graph around its step: one node, run once per customer turn."""
    executors.install()  # no new threads for every turn
    graph = StateGraph(AdvisorState, context_schema=TurnContext)
    graph.add_node(NODE, agent)
    graph.add_edge(START, NODE)
    return graph.compile(checkpointer=checkpointer, name=GRAPH)


def run_turn(
    graph: CompiledStateGraph[Any, Any, Any, Any],
    agent: AdvisorAgent,
    config: RunnableConfig,
    context: TurnContext,
) -> None:
    """Run one turn as the graph's step, and store the conversation as the step leaves it.

    `graph.invoke` runs the same step inside LangGraph's loop (channels, tasks, a checkpoint
    made at every tick), which costs about as much as the step's own work. Here the stored
    state is read once, the step runs, and the new state is written once, through the
    checkpointer, as a checkpoint of the same graph: `graph.get_state` and `graph.stream`
    read it as they read their own. A failed step writes nothing.
    Callbacks still see a run of the graph around a run of its step, as tracing expects.
    A streamed turn goes through `graph.stream`, which hands out the model's tokens.
    """
    saver = graph.checkpointer
    assert isinstance(saver, BaseCheckpointSaver)
    found = saver.get_tuple(config)
    values = found.checkpoint["channel_values"] if found is not None else {}
    state = cast(AdvisorState, {k: v for k, v in values.items() if k in _STORED})
    if config.get("callbacks"):
        update = _step_with_callbacks(agent, state, context, config)
    else:
        update = agent.run(state, context, config)
    base = copy_checkpoint(found.checkpoint) if found is not None else empty_checkpoint()
    versions = {
        key: saver.get_next_version(base["channel_versions"].get(key), None) for key in update
    }
    base["channel_values"].update(update)
    base["channel_versions"].update(versions)
    step = (found.metadata.get("step", 0) if found is not None else 0) + 1
    checkpoint = create_checkpoint(base, None, step)
    checkpoint["updated_channels"] = sorted(update)
    parent = found.config if found is not None else config
    metadata: CheckpointMetadata = {"source": "loop", "step": step, "parents": {}}
    saver.put(
        {"configurable": {"checkpoint_ns": "", **parent["configurable"]}},
        checkpoint,
        metadata,
        versions,
    )


# the conversation state's fields, as stored; the rest of a checkpoint is LangGraph's own
_STORED = frozenset(AdvisorState.__annotations__)


def _step_with_callbacks(
    agent: AdvisorAgent, state: AdvisorState, context: TurnContext, config: RunnableConfig
) -> dict[str, Any]:
    """Run the step inside runs named as LangGraph names the graph's run and its step's."""

    def step(state: AdvisorState, config: RunnableConfig) -> dict[str, Any]:
        return agent.run(state, context, config)

    def whole(state: AdvisorState, config: RunnableConfig) -> dict[str, Any]:
        meta: RunnableConfig = {"metadata": {"langgraph_node": NODE, "langgraph_step": 1}}
        return RunnableLambda(step, name=NODE).invoke(state, merge_configs(config, meta))

    return RunnableLambda(whole, name=GRAPH).invoke(state, config)
