"""Everyday words and phrases for the guidance's own, and the words of a chat.

A question is judged on whether the guidance speaks of it, and searched, in the guidance's words:
"where's the line?" asks about the threshold, "is CSP going away?" about where the programme is
heading, and "pls", "lol" or "true?" say nothing about the topic.
"""

from __future__ import annotations

import re

# the words of a chat, not of a topic: left out when judging whether the guidance speaks of a
# question ("I heard CSP is only for tiny companies, true?")
FILLER = frozenset(
    """heard hear true truth actual actually really honestly basically exactly pls plz thanks
    thank hey quick guys stuff thing things know think wonder wondering say said says okay yeah
    lol btw someone somebody anyone anything something 本当 abt thx re per correct
    whats wheres hows whos thats doesnt dont isnt arent cant wont didnt we're they're you're
    i'm it's doesn't isn't aren't can't won't didn't""".split()
)


# everyday words for the guidance's own, counted as the guidance's when judging whether it speaks
# of a question at all ("is CSP only for tiny companies? where's the line?")
ALIKE: dict[str, tuple[str, ...]] = {
    "companie": ("organization", "customer"),
    "company": ("organization", "customer"),
    "firm": ("organization", "customer"),
    "business": ("organization", "customer"),
    "org": ("organization",),
    "client": ("customer",),
    "tiny": ("small",),
    "smaller": ("small",),
    "big": ("large",),
    "bigger": ("large",),
    "huge": ("large",),
    "line": ("threshold",),
    "cutoff": ("threshold",),
    "cap": ("threshold",),
    "ceiling": ("threshold",),
    "limit": ("threshold",),
    "rep": ("seller",),
    "salesperson": ("seller",),
    "switch": ("move",),
    "decide": ("deciding", "choose"),
    "decision": ("deciding", "choose"),
    "determine": ("deciding",),
    "headcount": ("seat", "size"),
    "migrate": ("move",),
    # chat shorthand: "cust procurement says…", "per ms", "the jp text", "150 ppl"
    "cust": ("customer",),
    "ms": ("microsoft",),
    "msft": ("microsoft",),
    "jp": ("japanese",),
    "ppl": ("customer",),
    "dept": ("department",),
    "yr": ("year",),
    "info": ("information",),
    "money": ("revenue", "earn"),
    "buyer": ("customer",),
    "procurement": ("purchasing",),
    "会社": ("企業", "顧客"),
    "上限": ("基準",),
    "大口": ("大規",),
    "禁止": ("必須",),
    "ネッ": ("オンライン",),
    "値段": ("価格",),
    "自由": ("裁量",),
}


# everyday phrases for what the guidance says in its own words: "is CSP going away?" asks where
# the programme is heading, 「CSPってなくなるの？」 too (kana the content words leave out);
# "is the EA going away?" asks whether the enterprise motion still buys through it
_GOING = (
    r"\bgo(?:ing|ne)? away\b|\bdiscontinu\w*|\bdying\b|\bphased? out\b|\bstill exists?\b"
    r"|\bstill around\b|なくな|消え|終わ(?:る|り)|廃止"
)
_EA = r"(?<![A-Za-z])(?:ea|enterprise agreements?)(?![A-Za-z])|エンタープライズ契約"
# the first that fits is taken
ALIKE_PHRASES: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = (
    (
        re.compile(rf"(?:{_EA})[^?？。]{{0,40}}(?:{_GOING})", re.I),
        ("vehicle", "delivered", "購入手段", "両方"),
    ),
    (re.compile(_GOING, re.I), ("future", "primary", "将来", "主要")),
    # staying with a partner or CSP: the guidance answers it where it says partners can still sell
    (
        re.compile(
            r"\b(?:stay|remain|keep|continue)\w*\b[^?.]{0,20}\b(?:with|on|through|in)\b[^?.]{0,15}"
            r"\b(?:partners?|csp|resellers?)\b|(?:パートナー|CSP|代理店)[^。？?]{0,10}(?:のまま"
            r"|を?続け"
            r"|継続)",
            re.I,
        ),
        ("threshold", "larger", "基準", "大規模"),
    ),
)
