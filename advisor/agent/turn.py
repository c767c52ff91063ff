"""One customer turn, composed: the reply, the next question, the recommendation and citations."""

from __future__ import annotations

import re
from typing import Any

from advisor.agent.context import TurnContext
from advisor.agent.guards import contradicts, leaks_prompt
from advisor.agent.replies import TurnFacts, compose_reply, gather_facts
from advisor.agent.state import (
    AdvisorState,
    final_ai_message,
    latest_customer_text,
    state_profile,
    turn_tool_results,
)
from advisor.domain.policy import classify
from advisor.domain.questions import question
from advisor.domain.schemas import ChatTurn, Citation, Classification, Lang, Motion
from advisor.guidance.knowledge import load_knowledge
from advisor.nlu import understand


def build_turn(state: AdvisorState, context: TurnContext) -> ChatTurn:
    """Build the ChatTurn of the turn that just ran, from state the classifier decides on."""
    lang = context.lang
    classification = classify(state_profile(state), lang)
    next_question = question(classification.missing[0], lang) if classification.missing else None
    previous = _previous_recommendation(state)
    guidance = [g for g in turn_tool_results(state, "search_guidance") if "answer" in g]
    recorded, rejected = gather_facts(turn_tool_results(state, "record_facts"))
    text = latest_customer_text(state)
    facts = TurnFacts(
        lang=lang,
        text=text,
        understood=understand(text),
        recorded=recorded,
        rejected=rejected,
        guidance=guidance,
        first_turn=not state.get("turns"),
    )
    final = final_ai_message(state)
    reply = final.text.strip() if final is not None else ""
    if not reply or contradicts(reply, classification) or leaks_prompt(reply):
        reply = compose_reply(facts, classification, next_question, previous)
    elif next_question is not None and not re.search(r"[?？]", reply):
        reply = f"{reply}\n\n{next_question.text}"
    return ChatTurn(
        session_id=context.session_id,
        reply=reply,
        lang=lang,
        question=next_question,
        recommendation=classification if classification.motion is not None else None,
        citations=_citations(classification, guidance, lang),
    )


def _previous_recommendation(state: AdvisorState) -> Motion | None:
    turns = state.get("turns") or []
    if not turns:
        return None
    recommendation = turns[-1]["turn"].get("recommendation")
    return None if recommendation is None else Motion(recommendation["motion"])


def _citations(
    classification: Classification, guidance: list[dict[str, Any]], lang: Lang
) -> list[Citation]:
    kb = load_knowledge()
    ids: list[str] = []
    for result in guidance:
        ids.extend(result.get("citations", []))
    for reason in classification.reasons:
        ids.extend(reason.citations)
    known = set(kb.ids(lang))
    return [kb.section(i, lang).citation() for i in dict.fromkeys(ids) if i in known]
