"""Where the shipped data (knowledge, prompts, eval cases) lives, installed or in a checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_path(name: str) -> Path:
    """Return the directory of shipped data `name` (e.g. "knowledge", "prompts", "evals/cases").

    A wheel carries the data inside the package under `_data/`; a source checkout has it at the
    top level beside the package.
    """
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"shipped data '{name}' is missing from the installation")
