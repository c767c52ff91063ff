"""Special contract terms: which ones the customer needs, or that they need none."""

from __future__ import annotations

import re

from advisor.domain.schemas import Slot, SpecialTerm
from advisor.nlu.answers import FILLER, NO, NO_AZURE, NO_SEATS, UNSURE, YES
from advisor.nlu.negation import negated
from advisor.nlu.text import W0, W1, rx, sentences

_TERM_PATTERNS: tuple[tuple[SpecialTerm | None, re.Pattern[str]], ...] = (
    (
        SpecialTerm.DUAL_USE_RIGHTS,
        rx(
            W0 + r"dual[\s-]?use" + W1,
            r"デュアル\s?ユース|二重使用",
            # the same licences on premises and in the cloud at once, in the customer's words
            W0 + r"same licen[cs]es?\b[^.!?\n]{0,60}?\b(?:on[- ]?prem\w*|own servers?|our servers?"
            r"|data ?cent(?:er|re)|in[- ]house)\b[^.!?\n]{0,40}?\b(?:cloud|azure)" + W1,
            W0
            + r"(?:on[- ]?prem\w*|own servers?)\b[^.!?\n]{0,40}?\b(?:and|&)\s+(?:in\s+)?(?:the\s+)?"
            r"(?:cloud|azure)\b[^.!?\n]{0,40}?\b(?:at once|at the same time|simultaneously"
            r"|concurrently|in parallel|side by side)" + W1,
            r"(?:オンプレ|自社サーバー|社内サーバー)[^。!?\n]{0,30}?(?:クラウド|azure)[^。!?\n]{0,30}?"
            r"(?:同じライセンス|同一ライセンス|ライセンスを)[^。!?\n]{0,20}?(?:同時|並行|両方)",
            r"同じライセンスを[^。!?\n]{0,30}?(?:オンプレ|自社サーバー|社内サーバー)[^。!?\n]{0,30}?"
            r"(?:クラウド|azure)[^。!?\n]{0,20}?(?:同時|並行|両方)",
        ),
    ),
    (
        SpecialTerm.LEAD_STATUS_SKUS,
        rx(W0 + r"lead[\s-]?status" + W1, r"リード\s?ステータス"),
    ),
    (
        SpecialTerm.MULTI_TENANT,
        rx(
            W0 + r"multi[\s-]?tenan(?:t|ts|cy)" + W1,
            W0 + r"(?:multiple|several|many|various|numerous|separate|different|a few"
            r"|a couple of|a number of|[2-9]|(?<!\d)\d{2,}|more than (?:one|1)|over (?:one|1)"
            r"|at least (?:two|2))\s+(?:[a-z0-9-]+\s+){0,3}?tenants" + W1,
            W0 + r"more than (?:one|1)\s+(?:[a-z0-9-]+\s+){0,3}?tenant" + W1,
            W0 + r"(?:across|between)\s+(?:[a-z0-9-]+\s+){0,3}?tenants" + W1,
            W0 + r"cross[\s-]?tenant" + W1,
            W0 + r"(?:entra(?: id)?|azure ad|aad|m365|microsoft 365|office 365|o365|azure) "
            r"tenants" + W1,
            r"マルチ\s?テナント",
            r"複数[^。、!?\n]{0,20}?テナント",
            r"テナント(?:が|は|を|も)?(?:複数|いくつか|いくつも|[2-9二三四五]つ|\d+個)",
            r"(?:[2-9]|[二三四五])つ(?:以上)?の[^。、!?\n]{0,15}?テナント",
        ),
    ),
    (
        SpecialTerm.MULTI_AFFILIATE,
        rx(
            W0 + r"multi[\s-]?affiliates?" + W1,
            W0 + r"affiliat(?:es?|ed (?:companies|entities))" + W1,
            W0 + r"subsidiar(?:y|ies)" + W1,
            W0 + r"(?:group|sister|related|affiliated) compan(?:y|ies)" + W1,
            W0 + r"(?:multiple|several|many|different|separate|[2-9]|(?<!\d)\d{2,}) (?:legal )?"
            r"entities" + W1,
            W0 + r"legal entities" + W1,
            W0 + r"(?:parent|holding) company" + W1,
            W0 + r"(?:across|for) (?:the |our )?(?:whole |entire )?group" + W1,
            W0 + r"companies in (?:our|the) group" + W1,
            W0 + r"group[\s-]wide" + W1,
            r"マルチ\s?アフィリエイト|アフィリエイト|グループ(?:会社|企業|各社|全体)|関連会社"
            r"|関係会社|子会社|系列会社|複数の法人|傘下の(?:会社|企業)|親会社|各社"
            r"|(?:全社|会社)(?:を|分を)?まとめ",
        ),
    ),
    (
        SpecialTerm.CUSTOM_CONCESSIONS,
        rx(
            W0 + r"(?:custom|special|bespoke|non[\s-]?standard|tailored|unique|negotiated"
            r"|unusual|complex)\s+(?:contract(?:ual)?\s+|legal\s+|commercial\s+|payment\s+"
            r"|licen[cs]ing\s+|agreement\s+)?(?:terms|conditions|clauses?|provisions"
            r"|concessions|requirements|amendments|contract|agreement|approval)" + W1,
            W0 + r"concessions?\s+(?:beyond|other than|besides|on top of|apart from)\s+"
            r"(?:the\s+)?(?:price|pricing|discounts?)" + W1,
            r"(?<!price )(?<!pricing )" + W0 + r"concessions?" + W1,
            W0 + r"(?:contract|agreement|legal)\s+(?:amendments?|changes|modifications"
            r"|customi[sz]ations?|exceptions?|redlines?)" + W1,
            W0 + r"(?:amend|modify|change|customi[sz]e|redline|negotiate)\s+(?:the\s+|your\s+"
            r"|our\s+|microsoft's\s+|some\s+|a few\s+|certain\s+)?(?:standard\s+)?(?:contract"
            r"|agreement|terms|legal terms"
            r"|t&cs?|clauses?)" + W1,
            W0 + r"our own (?:paper|terms|contract)" + W1,
            r"(?:特別|特殊|独自|個別|カスタム|非標準|標準外|特例|複雑)(?:な|の)?(?:契約|法的|法務)?"
            r"(?:上の)?(?:条件|条項|規約|要件|約款|契約|承認)",
            r"(?:契約|規約)(?:条件|条項)?(?:の)?(?:変更|修正|カスタマイズ|個別調整)",
            r"価格以外(?:の)?(?:譲歩|条件|優遇)|譲歩",
        ),
    ),
    (
        None,  # the whole category: denying it means "none of the terms"
        rx(
            W0 + r"(?:special|complex|custom|non[\s-]?standard|unusual|additional|particular"
            r"|specific|extra|other|any) (?:contract(?:ual)? |legal )?(?:terms|requirements"
            r"|conditions|needs|clauses|concessions)" + W1,
            W0 + r"anything (?:special|unusual|else|beyond (?:the )?price)" + W1,
            W0 + r"(?:any|none) of (?:those|these|them|that|the above)" + W1,
            r"(?:特別|特殊|特段|特)(?:な|の)?(?:要件|条件|要望|契約条件)",
            r"(?:どれ|いずれ|上記)(?:も|にも|の)",
        ),
    ),
)
_NO_TERMS = rx(
    W0 + r"nothing (?:special|unusual|beyond (?:the )?price)" + W1,
    # "nothing fancy contract wise", "no special contract stuff": the contract named with it
    W0 + r"(?:nothing|no(?:thing)?) (?:fancy|complicated|unusual|special|custom|weird)"
    r"(?: \w+)? (?:contract|terms?|legal)(?:[- ]?wise)?" + W1,
    W0 + r"(?:contract|terms?)[- ]wise,? (?:nothing|no) (?:fancy|special|unusual|complicated)" + W1,
    W0 + r"none of (?:those|these|them|that|the above)" + W1,
    W0 + r"standard (?:contract |legal )?terms (?:are|is|will be) (?:fine|ok|okay|enough"
    r"|sufficient|good)" + W1,
    W0 + r"(?:just|only) (?:the )?standard (?:terms|contract|agreement)" + W1,
    W0
    + r"(?:fine|ok|okay|happy|good) with (?:the |your )?standard (?:contract |legal )?terms"
    + W1,
    r"標準(?:の|的な)?(?:契約|条件|規約)(?:で|が)(?:問題|大丈夫|十分|構わ|ok|結構|良い|いい)",
    r"(?:上記|どれ|いずれ)(?:も|にも)?(?:該当しない|該当しません|当てはまらない|当てはまりません)",
)
_FINE_AS_IS = re.compile(r"\s*(?:大丈夫|結構です|標準(?:の|的な)?(?:契約|条件)?で)")
_PRICE_ONLY = rx(
    W0 + r"negotiat\w*\s+(?:on\s+)?(?:the\s+|a\s+|our\s+|better\s+)?(?:price|pricing"
    r"|discount|rate)s?" + W1,
    W0 + r"(?:price|pricing) (?:negotiation|concessions?)" + W1,
    W0 + r"discount(?:s|ed|ing)?" + W1,
    W0 + r"(?:better|lower) (?:price|pricing|deal)" + W1,
    r"価格交渉|値引|割引|ディスカウント|値下げ|価格(?:の|面の)?(?:交渉|相談)",
)


