"""The conversation state the checkpointer keeps, and how to read it."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any, NotRequired, Required, TypedDict

from langchain_core.messages import AIMessage, AnyMessage, BaseMessage, HumanMessage

from advisor.domain.schemas import Profile, Slot


class AdvisorState(TypedDict):
    """The conversation state kept by the checkpointer, per session."""

    profile: NotRequired[dict[str, Any]]
    # one record per turn: {"at", "customer", "turn", "facts" recorded, "move" taken}
    turns: NotRequired[list[dict[str, Any]]]
    # how many turns the conversation has had, the dropped ones included
    turn_count: NotRequired[int]
    created_at: NotRequired[str]
    declined: NotRequired[list[str]]  # figures the customer would not give
    # an Azure amount in another currency, kept until the customer gives a rate or USD
    foreign: NotRequired[dict[str, Any] | None]


class TurnState(AdvisorState):
    """What a turn works on: the stored state, and this turn's messages as it runs.

    The messages (the customer's, the model's, tool calls and results) are not stored: the
    turn is kept in `turns`, and a model is shown earlier turns as what was said.
    """

    messages: Required[list[AnyMessage]]


def state_profile(state: Any) -> Profile:
    """Return the profile stored in the conversation state."""
    return Profile.model_validate(state.get("profile") or {})


def turn_count(state: Any) -> int:
    """Return how many turns a conversation has had, counting those no longer kept."""
    count = state.get("turn_count")
    return int(count) if isinstance(count, int) else len(state.get("turns") or [])


def last_customer_index(messages: Sequence[BaseMessage]) -> int | None:
    """Return the position of the customer's latest message."""
    for i in range(len(messages) - 1, -1, -1):
        if isinstance(messages[i], HumanMessage):
            return i
    return None


def latest_customer_text(state: Any) -> str:
    """Return the text of the customer's latest message."""
    messages = state.get("messages") or []
    index = last_customer_index(messages)
    return "" if index is None else messages[index].text


def earlier_turns(state: Any, turns: int) -> list[BaseMessage]:
    """Return the conversation's last `turns` turns as the model is shown them again.

    Each is what the customer wrote and the reply they read; the facts gathered are in the
    system prompt, so a model needs neither the earlier tool calls nor their results.
    """
    shown: list[BaseMessage] = []
    for record in (state.get("turns") or [])[-turns:] if turns > 0 else []:
        shown.append(HumanMessage(record["customer"]))
        shown.append(AIMessage(record["turn"]["reply"]))
    return shown


def final_ai_message(state: TurnState) -> AIMessage | None:
    """Return the model's last reply of this turn: a message with no tool calls."""
    messages = state["messages"]
    index = last_customer_index(messages)
    if index is None:
        return None
    for message in reversed(messages[index + 1 :]):
        if isinstance(message, AIMessage) and not message.tool_calls:
            return message
    return None


def asked_slot(state: Any) -> Slot | None:
    """Return the slot the advisor asked about at the end of its previous turn."""
    turns = state.get("turns") or []
    asked = turns[-1]["turn"].get("question") if turns else None
    return None if asked is None else Slot(asked["slot"])


def correction_slot(state: Any, text: str) -> Slot | None:
    """Return the figure a bare correction changes: the one it resembles, else the latest.

    "Sorry, 2,500, not 250" after both a seat count of 250 and an Azure figure corrects the
    seats: the same digits, give or take zeros, are a slip of the keyboard.
    """
    profile = state.get("profile") or {}
    found = _DIGITS.search(unicodedata.normalize("NFKC", text))
    if found:
        given = re.sub(r"\D", "", found.group())
        slots = (Slot.SEATS, Slot.AZURE_ANNUAL_USD)
        olds = {slot: str(int(profile[slot.value])) for slot in slots if profile.get(slot.value)}
        same = [slot for slot, old in olds.items() if old == given]  # "that $90,000 is per month"
        if len(same) == 1:
            return same[0]
        alike = [s for s, old in olds.items() if given and old.rstrip("0") == given.rstrip("0")]
        if len(alike) == 1:
            return alike[0]
    return last_figure_slot(state)


_DIGITS = re.compile(r"\d[\d,]*")


def last_figure_slot(state: Any) -> Slot | None:
    """Return the figure the customer stated most recently, the one a bare correction changes."""
    for record in reversed(state.get("turns") or []):
        facts = record.get("facts") or {}
        if "seats" in facts:
            return Slot.SEATS
        if "azure_annual_usd" in facts:
            return Slot.AZURE_ANNUAL_USD
    return None


def session_view(
    session_id: str, values: Mapping[str, Any], *, limit: int | None = None
) -> dict[str, Any]:
    """Write a stored conversation as `ChatService.session` returns it, from its values."""
    turns = values.get("turns") or []
    shown = turns if limit is None else turns[-limit:] if limit > 0 else []
    transcript: list[dict[str, Any]] = []
    for record in shown:
        transcript.append({"role": "customer", "text": record["customer"], "at": record["at"]})
        transcript.append(
            {
                "role": "advisor",
                "text": record["turn"]["reply"],
                "at": record["at"],
                "turn": record["turn"],
            }
        )
    last = turns[-1]["turn"] if turns else None
    return {
        "session_id": session_id,
        "created_at": values.get("created_at"),
        "lang": last["lang"] if last else None,
        "profile": values.get("profile") or {},
        "recommendation": last["recommendation"] if last else None,
        "question": last["question"] if last else None,
        "transcript": transcript,
        "turn_count": turn_count(values),
        "earlier_turns": turn_count(values) - len(shown),
    }
