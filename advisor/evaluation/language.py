"""The language a reply is written in, as the evaluators judge it."""

from __future__ import annotations

import re

from advisor.domain.schemas import Lang

_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f]")
_LATIN = re.compile(r"[A-Za-z]")


def text_lang(text: str) -> Lang:
    """Return the language a reply is mostly written in."""
    # A Japanese character carries about as much as an English word, so a Japanese reply naming
    # "Microsoft 365" stays Japanese, and an English one quoting a Japanese title stays English.
    japanese = len(_JAPANESE.findall(text))
    latin = len(_LATIN.findall(text))
    return "ja" if japanese and japanese * 2 >= latin else "en"


def has_japanese(text: str) -> bool:
    """Tell whether a text has any Japanese characters."""
    return bool(_JAPANESE.search(text))
