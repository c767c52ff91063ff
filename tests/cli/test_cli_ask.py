"""`advisor index` and `advisor ask`: what a user sees, exactly where it is fixed."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.cli_helpers import run_cli


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, data_dir: Path):  # type: ignore[no-untyped-def]
    from advisor.config import get_settings

    get_settings.cache_clear()
    yield lambda args, stdin="": run_cli(args, stdin, capsys, monkeypatch)
    get_settings.cache_clear()


@pytest.fixture
def shared_index_dir(data_dir: Path, guidance_index: Any, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the command line at the session's index: `ask` only reads it, so none is built."""
    path: Path = guidance_index.settings.data_dir
    monkeypatch.setenv("ADVISOR_DATA_DIR", str(path))
    return path


@pytest.mark.slow
def test_index_builds_then_reports_up_to_date(cli) -> None:  # type: ignore[no-untyped-def]
    first = cli(["index"])
    assert (first.code, first.err) == (0, "")
    assert re.fullmatch(
        r"Indexed 46 sections \(23 en, 23 ja\) with lexical embeddings in \d+\.\d\d s\n", first.out
    )
    second = cli(["index"])
    assert re.fullmatch(
        r"Index is up to date: 46 sections \(23 en, 23 ja\) with lexical embeddings "
        r"\(checked in \d+\.\d\d s\)\n",
        second.out,
    )
    assert cli(["index", "--rebuild"]).out.startswith("Indexed 46 sections")


@pytest.mark.usefixtures("shared_index_dir")
def test_ask_prints_the_answer_then_numbered_sources(cli) -> None:  # type: ignore[no-untyped-def]
    run = cli(["ask", "Is it mandatory to move to an EA once we grow past the CSP thresholds?"])
    assert (run.code, run.err) == (0, "")
    body, sources = run.out.split("\n\nSources:\n")
    assert "Moving a customer between purchasing motions is not mandatory. [1]" in body
    assert body.endswith("\n\nAs of the 2022-05-23 update of the guidance.")
    assert sources.splitlines()[0] == (
        "[1] Partner economics thresholds, 2,400 seats and USD 1 million of Azure — Microsoft "
        "purchasing motions for customers and partners, a reference guide (2022-05-23)"
    )


@pytest.mark.usefixtures("shared_index_dir")
def test_ask_in_japanese_uses_japanese_sources(cli) -> None:  # type: ignore[no-untyped-def]
    run = cli(["ask", "--lang", "ja", "規模が大きくなったら EA への切り替えは必須ですか？"])
    assert run.code == 0
    assert "必須ではありません" in run.out
    assert "\n\n2022-05-23 更新時点のガイダンスです。\n\n出典:\n[1] " in run.out


@pytest.mark.usefixtures("shared_index_dir")
def test_ask_json_prints_one_answer_line(cli) -> None:  # type: ignore[no-untyped-def]
    run = cli(["ask", "--json", "What is CSP?"])
    assert run.code == 0 and run.out.count("\n") == 1
    answer = json.loads(run.out)
    assert set(answer) >= {"answer", "citations", "lang"}
    assert (answer["lang"], answer["answered"], answer["as_of"]) == ("en", True, "2022-05-23")
    assert set(answer["citations"][0]) == {"id", "title", "section", "source", "published", "lang"}


@pytest.mark.usefixtures("shared_index_dir")
def test_an_unanswerable_question_is_refused_plainly(cli) -> None:  # type: ignore[no-untyped-def]
    run = cli(["ask", "--json", "What's the weather going to be in Seattle tomorrow?"])
    answer = json.loads(run.out)
    assert (run.code, answer["answered"], answer["citations"]) == (0, False, [])
    assert answer["answer"].startswith("The guidance does not say, so I won't guess.")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ask", ""], "Error: question: must not be empty\n"),
        (["ask"], "Error: question: must not be empty\n"),
        (
            ["ask", "x" * 100_000],
            "Error: question: must be at most 4,000 characters (got 100,000)\n",
        ),
    ],
)
def test_bad_questions_exit_2_with_one_line(cli, args: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    run = cli(args)
    assert (run.code, run.out, run.err) == (2, "", message)
