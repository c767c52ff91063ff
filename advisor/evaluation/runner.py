"""The eval run: load the cases, run the suites, and measure the metrics against the gates.

The thresholds that gate a run live in `evals/thresholds.yaml`; an offline run is gated by them,
an LLM run is shown against them. The blind suites are measured and reported apart, never gated.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from advisor.chat import ChatService
from advisor.config import Settings
from advisor.domain.schemas import LANGS
from advisor.errors import UserError
from advisor.evaluation import SUITES
from advisor.evaluation.cases import ASK_SETS, is_blind, load_suite
from advisor.evaluation.gates import GateResult, apply_gates, load_thresholds
from advisor.evaluation.language import text_lang
from advisor.evaluation.progress import Progress, SilentProgress
from advisor.evaluation.results import CaseResult
from advisor.evaluation.stats import percentile
from advisor.evaluation.suites.adversarial import adversarial_metrics, run_adversarial
from advisor.evaluation.suites.ask import ask_metrics, run_ask
from advisor.evaluation.suites.blind_ask import (
    blind_ask_metrics,
    is_glossary_section,
    run_blind_ask,
)
from advisor.evaluation.suites.blind_chat import (
    blind_chat_metrics,
    regression_metrics,
    run_blind_chat,
)
from advisor.evaluation.suites.chat import chat_metrics, run_chat, transcript_turns
from advisor.evaluation.suites.classify import classify_metrics, run_classify
from advisor.evaluation.suites.reader import blind_reader_metrics, run_blind_reader
from advisor.evaluation.usage import UsageCounter
from advisor.guidance.index import GuidanceIndex
from advisor.models.factory import is_offline, make_chat_model

JUDGE_ENV = "ADVISOR_JUDGE_MODEL"
# blind-written sets whose failures were read while building: reported, but not held out
DEVELOPMENT_SETS = ("blind-chat", "dev-chat", "dev-ask")


def check_model_spec(spec: str, what: str) -> str:
    """Return a chat-model choice that evals can run, or raise a UserError naming the choices."""
    spec = spec.strip()
    provider, _, name = spec.partition(":")
    if spec == "offline" or (provider == "openai" and name.strip()):
        return spec
    raise UserError(f"{what}: must be offline or openai:<model> (got {spec or 'nothing'})")


@dataclass
class EvalPlan:
    """What to run: suites, cases, how many, and with which models."""

    settings: Settings
    suites: Sequence[str] = SUITES
    cases_dir: Path | None = None
    limit: int | None = None
    judge: str | None = None
    thresholds: Path | None = None


@dataclass
class EvalRun:
    """A finished run: every case's result, the metrics and the gates."""

    model: str
    judge: str | None
    started_at: str
    seconds: float
    results: dict[str, list[CaseResult]]
    metrics: dict[str, Any]
    gates: list[GateResult]
    notes: list[str] = field(default_factory=list)

    @property
    def failed_gates(self) -> list[GateResult]:
        """Return the gates that failed and count."""
        return [g for g in self.gates if g.gated and not g.passed]

    @property
    def passed(self) -> bool:
        """Tell whether every gate that counts held."""
        return not self.failed_gates

    def to_json(self) -> dict[str, Any]:
        """Return the whole run as plain data (result.json, and what the report reads)."""
        return {
            "version": 1,
            "model": self.model,
            "judge": self.judge,
            "started_at": self.started_at,
            "seconds": round(self.seconds, 2),
            "passed": self.passed,
            "metrics": self.metrics,
            "gates": [g.to_json() for g in self.gates],
            "notes": self.notes,
            "suites": {
                suite: {
                    "cases": len(results),
                    "passed": sum(r.passed for r in results),
                    "xfail": sum(r.status == "xfail" for r in results),
                    "xpass": sum(r.status == "xpass" for r in results),
                    "results": [r.to_json() for r in results],
                }
                for suite, results in self.results.items()
            },
        }


