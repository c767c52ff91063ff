"""The HTML report: one self-contained page, and the files a run writes.

The page reads the plain data of a run (what `result.json` holds), so it can be rendered again
from a saved result. It needs nothing from the network: its CSS and SVG charts are inline and it
has no scripts.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from html import escape
from pathlib import Path
from typing import Any

from advisor.errors import UserError
from advisor.evaluation import SUITES
from advisor.evaluation.cases import ASK_SETS, is_blind
from advisor.evaluation.report.charts import charts_html
from advisor.evaluation.report.metrics import (
    BLIND_METRICS,
    METRICS,
    blind_value,
    format_value,
    gate_verdict,
    scoped,
    threshold_text,
)

BLIND_SUITES = tuple(suite for suite in SUITES if is_blind(suite))  # in the order a run reports


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
    return escape(str(value), quote=True)


def render_html(run: Mapping[str, Any]) -> str:
    """Render a run as one self-contained HTML page."""
    verdict = "pass" if run["passed"] else "fail"
    gated = any(g["gated"] and not g["skipped"] for g in run["gates"])
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
        charts_html(run),
        _metrics_html(run),
        _notes_html(run),
        _failures_html(run),
        _blind_html(run),
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
        verdict = gate_verdict(gate)
        css = "ok" if verdict == "ok" else ("bad" if verdict == "FAILED" else "warn")
        label = METRICS.get(name, (name, "", ""))[0]
        rows.append(
            f"<tr><td>{_e(label)} <code>{_e(name)}</code></td>"
            f'<td class="num">{_e(format_value(name, gate["value"]))}</td>'
            f'<td class="num">{_e(threshold_text(gate))}</td>'
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
    if not rows:
        return ""  # only the blind sets ran: their figures have their own section
    return (
        "<h2>Metrics</h2><table><tr><th>metric</th><th>value</th><th>what it measures</th></tr>"
        f"{''.join(rows)}</table>"
    )


def _notes_html(run: Mapping[str, Any]) -> str:
    if not run["notes"]:
        return ""
    items = "".join(f"<li>{_e(n)}</li>" for n in run["notes"])
    return f'<h2>Notes</h2><ul class="notes">{items}</ul>'


def _failures_html(run: Mapping[str, Any]) -> str:
    if all(suite in BLIND_SUITES for suite in run["suites"]):
        return ""
    sections = ["<h2>Failures</h2>"]
    any_shown = False
    for suite, data in run["suites"].items():
        if suite in BLIND_SUITES:
            continue  # shown with the blind sets' own figures
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


def _blind_html(run: Mapping[str, Any]) -> str:
    """Show the blind sets' figures and failing cases in a section of their own."""
    metrics = run["metrics"]
    scopes = ("en", "ja", "all")
    rows = []
    for base, (label, description, _, _, kept) in BLIND_METRICS.items():
        if not any(scoped(base, scope) in metrics for scope in kept):
            continue
        cells = "".join(
            f'<td class="num">{_e(blind_value(metrics, base, scope))}</td>'
            if scope in kept and scoped(base, scope) in metrics
            else '<td class="num"></td>'
            for scope in scopes
        )
        rows.append(
            f"<tr><td>{_e(label)}<br><code>{_e(base)}</code></td>{cells}"
            f'<td class="desc">{_e(description)}</td></tr>'
        )
    suites = [(s, run["suites"][s]) for s in BLIND_SUITES if s in run["suites"]]
    if not rows and not suites:
        return ""
    parts = [
        "<h2>Blind sets (not gated)</h2>",
        "<p>Written blind, from the policy, the questions and the guidance only; never tuned "
        "on and never gated by a threshold.</p>",
        "<table><tr><th>metric</th><th>en</th><th>ja</th><th>all</th>"
        f"<th>what it measures</th></tr>{''.join(rows)}</table>",
    ]
    for suite, data in suites:
        if suite == "blind-reader":
            parts.append(_confusion_html(metrics))
            continue  # the test split: its figures, not its utterances, so nobody tunes to them
        failing = [r for r in data["results"] if r["status"] in ("fail", "error")]
        parts.append(f"<h3>{_e(suite)}: {len(failing)} failing of {len(data['results'])}</h3>")
        parts.extend(_case_html(r, suite, open_=False) for r in failing)
    return "".join(parts)


def _confusion_html(metrics: Mapping[str, Any]) -> str:
    """Show, per language, how the reader read each labelled act of the test split."""
    parts = []
    for lang in ("en", "ja"):
        table = metrics.get(f"blind_reader_confusion_{lang}")
        if not table:
            continue
        acts = list(table)
        columns = sorted(
            {a for row in table.values() for a in row}, key=lambda a: (a not in acts, a)
        )
        head = "".join(f"<th>{_e(a)}</th>" for a in columns)
        rows = "".join(
            f"<tr><td>{_e(act)}</td>"
            + "".join(f'<td class="num">{row.get(a, "")}</td>' for a in columns)
            + "</tr>"
            for act, row in table.items()
        )
        parts.append(
            f"<h3>blind-reader ({lang}): labelled act (rows) against the act read (columns)</h3>"
            f"<table><tr><th>labelled</th>{head}</tr>{rows}</table>"
        )
    return "".join(parts)


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
    if suite in ("blind-chat", "heldout-chat", "dev-chat"):
        return _transcript_html(
            (t["message"], t["reply"], t["question"], t["lang"], t["latency_ms"])
            for t in data.get("transcript", [])
        ) + _kv({k: data.get(k) for k in ("expected_profile", "profile", "budget", "unscripted")})
    if suite in ASK_SETS:
        return _transcript_html(
            [
                (
                    data.get("question", ""),
                    data.get("answer", ""),
                    None,
                    data.get("answer_lang"),
                    None,
                )
            ]
        ) + _kv(
            {
                k: data.get(k)
                for k in ("expected_sections", "cited", "missing_facts", "refusal", "refuse_reason")
            }
        )
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
