"""The report's charts: inline SVG of motions, questions, recall and latency."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

LABELS = ("breadth", "enterprise", "self_service", "undecided", "error")


def _results(run: Mapping[str, Any], suite: str) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = run["suites"].get(suite, {}).get("results", [])
    return results


def charts_html(run: Mapping[str, Any]) -> str:
    """Return the report's charts section, or nothing when the run has no data to draw."""
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
    return f"<figure><figcaption>{escape(title)}</figcaption>{svg}<p>{escape(caption)}</p></figure>"


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
            f'<text x="{x}" y="{top - 10}" font-size="11" text-anchor="middle">'
            f"{escape(_short(label))}</text>"
        )
    for i, expected in enumerate(labels):
        y = top + cell * i
        out.append(
            f'<text x="{left - 8}" y="{y + cell / 2 + 4}" font-size="11" text-anchor="end">'
            f"{escape(_short(expected))}</text>"
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
                f'fill="{fill}"><title>{escape(expected)} → {escape(got)}: {n}</title></rect>'
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
