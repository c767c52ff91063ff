"""Answers to guidance questions, from the retrieved sections only, with numbered citations.

Offline the answer is extractive: the best-matching sentences of the best sections, each with
its marker. With a chat model, the model writes the answer from the same sections and its
markers are checked against them. Either way, a question the guidance does not cover gets a
plain "the guidance does not say" instead of a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage

from advisor import prompts
from advisor.config import Settings
from advisor.domain.schemas import Answer, Citation, Lang
from advisor.errors import ServiceError
from advisor.guidance.index import GuidanceIndex, Hit
from advisor.inputs import clean_text
from advisor.nlu import detect_lang

NOT_IN_GUIDANCE = "NOT_IN_GUIDANCE"

# Refusal thresholds, tuned on evals/cases/ask.yaml (see benchmarks/RETRIEVAL.md): every
# answerable question there scores at least 0.089 and uses at least 57% guidance words;
# the off-topic ones score below 0.081 or use at most 50% guidance words.
MIN_SCORE = 0.07
MIN_COVERAGE = 0.5
# Sections and sentences that reach this share of the best one are worth showing too.
RELATIVE_SECTION = 0.6
RELATIVE_SENTENCE = 0.45
OTHER_SECTION_WEIGHT = 0.5
MAX_SENTENCES = 3
LEAD_SENTENCES = 2
LEAD_BONUS = 0.2
FOLLOWING_SENTENCE = True

_YEAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)")
_MARKER = re.compile(r"\s*\[(\d+(?:\s*,\s*\d+)*)\]")

_OTHER_VENDORS = re.compile(
    r"\b(?:aws|amazon|google|gcp|workspace|oracle|salesforce|ibm|alibaba|sap|vmware|zoom|slack"
    r"|adobe|dropbox|servicenow|apple)\b|アマゾン|グーグル|オラクル",
    re.IGNORECASE,
)
_PRICE_ASK = re.compile(
    r"\bhow much (?:does|do|is|are|will|would|should)\b[^?]*\b(?:cost|charge|pay|price)"
    r"|\bcosts?\b|\bper (?:user|seat|month|year|licen[cs]e)\b|\bpercent(?:age)?\b|%|％"
    r"|\bcheaper\b|\bmore expensive\b|\bprice list\b"
    r"|いくら|料金|月額|年額|値段|パーセント|(?:インセンティブ|割引|手数料|マージン)率|安い",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Support:
    """What retrieval found for a question, and why it is not enough when it is not."""

    hits: list[Hit]
    refusal: str | None


def answer_question(
    question: str,
    *,
    index: GuidanceIndex,
    settings: Settings,
    lang: Lang | None = None,
    chat_model: BaseChatModel | None = None,
) -> Answer:
    """Answer a guidance question from the knowledge base, citing the sections used.

    With `chat_model` the model writes the answer from the retrieved sections; without one the
    answer is extractive.
    """
    question = clean_text(question, field="question", limit=settings.max_message_chars)
    lang = lang or detect_lang(question)  # the customer's language, as in chat
    as_of = index.kb.as_of(lang)
    support = find_support(question, index=index, lang=lang)
    if support.refusal is not None:
        return _refusal(support.refusal, lang, as_of)
    if chat_model is None:
        return offline_answer(question, support, index=index, lang=lang)
    return _llm_answer(question, support.hits, chat_model=chat_model, index=index, lang=lang)


def offline_answer(question: str, support: Support, *, index: GuidanceIndex, lang: Lang) -> Answer:
    """Answer from what retrieval found, without a language model: extractive, or a refusal."""
    if support.refusal is not None:
        return _refusal(support.refusal, lang, index.kb.as_of(lang))
    return extractive_answer(question, support.hits, index=index, lang=lang)


def find_support(question: str, *, index: GuidanceIndex, lang: Lang, k: int = 3) -> Support:
    """Retrieve sections for a question and decide whether they can answer it."""
    if _OTHER_VENDORS.search(question):
        return Support([], "vendor")
    if _PRICE_ASK.search(question):
        return Support([], "price")
    as_of = index.kb.as_of(lang)
    later = [y for y in _YEAR.findall(question) if y > as_of[:4]]
    if later:
        return Support([], f"later:{later[0]}")
    hits = index.search(question, lang, k=k)
    coverage = index.coverage(question, lang)
    # A short question made only of the guidance's own words ("CSPとは？") is on topic even
    # when its few features score low; otherwise both the score and the coverage must pass.
    if not hits or coverage < MIN_COVERAGE or (hits[0].score < MIN_SCORE and coverage < 1.0):
        return Support(hits, "topic")
    return Support(hits, None)


def extractive_answer(
    question: str, hits: list[Hit], *, index: GuidanceIndex, lang: Lang
) -> Answer:
    """Answer with the best-matching sentences of the top sections, each with its marker."""
    best = hits[0].score
    sections = [h.section for h in hits if h.score >= RELATIVE_SECTION * best]
    candidates: list[tuple[float, int, int, str]] = []
    for rank, section in enumerate(sections):
        weight = 1.0 if rank == 0 else OTHER_SECTION_WEIGHT
        order = {text: i for i, text in enumerate(section.sentences())}
        for score, text in index.rank_sentences(question, section):
            candidates.append((score * weight, rank, order[text], text))
    # The top section's opening sentences say what it is about, which is what a short
    # "what is X?" asks for.
    lead = LEAD_BONUS * max(c[0] for c in candidates)
    candidates = [
        (score + lead, rank, position, text)
        if rank == 0 and position < LEAD_SENTENCES
        else (score, rank, position, text)
        for score, rank, position, text in candidates
    ]
    candidates.sort(key=lambda c: -c[0])
    top = candidates[0][0]
    chosen = [c for c in candidates[:MAX_SENTENCES] if c[0] >= RELATIVE_SENTENCE * top]
    if FOLLOWING_SENTENCE and len(chosen) < MAX_SENTENCES:
        # the sentence after the best one usually carries what it announces (a list, a date)
        _, rank, position, _ = chosen[0]
        following = sections[rank].sentences()[position + 1 : position + 2]
        if following and not any(c[1] == rank and c[2] == position + 1 for c in chosen):
            chosen.append((0.0, rank, position + 1, following[0]))
    # one marker per section, numbered in the order the sections are first cited
    markers: dict[int, int] = {}
    for _, rank, _, _ in chosen:
        markers.setdefault(rank, len(markers) + 1)
    chosen.sort(key=lambda c: (markers[c[1]], c[2]))
    space = "" if lang == "ja" else " "
    text = space.join(f"{sentence}{space}[{markers[rank]}]" for _, rank, _, sentence in chosen)
    citations = [sections[rank].citation() for rank in markers]
    return _dated(text, citations, lang, index.kb.as_of(lang))


def _llm_answer(
    question: str,
    hits: list[Hit],
    *,
    chat_model: BaseChatModel,
    index: GuidanceIndex,
    lang: Lang,
) -> Answer:
    as_of = index.kb.as_of(lang)
    sections = "\n\n".join(
        f"[{n}] {hit.section.heading}\n{hit.section.text}" for n, hit in enumerate(hits, start=1)
    )
    system = prompts.render(
        "ask", lang, sections=sections, as_of=as_of, not_in_guidance=NOT_IN_GUIDANCE
    )
    try:
        reply = chat_model.invoke([SystemMessage(system), HumanMessage(question)])
    except Exception as exc:
        raise ServiceError(
            "The language model is not available right now; please try again in a moment."
        ) from exc
    text = reply.text.strip()
    if NOT_IN_GUIDANCE in text or not text:
        return _refusal("topic", lang, as_of)
    text, cited = renumber_citations(text, len(hits))
    if not cited:
        # an answer that cites nothing cannot be checked, so the grounded one is given instead
        return extractive_answer(question, hits, index=index, lang=lang)
    citations: list[Citation] = [hits[n - 1].section.citation() for n in cited]
    return _dated(text, citations, lang, as_of)


def _dated(text: str, citations: list[Citation], lang: Lang, as_of: str) -> Answer:
    """Return an answer with the guidance's date under it."""
    return Answer(
        answer=f"{text}\n\n{prompts.text('answers', 'date_line', lang, as_of=as_of)}",
        citations=citations,
        lang=lang,
        answered=True,
        as_of=as_of,
    )


def renumber_citations(text: str, count: int) -> tuple[str, list[int]]:
    """Keep the markers [n] with 1 <= n <= count, renumbered in order of first use.

    Returns the text with markers renumbered (others removed) and the original section numbers
    in their new order, so marker [i] cites `cited[i - 1]`.
    """
    cited: list[int] = []

    def replace(match: re.Match[str]) -> str:
        numbers = [int(n) for n in re.findall(r"\d+", match.group(1))]
        kept: list[str] = []
        for n in numbers:
            if 1 <= n <= count:
                if n not in cited:
                    cited.append(n)
                new = str(cited.index(n) + 1)
                if new not in kept:
                    kept.append(new)
        if not kept:
            return ""
        lead = match.group(0)[: len(match.group(0)) - len(match.group(0).lstrip())]
        return f"{lead}[{', '.join(kept)}]"

    return _MARKER.sub(replace, text).strip(), cited


def _refusal(reason: str, lang: Lang, as_of: str) -> Answer:
    kind, _, year = reason.partition(":")
    text = prompts.text("answers", f"refusal.{kind}", lang, as_of=as_of, year=year)
    return Answer(answer=text, citations=[], lang=lang, answered=False, as_of=as_of)
