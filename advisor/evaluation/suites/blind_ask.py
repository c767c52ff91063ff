"""The blind-ask suite: guidance questions written blind, scored apart and never gated.

Key facts are groups of alternatives: a group is stated when any one of its alternatives is in
the answer, ignoring case, width, thousands separators and spaces beside Japanese characters.
Nothing here is tuned to pass it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.language_models import BaseChatModel

from advisor import prompts
from advisor.config import Settings
from advisor.domain.schemas import LANGS, Answer
from advisor.errors import AdvisorError
from advisor.evaluation.progress import Progress
from advisor.evaluation.results import CaseResult, Check, check
from advisor.evaluation.stats import rate
from advisor.guidance.answering import answer_question
from advisor.guidance.index import GuidanceIndex
from advisor.guidance.learned import fact_form

SUITE = "blind-ask"
GLOSSARY = "glossary"
_PLACEHOLDER = re.compile(r"\{\w+\}")
# the advisor's refusal texts, by reason
_REFUSALS = ("price", "vendor", "topic", "later", "afterwards", "contact")


# key facts are compared in the form the question model learns them in
normalise = fact_form


def missing_facts(answer: str, groups: Sequence[Sequence[str]]) -> list[list[str]]:
    """Return the fact groups none of whose alternatives the answer states."""
    text = normalise(answer)
    return [list(group) for group in groups if not any(normalise(f) in text for f in group)]


def refusal_kind(answer: Answer) -> str | None:
    """Return which refusal an answer is (price, vendor, topic, later or other), None if none."""
    if answer.answered:
        return None
    for kind in _REFUSALS:
        template = str(prompts.table("answers", answer.lang)[f"refusal.{kind}"])
        pattern = ".+?".join(re.escape(part) for part in _PLACEHOLDER.split(template))
        if re.fullmatch(pattern, answer.answer, re.S):
            return kind
    return "other"


def is_glossary_section(section_id: str) -> bool:
    """Tell whether a cited section is a glossary entry (the glossary's ids start "glossary")."""
    return section_id == GLOSSARY or section_id.startswith(f"{GLOSSARY}-")


def is_glossary(case: Mapping[str, Any]) -> bool:
    """Tell whether a question is a glossary one (its first expected section is the glossary)."""
    sections = case.get("expected_sections") or []
    return bool(sections) and sections[0] == GLOSSARY


def evaluate_blind_answer(case: Mapping[str, Any], answer: Answer) -> list[Check]:
    """Check an answer to a blind question: key facts, citation and answered, or refused."""
    if not case["answerable"]:
        return [check("refused", not answer.answered, "answered a question to refuse")]
    cited = [GLOSSARY if is_glossary_section(c.id) else c.id for c in answer.citations]
    first = case["expected_sections"][0]
    missing = missing_facts(answer.answer, case["key_facts"])
    return [
        check("key_facts", not missing, f"missing {missing}"),
        check("cited", first in cited, f"cited {cited}, expected {first}"),
        check("answered", answer.answered, f"refused ({refusal_kind(answer)})"),
    ]


def run_blind_ask(
    cases: Sequence[Mapping[str, Any]],
    index: GuidanceIndex,
    settings: Settings,
    progress: Progress,
    *,
    chat_model: BaseChatModel | None = None,
    suite: str = SUITE,
) -> list[CaseResult]:
    """Answer every blind question as the ask suite does, and check the answer."""
    results = []
    for case in cases:
        outcome = CaseResult(suite, case["id"])
        outcome.data = {
            "lang": case["lang"],
            "question": case["question"],
            "kind": case["kind"],
            "answerable": case["answerable"],
            "glossary": is_glossary(case),
            "expected_sections": case.get("expected_sections", []),
            "refuse_reason": case.get("refuse_reason"),
        }
        try:
            start = time.perf_counter()
            answer = answer_question(
                case["question"], index=index, settings=settings, chat_model=chat_model
            )
            seconds = time.perf_counter() - start
        except AdvisorError as exc:
            outcome.error = f"{type(exc).__name__}: {exc.message}"
        else:
            outcome.checks = evaluate_blind_answer(case, answer)
            outcome.data.update(
                {
                    "answer": answer.answer,
                    "answered": answer.answered,
                    "refusal": refusal_kind(answer),
                    "answer_lang": answer.lang,
                    "cited": [c.id for c in answer.citations],
                    "missing_facts": missing_facts(answer.answer, case.get("key_facts", [])),
                    "latency_ms": round(seconds * 1000, 2),
                }
            )
        results.append(outcome)
        progress.advance(suite)
    return results


def _passed(result: CaseResult, name: str) -> bool:
    return result.error is None and any(c.name == name and c.passed for c in result.checks)


def blind_ask_metrics(
    results: Sequence[CaseResult], *, prefix: str = "blind_ask"
) -> dict[str, Any]:
    """Return per language: answered right and cited, refusals, and in-scope refusals."""
    metrics: dict[str, Any] = {}
    for lang in LANGS:
        chosen = [r for r in results if r.data["lang"] == lang]
        answerable = [r for r in chosen if r.data["answerable"]]
        to_refuse = [r for r in chosen if not r.data["answerable"]]
        refused = [r for r in answerable if r.error is None and not r.data["answered"]]
        right = [r for r in answerable if _passed(r, "key_facts") and _passed(r, "cited")]
        metrics.update(
            {
                f"{prefix}_answerable_{lang}": len(answerable),
                f"{prefix}_to_refuse_{lang}": len(to_refuse),
                f"{prefix}_correct_{lang}": rate(len(right), len(answerable)),
                f"{prefix}_refused_{lang}": rate(sum(r.passed for r in to_refuse), len(to_refuse)),
                f"{prefix}_in_scope_refused_{lang}": len(refused),
                f"{prefix}_in_scope_refused_as_price_{lang}": sum(
                    r.data["refusal"] == "price" for r in refused
                ),
            }
        )
    return metrics
