"""Telling English from Japanese."""

from __future__ import annotations

import re

from advisor.domain.schemas import Lang
from advisor.nlu.text import MAX_CHARS


def _is_kana(o: int) -> bool:
    return 0x3041 <= o <= 0x309F or 0x30A1 <= o <= 0x30FA or o == 0x30FC or 0xFF66 <= o <= 0xFF9D


def _is_kanji(o: int) -> bool:
    return 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF or o == 0x3005


def detect_lang(text: str, default: Lang = "en") -> Lang:
    """Return "ja" when the text is more than trivially Japanese, else "en".

    Text with no letters at all (empty, only digits or emoji) returns `default`, so a bare
    "2500" keeps the language of the conversation.
    """
    if not isinstance(text, str):
        return default
    kana = kanji = latin = 0
    for ch in text[:MAX_CHARS]:
        o = ord(ch)
        if _is_kana(o):
            kana += 1
        elif _is_kanji(o):
            kanji += 1
        elif ("a" <= ch <= "z") or ("A" <= ch <= "Z") or 0xFF21 <= o <= 0xFF5A:
            latin += 1
    japanese = kana + kanji
    if japanese == 0 and latin == 0:
        return default
    # One Japanese character carries about as much as a short English word, hence the 3.
    if (kana >= 1 or kanji >= 2) and japanese * 3 >= latin:
        return "ja"
    # an English term inside a Japanese sentence: "dual-use rightsってなに", "self-serviceでOK"
    return "ja" if _JAPANESE_PARTICLE_AFTER_LATIN.search(text[:MAX_CHARS]) else "en"


# a Japanese particle straight after an English word; English text that quotes Japanese puts a
# space first ("the word for thanks is ありがとう")
_JAPANESE_PARTICLE_AFTER_LATIN = re.compile(
    r"[A-Za-z0-9](?:って|とは|って何|では|には|じゃ|なら|から|まで|より|は|が|を|に|で|の|と|も)"
)
