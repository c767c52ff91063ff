"""Eval reports: a self-contained HTML page, a summary table and a progress bar.

Everything here reads the plain data of a run (what `result.json` holds), so a report can be
rendered again from a saved result.
"""

from advisor.evaluation.report.html import render_html, write_report
from advisor.evaluation.report.metrics import format_value
from advisor.evaluation.report.terminal import RichProgress, progress_bar, summary_table

__all__ = [
    "RichProgress",
    "format_value",
    "progress_bar",
    "render_html",
    "summary_table",
    "write_report",
]
