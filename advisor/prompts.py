"""Every text the advisor shows or sends to a model, loaded from the data files in `prompts/`.

Markdown files (`<name>.<lang>.md`) are model prompts with named placeholders; YAML files
(`<name>.<lang>.yaml`) are tables of customer-facing texts, the same keys in each language.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from functools import cache
from typing import Any

import yaml

from advisor.errors import ConfigError
from advisor.resources import data_path


def placeholders(template: str) -> set[str]:
    """Return the named placeholders of a format string."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@cache
def template(name: str, lang: str) -> str:
    """Return the text of `prompts/<name>.<lang>.md`."""
    path = data_path("prompts") / f"{name}.{lang}.md"
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"prompt {path.name} is missing") from None


def render(name: str, lang: str, **values: str) -> str:
    """Fill a prompt template, insisting on exactly its placeholders."""
    text = template(name, lang)
    expected = placeholders(text)
    if expected != set(values):
        raise ConfigError(f"prompt {name}.{lang}: needs {sorted(expected)}, got {sorted(values)}")
    return text.format(**values)


@cache
def table(name: str, lang: str) -> Mapping[str, Any]:
    """Return the table of texts in `prompts/<name>.<lang>.yaml`."""
    path = data_path("prompts") / f"{name}.{lang}.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, yaml.YAMLError) as exc:
        raise ConfigError(f"prompts {path.name} cannot be read: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"prompts {path.name} must be a mapping")
    return data


def text(name: str, key: str, lang: str, **values: object) -> str:
    """Return one text of `prompts/<name>.<lang>.yaml` with its placeholders filled."""
    return str(table(name, lang)[key]).format(**values)


def phrase(key: str, lang: str, **values: object) -> str:
    """Return one phrase of the advisor's replies with its placeholders filled."""
    return text("replies", key, lang, **values)
