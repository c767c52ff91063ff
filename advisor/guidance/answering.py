"""Answers to guidance questions, from the retrieved sections only, with numbered citations.

Offline the answer is extractive: the best-matching sentences of the best sections, each with
its marker. With a chat model, the model writes the answer from the same sections and its
markers are checked against them. Either way, a question the guidance does not cover gets a
plain "the guidance does not say" instead of a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage

from advisor import prompts
from advisor.config import Settings
from advisor.domain.schemas import Answer, Citation, Lang
from advisor.errors import ServiceError
from advisor.guidance.asking import (
    ANSWERED_PLAINLY,
    ANSWERS_KIND,
    ASKED_FOR,
    CHANGING_MOTION,
    CHECKING_FOR_UPDATES,
    CSP_HEADING,
    GIVES_NO_RATES,
    HEDGES,
    LOSES,
    MOVING,
    NOT_MANDATORY,
    PARTNER_EA_DUTIES,
    PAST_LARGE,
    PAST_THE_LINE,
    SIDE_OF_THE_LINE,
    STAYS,
    STILL_SELL,
    THE_LINE_ASKED,
    THE_UPDATES,
    asked_parts,
    asks_yes_or_no,
    of_the_version_named,
    versions_missing,
)
from advisor.guidance.citing import dated_answer, join_cited, then
from advisor.guidance.index import GuidanceIndex, Hit, alike_words
from advisor.guidance.knowledge import Section
from advisor.guidance.learned import question_model
from advisor.guidance.pricing import (
    asks_if_rates_changed,
    asks_if_rates_given,
    asks_which_period,
)
from advisor.guidance.reading import (
    compared_sections,
    compares_partner_parts,
    contrasted_terms,
    defined_term,
    question_kind,
)
from advisor.guidance.scope import affiliates_abroad, out_of_scope
from advisor.guidance.sides import (
    against_the_thresholds,
    asks_to_stay_within,
    compared,
    fitting,
    fitting_sections,
    partner_parts,
    stated_sides,
)
from advisor.guidance.wording import CSP_GOING
from advisor.inputs import clean_text
from advisor.nlu import detect_lang

NOT_IN_GUIDANCE = "NOT_IN_GUIDANCE"

# Refusal thresholds, tuned on evals/cases/ask.yaml (see benchmarks/RETRIEVAL.md): every
# answerable question there scores at least 0.089 and uses at least 57% guidance words;
# the off-topic ones score below 0.081 or use at most 50% guidance words.
MIN_SCORE = 0.05
MIN_COVERAGE = 0.3
ON_TOPIC = 0.75  # a question this much in the guidance's words is on topic whatever its score
# Sections and sentences that reach this share of the best one are worth showing too.
RELATIVE_SECTION = 0.6
RELATIVE_SENTENCE = 0.45
OTHER_SECTION_WEIGHT = 0.5
MAX_SENTENCES = 4
AFTER_DEFINITION = 2
# the learned question model (advisor/guidance/learned.py): refuse at this out-of-scope
# probability, and weigh its section probabilities by this much beside the lexical score.
# Chosen per language with each development set held out in turn, on the questions no rule
# decides (2026-12-03, 1,524 a language): English 0.75 (122 of 150 refused, 12 of 735 in scope
# refused), Japanese 0.7 (144 of 160, 14 of 726); 0.75 for both had refused 142 Japanese.
# English at 0.72 once its model read words too (195 of 216 refused, 16 of 849 in scope refused).
SCOPE_REFUSE: dict[Lang, float] = {"en": 0.72, "ja": 0.7}
# below SCOPE_REFUSE, a question the scope model leans against is refused when its best match in
# the guidance is weak (0.12 rather than 0.15: 4 fewer English questions in scope refused, 2 fewer
# to refuse refused, Japanese alike)
SCOPE_LEAN = 0.6
WEAK_MATCH = 0.12
# questions the model reads as in scope this surely, matching one section this well, are answered
# however few of their words the guidance uses. On 1,440 questions it had not seen (d41-d46), the
# word check refused 18 in scope and 2 to refuse below 0.25; at 0.4, 12 of those in scope are
# answered and neither to refuse (they matched at 0.34 and 0.18); at 0.03 and 0.5, 4
SURE_IN_SCOPE = 0.25
SURE_MATCH = 0.4
# Held out set by set over d2-d28 (2026-12-03, 1,351 English and 1,321 Japanese answerable),
# key facts with both priors at 0.2: 88.9% / 88.6%; at 0.5: 90.2% / 89.0%; at 0.7: 90.4% /
# 89.3%; at 1.0: 90.1% / 88.9%; at 1.5: 90.0% / 89.1%. With few words shared, what questions
# like this one were about decides more than which words they share.
SECTION_PRIOR = 0.7
SENTENCE_PRIOR = 0.7
PARTNER_PARTS = "commerce-evolution"  # the section that says what partners do in each motion
LEAD_SENTENCES = 2
LEAD_BONUS = 0.2
FOLLOWING_SENTENCE = True
# A sentence that carries what the kind of question asks for gains this share of the best score.
KIND_BONUS = 0.5
DEFINITION_SENTENCES = 2
MAX_LIST_ITEMS = 5

_MARKER = re.compile(r"\s*\[(\d+(?:\s*,\s*\d+)*)\]")


@dataclass(frozen=True)
class Support:
    """What retrieval found for a question, and why it is not enough when it is not.

    `definition` is the glossary entry of the term a "what is X?" question asks about, if the
    glossary has one: it comes from Microsoft's public documentation, not the guidance. `also`
    holds the entries of the other terms a "how do X and Y differ?" question names.
    """

    hits: list[Hit]
    refusal: str | None
    definition: Section | None = None
    kind: str = "other"
    also: tuple[Section, ...] = ()

    @property
    def definitions(self) -> list[Section]:
        """The glossary entries the answer starts with, in the order the question names them."""
        return [] if self.definition is None else [self.definition, *self.also]


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
    return _llm_answer(question, support, chat_model=chat_model, index=index, lang=lang)


def offline_answer(question: str, support: Support, *, index: GuidanceIndex, lang: Lang) -> Answer:
    """Answer from what retrieval found, without a language model: extractive, or a refusal."""
    if support.refusal is not None:
        return _refusal(support.refusal, lang, index.kb.as_of(lang))
    if not support.hits:
        assert support.definition is not None
        return _defined(support.definitions, None, lang, index.kb.as_of(lang))
    # after a definition, what the guidance says of the term is support: kept shorter
    limit = MAX_SENTENCES if support.definition is None else AFTER_DEFINITION
    answer = extractive_answer(
        question, support.hits, index=index, lang=lang, kind=support.kind, limit=limit
    )
    if support.definition is not None:
        return _defined(support.definitions, answer, lang, index.kb.as_of(lang))
    return against_the_thresholds(question, answer)


def find_support(question: str, *, index: GuidanceIndex, lang: Lang, k: int = 3) -> Support:
    """Retrieve sections for a question and decide whether they can answer it.

    The scope is decided by what is asked, not by its words: a price, a discount or incentive
    rate, a SKU, a region or anything after the guidance's last update is out of scope, while
    the guidance's own figures ("above how much Azure a year...?") are in it.
    """
    kind = question_kind(question)
    definition = defined_term(question, index.kb, lang)
    reason = out_of_scope(question, index.kb.as_of(lang), defines=definition is not None)
    if reason is not None:
        return Support([], reason, kind=kind)
    model = question_model(index.kb)
    # "must we move above 2,400 seats?" is the guidance's own question (moving is not mandatory),
    # however many refused questions name the 2,400 too
    rates_given = asks_if_rates_given(question)  # "does the post list the percentages?": not
    going = CSP_GOING.search(question) is not None  # 「CSPってなくなるの？」: where CSP is heading
    settled = (
        definition is not None
        or (kind == "must" and MOVING.search(question) is not None)
        or THE_UPDATES.search(question) is not None
        or CHECKING_FOR_UPDATES.search(question) is not None
        or CSP_HEADING.search(question) is not None
        or going
        or PAST_THE_LINE.search(question) is not None
        or SIDE_OF_THE_LINE.search(question) is not None
        or THE_LINE_ASKED.search(question) is not None
        or ANSWERED_PLAINLY.search(question) is not None
        # "affiliates in Brazil, Portugal and Germany: special approval?": the terms, not a country
        or affiliates_abroad(question)
        or (asks_yes_or_no(question) and PARTNER_EA_DUTIES.search(question) is not None)
        or rates_given
        or asks_if_rates_changed(question)  # "have EA incentives changed?": not now
        or asks_which_period(question)  # "is the USD 1M a month or a year?": a year
        # "can we still buy through CSP with 3,000 seats?": the guidance's own answer (partners
        # can still sell past its thresholds), however short the question
        or (kind == "beyond" and STAYS.search(question) is not None)
    )
    leaning_out = 0.0 if settled else model.out_of_scope(question, lang)
    if leaning_out >= SCOPE_REFUSE[lang]:
        # what the rules cannot list: "how long does the approval take?", a programme the
        # guidance never names; questions like it were written to be refused
        return Support([], "topic", kind=kind)
    also: tuple[Section, ...] = ()
    contrasted = contrasted_terms(question, index.kb, lang)
    if len(contrasted) >= 2:  # "EA vs MCA?": both entries, in the order the question names them
        definition, *rest = contrasted
        also = tuple(rest)
    if kind == "fits":  # "we've got 900 people, who should we buy from?"
        return Support(fitting_sections(question, index.kb, lang), None, kind=kind)
    if kind == "compare":  # each motion compared is answered from its own section
        sides = [index.kb.section(sid, lang) for sid in compared_sections(question)]
        if compares_partner_parts(question):
            # "how does the partner's role differ in breadth and enterprise?": the guidance sets
            # the motions side by side where it says what partners do in each, then each
            # motion's own section says more
            sides.insert(0, index.kb.section(PARTNER_PARTS, lang))
            kind = "partner_compare"
        return Support([Hit(side, 1.0, 1.0) for side in sides], None, kind=kind)
    # "what's an EA exactly?": what the guidance says about the term, not about "exactly"
    # and "what counts as special terms exactly?" is not about knowing "exactly" what to buy
    query = HEDGES.sub(" ", question)
    for entry in [definition, *also] if definition is not None else []:
        names = dict(entry.document.terms).get(entry.id) or (entry.heading,)
        query = f"{query} {names[0]}"
    alike = alike_words(question)  # "where's the line?" is a question about the threshold
    if alike:
        query = f"{query} {' '.join(alike)}"
    ranked = index.search(query, lang, k=len(index.kb.in_lang(lang)))
    prior = model.sections(question, lang)
    if prior:  # what questions like this one were about lifts a section with few shared words
        ranked = sorted(
            (
                replace(h, score=round(h.score + SECTION_PRIOR * prior.get(h.section.id, 0.0), 6))
                for h in ranked
            ),
            key=lambda h: -h.score,
        )
    if going:
        ranked.sort(key=lambda h: h.section.id != "csp-future")
    if rates_given:
        # "does the guidance say what discount we'd get?": where it says it gives no rates
        ranked.sort(key=lambda h: not any(GIVES_NO_RATES.search(t) for t in h.section.sentences()))
    hits = ranked[:k]
    # what is asked must be in the guidance's words; the situation told before it need not be
    # ("Last revision date on this guidance? I don't sign off on stale documents.")
    coverage = max(index.coverage(part, lang) for part in [question, *asked_parts(question)])
    # A short question made only of the guidance's own words ("CSPとは？") is on topic even
    # when its few features score low; otherwise both the score and the coverage must pass.
    # in scope or not is judged on the guidance's own words, not on the questions it answers,
    # and on every section's, not only on those that rank first
    content = max((h.content for h in ranked), default=0.0)
    if leaning_out >= SCOPE_LEAN and content < WEAK_MATCH:
        # questions like it were mostly written to be refused, and no sentence matches it well:
        # a detail next to what the guidance says ("is the 2,400 counted per tenant?")
        return Support(hits, "topic", kind=kind)
    # a question the rules settle as the guidance's own ("what if we go past the 1M later?") is
    # on topic however few of its words the guidance uses
    off_topic = coverage < MIN_COVERAGE or (content < MIN_SCORE and coverage < ON_TOPIC)
    # "the december 2021 note pushed it back to when?": few of its words are the guidance's, but
    # questions like it were all answered and one section matches it strongly
    sure = leaning_out < SURE_IN_SCOPE and bool(hits) and hits[0].score >= SURE_MATCH
    if not hits or (off_topic and not settled and not sure):
        if definition is not None:  # the guidance uses the term without explaining it
            return Support([], None, definition, kind, also)
        return Support(hits, "topic", kind=kind)
    return Support(hits, None, definition, kind, also)


# a sentence that leans on the one before it: "Beyond those thresholds, …", 「ただし、これらの…」
_LEANS_BACK = re.compile(
    r"(?:\w+ ){0,2}(?:those|these) (?:thresholds|figures|changes|terms|motions|customers|deals)\b"
    r"|(?:ただし、)?(?:これら|それら)の",
    re.IGNORECASE,
)


def extractive_answer(
    question: str,
    hits: list[Hit],
    *,
    index: GuidanceIndex,
    lang: Lang,
    kind: str = "other",
    limit: int = MAX_SENTENCES,
) -> Answer:
    """Answer with the best-matching sentences of the top sections, each with its marker.

    Sentences that carry what the kind of question asks for (a date for "when", a figure for
    "how many", an obligation for "must", an actor for "who") count for more. A "must"
    question answered by "not mandatory" starts with a plain no.
    """
    if kind == "compare":
        return compared(question, hits, index=index, lang=lang)
    if kind == "fits":
        return fitting(hits, index=index, lang=lang)
    if kind == "partner_compare":
        return partner_parts(question, hits, index=index, lang=lang)
    best = hits[0].score
    wanted = ANSWERS_KIND.get(kind)
    sections = [h.section for h in hits if h.score >= RELATIVE_SECTION * best]
    if kind == "when" and wanted is not None:
        # "when did the incentives start?": the section that dates things answers it, ahead of
        # the section about the incentives themselves
        carries = [sum(bool(wanted.search(t)) for t in sec.sentences()) for sec in sections]
        if carries and max(carries) >= 2 and carries[0] < max(carries):
            dating = sections[carries.index(max(carries))]
            sections = [dating, *(sec for sec in sections if sec is not dating)]
    if wanted is not None and not any(
        wanted.search(t) for sec in sections for t in sec.sentences()
    ):
        # "when did X start?": the section about X may hold no date; a lower one that does joins
        sections += [
            h.section
            for h in hits
            if h.section not in sections and any(wanted.search(t) for t in h.section.sentences())
        ][:1]
    candidates: list[tuple[float, int, int, str]] = []
    # what questions like this one were answered by lifts a sentence with few shared words
    stating = question_model(index.kb).sentences(question, lang)
    for rank, section in enumerate(sections):
        weight = 1.0 if rank == 0 else OTHER_SECTION_WEIGHT
        order = {text: i for i, text in enumerate(section.sentences())}
        for score, text in index.rank_sentences(question, section):
            lifted = score + SENTENCE_PRIOR * stating.get(text, 0.0)
            candidates.append((lifted * weight, rank, order[text], text))
    # The top section's opening sentences say what it is about, which is what a short
    # "what is X?" asks for.
    lead = LEAD_BONUS * max(c[0] for c in candidates)
    candidates = [
        (score + lead, rank, position, text)
        if rank == 0 and position < LEAD_SENTENCES
        else (score, rank, position, text)
        for score, rank, position, text in candidates
    ]
    if wanted is not None:
        bonus = KIND_BONUS * max(c[0] for c in candidates)
        candidates = [
            (score + bonus, rank, position, text) if wanted.search(text) else c
            for c in candidates
            for score, rank, position, text in [c]
        ]
    # what the question asks for, said by sentences its kind does not show: "do most customers
    # buy this way?" lifts the sentence saying so
    asked_for = [says for asks, says in ASKED_FOR if asks.search(question)]
    for says in asked_for:
        bonus = KIND_BONUS * max(c[0] for c in candidates)
        candidates = [(c[0] + bonus, *c[1:]) if says.search(c[3]) else c for c in candidates]
    candidates.sort(key=lambda c: -c[0])
    top = candidates[0][0]
    chosen = [c for c in candidates[:limit] if c[0] >= RELATIVE_SENTENCE * top]
    # one more sentence of the best section, when it matches nearly as well
    more = [c for c in candidates[limit:] if c[1] == 0]
    if len(chosen) == limit and more and more[0][0] >= RELATIVE_SENTENCE * top:
        chosen.append(more[0])
    for says in asked_for:
        if not any(says.search(c[3]) for c in chosen):
            # "is the timing locked in?": the sentence saying it is not confirmed, for the last
            saying = [c for c in candidates if says.search(c[3])]
            if saying:
                chosen = [*chosen[:-1], saying[0]]
    if wanted is not None and not any(wanted.search(c[3]) for c in chosen):
        # the answer must carry what was asked for: the best sentence that does replaces the last
        carrying = [c for c in candidates if wanted.search(c[3])]
        if carrying:
            chosen = [*chosen[:-1], carrying[0]]
    dated = versions_missing(question, [c[3] for c in chosen], [c[3] for c in candidates])
    chosen += [c for c in candidates if c[3] in dated]  # each version, dated
    items = _list_after(sections[chosen[0][1]], chosen[0][2])
    if items:
        # "three focus areas": the sentence that announces a list comes with the list
        rank, position = chosen[0][1], chosen[0][2]
        chosen = [chosen[0]] + [(0.0, rank, position + 1 + i, t) for i, t in enumerate(items)]
    elif FOLLOWING_SENTENCE and len(chosen) < limit:
        # the sentence after the best one usually carries what it announces (a list, a date)
        _, rank, position, _ = chosen[0]
        following = sections[rank].sentences()[position + 1 : position + 2]
        if following and not any(c[1] == rank and c[2] == position + 1 for c in chosen):
            chosen.append((0.0, rank, position + 1, following[0]))
    kept = of_the_version_named(question, [c[3] for c in chosen])
    chosen = [c for c in chosen if c[3] in kept]  # "what did the May 2022 update change?"
    for _, rank, position, text in list(chosen):
        # "Beyond those thresholds, …" comes after the sentence that names the thresholds
        if position and _LEANS_BACK.match(text):
            before = sections[rank].sentences()[position - 1]
            if not any(c[1] == rank and c[2] == position - 1 for c in chosen):
                chosen.append((0.0, rank, position - 1, before))
    markers = _markers(chosen)
    chosen.sort(key=lambda c: (markers[c[1]], c[2]))
    text = join_cited([(sentence, markers[rank]) for _, rank, _, sentence in chosen], lang)
    if kind == "must" and asks_yes_or_no(question) and CHANGING_MOTION.search(question):
        first = next((c for c in chosen if NOT_MANDATORY.search(c[3])), None)
        if first is not None:  # "must we move?": "No. Moving is not mandatory. ..."
            # the rest of the answer comes from the same section, which says why
            rank = first[1]
            rest = [c for c in chosen if c is not first and c[1] == rank]
            for c in candidates:  # at least two of its sentences say why
                if len(rest) >= 2:
                    break
                if c[1] == rank and c[3] not in {r[3] for r in (first, *rest)}:
                    rest.append(c)  # compared by text: a following sentence is a new tuple
            rest.sort(key=lambda c: c[2])
            markers = {rank: 1}
            text = join_cited([(first[3], 1)], lang)
            if rest:
                text = then(text, join_cited([(c[3], 1) for c in rest], lang), lang)
            text = f"{prompts.text('answers', 'lead.no', lang)}{text}"
    # a yes or a no the guidance states, said first with the sentence that states it:
    # "can we still buy through CSP above USD 1M?": "Yes. Partners can still sell …";
    # "do we lose our partner above 2,400 seats?": "No. …"; "does the post list the
    # percentages?": "No. The guidance does not give incentive rates …"
    leads: list[tuple[re.Pattern[str], str]] = []
    if asks_yes_or_no(question):
        if asks_if_rates_given(question):
            leads.append((GIVES_NO_RATES, "lead.no"))
        if (
            kind != "must"
            and STAYS.search(question)
            and (kind == "beyond" or PAST_LARGE.search(question))
            and not asks_to_stay_within(question, stated_sides(question, lang))
        ):
            leads.append((STILL_SELL, "lead.no" if LOSES.search(question) else "lead.yes"))
    for says, answer_is in leads:
        said_first = next((c for c in candidates if says.search(c[3])), None)
        if said_first is None:
            continue
        ordered = [said_first, *(c for c in chosen if c[3] != said_first[3])][:limit]
        markers = _markers(ordered)
        said = join_cited([(c[3], markers[c[1]]) for c in ordered], lang)
        text = f"{prompts.text('answers', answer_is, lang)}{said}"
        break
    citations = [sections[rank].citation() for rank in markers]
    return dated_answer(text, citations, lang, index.kb.as_of(lang))


def _markers(chosen: list[tuple[float, int, int, str]]) -> dict[int, int]:
    """Number each section of the chosen sentences in the order it is first cited."""
    markers: dict[int, int] = {}
    for _, rank, _, _ in chosen:
        markers.setdefault(rank, len(markers) + 1)
    return markers


def _list_after(section: Section, position: int) -> list[str]:
    """Return the bullet items right after a section's sentence, if a list follows it."""
    bullets = {
        line.strip()[2:].strip()
        for line in section.text.splitlines()
        if line.strip().startswith(("- ", "* "))
    }
    items: list[str] = []
    for sentence in section.sentences()[position + 1 : position + 1 + MAX_LIST_ITEMS]:
        if sentence not in bullets:
            break
        items.append(sentence)
    return items


