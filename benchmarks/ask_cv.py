"""Cross-validate the learned question model on the development questions.

The model (advisor/guidance/learned.py) trains on the development questions, so the dev-ask
suite's own figures are training figures. This prints what it does on questions it has not
seen: each set of evals/blind/ask-dev.yaml (dq, dr, cq, d2 … d50; d17 and d18 in English only) is held out in turn, the model
is trained on everything else, and that set is answered offline and scored as the suite scores
it. It also prints the same with no learned model (the rules and the lexical retrieval alone).

    PYTHONPATH=. python benchmarks/ask_cv.py [--show]
"""

from __future__ import annotations

import collections
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from advisor.config import Settings
from advisor.evaluation.suites.blind_ask import evaluate_blind_answer
from advisor.guidance import learned
from advisor.guidance.answering import answer_question
from advisor.guidance.index import GuidanceIndex
from advisor.guidance.knowledge import load_knowledge
from advisor.resources import data_path

SHOW = "--show" in sys.argv  # print each question missed


def _set_of(case: dict[str, Any]) -> str:
    return str(case["id"]).split("-")[0]


def _score(
    cases: list[dict[str, Any]], index: GuidanceIndex, settings: Settings, tally: dict[Any, Any]
) -> None:
    for case in cases:
        answer = answer_question(case["question"], index=index, settings=settings)
        checks = evaluate_blind_answer(case, answer)
        if SHOW and not all(c.passed for c in checks):
            print(
                f"      miss {case['id']} ({case.get('refuse_reason') or case['kind']}): {case['question']}"
            )
        for key in (case["lang"], (case["lang"], _set_of(case))):
            if case["answerable"]:
                tally[key, "answerable"][0] += all(c.passed for c in checks)
                tally[key, "answerable"][1] += 1
                tally[key, "in scope refused"][0] += not answer.answered
            else:
                tally[key, "refused"][0] += checks[0].passed
                tally[key, "refused"][1] += 1


def _line(tally: dict[Any, Any], key: Any) -> str:
    ok, n = tally[key, "answerable"]
    ref, total = tally[key, "refused"]
    wrong = tally[key, "in scope refused"][0]
    return (
        f"key facts and citation {ok / max(n, 1):.1%} ({ok}/{n}), "
        f"refused {ref / max(total, 1):.1%} ({ref}/{total}), in scope refused {wrong}"
    )


def main() -> None:
    kb = load_knowledge()
    dev = yaml.safe_load((data_path("evals") / "blind" / "ask-dev.yaml").read_text("utf-8"))
    cases = dev["questions"]
    everything = learned.asked_questions(kb)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp))
        index = GuidanceIndex.open(settings, kb)
        for label in ("rules and lexical retrieval alone", "with the learned question model"):
            tally: dict[Any, list[int]] = collections.defaultdict(lambda: [0, 0])
            start = time.perf_counter()
            for held in sorted({_set_of(c) for c in cases}):
                mine = [c for c in cases if _set_of(c) == held]
                seen = {(c["lang"], c["question"]) for c in mine}
                if label.startswith("with"):
                    kept = [q for q in everything if (q.lang, q.text) not in seen]
                else:
                    kept = []
                learned._models[kb.content_hash] = learned.QuestionModel(kept, kb)
                _score(mine, index, settings, tally)
            print(f"{label} ({time.perf_counter() - start:.0f} s):")
            for lang in ("en", "ja"):
                print(f"  {lang}: {_line(tally, lang)}")
                for held in sorted({_set_of(c) for c in cases}):
                    print(f"    {held}: {_line(tally, (lang, held))}")
        learned._models.clear()


if __name__ == "__main__":
    main()
