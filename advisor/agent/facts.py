"""Facts the model records, checked against the customer's own words and merged into the profile."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage

from advisor.domain.schemas import Profile, parse_profile
from advisor.errors import UserError
from advisor.nlu import Understanding

FACT_FIELDS = ("seats", "azure_annual_usd", "special_terms", "self_service", "preferred_motion")


@dataclass
class Merge:
    """What recording a set of facts did: the new profile, or why a field was refused."""

    profile: Profile
    recorded: dict[str, Any] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)  # instructions, not the customer's facts
    error: UserError | None = None  # a value out of range: nothing was recorded


def merge_facts(profile: Profile, given: Mapping[str, Any], reading: Understanding) -> Merge:
    """Merge facts into a profile; from a message that instructs, only what the reader found."""
    facts = {key: _plain(value) for key, value in given.items() if value is not None}
    refused: list[str] = []
    if reading.injection:
        # An instruction to the assistant is not a fact: from a message that gives one, only
        # what the deterministic reader also finds there is recorded (never a preference).
        confirmed = reading.facts()
        refused = [key for key, value in facts.items() if not _same(confirmed.get(key), value)]
        facts = {key: value for key, value in facts.items() if key not in refused}
    cleared: dict[str, Any] = {}
    if (
        facts.get("self_service") is False
        and "preferred_motion" not in facts
        and profile.preferred_motion is not None
        and profile.preferred_motion.value == "self_service"
    ):
        cleared["preferred_motion"] = None  # wanting help now outweighs buying online before
    try:
        merged = parse_profile({**profile.model_dump(mode="json"), **facts, **cleared})
    except UserError as exc:
        return Merge(profile, refused=refused, error=exc)
    return Merge(merged, recorded=facts, refused=refused)


def pending_profile(
    profile: Profile, messages: list[BaseMessage], reading: Understanding
) -> Profile:
    """Return the profile with the facts that the model's latest tool calls record.

    Tools called together run on the same state, so a classification asked for beside
    `record_facts` must see those facts too, whatever order or parallelism the model used.
    """
    latest = next((m for m in reversed(messages) if isinstance(m, AIMessage)), None)
    if latest is None:
        return profile
    for call in latest.tool_calls:
        if call["name"] == "record_facts":
            args = {k: v for k, v in call["args"].items() if k in FACT_FIELDS}
            profile = merge_facts(profile, args, reading).profile
    return profile


def _plain(value: Any) -> Any:
    """Return a tool argument as JSON-ready data (enum members become their values)."""
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    if isinstance(value, bool | int | float):
        return value
    return str(value)


def _same(found: object, given: object) -> bool:
    """Tell whether a fact the model gave matches the one the deterministic reader found."""
    if found is None:
        return False
    if isinstance(found, bool) or isinstance(given, bool):
        return found is given
    if isinstance(found, list) and isinstance(given, list):
        return sorted(map(str, found)) == sorted(map(str, given))
    if isinstance(found, int | float) and isinstance(given, int | float):
        return float(found) == float(given)
    return found == given
