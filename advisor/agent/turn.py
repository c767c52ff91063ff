"""One customer turn, composed: the reply, the next question, the recommendation and citations.

Everything comes from one classification and one reading of the message. A model's own words
are kept only where it answered a guidance question, sentence by sentence, and never where they
name a motion the classifier did not allow or repeat the system prompt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from advisor.agent.context import TurnContext
from advisor.agent.dialogue import next_move
from advisor.agent.guards import conflicts, leaks_prompt
from advisor.agent.replies import TurnFacts, compose_replies
from advisor.agent.state import (
    TurnState,
    asked_slot,
    final_ai_message,
    latest_customer_text,
    state_profile,
)
from advisor.domain.questions import question
from advisor.domain.schemas import (
    Answer,
    ChatTurn,
    Citation,
    Classification,
    Lang,
    Motion,
    Profile,
    Slot,
    SpecialTerm,
)
from advisor.guidance.knowledge import load_knowledge, split_sentences
from advisor.nlu import Understanding


@dataclass
class Composed:
    """A composed turn, and what it changes in the conversation state."""

    turn: ChatTurn
    update: dict[str, Any] = field(default_factory=dict)  # profile, declined, foreign
    record: dict[str, Any] = field(default_factory=dict)  # facts recorded, move taken


def build_turn(state: TurnState, context: TurnContext) -> Composed:
    """Build the ChatTurn of the turn that just ran, from state the classifier decides on."""
    lang = context.lang
    reading = context.reading
    profile = state_profile(state)
    update: dict[str, Any] = {}
    recorded = dict(context.recorded)
    converted = _convert_pending(state, reading, profile)
    if converted is not None:
        profile = profile.model_copy(update={"azure_annual_usd": converted})
        recorded["azure_annual_usd"] = converted
    dropped = [t for t in (profile.special_terms or []) if t in reading.taken_back]
    if dropped and "special_terms" not in recorded:
        # "we don't need the affiliate thing after all": that term comes off the list
        kept = [t.value for t in profile.special_terms or [] if t not in dropped]
        profile = profile.model_copy(update={"special_terms": [SpecialTerm(t) for t in kept]})
        recorded["special_terms"] = kept
        update["profile"] = profile.model_dump(mode="json")
    pending = asked_slot(state)
    move = next_move(
        pending,
        reading,
        recorded,
        answered_question=bool(context.guidance),
        turns=state.get("turns") or [],
        foreign=bool(state.get("foreign")) and not reading.currency_unsupported,
    )
    if move.assumed:
        profile = profile.model_copy(update=move.assumed)
    if move.assumed or converted is not None:
        update["profile"] = profile.model_dump(mode="json")
    declined = [s for s in state.get("declined") or [] if getattr(profile, s) is None]
    if move.kind == "decline" and move.slot is not None and move.slot.value not in declined:
        declined.append(move.slot.value)
    if declined != (state.get("declined") or []):
        update["declined"] = declined
    foreign = _foreign(state, reading, recorded)
    if foreign != state.get("foreign"):
        update["foreign"] = foreign
    classification = context.classify(profile)
    missing = [slot for slot in classification.missing if slot.value not in declined]
    # the question the reply before asked, not answered, is asked again in fewer words
    again = bool(missing) and pending is not None and missing[0] == pending
    again = again and move.kind not in ("clarify", "rate") and bool(state.get("turns"))
    next_question = question(missing[0], lang, again=again) if missing else None
    facts = TurnFacts(
        lang=lang,
        text=latest_customer_text(state),
        understood=reading,
        recorded=recorded,
        rejected=context.rejected,
        guidance=context.guidance,
        written=_written_answer(state, context, classification),
        first_turn=not state.get("turns"),
        move=move,
        declined=[Slot(s) for s in declined],
        converted_from=_earlier_amount(state) if converted is not None else None,
        previous_reply=_previous_reply(state),
    )
    reply, brief = compose_replies(
        facts, classification, next_question, _previous_recommendation(state)
    )
    turn = ChatTurn(
        session_id=context.session_id,
        reply=reply,
        brief=brief,
        lang=lang,
        question=next_question,
        recommendation=classification if classification.motion is not None else None,
        citations=_citations(classification, context.guidance, lang),
    )
    record = {"facts": {**recorded, **move.assumed}, "move": move.to_json()}
    return Composed(turn, update, record)


def _earlier_amount(state: TurnState) -> str | None:
    """Return the foreign Azure amount given earlier, a year's worth, as "JPY 6,000,000"."""
    foreign = state.get("foreign")
    if not foreign:
        return None
    return f"{foreign['currency']} {float(foreign['amount']):,.0f}"


def _convert_pending(state: TurnState, reading: Understanding, profile: Profile) -> float | None:
    """Convert an Azure amount given earlier in another currency, now that a rate is given."""
    foreign = state.get("foreign")
    rate = reading.rate
    if not foreign or rate is None or reading.azure_annual_usd is not None:
        return None
    if rate.currency not in (None, foreign["currency"]):
        return None
    return rate.to_usd(float(foreign["amount"]))


def _foreign(
    state: TurnState, reading: Understanding, recorded: dict[str, Any]
) -> dict[str, Any] | None:
    """Return the foreign-currency Azure amount still waiting for a rate, if any."""
    if "azure_annual_usd" in recorded:
        return None
    if reading.currency_unsupported and reading.foreign_amount is not None:
        return {"currency": reading.currency_unsupported, "amount": reading.foreign_amount}
    return state.get("foreign")


def _previous_reply(state: TurnState) -> str | None:
    turns = state.get("turns") or []
    return turns[-1]["turn"]["reply"] if turns else None


def _written_answer(
    state: TurnState, context: TurnContext, classification: Classification
) -> str | None:
    """Return the model's answer to a guidance question, without the sentences it may not say."""
    if not context.guidance:
        return None
    final = final_ai_message(state)
    if final is None or not final.text.strip() or leaks_prompt(final.text):
        return None  # a model that repeats its prompt loses its whole answer, not one sentence
    kept = [
        sentence
        for sentence in split_sentences(final.text)
        if not conflicts(sentence, classification)
    ]
    joiner = " " if context.lang == "en" else ""
    return joiner.join(kept) or None


def _previous_recommendation(state: TurnState) -> Motion | None:
    turns = state.get("turns") or []
    if not turns:
        return None
    recommendation = turns[-1]["turn"].get("recommendation")
    return None if recommendation is None else Motion(recommendation["motion"])


def _citations(
    classification: Classification, guidance: list[Answer], lang: Lang
) -> list[Citation]:
    kb = load_knowledge()
    ids: list[str] = [c.id for answer in guidance for c in answer.citations]
    for reason in classification.reasons:
        ids.extend(reason.citations)
    known = set(kb.ids(lang))
    return [kb.section(i, lang).citation() for i in dict.fromkeys(ids) if i in known]
