"""Where the conversation goes when a reply does not answer the question that was asked.

The pending question is state. A reply that answers it moves on; one that does not gets a way
forward instead of the same question again, as the policy's "Reading what customers say" asks:
- not understood: a clarification that explains the question in plain words and lists its
  options, worded differently each time;
- small talk ("thanks!"): answered in kind, then the question again (twice in a row: clarified);
- unsure or refusing about special terms: one explanation, then the advisor goes on as if none
  are needed, says so, and names what would change the answer;
- unsure or refusing about self-service: the advisor assumes the customer wants help, and says so;
- refusing a figure (or still unsure after an explanation): the figure is left out; the advisor
  asks what else it needs, and gives the conditional answer when only that figure is missing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from advisor.domain.schemas import Slot
from advisor.nlu import Understanding

Kind = Literal["ask", "clarify", "assume", "decline", "rate", "chat"]
# clarifications of one question before the advisor goes on without its answer
MAX_CLARIFICATIONS = 2
# a refusal read with less confidence than this ("infinity") is clarified before it is taken
SURE_REFUSAL = 0.45


@dataclass(frozen=True)
class Move:
    """What the advisor does about the pending question this turn."""

    kind: Kind
    slot: Slot | None = None
    assumed: dict[str, Any] = field(default_factory=dict)  # facts taken as the policy says
    attempt: int = 0  # which clarification this is, 0 for the first

    def to_json(self) -> dict[str, Any]:
        """Return the move as plain data, for the turn record."""
        return {"kind": self.kind, "slot": self.slot.value if self.slot else None}


def clarifications_in_a_row(turns: Sequence[Mapping[str, Any]], slot: Slot) -> int:
    """Return how many of the latest turns in a row did not get this slot's question answered.

    Clarifications count, and so does small talk in reply to the question.
    """
    count = 0
    for record in reversed(turns):
        move = record.get("move") or {}
        if move.get("kind") not in ("clarify", "rate", "chat") or move.get("slot") != slot.value:
            break
        count += 1
    return count


def next_move(
    pending: Slot | None,
    reading: Understanding,
    recorded: Mapping[str, Any],
    *,
    answered_question: bool,
    turns: Sequence[Mapping[str, Any]],
    foreign: bool = False,
) -> Move:
    """Decide what to do about the pending question, given what this turn read and recorded."""
    if pending is None or pending.value in recorded:
        return Move("ask")
    act = reading.act
    tried = clarifications_in_a_row(turns, pending)
    if pending is Slot.AZURE_ANNUAL_USD and reading.currency_unsupported and not recorded:
        return Move("rate", pending, attempt=tried)  # the reply asks for USD or a rate
    if pending is Slot.AZURE_ANNUAL_USD and foreign and not recorded:
        # an amount in another currency waits for a rate: ask for one, never guess it; a
        # customer who has none ("can't you convert it?", "no idea") goes on without it
        if act == "refuse" or tried >= 2:
            return Move("decline", pending)
        return Move("rate", pending, attempt=tried)
    if answered_question or act == "question":
        return Move("ask", pending)  # a guidance answer, then the question again
    if recorded:
        return Move("ask")  # other facts landed: the next question follows from them
    if reading.currency_unsupported:
        return Move("ask", pending)
    chatted = bool(turns) and (turns[-1].get("move") or {}).get("kind") == "chat"
    if act == "smalltalk" and not chatted:
        # "thanks!", "hi again": answered in kind, then the question, which it did not answer;
        # small talk twice in a row is taken as not understanding the question
        return Move("chat", pending)
    if pending is Slot.SPECIAL_TERMS:
        if act == "refuse" or tried >= 1:
            return Move("assume", pending, {"special_terms": []})
        return Move("clarify", pending, attempt=tried)
    if pending is Slot.SELF_SERVICE:
        asks_meaning = act == "unsure" and reading.asks_question and tried == 0
        if asks_meaning:
            return Move("clarify", pending)  # "what do you mean?": explained before assuming
        if act in ("unsure", "refuse") or tried >= 1:
            return Move("assume", pending, {"self_service": False})
        return Move("clarify", pending, attempt=tried)
    refused = act == "refuse" and reading.confidence >= SURE_REFUSAL
    if refused or (act == "unsure" and tried >= 1) or tried >= MAX_CLARIFICATIONS:
        return Move("decline", pending)
    return Move("clarify", pending, attempt=tried)
