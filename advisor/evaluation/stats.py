"""Plain statistics for the metrics: shares, means and percentiles."""

from __future__ import annotations

from collections.abc import Sequence


def percentile(values: Sequence[float], q: float) -> float | None:
    """Return the q-quantile (0..1) of the values, interpolated; None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def rate(passed: int, total: int) -> float | None:
    """Return passed / total, or None when there was nothing to count."""
    return passed / total if total else None


def mean(values: Sequence[float]) -> float | None:
    """Return the mean of the values, or None when there are none."""
    return sum(values) / len(values) if values else None