# "no special terms, but we do need X", "other than X, none": the denial leaves X standing
_ALSO = rx(
    W0 + r"(?:but|except|apart from|other than|besides|beyond|no other|nothing else|no more"
    r"|no further)" + W1,
    r"以外|ただし|けど|が必要|他に|ほかに|その他",
)


_RETRACT = rx(
    W0 + r"(?:but|though|however)\s+(?:actually|really|in fact|honestly)\s+(?:we|i)\s+"
    r"(?:don't|do not|won't|will not)" + W1,
    r"(?:でも|けど|が)、?(?:実際(?:に)?は|本当は)[^。！？!?\n]{0,10}?(?:不要|いらない|要らない|必要(?:ない|ありません))",
)


Mention = tuple[int, bool]  # where a term was last named, and whether that denied it

# group companies that each buy for themselves need no agreement across them: "subsidiaries,
# but they each buy their own licences", 「グループ会社はそれぞれ別に契約しています」
_EACH_ON_THEIR_OWN = rx(
    W0 + r"(?:each|separately|individually|independently|their own|its own|on their own)" + W1,
    r"それぞれ|別々|個別|各社で|各自|単独|独自に|別に契約|別契約|バラバラ|ばらばら",
)


# a term needed once, no longer: "we used to have two tenants", 「昔は子会社の分もまとめてましたが」
_NO_LONGER = rx(
    W0 + r"(?:used to|back when|no longer|not any ?more|anymore|formerly|previously|once had"
    r"|sold (?:it |them |that )?off|were sold|was sold)" + W1,
    r"以前は|昔は|かつて|もう(?:ない|ありません|不要|いらない)|今は(?:不要|いらない|必要ない|必要ありません"
    r"|もう)|売却",
)
# one agreement asked for, rather than a group merely named beside a figure
_ONE_AGREEMENT = rx(
    W0
    + r"(?:agreement|contract|enrol\w*|one deal|together|single|combined|cover|consolidate)"
    + W1,
    r"契約|まとめ|一括|一本化|合わせて",
)
_DIGIT = re.compile(r"\d")
_WHOLE_GROUP = re.compile(
    r"(?:across|for) (?:the |our )?(?:whole |entire )?group|group[\s-]wide|グループ全体",
    re.IGNORECASE,
)