def _defined(definitions: list[Section], answer: Answer | None, lang: Lang, as_of: str) -> Answer:
    """Lead an answer with glossary definitions, saying where each definition comes from."""
    shift = len(definitions)
    lines = [
        join_cited([(s, n) for s in definition.sentences()[:DEFINITION_SENTENCES]], lang)
        for n, definition in enumerate(definitions, start=1)
    ]
    lines.append(_glossary_note([d.citation().source for d in definitions], lang))
    citations = [definition.citation() for definition in definitions]
    if answer is not None:
        body = answer.answer.rsplit("\n\n", 1)[0]  # without its date line
        lines.append(_MARKER.sub(lambda m: _shifted(m, shift), body))
        citations += answer.citations
    text = "\n\n".join(lines)
    return dated_answer(text, citations, lang, as_of)


def _glossary_note(sources: list[str], lang: Lang) -> str:
    """Say where definitions come from: one source, or several in one sentence."""
    distinct = list(dict.fromkeys(sources))
    if len(distinct) == 1:
        return prompts.text("answers", "glossary_note", lang, source=distinct[0])
    joined = ("、" if lang == "ja" else "; ").join(distinct)
    return prompts.text("answers", "glossary_notes", lang, source=joined)


def _shifted(match: re.Match[str], by: int) -> str:
    lead = match.group(0)[: len(match.group(0)) - len(match.group(0).lstrip())]
    numbers = [str(int(n) + by) for n in re.findall(r"\d+", match.group(1))]
    return f"{lead}[{', '.join(numbers)}]"


