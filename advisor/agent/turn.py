"""One customer turn, composed: the reply, the next question, the recommendation and citations.

Everything comes from one classification and one reading of the message. A model's own words
are kept only where it answered a guidance question, sentence by sentence, and never where they
name a motion the classifier did not allow or repeat the system prompt.
"""

from __future__ import annotations

from advisor.agent.context import TurnContext
from advisor.agent.guards import conflicts, leaks_prompt
from advisor.agent.replies import TurnFacts, compose_reply
from advisor.agent.state import AdvisorState, final_ai_message, latest_customer_text, state_profile
from advisor.domain.questions import question
from advisor.domain.schemas import Answer, ChatTurn, Citation, Classification, Lang, Motion
from advisor.guidance.knowledge import load_knowledge, split_sentences


def build_turn(state: AdvisorState, context: TurnContext) -> ChatTurn:
    """Build the ChatTurn of the turn that just ran, from state the classifier decides on."""
    lang = context.lang
    classification = context.classify(state_profile(state))
    next_question = question(classification.missing[0], lang) if classification.missing else None
    facts = TurnFacts(
        lang=lang,
        text=latest_customer_text(state),
        understood=context.reading,
        recorded=context.recorded,
        rejected=context.rejected,
        guidance=context.guidance,
        written=_written_answer(state, context, classification),
        first_turn=not state.get("turns"),
    )
    reply = compose_reply(facts, classification, next_question, _previous_recommendation(state))
    return ChatTurn(
        session_id=context.session_id,
        reply=reply,
        lang=lang,
        question=next_question,
        recommendation=classification if classification.motion is not None else None,
        citations=_citations(classification, context.guidance, lang),
    )


def _written_answer(
    state: AdvisorState, context: TurnContext, classification: Classification
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


def _previous_recommendation(state: AdvisorState) -> Motion | None:
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
