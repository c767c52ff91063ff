"""Eval reports: a self-contained HTML page, a summary table and a progress bar.

Everything here reads the plain data of a run (what `result.json` holds), so a report can be
rendered again from a saved result. The page needs nothing from the network: its CSS and SVG
charts are inline and it has no scripts.
"""

from __future__ import annotations

import html
import json
import math
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn
from rich.table import Table

from advisor.errors import UserError

LABELS = ("breadth", "enterprise", "self_service", "undecided", "error")

# name -> (how it is shown, what it means, unit: rate, count, mean, ms)
METRICS: dict[str, tuple[str, str, str]] = {
    "classifier_accuracy": (
        "Classifier accuracy",
        "Profiles whose motion, missing slots, rule and alternatives match the policy.",
        "rate",
    ),
    "conversation_success": (
        "Conversation success",
        "Conversations that reach the policy's motion in the policy's questions, with no "
        "redundant question, replies in the customer's language and existing citations.",
        "rate",
    ),
    "questions_per_conversation": (
        "Questions per conversation",
        "Questions the advisor asked (a re-ask after a guidance question not counted).",
        "mean",
    ),
    "policy_min_per_conversation": (
        "Policy minimum per conversation",
        "Questions the policy needs, given the facts the customer states.",
        "mean",
    ),
    "conversations_over_policy_min": (
        "Conversations over the minimum",
        "Conversations that asked more questions than the policy needs.",
        "count",
    ),
    "redundant_questions": (
        "Redundant questions",
        "Questions about a slot the customer had already given (in any earlier message).",
        "count",
    ),
    "guidance_answered": (
        "Guidance answered mid-interview",
        "Guidance questions in a conversation answered with citations, the pending question kept.",
        "rate",
    ),
    "recommendation_citations": (
        "Recommendation citations",
        "Conversations whose recommendation cites sections that exist in the knowledge base.",
        "rate",
    ),
    "recall_at_1_en": ("Recall@1 (en)", "The first section retrieved is an expected one.", "rate"),
    "recall_at_3_en": ("Recall@3 (en)", "An expected section is among the first three.", "rate"),
    "recall_at_1_ja": ("Recall@1 (ja)", "The first section retrieved is an expected one.", "rate"),
    "recall_at_3_ja": ("Recall@3 (ja)", "An expected section is among the first three.", "rate"),
    "key_fact_coverage": (
        "Key-fact coverage",
        "Share of each answerable question's key facts that the answer states verbatim.",
        "rate",
    ),
    "refusals_correct": (
        "Refusals on unanswerable",
        "Questions the guidance cannot answer that the advisor declines instead of guessing.",
        "rate",
    ),
    "false_refusals": (
        "False refusals",
        "Answerable questions the advisor declined.",
        "rate",
    ),
    "citation_correctness": (
        "Citation correctness (ask)",
        "Answers whose cited sections are all among the expected ones.",
        "rate",
    ),
    "faithfulness": (
        "Faithfulness (LLM judge)",
        "Answer sentences a judge model finds supported by their cited sections.",
        "rate",
    ),
    "adversarial_held": (
        "Adversarial held",
        "Injections, prompt and session requests, off-topic, contradictory, absurd, huge and "
        "invalid input that the advisor withstood.",
        "rate",
    ),
    "reply_language_match": (
        "Reply language",
        "Replies (chat, ask, adversarial) in the language of the customer's latest message.",
        "rate",
    ),
    "latency_p50_ms": ("Latency p50 per turn", "Median time of one chat turn.", "ms"),
    "latency_p95_ms": ("Latency p95 per turn", "95th percentile time of one chat turn.", "ms"),
    "ask_latency_p50_ms": ("Ask latency p50", "Median time to answer one guidance question.", "ms"),
    "llm_calls_per_conversation": (
        "LLM calls per conversation",
        "Chat-model calls in one conversation (LangChain on_llm_end).",
        "mean",
    ),
    "tokens_per_conversation": (
        "Tokens per conversation",
        "Input and output tokens the model reported in one conversation.",
        "mean",
    ),
}
SUMMARY = (
    "classifier_accuracy",
    "conversation_success",
    "questions_per_conversation",
    "policy_min_per_conversation",
    "redundant_questions",
    "recall_at_1_en",
    "recall_at_3_en",
    "recall_at_1_ja",
    "recall_at_3_ja",
    "key_fact_coverage",
    "refusals_correct",
    "citation_correctness",
    "recommendation_citations",
    "faithfulness",
    "reply_language_match",
    "adversarial_held",
    "latency_p50_ms",
    "latency_p95_ms",
    "llm_calls_per_conversation",
    "tokens_per_conversation",
)


