"""Turn one customer message, in English or Japanese, into facts for the profile slots.

Deterministic: regular expressions and tables, no model, no I/O. The whole message is
normalised once (NFKC, lower case, number words to digits) and every rule reads that one
string, so positions agree between rules and "the latest statement wins" is a position
comparison.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Literal

from pydantic import BaseModel, ConfigDict

Lang = Literal["en", "ja"]
SpecialTerm = Literal[
    "dual_use_rights", "lead_status_skus", "multi_tenant", "multi_affiliate", "custom_concessions"
]
Motion = Literal["breadth", "enterprise", "self_service"]
Slot = Literal["special_terms", "self_service", "seats", "azure_annual_usd"]

SPECIAL_TERMS: tuple[SpecialTerm, ...] = (
    "dual_use_rights",
    "lead_status_skus",
    "multi_tenant",
    "multi_affiliate",
    "custom_concessions",
)
# Only the head of a message is read, so a pasted 100 KB document stays fast.
MAX_CHARS = 10_000


class Understanding(BaseModel):
    """Facts and signals understood from one customer message."""

    model_config = ConfigDict(frozen=True)

    seats: int | None = None
    seats_inferred: bool = False
    azure_annual_usd: float | None = None
    currency_unsupported: str | None = None
    special_terms: tuple[SpecialTerm, ...] | None = None
    self_service: bool | None = None
    preferred_motion: Motion | None = None
    asks_question: bool = False
    injection: bool = False

    def facts(self) -> dict[str, object]:
        """Return only the profile slots this message set, ready for the profile."""
        found: dict[str, object] = {}
        if self.seats is not None:
            found["seats"] = self.seats
        if self.azure_annual_usd is not None:
            found["azure_annual_usd"] = self.azure_annual_usd
        if self.special_terms is not None:
            found["special_terms"] = list(self.special_terms)
        if self.self_service is not None:
            found["self_service"] = self.self_service
        if self.preferred_motion is not None:
            found["preferred_motion"] = self.preferred_motion
        return found


# --------------------------------------------------------------------------- language


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
    return "en"


# --------------------------------------------------------------------------- helpers


def _rx(*alternatives: str) -> re.Pattern[str]:
    """Compile alternatives into one pattern in ASCII mode, so word boundaries ignore kana."""
    return re.compile("|".join(alternatives), re.ASCII)


_Span = tuple[int, int]

_W0 = r"(?<![a-z])"  # start of an English word, even right after Japanese text
_W1 = r"(?![a-z])"  # end of an English word


def _merge(spans: list[_Span]) -> list[_Span]:
    """Return the spans sorted, with overlapping ones joined."""
    merged: list[_Span] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def _blank(text: str, spans: list[_Span]) -> str:
    """Replace the spans with spaces, keeping every other position in place."""
    if not spans:
        return text
    pieces: list[str] = []
    last = 0
    for a, b in _merge(spans):
        pieces.append(text[last:a])
        pieces.append(re.sub(r"[^\n]", " ", text[a:b]))
        last = b
    pieces.append(text[last:])
    return "".join(pieces)


def _inside(pos: int, spans: list[_Span]) -> bool:
    return any(a <= pos < b for a, b in spans)


_SENTENCE_END = re.compile(r"[!?。！？\n]+|\.(?=\s|$)")


def _sentences(text: str) -> Iterator[_Span]:
    """Yield (start, end) of each sentence, the terminator included."""
    start = 0
    for m in _SENTENCE_END.finditer(text):
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


_JA_CHAR = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3005"
_JA_SPACING = re.compile(
    rf"(?<=[{_JA_CHAR}])[ \t]+(?=[{_JA_CHAR}a-z0-9$¥])|(?<=[a-z0-9.,$%])[ \t]+(?=[{_JA_CHAR}])"
)


def _normalise(text: str) -> str:
    """Return the message as one clean, lower-case, NFKC string of bounded length."""
    text = text[:MAX_CHARS]
    # Lone surrogates cannot be encoded; "replace" turns them into "?" instead of raising.
    text = text.encode("utf-8", "replace").decode("utf-8")
    text = unicodedata.normalize("NFKC", text)[:MAX_CHARS].translate(_PUNCT)
    text = "".join(
        ch if ch == "\n" or unicodedata.category(ch)[0] != "C" else " " for ch in text
    ).lower()
    # Spaces around Japanese words are typography ("Azure は 50 万ドル"), not word breaks.
    text = _JA_SPACING.sub("", text)
    text = re.sub(r"ゼロ(?![ァ-ヺー])", "0", text)
    text = _POWER.sub(_expand_power, text)
    return _word_numbers(text)


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


# Digits inside dates, times, phone and version numbers are not quantities.
_NOT_QUANTITY = _rx(
    r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}",
    r"(?<![\d.,])\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}(?!\d)",
    r"(?<![\d.,/])\d{1,2}/\d{1,2}(?![\d/])",
    r"(?<![\d.,])\d{1,2}:\d{2}(?::\d{2})?",
    r"(?<!\d)\d+\s*(?:年|か月|ヶ月|カ月|ヵ月|ケ月|箇月|月|日|時|分|秒|週)",
    r"\+\d{1,3}[\s-]?(?:\(\d{1,4}\)[\s-]?)?\d{1,4}(?:[\s-]\d{2,4}){1,3}",
    r"\(\d{2,4}\)\s?\d{2,4}-\d{3,4}",
    r"(?<![\d,.])\d{2,4}-\d{2,4}-\d{3,4}(?!\d)",
    r"(?<![\d,.])0\d{9,10}(?!\d)",
    r"(?:tel|phone|fax|mobile|電話|携帯)[^\d\n]{0,12}[\d\s()+-]{6,20}",
    r"(?:microsoft|office|dynamics)\s*365",
    r"windows\s*(?:7|8\.1|8|10|11)(?!\d)",
    r"(?:server|sql|exchange|sharepoint|office|visio|project|skype)\s*(?:19|20)\d\d(?!\d)",
    _W0 + r"(?:version|ver\.?|v)\s*\d+(?:\.\d+)*",
    r"(?<![\d.])\d+\.\d+\.\d+(?:\.\d+)*(?![\d])",
)
_EURO_THOUSANDS = re.compile(r"\d{1,3}(?:\.\d{3}){2,}", re.ASCII)


def _quantity_text(text: str) -> str:
    """Return the text with the digits of dates, phones and versions blanked out."""
    chars = list(text)
    for m in _NOT_QUANTITY.finditer(text):
        if _EURO_THOUSANDS.fullmatch(m.group()):
            continue
        for i in range(m.start(), m.end()):
            if chars[i].isdigit() or chars[i] in ".,:/+()-":
                chars[i] = " "
    return "".join(chars)


# --------------------------------------------------------------------------- negation

_EN_CLAUSE = _rx(
    r"[;:.!?。！？\n]",
    r",\s*(?:and\s+|but\s+|so\s+)?(?:we|i|our|they|it|there|you|also|plus|a|an|the|my"
    r"|your|their)" + _W1,
    _W0 + r"(?:but|however|although|though|whereas|while|except|yet)" + _W1,
    _W0 + r"and\s+(?:we|i|our|they|there|it)" + _W1,
    # "no special terms and want help": a new verb after "and" starts a new clause
    _W0 + r"and\s+(?:also\s+)?(?:need|want|have|has|use|run|require|would|will|are|is|plan"
    r"|prefer|like|know|buy|manage|do|does|get|expect|operate|should)" + _W1,
)
_EN_NEGATOR = _rx(
    _W0 + r"no" + _W1 + r"(?!\s*[,.!;:])",
    _W0
    + r"(?:not|never|without|nor|neither|none|nothing|cannot|lack|rather than|instead of)"
    + _W1,
    r"n't" + _W1,
    _W0 + r"(?:dont|doesnt|didnt|cant|wont|isnt|arent|havent|hasnt|wouldnt|shouldnt)" + _W1,
)
_EN_UNNEGATE = _rx(_W0 + r"(?:except|other than|apart from|besides|only|just|but)" + _W1)
_EN_NEGATED_AFTER = _rx(
    r"\s*(?:[:=-]\s*)?(?:"
    r"(?:is|are|was|were|will be|would be)\s*(?:not|n't)"
    r"|(?:isn't|aren't|not)\s+(?:needed|required|necessary|relevant|applicable|an issue)"
    r"|(?:none|no|nope|n/a)" + _W1 + ")"
)
_JA_CLAUSE = _rx(
    r"[。！？!?\n]",
    r"(?<=[ぁ-ゖ])[、,]",
    r"ですが",
    r"ますが",
    r"だが",
    r"けど",
    r"けれど",
    r"ものの",
    r"一方",
    r"しかし",
    r"ただし",
)
_JA_NEGATOR = _rx(
    r"ありません",
    r"ございません",
    r"(?<![少危])ない",
    r"無い",
    r"なく",
    r"なし",
    r"無し",
    r"不要",
    r"いらない",
    r"要らない",
    r"ません",
    r"対象外",
    r"ゼロ",
    r"結構です",
)
_JA_CANNOT = _rx(
    r"難しい",
    r"むずかしい",
    r"無理",
    r"厳しい",
    r"自信がない",
    r"余裕がない",
    r"できない",
    r"できません",
)
_JA_UNNEGATE = _rx(r"だけでなく", r"だけではなく", r"のみならず", r"しか")


def _negated(text: str, start: int, end: int, *, cannot: bool = False) -> bool:
    """Tell whether the mention at [start, end) is denied ("no X", "X は不要")."""
    lo = max(0, start - 80)
    # A boundary may run into the mention itself ("... and want a partner").
    cuts = [
        min(c.end(), start)
        for c in _EN_CLAUSE.finditer(text, lo, min(len(text), start + 15))
        if c.start() < start
    ]
    before = text[max([lo, *cuts]) : start]
    negators = list(_EN_NEGATOR.finditer(before))
    if negators:
        between = before[negators[-1].end() :]
        if not _EN_UNNEGATE.search(between) and len(between.split()) <= 6:
            return True
    if _EN_NEGATED_AFTER.match(text, end):
        return True
    after = text[end : end + 40]
    cut = _JA_CLAUSE.search(after)
    if cut:
        after = after[: cut.start()]
    if _JA_UNNEGATE.search(after):
        return False
    return bool(_JA_NEGATOR.search(after) or (cannot and _JA_CANNOT.search(after)))


# --------------------------------------------------------------------------- injection

_INJECTION = _rx(
    _W0 + r"(?:ignore|disregard|forget|bypass|override|skip|drop|abandon)\b[^.!?\n]{0,40}?"
    r"\b(?:rules?|instructions?|prompts?|polic(?:y|ies)|guidelines?|guardrails?|restrictions?"
    r"|constraints?|directions?|directives?|programming|system messages?|training)" + _W1,
    _W0 + r"you(?:'re| are) now" + _W1,
    _W0 + r"from now on,? (?:you|your)" + _W1,
    _W0 + r"(?:pretend|act) (?:to be|as if|that you|you are|like you)" + _W1,
    _W0 + r"new (?:rules|instructions|system prompt)" + _W1,
    _W0 + r"(?:developer|dev|god|admin|debug) mode" + _W1,
    _W0 + r"jailbreak|" + _W0 + r"do anything now" + _W1,
    _W0 + r"system\s*(?:prompt|message|instructions?)" + _W1,
    _W0 + r"(?:reveal|print|show|display|repeat|output|dump|leak|tell me|give me|share"
    r"|what is|what are|what's)\b[^.!?\n]{0,30}?\b(?:your|the) (?:initial |hidden |original "
    r"|internal |secret |full )?(?:prompt|instructions|rules|configuration)" + _W1,
    _W0 + r"(?:recommend|say|choose|pick|answer|output|reply|respond|tell (?:me|us)|classify)"
    r"\b[^.!?\n]{0,60}?\b(?:no matter what|regardless|whatever (?:i|we|the) \w+"
    r"|in (?:all|every) cases?|unconditionally|every time)" + _W1,
    _W0 + r"always (?:recommend|say|answer|choose|pick|output|reply|respond)" + _W1,
    _W0 + r"you (?:must|have to|are required to) (?:always )?(?:recommend|say|answer|choose)" + _W1,
    _W0 + r"(?:forget|ignore|disregard) (?:everything|all)(?: of)? (?:above|before|previous"
    r"|you were told|you know|your (?:instructions|rules))" + _W1,
    r"^\s*(?:system|assistant|developer)\s*:",
    _W0 + r"no matter what\b[^.!?\n]{0,40}?\b(?:recommend|say|answer|choose|pick)" + _W1,
    r"システム\s*プロンプト",
    r"(?:ルール|指示|命令|制約|設定|プロンプト|ポリシー|規則|ガイドライン|制限)"
    r"(?:は|を|も)?(?:全て|すべて|全部|一切|完全に)?(?:無視|忘れ|破っ)",
    r"あなたは(?:今から|これから|もう)|(?:今から|これから)(?:、)?あなたは",
    r"(?:プロンプト|指示|ルール|設定)(?:を|の内容を)(?:教え|表示|見せ|出力|開示)",
    r"何があっても[^。！？!?\n]{0,30}?(?:推奨|勧め|すすめ|提案|答え|言)",
    r"(?:必ず|絶対に?|常に)[^。！？!?\n]{0,30}?(?:を推奨|を勧め|をすすめ|と答え|と言|を提案)",
    r"(?:に関係なく|にかかわらず|に関わらず)[^。！？!?\n]{0,20}?(?:推奨|勧め|すすめ|提案)",
    r"開発者モード|脱獄",
    r"と(?:答え|回答し|返答し|出力し|言っ)て(?:ください|下さい|ほしい|欲しい)|と(?:だけ)?(?:答えろ|言え)",
)
_CLAUSE_START = re.compile(r"[,;:.!?。！？、\n]")


def _injection_spans(text: str) -> list[_Span]:
    """Return the spans that try to instruct the assistant, to the end of their sentence."""
    spans: list[_Span] = []
    clause_starts = [0] + [c.end() for c in _CLAUSE_START.finditer(text)]
    for m in _INJECTION.finditer(text):
        a = clause_starts[bisect.bisect_right(clause_starts, m.start()) - 1]
        end_m = _SENTENCE_END.search(text, m.end())
        spans.append((a, end_m.end() if end_m else len(text)))
    return _merge(spans)


# --------------------------------------------------------------------------- questions

_INTERJECTION = (
    r"(?:(?:so|and|but|also|ok|okay|hi|hello|hey|thanks|thank you|well|then|great|sorry"
    r"|one more thing|quick question|question)[,:!]?\s+)*"
)
_EN_WH = _rx(
    r"\s*" + _INTERJECTION + r"(?:what|how|why|which|who|whom|whose|when|where)"
    r"(?:'s|'re|'d|\s+(?:is|are|was|were|does|do|did|should|shall|can|could|would|will|might"
    r"|may|about|if|kind|type|sort|much|many|long|exactly|happens|options?|motions?|vehicle"
    r"|difference|differs|makes|counts|qualifies|the|a|an|to|csp|ea|mca|partners?))" + _W1
)
_EN_AUX = _rx(
    r"\s*" + _INTERJECTION + r"(?:is|are|am|was|were|do|does|did|can|could|should|shall|would"
    r"|will|may|might|must|have|has|isn't|aren't|don't|doesn't|can't|won't|wouldn't|shouldn't)"
    r"\s+(?:i|we|you|it|there|this|that|they|these|those|a|an|the|my|our|your|csp|ea|mca"
    r"|microsoft|partners?|customers?|someone|anyone|he|she|\d)" + _W1
)
_EN_ASKING = _rx(
    _W0 + r"(?:tell me (?:about|more|what|how|why|which|whether|if)|explain|help me understand"
    r"|i(?:'d| would) like to know|i want to know|i wonder|wondering (?:what|how|if|whether|why)"
    r"|what's the difference|difference between|can you clarify|could you clarify"
    r"|curious (?:about|what|how|whether|if))" + _W1
)
_JA_ASKING = _rx(
    r"とは",
    r"って何",
    r"ってなに",
    r"何ですか",
    r"なんですか",
    r"何でしょう",
    r"違い(?:は|を|が|について)",
    r"どう違",
    r"どのよう",
    r"どうすれば",
    r"どうやって",
    r"どうしたら",
    r"教えて",
    r"ですか",
    r"ますか",
    r"でしょうか",
    r"のですか",
    r"んですか",
    r"知りたい",
    r"ってどう",
    r"どれが",
    r"どちらが",
    r"どちらを",
    r"どっちが",
    r"なぜ",
    r"どうして",
    r"いくら",
    r"べきか",
    r"可能か",
    r"できるか",
)
_NOT_CONTENT = _rx(
    r"[\d.,$€£¥%+~\s?!:;()\"'-]+",
    _W0 + r"(?:seats?|licen[cs]es?|users?|people|employees|staff|usd|dollars?|k|m|about|around"
    r"|approx\w*|roughly|maybe|perhaps|yes|no|ok|okay|or so|ish|per|a|year|month|annually"
    r"|monthly|right)" + _W1,
    r"人|名|席|シート|ライセンス|ユーザー|ドル|円|万|億|千|くらい|ぐらい|程度|です|かな|ほど",
    r"年間|月額|約",
)
_HAS_LETTER = re.compile(r"[a-z\u3041-\u30ff\u4e00-\u9fff]")
_EN_SUBCLAUSE = re.compile(r"(?:(?<!\d),|,(?!\d))\s*|;\s*|\s-\s|(?<=[ぁ-ゖ])[、,]")


def _question_spans(text: str) -> list[_Span]:
    """Return the spans that ask a guidance question, from the asking clause to its end."""
    spans: list[_Span] = []
    for a, b in _sentences(text):
        sentence = text[a:b]
        if not sentence.strip():
            continue
        ends_asking = sentence.rstrip().endswith("?")
        cuts = [(m.start(), m.end()) for m in _EN_SUBCLAUSE.finditer(sentence)]
        clauses = list(
            zip([0] + [e for _, e in cuts], [s for s, _ in cuts] + [len(sentence)], strict=True)
        )
        found: int | None = None
        for start, stop in clauses:
            if (
                _EN_WH.match(sentence, start)
                or (ends_asking and _EN_AUX.match(sentence, start))
                or _EN_ASKING.search(sentence, start, stop)
                or _JA_ASKING.search(sentence, start, stop)
            ):
                found = start
                break
        if found is None and ends_asking and _HAS_LETTER.search(_NOT_CONTENT.sub("", sentence)):
            last = clauses[-1][0]
            found = last if len(sentence) - last > 2 else 0
        if found is not None:
            spans.append((a + found, b))
    return _merge(spans)


# --------------------------------------------------------------------------- numbers

_ARABIC = r"(?:\d{1,3}(?:\.\d{3}){2,}(?![\d.])|\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
_KANJI_DIGITS = "〇零一二三四五六七八九"
_KANJI_DIGIT_TEXT = {c: str(max(0, i - 1)) for i, c in enumerate(_KANJI_DIGITS)}
_CURRENCY_PREFIX = {
    "us$": "USD", "usd": "USD", "$": "USD", "a$": "AUD", "au$": "AUD", "aud": "AUD",
    "c$": "CAD", "ca$": "CAD", "cad": "CAD", "s$": "SGD", "sgd": "SGD", "hk$": "HKD",
    "hkd": "HKD", "nz$": "NZD", "nzd": "NZD", "€": "EUR", "eur": "EUR", "£": "GBP",
    "gbp": "GBP", "¥": "JPY", "jpy": "JPY", "₹": "INR", "inr": "INR", "₩": "KRW",
    "krw": "KRW", "cny": "CNY", "rmb": "CNY", "chf": "CHF",
}  # fmt: skip
_PREFIX_ALTERNATIVES = "|".join(
    re.escape(k) for k in sorted(_CURRENCY_PREFIX, key=len, reverse=True)
)
_NUMBER = re.compile(
    r"(?<![a-z0-9_$€£¥₹₩.,])"
    rf"(?:(?P<pre>{_PREFIX_ALTERNATIVES})\s?)?"
    rf"(?P<num>(?:{_ARABIC}|[{_KANJI_DIGITS}十百千])(?:{_ARABIC}|[{_KANJI_DIGITS}十百千万億兆])*)"
    r"(?:\s?(?P<mult>thousand|million|billion|hundred|mil|mn|mm|bn|k|m|b)(?![a-z0-9]))?",
    re.ASCII,
)
_MULTIPLIERS = {
    "thousand": 10**3, "k": 10**3, "hundred": 100, "million": 10**6, "mil": 10**6,
    "mn": 10**6, "mm": 10**6, "m": 10**6, "billion": 10**9, "bn": 10**9, "b": 10**9,
}  # fmt: skip
_JA_NUMBER_TOKEN = re.compile(
    rf"(?P<ar>{_ARABIC})|(?P<kd>[{_KANJI_DIGITS}]+)|(?P<small>[十百千])|(?P<big>[万億兆])",
    re.ASCII,
)
_SMALL_UNIT = {"十": 10, "百": 100, "千": 1000}
_BIG_UNIT = {"万": 10**4, "億": 10**8, "兆": 10**12}


def _arabic_value(token: str) -> Decimal:
    if _EURO_THOUSANDS.fullmatch(token):
        return Decimal(token.replace(".", ""))
    return Decimal(token.replace(",", ""))


def _number_value(num: str, mult: str | None) -> Decimal | None:
    """Read "2,500", "1.5万", "1億2000万", "三百" or "2.5" with "k" as a Decimal."""
    total = Decimal(0)
    section = Decimal(0)
    current: Decimal | None = None
    try:
        for m in _JA_NUMBER_TOKEN.finditer(num):
            if m.group("ar") or m.group("kd"):
                if current is not None:
                    return None  # two numbers side by side: not one quantity
                if m.group("ar"):
                    current = _arabic_value(m.group("ar"))
                else:
                    current = Decimal("".join(_KANJI_DIGIT_TEXT[c] for c in m.group("kd")))
            elif m.group("small"):
                section += (current if current is not None else Decimal(1)) * _SMALL_UNIT[
                    m.group("small")
                ]
                current = None
            else:
                section += current if current is not None else Decimal(0)
                total += (section or Decimal(1)) * _BIG_UNIT[m.group("big")]
                section = Decimal(0)
                current = None
    except InvalidOperation:
        return None
    value = total + section + (current if current is not None else Decimal(0))
    if mult:
        value *= _MULTIPLIERS[mult]
    return value


_CURRENCY_SUFFIXES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(r"\s*(?:" + pattern + r")(?![a-z])", re.ASCII), code)
    for pattern, code in (
        (
            r"us ?dollars?|u\.s\. dollars?|american dollars?|usd|us\$|米ドル|usドル|アメリカドル",
            "USD",
        ),
        (r"australian dollars?|aud|豪ドル|オーストラリアドル", "AUD"),
        (r"canadian dollars?|cad|カナダドル", "CAD"),
        (r"singapore dollars?|sgd|シンガポールドル", "SGD"),
        (r"hong kong dollars?|hkd|香港ドル", "HKD"),
        (r"new zealand dollars?|nzd|nzドル|ニュージーランドドル", "NZD"),
        (r"dollars?|bucks|ドル", "USD"),
        (r"yen|jpy|円", "JPY"),
        (r"euros?|eur|€|ユーロ", "EUR"),
        (r"pounds?(?: sterling)?|gbp|£|ポンド", "GBP"),
        (r"swiss francs?|chf|スイスフラン", "CHF"),
        (r"yuan|rmb|cny|人民元|元", "CNY"),
        (r"rupees?|inr|ルピー", "INR"),
        (r"krw|ウォン", "KRW"),
    )
)

_MODIFIER = (
    r"(?:microsoft|office|m365|o365|365|e[1357]|f[13]|a[135]|g[135]|business|premium|standard"
    r"|basic|plus|paid|full[- ]time|part[- ]time|named|active|licensed|licenced|new|more"
    r"|additional|extra|total|current|existing|cloud|online|desktop|frontline|knowledge"
    r"|information|office-based|our|internal|end|power|bi|pro|visio|project|intune|entra"
    r"|copilot|teams|dynamics|exchange|windows|enterprise|ms|of)"
)
_EXPLICIT_EN = (
    r"user licen[cs]es|seat licen[cs]es|user accounts|user subscriptions|named users"
    r"|seats?|licen[cs]es?|users?|mailboxes"
)
_INFERRED_EN = (
    r"employees?|people|persons?|staff(?:ers)?|workers?|head ?count|heads|ftes?|personnel"
    r"|colleagues|team members|members of staff|strong"
)
_COUNT_EN = re.compile(
    rf"[\s-]*(?:\+\s*)?(?:{_MODIFIER}[\s-]+){{0,4}}(?:(?P<x>{_EXPLICIT_EN})|(?P<i>{_INFERRED_EN}))"
    r"(?![a-z])",
    re.ASCII,
)
_COUNT_JA = re.compile(
    r"\s*(?:\+|くらい|ぐらい|程度|ほど|前後|以上|弱|強|超|余り|あまり|近く)?\s*(?:の)?\s*"
    rf"(?:{_MODIFIER}[\s-]*){{0,4}}"
    r"(?:(?P<x>人分|名分|席|シート|ライセンス|ユーザー|ユーザ|アカウント|本)"
    r"|(?P<i>名|人|社員|従業員|職員|スタッフ|人員))",
    re.ASCII,
)
_PER_HEAD_AFTER = _rx(r"\s*(?:あたり|当たり|につき|毎|ごと)")
_PER_UNIT_AFTER = _rx(
    r"\s*(?:/|per|a|each|for each|every)\s*(?:user|seat|licen[cs]e|person|head|employee)" + _W1,
    r"\s*(?:/|per)?\s*(?:1)?\s*(?:ユーザー|ユーザ|人|名|席|ライセンス)(?:あたり|当たり|につき)?",
)
_PER_UNIT_BEFORE = _rx(
    r"(?:1|一)?(?:ユーザー|ユーザ|人|名|席|ライセンス)(?:あたり|当たり|につき)\s*$"
)
_CORRECTED_AFTER = _rx(r"\s*(?:ではなく|じゃなくて?|でなく|ではありません|じゃありません)")
_CORRECTED_BEFORE = _rx(
    _W0 + r"(?:not|instead of|rather than|no longer|previously|formerly)\s*"
    r"(?:about |around |approximately |roughly |~)?$"
)
_RANGE_START = _rx(r"\s*(?:-|~|to|or)\s*(?:[$€£¥]\s?)?\d")
_PERCENT = _rx(r"\s*(?:%|percent|per cent|パーセント)")
_KANJI_BAD_HEAD = _rx(r"[数何第幾]$")
_WHOLE_ANSWER_HEAD = re.compile(r"\s*(?:約|およそ|だいたい|大体|ざっと)?\s*")
_LONE_ONE_AFTER = _rx(r"人(?:で|ひとり|一人|ずつ)")
_APPROX_EN = (
    r"(?:(?:about|around|approximately|approx\.?|roughly|~|some|circa|nearly|almost|over|under"
    r"|just over|just under|more than|less than|exactly|maybe|perhaps|all|our|the|of|like"
    r"|currently|now|today)\s*)*"
)
_APPROX_JA = (
    r"(?:(?:約|およそ|おおよそ|ざっと|大体|だいたい|ほぼ|合計|全部で|全体で|計|総数|現在|今"
    r"|で|が|は|の)\s*)*"
)
_SEAT_LABEL = _rx(
    _W0 + r"(?:seats?|licen[cs]es?|users?|seat count|licen[cs]e count|user count|number of "
    r"(?:seats|licen[cs]es|users))(?:\s+(?:count|total|needed|required|in total))?\s*"
    r"(?:[:=-]|is|are|of|at|for|would be|will be|be)?\s*" + _APPROX_EN + "$",
    r"(?:ライセンス|シート|ユーザー|ユーザ|席|アカウント)(?:数|の数)?\s*(?:は|が|を|も|:|=|、|で)?\s*"
    + _APPROX_JA
    + "$",
)
_HEAD_LABEL = _rx(
    _W0 + r"(?:employees|employee count|staff|staff count|head ?count|people|workforce|team"
    r"|company|organi[sz]ation|org|firm|business|we are|we're)(?:\s+size)?\s*"
    r"(?:[:=-]|is|are|of|at|about|around)?\s*" + _APPROX_EN + "$",
    r"(?:社員|従業員|職員|スタッフ|人数|人員|従業者|規模)(?:数|の数)?\s*(?:は|が|を|も|:|=|、|で)?\s*"
    + _APPROX_JA
    + "$",
)
_SPEND_WORDS = (
    r"(?:spend|spending|consumption|usage|costs?|bill|budget|run[- ]rate|commit(?:ment)?)"
)
_PERIOD_WORDS = (
    r"per year|a year|annually|yearly|per month|a month|monthly|is|of|at|will be|would be"
    r"|around|about|approx\w*|roughly|~"
)
_AZURE_LABEL = _rx(
    _W0
    + r"(?:azure|cloud)(?:\s+"
    + _SPEND_WORDS
    + r")?(?:\s*(?:[:=-]|"
    + _PERIOD_WORDS
    + r"))*\s*$",
    _W0 + r"(?:spend|spending|consumption|usage|use|pay|paying|budget)\s+(?:on|for|of)\s+"
    r"(?:the\s+)?(?:azure|cloud)(?:\s*(?:[:=-]|" + _PERIOD_WORDS + r"))*\s*$",
    r"(?:azure|アジュール|クラウド)(?:の)?(?:利用額|利用料金?|消費額?|使用量|使用料|費用|コスト|予算|支出"
    r"|利用|使用)?\s*(?:は|が|で|に|:|=|、)?\s*(?:(?:年間|年額|月額|月間|毎月|毎年|年|月|約|およそ"
    r"|だいたい|大体|ほぼ)\s*)*$",
)
_BARE_AFTER = _rx(
    r"\s*$",
    r"\s*[.,!?;:)\]」』、。]",
    r"\s*(?:or so|ish|-ish|give or take|in total|total|altogether|overall|roughly|approx\w*"
    r"|tops|max(?:imum)?|at most|at least|or more|or less|plus|now|today|currently|right now"
    r"|at the moment|for now|i think|i guess|i believe|maybe|probably|perhaps|hopefully|and"
    r"|but|so|then|please|thanks|thank you|next|this|in all)" + _W1,
    r"\s*(?:\+|です|でした|ほど|くらい|ぐらい|位|程度|前後|以上|以下|未満|弱|強|超|ある|あり|いる"
    r"|います|が|は|を|で|と|も|か|よ|ね|に|予定|見込み|必要|かな)",
)
_PERIOD_AFTER = _rx(
    r"\s*(?:(?:a|per|each|every|/|in a)\s*(?:year|yr|annum|month|mo|quarter|week|day)"
    + _W1
    + r"|(?:annual(?:ly)?|yearly|monthly|quarterly|weekly|daily|p\.?a\.?)"
    + _W1
    + r"|/年|/月|年間|月額|毎月|毎年)"
)
_YEAR_BEFORE = _rx(
    _W0 + r"(?:in|since|from|until|till|by|of|year|fy|early|late|mid|before|after|during"
    r"|through|jan\w*|feb\w*|mar\w*|apr\w*|may|jun\w*|jul\w*|aug\w*|sep\w*|oct\w*|nov\w*"
    r"|dec\w*)\s*$"
)
_CORRECTION_BEFORE = _rx(
    r"(?:" + _W0 + r"(?:actually|sorry|i mean|i meant|correction|make that|no wait|wait|oops"
    r"|scratch that|let me correct|rather|no)"
    + _W1
    + r"|いや|訂正|失礼|間違え\w*|正しくは|じゃなくて|ではなくて?)[\s,:、。!]*(?:(?:it's|it is|its"
    r"|that's|we have|we've got|about|around|approximately|roughly|more like|closer to|約|およそ)"
    r"\s*)*$"
)
_PERIODS: tuple[tuple[re.Pattern[str], int], ...] = (
    (
        _rx(
            _W0 + r"(?:(?:a|per|each|every|/|in a|in one|in 1)\s*(?:month|mo)|monthly|p/m)" + _W1,
            r"月額|月間|毎月|/月|月あたり|月当たり|ひと月|1ヶ月|1か月|1カ月|月に",
        ),
        12,
    ),
    (_rx(_W0 + r"(?:(?:a|per|each|every|/)\s*quarter|quarterly)" + _W1, r"四半期"), 4),
    (_rx(_W0 + r"(?:(?:a|per|each|every|/)\s*(?:week|wk)|weekly)" + _W1, r"毎週|週に|/週"), 52),
    (_rx(_W0 + r"(?:(?:a|per|each|every|/)\s*day|daily)" + _W1, r"日額|毎日|/日"), 365),
    (
        _rx(
            _W0
            + r"(?:(?:a|per|each|every|/)\s*(?:year|yr|annum)|annual(?:ly)?|yearly|p\.a\.)"
            + _W1,
            r"年間|年額|毎年|/年|年あたり|年に",
        ),
        1,
    ),
)
_AZURE_WORD = _rx(
    _W0 + r"(?:azure(?!\s*(?:ad|active directory)" + _W1 + r")|cloud|consumption|consum\w+|iaas"
    r"|paas)" + _W1,
    r"アジュール|クラウド|従量|消費",
)
_LICENCE_WORD = _rx(
    _W0 + r"(?:licen[cs]\w*|seats?|users?|per head|m365|o365|microsoft 365|office 365|e3|e5"
    r"|subscriptions?)" + _W1,
    r"ライセンス|シート|ユーザー|ユーザ|席|人あたり|名あたり",
)
_BIG_MULTIPLIERS = {"k", "thousand", "m", "mm", "mn", "mil", "million", "b", "bn", "billion"}


@dataclass(frozen=True)
class _Quantity:
    start: int
    end: int
    value: Decimal
    kind: Literal["seats", "money", "bare"]
    inferred: bool = False
    currency: str | None = None
    per_unit: bool = False
    azure_label: bool = False
    correction: bool = False
    moneyish: bool = False


# a minus sign written against the number ("-$50,000", "マイナス5万ドル"), not a range's dash
_MINUS_BEFORE = re.compile(r"(?:(?:^|[\s(:])-|マイナス|\bminus\s)$")


def _read_quantity(q: str, m: re.Match[str]) -> _Quantity | None:
    """Classify one number found in the quantity text `q`, or None when it is no fact."""
    num, pre, mult = m.group("num"), m.group("pre"), m.group("mult")
    if sum(c.isdigit() for c in num) > 30:
        return None
    value = _number_value(num, mult)
    if value is None:
        return None
    has_digit = any(c.isdigit() for c in num)
    start, end = m.start(), m.end()
    head = q[max(0, start - 80) : start]
    if _MINUS_BEFORE.search(head):
        value = -value
    if not has_digit and (_KANJI_BAD_HEAD.search(head) or _LONE_ONE_AFTER.match(q, end)):
        return None
    if _RANGE_START.match(q, end) or _CORRECTED_BEFORE.search(head) or _PERCENT.match(q, end):
        return None
    currency = _CURRENCY_PREFIX.get(pre) if pre else None
    after = end
    for pattern, code in _CURRENCY_SUFFIXES:
        cm = pattern.match(q, end)
        if cm:
            currency, after = code, cm.end()
            break
    if currency:
        if _CORRECTED_AFTER.match(q, after):
            return None
        per_unit = bool(_PER_UNIT_AFTER.match(q, after) or _PER_UNIT_BEFORE.search(head))
        return _Quantity(start, end, value, "money", currency=currency, per_unit=per_unit)
    count = _COUNT_EN.match(q, end) or _COUNT_JA.match(q, end)
    if count and count.group("x") == "本" and "ライセンス" not in head[-20:]:
        count = None
    label = _SEAT_LABEL.search(head)
    # "300 licences for 500 employees": "licences" already counted the 300 before it.
    seat_label = label is not None and not re.search(r"\d\s*$", head[: label.start()])
    if count:
        if _PER_HEAD_AFTER.match(q, count.end()) or _CORRECTED_AFTER.match(q, count.end()):
            return None
        inferred = count.group("i") is not None and not seat_label
        return _Quantity(start, end, value, "seats", inferred=inferred)
    if _CORRECTED_AFTER.match(q, end):
        return None
    if not has_digit and not _WHOLE_ANSWER_HEAD.fullmatch(head):
        return None  # kanji alone are words ("一部", "十分") unless they are the whole answer
    period = bool(_PERIOD_AFTER.match(q, end))
    if not (period or _BARE_AFTER.match(q, end)):
        return None
    if not period and (seat_label or _HEAD_LABEL.search(head)):
        return _Quantity(start, end, value, "seats", inferred=not seat_label)
    if (
        not mult
        and value == value.to_integral_value()
        and 1900 <= value <= 2100
        and _YEAR_BEFORE.search(head)
    ):
        return None
    return _Quantity(
        start,
        end,
        value,
        "bare",
        azure_label=bool(_AZURE_LABEL.search(head)),
        correction=bool(_CORRECTION_BEFORE.search(head)),
        moneyish=period or (mult in _BIG_MULTIPLIERS),
    )


def _nearest(pattern: re.Pattern[str], text: str, lo: int, hi: int, a: int, b: int) -> int | None:
    """Return the distance from [a, b) to the nearest match of the pattern in [lo, hi)."""
    best: int | None = None
    for m in pattern.finditer(text, lo, hi):
        d = a - m.end() if m.end() <= a else max(0, m.start() - b)
        best = d if best is None or d < best else best
    return best


_SPENT_AFTER = re.compile(
    r"(?:\s*(?:usd|us dollars?|dollars?|bucks|yen|jpy|euros?|eur|gbp|pounds?))?\s*"
    r"(?:(?:a|per|each|every|/)\s*(?:year|yr|month|mo|quarter)|annually|monthly|yearly"
    r"|quarterly)?\s*(?:(?:is|are|was|gets?|goes|going)\s+)?(?:spent\s+|paid\s+)?"
    r"(?:on|for|of|in|into|towards?|to)\s+(?:(?:the|our|your|all|microsoft)\s+)*"
    r"(?:(?P<az>azure|cloud|consumption|iaas|paas)|(?P<li>licen[cs]\w*|seats?|users?|m365|o365"
    r"|microsoft 365|office 365|subscriptions?|e3|e5))"
    + _W1
    + r"|\s*(?:くらい|ぐらい|ほど|程度)?\s*(?:を|が)?\s*(?:(?P<az2>azure|アジュール|クラウド)"
    r"|(?P<li2>ライセンス|シート))",
    re.ASCII,
)
_LICENCE_LABEL = _rx(
    r"(?:"
    + _W0
    + r"(?:licen[cs]\w*|seats?|m365|microsoft 365|office 365|subscriptions?)"
    + _W1
    + r"|ライセンス|シート)(?:\s+(?:cost|costs|fees?|spend|budget|bill|price))?(?:の)?"
    r"(?:費用|料金|代金|コスト)?(?:\s*(?:is|are|of|at|about|around|approximately|roughly|cost"
    r"|costs|:|=|-|は|が|に|で|約|年間|月額))*\s*$"
)


def _spent_on(text: str, start: int, end: int) -> Literal["azure", "licence"] | None:
    """Tell what an amount is directly said to be spent on ("$1m on Azure", "ライセンスに…")."""
    after = _SPENT_AFTER.match(text, end)
    if after:
        return "azure" if after.group("az") or after.group("az2") else "licence"
    head = text[max(0, start - 60) : start]
    if _AZURE_LABEL.search(head):
        return "azure"
    if _LICENCE_LABEL.search(head):
        return "licence"
    return None


def _period_factor(text: str, lo: int, hi: int, a: int, b: int) -> int:
    best: tuple[int, int] | None = None
    for pattern, factor in _PERIODS:
        d = _nearest(pattern, text, max(lo, a - 40), min(hi, b + 40), a, b)
        if d is not None and (best is None or d < best[0]):
            best = (d, factor)
    if best is None and re.search(
        r"(?<![\d年])月\s*(?:に|で|約|およそ)?\s*$", text[max(0, a - 6) : a]
    ):
        return 12
    return best[1] if best else 1


@dataclass
class _Numbers:
    seats: list[tuple[int, int, bool]]  # (position, value, inferred)
    usd: list[tuple[int, Decimal]]  # yearly Azure USD
    foreign: list[tuple[int, str]]


def _to_int(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_HALF_UP))


def _numbers(
    text: str, skip: list[_Span], expecting: Slot | None, azure_anywhere: bool
) -> _Numbers:
    """Find seat counts and Azure amounts, each with its position in the message."""
    q = _quantity_text(text)
    found: list[_Quantity] = []
    for m in _NUMBER.finditer(q):
        if _inside(m.start(), skip):
            continue
        quantity = _read_quantity(q, m)
        if quantity is not None:
            found.append(quantity)
    result = _Numbers([], [], [])
    typed: _Quantity | None = None
    for i, item in enumerate(found):
        if item.kind == "bare" and item.correction and typed is not None:
            item = replace(typed, start=item.start, end=item.end, value=item.value)
        lo = max(found[i - 1].end if i else 0, item.start - 80)
        hi = min(found[i + 1].start if i + 1 < len(found) else len(text), item.end + 80)
        if item.kind == "seats":
            result.seats.append((item.start, _to_int(item.value), item.inferred))
            typed = item
            continue
        if item.kind == "bare" and not (item.azure_label or item.moneyish):
            if expecting == "seats":
                result.seats.append((item.start, _to_int(item.value), False))
            elif expecting == "azure_annual_usd":
                result.usd.append(
                    (item.start, item.value * _period_factor(text, lo, hi, item.start, item.end))
                )
            continue
        currency = item.currency or "USD"
        d_azure = _nearest(_AZURE_WORD, text, lo, hi, item.start, item.end)
        d_licence = _nearest(_LICENCE_WORD, text, lo, hi, item.start, item.end)
        spent_on = _spent_on(text, item.start, item.end)
        if spent_on is None:
            azure_near = d_azure is not None and (d_licence is None or d_azure <= d_licence)
        else:
            azure_near = spent_on == "azure"
            d_licence = None if azure_near else 0
        if item.per_unit:
            attach = False
        elif expecting == "azure_annual_usd" or item.azure_label or azure_near:
            attach = True
        else:
            attach = item.kind == "money" and d_licence is None and azure_anywhere
        if item.kind == "money":
            typed = item
        if not attach:
            if (
                item.kind == "money"
                and currency != "USD"
                and not item.per_unit
                and (d_licence is None or azure_near)
            ):
                result.foreign.append((item.start, currency))
            continue
        if currency != "USD":
            result.foreign.append((item.start, currency))
            continue
        factor = _period_factor(text, lo, hi, item.start, item.end)
        result.usd.append((item.start, item.value * factor))
    return result


# --------------------------------------------------------------------------- slot phrases

_NO_SEATS = _rx(
    _W0 + r"no (?:[a-z0-9-]+ ){0,2}?(?:seats?|licen[cs]es|seat licen[cs]es|user licen[cs]es"
    r"|subscriptions)" + _W1,
    _W0 + r"(?:don't|do not|won't|will not|doesn't|does not|not going to|no plans? to|never)\s+"
    r"(?:need|want|have|buy|use|using|purchase|require)\s+(?:any\s+)?(?:new\s+)?(?:seats?"
    r"|licen[cs]es|seat licen[cs]es|user licen[cs]es|microsoft 365|m365|office 365|o365)" + _W1,
    _W0 + r"(?:not using|aren't using|are not using|don't use)\s+(?:microsoft 365|m365"
    r"|office 365|o365)" + _W1,
    _W0 + r"azure[- ]only" + _W1,
    _W0
    + r"(?:only|just) (?:need |want |use |buy |using |needing )?azure"
    + _W1
    + r"(?!\s*(?:ad|active directory)"
    + _W1
    + ")",
    _W0 + r"(?:seats?|licen[cs]es)\s*(?::|=|-)\s*(?:none|no|n/a|nil|zero|0)" + _W1,
    r"(?:シート|ライセンス|席|microsoft 365|m365|office 365|o365)(?:は|も|が)?"
    r"(?:特に|今は|現在は|まだ|全く|まったく)?(?:不要|要らない|いらない|必要ない|必要ありません"
    r"|なし|無し|ゼロ|0|使っていない|使ってない|使っていません|使いません|使わない|利用していない"
    r"|利用していません|ありません|持っていない|持っていません|購入しない|購入しません|買わない"
    r"|買いません)",
    r"(?:azure|アジュール)(?:の)?(?:み|だけ)(?!で(?:は)?なく)",
)
_NO_AZURE = _rx(
    _W0 + r"(?:no|zero|0) azure" + _W1 + r"(?!\s*(?:ad|active directory|tenants?)" + _W1 + ")",
    _W0 + r"nothing (?:on|in|for) azure" + _W1,
    _W0 + r"(?:don't|do not|doesn't|does not|won't|will not|aren't|are not|not|never"
    r"|no plans? to|not planning to|have no plans to)\s+(?:currently\s+|really\s+|yet\s+"
    r"|even\s+|actually\s+)?(?:use|using|need|have|consume|consuming|run|running"
    r"|spend(?:ing)? (?:anything |money )?on|plan(?:ning)? to use|going to use|be using|on)\s+"
    r"(?:any\s+)?azure" + _W1 + r"(?!\s*(?:ad|active directory)" + _W1 + ")",
    _W0 + r"azure\s*(?::|=|-)\s*(?:none|no|n/a|nil|zero|nothing)" + _W1,
    _W0 + r"(?:seats?|licen[cs]es|microsoft 365|m365|office 365|o365|saas)[- ]only" + _W1,
    _W0 + r"only (?:need |want |use |buy |using |needing )?(?:the )?(?:seats?|licen[cs]es"
    r"|microsoft 365|m365|office 365|o365)" + _W1,
    _W0 + r"no cloud (?:spend|consumption|usage)" + _W1,
    r"(?:azure|アジュール|クラウド)(?:の)?(?:利用|使用|消費)?(?:は|も|を)?"
    r"(?:特に|今は|現在は|まだ|全く|まったく|一切|今後も|今後は|今後)?(?:使っていない|使ってない"
    r"|使っていません|使いません|使わない|利用していない|利用してない|利用していません|利用しません"
    r"|利用しない|(?:使う|利用する|導入する)?予定(?:は|も|が)?(?:ない|ありません|なし)"
    r"|不要|要らない|いらない|必要ない|必要ありません|なし|無し|ゼロ|ない|ありません)",
    r"(?:ライセンス|シート|microsoft 365|m365|office 365)(?:の)?(?:み|だけ)(?!で(?:は)?なく)",
)
_UNSURE = _rx(
    _W0 + r"(?:not sure|unsure|don't know|do not know|no idea|dunno|no clue|not certain)" + _W1,
    r"わから|分から|未定|不明|検討中|まだ決まって",
)
_YES = _rx(
    r"^\s*(?:(?:yes|yeah|yep|yup|yea|sure|correct|indeed|absolutely|definitely|of course"
    r"|affirmative|that's right|that is right|we do|we will|i do|i will)"
    + _W1
    + r"|はい|ええ|うん|そうです|その通り|そのとおり|もちろん|あります|必要です)"
)
_NO = _rx(
    r"^\s*(?:(?:no|nope|nah|not really|not at all|not yet|none|nothing|negative|never"
    r"|no thanks|no need|we don't|we do not|i don't|we won't|we will not|not needed"
    r"|not required|n/a|nil|zero)"
    + _W1
    + r"|いいえ|いえ|ないです|ない|無い|なし|無し|ありません|ございません|特に(?:ない|なし|無し"
    r"|ありません|ございません)|不要|いらない|要らない|必要(?:ない|ありません|なし)|使っていない"
    r"|使ってない|使っていません|使いません|利用していない|利用していません)"
)


# --------------------------------------------------------------------------- special terms

_TERM_PATTERNS: tuple[tuple[SpecialTerm | None, re.Pattern[str]], ...] = (
    ("dual_use_rights", _rx(_W0 + r"dual[\s-]?use" + _W1, r"デュアル\s?ユース|二重使用")),
    ("lead_status_skus", _rx(_W0 + r"lead[\s-]?status" + _W1, r"リード\s?ステータス")),
    (
        "multi_tenant",
        _rx(
            _W0 + r"multi[\s-]?tenan(?:t|ts|cy)" + _W1,
            _W0 + r"(?:multiple|several|many|various|numerous|separate|different|a few"
            r"|a couple of|a number of|[2-9]|(?<!\d)\d{2,}|more than (?:one|1)|over (?:one|1)"
            r"|at least (?:two|2))\s+(?:[a-z0-9-]+\s+){0,3}?tenants" + _W1,
            _W0 + r"more than (?:one|1)\s+(?:[a-z0-9-]+\s+){0,3}?tenant" + _W1,
            _W0 + r"(?:across|between)\s+(?:[a-z0-9-]+\s+){0,3}?tenants" + _W1,
            _W0 + r"cross[\s-]?tenant" + _W1,
            _W0 + r"(?:entra(?: id)?|azure ad|aad|m365|microsoft 365|office 365|o365|azure) "
            r"tenants" + _W1,
            r"マルチ\s?テナント",
            r"複数[^。、!?\n]{0,20}?テナント",
            r"テナント(?:が|は|を|も)?(?:複数|いくつか|いくつも|[2-9二三四五]つ|\d+個)",
            r"(?:[2-9]|[二三四五])つ(?:以上)?の[^。、!?\n]{0,15}?テナント",
        ),
    ),
    (
        "multi_affiliate",
        _rx(
            _W0 + r"multi[\s-]?affiliates?" + _W1,
            _W0 + r"affiliat(?:es?|ed (?:companies|entities))" + _W1,
            _W0 + r"subsidiar(?:y|ies)" + _W1,
            _W0 + r"(?:group|sister|related|affiliated) compan(?:y|ies)" + _W1,
            _W0 + r"(?:multiple|several|many|different|separate|[2-9]|(?<!\d)\d{2,}) (?:legal )?"
            r"entities" + _W1,
            _W0 + r"legal entities" + _W1,
            _W0 + r"(?:parent|holding) company" + _W1,
            _W0 + r"(?:across|for) (?:the |our )?(?:whole |entire )?group" + _W1,
            _W0 + r"companies in (?:our|the) group" + _W1,
            _W0 + r"group[\s-]wide" + _W1,
            r"マルチ\s?アフィリエイト|アフィリエイト|グループ(?:会社|企業|各社|全体)|関連会社"
            r"|関係会社|子会社|系列会社|複数の法人|傘下の(?:会社|企業)|親会社",
        ),
    ),
    (
        "custom_concessions",
        _rx(
            _W0 + r"(?:custom|special|bespoke|non[\s-]?standard|tailored|unique|negotiated"
            r"|unusual|complex)\s+(?:contract(?:ual)?\s+|legal\s+|commercial\s+|payment\s+"
            r"|licen[cs]ing\s+|agreement\s+)?(?:terms|conditions|clauses?|provisions"
            r"|concessions|requirements|amendments|contract|agreement|approval)" + _W1,
            _W0 + r"concessions?\s+(?:beyond|other than|besides|on top of|apart from)\s+"
            r"(?:the\s+)?(?:price|pricing|discounts?)" + _W1,
            r"(?<!price )(?<!pricing )" + _W0 + r"concessions?" + _W1,
            _W0 + r"(?:contract|agreement|legal)\s+(?:amendments?|changes|modifications"
            r"|customi[sz]ations?|exceptions?|redlines?)" + _W1,
            _W0 + r"(?:amend|modify|change|customi[sz]e|redline|negotiate)\s+(?:the\s+|your\s+"
            r"|our\s+|microsoft's\s+|some\s+|a few\s+|certain\s+)?(?:standard\s+)?(?:contract"
            r"|agreement|terms|legal terms"
            r"|t&cs?|clauses?)" + _W1,
            _W0 + r"our own (?:paper|terms|contract)" + _W1,
            r"(?:特別|特殊|独自|個別|カスタム|非標準|標準外|特例|複雑)(?:な|の)?(?:契約|法的|法務)?"
            r"(?:上の)?(?:条件|条項|規約|要件|約款|契約|承認)",
            r"(?:契約|規約)(?:条件|条項)?(?:の)?(?:変更|修正|カスタマイズ|個別調整)",
            r"価格以外(?:の)?(?:譲歩|条件|優遇)|譲歩",
        ),
    ),
    (
        None,  # the whole category: denying it means "none of the terms"
        _rx(
            _W0 + r"(?:special|complex|custom|non[\s-]?standard|unusual|additional|particular"
            r"|specific|extra|other|any) (?:contract(?:ual)? |legal )?(?:terms|requirements"
            r"|conditions|needs|clauses|concessions)" + _W1,
            _W0 + r"anything (?:special|unusual|else|beyond (?:the )?price)" + _W1,
            _W0 + r"(?:any|none) of (?:those|these|them|that|the above)" + _W1,
            r"(?:特別|特殊|特段|特)(?:な|の)?(?:要件|条件|要望|契約条件)",
            r"(?:どれ|いずれ|上記)(?:も|にも|の)",
        ),
    ),
)
_NO_TERMS = _rx(
    _W0 + r"nothing (?:special|unusual|beyond (?:the )?price)" + _W1,
    _W0 + r"none of (?:those|these|them|that|the above)" + _W1,
    _W0 + r"standard (?:contract |legal )?terms (?:are|is|will be) (?:fine|ok|okay|enough"
    r"|sufficient|good)" + _W1,
    _W0 + r"(?:just|only) (?:the )?standard (?:terms|contract|agreement)" + _W1,
    _W0
    + r"(?:fine|ok|okay|happy|good) with (?:the |your )?standard (?:contract |legal )?terms"
    + _W1,
    r"標準(?:の|的な)?(?:契約|条件|規約)(?:で|が)(?:問題|大丈夫|十分|構わ|ok|結構|良い|いい)",
    r"(?:上記|どれ|いずれ)(?:も|にも)?(?:該当しない|該当しません|当てはまらない|当てはまりません)",
)
_FINE_AS_IS = re.compile(r"\s*(?:大丈夫|結構です|標準(?:の|的な)?(?:契約|条件)?で)")
_PRICE_ONLY = _rx(
    _W0 + r"negotiat\w*\s+(?:on\s+)?(?:the\s+|a\s+|our\s+|better\s+)?(?:price|pricing"
    r"|discount|rate)s?" + _W1,
    _W0 + r"(?:price|pricing) (?:negotiation|concessions?)" + _W1,
    _W0 + r"discount(?:s|ed|ing)?" + _W1,
    _W0 + r"(?:better|lower) (?:price|pricing|deal)" + _W1,
    r"価格交渉|値引|割引|ディスカウント|値下げ|価格(?:の|面の)?(?:交渉|相談)",
)


def _special_terms(text: str, expecting: Slot | None) -> tuple[SpecialTerm, ...] | None:
    found: set[SpecialTerm] = set()
    denied_all = bool(_NO_TERMS.search(text))
    for term, pattern in _TERM_PATTERNS:
        for m in pattern.finditer(text):
            if _negated(text, m.start(), m.end()):
                if term in (None, "custom_concessions"):
                    denied_all = True
            elif term is not None:
                found.add(term)
    if found:
        return tuple(t for t in SPECIAL_TERMS if t in found)
    price = any(not _negated(text, m.start(), m.end()) for m in _PRICE_ONLY.finditer(text))
    if denied_all or price:
        return ()
    if expecting == "special_terms" and not _UNSURE.search(text):
        if _NO.match(text) or _FINE_AS_IS.match(text):
            return ()
        if _YES.match(text):
            return ("custom_concessions",)
    return None


# --------------------------------------------------------------------------- self-service

_SELF = (
    _W0 + r"self[\s-]?serv(?:ice|e|ing)?" + _W1,
    _W0
    + r"know (?:exactly |precisely |already |just )?what (?:we|i) (?:need|want|are buying)"
    + _W1,
    _W0 + r"(?:buy|purchase|order|subscribe|sign up|get (?:it|them|the licen\w*))\b"
    r"[^.!?;\n]{0,30}?" + _W0 + r"(?:online|on the web(?:site)?|on (?:the |microsoft's |your "
    r"|microsoft )?(?:web ?site|site|portal|store)|(?:web|online) (?:portal|store|shop)"
    r"|by credit card|with a credit card|(?:in|through|via) the (?:microsoft 365 |m365 )?admin"
    r" cent(?:er|re))" + _W1,
    _W0 + r"(?:buy|purchase|manage|administer|run|handle|look after|deploy|set (?:it |them )?up"
    r"|do (?:it|this|that|everything)|install|maintain|operate|support)\b[^.!?;\n]{0,30}?"
    r"\b(?:ourselves|myself|ourself|on our own|by ourselves|in[- ]house|internally)" + _W1,
    _W0 + r"(?:diy|do it ourselves|do-it-yourself)" + _W1,
    _W0 + r"(?:no|without (?:a |any )?)(?:partner|help|assistance|hand[- ]?holding)"
    r"(?:\s+(?:needed|required|necessary))?" + _W1,
    r"セルフサービス",
    r"(?:オンライン|ウェブ|web|サイト|ポータル|ネット)(?:上)?(?:で|から|経由で)[^。！？!?\n]{0,6}?"
    r"(?:購入|買|契約|申し込|申込|注文|手続)",
    r"(?:自分たち|自分|自社|社内|我々|私たち|当社|弊社|うち)(?:だけ|自身)?で(?:は)?"
    r"[^。！？!?\n]{0,8}?(?:購入|買|管理|運用|対応|設定|導入|やり|行い|行う|できる|できます)",
    r"(?:製品|もの|ライセンス|サービス|商品)(?:は|が)(?:もう|既に|すでに|はっきり)?"
    r"(?:決まって|明確|分かって|わかって|はっきりして|決定して)",
    r"自力で",
    r"(?:サポート|支援|パートナー|手助け|助け|手伝い)(?:は|も)?(?:特に)?(?:不要|いらない|要らない"
    r"|必要ない|必要ありません|なしで)",
)
_HELP = (
    r"(?:'d like|" + _W0 + r"(?:need|want|would like|looking for|require|could use|appreciate"
    r"|would welcome))\b[^.!?;\n]{0,25}?\b(?:help|assistance|support"
    r"|hand[- ]?holding|someone|(?<!via )(?<!through )(?<!from )(?<!with )an? (?:expert|consultant"
    r"|partner|msp|reseller))" + _W1,
    _W0 + r"help (?:us |me )?(?:to )?(?:choos|pick|decid|select|figur|with|set|deploy|manag"
    r"|plan|migrat|implement|get started)",
    _W0 + r"(?:partner|reseller|seller|consultant|msp|someone|somebody|an? expert|experts"
    r"|microsoft)\b[^.!?;\n]{0,20}?\b(?:to |(?:who |that )?(?:can |will |could |should |would "
    r"|must |might )|who |that )"
    r"(?:help|assist|support|manage|look after|handle|guide|advise|run|take care)" + _W1,
    _W0 + r"(?:manage|look after|handle|run|take care of|administer|operate)\b[^.!?;\n]{0,25}?"
    r"\bfor us" + _W1,
    _W0 + r"managed services?" + _W1,
    _W0 + r"(?:not sure|unsure|no idea) (?:about )?what (?:we|i) (?:need|want|should)" + _W1,
    r"(?:パートナー|販売店|リセラー|マイクロソフト|microsoft|営業|専門家|誰か|ベンダー|業者|sier|プロ)"
    r"(?:さん)?(?:に|の|から|と)[^。！？!?\n]{0,10}?(?:任せ|手伝|支援|サポート|助け|相談|アドバイス|管理して"
    r"|お願い|頼|伴走|提案|運用)",
    # advice or a consultation alone is what the advisor itself gives: no signal either way
    r"(?:サポート|支援|手助け|助け|手伝い)(?:が|は|を|も)?(?:必要|欲しい|ほしい"
    r"|受けたい|お願いしたい|してほしい|頂きたい|いただきたい|したい)",
    r"(?:管理|運用|選定|選択|導入)(?:を|は)?(?:して|お願い)(?:ほしい|欲しい|もらいたい|いただきたい"
    r"|頂きたい|したい)",
    r"(?:何を|何が|どれを|どれが)[^。]{0,10}?(?:必要|買|購入|選)[^。]{0,10}?"
    r"(?:(?:わから|分から)(?:ない|なくて|ず|ません)|不明)",
    r"任せたい",
    r"手伝って(?:ほしい|欲しい|もらいたい|いただきたい|頂きたい|ください|下さい)",
    r"(?:選ぶ|選び|選定)(?:の)?(?:を)?手伝",
)
_SELF_SIGNALS: tuple[tuple[re.Pattern[str], bool], ...] = tuple(
    (re.compile(p, re.ASCII), True) for p in _SELF
) + tuple((re.compile(p, re.ASCII), False) for p in _HELP)


def _self_service(text: str) -> tuple[int, bool] | None:
    """Return (position, value) of the latest self-service signal, negation applied."""
    latest: tuple[int, bool] | None = None
    for pattern, value in _SELF_SIGNALS:
        for m in pattern.finditer(text):
            said = value != _negated(text, m.start(), m.end(), cannot=value)
            if latest is None or m.start() >= latest[0]:
                latest = (m.start(), said)
    return latest


# --------------------------------------------------------------------------- preferences

_WANT_EN = (
    r"(?:'d rather|'d like|" + _W0 + r"(?:prefer(?:red|ably|ence is|ence for)?|would rather"
    r"|rather(?! than)|(?<!what we )(?<!what i )want(?:s|ed)?|wanna|would like|like to|wish"
    r"|hope to|plan(?:ning)? to"
    r"|intend(?:ing)? to|going to|gonna|choose|chose|choosing|opt(?:ing)? for|go(?:ing)? with"
    r"|stick(?:ing)? with|stay(?:ing)? with|lean(?:ing)? towards?|inclined|favou?r"
    r"|interested in|keen on|happy (?:to|with)|looking to|looking for|need))" + _W1
)
# Needing something online is not yet preferring to buy online; "need an EA" is.
_WANT_ONLINE_EN = _WANT_EN.replace("|need))", "))")
_BUY_VIA = _W0 + r"(?:buy|purchase|buying|purchasing|get (?:it|them|licen\w*)|sign|go)" + _W1
_WANT_JA = (
    r"[^。！？!?\n、]{0,15}?(?:希望|たい|がいい|が良い|がよい|が望ましい|でお願い|を選|がベスト"
    r"|が好ましい)"
)
_GAP_WIDE = r"[^.!?;,\n]{0,40}?"
_GAP_NEAR = r"[^.!?;,\n]{0,25}?"
_CSP_EN = _W0 + r"(?:csp|cloud solution provider)" + _W1
_VIA_PARTNER_EN = (
    _W0 + r"(?:through|via|from|with) (?:a |an |our |the |local |microsoft |certified )*"
    r"(?:csp|cloud solution provider|partner|reseller)s?" + _W1
)
_EA_EN = _W0 + r"(?:ea|enterprise agreement|enterprise enrol+ment|mca-e|enterprise motion)" + _W1
_VIA_SELLER_EN = (
    _W0 + r"(?:through|via|from|with) (?:a |an |our |the )*microsoft (?:seller"
    r"|sales(?:person| rep| team)?|account (?:manager|team|executive))" + _W1
)
_ONLINE_EN = (
    _W0 + r"(?:online|on the web(?:site)?|on (?:the |microsoft's |your )?(?:web ?site|portal)"
    r"|web ?portal|web ?store|self[- ]?serv\w*)" + _W1
)
_IS_BEST_EN = (
    r"\s+(?:would be|will be|is|seems|sounds|works)\s+(?:best|better|ideal|preferable"
    r"|preferred|our preference|the way to go|right for us)" + _W1
)
_PREFERENCES: tuple[tuple[Motion, re.Pattern[str]], ...] = (
    (
        "breadth",
        _rx(
            _WANT_EN + _GAP_WIDE + _CSP_EN,
            _WANT_EN + _GAP_NEAR + _VIA_PARTNER_EN,
            _BUY_VIA + _GAP_NEAR + _VIA_PARTNER_EN,
            _CSP_EN + _IS_BEST_EN,
            r"(?:csp|クラウドソリューションプロバイダー?|パートナー経由|販売パートナー|リセラー"
            r"|パートナー(?:から|を通じて|を通して))" + _WANT_JA,
        ),
    ),
    (
        "enterprise",
        _rx(
            _WANT_EN + _GAP_WIDE + _EA_EN,
            _WANT_EN + _GAP_NEAR + _VIA_SELLER_EN,
            _BUY_VIA + _GAP_NEAR + _VIA_SELLER_EN,
            _EA_EN + _IS_BEST_EN,
            r"(?:" + _W0 + r"ea" + _W1 + r"|エンタープライズ(?:・|\s)?アグリーメント"
            r"|エンタープライズ契約|エンタープライズ)" + _WANT_JA,
            r"(?:マイクロソフト|microsoft)(?:の)?(?:営業|セラー)(?:担当)?"
            r"(?:から|経由で|を通じて|を通して)(?:購入|買|契約)[^。！？!?\n、]{0,4}?(?:たい|希望)",
        ),
    ),
    (
        "self_service",
        _rx(
            _WANT_ONLINE_EN + _GAP_WIDE + _ONLINE_EN,
            _ONLINE_EN + _IS_BEST_EN,
            r"(?:オンライン|ウェブ|"
            + _W0
            + r"web"
            + _W1
            + r"|セルフサービス|ポータル)"
            + _WANT_JA.replace("{0,15}", "{0,8}"),
        ),
    ),
)


def _preference(text: str) -> Motion | None:
    """Return the latest motion the customer says they want, unless they deny it."""
    latest: tuple[int, Motion] | None = None
    for motion, pattern in _PREFERENCES:
        for m in pattern.finditer(text):
            if _negated(text, m.start(), m.end()):
                continue
            if latest is None or m.end() > latest[0]:
                latest = (m.end(), motion)
    return latest[1] if latest else None


# --------------------------------------------------------------------------- entry point


def understand(text: str, *, expecting: Slot | None = None) -> Understanding:
    """Turn one customer message into facts for the profile slots.

    Args:
        text: the customer's message, in English, Japanese or both.
        expecting: the slot the advisor just asked about, so a bare answer ("yes", "2500",
            "いいえ") fills it.
    """
    if not isinstance(text, str):
        return Understanding()
    s = _normalise(text)
    injected = _injection_spans(s)
    safe = _blank(s, injected)
    asked = _question_spans(safe)
    said = _blank(safe, asked)  # only what the customer states, not asks or instructs
    azure_anywhere = bool(_AZURE_WORD.search(said))
    numbers = _numbers(s, asked, expecting, azure_anywhere)
    bare_no = expecting is not None and not _UNSURE.search(said) and _NO.match(said) is not None

    explicit = [(p, v) for p, v, inferred in numbers.seats if not inferred]
    explicit += [(m.start(), 0) for m in _NO_SEATS.finditer(said)]
    seats: int | None = None
    seats_inferred = False
    if explicit:
        seats = max(explicit, key=lambda c: c[0])[1]
    elif numbers.seats:
        seats = numbers.seats[-1][1]
        seats_inferred = True
    elif expecting == "seats" and bare_no:
        seats = 0

    usd: list[tuple[int, Decimal, bool]] = [(p, v, True) for p, v in numbers.usd]
    usd += [(m.start(), Decimal(0), False) for m in _NO_AZURE.finditer(said)]
    usd.sort(key=lambda c: c[0])
    azure: float | None = None
    currency: str | None = None
    latest_foreign = numbers.foreign[-1] if numbers.foreign else None
    amounts = [c for c in usd if c[2]]
    if latest_foreign and (not usd or latest_foreign[0] > usd[-1][0]):
        if amounts:
            azure = float(amounts[-1][1])
        else:
            currency = latest_foreign[1]
    elif usd:
        azure = float(usd[-1][1])
    elif expecting == "azure_annual_usd" and bare_no:
        azure = 0.0

    service = _self_service(said)
    self_service = service[1] if service else None
    if self_service is None and expecting == "self_service" and not _UNSURE.search(said):
        if _YES.match(said):
            self_service = True
        elif _NO.match(said):
            self_service = False
    preferred = None if injected else _preference(said)
    if preferred == "self_service":
        self_service = True

    return Understanding(
        seats=seats,
        seats_inferred=seats_inferred,
        azure_annual_usd=azure,
        currency_unsupported=currency,
        special_terms=_special_terms(said, expecting),
        self_service=self_service,
        preferred_motion=preferred,
        asks_question=bool(asked),
        injection=bool(injected),
    )