def run_evals(plan: EvalPlan, progress: Progress | None = None) -> EvalRun:
    """Load the cases, run the suites, and measure the metrics against the gates."""
    progress = progress or SilentProgress()
    started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    clock = time.perf_counter()
    files = {suite: load_suite(suite, plan.cases_dir) for suite in plan.suites}
    gates = load_thresholds(plan.thresholds)
    cases = {suite: f.cases[: plan.limit] for suite, f in files.items()}
    settings = plan.settings
    llm = not is_offline(settings)
    judge = (
        make_chat_model(settings.model_copy(update={"model": plan.judge})) if plan.judge else None
    )
    notes: list[str] = []
    results: dict[str, list[CaseResult]] = {}
    metrics: dict[str, Any] = {}
    chosen = set(plan.suites)
    index = GuidanceIndex.open(settings) if chosen - {"classify", "blind-reader"} else None
    usage = UsageCounter()
    service = (
        ChatService(settings, index=index, callbacks=[usage])
        if {"chat", "adversarial", "regression", "blind-chat", "heldout-chat", "dev-chat"} & chosen
        else None
    )
    ask_model = make_chat_model(settings) if llm and {"ask", *ASK_SETS} & chosen else None
    # the bars start once every model is built, so a bad setting is reported on its own
    for suite in plan.suites:
        progress.start(suite, len(cases[suite]))
    for suite in plan.suites:
        if suite == "classify":
            results[suite] = run_classify(cases[suite], progress)
            metrics.update(classify_metrics(results[suite]))
        elif suite == "chat":
            assert service is not None and index is not None
            known: dict[str, Iterable[str]] = {lang: index.kb.ids(lang) for lang in LANGS}
            results[suite] = run_chat(cases[suite], service, usage, known, progress)
            metrics.update(chat_metrics(results[suite], llm=llm))
        elif suite == "ask":
            assert index is not None
            results[suite] = run_ask(
                cases[suite], index, settings, progress, chat_model=ask_model, judge=judge
            )
            metrics.update(ask_metrics(results[suite], judged=judge is not None))
            if judge is None:
                notes.append(
                    "faithfulness: skipped, no judge model is configured "
                    f"(set {JUDGE_ENV}=openai:<model> to run the LLM-as-judge check)"
                )
        elif suite == "adversarial":
            assert service is not None
            results[suite] = run_adversarial(files[suite], cases[suite], service, progress)
            metrics.update(adversarial_metrics(results[suite]))
        elif suite == "regression":
            assert service is not None
            results[suite] = run_blind_chat(cases[suite], service, progress, suite=suite)
            metrics.update(regression_metrics(results[suite]))
        elif suite in ("blind-chat", "heldout-chat", "dev-chat"):
            assert service is not None
            results[suite] = run_blind_chat(cases[suite], service, progress, suite=suite)
            metrics.update(blind_chat_metrics(results[suite], prefix=suite.replace("-", "_")))
        elif suite == "blind-reader":
            results[suite] = run_blind_reader(cases[suite], progress)
            metrics.update(blind_reader_metrics(results[suite]))
        else:
            assert index is not None
            results[suite] = run_blind_ask(
                cases[suite], index, settings, progress, chat_model=ask_model, suite=suite
            )
            metrics.update(blind_ask_metrics(results[suite], prefix=suite.replace("-", "_")))
    notes += _blind_notes(results, index)
    metrics.update(_turn_metrics(results))
    notes += _xfail_notes(results)
    if all(is_blind(suite) for suite in plan.suites):
        notes.append("only blind sets ran: no threshold applies")
    elif not llm:
        notes.append("offline run: the thresholds gate it")
    else:
        notes.append(f"LLM run ({settings.model}): thresholds are shown, but do not gate")
    return EvalRun(
        model=settings.model,
        judge=plan.judge,
        started_at=started,
        seconds=time.perf_counter() - clock,
        results=results,
        metrics=metrics,
        gates=apply_gates(gates, metrics, gating=not llm),
        notes=notes,
    )


def _blind_notes(
    results: Mapping[str, Sequence[CaseResult]], index: GuidanceIndex | None
) -> list[str]:
    """Say that the blind sets are reported apart, and how the glossary questions did."""
    blind = [suite for suite in results if is_blind(suite)]
    untouched = [suite for suite in blind if suite not in DEVELOPMENT_SETS]
    developed = [suite for suite in blind if suite in DEVELOPMENT_SETS]
    notes = []
    if untouched:
        notes.append(
            f"{', '.join(untouched)}: written blind, reported apart; not gated, never tuned on"
        )
    if developed:
        notes.append(
            f"{', '.join(developed)}: written blind, reported apart and not gated, but read case "
            "by case while the advisor was built: development sets, not held-out figures"
        )
    if "dev-ask" in results:
        notes.append(
            "dev-ask: the guidance question model trains on these questions, so its figures are "
            "training figures; benchmarks/ask_cv.py prints them with each set held out in turn"
        )
    for suite in ASK_SETS:
        glossary = [r for r in results.get(suite, []) if r.data["glossary"]]
        if glossary and index is not None:
            missing = not any(is_glossary_section(i) for lang in LANGS for i in index.kb.ids(lang))
            notes.append(
                f"{suite}: {len(glossary)} glossary question(s) count as answerable, "
                f"{sum(r.passed for r in glossary)} passed"
                + ("; the knowledge base has no glossary section to cite" if missing else "")
            )
    return notes


def _xfail_notes(results: Mapping[str, Sequence[CaseResult]]) -> list[str]:
    """Say which known failures were set aside, and which of them now pass."""
    notes = []
    for suite, suite_results in results.items():
        known = [r.case_id for r in suite_results if r.status == "xfail"]
        if known:
            notes.append(
                f"{suite}: {len(known)} known failure(s) marked xfail, set aside from the "
                f"gated figures: {', '.join(known)}"
            )
        fixed = [r.case_id for r in suite_results if r.status == "xpass"]
        if fixed:
            notes.append(
                f"{suite}: marked xfail but now passing, remove the mark: {', '.join(fixed)}"
            )
    return notes


def _turn_metrics(results: Mapping[str, Sequence[CaseResult]]) -> dict[str, Any]:
    """Return latency per turn and the language match over every reply of the run."""
    turns = transcript_turns(results.get("chat", []))
    latencies = [t["latency_ms"] for t in turns]
    replies = [(t["expected_lang"], t["lang"], t["reply"]) for t in turns]
    for r in results.get("adversarial", []):
        if r.data.get("reply") is not None:
            replies.append((r.data["lang"], r.data["reply_lang"], r.data["reply"]))
    for r in results.get("ask", []):
        if r.error is None:
            replies.append((r.data["lang"], r.data["answer_lang"], r.data["answer"]))
    metrics: dict[str, Any] = {}
    if replies:
        matched = sum(want == got == text_lang(text) for want, got, text in replies)
        metrics["reply_language_match"] = matched / len(replies)
    if latencies:
        metrics["latency_p50_ms"] = percentile(latencies, 0.5)
        metrics["latency_p95_ms"] = percentile(latencies, 0.95)
    return metrics
