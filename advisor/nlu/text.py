"""Normalising a message, and the pattern and span helpers every reader shares."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from decimal import Decimal
from functools import lru_cache

# Only the head of a message is read, so a pasted 100 KB document stays fast.
MAX_CHARS = 10_000


# --------------------------------------------------------------------------- patterns and spans


def rx(*alternatives: str) -> re.Pattern[str]:
    """Compile alternatives into one pattern in ASCII mode, so word boundaries ignore kana."""
    return re.compile("|".join(alternatives), re.ASCII)


Span = tuple[int, int]

W0 = r"(?<![a-z])"  # start of an English word, even right after Japanese text
W1 = r"(?![a-z])"  # end of an English word


def merge(spans: list[Span]) -> list[Span]:
    """Return the spans sorted, with overlapping ones joined."""
    merged: list[Span] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def blank(text: str, spans: list[Span]) -> str:
    """Replace the spans with spaces, keeping every other position in place."""
    if not spans:
        return text
    pieces: list[str] = []
    last = 0
    for a, b in merge(spans):
        pieces.append(text[last:a])
        pieces.append(re.sub(r"[^\n]", " ", text[a:b]))
        last = b
    pieces.append(text[last:])
    return "".join(pieces)


def inside(pos: int, spans: list[Span]) -> bool:
    """Tell whether the position falls inside one of the spans."""
    return any(a <= pos < b for a, b in spans)


SENTENCE_END = re.compile(r"[!?。！？\n]+|\.(?=\s|$)")


def sentences(text: str) -> Iterator[Span]:
    """Yield (start, end) of each sentence, the terminator included."""
    start = 0
    for m in SENTENCE_END.finditer(text):
        yield start, m.end()
        start = m.end()
    if start < len(text):
        yield start, len(text)


# --------------------------------------------------------------------------- normalising

_PUNCT = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u301c": "~",
        "\u3000": " ",
    }
)


# Cyrillic and Greek letters that look Latin ("Ignоre" with a Cyrillic о) read as Latin, so
# an instruction cannot hide behind them; neither language is one the advisor speaks
_LOOKALIKE = str.maketrans(
    "аеорсухіјѕԁӏАЕОРСУХІЈЅКМНТВοαρνκτιΑΒΕΖΗΙΚΜΝΟΡΤΥΧ",
    "aeopcyxijsdlAEOPCYXIJSKMHTBoapvktiABEZHIKMNOPTYX",
)
_JA_CHAR = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3005"
_JA_SPACING = re.compile(
    rf"(?<=[{_JA_CHAR}])[ \t]+(?=[{_JA_CHAR}a-z0-9$¥])|(?<=[a-z0-9.,$%])[ \t]+(?=[{_JA_CHAR}])"
)


@lru_cache(maxsize=256)  # a message is normalised by the rules and by the learned reader
def normalise(text: str) -> str:
    """Return the message as one clean, lower-case, NFKC string of bounded length."""
    text = text[:MAX_CHARS]
    # Lone surrogates cannot be encoded; "replace" turns them into "?" instead of raising.
    text = text.encode("utf-8", "replace").decode("utf-8")
    text = unicodedata.normalize("NFKC", text)[:MAX_CHARS].translate(_PUNCT).translate(_LOOKALIKE)
    text = "".join(
        ch if ch == "\n" or unicodedata.category(ch)[0] != "C" else " " for ch in text
    ).lower()
    # Spaces around Japanese words are typography ("Azure は 50 万ドル"), not word breaks.
    text = _JA_SPACING.sub("", text)
    text = re.sub(r"ゼロ(?![ァ-ヺー])", "0", text)
    text = _CONTRACTION.sub(lambda m: m.group(1) + "'" + m.group(2), text)
    text = _POWER.sub(_expand_power, text)
    return _word_numbers(text)


# "dont", "wont", "isnt": contractions typed without their apostrophe
_CONTRACTION = re.compile(
    r"(?<![a-z'])(don|doesn|didn|won|can|aren|isn|haven|hasn|wouldn|shouldn|couldn|wasn"
    r"|weren)(t)(?![a-z'])",
    re.ASCII,
)
_POWER = re.compile(r"(?<![\d.,])(\d{1,3})\s*(?:\^|\*\*)\s*(\d{1,2})(?!\d)")


def _expand_power(m: re.Match[str]) -> str:
    """Write "10^15" out in digits, so an absurd count is read as the number it is."""
    return str(int(m.group(1)) ** int(m.group(2)))


_SMALL_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
_SCALE_WORDS = {"thousand": 10**3, "million": 10**6, "billion": 10**9}
_NUMBER_VOCAB = (
    set(_SMALL_WORDS) | set(_SCALE_WORDS) | {"a", "an", "and", "half", "hundred", "dozen"}
)
_NUMERIC_WORDS = set(_SMALL_WORDS) | set(_SCALE_WORDS) | {"hundred", "dozen"}
_WORD = re.compile(r"[a-z]+", re.ASCII)
_WORD_GAP = re.compile(r"[ \t-]{1,3}", re.ASCII)
_COUNT_NOUN_AHEAD = re.compile(
    r"[\s-]*(?:seat|licen[cs]e|user|employee|person|people|staff|worker|tenant)", re.ASCII
)


def _words_value(words: list[str]) -> Decimal:
    total = Decimal(0)
    current = Decimal(0)
    half = False
    for w in words:
        if w == "and":
            continue
        if w in ("a", "an"):
            current = current or Decimal(1)
        elif w == "half":
            half = True
        elif w in _SMALL_WORDS:
            current += _SMALL_WORDS[w]
        elif w == "hundred":
            current = (current or Decimal(1)) * 100
        elif w == "dozen":
            current = (current or Decimal(1)) * 12
        elif w in _SCALE_WORDS:
            base = current or Decimal(1)
            total += base * _SCALE_WORDS[w] * (Decimal("0.5") if half else 1)
            current = Decimal(0)
            half = False
    return total + current


def _word_numbers(text: str) -> str:
    """Write English number words as digits: "twelve hundred users" -> "1200 users"."""
    tokens = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]
    out: list[str] = []
    last = 0
    i = 0
    while i < len(tokens):
        if tokens[i][2] not in _NUMBER_VOCAB:
            i += 1
            continue
        j = i
        while (
            j + 1 < len(tokens)
            and tokens[j + 1][2] in _NUMBER_VOCAB
            and _WORD_GAP.fullmatch(text[tokens[j][1] : tokens[j + 1][0]])
        ):
            j += 1
        run = tokens[i : j + 1]
        i = j + 1
        while run and (
            run[0][2] == "and"
            or (
                run[0][2] in ("a", "an", "half")
                and (len(run) < 2 or run[1][2] not in _NUMERIC_WORDS | {"a", "an"})
            )
        ):
            run = run[1:]
        while run and run[-1][2] in ("and", "a", "an", "half"):
            run = run[:-1]
        words = [w for _, _, w in run]
        if not any(w in _NUMERIC_WORDS for w in words):
            continue
        start, end = run[0][0], run[-1][1]
        if words[0] in ("hundred", "dozen", *_SCALE_WORDS) and re.search(r"\d\s*$", text[:start]):
            continue  # "3 thousand": the digit pattern reads that multiplier itself
        if words == ["one"] and not _COUNT_NOUN_AHEAD.match(text, end):
            continue  # "no one", "one of them", "one agreement"
        out.append(text[last:start])
        out.append(_decimal_text(_words_value(words)))
        last = end
    out.append(text[last:])
    return "".join(out)


def _decimal_text(value: Decimal) -> str:
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")
