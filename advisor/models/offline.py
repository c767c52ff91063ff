"""The offline chat model: a deterministic stand-in for an LLM, needing no key and no network.

It plays the LLM's part through LangChain's chat-model interface and decides the tool calls the
system prompt asks of an LLM, all at once as tool-calling LLMs do: record the facts it
understood (which returns their classification), search the guidance when asked a question, or
else classify. It writes no text of its own: the turn is composed from the classifier and the
guidance, as it is for any model.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool

from advisor.agent.state import last_customer_index
from advisor.nlu import Understanding, understand
from advisor.nlu.questions import asks_about_something


class OfflineChatModel(BaseChatModel):
    """A rule-based chat model that drives the advisor's tools deterministically."""

    model_name: str = "offline"
    # The agent hands it the turn's reading of the customer's message, so it is read once.
    reads_turn: bool = True
    reading: Understanding | None = None

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
        """Return the model, bound to the turn's reading if one is given: it knows the tools.

        The reading is bound as a call argument rather than copied into a new model, so the
        one model serves every turn and LangChain describes it to callbacks once, not per turn.
        """
        reading = kwargs.get("reading")
        if isinstance(reading, Understanding):
            return self.bind(reading=reading)
        return self

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        reading = kwargs.get("reading", self.reading)
        return ChatResult(generations=[ChatGeneration(message=decide(messages, reading))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        message = decide(messages, kwargs.get("reading", self.reading))
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


def decide(messages: Sequence[BaseMessage], reading: Understanding | None = None) -> AIMessage:
    """Return the tool calls for the customer's latest message, or nothing once tools have run."""
    h = last_customer_index(messages)
    if h is None or any(isinstance(m, ToolMessage) for m in messages[h + 1 :]):
        return AIMessage(content="")
    text = messages[h].text
    reading = reading if reading is not None else understand(text)
    calls: list[tuple[str, dict[str, Any]]] = []
    facts = reading.facts()
    if facts:
        calls.append(("record_facts", facts))  # it returns the classification of its facts
    # a question about buying gets the guidance; asking what a question means, a greeting
    # that asks for help, or an instruction does not
    # ("we love our CSP and want to stay, is that ok?" states a wish; the reply answers it)
    if reading.act == "question" or (
        reading.act == "answer" and reading.asks_question and asks_about_something(text)
    ):
        calls.append(("search_guidance", {"query": text}))
    if not calls:
        calls.append(("classify_motion", {}))
    return AIMessage(
        content="",
        tool_calls=[
            {"name": name, "args": args, "id": f"call_{h}_{i}", "type": "tool_call"}
            for i, (name, args) in enumerate(calls)
        ],
    )
