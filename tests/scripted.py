"""A scripted LangChain chat model for in-process agent tests, behaving as real LLMs do.

    model = ScriptedChatModel()
    model.enqueue_tool_calls([("record_facts", {"seats": 300}), ("classify_motion", {})])
    model.enqueue_text("Noted. Do you need any special contract terms?")
    service = ChatService(settings, model=model, index=guidance_index)
    turn = service.chat("We're 300 people")
    assert model.pending == 0 and len(model.calls) == 2

Each call of the model takes the next step from a queue: an `AIMessage` (text, tool calls -
several at once, as OpenAI's parallel tool calls - or both), a function of the messages the
call received (to answer from what a tool returned, as an LLM reads its tool results), or an
exception to raise. A step may wait first, as a slow LLM does. Every call's messages are
recorded in `calls`, the tool names the agent bound in `bound_tools`. An unscripted call raises
`ScriptExhausted`, so a test never passes on replies it did not write.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.callbacks import BaseCallbackHandler, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from langgraph.types import Command
from pydantic import PrivateAttr

Responder = Callable[[list[BaseMessage]], AIMessage | str]


class ScriptExhausted(RuntimeError):
    """The model was called more often than the test scripted."""


@dataclass
class Step:
    """One scripted model call: what it answers (or raises), after an optional wait."""

    answer: AIMessage | Responder | BaseException
    delay: float = 0.0


class ScriptedChatModel(BaseChatModel):
    """A chat model that replays enqueued steps and records what each call received."""

    model_name: str = "scripted"

    _steps: deque[Step] = PrivateAttr(default_factory=deque)
    _calls: list[list[BaseMessage]] = PrivateAttr(default_factory=list)
    _bound: list[str] = PrivateAttr(default_factory=list)
    _ids: Iterator[int] = PrivateAttr(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @property
    def _llm_type(self) -> str:
        return "scripted"

    # scripting

    def enqueue(
        self, answer: AIMessage | str | Responder | BaseException, *, delay: float = 0.0
    ) -> None:
        """Answer the next call with a message, a function of its messages, or an exception."""
        if isinstance(answer, str):
            answer = AIMessage(content=answer)
        with self._lock:
            self._steps.append(Step(answer, delay))

    def enqueue_text(self, text: str, *, delay: float = 0.0) -> None:
        """Answer the next call with a reply to the customer."""
        self.enqueue(AIMessage(content=text), delay=delay)

    def enqueue_tool_calls(
        self, calls: Sequence[tuple[str, dict[str, Any]]], *, text: str = "", delay: float = 0.0
    ) -> None:
        """Answer the next call with tool calls (name, arguments), all in one message.

        `text` is prose the model writes next to the calls, as LLMs sometimes do.
        """
        self.enqueue(self.tool_calls_message(calls, text=text), delay=delay)

    def enqueue_error(self, error: BaseException, *, delay: float = 0.0) -> None:
        """Raise `error` from the next call, as a failing LLM client does."""
        self.enqueue(error, delay=delay)

    def tool_calls_message(
        self, calls: Sequence[tuple[str, dict[str, Any]]], *, text: str = ""
    ) -> AIMessage:
        """Return an assistant message asking for these tool calls, with fresh call ids."""
        return AIMessage(
            content=text,
            tool_calls=[
                {
                    "name": name,
                    "args": dict(args),
                    "id": f"call_{next(self._ids):04d}",
                    "type": "tool_call",
                }
                for name, args in calls
            ],
        )

    # what happened

    @property
    def pending(self) -> int:
        """Return how many scripted steps are left."""
        with self._lock:
            return len(self._steps)

    @property
    def calls(self) -> list[list[BaseMessage]]:
        """Return the messages each call received, in call order."""
        with self._lock:
            return [list(messages) for messages in self._calls]

    @property
    def bound_tools(self) -> list[str]:
        """Return the names of the tools the agent bound, in its order."""
        return list(self._bound)

    # the chat-model interface

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: str | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Note the tools' names and return the model itself: the script names its calls."""
        self._bound[:] = [convert_to_openai_tool(t)["function"]["name"] for t in tools]
        return self

    def _next(self, messages: list[BaseMessage]) -> AIMessage:
        with self._lock:
            self._calls.append(list(messages))
            step = self._steps.popleft() if self._steps else None
        if step is None:
            raise ScriptExhausted(f"no scripted answer left for model call {len(self._calls)}")
        if step.delay:
            time.sleep(step.delay)
        answer = step.answer
        if isinstance(answer, BaseException):
            raise answer
        if callable(answer):
            answer = answer(list(messages))
            if isinstance(answer, str):
                answer = AIMessage(content=answer)
        return answer.model_copy()

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=self._next(messages))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        """Stream the text a few words at a time, then the tool calls, as OpenAI does."""
        message = self._next(messages)
        for piece in re.findall(r"\S+\s*|\s+", message.text):
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=piece, id=message.id))
            if run_manager is not None:
                run_manager.on_llm_new_token(piece, chunk=chunk)
            yield chunk
        if message.tool_calls or not message.text:
            yield ChatGenerationChunk(
                message=AIMessageChunk(
                    content="",
                    id=message.id,
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


def tool_result(messages: Sequence[BaseMessage], name: str) -> dict[str, Any]:
    """Return the JSON the named tool last returned among the messages a call received."""
    for message in reversed(messages):
        if isinstance(message, ToolMessage) and message.name == name:
            data: dict[str, Any] = json.loads(message.text)
            return data
    raise AssertionError(f"the model was not given a {name} result")


class ToolResults(BaseCallbackHandler):
    """What each tool call returned, as the agent tells its callbacks (pass it to ChatService).

    A tool that records facts ends the model's part of the turn, so no model reads its result
    in that turn; this is where a test reads it.
    """

    run_inline = True

    def __init__(self) -> None:
        self.results: list[ToolMessage] = []

    def on_tool_end(self, output: Any, **kwargs: Any) -> None:
        """Keep the result message of a finished tool call."""
        if isinstance(output, Command):
            update = output.update if isinstance(output.update, dict) else {}
            self.results.extend(m for m in update.get("messages", []) if isinstance(m, ToolMessage))
        elif isinstance(output, ToolMessage):
            self.results.append(output)

    def last(self, name: str) -> dict[str, Any]:
        """Return the JSON the named tool returned most recently."""
        return tool_result(self.results, name)
