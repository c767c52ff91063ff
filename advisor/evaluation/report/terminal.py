"""The report on a terminal: a progress bar per suite and a summary table."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn
from rich.table import Table

from advisor.evaluation.report.metrics import (
    METRICS,
    SUMMARY,
    blind_rows,
    format_value,
    gate_verdict,
    threshold_text,
)


class RichProgress:
    """A progress bar per suite on a rich console (stderr in the CLI), shown from the first."""

    def __init__(self, console: Console) -> None:
        self.progress = Progress(
            TextColumn("{task.description:<12}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=console,
        )
        self.tasks: dict[str, TaskID] = {}

    def start(self, suite: str, total: int) -> None:
        """Add a bar for a suite."""
        if not self.tasks:
            self.progress.start()
        self.tasks[suite] = self.progress.add_task(suite, total=total)

    def advance(self, suite: str) -> None:
        """Move a suite's bar on by one case."""
        self.progress.advance(self.tasks[suite])

    def stop(self) -> None:
        """Stop drawing, leaving the finished bars."""
        if self.tasks:
            self.progress.stop()


@contextmanager
def progress_bar(console: Console) -> Iterator[RichProgress]:
    """Show progress bars on the console while the run lasts."""
    bars = RichProgress(console)
    try:
        yield bars
    finally:
        bars.stop()


def summary_table(run: Mapping[str, Any]) -> Table:
    """Return the run's metrics, thresholds and verdicts as a table, the blind sets apart."""
    thresholds = {g["metric"]: g for g in run["gates"]}
    table = Table(title=f"Motion Advisor evals ({run['model']})", title_justify="left")
    table.add_column("metric")
    table.add_column("value", justify="right")
    table.add_column("threshold", justify="right")
    table.add_column("", justify="left")
    for name in SUMMARY:
        if name not in run["metrics"]:
            continue
        gate = thresholds.get(name)
        table.add_row(
            METRICS[name][0],
            format_value(name, run["metrics"][name]),
            threshold_text(gate) if gate else "",
            gate_verdict(gate) if gate else "",
        )
    blind = blind_rows(run["metrics"])
    if blind:
        # the sets written blind: their own section, so they are never read as the tuned ones
        table.add_section()
        for label, value in blind:
            table.add_row(label, value, "not gated", "")
    return table
