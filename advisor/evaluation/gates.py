"""Gates: the thresholds in `evals/thresholds.yaml`, measured against a run's metrics."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from advisor.evaluation.cases import evals_dir, read_yaml, validate


@dataclass(frozen=True)
class Gate:
    """A threshold on one metric: at least `minimum` or at most `maximum`."""

    metric: str
    minimum: float | None = None
    maximum: float | None = None
    why: str = ""

    def allows(self, value: float) -> bool:
        """Tell whether a value meets the threshold."""
        if self.minimum is not None and value < self.minimum:
            return False
        return not (self.maximum is not None and value > self.maximum)

    def describe(self) -> str:
        """Return the threshold as words, e.g. ">= 0.98"."""
        return f">= {self.minimum:g}" if self.minimum is not None else f"<= {self.maximum:g}"


@dataclass(frozen=True)
class GateResult:
    """A gate applied to a run: passed, failed, or skipped when the metric was not measured."""

    gate: Gate
    value: float | None
    gated: bool

    @property
    def skipped(self) -> bool:
        """Tell whether the metric was not measured in this run."""
        return self.value is None

    @property
    def passed(self) -> bool:
        """Tell whether the gate holds (a skipped gate holds)."""
        return self.value is None or self.gate.allows(self.value)

    def line(self) -> str:
        """Return one line saying how the metric did against its threshold."""
        if self.value is None:
            return f"{self.gate.metric}: not measured in this run"
        verdict = "ok" if self.passed else "FAILED"
        return f"{self.gate.metric} = {_fmt(self.value)}, needs {self.gate.describe()}: {verdict}"

    def to_json(self) -> dict[str, Any]:
        """Return the gate's outcome as plain data."""
        return {
            "metric": self.gate.metric,
            "min": self.gate.minimum,
            "max": self.gate.maximum,
            "value": self.value,
            "passed": self.passed,
            "skipped": self.skipped,
            "gated": self.gated,
        }


def load_thresholds(path: Path | None = None) -> list[Gate]:
    """Load the gates from evals/thresholds.yaml."""
    path = path or evals_dir() / "thresholds.yaml"
    data = read_yaml(path)
    validate(data, "thresholds", path)
    return [Gate(g["metric"], g.get("min"), g.get("max"), g.get("why", "")) for g in data["gates"]]


def apply_gates(
    gates: Sequence[Gate], metrics: Mapping[str, Any], *, gating: bool
) -> list[GateResult]:
    """Measure each gate against the run's metrics."""
    results = []
    for gate in gates:
        value = metrics.get(gate.metric)
        number = float(value) if isinstance(value, int | float) else None
        results.append(GateResult(gate, number, gating))
    return results


def _fmt(value: float) -> str:
    return f"{value:.4g}"
