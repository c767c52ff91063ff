"""Reading figures: digits, kanji numerals, multipliers and currencies."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from advisor.nlu.text import W0, rx

# Digits inside dates, times, phone and version numbers are not quantities.
_NOT_QUANTITY = rx(
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
    W0 + r"(?:version|ver\.?|v)\s*\d+(?:\.\d+)*",
    r"(?<![\d.])\d+\.\d+\.\d+(?:\.\d+)*(?![\d])",
)
_EURO_THOUSANDS = re.compile(r"\d{1,3}(?:\.\d{3}){2,}", re.ASCII)


def quantity_text(text: str) -> str:
    """Return the text with the digits of dates, phones and versions blanked out."""
    chars = list(text)
    for m in _NOT_QUANTITY.finditer(text):
        if _EURO_THOUSANDS.fullmatch(m.group()):
            continue
        for i in range(m.start(), m.end()):
            if chars[i].isdigit() or chars[i] in ".,:/+()-":
                chars[i] = " "
    return "".join(chars)


_ARABIC = r"(?:\d{1,3}(?:\.\d{3}){2,}(?![\d.])|\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
_KANJI_DIGITS = "〇零一二三四五六七八九"
_KANJI_DIGIT_TEXT = {c: str(max(0, i - 1)) for i, c in enumerate(_KANJI_DIGITS)}
CURRENCY_PREFIX = {
    "us$": "USD", "usd": "USD", "$": "USD", "a$": "AUD", "au$": "AUD", "aud": "AUD",
    "c$": "CAD", "ca$": "CAD", "cad": "CAD", "s$": "SGD", "sgd": "SGD", "hk$": "HKD",
    "hkd": "HKD", "nz$": "NZD", "nzd": "NZD", "€": "EUR", "eur": "EUR", "£": "GBP",
    "gbp": "GBP", "¥": "JPY", "jpy": "JPY", "₹": "INR", "inr": "INR", "₩": "KRW",
    "krw": "KRW", "cny": "CNY", "rmb": "CNY", "chf": "CHF",
}  # fmt: skip
_PREFIX_ALTERNATIVES = "|".join(
    re.escape(k) for k in sorted(CURRENCY_PREFIX, key=len, reverse=True)
)
NUMBER = re.compile(
    r"(?<![a-z0-9_$€£¥₹₩.,])"
    rf"(?:(?P<pre>{_PREFIX_ALTERNATIVES})\s?)?"
    rf"(?P<num>(?:{_ARABIC}|[{_KANJI_DIGITS}十百千])(?:{_ARABIC}|[{_KANJI_DIGITS}十百千万億兆])*)"
    r"(?:\s?(?P<mult>thousand|grand|million|billion|hundred|lakhs?|crores?|mil|mn|mm|bn|k|m|b)"
    r"(?![a-z0-9]))?",
    re.ASCII,
)
_MULTIPLIERS = {
    "thousand": 10**3, "grand": 10**3, "k": 10**3, "hundred": 100, "million": 10**6, "mil": 10**6,
    "mn": 10**6, "mm": 10**6, "m": 10**6, "billion": 10**9, "bn": 10**9, "b": 10**9,
    "lakh": 10**5, "lakhs": 10**5, "crore": 10**7, "crores": 10**7,
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


def number_value(num: str, mult: str | None) -> Decimal | None:
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


CURRENCY_SUFFIXES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    # a Latin suffix ends at a word break ("eur" is not "europe"); 「円」 needs none ("1億円per")
    (re.compile(r"\s*(?:" + pattern + r")(?:(?<=[^a-z])|(?![a-z]))", re.ASCII), code)
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
        (r"swedish kron(?:a|or)|sek|スウェーデンクローナ", "SEK"),
        (r"norwegian kron(?:e|er)|nok|ノルウェークローネ", "NOK"),
        (r"danish kron(?:e|er)|dkk|デンマーククローネ", "DKK"),
        (r"zloty|pln|ズロチ", "PLN"),
        (r"brl|レアル", "BRL"),
        (r"mexican pesos?|mxn|メキシコペソ", "MXN"),
        (r"zar|南アフリカランド", "ZAR"),
    )
)
