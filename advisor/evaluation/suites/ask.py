"""The ask suite: guidance questions retrieved and answered, checked against their cases."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.language_models import BaseChatModel

from advisor.config import Settings
from advisor.domain.schemas import LANGS, Answer, Lang
from advisor.errors import AdvisorError
from advisor.evaluation.judge import evaluate_verdict, judge_answer
from advisor.evaluation.language import text_lang
from advisor.evaluation.progress import Progress
from advisor.evaluation.results import CaseResult, Check, check, scored_results
from advisor.evaluation.stats import mean, percentile, rate
from advisor.guidance.answering import answer_question
from advisor.guidance.index import GuidanceIndex

GLOSSARY_PREFIX = "glossary-"


def evaluate_answer(case: Mapping[str, Any], top: Sequence[str], answer: Answer) -> list[Check]:
    """Check retrieval and an answer to a guidance question against its case."""
    lang_ok = answer.lang == case["lang"] and text_lang(answer.answer) == case["lang"]
    language = check("reply_language", lang_ok, f"answered in {answer.lang}")
    cited = [c.id for c in answer.citations]
    # the cases name guidance sections; a glossary definition beside them is not a wrong one
    guidance = [c for c in cited if not c.startswith(GLOSSARY_PREFIX)]
    if not case.get("answerable", True):
        return [
            check("refused", not answer.answered, "answered a question the guidance cannot"),
            check("no_citations", not cited, f"cited {cited}"),
            language,
        ]
    expected = list(case["expected_sections"])
    facts = [f for f in case["key_facts"] if f not in answer.answer]
    return [
        check(
            "recall_at_1",
            bool(top) and top[0] in expected,
            f"top {list(top[:1])}, expected {expected}",
        ),
        check(
            "recall_at_3",
            any(s in top[:3] for s in expected),
            f"top 3 {list(top[:3])}, expected {expected}",
        ),
        check("answered", answer.answered, "refused an answerable question"),
        check(
            "citations_expected",
            bool(guidance) and set(guidance) <= set(expected),
            f"cited {cited}, expected {expected}",
        ),
        check("key_facts", not facts, f"missing {facts}"),
        language,
    ]


def key_fact_coverage(case: Mapping[str, Any], answer: Answer) -> float | None:
    """Return the share of the case's key facts that the answer states verbatim."""
    facts = case.get("key_facts") or []
    if not facts:
        return None
    return sum(f in answer.answer for f in facts) / len(facts)


def run_ask(
    cases: Sequence[Mapping[str, Any]],
    index: GuidanceIndex,
    settings: Settings,
    progress: Progress,
    *,
    chat_model: BaseChatModel | None = None,
    judge: BaseChatModel | None = None,
) -> list[CaseResult]:
    """Retrieve and answer every guidance question, and check both."""
    results = []
    for case in cases:
        outcome = CaseResult("ask", case["id"], xfail=case.get("xfail"))
        lang: Lang = case["lang"]
        try:
            top = [hit.section.id for hit in index.search(case["question"], lang, k=3)]
            start = time.perf_counter()
            answer = answer_question(
                case["question"], index=index, settings=settings, chat_model=chat_model
            )
            seconds = time.perf_counter() - start
        except AdvisorError as exc:
            outcome.error = f"{type(exc).__name__}: {exc.message}"
            results.append(outcome)
            progress.advance("ask")
            continue
        outcome.checks = evaluate_answer(case, top, answer)
        outcome.data = {
            "lang": lang,
            "question": case["question"],
            "answerable": case.get("answerable", True),
            "expected_sections": case.get("expected_sections", []),
            "top": top,
            "answer": answer.answer,
            "answered": answer.answered,
            "answer_lang": answer.lang,
            "cited": [c.id for c in answer.citations],
            "key_fact_coverage": key_fact_coverage(case, answer),
            "latency_ms": round(seconds * 1000, 2),
        }
        if judge is not None and answer.answered and answer.citations:
            verdict = judge_answer(judge, answer, index.kb)
            outcome.checks.append(evaluate_verdict(verdict))
            outcome.data["judged"] = len(verdict.sentences) if verdict.readable else None
            outcome.data["supported"] = sum(verdict.supported or []) if verdict.readable else None
        results.append(outcome)
        progress.advance("ask")
    return results


def ask_metrics(results: Sequence[CaseResult], *, judged: bool) -> dict[str, Any]:
    """Return recall@1/@3 per language, key facts, refusals, citations and faithfulness."""
    scored = scored_results(results)
    data = [r.data for r in scored if r.error is None]
    metrics: dict[str, Any] = {"ask_cases": len(results), "ask_xfail": len(results) - len(scored)}
    for lang in LANGS:
        answerable = [d for d in data if d["lang"] == lang and d["answerable"]]
        for k in (1, 3):
            hits = sum(any(s in d["top"][:k] for s in d["expected_sections"]) for d in answerable)
            metrics[f"recall_at_{k}_{lang}"] = rate(hits, len(answerable))
    answerable = [d for d in data if d["answerable"]]
    unanswerable = [d for d in data if not d["answerable"]]
    coverage = [d["key_fact_coverage"] for d in answerable if d["key_fact_coverage"] is not None]
    answered = [d for d in answerable if d["answered"]]
    metrics.update(
        {
            "key_fact_coverage": mean(coverage),
            "refusals_correct": rate(
                sum(not d["answered"] for d in unanswerable), len(unanswerable)
            ),
            "false_refusals": rate(len(answerable) - len(answered), len(answerable)),
            "citation_correctness": rate(
                sum(
                    bool(kept) and set(kept) <= set(d["expected_sections"])
                    for d in answered
                    for kept in [[c for c in d["cited"] if not c.startswith(GLOSSARY_PREFIX)]]
                ),
                len(answered),
            ),
            "ask_reply_language": rate(
                sum(d["answer_lang"] == d["lang"] == text_lang(d["answer"]) for d in data),
                len(data),
            ),
            "ask_latency_p50_ms": percentile([d["latency_ms"] for d in data], 0.5),
        }
    )
    if judged:
        judged_data = [d for d in data if d.get("judged")]
        metrics["faithfulness"] = rate(
            sum(d["supported"] for d in judged_data), sum(d["judged"] for d in judged_data)
        )
    else:
        metrics["faithfulness"] = None
    return metrics
