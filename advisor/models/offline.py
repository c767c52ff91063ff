"""The offline chat model: a deterministic stand-in for an LLM, needing no key and no network.

It plays the LLM's part through LangChain's chat-model interface and makes the same tool calls
an LLM would: record the facts it understood, search the guidance when asked a question,
classify, then reply. Same graph, tools, prompts and store as with any other model.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
)
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool

from advisor.agent.replies import TurnFacts, compose_reply, gather_facts
from advisor.agent.state import last_customer_index, tool_results
from advisor.domain.questions import question
from advisor.domain.schemas import Classification, Motion, Slot
from advisor.nlu import understand


class OfflineChatModel(BaseChatModel):
    """A rule-based chat model that drives the advisor's tools deterministically."""

    model_name: str = "offline"
    # Its replies are composed from the classifier, so streaming needs no holding back.
    writes_checked_replies: bool = True

    @property
    def _llm_type(self) -> str:
        return "motion-advisor-offline"

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Any | BaseTool],
        *,
        tool_choice: str | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Return the model itself: it knows the advisor's tools by name."""
        return self

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=respond(messages))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        message = respond(messages)
        if message.tool_calls:
            yield ChatGenerationChunk(
                message=AIMessageChunk(
                    content="",
                    tool_call_chunks=[
                        {
                            "name": call["name"],
                            "args": json.dumps(call["args"]),
                            "id": call["id"],
                            "index": i,
                            "type": "tool_call_chunk",
                        }
                        for i, call in enumerate(message.tool_calls)
                    ],
                )
            )
            return
        for piece in _pieces(message.text):
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=piece))
            if run_manager is not None:
                run_manager.on_llm_new_token(piece, chunk=chunk)
            yield chunk


def _pieces(text: str) -> list[str]:
    """Split a reply into stream deltas that join back to it exactly: short runs of text."""
    return re.findall(r"\S{1,8}\s*|\s+", text) or [text]


def respond(messages: Sequence[BaseMessage]) -> AIMessage:
    """Return the next message of the advisor's turn: tool calls first, then the reply."""
    h = last_customer_index(messages)
    if h is None:
        return AIMessage(content="")
    text = messages[h].text
    after = messages[h + 1 :]
    called = {call["name"] for m in after if isinstance(m, AIMessage) for call in m.tool_calls}
    expecting = _expecting(messages[:h])

    if not called:
        understood = understand(text, expecting=expecting)
        calls: list[tuple[str, dict[str, Any]]] = []
        facts = understood.facts()
        if facts:
            calls.append(("record_facts", facts))
        if understood.asks_question and not understood.injection:
            calls.append(("search_guidance", {"query": text}))
        return _calls(h, 0, calls or [("classify_motion", {})])
    if "classify_motion" not in called:
        return _calls(h, 1, [("classify_motion", {})])

    payload = tool_results(after, "classify_motion")[-1]
    classification = Classification.model_validate(payload["classification"])
    lang = classification.lang
    recorded, rejected = gather_facts(tool_results(after, "record_facts"))
    turn = TurnFacts(
        lang=lang,
        text=text,
        understood=understand(text, expecting=expecting),
        recorded=recorded,
        rejected=rejected,
        guidance=[g for g in tool_results(after, "search_guidance") if "answer" in g],
        first_turn=not any(isinstance(m, HumanMessage) for m in messages[:h]),
    )
    next_question = question(classification.missing[0], lang) if classification.missing else None
    reply = compose_reply(turn, classification, next_question, _previous_motion(messages[:h]))
    return AIMessage(content=reply)


def _calls(h: int, step: int, calls: list[tuple[str, dict[str, Any]]]) -> AIMessage:
    return AIMessage(
        content="",
        tool_calls=[
            {"name": name, "args": args, "id": f"call_{h}_{step}_{i}", "type": "tool_call"}
            for i, (name, args) in enumerate(calls)
        ],
    )


def _last_classification(messages: Sequence[BaseMessage]) -> Classification | None:
    results = tool_results(messages, "classify_motion")
    if not results:
        return None
    return Classification.model_validate(results[-1]["classification"])


def _expecting(history: Sequence[BaseMessage]) -> Slot | None:
    """Return the slot the advisor asked about at the end of its previous turn."""
    last = _last_classification(history)
    if last is None or not last.missing:
        return None
    return last.missing[0]


def _previous_motion(history: Sequence[BaseMessage]) -> Motion | None:
    last = _last_classification(history)
    return None if last is None else last.motion
