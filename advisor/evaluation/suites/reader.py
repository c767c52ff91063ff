"""The blind-reader suite: the reader on the blind-written utterances, its test split.

Each utterance is read against the question it answered. Its intent is what it does (its act)
and, for an answer, what it says about the slots that are not figures: special terms,
self-service and a preferred motion. Its facts are every slot it states, figures included.
The rule-based reader alone is scored on the same utterances, so the two can be compared.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from advisor.domain.schemas import LANGS
from advisor.evaluation.progress import Progress
from advisor.evaluation.results import CaseResult, check
from advisor.evaluation.stats import rate
from advisor.nlu import understand
from advisor.nlu.corpus import ACTS, Facts, Utterance
from advisor.nlu.reader import Understanding

SUITE = "blind-reader"


def intent(act: str, facts: Facts) -> str:
    """Write an utterance's intent as one label: its act, and for an answer its meaning."""
    if act != "answer":
        return act
    parts = ["answer"]
    if facts.special_terms is not None:
        parts.append("terms=" + (",".join(sorted(facts.special_terms)) or "none"))
    if facts.self_service is not None:
        parts.append(f"self_service={str(facts.self_service).lower()}")
    if facts.preferred_motion is not None:
        parts.append(f"prefers={facts.preferred_motion.value}")
    return " ".join(parts)


def read_facts(reading: Understanding) -> Facts:
    """Return what a reading would record, in the corpus's terms."""
    return Facts.model_validate(reading.facts())


def _same_facts(a: Facts, b: Facts) -> bool:
    if a.model_dump(exclude={"special_terms"}) != b.model_dump(exclude={"special_terms"}):
        return False
    if (a.special_terms is None) != (b.special_terms is None):
        return False
    return sorted(a.special_terms or ()) == sorted(b.special_terms or ())


def run_blind_reader(cases: Sequence[dict[str, Any]], progress: Progress) -> list[CaseResult]:
    """Read every utterance with the combined reader and with the rules alone, and score both."""
    results = []
    for raw in cases:
        item = Utterance.model_validate(raw)
        outcome = CaseResult(SUITE, item.id)
        want_intent = intent(item.act, item.facts)
        data: dict[str, Any] = {
            "lang": item.lang,
            "asked": item.asked.value if item.asked else None,
            "text": item.text,
            "act": item.act,
            "intent": want_intent,
        }
        for name, reader in (("combined", "combined"), ("rules", "rules")):
            reading = understand(item.text, expecting=item.asked, reader=reader)  # type: ignore[arg-type]
            facts = read_facts(reading)
            got_intent = intent(reading.act, facts)
            data[name] = {
                "act": reading.act,
                "confidence": round(reading.confidence, 3),
                "intent": got_intent,
                "intent_ok": got_intent == want_intent,
                "facts_ok": reading.act == item.act and _same_facts(facts, item.facts),
                "facts": facts.model_dump(mode="json", exclude_none=True),
            }
        combined = data["combined"]
        outcome.checks = [
            check(
                "intent", combined["intent_ok"], f"expected {want_intent}, got {combined['intent']}"
            ),
            check("facts", combined["facts_ok"], f"got {combined['facts']}"),
        ]
        outcome.data = data
        results.append(outcome)
        progress.advance(SUITE)
    return results


def confusion(
    results: Sequence[CaseResult], lang: str, reader: str = "combined"
) -> dict[str, dict[str, int]]:
    """Return, for one language, how often each labelled act was read as each act."""
    table: dict[str, Counter[str]] = {act: Counter() for act in ACTS}
    for r in results:
        if r.data.get("lang") == lang:
            table[r.data["act"]][r.data[reader]["act"]] += 1
    return {act: dict(row) for act, row in table.items() if row}


def blind_reader_metrics(results: Sequence[CaseResult]) -> dict[str, Any]:
    """Return intent and facts accuracy per language, for the combined reader and the rules."""
    metrics: dict[str, Any] = {}
    for scope in ("", *LANGS):
        chosen = [r for r in results if not scope or r.data.get("lang") == scope]
        suffix = f"_{scope}" if scope else ""
        metrics[f"blind_reader_cases{suffix}"] = len(chosen)
        for reader, prefix in (("combined", "blind_reader"), ("rules", "blind_reader_rules")):
            for key in ("intent", "facts"):
                metrics[f"{prefix}_{key}{suffix}"] = rate(
                    sum(r.data[reader][f"{key}_ok"] for r in chosen), len(chosen)
                )
    # the two test sets apart: the split of the first blind set, and the second set (ids h-…)
    for name, in_set in (("split", False), ("second", True)):
        for scope in ("", *LANGS):
            chosen = [
                r
                for r in results
                if r.case_id.startswith("h-") == in_set and (not scope or r.data["lang"] == scope)
            ]
            suffix = f"_{scope}" if scope else ""
            metrics[f"blind_reader_{name}_cases{suffix}"] = len(chosen)
            metrics[f"blind_reader_{name}_intent{suffix}"] = rate(
                sum(r.data["combined"]["intent_ok"] for r in chosen), len(chosen)
            )
    for lang in LANGS:
        metrics[f"blind_reader_confusion_{lang}"] = confusion(results, lang)
    return metrics
