"""Replies from templates: what the advisor says, built from the turn's facts and the classifier.

Every model's turn is told through these, so a customer never sees a motion the policy did not
decide; a model's own words appear only as its checked answer to a guidance question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from advisor.agent.dialogue import Move
from advisor.domain.policy import describe_terms
from advisor.domain.questions import inferred_seats_note
from advisor.domain.schemas import (
    Answer,
    Classification,
    Lang,
    Motion,
    Question,
    Slot,
    SpecialTerm,
)
from advisor.guidance.sides import as_given
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
    move: Move = field(default_factory=lambda: Move("ask"))
    declined: list[Slot] = field(default_factory=list)  # figures the customer would not give
    # an earlier foreign amount converted at a rate given now, a year's worth ("JPY 6,000,000")
    converted_from: str | None = None
    previous_reply: str | None = None


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
        seats = recorded["seats"]
        facts.append(
            phrase("fact.no_seats", lang)
            if seats == 0
            else phrase("fact.seats", lang, n=f"{seats:,}")
        )
    if "azure_annual_usd" in recorded:
        azure = recorded["azure_annual_usd"]
        facts.append(
            phrase("fact.no_azure", lang)
            if azure == 0
            else phrase("fact.azure", lang, n=_amount(azure))
        )
    if recorded.get("preferred_motion"):
        motion = phrase(f"motion.{recorded['preferred_motion']}", lang)
        facts.append(phrase("fact.pref", lang, motion=motion))
    return facts


def compose_replies(
    turn: TurnFacts,
    classification: Classification,
    question: Question | None,
    previous: Motion | None,
) -> tuple[str, str | None]:
    """Write the advisor's reply for one turn, and its brief form when a new card shows the rest.

    The brief keeps everything but the recommendation's details (why, alternatives, the next
    step), which the recommendation card beside it shows; None when no new card is shown.
    """
    lang = turn.lang
    parts = _preamble(turn)
    brief_parts: list[str] | None = None
    move = turn.move
    if move.kind in ("assume", "decline") and move.slot is not None:
        parts.append(phrase(f"{move.kind}.{move.slot.value}", lang))
    clarifying = move.kind == "clarify" and move.slot is not None
    said_something = bool(parts)
    motion = classification.motion
    if motion is not None:
        details, on_card = _recommendation(turn, classification, previous)
        if on_card:  # a new card shows why, the alternatives and the next step
            brief_parts = [*parts, *(p for p in details if p not in on_card)]
        parts += details
    elif question is not None:
        if move.kind == "rate":
            if not (turn.understood and turn.understood.currency_unsupported):
                parts.append(phrase(f"rate.{move.attempt % 2}", lang))
        elif clarifying:
            assert move.slot is not None
            parts.append(phrase(f"clarify.{move.slot.value}.{move.attempt % 2}", lang))
        else:
            if move.kind == "chat":
                parts.append(phrase(f"smalltalk.{_small_talk(turn.text)}", lang))
            elif not said_something:
                parts.append(phrase("greeting" if turn.first_turn else "nothing_understood", lang))
            elif _guidance_shown(turn) or (
                turn.understood is not None and turn.understood.injection
            ):
                parts.append(phrase("resume", lang))  # back to the question after an answer
            parts.append(question.text)
    elif turn.declined:
        if said_something:  # a figure refused now, or a fact that leaves it undecided
            parts.append(_conditional(turn, classification))
    if not parts:
        parts.append(_after_result(turn))
    reply = "\n\n".join(part for part in parts if part)
    if turn.previous_reply is not None and reply == turn.previous_reply.strip():
        reply = phrase("again", lang) + "\n\n" + reply  # never the same words twice in a row
    brief = None if brief_parts is None else "\n\n".join(p for p in brief_parts if p)
    return reply, brief


_THANKS = re.compile(
    r"\b(?:thanks?|thank you|thx|ty|cheers|much appreciated|appreciate it)\b"
    r"|ありがと|有難う|有り難う|感謝|どうも",
    re.IGNORECASE,
)
_HELLO = re.compile(
    r"\b(?:hi|hello|hey|hiya|good (?:morning|afternoon|evening))\b"
    r"|こんにちは|こんばんは|おはよう|はじめまして|初めまして",
    re.IGNORECASE,
)


def _small_talk(text: str) -> str:
    """Name the small talk a message makes: thanks, a hello, or anything else."""
    if _THANKS.search(text):
        return "thanks"
    return "hello" if _HELLO.search(text) else "other"


def _preamble(turn: TurnFacts) -> list[str]:
    """Say what the turn did with the message: refused instructions, facts, answers."""
    lang = turn.lang
    joiner = ", " if lang == "en" else "、"
    parts: list[str] = []
    understood = turn.understood
    if understood is not None and understood.injection:
        asks_prompt = _PROMPT_REQUEST.search(turn.text)
        parts.append(phrase("prompt_request" if asks_prompt else "injection", lang))
    restated = ""  # the monthly figure said as a year, which an answer need not say again
    if turn.recorded:
        parts.append(phrase("noted", lang, facts=joiner.join(describe_facts(turn.recorded, lang))))
        if understood is not None and understood.seats_inferred and "seats" in turn.recorded:
            parts.append(inferred_seats_note(int(turn.recorded["seats"]), lang))
        per_year = understood.azure_per_year if understood is not None else None
        if per_year and "azure_annual_usd" in turn.recorded:
            annual = float(turn.recorded["azure_annual_usd"])
            restated = as_given(annual, per_year, lang)
            parts.append(
                phrase(
                    "annualised",
                    lang,
                    amount=f"{annual / per_year:,.0f}",
                    annual=f"{annual:,.0f}",
                    period=phrase(f"period.{per_year}", lang),
                )
            )
        rate = understood.rate.words() if understood is not None and understood.rate else None
        amount = understood.converted_from if understood is not None else None
        if turn.converted_from and amount is None:
            amount = phrase("a_year", lang, amount=turn.converted_from)
        if rate and amount:
            parts.append(phrase("converted", lang, amount=amount, rate=rate))
    for name in turn.rejected:
        parts.append(phrase(f"invalid.{name}", lang))
    if understood is not None and understood.currency_unsupported:
        parts.append(phrase("currency", lang, currency=understood.currency_unsupported))
    if turn.written is not None:
        parts.append(turn.written)
    else:
        for answer in turn.guidance:
            if answer.answered or answer.refusal == "contact":  # how to be contacted, always
                # "USD 720,000 of Azure a year (USD 60,000 a month) is within…" after "counted
                # USD 60,000 a month as USD 720,000 a year" says the month once
                parts.append(answer.answer.replace(restated, "") if restated else answer.answer)
            elif _says_why_not(turn, answer):
                parts.append(answer.answer)
            elif _says_not_found(turn):
                parts.append(phrase("no_guidance", lang))
    return parts


# refusals that say why, whatever else the message did: "we're 150 people. what's the price of
# E3?" records the seats and says the guidance gives no prices
_SAID_REFUSALS = {"price", "afterwards", "later", "vendor"}


def _says_why_not(turn: TurnFacts, answer: Answer) -> bool:
    """Tell whether a refusal with a reason is said beside what else the turn did."""
    reason = (answer.refusal or "").split(":")[0]
    return reason in _SAID_REFUSALS and bool(re.search(r"[?？]", turn.text))


def _says_not_found(turn: TurnFacts) -> bool:
    """Tell whether a search that found nothing is said.

    Not beside an answer, nor in an opener: the customer answered, or is greeted.
    """
    return not (turn.recorded or turn.first_turn or turn.move.kind == "rate")


# "online (MCA)" inside the sentence's own brackets reads "online, MCA"
_INNER_BRACKETS = re.compile(r"\s*\(([^()]*)\)")


def _guidance_shown(turn: TurnFacts) -> bool:
    """Tell whether the reply shows something of a guidance search, so the question resumes."""
    if turn.written is not None:
        return bool(turn.guidance)
    return any(
        a.answered or a.refusal == "contact" or _says_why_not(turn, a) or _says_not_found(turn)
        for a in turn.guidance
    )


def _conditional(turn: TurnFacts, classification: Classification) -> str:
    """Give the answer as it depends on the figures the customer would not give."""
    lang = turn.lang
    profile = classification.profile
    if turn.declined == [Slot.SEATS] and profile.azure_annual_usd is not None:
        return phrase("conditional.seats", lang, azure=_amount(profile.azure_annual_usd))
    if turn.declined == [Slot.AZURE_ANNUAL_USD] and profile.seats is not None:
        return phrase("conditional.azure_annual_usd", lang, seats=f"{profile.seats:,}")
    missing = phrase("missing.or", lang).join(
        phrase(f"missing.{slot.value}", lang) for slot in turn.declined
    )
    return phrase("conditional", lang, missing=missing)


def _recommendation(
    turn: TurnFacts, classification: Classification, previous: Motion | None
) -> tuple[list[str], list[str]]:
    """Return the recommendation's reply parts, and those a new recommendation card shows."""
    lang = turn.lang
    sep = " " if lang == "en" else ""
    motion = classification.motion
    assert motion is not None
    parts: list[str] = []
    on_card: list[str] = []
    name = phrase(f"motion.{motion.value}", lang)
    if previous is None or previous is not motion:
        if previous is not None:
            old = phrase(f"motion.{previous.value}", lang)
            parts.append(phrase("changed", lang, old=old, new=name))
        vehicle = _INNER_BRACKETS.sub(
            r"、\1" if lang == "ja" else r", \1", classification.vehicle or ""
        )
        parts.append(phrase("recommend", lang, motion=name, vehicle=vehicle))
        on_card.append(phrase("why", lang, rule=_strip_rule_number(classification.rule or "")))
        notes = [a.note for a in classification.alternatives]
        if notes:
            on_card.append(phrase("alternatives", lang, notes=sep.join(notes)))
        on_card.append(phrase(f"next.{motion.value}", lang))
        parts += on_card
        parts.append(phrase("done", lang))
    elif turn.recorded or turn.move.assumed:
        parts.append(phrase("still", lang, motion=name))
        parts.append(phrase("why", lang, rule=_strip_rule_number(classification.rule or "")))
    return parts, on_card


def _after_result(turn: TurnFacts) -> str:
    """Answer small talk after a result, never with the words of the reply before."""
    first = phrase("after_result.0", turn.lang)
    if turn.previous_reply is not None and first in turn.previous_reply:
        return phrase("after_result.1", turn.lang)
    return first


def _strip_rule_number(rule: str) -> str:
    return re.sub(r"^(Rule \d+: |ルール \d+: )", "", rule)
