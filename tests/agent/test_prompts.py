"""Prompts and question catalogue: placeholders, both languages, and labels the advisor understands."""

from __future__ import annotations

import pytest
import yaml

from advisor.domain.questions import question
from advisor.domain.schemas import Slot
from advisor.nlu import understand
from advisor.prompts import placeholders, render, template
from advisor.resources import data_path


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_system_prompt_placeholders(lang: str) -> None:
    assert placeholders(template("system", lang)) == {"language", "next_question", "profile"}  # type: ignore[arg-type]
    text = render("system", lang, language="English", next_question="Q?", profile="{}")  # type: ignore[arg-type]
    assert "Q?" in text and "{" not in text.replace("{}", "")


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_ask_prompt_placeholders(lang: str) -> None:
    assert placeholders(template("ask", lang)) >= {"sections"}  # type: ignore[arg-type]


@pytest.mark.parametrize("lang", ["en", "ja"])
@pytest.mark.parametrize("slot", list(Slot))
def test_every_option_label_is_understood_as_its_value(lang: str, slot: Slot) -> None:
    q = question(slot, lang)  # type: ignore[arg-type]
    assert q.slot == slot.value and q.text and q.help and q.options
    for option in q.options:
        understood = understand(option.label, expecting=slot.value)
        value = understood.facts().get(slot.value)
        assert value == option.value, f"{option.label!r} -> {value!r}, expected {option.value!r}"


def test_questions_have_the_same_options_in_both_languages() -> None:
    for slot in Slot:
        en, ja = question(slot, "en"), question(slot, "ja")
        assert [o.value for o in en.options] == [o.value for o in ja.options]


def test_teams_texts_have_the_same_keys_and_placeholders_in_both_languages() -> None:
    en, ja = (
        yaml.safe_load((data_path("prompts") / f"teams.{lang}.yaml").read_text(encoding="utf-8"))
        for lang in ("en", "ja")
    )
    assert en and set(en) == set(ja)
    for key in en:
        assert placeholders(en[key]) == placeholders(ja[key]), key


def _flat(value: object, prefix: str = "") -> dict[str, str]:
    """Flatten a YAML table to dotted keys and their texts."""
    if isinstance(value, dict):
        out: dict[str, str] = {}
        for key, item in value.items():
            out.update(_flat(item, f"{prefix}{key}."))
        return out
    if isinstance(value, list):
        out = {}
        for i, item in enumerate(value):
            out.update(_flat(item, f"{prefix}{i}."))
        return out
    return {prefix.rstrip("."): str(value)}


@pytest.mark.parametrize(
    "name", sorted({p.name.split(".")[0] for p in data_path("prompts").glob("*.yaml")})
)
def test_every_text_table_has_the_same_keys_and_placeholders_in_both_languages(name: str) -> None:
    en, ja = (
        _flat(
            yaml.safe_load(
                (data_path("prompts") / f"{name}.{lang}.yaml").read_text(encoding="utf-8")
            )
        )
        for lang in ("en", "ja")
    )
    assert en and set(en) == set(ja)
    for key in en:
        assert placeholders(en[key]) == placeholders(ja[key]), key
