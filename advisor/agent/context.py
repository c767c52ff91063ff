"""The agent's runtime context: one turn's settings, reading, classifications and outcome."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from langchain_core.messages import HumanMessage

from advisor.config import Settings
from advisor.domain import policy
from advisor.domain.schemas import Answer, ChatTurn, Classification, Lang, Profile
from advisor.nlu import Understanding


@dataclass
class TurnContext:
    """What the tools and middleware share during one customer turn, passed at invocation.

    The customer's message is read once (`reading`) and each profile is classified once
    (`classify`), whoever asks: the tools, the system prompt and the composed turn.
    """

    settings: Settings
    session_id: str
    lang: Lang
    index: Any = None  # a GuidanceIndex; typed loosely so tool schemas need not import Chroma
    # the customer's message (stored only in the turn's record, as text)
    message: HumanMessage = field(default_factory=lambda: HumanMessage(""))
    # a quick reply the customer picked: {"slot": ..., "value": ...}, taken as given
    answer: dict[str, Any] | None = None
    # the client's Idempotency-Key for this turn, kept with the turn to answer a retry
    idempotency_key: str | None = None
    reading: Understanding = field(default_factory=Understanding)
    recorded: dict[str, Any] = field(default_factory=dict)
    rejected: list[str] = field(default_factory=list)
    guidance: list[Answer] = field(default_factory=list)
    model_calls: int = 0
    _allowed: set[str] = field(default_factory=set, repr=False)
    _granted: int = 0
    turn: ChatTurn | None = None
    # called with the stored state as the turn starts, to check it (raising to refuse the turn)
    # and to set the turn's language from it; None for a session made for this turn
    opened: Callable[[Any], None] | None = None
    new_session: bool = True
    _classified: dict[str, Classification] = field(default_factory=dict, repr=False)
    # tools called together run in threads; one lock for all turns is held only for moments
    _lock: ClassVar[threading.Lock] = threading.Lock()

    def classify(self, profile: Profile) -> Classification:
        """Classify a profile in the turn's language, once per distinct profile."""
        key = profile.model_dump_json()
        with self._lock:
            found = self._classified.get(key)
            if found is None:
                found = self._classified[key] = policy.classify(profile, self.lang)
        return found

    def record(self, recorded: dict[str, Any], rejected: list[str]) -> None:
        """Note facts recorded this turn and the fields refused (tools may run in parallel)."""
        with self._lock:
            self.recorded.update(recorded)
            self.rejected.extend(name for name in rejected if name not in self.rejected)

    def found(self, answer: Answer) -> None:
        """Note a guidance answer found this turn."""
        with self._lock:
            self.guidance.append(answer)

    def allow_tool_calls(self, messages: list[Any]) -> None:
        """Grant a model response's tool calls, in order, up to the turn's budget.

        A turn may run twice as many tool calls as it may call the model; a model asking for
        dozens at once gets the first ones run and the rest refused.
        """
        budget = 2 * self.settings.agent_max_steps
        for message in messages:
            for call in getattr(message, "tool_calls", None) or []:
                if self._granted < budget and call.get("id"):
                    self._granted += 1
                    self._allowed.add(call["id"])

    def allows(self, call_id: str | None) -> bool:
        """Tell whether a tool call was granted."""
        return call_id is not None and call_id in self._allowed
