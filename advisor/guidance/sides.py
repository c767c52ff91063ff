"""Answers that set several sections side by side: motions compared, and partners in each."""

from __future__ import annotations

from advisor.domain.schemas import Answer, Lang
from advisor.guidance.asking import MOTION_NAMES, PARTNER_ROLES, PARTNERS, ROUTES
from advisor.guidance.citing import dated_answer, join_cited
from advisor.guidance.index import GuidanceIndex, Hit

COMPARE_SECOND = 0.5  # a compared motion's second-best sentence joins when it matches this well


def compared(question: str, hits: list[Hit], *, index: GuidanceIndex, lang: Lang) -> Answer:
    """Set the motions a question compares side by side, each from its own section.

    For each, in the order the question names them: who buys that way (the section's opening
    sentence), how they buy (the first sentence naming the route) and the sentence that best
    matches the question, each said once.
    """
    parts: list[tuple[str, int]] = []
    for marker, hit in enumerate(hits, start=1):
        sentences = hit.section.sentences()
        route = ROUTES.get(hit.section.id)
        how = next((t for t in sentences[1:] if route is not None and route.search(t)), None)
        scored = [
            (score, text)
            for score, text in index.rank_sentences(question, hit.section)
            if text not in (sentences[0], how)
        ]
        # the best match, and the next one when it matches nearly as well
        best = [
            text
            for score, text in scored[:2]
            if score > 0 and score >= COMPARE_SECOND * scored[0][0]
        ]
        chosen = list(dict.fromkeys(t for t in (sentences[0], how, *best) if t is not None))
        chosen.sort(key=sentences.index)
        parts += [(text, marker) for text in chosen]
    text = join_cited(parts, lang)
    return dated_answer(text, [hit.section.citation() for hit in hits], lang, index.kb.as_of(lang))


def partner_parts(question: str, hits: list[Hit], *, index: GuidanceIndex, lang: Lang) -> Answer:
    """Say what partners do in each motion compared: the guidance's own side-by-side first.

    From the first section, the sentences that say what partners do in a motion the question
    names; from each motion's section, the sentence about partners that best matches.
    """
    overview, *sides = hits
    names = [MOTION_NAMES[h.section.id] for h in sides if h.section.id in MOTION_NAMES]
    parts = [
        (text, 1)
        for text in overview.section.sentences()
        if PARTNERS.search(text) and any(n.search(text) for n in names)
    ]
    for marker, hit in enumerate(sides, start=2):
        role = PARTNER_ROLES.get(hit.section.id)
        about = [t for t in hit.section.sentences() if role is not None and role.search(t)] or [
            text
            for score, text in index.rank_sentences(question, hit.section)
            if score > 0 and PARTNERS.search(text)
        ]
        parts += [(text, marker) for text in about[:1]]
    text = join_cited(parts, lang)
    return dated_answer(text, [hit.section.citation() for hit in hits], lang, index.kb.as_of(lang))
