"""What a case did: its named checks and status, and the motion labels its data uses."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

MOTION_LABELS: tuple[str, ...] = ("breadth", "enterprise", "self_service", "undecided", "error")


@dataclass(frozen=True)
class Check:
    """One named check of one case, and what was seen when it failed."""

    name: str
    passed: bool
    detail: str = ""


@dataclass
class CaseResult:
    """What one case did: its checks, and data for the metrics and the report."""

    suite: str
    case_id: str
    checks: list[Check] = field(default_factory=list)
    xfail: str | None = None
    error: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        """Tell whether the case ran and every check passed."""
        return self.error is None and all(c.passed for c in self.checks)

    @property
    def status(self) -> Literal["pass", "fail", "error", "xfail", "xpass"]:
        """Return pass, fail or error, or xfail/xpass for a case marked as known to fail."""
        if self.xfail is not None:
            return "xpass" if self.passed else "xfail"
        if self.error is not None:
            return "error"
        return "pass" if self.passed else "fail"

    def failed(self) -> list[Check]:
        """Return the checks that failed."""
        return [c for c in self.checks if not c.passed]

    def to_json(self) -> dict[str, Any]:
        """Return the result as plain data."""
        return {
            "suite": self.suite,
            "id": self.case_id,
            "status": self.status,
            "passed": self.passed,
            "xfail": self.xfail,
            "error": self.error,
            "checks": [asdict(c) for c in self.checks],
            "data": self.data,
        }


def check(name: str, passed: bool, detail: str = "") -> Check:
    """Return a named check; the detail is kept only when it failed."""
    return Check(name, bool(passed), "" if passed else detail)


def scored_results(results: Iterable[CaseResult]) -> list[CaseResult]:
    """Return the results that count, setting aside cases marked xfail that still fail."""
    # A known advisor bug is reported on its own: it never counts as a pass, and it does not
    # hide other failures either. One that passes again (xpass) counts like any other case.
    return [r for r in results if r.status != "xfail"]


def motion_name(value: Any) -> str:
    """Return a motion's label, undecided when there is none."""
    return "undecided" if value is None else str(value)
