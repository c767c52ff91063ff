"""Everyday words and phrases for the guidance's own, and the words of a chat.

A question is judged on whether the guidance speaks of it, and searched, in the guidance's words:
a customer's plain words are read as the guidance's terms ("the big-company contract" is the
enterprise motion), "where's the line?" asks about the threshold, "is CSP going away?" about
where the programme is heading, and "pls", "lol" or "true?" say nothing about the topic.
"""

from __future__ import annotations

import re

from advisor.domain.schemas import Lang

# staying with a partner or with CSP, which the guidance answers from its thresholds: partners
# can still sell past them, and moving is not mandatory
STAYS_WITH = re.compile(
    r"\b(?:stay|remain|keep|continue)\w*\b[^?.]{0,20}\b(?:with|on|through|in|using)\b[^?.]{0,15}"
    r"\b(?:partners?|csp|resellers?)\b|(?:パートナー|CSP|代理店)[^。？?]{0,10}(?:のまま|を?続け"
    r"|継続)",
    re.IGNORECASE,
)


# a customer's plain words for the guidance's terms: "the big-company contract", "buying it
# ourselves on the website", 「代理店」「大きい会社向けの契約」「報奨金」「卸値」
PLAIN: dict[Lang, tuple[tuple[re.Pattern[str], str], ...]] = {
    "en": tuple(
        (re.compile(pattern, re.IGNORECASE), f" {words} ")
        for pattern, words in (
            (
                r"\b(?:big|large)[- ]compan(?:y|ies)(?:'s)?\s+(?:contract|route|side|deal|way"
                r"|agreement|option)s?\b",
                "enterprise motion",
            ),
            (r"\bpartner (?:compan(?:y|ies)|firms?|route|way)\b", "CSP partner"),
            (r"\bsmall[- ]business (?:way|route|side|path|option)\b", "breadth motion"),
            (
                r"\bbuy(?:ing)? (?:it |them |things |stuff |licen[cs]es )?(?:ourselves |myself )?"
                r"(?:on|from|through|via) (?:the |a |microsoft's )?(?:website|web ?site|web"
                r"|internet)\b",
                "self-service motion buy online",
            ),
            (r"\bhaggl\w*", "price negotiation"),
            (r"\bbend(?:ing)? (?:a few |some |the )?rules\b", "concession"),
            (r"\bbuying (?:advice|guide)\b", "purchasing guidance"),
            (r"\bhook(?:ing)? (?:\w+ ){0,2}up with\b", "connect customers and partners"),
            (r"\bsmall shops?\b|\boutfits? like (?:us|ours|mine)\b", "small business"),
            (r"\b(?:managers|bosses|management) in a room\b", "executives"),
            (r"\brun(?:s|ning)? out\b", "expire"),
            (r"\bworth it\b", "attractive economics"),
            (r"\blisten(?:s|ed|ing)? to\b", "feedback"),
            (r"\bresellers?\b", "partner"),
            (r"\b(?:forced|pushed) (?:onto|into|over to)\b", "moving between motions mandatory"),
            (r"\bin the picture\b", "role"),
            (r"\b(?:pays?|paid|paying) (?:\w+ ){0,2}differently\b", "incentives tiered"),
            (
                r"\b(?:last|final) word\b|\b(?:more|further) guidance\b|\bstill changing\b",
                "check regularly for updates and additional guidance",
            ),
        )
    ),
    "ja": tuple(
        (re.compile(pattern), f" {words} ")
        for pattern, words in (
            (
                r"(?:大(?:きい|きな)(?:会社|企業|ところ)|大手|大口)(?:向け|用)の?(?:契約|買い方"
                r"|やり方)",
                "エンタープライズ モーション",
            ),
            (
                r"(?:自分|自社|われわれ|うち)で(?:ネット|ウェブ|Web|web|サイト)(?:で|から)"
                r"(?:買う|購入する)(?:やり方|買い方)?|ネットで(?:買う|購入)",
                "セルフサービス オンライン",
            ),
            (r"代理店|販売店", "パートナー"),
            (r"報奨金|奨励金", "インセンティブ"),
            (r"卸値|仕入れ値", "ホールセール価格"),
            (r"値切(?:る|り)|値段の(?:相談|交渉)|値引き交渉", "価格交渉"),
            (r"小さ(?:い|な)会社|中小の会社|零細", "中堅・中小企業"),
            (r"買い物の仕組み|買い方の仕組み", "コマース体験"),
            (r"買い方", "購買モーション"),
            (r"人分", "シート"),
            (r"目安", "基準"),
            (r"前もって", "事前に"),
            (r"誰向け", "お客様"),
            (r"JP版|日本版", "日本語版"),
            (r"掲載日|公開日", "日付"),
            (r"勝手に", "裁量"),
            (
                r"最終版|最終的な(?:もの|版)|今後も(?:更新|変わ)",
                "最新情報と追加のガイダンスを定期的に確認",
            ),
        )
    ),
}


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
    "max": ("threshold",),
    "sweet": ("optimized",),
    "spot": ("threshold",),
    "burning": ("consumption",),
    "burn": ("consumption",),
    "midsize": ("size",),
    "mo": ("monthly",),
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
# whether CSP is going away: answered where the guidance says where CSP is heading (it becomes the
# primary breadth motion), not by what the breadth motion is; 「CSPでは売れなくなる」 is a threshold
CSP_GOING = re.compile(
    rf"(?<![A-Za-z])CSP(?![A-Za-z])(?![^。？?]{{0,30}}売れなくな)[^。？?]{{0,30}}(?:{_GOING}"
    r"|\bdisappear\w*|\bbeing (?:killed|retired|dropped))",
    re.IGNORECASE,
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
    (STAYS_WITH, ("threshold", "larger", "基準", "大規模")),
)
