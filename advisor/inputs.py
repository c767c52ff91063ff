"""Customer input, checked the same way in every channel: text, language codes, words."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from advisor.domain.schemas import LANGS, Lang, Slot, parse_profile
from advisor.errors import UserError

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_WORDS = re.compile(r"[A-Za-z\u3040-\u30ff\u4e00-\u9fff]")
# Control and format characters (zero-width spaces and joiners, byte order marks, direction
# marks), separators, and the letters and marks that show nothing: Hangul fillers, the blank
# Braille pattern, the combining grapheme joiner and variation selectors.
_UNSEEN_CATEGORIES = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp"})
_UNSEEN = re.compile(
    "[\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u2800\u3164\ufe00-\ufe0f\uffa0"
    "\U000e0100-\U000e01ef]"
)


def is_blank(text: str) -> bool:
    """Tell whether text shows nothing: only spaces, control or invisible characters."""
    return all(
        ch.isspace() or unicodedata.category(ch) in _UNSEEN_CATEGORIES or _UNSEEN.match(ch)
        for ch in text
    )


def clean_text(value: object, *, field: str, limit: int) -> str:
    """Return customer text without control characters, or raise UserError naming `field`.

    The text must be a string of valid Unicode, not empty once cleaned (text made only of
    spaces, control or invisible characters counts as empty), and at most `limit` characters
    long.
    """
    if not isinstance(value, str):
        raise UserError(f"{field}: must be a string", field=field)
    if _SURROGATE.search(value):
        # "\ud800" in JSON, or bytes that were not UTF-8 on a terminal: no text to store.
        raise UserError(f"{field}: must be valid Unicode text (UTF-8)", field=field)
    text = _CONTROL.sub("", value).strip()
    if is_blank(text):
        raise UserError(f"{field}: must not be empty", field=field)
    if len(text) > limit:
        raise UserError(
            f"{field}: must be at most {limit:,} characters (got {len(text):,})", field=field
        )
    return text


def check_lang(lang: object) -> Lang | None:
    """Return an optional language code, or raise UserError listing the valid ones."""
    if lang is None:
        return None
    if lang not in LANGS:
        raise UserError(f"lang: must be one of {', '.join(LANGS)}", field="lang")
    return lang


def has_words(text: str) -> bool:
    """Tell whether text has letters or Japanese characters, so its language can be read."""
    return _WORDS.search(text) is not None


def check_answer(answer: object) -> dict[str, Any] | None:
    """Return a picked quick reply `{"slot", "value"}` whose value fits its slot, or raise."""
    if answer is None:
        return None
    if not isinstance(answer, dict) or set(answer) != {"slot", "value"}:
        raise UserError('answer: must be an object {"slot": ..., "value": ...}', field="answer")
    slot = answer["slot"]
    if not isinstance(slot, str) or slot not in {s.value for s in Slot}:
        allowed = ", ".join(s.value for s in Slot)
        raise UserError(f"answer.slot: must be one of {allowed}", field="answer.slot")
    try:
        parse_profile({slot: answer["value"]})
    except UserError as exc:
        raise UserError(f"answer.value: {exc.message}", field="answer.value") from None
    return {"slot": slot, "value": answer["value"]}
