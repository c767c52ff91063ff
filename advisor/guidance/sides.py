"""Answers that set several sections side by side.

Motions compared, partners in each, and which motion fits an asker who gives only their size.
"""

from __future__ import annotations

import re

from advisor import prompts
from advisor.domain.policy import AZURE_THRESHOLD_USD, SEAT_THRESHOLD
from advisor.domain.schemas import Answer, Lang
from advisor.guidance.asking import (
    LOSES,
    MOTION_NAMES,
    PARTNER_ROLES,
    PARTNERS,
    ROUTES,
    STAYS,
    asks_yes_or_no,
)
from advisor.guidance.citing import dated_answer, join_cited, then
from advisor.guidance.index import GuidanceIndex, Hit
from advisor.guidance.knowledge import KnowledgeBase
from advisor.nlu.reader import understand

COMPARE_SECOND = 0.5  # a compared motion's second-best sentence joins when it matches this well
# which motion fits: what decides it, then who each motion is for, with the thresholds when the
# question gives a size; the sentences each section says it in
FITTING = ("purchasing-guidance", "breadth-motion", "enterprise-motion", "self-service-motion")
THRESHOLDS = "partner-economics-thresholds"
_DECIDES = re.compile(r"regardless of size|deciding factor|規模を問わず|決定要因")
# a size in seats, people or money: "900 people", "3k users", 「従業員900名」, "USD 2M of Azure"
_SIZE_GIVEN = re.compile(
    r"\d\s*(?:k\b|千|万)?\s*(?:seats?|users?|people|employees|staff|licen[cs]es?|人|名|シート|席"
    r"|ユーザー|ライセンス)|\$\s*\d|\busd\b|\d\s*(?:m\b|million|ドル|米ドル)|(?:従業員|社員)[^。？?]{0,4}\d",
    re.IGNORECASE,
)
_SAID_FOR_FIT = {"enterprise-motion": 2, THRESHOLDS: 2}  # its opening sentences; the rest say 1


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


def fitting_sections(question: str, kb: KnowledgeBase, lang: Lang) -> list[Hit]:
    """Return the sections that answer which motion fits, the thresholds with a size given."""
    ids = list(FITTING)
    if _SIZE_GIVEN.search(question):
        ids.insert(2, THRESHOLDS)  # "we have 900 seats": beside the breadth motion
    return [Hit(kb.section(sid, lang), 1.0, 1.0) for sid in ids]


def fitting(hits: list[Hit], *, index: GuidanceIndex, lang: Lang) -> Answer:
    """Say which motion fits whom, for a question that gives no more than the asker's size.

    The guidance decides by the customer's needs and preferences, not by size alone; then each
    motion's opening sentences say who buys that way. The motion for one customer is the
    classifier's to decide, in the advisor's chat.
    """
    parts: list[tuple[str, int]] = []
    for marker, hit in enumerate(hits, start=1):
        sentences = hit.section.sentences()
        if hit.section.id == FITTING[0]:
            chosen = [t for t in sentences if _DECIDES.search(t)]
        else:
            chosen = sentences[: _SAID_FOR_FIT.get(hit.section.id, 1)]
        parts += [(text, marker) for text in chosen]
    text = join_cited(parts, lang)
    return dated_answer(
        then(text, prompts.text("answers", "fits.close", lang), lang),
        [hit.section.citation() for hit in hits],
        lang,
        index.kb.as_of(lang),
    )


def against_the_thresholds(question: str, answer: Answer) -> Answer:
    """Say where the asker's own seats or Azure spend stand against the guidance's figures.

    "we burn about $80k/mo on Azure, inside the breadth sweet spot?" gets, after the thresholds,
    that USD 960,000 a year (USD 80,000 a month) is within the USD 1 million. Only for an answer
    that cites the thresholds, and only for figures the asker states, not ones asked about
    ("what happens above 2,400 seats?"). Asked whether they can stay with CSP, an asker whose
    figures are all within is answered that first: "Yes. 300 seats is within…".
    """
    ids = [c.id for c in answer.citations]
    if THRESHOLDS not in ids:
        return answer
    lang = answer.lang
    sides = stated_sides(question, lang)
    if not sides:
        return answer
    body, _, date = answer.answer.rpartition("\n\n")
    marker = ids.index(THRESHOLDS) + 1
    said = join_cited([(sentence, marker) for _, sentence in sides], lang)
    if asks_to_stay_within(question, sides):
        lead = "lead.no" if LOSES.search(question) else "lead.yes"
        text = then(f"{prompts.text('answers', lead, lang)}{said}", body, lang)
    else:
        text = then(body, said, lang)
    return answer.model_copy(update={"answer": f"{text}\n\n{date}"})


def stated_sides(question: str, lang: Lang) -> list[tuple[str, str]]:
    """Return which side of each threshold the asker's stated figures fall, and the sentence."""
    reading = understand(question, reader="rules")
    sides: list[tuple[str, str]] = []
    if reading.seats:
        side = "over" if reading.seats > SEAT_THRESHOLD else "within"
        seats = f"{reading.seats:,}"
        sides.append((side, prompts.text("answers", f"figure.seats.{side}", lang, seats=seats)))
    if reading.azure_annual_usd:
        annual = round(reading.azure_annual_usd)
        side = "over" if annual > AZURE_THRESHOLD_USD else "within"
        per_year = reading.azure_per_year
        given = as_given(annual, per_year, lang) if per_year else ""
        said = prompts.text(
            "answers", f"figure.azure.{side}", lang, annual=f"{annual:,}", given=given
        )
        sides.append((side, said))
    return sides


def asks_to_stay_within(question: str, sides: list[tuple[str, str]]) -> bool:
    """Tell whether a yes-or-no question asks to stay with CSP at figures all within the lines.

    「300人でCSPで買い続けても大丈夫？」: the figures answer it, not "partners can still sell
    above the thresholds", which is the answer past them.
    """
    return (
        bool(sides)
        and all(side == "within" for side, _ in sides)
        and asks_yes_or_no(question)
        and STAYS.search(question) is not None
    )


def as_given(annual: float, per_year: int, lang: Lang) -> str:
    """Return the clause giving a yearly Azure figure as it was said: " (USD 80,000 a month)"."""
    return prompts.text(
        "answers",
        "figure.given",
        lang,
        amount=f"{round(annual / per_year):,}",
        period=prompts.text("replies", f"period.{per_year}", lang),
    )
