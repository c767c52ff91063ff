"""Exchange rates the customer gives, and the words that mark a correction of a figure."""

from __future__ import annotations

from dataclasses import dataclass

from advisor.nlu.text import W0, W1, Span, rx

_UNITS: dict[str, str] = {
    "円": "JPY", "yen": "JPY", "jpy": "JPY", "¥": "JPY",
    "€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR", "ユーロ": "EUR",
    "£": "GBP", "gbp": "GBP", "pound": "GBP", "pounds": "GBP", "ポンド": "GBP",
    "cad": "CAD", "aud": "AUD", "chf": "CHF", "sgd": "SGD", "nzd": "NZD", "hkd": "HKD",
    "inr": "INR", "krw": "KRW", "cny": "CNY", "rmb": "CNY", "₹": "INR", "₩": "KRW",
}  # fmt: skip
_UNIT = r"(?P<unit>円|yen|jpy|¥|€|eur|euros?|ユーロ|£|gbp|pounds?|ポンド)"
_UNIT_BEFORE = r"(?P<pre>¥|€|£|jpy|eur|gbp)?"
_RATE_NUMBER = r"(?<![\d.,])(?P<rate>\d{1,7}(?:\.\d{1,6})?)(?![\d])"
_DOLLAR = r"(?:us\s*)?(?:ドル|dollars?|usd|\$)"
_RATES = tuple(
    rx(pattern)
    for pattern in (
        # 1ドル150円, 1 dollar = 150 yen, $1 = ¥150, 1 usd to 0.92 eur
        r"(?:(?<![\d.,])1|one|一)\s*"
        + _DOLLAR
        + r"\s*(?:=|は|が|:|to|is|equals|→|->)?\s*(?:約|about)?\s*"
        + _UNIT_BEFORE
        + r"\s*"
        + _RATE_NUMBER
        + r"\s*"
        + _UNIT
        + r"?",
        r"\$\s*1(?![\d.,])\s*(?:=|:|to|is|→|->)\s*"
        + _UNIT_BEFORE
        + r"\s*"
        + _RATE_NUMBER
        + r"\s*"
        + _UNIT
        + r"?",
        # 150 yen to the dollar, 150円/ドル, 150 jpy per usd
        _RATE_NUMBER
        + r"\s*"
        + _UNIT
        + r"\s*(?:to|per|/|a|an|=|で|が)\s*(?:the\s*|one\s*|1\s*)?"
        + _DOLLAR,
        # usd/jpy 150, usdjpy = 150, ドル円150円
        r"(?:usd\s*/?\s*(?P<pair>jpy|eur|gbp)|ドル円)\s*(?:=|:|at|of|is|は)?\s*(?:約)?\s*"
        + _RATE_NUMBER
        + r"\s*"
        + _UNIT
        + r"?",
        # a rate of 150, レート150円
        W0
        + r"(?:exchange\s+)?rate\s*(?:of|is|=|:|at)?\s*"
        + _RATE_NUMBER
        + W1
        + r"\s*"
        + _UNIT
        + r"?",
        r"(?:為替)?レート(?:は|を)?\s*(?:約)?\s*" + _RATE_NUMBER + r"\s*" + _UNIT + r"?",
    )
)


# the other way round: how many US dollars one unit of the currency buys
_FOREIGN = (
    r"(?P<unit>pounds?|gbp|£|euros?|eur|€|yen|jpy|¥|ポンド|ユーロ|円|cad|aud|chf|sgd|nzd|hkd|inr"
    r"|krw|cny|rmb|₹|₩)"
)
_INVERSE = tuple(
    rx(pattern)
    for pattern in (
        # 1.25 dollars to the pound, $1.25 per euro
        r"(?:\$\s*)?"
        + _RATE_NUMBER
        + r"\s*(?:us\s*)?(?:dollars?|usd|ドル)?\s*(?:to|per|for|=|a|an)\s*"
        r"(?:the\s*|one\s*|1\s*|a\s*)?" + _FOREIGN,
        # £1 = $1.25, 1 gbp = 1.25 usd, 1ポンド=1.25ドル
        r"(?:(?<![\d.,])1|one)\s*"
        + _FOREIGN
        + r"\s*(?:=|is|to|:|は|が|→)\s*(?:\$\s*)?"
        + _RATE_NUMBER
        + r"\s*(?:us\s*)?(?:dollars?|usd|ドル)?",
        r"(?:£|€|¥)\s*1(?![\d.,])\s*(?:=|is|to|:)\s*\$?\s*" + _RATE_NUMBER,
    )
)


@dataclass(frozen=True)
class Rate:
    """An exchange rate the customer stated: how much of a currency one US dollar buys."""

    per_usd: float
    currency: str | None  # None when the customer named no currency
    span: Span
    usd_per_unit: float | None = None  # given the other way round: "1 EUR = 1.10 USD"

    def to_usd(self, amount: float) -> float:
        """Convert an amount in the rate's currency to US dollars, to the cent."""
        if self.usd_per_unit is not None:
            return round(amount * self.usd_per_unit, 2)
        return round(amount / self.per_usd, 2)

    def words(self) -> str:
        """Write the rate as the customer gave it, e.g. "1 USD = 150 JPY"."""
        code = self.currency or "?"
        if self.usd_per_unit is not None:
            return f"1 {code} = {self.usd_per_unit:g} USD"
        return f"1 USD = {self.per_usd:g} {code}"


def find_rate(text: str) -> Rate | None:
    """Return the last exchange rate stated in a normalised message, if any."""
    found: Rate | None = None
    for inverse, patterns in ((False, _RATES), (True, _INVERSE)):
        for pattern in patterns:
            for m in pattern.finditer(text):
                value = float(m.group("rate"))
                if value <= 0 or (found is not None and found.span[0] > m.start()):
                    continue
                groups = m.groupdict()
                unit = groups.get("unit") or groups.get("pre") or groups.get("pair")
                if unit is None and inverse:
                    unit = m.group().strip()[:1]  # "£1 = $1.25": the symbol it opens with
                elif unit is None and "ドル円" in m.group():
                    unit = "円"
                code = _UNITS.get(unit) if unit else None
                if inverse:
                    found = Rate(1 / value, code, m.span(), usd_per_unit=value)
                else:
                    found = Rate(value, code, m.span())
    return found


# Words that say a figure given earlier was wrong. The strong ones correct even while another
# question is pending; the weak ones ("actually", "sorry") only when none is.
STRONG_CORRECTION = rx(
    W0 + r"(?:i meant|we meant|i mean|correction|my bad|typo|make that|should (?:have been|be)"
    r"|should have said|meant to say"
    r"|not \d[\d,.]*\s*(?:k|m)?\s*(?:but|,|;))" + W1,
    r"間違い|まちがい|訂正|ではなく|じゃなくて|でなく|誤り|言い間違|打ち間違|のつもり",
)
CORRECTION = rx(
    W0 + r"(?:actually|sorry|oops|wait|no,|rather)" + W1,
    r"すみません|失礼|実は|でした|さっきの|先ほどの|さきほどの",
)
