"""Prompts and question catalogue: placeholders, both languages, and labels the advisor understands."""

from __future__ import annotations

import pytest

from advisor.domain.schemas import Slot
from advisor.nlu.understanding import understand
from advisor.prompts import placeholders, question, render, template


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