def _sentence_of(text: str, start: int) -> tuple[int, int]:
    """Return the span of the sentence that holds position `start`."""
    return next(((a, b) for a, b in sentences(text) if a <= start < b), (0, len(text)))


def _no_longer(text: str, start: int) -> bool:
    """Tell whether the sentence around a term's mention says it is needed no longer."""
    a, b = _sentence_of(text, start)
    return _NO_LONGER.search(text, a, b) is not None


def _group_size_only(text: str, start: int, expecting: Slot | None, counted: bool) -> bool:
    """Tell whether a group is named only to give a figure ("グループ全体で18,000人です").

    To the seats or Azure question any figure will do; otherwise the whole group must be the
    scope of the message's head count (`counted`: "1500 people across the group", with no
    question pending), not one more thing the customer has ("300 seats, subsidiaries").
    """
    a, b = _sentence_of(text, start)
    if expecting in (Slot.SEATS, Slot.AZURE_ANNUAL_USD):
        sized = _DIGIT.search(text, a, b) is not None
    else:
        sized = counted and _WHOLE_GROUP.match(text, start) is not None
    return sized and _ONE_AGREEMENT.search(text, a, b) is None


def _bought_apart(text: str, start: int) -> bool:
    """Tell whether the sentence around a mention of group companies says each buys apart."""
    a, b = _sentence_of(text, start)
    return _EACH_ON_THEIR_OWN.search(text, a, b) is not None


