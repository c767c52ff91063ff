"""Prompts, questions and reply phrases: data files in `prompts/`, loaded by one loader."""

from __future__ import annotations

import string
from functools import cache
from typing import Any

import yaml

from advisor.domain.schemas import Lang, Question, QuestionOption, Slot
from advisor.errors import ConfigError
from advisor.resources import data_path


def placeholders(template: str) -> set[str]:
    """Return the named placeholders of a format string."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@cache
def template(name: str, lang: Lang) -> str:
    """Return the text of `prompts/<name>.<lang>.md`."""
    path = data_path("prompts") / f"{name}.{lang}.md"
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"prompt {path.name} is missing") from None


def render(name: str, lang: Lang, **values: str) -> str:
    """Fill a prompt template, insisting on exactly its placeholders."""
    text = template(name, lang)
    expected = placeholders(text)
    if expected != set(values):
        raise ConfigError(f"prompt {name}.{lang}: needs {sorted(expected)}, got {sorted(values)}")
    return text.format(**values)


@cache
def _yaml(name: str, lang: Lang) -> dict[str, Any]:
    path = data_path("prompts") / f"{name}.{lang}.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, yaml.YAMLError) as exc:
        raise ConfigError(f"prompts {path.name} cannot be read: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"prompts {path.name} must be a mapping")
    return data


def phrase(key: str, lang: Lang, **values: object) -> str:
    """Return one reply phrase with its placeholders filled."""
    text = _yaml("replies", lang)[key]
    return str(text).format(**values)


def question(slot: Slot | str, lang: Lang) -> Question:
    """Return the structured question for a slot."""
    spec = _yaml("questions", lang)[str(slot)]
    return Question(
        slot=str(slot),
        text=spec["text"],
        help=spec.get("help"),
        options=[QuestionOption(value=o["value"], label=o["label"]) for o in spec["options"]],
    )


def inferred_seats_note(n: int, lang: Lang) -> str:
    """Return the sentence confirming a head count taken as seats."""
    return str(_yaml("questions", lang)["seats_inferred_note"]).format(n=f"{n:,}")
