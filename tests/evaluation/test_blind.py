"""The blind suites: loading the sets written blind, their evaluators, metrics and report."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
import yaml
from rich.console import Console

from advisor.chat import ChatService
from advisor.config import Settings
from advisor.domain.schemas import Answer, Citation
from advisor.errors import UserError
from advisor.evaluation import SUITES
from advisor.evaluation import cases as case_files
from advisor.evaluation.cases import evals_dir, load_suite
from advisor.evaluation.gates import load_thresholds
from advisor.evaluation.progress import SilentProgress
from advisor.evaluation.report import render_html, summary_table
from advisor.evaluation.results import CaseResult, check
from advisor.evaluation.runner import EvalPlan, run_evals
from advisor.evaluation.suites.blind_ask import (
    blind_ask_metrics,
    evaluate_blind_answer,
    missing_facts,
    normalise,
    refusal_kind,
    run_blind_ask,
)
from advisor.evaluation.suites.blind_chat import (
    Exchange,
    Persona,
    blind_chat_metrics,
    profile_mismatches,
    run_blind_chat,
    turn_budget,
    verbatim_repeats,
)
from advisor.guidance.index import GuidanceIndex
from advisor.guidance.knowledge import load_knowledge
from advisor.guidance.learned import asked_questions
from advisor.nlu.corpus import training_corpus

# --------------------------------------------------------------------------- loading


def test_the_blind_sets_load_from_evals_blind_whatever_cases_says(tmp_path: Path) -> None:
    assert SUITES[-7:] == (
        "blind-chat",
        "heldout-chat",
        "dev-chat",
        "blind-ask",
        "heldout-ask",
        "dev-ask",
        "blind-reader",
    )
    chat = load_suite("blind-chat", tmp_path)  # --cases points elsewhere: the blind sets stay
    heldout = load_suite("heldout-chat", tmp_path)
    ask = load_suite("blind-ask", tmp_path)
    reader = load_suite("blind-reader", tmp_path)
    assert chat.path == evals_dir() / "blind" / "conversations.yaml"
    assert heldout.path == evals_dir() / "blind" / "heldout" / "conversations.yaml"
    assert ask.path == evals_dir() / "blind" / "questions.yaml"
    assert len(chat.cases) == 107 and len(ask.cases) == 191
    assert {c["lang"] for c in heldout.cases} == {"en", "ja"}
    assert sum(c["lang"] == "en" for c in heldout.cases) >= 40
    assert sum(c["lang"] == "ja" for c in heldout.cases) >= 40
    # the reader's test sets, never trained on: the even half of the first blind utterances,
    # and every utterance of the second set
    tested = {c["id"] for c in reader.cases}
    split = {i for i in tested if i.startswith("u-")}
    assert len(split) == 450 and all(int(i.rsplit("-", 1)[1]) % 2 == 0 for i in split)
    assert len(tested - split) == 1200 and all(i.startswith("h-") for i in tested - split)
    assert not tested & {item.id for item in training_corpus()}
    assert {c["lang"] for c in chat.cases} == {c["lang"] for c in ask.cases} == {"en", "ja"}
    # the held-out questions: 100 a language, 40 of them to refuse, and none learned from
    held = load_suite("heldout-ask", tmp_path)
    assert held.path == evals_dir() / "blind" / "heldout" / "questions.yaml"
    for lang in ("en", "ja"):
        mine = [c for c in held.cases if c["lang"] == lang]
        assert len(mine) == 100 and sum(not c["answerable"] for c in mine) == 40
    learned_from = {(q.lang, q.text) for q in asked_questions(load_knowledge())}
    assert not learned_from & {(c["lang"], c["question"]) for c in held.cases}
    assert "glossary" in ask.extra["sections"]
    assert {q["answerable"] for q in ask.cases} == {True, False}


@pytest.mark.parametrize(
    ("suite", "data", "error"),
    [
        (
            "blind-ask",
            {
                "version": 1,
                "sections": ["timeline"],
                "questions": [
                    {
                        "id": "q1",
                        "lang": "en",
                        "question": "Price?",
                        "kind": "how_many",
                        "answerable": False,
                        "refuse_reason": "price",
                        "key_facts": [["10"]],
                    }
                ],
            },
            "should not be valid under {'anyOf': [{'required': ['expected_sections']}",
        ),
        (
            "blind-ask",
            {
                "version": 1,
                "sections": ["timeline"],
                "questions": [
                    {
                        "id": "q1",
                        "lang": "en",
                        "question": "When?",
                        "kind": "when",
                        "answerable": True,
                        "expected_sections": ["glossary"],
                        "key_facts": [["2022"]],
                    }
                ],
            },
            "questions[0] (q1): expected_sections: glossary is not among the file's sections",
        ),
        (
            "blind-chat",
            {
                "version": 1,
                "cases": [
                    {
                        "id": "c1",
                        "lang": "en",
                        "opener": "hi",
                        "answers": {"seats": []},
                        "then": [],
                        "expected": {"motion": None, "profile": {}},
                    }
                ],
            },
            "cases[0] (c1).answers.seats: [] should be non-empty",
        ),
    ],
)
def test_the_loader_rejects_a_malformed_blind_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suite: str, data: Any, error: str
) -> None:
    path = tmp_path / "blind.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    monkeypatch.setattr(case_files, "case_path", lambda suite, cases_dir=None: path)
    with pytest.raises(UserError) as exc:
        load_suite(suite)
    assert exc.value.message.startswith(
        f"{path}: {'questions' if suite == 'blind-ask' else 'cases'}[0]"
    )
    assert error in exc.value.message


def test_no_threshold_gates_a_blind_metric() -> None:
    assert not [g.metric for g in load_thresholds() if g.metric.startswith("blind")]


# --------------------------------------------------------------------------- blind-chat


def test_a_persona_answers_the_nth_ask_with_its_nth_reply_then_repeats_the_last() -> None:
    persona = Persona({"seats": ["rather not say", "still no"], "self_service": ["help"]})
    assert [persona.reply("seats") for _ in range(3)] == ["rather not say", "still no", "still no"]
    assert persona.reply("self_service") == "help" and persona.reply("azure_annual_usd") is None
    assert turn_budget({"answers": {"seats": ["1"]}}) == 5
    assert turn_budget({"answers": dict.fromkeys("abcdefghij", ["x"])}) == 12


def test_profiles_compare_numbers_as_floats_and_terms_in_any_order() -> None:
    expected = {"seats": 300, "azure_annual_usd": 60000, "special_terms": ["a", "b"]}
    got = {"seats": 300, "azure_annual_usd": 60000.0, "special_terms": ["b", "a"]}
    assert profile_mismatches(expected, got) == []
    assert profile_mismatches({"self_service": False, "seats": 0}, {"self_service": 0}) == [
        "self_service: expected False, got 0",
        "seats: expected 0, got None",
    ]


def test_a_reply_repeated_word_for_word_in_a_row_is_found() -> None:
    said = [Exchange("m", "opener", reply=r) for r in ("Hello", "Ask", "Ask", "Hello")]
    assert verbatim_repeats(said) == ["turn 2 repeated turn 1"]


TINY_CHAT: list[dict[str, Any]] = [
    {
        "id": "tiny-pass",
        "lang": "en",
        "opener": "We need Microsoft 365 for 300 people and expect about $5k a month on Azure.",
        "answers": {
            "special_terms": ["no, nothing like that"],
            "self_service": ["we want a partner to help us"],
            "seats": ["300"],
            "azure_annual_usd": ["5k a month"],
        },
        "then": ["thanks!"],
        "expected": {
            "motion": "breadth",
            "profile": {
                "special_terms": [],
                "self_service": False,
                "seats": 300,
                "azure_annual_usd": 60000,
            },
        },
    },
    {
        "id": "tiny-fail",  # expects what the persona never says: fails on motion and profile
        "lang": "ja",
        "opener": "M365を3000ユーザー分検討しています",
        "answers": {
            "special_terms": ["特にありません"],
            "self_service": ["パートナーに支援してほしいです"],
            "seats": ["3000"],
            "azure_annual_usd": ["使っていません"],
        },
        "then": [],
        "expected": {"motion": "breadth", "profile": {"special_terms": [], "seats": 300}},
    },
]


def test_blind_chat_runs_a_persona_through_the_chat_service(offline_service: ChatService) -> None:
    results = run_blind_chat(TINY_CHAT, offline_service, SilentProgress())
    checks = {r.case_id: {c.name: (c.passed, c.detail) for c in r.checks} for r in results}
    assert checks["tiny-pass"] == {
        "motion": (True, ""),
        "profile": (True, ""),
        "no_verbatim_repeat": (True, ""),
        "within_budget": (True, ""),
        "language": (True, ""),
    }
    assert checks["tiny-fail"] == {
        "motion": (False, "expected breadth, got enterprise"),
        "profile": (False, "seats: expected 300, got 3000"),
        "no_verbatim_repeat": (True, ""),
        "within_budget": (True, ""),
        "language": (True, ""),
    }
    passing, failing = results
    assert passing.passed and not failing.passed
    assert [t["phase"] for t in passing.data["transcript"]] == [
        "opener",
        "answer",
        "answer",
        "then",
    ]
    assert passing.data["turns"] == 4 and failing.data["turns"] == 3
    metrics = blind_chat_metrics(results)
    assert (metrics["blind_chat_motion"], metrics["blind_chat_motion_en"]) == (0.5, 1.0)
    assert (metrics["blind_chat_profile_ja"], metrics["blind_chat_no_repeat"]) == (0.0, 1.0)
    assert (metrics["blind_chat_turns"], metrics["blind_chat_turns_ja"]) == (3.5, 3.0)
    assert metrics["blind_chat_cases_en"] == metrics["blind_chat_cases_ja"] == 1


# --------------------------------------------------------------------------- blind-ask


@pytest.mark.parametrize(
    ("answer", "facts", "missing"),
    [
        ("The threshold is 2400 seats.", [["2,400"]], []),
        ("The threshold is 2,400 seats.", [["2400"]], []),
        ("しきい値は２，４００シートです。", [["2,400"]], []),
        ("しきい値は２４００シートです。", [["2400席", "2400シート"]], []),
        ("Sign an ENTERPRISE AGREEMENT.", [["enterprise agreement"]], []),
        ("Up to USD 1 000 000 a year.", [["1,000,000"]], []),
        ("The threshold is 2,401 seats.", [["2,400"], ["seats"]], [["2,400"]]),
        ("年間 100 万米ドル以下です。", [["100万米ドル"]], []),
        ("2,400 シートまでです。", [["2400シート"]], []),
        ("年間 100 万米ドル以下です。", [["200万米ドル"]], [["200万米ドル"]]),
    ],
)
def test_key_facts_ignore_case_width_and_thousands_separators(
    answer: str, facts: list[list[str]], missing: list[list[str]]
) -> None:
    assert missing_facts(answer, facts) == missing


def test_normalise_folds_width_case_and_digit_separators() -> None:
    assert normalise("ＣＳＰ ２，４００ Seats, 2 401") == "csp 2400 seats, 2401"


def citation(section: str) -> Citation:
    return Citation(
        id=section, title="t", section=section, source="s", published="2022-05-23", lang="en"
    )


def test_blind_answer_checks_and_the_kind_of_refusal() -> None:
    case = {
        "lang": "en",
        "answerable": True,
        "expected_sections": ["partner-economics-thresholds", "breadth-motion"],
        "key_facts": [["not mandatory", "not required"], ["2,400", "2400"]],
    }
    good = Answer(
        answer="Moving is not required above 2400 seats. [1]",
        citations=[citation("breadth-motion"), citation("partner-economics-thresholds")],
        lang="en",
    )
    assert all(c.passed for c in evaluate_blind_answer(case, good))
    wrong = Answer(answer="Moving is not required. [1]", citations=[citation("x")], lang="en")
    assert {c.name: c.detail for c in evaluate_blind_answer(case, wrong) if not c.passed} == {
        "key_facts": "missing [['2,400', '2400']]",
        "cited": "cited ['x'], expected partner-economics-thresholds",
    }
    price = Answer(
        answer="The guidance gives no prices, discounts, incentive rates or SKUs, so I can't tell "
        "you that. It covers which purchasing motion fits which customer, and its own thresholds "
        "(2,400 seats, USD 1 million of Azure a year). For a price or a rate, ask a CSP partner "
        "or a Microsoft seller.",
        citations=[],
        lang="en",
        answered=False,
    )
    assert refusal_kind(price) == "price" and refusal_kind(good) is None
    assert {c.name for c in evaluate_blind_answer(case, price) if not c.passed} == {
        "key_facts",
        "cited",
        "answered",
    }
    assert evaluate_blind_answer({"answerable": False}, price) == [check("refused", True)]


TINY_ASK: list[dict[str, Any]] = [
    {
        "id": "tiny-pass",
        "lang": "en",
        "question": "When was the original purchasing motions guidance published?",
        "kind": "when",
        "answerable": True,
        "expected_sections": ["about-this-guidance"],
        "key_facts": [["May 2021", "2021-05"]],
    },
    {
        "id": "tiny-refuse",
        "lang": "ja",
        "question": "Microsoft 365 E3 の1ユーザーあたりの価格はいくらですか？",
        "kind": "how_many",
        "answerable": False,
        "refuse_reason": "price",
    },
    {
        "id": "tiny-fail",  # a glossary question: the knowledge base has no glossary to cite
        "lang": "en",
        "question": "When was the original purchasing motions guidance published?",
        "kind": "when",
        "answerable": True,
        "expected_sections": ["glossary", "about-this-guidance"],
        "key_facts": [["June 2030"]],
    },
]


def test_blind_ask_answers_each_question_as_the_ask_suite_does(
    guidance_index: GuidanceIndex, settings: Settings
) -> None:
    results = run_blind_ask(TINY_ASK, guidance_index, settings, SilentProgress())
    checks = {r.case_id: {c.name: c.passed for c in r.checks} for r in results}
    assert checks == {
        "tiny-pass": {"key_facts": True, "cited": True, "answered": True},
        "tiny-refuse": {"refused": True},
        "tiny-fail": {"key_facts": False, "cited": False, "answered": True},
    }
    assert results[1].data["refusal"] == "price" and results[2].data["glossary"]
    metrics = blind_ask_metrics(results)
    assert metrics["blind_ask_correct_en"] == 0.5 and metrics["blind_ask_correct_ja"] is None
    assert metrics["blind_ask_refused_ja"] == 1.0 and metrics["blind_ask_refused_en"] is None
    assert metrics["blind_ask_in_scope_refused_en"] == 0


def test_in_scope_refusals_are_counted_with_those_refused_as_price() -> None:
    def result(lang: str, answerable: bool, refusal: str | None) -> CaseResult:
        data = {"lang": lang, "answerable": answerable, "answered": refusal is None}
        ok = (refusal is None) == answerable
        checks = [check("refused", ok)] if not answerable else [check("answered", ok)]
        return CaseResult("blind-ask", "q", checks, data=data | {"refusal": refusal})

    results = [
        result("en", True, "price"),
        result("en", True, "topic"),
        result("en", True, None),
        result("en", False, "price"),
        result("en", False, None),
    ]
    metrics = blind_ask_metrics(results)
    assert metrics["blind_ask_in_scope_refused_en"] == 2
    assert metrics["blind_ask_in_scope_refused_as_price_en"] == 1
    assert metrics["blind_ask_refused_en"] == 0.5
    assert (metrics["blind_ask_answerable_en"], metrics["blind_ask_to_refuse_en"]) == (3, 2)


# --------------------------------------------------------------------------- report


def blind_run() -> dict[str, Any]:
    failing = {
        "id": "blind-conv-en-001",
        "status": "fail",
        "passed": False,
        "xfail": None,
        "error": None,
        "checks": [{"name": "motion", "passed": False, "detail": "expected breadth"}],
        "data": {"transcript": [], "profile": {"seats": 1}},
    }
    return {
        "model": "offline",
        "judge": None,
        "started_at": "now",
        "seconds": 1.0,
        "passed": True,
        "metrics": {
            "blind_chat_cases": 4,
            "blind_chat_cases_en": 2,
            "blind_chat_motion": 0.75,
            "blind_chat_motion_en": 0.5,
            "blind_chat_turns_en": 4.5,
            "blind_ask_answerable_ja": 8,
            "blind_ask_correct_ja": 0.375,
            "blind_ask_in_scope_refused_ja": 2,
        },
        "gates": [
            {
                "metric": "classifier_accuracy",
                "min": 1.0,
                "max": None,
                "value": None,
                "passed": True,
                "skipped": True,
                "gated": True,
            }
        ],
        "notes": [],
        "suites": {
            "blind-chat": {"cases": 1, "passed": 0, "xfail": 0, "xpass": 0, "results": [failing]}
        },
    }


def test_the_summary_shows_the_blind_figures_apart_and_not_gated() -> None:
    console = Console(file=io.StringIO(), width=120)
    console.print(summary_table(blind_run()))
    rows = [line for line in console.file.getvalue().splitlines() if "blind" in line]
    assert [" ".join(r.strip("│ ").split()) for r in rows] == [
        "blind chat: expected motion (en) │ 50.0% (1/2) │ not gated",
        "blind chat: expected motion (all) │ 75.0% (3/4) │ not gated",
        "blind chat: turns per conversation (en) │ 4.50 │ not gated",
        "blind ask: key facts and citation (ja) │ 37.5% (3/8) │ not gated",
        "blind ask: in-scope refused (ja) │ 2 │ not gated",
    ]


def test_the_report_gives_the_blind_sets_their_own_section() -> None:
    page = render_html(blind_run())
    assert "<h2>Blind sets (not gated)</h2>" in page and "NOT GATED" in page
    assert "<h2>Failures</h2>" not in page, "a blind failure is not a tuned set's failure"
    blind = page.split("<h2>Blind sets (not gated)</h2>", 1)[1]
    assert "blind-chat: 1 failing of 1" in blind and "blind-conv-en-001" in blind
    assert "50.0% (1/2)" in blind and "37.5% (3/8)" in blind


# --------------------------------------------------------------------------- the whole sets


@pytest.mark.slow  # every blind conversation and question: about half a minute
def test_the_whole_blind_sets_run_and_are_never_gated(tmp_path: Path) -> None:
    run = run_evals(EvalPlan(Settings(data_dir=tmp_path), suites=("blind-chat", "blind-ask")))
    assert run.passed and not [g for g in run.gates if not g.skipped]
    assert {s: len(r) for s, r in run.results.items()} == {"blind-chat": 107, "blind-ask": 191}
    assert not [r.case_id for rs in run.results.values() for r in rs if r.error]
    for name in ("blind_chat_motion_en", "blind_chat_turns_ja", "blind_ask_correct_en"):
        assert run.metrics[name] is not None, name
    assert "only blind sets ran: no threshold applies" in run.notes
