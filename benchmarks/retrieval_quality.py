"""Measure guidance retrieval for every embedder this environment can build.

Prints recall@1 and recall@3 per language over the answerable cases of evals/cases/ask.yaml
(a hit when any expected section is in the top k), the key facts found in the offline answer,
refusal accuracy, and timings. Embedders that cannot be built here are listed with the reason.

    PYTHONPATH=. python benchmarks/retrieval_quality.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from advisor.config import Settings
from advisor.errors import AdvisorError
from advisor.guidance import index as retrieval
from advisor.guidance.answering import answer_question
from advisor.guidance.embeddings import VALID_EMBEDDINGS, make_embeddings
from advisor.guidance.index import GuidanceIndex
from advisor.guidance.knowledge import load_knowledge
from advisor.models.factory import answer_model
from advisor.resources import data_path

LANGS = ("en", "ja")


def load_cases() -> list[dict[str, Any]]:
    text = (data_path("evals/cases") / "ask.yaml").read_text(encoding="utf-8")
    cases: list[dict[str, Any]] = yaml.safe_load(text)
    return cases


def measure(
    index: GuidanceIndex, settings: Settings, cases: list[dict[str, Any]]
) -> dict[str, Any]:
    row: dict[str, Any] = {}
    search_times: list[float] = []
    for lang in LANGS:
        answerable = [c for c in cases if c["lang"] == lang and c.get("answerable", True)]
        r1 = r3 = 0
        for case in answerable:
            start = time.perf_counter()
            top = [h.section.id for h in index.search(case["question"], lang, k=3)]
            search_times.append(time.perf_counter() - start)
            r1 += bool(top) and top[0] in case["expected_sections"]
            r3 += any(s in top for s in case["expected_sections"])
        row[f"r1_{lang}"] = r1 / len(answerable)
        row[f"r3_{lang}"] = r3 / len(answerable)
    facts = refusals = 0.0
    ask_times: list[float] = []
    answerable_count = 0
    for case in cases:
        start = time.perf_counter()
        answer = answer_question(
            case["question"], index=index, settings=settings, chat_model=answer_model(settings)
        )
        ask_times.append(time.perf_counter() - start)
        expected = case.get("answerable", True)
        refusals += answer.answered == expected
        if expected:
            answerable_count += 1
            keys = case["key_facts"]
            facts += sum(k in answer.answer for k in keys) / len(keys)
    row["facts"] = facts / answerable_count
    row["refusal"] = refusals / len(cases)
    row["search_ms"] = 1000 * statistics.median(search_times)
    row["ask_ms"] = 1000 * statistics.median(ask_times)
    return row


def main() -> None:
    cases = load_cases()
    kb = load_knowledge()
    print(f"{len(cases)} cases, {len(kb.sections)} sections, knowledge {kb.content_hash}")
    header = (
        f"{'embedder':<28} {'r@1 en':>7} {'r@3 en':>7} {'r@1 ja':>7} {'r@3 ja':>7} "
        f"{'facts':>6} {'refuse':>7} {'build s':>8} {'search ms':>10} {'ask ms':>7}"
    )
    print(header)
    print("-" * len(header))
    skipped: list[str] = []
    # weight 1.0 ranks by Chroma's cosine alone, without the app-side best-sentence blend
    variants: list[tuple[str, str, float]] = []
    for name in VALID_EMBEDDINGS:
        variants += [(f"{name} (Chroma cosine only)", name, 1.0)]
        variants += [(name, name, retrieval.SECTION_WEIGHT)]
    default_weight = retrieval.SECTION_WEIGHT
    for label, name, weight in variants:
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(data_dir=Path(tmp), embeddings=name)
            try:
                embedder = make_embeddings(settings, kb)
            except AdvisorError as exc:
                if weight == 1.0:
                    skipped.append(f"{name}: {exc.message}")
                continue
            retrieval.SECTION_WEIGHT = weight
            try:
                start = time.perf_counter()
                index = GuidanceIndex.open(settings, kb, embedder=embedder)
                build = time.perf_counter() - start
                row = measure(index, settings, cases)
            finally:
                retrieval.SECTION_WEIGHT = default_weight
        print(
            f"{label:<28} {row['r1_en']:>7.3f} {row['r3_en']:>7.3f} {row['r1_ja']:>7.3f} "
            f"{row['r3_ja']:>7.3f} {row['facts']:>6.3f} {row['refusal']:>7.3f} {build:>8.2f} "
            f"{row['search_ms']:>10.1f} {row['ask_ms']:>7.1f}"
        )
    for line in skipped:
        print(f"skipped {line}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
