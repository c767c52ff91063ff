"""Case files: the shipped evals folder, reading YAML, schema checks, and loading a suite.

Cases live in `evals/cases/<suite>.yaml` and are checked against `evals/schema/<suite>.json`
when loaded. The blind sets live in `evals/blind/`, written by authors who never saw the code:
they are read from there whatever `--cases` says, and never tuned on.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from advisor.errors import ConfigError, UserError
from advisor.evaluation import SUITES
from advisor.evaluation.suites.chat import policy_path
from advisor.nlu.corpus import in_test_split, load_utterances
from advisor.resources import data_path

# suite -> its file(s) in evals/blind, and the top-level key that holds its cases
BLIND_FILES: dict[str, tuple[str, str]] = {
    "blind-chat": ("conversations.yaml", "cases"),
    "heldout-chat": ("heldout/conversations.yaml", "cases"),
    "dev-chat": ("dev2/conversations.yaml", "cases"),
    "blind-ask": ("questions.yaml", "questions"),
    "heldout-ask": ("heldout/questions.yaml", "questions"),
    "dev-ask": ("ask-dev.yaml", "questions"),
    "blind-reader": ("utterances.*.yaml", "items"),
}
# the suites of guidance questions written blind
ASK_SETS = ("blind-ask", "heldout-ask", "dev-ask")
# suites whose files share another suite's schema
_SCHEMA_OF = {
    "heldout-chat": "blind-chat",
    "dev-chat": "blind-chat",
    "heldout-ask": "blind-ask",
    "dev-ask": "blind-ask",
}
# real conversations made into cases from the support console: regression*.yaml, each file as
# the console gave it, or several cases in one
REGRESSION = "regression"


@dataclass(frozen=True)
class CaseFile:
    """The validated cases of one suite, and the file's other top-level entries."""

    suite: str
    path: Path
    cases: list[dict[str, Any]]
    extra: dict[str, Any] = field(default_factory=dict)


def evals_dir() -> Path:
    """Return the shipped evals folder (cases, schemas, thresholds)."""
    return data_path("evals")


def read_yaml(path: Path) -> Any:
    """Parse a YAML file, raising a UserError that says where it broke."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: cannot read it ({exc})") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "parse error"
        raise UserError(f"{path}: not valid YAML{where}: {problem}") from None


@cache
def _schema(name: str) -> dict[str, Any]:
    path = evals_dir() / "schema" / f"{name}.json"
    try:
        schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigError(f"the evals schema {path} cannot be read ({exc})") from None
    return schema


def validate(data: Any, schema_name: str, path: Path) -> None:
    """Check data against a schema in evals/schema, raising a UserError naming the spot."""
    error = best_match(Draft202012Validator(_schema(schema_name)).iter_errors(data))
    if error is not None:
        raise UserError(f"{path}: {_where(data, list(error.absolute_path))}: {error.message}")


def _where(data: Any, path: Sequence[str | int]) -> str:
    """Write a document path as `cases[3] (id chat-004).profile.seats`."""
    if not path:
        return "top level"
    parts: list[str] = []
    node = data
    for key in path:
        if isinstance(key, int):
            parts.append(f"[{key}]")
            node = node[key] if isinstance(node, list) and key < len(node) else None
            if isinstance(node, dict) and isinstance(node.get("id"), str):
                parts.append(f" ({node['id']})")
        else:
            parts.append(f".{key}" if parts else key)
            node = node.get(key) if isinstance(node, dict) else None
    return "".join(parts)


def is_blind(suite: str) -> bool:
    """Tell whether a suite scores a blind set (reported apart, never gated nor tuned on)."""
    return suite in BLIND_FILES


def case_path(suite: str, cases_dir: Path | None = None) -> Path:
    """Return a suite's case file: in `cases_dir` or evals/cases, or evals/blind for a blind set."""
    if is_blind(suite):
        return evals_dir() / "blind" / BLIND_FILES[suite][0]
    return (cases_dir or evals_dir() / "cases") / f"{suite}.yaml"


def load_suite(suite: str, cases_dir: Path | None = None) -> CaseFile:
    """Load and validate one suite's case file, raising a UserError on the first problem."""
    if suite not in SUITES:
        raise UserError(f"--suite: must be one of {', '.join(SUITES)}, or all (got {suite})")
    path = case_path(suite, cases_dir)
    if suite == "blind-reader":
        return _load_utterances(path)
    if suite == REGRESSION:
        return _load_regression(path)
    data = read_yaml(path)
    validate(data, _SCHEMA_OF.get(suite, suite), path)
    key = BLIND_FILES[suite][1] if is_blind(suite) else "cases"
    cases: list[dict[str, Any]] = data if isinstance(data, list) else data[key]
    extra = {} if isinstance(data, list) else {k: v for k, v in data.items() if k != key}
    seen: set[str] = set()
    for i, case in enumerate(cases):
        if case["id"] in seen:
            raise UserError(f"{path}: {key}[{i}]: duplicate id {case['id']}")
        seen.add(case["id"])
        if suite == "chat":
            try:
                policy_path(case)
            except ValueError as exc:
                raise UserError(f"{path}: cases[{i}] ({case['id']}): {exc}") from None
        if suite in ASK_SETS:
            unknown = [s for s in case.get("expected_sections", []) if s not in extra["sections"]]
            if unknown:
                raise UserError(
                    f"{path}: {key}[{i}] ({case['id']}): expected_sections: {', '.join(unknown)} "
                    "is not among the file's sections"
                )
    return CaseFile(suite, path, cases, extra)


def _load_regression(path: Path) -> CaseFile:
    """Load every regression*.yaml beside `path`; none at all is an empty suite."""
    cases: list[dict[str, Any]] = []
    seen: dict[str, Path] = {}
    for file in sorted(path.parent.glob(f"{REGRESSION}*.yaml")):
        data = read_yaml(file)
        validate(data, REGRESSION, file)
        for i, case in enumerate(data["cases"]):
            if case["id"] in seen:
                raise UserError(
                    f"{file}: cases[{i}]: duplicate id {case['id']} (also in {seen[case['id']]})"
                )
            seen[case["id"]] = file
            cases.append(case)
    return CaseFile(REGRESSION, path, cases)


def _load_utterances(pattern: Path) -> CaseFile:
    """Load the blind-written utterances the reader is tested on: the test split, the second set."""
    paths = sorted(pattern.parent.glob(pattern.name))
    if not paths:
        raise UserError(f"{pattern}: no such files")
    # the second test set beside them, every item of it (`utterances-heldout.*.yaml`)
    paths += sorted(pattern.parent.glob(pattern.name.replace(".*", "-heldout.*", 1)))
    try:
        items = load_utterances(paths)
    except (ValueError, yaml.YAMLError) as exc:
        raise UserError(f"{pattern}: {exc}") from None
    tests = [item.model_dump(mode="json") for item in items if in_test_split(item)]
    return CaseFile("blind-reader", pattern, tests)