def _mentions(
    text: str, expecting: Slot | None = None, counted: bool = False
) -> tuple[dict[SpecialTerm, Mention], list[int]]:
    """Return each term's latest mention, and where a message denies needing any term."""
    latest: dict[SpecialTerm, Mention] = {}
    denials = [m.start() for m in _NO_TERMS.finditer(text)]  # "no special terms" and the like
    for term, pattern in _TERM_PATTERNS:
        for m in pattern.finditer(text):
            denied = negated(text, m.start(), m.end())
            if term is SpecialTerm.MULTI_AFFILIATE and _bought_apart(text, m.start()):
                denied = True
            if term is not None and _no_longer(text, m.start()):
                denied = True
            sized = _group_size_only(text, m.start(), expecting, counted)
            if term is SpecialTerm.MULTI_AFFILIATE and sized:
                continue  # "30k users across the group" to the seats question: a figure
            if denied and term in (None, SpecialTerm.CUSTOM_CONCESSIONS):
                denials.append(m.start())
            if term is not None and m.start() >= latest.get(term, (-1, False))[0]:
                latest[term] = (m.start(), denied)
    return latest, denials


def read_special_terms(
    text: str, expecting: Slot | None, *, counted: bool = False
) -> tuple[tuple[SpecialTerm, ...] | None, tuple[SpecialTerm, ...]]:
    """Return the terms the customer needs (() none, None unsaid) and those they take back.

    The latest mention of a term decides: "only the parent signs, so we don't need the
    affiliate thing" takes multi-affiliate back. `counted`: the message gives a head count.
    """
    latest, denials = _mentions(text, expecting, counted)
    taken = tuple(t for t in SpecialTerm if latest.get(t, (0, False))[1])
    return _needed(text, expecting, latest, denials), taken


def _needed(
    text: str, expecting: Slot | None, latest: dict[SpecialTerm, Mention], denials: list[int]
) -> tuple[SpecialTerm, ...] | None:
    found = {term for term, (_, denied) in latest.items() if not denied}
    if found:
        last_found = max(latest[t][0] for t in found)
        if any(m.start() > last_found for m in _RETRACT.finditer(text)):
            # "my boss said we need dual-use, but actually we don't": as the answer to the
            # terms question that says none; otherwise nothing is recorded
            return () if expecting == Slot.SPECIAL_TERMS else None
        if max(denials, default=-1) > last_found and not _ALSO.search(text):
            # "the Ohio subsidiary of a group, ..., no special terms": the latest statement wins
            found = set()
    if found:
        return tuple(t for t in SpecialTerm if t in found)
    price = any(not negated(text, m.start(), m.end()) for m in _PRICE_ONLY.finditer(text))
    if denials or price:
        return ()
    # "no" to the terms question, unless the no is about Azure or seats ("we don't use Azure")
    about_other = NO_AZURE.search(text) or NO_SEATS.search(text)
    core = FILLER.sub("", text)
    if expecting == Slot.SPECIAL_TERMS and not UNSURE.search(text) and not about_other:
        if NO.match(core) or _FINE_AS_IS.match(core):
            return ()
        if YES.match(core):
            return (SpecialTerm.CUSTOM_CONCESSIONS,)
    return None
