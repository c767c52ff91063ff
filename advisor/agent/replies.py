"""Replies from templates: what the advisor says, built from the turn's facts and the classifier.

Every model's turn is told through these, so a customer never sees a motion the policy did not
decide; a model's own words appear only as its checked answer to a guidance question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from advisor.domain.policy import describe_terms
from advisor.domain.questions import inferred_seats_note
from advisor.domain.schemas import Answer, Classification, Lang, Motion, Question, SpecialTerm
from advisor.nlu import Understanding
from advisor.prompts import phrase

_PROMPT_REQUEST = re.compile(
    r"system\s*prompt|your\s+(instructions|prompt|rules)|プロンプト|指示(内容)?を(教え|見せ|表示)",
    re.IGNORECASE,
)


@dataclass
class TurnFacts:
    """What happened in one turn, as the reply needs it."""

    lang: Lang
    text: str = ""
    understood: Understanding | None = None
    recorded: dict[str, Any] = field(default_factory=dict)
    rejected: list[str] = field(default_factory=list)
    guidance: list[Answer] = field(default_factory=list)
    written: str | None = None  # the model's checked answer to the guidance question, if any
    first_turn: bool = False


def _amount(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def describe_facts(recorded: dict[str, Any], lang: Lang) -> list[str]:
    """Describe recorded facts in the customer's words."""
    facts: list[str] = []
    if "special_terms" in recorded:
        terms = [SpecialTerm(t) for t in recorded["special_terms"]]
        facts.append(
            phrase("fact.terms", lang, terms=describe_terms(terms, lang))
            if terms
            else phrase("fact.no_terms", lang)
        )
    if "self_service" in recorded:
        facts.append(phrase("fact.self" if recorded["self_service"] else "fact.help", lang))
    if "seats" in recorded:
        facts.append(phrase("fact.seats", lang, n=f"{recorded['seats']:,}"))
    if "azure_annual_usd" in recorded:
        facts.append(phrase("fact.azure", lang, n=_amount(recorded["azure_annual_usd"])))
    if recorded.get("preferred_motion"):
        motion = phrase(f"motion.{recorded['preferred_motion']}", lang)
        facts.append(phrase("fact.pref", lang, motion=motion))
    return facts


def compose_reply(
    turn: TurnFacts,
    classification: Classification,
    question: Question | None,
    previous: Motion | None,
) -> str:
    """Write the advisor's reply for one turn."""
    lang = turn.lang
    sep = " " if lang == "en" else ""
    joiner = ", " if lang == "en" else "、"
    parts: list[str] = []
    understood = turn.understood
    if understood is not None and understood.injection:
        asks_prompt = _PROMPT_REQUEST.search(turn.text)
        parts.append(phrase("prompt_request" if asks_prompt else "injection", lang))
    if turn.recorded:
        parts.append(phrase("noted", lang, facts=joiner.join(describe_facts(turn.recorded, lang))))
        if understood is not None and understood.seats_inferred and "seats" in turn.recorded:
            parts.append(inferred_seats_note(int(turn.recorded["seats"]), lang))
    for name in turn.rejected:
        parts.append(phrase(f"invalid.{name}", lang))
    if understood is not None and understood.currency_unsupported:
        parts.append(phrase("currency", lang, currency=understood.currency_unsupported))
    if turn.written is not None:
        parts.append(turn.written)
    else:
        for answer in turn.guidance:
            parts.append(answer.answer if answer.answered else phrase("no_guidance", lang))
    said_something = bool(parts)
    if not said_something:
        parts.append(phrase("greeting" if turn.first_turn else "nothing_understood", lang))

    motion = classification.motion
    if motion is not None:
        name = phrase(f"motion.{motion.value}", lang)
        if previous is None or previous is not motion:
            if previous is not None:
                old = phrase(f"motion.{previous.value}", lang)
                parts.append(phrase("changed", lang, old=old, new=name))
            parts.append(phrase("recommend", lang, motion=name, vehicle=classification.vehicle))
            parts.append(phrase("why", lang, rule=_strip_rule_number(classification.rule or "")))
            notes = [a.note for a in classification.alternatives]
            if notes:
                parts.append(phrase("alternatives", lang, notes=sep.join(notes)))
            parts.append(phrase(f"next.{motion.value}", lang))
            parts.append(phrase("done", lang))
        elif turn.recorded:
            parts.append(phrase("still", lang, motion=name))
            parts.append(phrase("why", lang, rule=_strip_rule_number(classification.rule or "")))
    elif question is not None:
        if turn.guidance or (understood is not None and understood.injection):
            parts.append(phrase("resume", lang))
        parts.append(question.text)
    return "\n\n".join(part for part in parts if part)


def _strip_rule_number(rule: str) -> str:
    return re.sub(r"^(Rule \d+: |ルール \d+: )", "", rule)
