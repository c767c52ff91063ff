"""What a figure counts: seats, or Azure spend per year, and which figure was corrected."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from advisor.domain.schemas import Slot
from advisor.nlu.figures import (
    CURRENCY_PREFIX,
    CURRENCY_SUFFIXES,
    NUMBER,
    number_value,
    quantity_text,
)
from advisor.nlu.text import W0, W1, Span, inside, rx

_MODIFIER = (
    r"(?:microsoft|office|m365|o365|365|e[1357]|f[13]|a[135]|g[135]|business|premium|standard"
    r"|basic|plus|paid|full[- ]time|part[- ]time|named|active|licensed|licenced|new|more"
    r"|additional|extra|total|current|existing|cloud|online|desktop|frontline|knowledge"
    r"|information|office-based|our|internal|end|power|bi|pro|visio|project|intune|entra"
    r"|copilot|teams|dynamics|exchange|windows|enterprise|ms|of)"
)
_EXPLICIT_EN = (
    r"user licen[cs]es|seat licen[cs]es|user accounts|user subscriptions|named users"
    r"|seats?|seatz|licen[cs]es?|licen[cs]ces|users?|usres|mailboxes"
)
_INFERRED_EN = (
    r"employees?|people|ppl|persons?|(?:support |office |admin |field |sales )?staff(?:ers)?"
    r"|workers?|head ?count|heads|ftes?|personnel|of us|folks|peeps|individuals|humans"
    r"|colleagues|team members|members of staff|strong|fee earners|lawyers|attorneys|doctors|nurses"
    r"|teachers|engineers|developers|agents|drivers|consultants|accountants|designers"
    r"|technicians|volunteers|students|contractors"
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
_PER_HEAD_AFTER = rx(r"\s*(?:あたり|当たり|につき|毎|ごと)")
_PER_UNIT_AFTER = rx(
    r"\s*(?:/|per|a|each|for each|every)\s*(?:user|seat|licen[cs]e|person|head|employee)" + W1,
    r"\s*(?:/|per)?\s*(?:1)?\s*(?:ユーザー|ユーザ|人|名|席|ライセンス)(?:あたり|当たり|につき)?",
)
_PER_UNIT_BEFORE = rx(
    r"(?:1|一)?(?:ユーザー|ユーザ|人|名|席|ライセンス)(?:あたり|当たり|につき)\s*$"
)
_CORRECTED_AFTER = rx(r"\s*(?:ではなく|じゃなくて?|でなく|ではありません|じゃありません)")
_CORRECTED_BEFORE = rx(
    W0 + r"(?:not|instead of|rather than|no longer|previously|formerly)\s*"
    r"(?:about |around |approximately |roughly |~)?$"
)
_RANGE_START = rx(r"\s*(?:-|~|to|or)\s*(?:[$€£¥]\s?)?\d")
_PERCENT = rx(r"\s*(?:%|percent|per cent|パーセント)")
_KANJI_BAD_HEAD = rx(r"[数何第幾]$")
_WHOLE_ANSWER_HEAD = re.compile(
    r"\s*(?:約|およそ|だいたい|大体|ざっと|ちょうど|きっかり|ぴったり|ほぼ)?\s*"
)
_LONE_ONE_AFTER = rx(r"人(?:で(?!す)|ひとり|一人|ずつ)")  # 「一人で」 is alone, not a count
# what a plain number counts when it is no seat: "3 offices", 「2拠点」, "2ミリオン"
_NOT_SEATS_AFTER = rx(
    r"\s*(?:offices?|sites?|locations?|branch(?:es)?|countries|regions?|tenants?|compan(?:y|ies)"
    r"|subsidiar(?:y|ies)|affiliates?|entities|directories|domains?|products?|skus?|plans?"
    r"|years?|yrs?|months?|weeks?|days?|hours?|times|x|million|billion|mil|bn|k|%)" + W1,
    r"\s*(?:拠点|支店|支社|事業所|オフィス|テナント|社|か国|ヶ国|カ国|年|ヶ月|か月|カ月|月|日|週|時間"
    r"|つ|個|回|倍|ミリオン|ビリオン|億|万|千|製品|プラン|ドル|円|%)",
)
_APPROX_EN = (
    r"(?:(?:about|around|approximately|approx\.?|roughly|~|some|circa|nearly|almost|over|under"
    r"|just over|just under|more than|less than|exactly|maybe|perhaps|all|our|the|of|like"
    r"|currently|now|today)\s*)*"
)
_APPROX_JA = (
    r"(?:(?:約|およそ|おおよそ|ざっと|大体|だいたい|ほぼ|合計|全部で|全体で|計|総数|現在|今"
    r"|で|が|は|の)\s*)*"
)
_SEAT_LABEL = rx(
    W0 + r"(?:seats?|licen[cs]es?|users?|seat count|licen[cs]e count|user count|number of "
    r"(?:seats|licen[cs]es|users))(?:\s+(?:count|total|needed|required|in total))?\s*"
    r"(?:[:=-]|is|are|of|at|for|would be|will be|be)?\s*" + _APPROX_EN + "$",
    r"(?:ライセンス|シート|ユーザー|ユーザ|席|アカウント)(?:数|の数)?\s*(?:は|が|を|も|:|=|、|で)?\s*"
    + _APPROX_JA
    + "$",
)
_HEAD_LABEL = rx(
    W0 + r"(?:employees|employee count|staff|staff count|head ?count|people|workforce|team"
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
_AZURE_LABEL = rx(
    W0
    + r"(?:azure|cloud)(?:\s+"
    + _SPEND_WORDS
    + r")?(?:\s*(?:[:=-]|"
    + _PERIOD_WORDS
    + r"))*\s*$",
    W0 + r"(?:spend|spending|consumption|usage|use|pay|paying|budget)\s+(?:on|for|of)\s+"
    r"(?:the\s+)?(?:azure|cloud)(?:\s*(?:[:=-]|" + _PERIOD_WORDS + r"))*\s*$",
    r"(?:azure|アジュール|クラウド)(?:の)?(?:利用額|利用料金?|消費額?|使用量|使用料|費用|コスト|予算|支出"
    r"|利用|使用)?\s*(?:は|が|で|に|:|=|、)?\s*(?:(?:年間|年額|月額|月間|毎月|毎年|年|月|約|およそ"
    r"|だいたい|大体|ほぼ)\s*)*$",
)
_BARE_AFTER = rx(
    r"\s*$",
    r"\s*[^\w\s\u3040-\u30ff\u3400-\u9fff\uff00-\uffef]{1,6}\s*$",  # "38 🙂", not 「十分です」
    r"\s*[.,!?;:)\]」』、。]",
    r"\s*(?:or so|ish|-ish|give or take|in total|total|altogether|overall|roughly|approx\w*"
    r"|tops|max(?:imum)?|at most|at least|or more|or less|plus|now|today|currently|right now"
    r"|at the moment|for now|i think|i guess|i believe|maybe|probably|perhaps|hopefully|and"
    r"|but|so|then|please|thanks|thank you|next|this|in all|is|was|would be|will be"
    r"|exactly|precisely|on the nose|on the dot|lol|haha|not|rather than|instead of|flat|even)"
    + W1,
    r"\s*(?:ちょうど|きっかり|ぴったり|ジャスト|ちょっと|ちょい|ほど|弱|強)",
    r"\s*(?:\+|です|でした|ほど|くらい|ぐらい|位|程度|前後|以上|以下|未満|弱|強|超|ある|あり|いる"
    r"|います|が|は|を|で|と|も|か|よ|ね|に|予定|見込み|必要|かな|の(?:間違い|まちがい|誤り|つもり)"
    r"|が正しい|が正解)",
)
_PERIOD_AFTER = rx(
    r"\s*(?:(?:a|per|each|every|/|in a)\s*(?:year|yr|annum|month|mo|quarter|week|day)"
    + W1
    + r"|(?:annual(?:ly)?|yearly|monthly|quarterly|weekly|daily|p\.?a\.?)"
    + W1
    + r"|/年|/月|年間|月額|毎月|毎年)"
)
_YEAR_BEFORE = rx(
    W0 + r"(?:in|since|from|until|till|by|of|year|fy|early|late|mid|before|after|during"
    r"|through|jan\w*|feb\w*|mar\w*|apr\w*|may|jun\w*|jul\w*|aug\w*|sep\w*|oct\w*|nov\w*"
    r"|dec\w*)\s*$"
)
_CORRECTION_BEFORE = rx(
    r"(?:" + W0 + r"(?:actually|sorry|i mean|i meant|correction|make that|no wait|wait|oops"
    r"|scratch that|let me correct|rather|no)"
    + W1
    + r"|いや|訂正|失礼|間違え\w*|正しくは|じゃなくて|ではなくて?)[\s,:、。!]*(?:(?:it's|it is|its"
    r"|that's|we have|we've got|about|around|approximately|roughly|more like|closer to|約|およそ)"
    r"\s*)*$"
)
_PERIODS: tuple[tuple[re.Pattern[str], int], ...] = (
    (
        rx(
            W0 + r"(?:(?:a|per|each|every|/|in a|in one|in 1)\s*(?:month|mo)|monthly|p/m)" + W1,
            r"/\s*(?:month|mo|mth)" + W1,  # "80k/month": no word break after the k
            r"月額|月間|毎月|/月|月あたり|月当たり|ひと月|1ヶ月|1か月|1カ月|月に",
        ),
        12,
    ),
    (rx(W0 + r"(?:(?:a|per|each|every|/)\s*quarter|quarterly)" + W1, r"四半期"), 4),
    (rx(W0 + r"(?:(?:a|per|each|every|/)\s*(?:week|wk)|weekly)" + W1, r"毎週|週に|/週"), 52),
    (rx(W0 + r"(?:(?:a|per|each|every|/)\s*day|daily)" + W1, r"日額|毎日|/日"), 365),
    (
        rx(
            W0 + r"(?:(?:a|per|each|every|/)\s*(?:year|yr|annum)|annual(?:ly)?|yearly|p\.a\.)" + W1,
            r"/\s*(?:year|yr|annum|y)" + W1,
            r"年間|年額|毎年|/年|年あたり|年に",
        ),
        1,
    ),
)
AZURE_WORD = rx(
    W0 + r"(?:azure(?!\s*(?:ad|active directory)" + W1 + r")|cloud|consumption|consum\w+|iaas"
    r"|paas)" + W1,
    r"アジュール|クラウド|従量|消費",
)
_LICENCE_WORD = rx(
    W0 + r"(?:licen[cs]\w*|seats?|users?|per head|m365|o365|microsoft 365|office 365|e3|e5"
    r"|subscriptions?)" + W1,
    r"ライセンス|シート|ユーザー|ユーザ|席|人あたり|名あたり",
)
_BIG_MULTIPLIERS = {
    "lakh",
    "lakhs",
    "crore",
    "crores",
    "k",
    "thousand",
    "grand",
    "m",
    "mm",
    "mn",
    "mil",
    "million",
    "b",
    "bn",
    "billion",
}


@dataclass(frozen=True)
class _Quantity:
    start: int
    end: int
    value: Decimal
    # "loose": a plain number the rules cannot place ("2400ちょうど", "40 liscenses")
    kind: Literal["seats", "money", "bare", "loose"]
    inferred: bool = False
    currency: str | None = None
    per_unit: bool = False
    azure_label: bool = False
    correction: bool = False
    moneyish: bool = False
    period: bool = False  # "a month", "/yr": an amount over time, never a count


# a minus sign written against the number ("-$50,000", "マイナス5万ドル"), not a range's dash
_MINUS_BEFORE = re.compile(r"(?:(?:^|[\s(:])-|マイナス|\bminus\s)$")


def _read_quantity(q: str, m: re.Match[str]) -> _Quantity | None:
    """Classify one number found in the quantity text `q`, or None when it is no fact."""
    num, pre, mult = m.group("num"), m.group("pre"), m.group("mult")
    if sum(c.isdigit() for c in num) > 30:
        return None
    value = number_value(num, mult)
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
    currency = CURRENCY_PREFIX.get(pre) if pre else None
    after = end
    for pattern, code in CURRENCY_SUFFIXES:
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
        loose = has_digit and not mult and not _NOT_SEATS_AFTER.match(q, end)
        return _Quantity(start, end, value, "loose") if loose else None
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
        period=period,
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
    + W1
    + r"|\s*(?:くらい|ぐらい|ほど|程度)?\s*(?:を|が)?\s*(?:(?P<az2>azure|アジュール|クラウド)"
    r"|(?P<li2>ライセンス|シート))",
    re.ASCII,
)
_LICENCE_LABEL = rx(
    r"(?:"
    + W0
    + r"(?:licen[cs]\w*|seats?|m365|microsoft 365|office 365|subscriptions?)"
    + W1
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
class Numbers:
    """The seat counts, Azure amounts and unsupported currencies of one message."""

    seats: list[tuple[int, int, bool]]  # (position, value, inferred)
    usd: list[tuple[int, Decimal]]  # yearly Azure USD
    foreign: list[tuple[int, str, Decimal]]  # (position, currency, yearly amount in it)
    # how many of the stated period make a year, by the position of a USD amount not given yearly
    periods: dict[int, int] = field(default_factory=dict)
    # plain numbers followed by words the rules do not know, as counts: (position, value)
    loose: list[tuple[int, int]] = field(default_factory=list)


def _to_int(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_HALF_UP))


def find_numbers(
    text: str, skip: list[Span], expecting: Slot | None, azure_anywhere: bool
) -> Numbers:
    """Find seat counts and Azure amounts, each with its position in the message."""
    q = quantity_text(text)
    found: list[_Quantity] = []
    for m in NUMBER.finditer(q):
        if inside(m.start(), skip):
            continue
        quantity = _read_quantity(q, m)
        if quantity is not None:
            found.append(quantity)
    result = Numbers([], [], [])
    result.loose = [(item.start, _to_int(item.value)) for item in found if item.kind == "loose"]
    found = [item for item in found if item.kind != "loose"]
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
        # "10k" is a count when the seats were asked for; "10k a month" never is
        counts = expecting == Slot.SEATS and not item.period and not azure_anywhere
        if item.kind == "bare" and not item.azure_label and (not item.moneyish or counts):
            if expecting == Slot.SEATS:
                result.seats.append((item.start, _to_int(item.value), False))
            elif expecting == Slot.AZURE_ANNUAL_USD:
                factor = _period_factor(text, lo, hi, item.start, item.end)
                result.usd.append((item.start, item.value * factor))
                if factor != 1:
                    result.periods[item.start] = factor
            continue
        currency = item.currency or "USD"
        d_azure = _nearest(AZURE_WORD, text, lo, hi, item.start, item.end)
        d_licence = _nearest(_LICENCE_WORD, text, lo, hi, item.start, item.end)
        spent_on = _spent_on(text, item.start, item.end)
        if spent_on is None:
            azure_near = d_azure is not None and (d_licence is None or d_azure <= d_licence)
        else:
            azure_near = spent_on == "azure"
            d_licence = None if azure_near else 0
        if item.per_unit:
            attach = False
        elif expecting == Slot.AZURE_ANNUAL_USD or item.azure_label or azure_near:
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
                factor = _period_factor(text, lo, hi, item.start, item.end)
                result.foreign.append((item.start, currency, item.value * factor))
            continue
        factor = _period_factor(text, lo, hi, item.start, item.end)
        if currency != "USD":
            result.foreign.append((item.start, currency, item.value * factor))
            continue
        result.usd.append((item.start, item.value * factor))
        if factor != 1:
            result.periods[item.start] = factor
    return result
