"""The knowledge base: well-formed, bilingual, complete, and what the classifier cites exists."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from advisor.domain.policy import classify
from advisor.domain.schemas import Motion, Profile, SpecialTerm
from advisor.errors import KnowledgeError
from advisor.guidance.knowledge import load_knowledge, parse_document, split_sentences
from advisor.resources import data_path

IDS = [
    "about-this-guidance",
    "customer-needs-first",
    "purchasing-guidance",
    "partner-roles",
    "commerce-evolution",
    "mca-for-all",
    "breadth-motion",
    "enterprise-motion",
    "enterprise-terms",
    "self-service-motion",
    "incentives-and-pricing",
    "partner-economics-thresholds",
    "timeline",
    "csp-future",
]


GLOSSARY_IDS = [
    "glossary-ea",
    "glossary-mca",
    "glossary-csp",
    "glossary-new-commerce",
    "glossary-dual-use-rights",
    "glossary-lead-status-skus",
    "glossary-multi-tenant",
    "glossary-multi-affiliate",
    "glossary-qualified-referral-program",
]


def test_both_languages_have_every_section_in_order() -> None:
    kb = load_knowledge()
    for lang in ("en", "ja"):
        assert [i for i in kb.ids(lang) if not i.startswith("glossary-")] == IDS
        assert [i for i in kb.ids(lang) if i.startswith("glossary-")] == GLOSSARY_IDS
    for doc in kb.documents:
        if doc.is_glossary:
            assert doc.published == "2026-12-02" and doc.updated == ()
            continue
        assert doc.published == "2021-05"
        assert doc.updated == ("2021-12-20", "2022-05-23")
        assert doc.source == "Optimizing our purchasing motions for customers and partners"


def test_citations_carry_the_guidance_date() -> None:
    citation = load_knowledge().section("breadth-motion", "ja").citation()
    assert citation.published == "2022-05-23"
    assert citation.lang == "ja"
    assert citation.id == "breadth-motion"


# Each fact of the guidance, as it must appear (by section) in each language.
FACTS: dict[str, dict[str, list[str]]] = {
    "partner-economics-thresholds": {
        "en": ["2,400 seats", "1,000,000"],
        "ja": ["2,400", "100 万米ドル"],
    },
    "timeline": {
        "en": ["March 2022", "July 1, 2022", "January 2022", "2022-05-23", "second half of 2022"],
        "ja": ["2022年3月", "2022年7月1日", "2022年1月", "2022年5月23日", "2022年後半"],
    },
    "about-this-guidance": {
        "en": ["2021-12-20", "2022-05-23", "May 2021"],
        "ja": ["2021年12月20日", "2022年5月23日", "2021年5月"],
    },
    "enterprise-terms": {
        "en": ["dual-use rights", "lead-status SKUs", "multi-tenant", "multi-affiliate"],
        "ja": ["デュアルユース", "リードステータス", "マルチテナント", "マルチアフィリエイト"],
    },
    "partner-roles": {
        "en": ["advise", "sell", "build", "manage"],
        "ja": ["アドバイス", "販売", "構築", "管理"],
    },
    "breadth-motion": {
        "en": ["Qualified Referral Program", "price negotiation"],
        "ja": ["Qualified Referral Program", "価格交渉"],
    },
    "enterprise-motion": {
        "en": ["invoicing", "foreign exchange", "proofs of concept"],
        "ja": ["請求", "外国為替", "概念実証"],
    },
    "mca-for-all": {"en": ["Microsoft Customer Agreement"], "ja": ["マイクロソフト顧客契約"]},
}


@pytest.mark.parametrize(
    ("section_id", "lang"), [(s, lang) for s in FACTS for lang in ("en", "ja")]
)
def test_every_fact_is_stated(section_id: str, lang: str) -> None:
    text = load_knowledge().section(section_id, lang).text  # type: ignore[arg-type]
    for fact in FACTS[section_id][lang]:
        assert fact in text, f"{fact!r} missing from {section_id} ({lang})"


def _every_cited_id() -> set[str]:
    cited: set[str] = set()
    values = {
        "seats": [None, 10, 5000],
        "azure_annual_usd": [None, 0.0, 2e6],
        "special_terms": [None, [], [SpecialTerm.MULTI_TENANT]],
        "self_service": [None, True, False],
        "preferred_motion": [None, *Motion],
    }
    for combo in itertools.product(*values.values()):
        profile = Profile(**dict(zip(values, combo, strict=True)))
        for lang in ("en", "ja"):
            cited.update(c for r in classify(profile, lang).reasons for c in r.citations)  # type: ignore[arg-type]
    return cited


def test_every_citation_the_classifier_emits_exists_in_both_languages() -> None:
    kb = load_knowledge()
    cited = _every_cited_id()
    assert cited >= {
        "enterprise-terms",
        "self-service-motion",
        "breadth-motion",
        "partner-economics-thresholds",
    }
    for lang in ("en", "ja"):
        assert cited <= set(kb.ids(lang))  # type: ignore[arg-type]


def test_sentences_split_on_both_scripts() -> None:
    assert split_sentences("One. Two!\n- Three\n四つ。五つ。") == [
        "One.",
        "Two!",
        "Three",
        "四つ。",
        "五つ。",
    ]


GOOD = """---
title: T
source: S
published: 2021-05
updated: [2022-05-23]
lang: en
sections: [a-b]
---

