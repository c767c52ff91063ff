"""A LangChain callback that counts a run's LLM calls and tokens."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.outputs import ChatGeneration, LLMResult


class UsageCounter(BaseCallbackHandler):
    """Count LLM calls and tokens, from each run's on_llm_end."""

    def __init__(self) -> None:
        self.calls = 0
        self.input_tokens = 0
        self.output_tokens = 0

    @property
    def tokens(self) -> int:
        """Return the tokens used so far, input and output."""
        return self.input_tokens + self.output_tokens

    def on_llm_end(self, response: LLMResult, **kwargs: Any) -> None:
        """Count one call and its token usage."""
        self.calls += 1
        found = False
        for generation in (g for batch in response.generations for g in batch):
            usage = (
                getattr(generation.message, "usage_metadata", None)
                if isinstance(generation, ChatGeneration)
                else None
            )
            if usage:
                self.input_tokens += int(usage.get("input_tokens", 0))
                self.output_tokens += int(usage.get("output_tokens", 0))
                found = True
        if not found:
            usage = (response.llm_output or {}).get("token_usage") or {}
            self.input_tokens += int(usage.get("prompt_tokens", 0))
            self.output_tokens += int(usage.get("completion_tokens", 0))

    def snapshot(self) -> tuple[int, int]:
        """Return (calls, tokens) so far."""
        return self.calls, self.tokens