def format_value(name: str, value: Any) -> str:
    """Show a metric's value in its unit: a percentage, a count, a mean or milliseconds."""
    if value is None:
        return "skipped" if name == "faithfulness" else "n/a"
    unit = METRICS.get(name, ("", "", "mean"))[2]
    if unit == "rate":
        return f"{100 * float(value):.1f}%"
    if unit == "count":
        return f"{int(value)}"
    if unit == "ms":
        return f"{float(value):.1f} ms"
    return f"{float(value):.2f}"


# --------------------------------------------------------------------------- terminal


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
    """Return the run's metrics, thresholds and verdicts as a table."""
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
            _threshold_text(gate) if gate else "",
            _verdict(gate) if gate else "",
        )
    return table


def _threshold_text(gate: Mapping[str, Any]) -> str:
    name = gate["metric"]
    if gate["min"] is not None:
        return ">= " + format_value(name, gate["min"])
    return "<= " + format_value(name, gate["max"])


def _verdict(gate: Mapping[str, Any]) -> str:
    if gate["skipped"]:
        return "not run"
    if gate["passed"]:
        return "ok"
    return "FAILED" if gate["gated"] else "below (not gated)"


# --------------------------------------------------------------------------- files


def write_report(run: Mapping[str, Any], directory: Path) -> tuple[Path, Path]:
    """Write result.json and report.html into a directory, creating it."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        result = directory / "result.json"
        result.write_text(json.dumps(run, ensure_ascii=False, indent=2), encoding="utf-8")
        page = directory / "report.html"
        page.write_text(render_html(run), encoding="utf-8")
    except OSError as exc:
        raise UserError(f"--report: cannot write to {directory} ({exc.strerror or exc})") from None
    return result, page


# --------------------------------------------------------------------------- HTML

_CSS = """
:root { --ok: #1a7f37; --bad: #cf222e; --warn: #9a6700; --ink: #1f2328; --muted: #656d76;
  --line: #d0d7de; --soft: #f6f8fa; --blue: #0969da; }
* { box-sizing: border-box; }
body { font: 14px/1.5 system-ui, -apple-system, "Segoe UI", "Hiragino Sans", "Noto Sans JP",
  sans-serif; color: var(--ink); margin: 0; background: #fff; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 28px 64px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 36px 0 12px; padding-bottom: 6px;
  border-bottom: 1px solid var(--line); }
h3 { font-size: 15px; margin: 20px 0 8px; }
.meta { color: var(--muted); margin: 0 0 16px; }
.badge { display: inline-block; padding: 2px 10px; border-radius: 12px; font-weight: 600;
  font-size: 13px; color: #fff; vertical-align: middle; margin-left: 8px; }
.pass { background: var(--ok); } .fail { background: var(--bad); }
.info { background: var(--muted); }
.xfail { background: var(--warn); }
table { border-collapse: collapse; width: 100%; margin: 8px 0; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line);
  vertical-align: top; }
th { background: var(--soft); font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.desc { color: var(--muted); }
.ok { color: var(--ok); font-weight: 600; } .bad { color: var(--bad); font-weight: 600; }
.warn { color: var(--warn); font-weight: 600; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 12px; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; }
.card .v { font-size: 22px; font-weight: 600; } .card .k { color: var(--muted); font-size: 12px; }
.charts { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 20px; }
figure { margin: 0; border: 1px solid var(--line); border-radius: 8px; padding: 12px; }
figcaption { font-weight: 600; margin-bottom: 6px; }
figure p { color: var(--muted); margin: 6px 0 0; font-size: 12px; }
svg { display: block; max-width: 100%; height: auto; }
svg text { font-family: system-ui, sans-serif; }
ul.notes { padding-left: 20px; } ul.notes li { margin: 2px 0; }
details { border: 1px solid var(--line); border-radius: 8px; margin: 8px 0; background: #fff; }
summary { cursor: pointer; padding: 8px 12px; font-weight: 600; }
summary .why { font-weight: 400; color: var(--muted); }
details > div { padding: 0 12px 12px; }
.checks li { margin: 2px 0; }
.transcript td { font-size: 13px; }
.transcript .who { color: var(--muted); white-space: nowrap; width: 1%; }
.reply { white-space: pre-wrap; word-break: break-word; }
code { background: var(--soft); padding: 1px 4px; border-radius: 4px; font-size: 12px; }
"""


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def render_html(run: Mapping[str, Any]) -> str:
    """Render a run as one self-contained HTML page."""
    verdict = "pass" if run["passed"] else "fail"
    gated = any(g["gated"] for g in run["gates"])
    badge = (
        f'<span class="badge {verdict}">{"PASSED" if run["passed"] else "FAILED"}</span>'
        if gated
        else '<span class="badge info">NOT GATED</span>'
    )
    suites = run["suites"]
    counts = ", ".join(
        f"{name} {s['passed']}/{s['cases']}" + (f" ({s['xfail']} xfail)" if s["xfail"] else "")
        for name, s in suites.items()
    )
    judge = run.get("judge") or "none"
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Motion Advisor evals, {_e(run['started_at'])}</title>",
        f"<style>{_CSS}</style></head><body><main>",
        f"<h1>Motion Advisor evals {badge}</h1>",
        f'<p class="meta">Model <code>{_e(run["model"])}</code> · judge <code>{_e(judge)}</code>'
        f" · started {_e(run['started_at'])} · {run['seconds']:.1f} s · cases passed: "
        f"{_e(counts)}</p>",
        _cards(run),
        _gates_html(run),
        _charts_html(run),
        _metrics_html(run),
        _notes_html(run),
        _failures_html(run),
        "</main></body></html>",
    ]
    return "\n".join(parts)


def _cards(run: Mapping[str, Any]) -> str:
    names = [
        "classifier_accuracy",
        "conversation_success",
        "redundant_questions",
        "recall_at_3_en",
        "recall_at_3_ja",
        "adversarial_held",
        "reply_language_match",
        "latency_p95_ms",
    ]
    cards = [
        f'<div class="card"><div class="v">{_e(format_value(n, run["metrics"][n]))}</div>'
        f'<div class="k">{_e(METRICS[n][0])}</div></div>'
        for n in names
        if n in run["metrics"]
    ]
    return f'<div class="cards">{"".join(cards)}</div>' if cards else ""


def _gates_html(run: Mapping[str, Any]) -> str:
    rows = []
    for gate in run["gates"]:
        name = gate["metric"]
        verdict = _verdict(gate)
        css = "ok" if verdict == "ok" else ("bad" if verdict == "FAILED" else "warn")
        label = METRICS.get(name, (name, "", ""))[0]
        rows.append(
            f"<tr><td>{_e(label)} <code>{_e(name)}</code></td>"
            f'<td class="num">{_e(format_value(name, gate["value"]))}</td>'
            f'<td class="num">{_e(_threshold_text(gate))}</td>'
            f'<td class="{css}">{_e(verdict)}</td></tr>'
        )
    return (
        "<h2>Thresholds</h2><table><tr><th>metric</th><th>value</th><th>threshold</th>"
        f"<th>result</th></tr>{''.join(rows)}</table>"
    )


def _metrics_html(run: Mapping[str, Any]) -> str:
    rows = []
    for name, value in run["metrics"].items():
        label, description, _ = METRICS.get(name, (name, "", "mean"))
        if name not in METRICS:
            continue
        rows.append(
            f"<tr><td>{_e(label)}<br><code>{_e(name)}</code></td>"
            f'<td class="num">{_e(format_value(name, value))}</td>'
            f'<td class="desc">{_e(description)}</td></tr>'
        )
    return (
        "<h2>Metrics</h2><table><tr><th>metric</th><th>value</th><th>what it measures</th></tr>"
        f"{''.join(rows)}</table>"
    )


def _notes_html(run: Mapping[str, Any]) -> str:
    if not run["notes"]:
        return ""
    items = "".join(f"<li>{_e(n)}</li>" for n in run["notes"])
    return f'<h2>Notes</h2><ul class="notes">{items}</ul>'


# --------------------------------------------------------------------------- charts


def _results(run: Mapping[str, Any], suite: str) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = run["suites"].get(suite, {}).get("results", [])
    return results


def _charts_html(run: Mapping[str, Any]) -> str:
    figures = []
    for suite, title in (("classify", "Classifier"), ("chat", "Conversations")):
        pairs = [
            (r["data"].get("expected_motion", "undecided"), r["data"].get("got_motion", "error"))
            for r in _results(run, suite)
        ]
        if pairs:
            figures.append(
                _figure(
                    f"{title}: motion expected vs got",
                    confusion_svg(pairs),
                    "Rows: the policy's motion. Columns: the advisor's. The diagonal is right."
                    + _xfail_note(run, suite),
                )
            )
    chat = [r["data"] for r in _results(run, "chat") if "questions" in r["data"]]
    if chat:
        points = [(d["policy_min"], d["questions"]) for d in chat]
        figures.append(
            _figure(
                "Questions per conversation vs the policy minimum",
                questions_svg(points),
                "Each bubble: conversations with that many questions (y) where the policy needs "
                "x. On the diagonal: exactly the policy's questions." + _xfail_note(run, "chat"),
            )
        )
    metrics = run["metrics"]
    if any(f"recall_at_{k}_{lang}" in metrics for k in (1, 3) for lang in ("en", "ja")):
        figures.append(
            _figure(
                "Retrieval recall per language",
                recall_svg(metrics),
                "The dashed line is the recall@3 threshold.",
            )
        )
    latencies = [
        t["latency_ms"] for r in _results(run, "chat") for t in r["data"].get("transcript", [])
    ]
    if latencies:
        figures.append(
            _figure(
                "Latency per chat turn",
                latency_svg(
                    latencies, metrics.get("latency_p50_ms"), metrics.get("latency_p95_ms")
                ),
                "Turns by time taken; the lines mark p50 and p95.",
            )
        )
    if not figures:
        return ""
    return f'<h2>Charts</h2><div class="charts">{"".join(figures)}</div>'


def _xfail_note(run: Mapping[str, Any], suite: str) -> str:
    known = sum(r["status"] == "xfail" for r in _results(run, suite))
    return (
        f" Includes {known} known failure(s) (xfail), which the metrics set aside." if known else ""
    )


def _figure(title: str, svg: str, caption: str) -> str:
    return f"<figure><figcaption>{_e(title)}</figcaption>{svg}<p>{_e(caption)}</p></figure>"


def confusion_svg(pairs: Sequence[tuple[str, str]]) -> str:
    """Draw a confusion matrix of motions: expected down the side, got across the top."""
    counts = Counter(pairs)
    used = {label for pair in pairs for label in pair}
    labels = [label for label in LABELS if label in used] or ["undecided"]
    cell, left, top = 64, 96, 40
    width, height = left + cell * len(labels) + 8, top + cell * len(labels) + 28
    biggest = max(counts.values(), default=1)
    out = [
        f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        'xmlns="http://www.w3.org/2000/svg">'
    ]
    for j, label in enumerate(labels):
        x = left + cell * j + cell / 2
        out.append(
            f'<text x="{x}" y="{top - 10}" font-size="11" text-anchor="middle">{_e(_short(label))}'
            "</text>"
        )
    for i, expected in enumerate(labels):
        y = top + cell * i
        out.append(
            f'<text x="{left - 8}" y="{y + cell / 2 + 4}" font-size="11" text-anchor="end">'
            f"{_e(_short(expected))}</text>"
        )
        for j, got in enumerate(labels):
            n = counts.get((expected, got), 0)
            x = left + cell * j
            shade = 0.12 + 0.88 * (n / biggest) if n else 0.0
            colour = "26,127,55" if i == j else "207,34,46"
            fill = f"rgba({colour},{shade:.2f})" if n else "#f6f8fa"
            ink = "#fff" if shade > 0.55 else "#1f2328"
            out.append(
                f'<rect x="{x}" y="{y}" width="{cell - 2}" height="{cell - 2}" rx="4" '
                f'fill="{fill}"><title>{_e(expected)} → {_e(got)}: {n}</title></rect>'
            )
            if n:
                out.append(
                    f'<text x="{x + cell / 2 - 1}" y="{y + cell / 2 + 5}" font-size="15" '
                    f'font-weight="600" text-anchor="middle" fill="{ink}">{n}</text>'
                )
    out.append(
        f'<text x="{left + cell * len(labels) / 2}" y="{height - 6}" font-size="11" '
        'fill="#656d76" text-anchor="middle">got</text>'
    )
    out.append(
        f'<text x="12" y="{top + cell * len(labels) / 2}" font-size="11" fill="#656d76" '
        f'text-anchor="middle" transform="rotate(-90 12 {top + cell * len(labels) / 2})">'
        "expected</text>"
    )
    out.append("</svg>")
    return "".join(out)


def _short(label: str) -> str:
    return "self-service" if label == "self_service" else label


def questions_svg(points: Sequence[tuple[int, int]]) -> str:
    """Draw questions asked against the policy minimum, one bubble per distinct pair."""
    counts = Counter(points)
    top_value = max([4, *(v for p in points for v in p)])
    step, left, top, bottom = max(22, min(44, 360 // top_value)), 44, 16, 40
    size = step * top_value
    width, height = left + size + 24, top + size + bottom
    out = [
        f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        'xmlns="http://www.w3.org/2000/svg">'
    ]

    def px(x: float, y: float) -> tuple[float, float]:
        return left + x * step, top + size - y * step

    for v in range(top_value + 1):
        x0, y0 = px(0, v)
        x1, _ = px(top_value, v)
        out.append(f'<line x1="{x0}" y1="{y0}" x2="{x1}" y2="{y0}" stroke="#eaeef2"/>')
        out.append(f'<text x="{x0 - 8}" y="{y0 + 4}" font-size="11" text-anchor="end">{v}</text>')
        gx, gy = px(v, 0)
        out.append(f'<line x1="{gx}" y1="{top}" x2="{gx}" y2="{gy}" stroke="#eaeef2"/>')
        out.append(f'<text x="{gx}" y="{gy + 16}" font-size="11" text-anchor="middle">{v}</text>')
    (ax, ay), (bx, by) = px(0, 0), px(top_value, top_value)
    out.append(
        f'<line x1="{ax}" y1="{ay}" x2="{bx}" y2="{by}" stroke="#8c959f" stroke-dasharray="4 4"/>'
    )
    biggest = max(counts.values(), default=1)
    for (minimum, asked), n in sorted(counts.items()):
        cx, cy = px(minimum, asked)
        radius = 6 + 12 * math.sqrt(n / biggest)
        colour = "#1a7f37" if asked == minimum else ("#cf222e" if asked > minimum else "#0969da")
        out.append(
            f'<circle cx="{cx}" cy="{cy}" r="{radius:.1f}" fill="{colour}" fill-opacity="0.8">'
            f"<title>policy {minimum}, asked {asked}: {n} conversation(s)</title></circle>"
        )
        out.append(
            f'<text x="{cx}" y="{cy + 4}" font-size="11" font-weight="600" fill="#fff" '
            f'text-anchor="middle">{n}</text>'
        )
    out.append(
        f'<text x="{left + size / 2}" y="{height - 6}" font-size="11" fill="#656d76" '
        'text-anchor="middle">policy minimum</text>'
    )
    out.append(
        f'<text x="12" y="{top + size / 2}" font-size="11" fill="#656d76" text-anchor="middle" '
        f'transform="rotate(-90 12 {top + size / 2})">questions asked</text>'
    )
    out.append("</svg>")
    return "".join(out)


def recall_svg(metrics: Mapping[str, Any], threshold: float = 0.95) -> str:
    """Draw recall@1 and recall@3 bars for each language."""
    left, top, height, bar, gap = 40, 14, 180, 44, 10
    groups = [lang for lang in ("en", "ja") if f"recall_at_3_{lang}" in metrics]
    width = left + len(groups) * (2 * bar + gap + 40) + 20
    total = top + height + 44
    out = [
        f'<svg viewBox="0 0 {width} {total}" width="{width}" height="{total}" role="img" '
        'xmlns="http://www.w3.org/2000/svg">'
    ]
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        y = top + height * (1 - tick)
        out.append(f'<line x1="{left}" y1="{y}" x2="{width - 10}" y2="{y}" stroke="#eaeef2"/>')
        out.append(
            f'<text x="{left - 6}" y="{y + 4}" font-size="11" text-anchor="end">{tick:.0%}</text>'
        )
    for g, lang in enumerate(groups):
        x0 = left + 20 + g * (2 * bar + gap + 40)
        for k, (name, colour) in enumerate((("1", "#54aeff"), ("3", "#0969da"))):
            value = metrics.get(f"recall_at_{name}_{lang}") or 0.0
            h = height * float(value)
            x = x0 + k * (bar + gap)
            out.append(
                f'<rect x="{x}" y="{top + height - h}" width="{bar}" height="{h}" rx="3" '
                f'fill="{colour}"><title>recall@{name} {lang}: {value:.3f}</title></rect>'
            )
            inside = h > 24  # the label sits inside a tall bar, clear of the threshold line
            out.append(
                f'<text x="{x + bar / 2}" y="{top + height - h + (16 if inside else -4)}" '
                f'font-size="11" text-anchor="middle" fill="{"#fff" if inside else "#1f2328"}">'
                f"{100 * float(value):.1f}%</text>"
            )
            out.append(
                f'<text x="{x + bar / 2}" y="{top + height + 16}" font-size="11" '
                f'text-anchor="middle">@{name}</text>'
            )
        out.append(
            f'<text x="{x0 + bar + gap / 2}" y="{top + height + 34}" font-size="12" '
            f'font-weight="600" text-anchor="middle">{lang}</text>'
        )
    y = top + height * (1 - threshold)
    out.append(
        f'<line x1="{left}" y1="{y}" x2="{width - 10}" y2="{y}" stroke="#cf222e" '
        'stroke-dasharray="5 4"/>'
    )
    out.append("</svg>")
    return "".join(out)


def latency_svg(values: Sequence[float], p50: float | None, p95: float | None) -> str:
    """Draw a histogram of turn latencies with the p50 and p95 marked."""
    left, top, height, width = 40, 30, 150, 460
    # a few slow turns (the first one warms up) would squash the rest into one bar
    highest = min(max(values), 3 * p95) if p95 else max(values)
    highest = highest or 1.0
    bins = 20
    size = highest / bins
    counts = [0] * bins
    for v in values:
        counts[min(bins - 1, int(v / size))] += 1
    slow = sum(v > highest for v in values)
    peak = max(counts) or 1
    total = top + height + 40
    out = [
        f'<svg viewBox="0 0 {left + width + 20} {total}" width="{left + width + 20}" '
        f'height="{total}" role="img" xmlns="http://www.w3.org/2000/svg">'
    ]
    column = width / bins
    for i, n in enumerate(counts):
        h = height * n / peak
        out.append(
            f'<rect x="{left + i * column + 1:.1f}" y="{top + height - h:.1f}" '
            f'width="{column - 2:.1f}" height="{h:.1f}" fill="#8250df" fill-opacity="0.75">'
            f"<title>{i * size:.0f}-{(i + 1) * size:.0f} ms: {n} turns</title></rect>"
        )
    out.append(
        f'<line x1="{left}" y1="{top + height}" x2="{left + width}" y2="{top + height}" '
        'stroke="#8c959f"/>'
    )
    for fraction in (0, 0.5, 1):
        x = left + width * fraction
        out.append(
            f'<text x="{x}" y="{top + height + 16}" font-size="11" text-anchor="middle">'
            f"{highest * fraction:.0f} ms</text>"
        )
    for row, (label, value) in enumerate((("p50", p50), ("p95", p95))):
        if value is None:
            continue
        x = left + width * min(1.0, value / highest)
        out.append(
            f'<line x1="{x:.1f}" y1="{top - 14 + 14 * row}" x2="{x:.1f}" y2="{top + height}" '
            'stroke="#cf222e" stroke-dasharray="4 3"/>'
        )
        out.append(
            f'<text x="{x + 4:.1f}" y="{top - 4 + 14 * row - 14}" font-size="11" fill="#cf222e">'
            f"{label} {value:.1f} ms</text>"
        )
    beyond = f", {slow} slower than {highest:.0f} ms in the last bar" if slow else ""
    out.append(
        f'<text x="{left + width / 2}" y="{total - 4}" font-size="11" fill="#656d76" '
        f'text-anchor="middle">{len(values)} turns{beyond}</text>'
    )
    out.append("</svg>")
    return "".join(out)


# --------------------------------------------------------------------------- failures


def _failures_html(run: Mapping[str, Any]) -> str:
    sections = ["<h2>Failures</h2>"]
    any_shown = False
    for suite, data in run["suites"].items():
        results = data["results"]
        failing = [r for r in results if r["status"] in ("fail", "error")]
        known = [r for r in results if r["status"] == "xfail"]
        fixed = [r for r in results if r["status"] == "xpass"]
        if not (failing or known or fixed):
            continue
        any_shown = True
        sections.append(
            f"<h3>{_e(suite)}: {len(failing)} failing of {len(results)}"
            + (f", {len(known)} known (xfail)" if known else "")
            + "</h3>"
        )
        sections.extend(_case_html(r, suite, open_=len(failing) <= 8) for r in failing)
        sections.extend(_case_html(r, suite, open_=False) for r in known + fixed)
    if not any_shown:
        sections.append("<p>None: every case passed.</p>")
    return "".join(sections)


def _case_html(result: Mapping[str, Any], suite: str, *, open_: bool) -> str:
    status = result["status"]
    css = {"xfail": "xfail", "xpass": "info"}.get(status, "fail")
    failed = [c for c in result["checks"] if not c["passed"]]
    why = result["xfail"] or result["error"] or ", ".join(c["name"] for c in failed)
    why = why if len(why) <= 110 else why[:107] + "…"
    body = []
    if result["xfail"]:
        body.append(f"<p><b>Known failure:</b> {_e(result['xfail'])}</p>")
    if result["error"]:
        body.append(f"<p><b>Error:</b> {_e(result['error'])}</p>")
    if failed:
        items = "".join(f"<li><code>{_e(c['name'])}</code> {_e(c['detail'])}</li>" for c in failed)
        body.append(f'<ul class="checks">{items}</ul>')
    body.append(_case_detail(result["data"], suite))
    return (
        f'<details{" open" if open_ else ""}><summary><span class="badge {css}">{_e(status)}'
        f'</span> {_e(result["id"])} <span class="why">{_e(why)}</span></summary>'
        f"<div>{''.join(body)}</div></details>"
    )


def _case_detail(data: Mapping[str, Any], suite: str) -> str:
    if suite == "chat":
        return _transcript_html(
            (t["message"], t["reply"], t["question"], t["lang"], t["latency_ms"])
            for t in data.get("transcript", [])
        ) + _kv({"asked": data.get("asked"), "policy": data.get("policy")})
    if suite == "adversarial":
        shown = {k: data.get(k) for k in ("kind", "before", "motion", "question", "profile")}
        if data.get("error_type"):
            shown["error"] = f"{data['error_type']} {data['error_status']}: {data['error_message']}"
        return _transcript_html(
            (t["message"], t["reply"], t["question"], t["lang"], None)
            for t in data.get("transcript", [])
        ) + _kv(shown)
    if suite == "ask":
        return _transcript_html(
            [
                (
                    data.get("question", ""),
                    data.get("answer", ""),
                    None,
                    data.get("answer_lang"),
                    data.get("latency_ms"),
                )
            ]
        ) + _kv(
            {k: data.get(k) for k in ("expected_sections", "top", "cited", "key_fact_coverage")}
        )
    return _kv(data)


def _transcript_html(turns: Iterable[tuple[Any, Any, Any, Any, Any]]) -> str:
    rows = []
    for number, (message, reply, question, lang, ms) in enumerate(turns):
        extra = " · ".join(
            str(x)
            for x in (
                f"asks {question}" if question else None,
                lang,
                f"{ms:.0f} ms" if isinstance(ms, int | float) else None,
            )
            if x
        )
        rows.append(
            f'<tr><td class="who">{number} customer</td><td class="reply">{_e(message)}</td></tr>'
            f'<tr><td class="who">advisor<br>{_e(extra)}</td>'
            f'<td class="reply">{_e(reply)}</td></tr>'
        )
    return f'<table class="transcript">{"".join(rows)}</table>' if rows else ""


def _kv(values: Mapping[str, Any]) -> str:
    rows = "".join(
        f"<tr><th>{_e(k)}</th><td><code>{_e(json.dumps(v, ensure_ascii=False))}</code></td></tr>"
        for k, v in values.items()
        if v is not None
    )
    return f"<table>{rows}</table>" if rows else ""