def support_sections(support: Support) -> list[Section]:
    """Return the sections an answer may cite, numbered from 1: a definition first, if any."""
    return [*support.definitions, *(hit.section for hit in support.hits)]


def section_label(section: Section, lang: Lang) -> str:
    """Return a section's heading as the model sees it, saying when it is from the glossary."""
    if not section.document.is_glossary:
        return section.heading
    note = prompts.text("answers", "glossary_label", lang, source=section.citation().source)
    return f"{section.heading} ({note})"


def _llm_answer(
    question: str,
    support: Support,
    *,
    chat_model: BaseChatModel,
    index: GuidanceIndex,
    lang: Lang,
) -> Answer:
    as_of = index.kb.as_of(lang)
    cited_sections = support_sections(support)
    sections = "\n\n".join(
        f"[{n}] {section_label(section, lang)}\n{section.text}"
        for n, section in enumerate(cited_sections, start=1)
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
    text, cited = renumber_citations(text, len(cited_sections))
    if not cited:
        # an answer that cites nothing cannot be checked, so the grounded one is given instead
        return offline_answer(question, support, index=index, lang=lang)
    citations: list[Citation] = [cited_sections[n - 1].citation() for n in cited]
    defined = len(support.definitions)
    sources = [c.source for n, c in zip(cited, citations, strict=True) if n <= defined]
    if sources:  # say where a definition comes from, as the offline answer does
        text = f"{text}\n\n{_glossary_note(sources, lang)}"
    return dated_answer(text, citations, lang, as_of)


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
    return Answer(answer=text, citations=[], lang=lang, answered=False, as_of=as_of, refusal=kind)