## Heading {#a-b}

Text.
"""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (GOOD.replace("---\ntitle", "title", 1), "must start with '---' front matter"),
        (GOOD.replace("lang: en\n", ""), "front matter lacks lang"),
        (GOOD.replace("lang: en", "lang: fr"), "lang must be one of en, ja, not 'fr'"),
        (
            GOOD.replace("## Heading {#a-b}", "## Heading"),
            "headings must read '## Title {#section-id}'",
        ),
        (
            GOOD.replace("sections: [a-b]", "sections: [a-c]"),
            "do not match the front matter's sections",
        ),
        (GOOD.replace("Text.", ""), "section 'a-b' is empty"),
        (GOOD.replace("published: 2021-05", "published: soon"), "published must be a date"),
        (GOOD.replace("title: T", "title: [unclosed"), "front matter is not valid YAML"),
    ],
)
def test_malformed_documents_are_rejected_clearly(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "doc.md"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(
        KnowledgeError, match=message.replace("(", r"\(").replace("{", r"\{").replace("[", r"\[")
    ):
        parse_document(path)


def test_good_document_parses(tmp_path: Path) -> None:
    path = tmp_path / "doc.md"
    path.write_text(GOOD, encoding="utf-8")
    doc, sections = parse_document(path)
    assert (doc.as_of, [s.id for s in sections], sections[0].text) == (
        "2022-05-23",
        ["a-b"],
        "Text.",
    )


def test_knowledge_ships_with_the_package() -> None:
    assert (data_path("knowledge") / "en" / "purchasing-motions.md").is_file()


def test_each_section_lists_the_questions_it_answers_in_both_languages() -> None:
    kb = load_knowledge()
    guidance = [s for s in kb.sections if not s.document.is_glossary]
    assert guidance and all(len(s.questions) >= 10 for s in guidance)
    # the questions help find a section; they are never part of its text or its sentences
    assert all(q not in s.text for s in guidance for q in s.questions)


def test_questions_for_a_section_that_does_not_exist_are_refused(tmp_path: Path) -> None:
    for lang in ("en", "ja"):
        folder = tmp_path / lang
        folder.mkdir()
        (folder / "doc.md").write_text(GOOD.replace("lang: en", f"lang: {lang}"), encoding="utf-8")
    (tmp_path / "en" / "questions.yaml").write_text('a-b: ["what?"]\n', encoding="utf-8")
    assert load_knowledge(tmp_path).section("a-b", "en").questions == ("what?",)
    (tmp_path / "ja" / "questions.yaml").write_text('no-such: ["なに？"]\n', encoding="utf-8")
    with pytest.raises(KnowledgeError, match="'no-such' is not a guidance section in ja"):
        load_knowledge(tmp_path)
