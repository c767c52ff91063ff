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
    args: list[str],
    stdin: str | bytes,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Run:
    """Run the command line in-process; bytes on stdin arrive as a pipe would give them."""
    monkeypatch.setattr(sys, "argv", ["advisor", *args])
    if isinstance(stdin, bytes):
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"))
    else:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    get_settings.cache_clear()
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return Run(code, captured.out, captured.err)
