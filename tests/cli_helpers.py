"""Run the command line in-process, as a user would see it."""

from __future__ import annotations

import io
import sys
from dataclasses import dataclass

import pytest

from advisor.cli import main
from advisor.config import get_settings


@dataclass
class Run:
    code: int
    out: str
    err: str


def run_cli(
    args: list[str], stdin: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Run:
    monkeypatch.setattr(sys, "argv", ["advisor", *args])
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    get_settings.cache_clear()
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return Run(code, captured.out, captured.err)
