"""The classify suite: profiles through the classifier, checked against the policy's result."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from advisor.domain.policy import classify
from advisor.domain.schemas import Classification, parse_profile
from advisor.errors import AdvisorError
from advisor.evaluation.progress import Progress
from advisor.evaluation.results import CaseResult, Check, check, motion_name, scored_results
from advisor.evaluation.stats import rate
from advisor.guidance.knowledge import load_knowledge


def evaluate_classification(
    case: Mapping[str, Any], result: Classification, known_ids: Iterable[str]
) -> list[Check]:
    """Check a classifier result against the policy's expected one."""
    expected = case["expected"]
    got = None if result.motion is None else result.motion.value
    checks = [
        check("motion", got == expected["motion"], f"expected {expected['motion']}, got {got}"),
    ]
    missing = [slot.value for slot in result.missing]
    want_missing = expected.get("missing", [])
    checks.append(
        check("missing", missing == want_missing, f"expected {want_missing}, got {missing}")
    )
    if "rule" in expected:
        checks.append(
            check(
                "rule",
                result.rule_id == expected["rule"],
                f"expected rule {expected['rule']}, got rule {result.rule_id}",
            )
        )
    if "alternatives" in expected:
        offered = {a.motion.value for a in result.alternatives}
        want = set(expected["alternatives"])
        checks.append(
            check(
                "alternatives", want <= offered, f"expected {sorted(want)}, got {sorted(offered)}"
            )
        )
    checks.append(check("lang", result.lang == case["lang"], f"explained in {result.lang}"))
    if result.motion is not None:
        known = set(known_ids)
        cited = [c for reason in result.reasons for c in reason.citations]
        unknown = sorted(set(cited) - known)
        checks.append(
            check(
                "citations_exist",
                bool(cited) and not unknown,
                f"unknown sections {unknown}" if unknown else "no reason cites a section",
            )
        )
        explained = bool(result.vehicle and result.rule and result.reasons and result.partner_roles)
        checks.append(
            check("explained", explained, "missing vehicle, rule, reasons or partner roles")
        )
    return checks


def run_classify(cases: Sequence[Mapping[str, Any]], progress: Progress) -> list[CaseResult]:
    """Classify every case's profile and check the result."""
    kb = load_knowledge()
    results = []
    for case in cases:
        outcome = CaseResult("classify", case["id"], xfail=case.get("xfail"))
        outcome.data = {
            "profile": case["profile"],
            "lang": case["lang"],
            "expected": case["expected"],
            "expected_motion": motion_name(case["expected"]["motion"]),
        }
        try:
            result = classify(parse_profile(dict(case["profile"])), case["lang"])
        except AdvisorError as exc:
            outcome.error = exc.message
            outcome.data["got_motion"] = "error"
        else:
            outcome.checks = evaluate_classification(case, result, kb.ids(case["lang"]))
            outcome.data["got_motion"] = motion_name(
                None if result.motion is None else result.motion
            )
            outcome.data["missing"] = [s.value for s in result.missing]
            outcome.data["rule"] = result.rule_id
        results.append(outcome)
        progress.advance("classify")
    return results


def classify_metrics(results: Sequence[CaseResult]) -> dict[str, Any]:
    """Return the classifier's accuracy."""
    scored = scored_results(results)
    return {
        "classifier_accuracy": rate(sum(r.passed for r in scored), len(scored)),
        "classifier_cases": len(results),
        "classifier_xfail": len(results) - len(scored),
    }
