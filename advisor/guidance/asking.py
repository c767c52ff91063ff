"""What a guidance question asks for, read for the answer's shape.

Whether it asks to change motion (answered "not mandatory"), about the guidance's own updates,
about staying with CSP past a threshold, whether the guidance gives rates; whether it is a yes
or no question; and what a sentence must carry to answer each kind of question.
"""

from __future__ import annotations

import re

MOVING = re.compile(
    r"\b(?:move|moving|switch\w*|transition\w*|migrat\w*|leave|leaving)\b"
    r"|\b(?:forced|pushed|made to go) (?:onto|into|to|over to)\b"
    r"|移行|移ら|移る|移さ|切り替え|切替|乗り換え",
    re.IGNORECASE,
)
# a change of motion, which is what "not mandatory" answers: "must they move?", "do we have to go
# EA?", 「EAにしないとダメ？」; "does dual-use need approval?" is another must
CHANGING_MOTION = re.compile(
    MOVING.pattern + r"|\b(?:go|going|sign|buy|buying|use)\b[^?.]{0,20}\b(?:an? )?(?:ea|enterprise"
    r"|mca)\b|(?:EA|ＥＡ|エンタープライズ|MCA)(?:契約)?(?:に|を|へ|で)|モーション(?:の)?(?:変更"
    r"|を変え)"
    r"|\bchang\w* (?:the |our |their |a )?(?:purchasing )?motions?\b",
    re.IGNORECASE,
)
# what the guidance's own updates changed ("what changed in the May 2022 update?") is in it, however
# many questions about later changes look alike; later news was refused by rule before this
THE_UPDATES = re.compile(
    r"\b(?:in|by|with|from) (?:the|that|this) (?:(?:dec(?:ember)?|may)\.? )?"
    r"(?:(?:20|23|2021|2022)\w* )*(?:update|revision|edit)\b"
    r"|\b(?:update|revision)s? (?:change|changed|say|said|add|added|do|did|about)\b"
    r"|(?:5月|12月|5/23|12/20)[^。？?]{0,10}(?:更新|アップデート|改訂|update)\s?(?:で|では|って)",
    re.IGNORECASE,
)
# what partners are told to keep doing about updates: check regularly, as the guidance says
CHECKING_FOR_UPDATES = re.compile(
    r"\bhow often (?:should|do|must|are) (?:partners?|we|i|you)(?: supposed to)? check\b"
    r"|(?:どのくらい|どれくらい|どの程度)の?頻度で(?:確認|チェック)(?:す(?:べき|る)|し(?:た|て))",
    re.IGNORECASE,
)
# where the CSP programme is heading, which the guidance says ("what's the long-term outlook
# for the CSP program?" is not about the Outlook app)
CSP_HEADING = re.compile(
    r"\b(?:outlook|future|heading|headed|long[- ]term)\b[^?]{0,30}\b(?:csp"
    r"|cloud solution provider)\b"
    r"|\b(?:csp|cloud solution provider)\b[^?]{0,30}\b(?:heading|headed|future|long[- ]term)\b"
    r"|CSP[^。？?]{0,20}(?:将来|今後|これから|行く末)|(?:将来|今後|これから"
    r"|行く末)[^。？?]{0,20}CSP",
    re.IGNORECASE,
)
# what happens past one of the guidance's figures, asked plainly: the guidance answers it
# (partners can still sell; the economics are less attractive; moving is not mandatory), while a
# detail of it (mid-contract, a penalty, how seats are counted) it does not give
_DETAIL = (
    r"(?:\bmid|halfway|middle|subscription|contract|renewal|\bterm\b|existing|already"
    r"|true-?up|penalt|\bfines?\b|notify|report|split|add up|combined|count|measured|途中|契約期間"
    r"|更新|既存|サブスク|ペナルティ|違約|届け出|合算|カウント|数え|判定)"
)
PAST_THE_LINE = re.compile(
    rf"^(?!.*{_DETAIL})"
    r"(?:.*\bwhat (?:happens|then|changes|if)\b[^?]{0,40}\b(?:above|over|beyond|past|more than"
    r"|exceed\w*|cross\w*)\b[^?]{0,12}?(?:2,?400|(?:usd ?|\$ ?)?1 ?m\b|1 ?million|one million"
    r"|the (?:seat |azure )?(?:threshold|line|limit|cap)s?\b)"
    r"|.*(?:2,?400\s*(?:シート|席|ユーザー)?|100\s*万(?:米)?ドル|基準|ライン)(?:を|が)?(?:超え"
    r"|超過)"
    r"(?:たら|ると|た場合|る場合)[^。？?]{0,6}(?:どうな|何が(?:起き|変わ)))",
    re.IGNORECASE | re.DOTALL,
)
# which side of the guidance's figures the asker's own is: "Azure of about USD 1.3M a year, still
# in the breadth sweet spot?", 「月額約9万米ドルは最適化される範囲に収まるか」
SIDE_OF_THE_LINE = re.compile(
    rf"^(?=.*\d)(?!.*{_DETAIL}).*(?:\bwhich side\b|\b(?:inside|within|under|below|over|above"
    r"|past|outside)\b[^?]{0,25}\b(?:line|threshold|limit|cap|sweet spot|territory|range"
    r"|figure|zone)s?\b|\bsweet spot\b|\bterritory\b|どっち側|どちら側|(?:範囲|基準|ライン"
    r"|以下)(?:内)?に"
    r"(?:入|収ま)|(?:基準|ライン)(?:を)?(?:超え|超過)(?:て(?:る|い)|ますか|る[?？]))",
    re.IGNORECASE | re.DOTALL,
)
# the guidance's own figure asked for: "Azure の方のライン、いくら?", "what's the seat line?"; not
# what one seat costs past it
THE_LINE_ASKED = re.compile(
    rf"^(?!.*{_DETAIL})(?!.*(?:値上|値下|損|1\s*シート|シートあたり|月額|\bper (?:seat|user)\b"
    r"|\beach seat\b))(?=.*(?:azure|\bseats?\b|シート|アジュール))(?=.*(?:\bline\b|threshold"
    r"|cut-?off|\bcap\b|\blimit\b|ライン|基準|閾値|しきい値|目安|上限|まで|向き))(?=.*(?:いくら"
    r"|how much|how many|何シート|何席|\bwhat(?:'s| is)\b))",
    re.IGNORECASE | re.DOTALL,
)
# questions the guidance answers in so many words, however many questions about rates or later
# news look like them: how partners earn ("from their own services in every motion, and from
# Microsoft by their role"), which agreement governs a purchase (the MCA), the Azure line beside
# the seat line, what a partner still does under an EA
# the partner setting its own prices, which the guidance states (full discretion over pricing)
SETS_OWN_PRICE = (
    r"\bsets? (?:its|their|our|my|the) own pric|\ballowed to set\b[^?]{0,20}\bpric"
    r"|(?:自由に|自分で|独自に|勝手に)(?:値段|価格)?(?:を)?(?:決め|きめ|設定)"
)
ANSWERED_PLAINLY = re.compile(
    r"\bhow (?:does|do|will|would|can) (?:a |the |our |my )?partners? (?:\w+ )?(?:earn|make "
    r"(?:money|revenue|a living)|get paid|profit)\b|\bwhat (?:decides|determines) how much "
    r"(?:microsoft|ms) pays\b|\bwhich (?:agreement|contract) (?:would |will |does )?(?:govern"
    r"|appl|cover)|\b(?:equivalent|corresponding) (?:line|threshold|figure|yardstick)\b"
    r"|\b(?:administrative|admin) (?:functions|tasks|duties|work|roles?)\b"
    r"|パートナー[^。？?]{0,10}(?:どうやって|どう|何で)(?:稼|儲|収益)|" + SETS_OWN_PRICE,
    re.IGNORECASE,
)
# whether partners in an EA take part in invoicing, collection or foreign exchange, which the
# guidance says they do; a detail asked of it (who bears a loss, which rate, how they are chosen)
# the guidance does not give
PARTNER_EA_DUTIES = re.compile(
    r"^(?=.*(?:\bea\b|enterprise agreement|(?<![A-Za-z])EA(?![A-Za-z])))(?=.*(?:partner"
    r"|パートナー))"
    r"(?!.*(?:\b(?:who|whom|which|what|how|why|when)\b|誰|どの|どう|どれ|どこ|いくら|何|なぜ|いつ"
    r"|リスク|損|レート))"
    r".*(?:\binvoic\w*|\bbilling\b|\bcollections?\b|\bforeign exchange\b|\bfx\b|請求|回収"
    r"|為替)",
    re.IGNORECASE | re.DOTALL,
)
HEDGES = re.compile(
    r"\b(?:exactly|actually|really|just|basically|hey|hi|so|again|please|precisely|anyway)\b",
    re.IGNORECASE,
)


# what an answer to each kind of question carries: a "not mandatory", a date, a figure, an actor
# what a question asks for in words its kind does not show, and the sentences that say it: "do
# most customers buy the breadth way?" is answered by "Most Microsoft customers buy through the
# breadth motion", "is the timing locked in?" by "the start date is not confirmed"
ASKED_FOR: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...] = (
    (
        re.compile(
            r"\bmost (?:\w+ )?(?:customers|companies|organi[sz]ations|businesses|buyers|people"
            r"|firms)\b|\bmajority\b|\b(?:are we|is that|is it) (?:unusual|typical|normal)\b"
            r"|ほとんど(?:の)?(?:お客|会社|企業|人)|大半|大多数|(?:普通|一般的)(?:は|に|な)?(?:どこ|どの|どう)",
            re.IGNORECASE,
        ),
        re.compile(r"\bMost Microsoft customers\b|お客様の大半"),
    ),
    (
        re.compile(
            r"\b(?:locked in|finali[sz]ed|confirmed|set in stone|definite)\b|\b(?:dates?|timing"
            r"|schedule)\b[^?]{0,20}\b(?:fixed|final)\b|\bcould (?:it |that |this )?still change\b"
            r"|確定|(?:時期|日程|スケジュール|タイミング)[^。？?]{0,12}(?:決まっ|固ま|フィックス|[Ff]ix)",
            re.IGNORECASE,
        ),
        re.compile(r"\bnot (?:confirmed|fixed)\b|\bnot a confirmed\b|確定していません"),
    ),
)
ANSWERS_KIND: dict[str, re.Pattern[str]] = {
    "must": re.compile(
        r"\bnot (?:mandatory|required|obligatory|compulsory)\b|\bno obligation\b"
        r"|\bdo(?:es)? not have to\b|\bdon't have to\b|\bmandatory\b|\b(?:is|are) required\b"
        r"|\bmust\b|必須|義務|強制|必要はあ|必要はな|必要があ",
        re.IGNORECASE,
    ),
    "when": re.compile(
        r"\b20\d\d\b|\b(?:january|february|march|april|may|june|july|august|september"
        r"|october|november|december)\b|\b(?:first|second) half\b|\d+\s*月|\d{4}\s*年|上半期|下半期"
        r"|後半|前半",
        re.IGNORECASE,
    ),
    "how_many": re.compile(r"\d"),
    "beyond": re.compile(
        r"\b(?:beyond|above) (?:those|these|the) thresholds\b|\bless attractive\b"
        r"|\bcloser to the enterprise\b|超え[^。]{0,30}(?:魅力|経済性)|魅力的ではなく"
        r"|エンタープライズに近",
        re.IGNORECASE,
    ),
    "how_buy": re.compile(
        r"\bonline\b|web portal|\bthrough (?:a |an |the )?(?:csp|cloud solution|partner|microsoft"
        r"|enterprise agreement|ea\b|mca\b)|\bquotes? and contracts?\b"
        r"|オンライン|Web ポータル|を通じて|経由|見積もりと契約",
        re.IGNORECASE,
    ),
    "who": re.compile(
        r"\b(?:any size|of all sizes|largest|small and mid|smb|organi[sz]ations? (?:that|who)"
        r"|customers? (?:who|that)|buyers? (?:who|that)|the person)\b"
        r"|規模|中堅|中小|最大|向け|人が|お客様は",
        re.IGNORECASE,
    ),
}
# the guidance's "partners can still sell to larger customers through CSP", and questions about
# staying with CSP or a partner past a threshold, asked as losing it or as keeping it
STILL_SELL = re.compile(r"\bcan still sell\b|CSP\) プログラムを通じて販売できます")
_LOSING = (
    r"\b(?:lose|losing|lost|prohibited|banned|forbidden|not allowed|no longer)\b"
    r"|禁止|使えな|買えな|売れな|できなく|ダメ|だめ|(?:買|売|使)われへん|(?:でけ|でき)へん"
)
LOSES = re.compile(_LOSING + r"|\bcan(?:not|'t)\b", re.IGNORECASE)
STAYS = re.compile(
    _LOSING + r"|\b(?:still|stay|keep|allowed)\b|のまま|続けられ"
    r"|\b(?:can|could)(?:not|'t)?\b[^?]{0,30}"
    r"\b(?:csp|partner|reseller)|まだ|引き続き|このまま"
    r"|(?:CSP|パートナー)[^。？?]{0,15}(?:買え|売れ|販売でき|使え|買い続け|使い続け"
    r"|販売(?:すること)?(?:は|が"
    r"|も)?可能)",
    re.IGNORECASE,
)
# a deal past the thresholds, by figure or by size: "5,000 seats", "USD 1.2M", 「大口の顧客」
PAST_LARGE = re.compile(
    r"\d|\b(?:large|larger|big|bigger|huge|largest)\b|大口|大規模|大企業|大手", re.IGNORECASE
)
GIVES_NO_RATES = re.compile(
    r"\bdoes not give (?:incentive rates|prices)\b|(?:率|価格)[^。]{0,15}記載されていません",
    re.IGNORECASE,
)
NOT_MANDATORY = re.compile(
    r"\bnot (?:mandatory|required|obligatory|compulsory)\b|\bno obligation\b"
    r"|\bdo(?:es)? not have to\b|\bdon't have to\b"
    r"|必須ではありません|必須ではない|義務ではありません|義務ではない|強制ではありません"
    r"|強制されません",
    re.IGNORECASE,
)
_YES_NO = re.compile(
    r"(?:^|[,;]\s*)(?:so\s+|and\s+|but\s+)?(?:do|does|did|is|are|must|have|has|will|would"
    r"|should|can"
    r"|could|shall)\b|\b(?:do|does|must|will|would|should|can|is|are) (?:we|they|i|you|it"
    r"|(?:the |a )?(?:customers?|partners?))\b"  # "once we pass 2,400 seats, do we have to…"
    r"|(?:ですか|ますか|ませんか|でしょうか|のですか|んですか|か|の|かな)[?？。]?\s*$",
    re.IGNORECASE,
)
# a Japanese question with no question word is a yes/no one: 「EAにしないとダメ？」
_JA_QUESTION_WORD = re.compile(
    r"何|なに|なん|いつ|どこ|どう|どの|どれ|どちら|どっち|誰|だれ|いくら|なぜ|どんな"
)
_JA_ASKS = re.compile(r"[\u3040-\u30ff\u3400-\u9fff][^。]*[?？]\s*$")


# "…, right?", 「…ですよね？」: a statement put up for a yes or a no
_TAG_QUESTION = re.compile(
    r"\b(?:right|correct|true|yes|no|isn't it|aren't they|don't they|doesn't it|no\?)\s*[?？]+\s*$"
    r"|(?:よね|でしょ(?:う)?|ですね|だよね|じゃない|ではない)(?:か)?\s*[?？]*\s*$",
    re.IGNORECASE,
)


def asks_yes_or_no(question: str) -> bool:
    """Tell whether a question wants a yes or a no ("must we…?", 「EAにしないとダメ？」).

    The whole question is read, then each part that asks: "we're on CSP today. does the
    guidance say we have to switch?"
    """
    return any(
        _YES_NO.search(part)
        or _TAG_QUESTION.search(part)
        or (_JA_ASKS.search(part) and not _JA_QUESTION_WORD.search(part))
        for part in [question, *asked_parts(question)]
    )


# how each motion buys: the sentence of its section that names the route
ROUTES: dict[str, re.Pattern[str]] = {
    "breadth-motion": re.compile(r"\bCSP\b|Cloud Solution Provider|CSP"),
    "enterprise-motion": re.compile(r"\bEA\b|\bMCA\b|Enterprise Agreement|seller|EA|MCA|販売担当"),
    "self-service-motion": re.compile(
        r"\bonline\b|web portal|オンライン|Web ポータル", re.IGNORECASE
    ),
}
# the sentence of each motion's section that says what partners do in it
PARTNER_ROLES: dict[str, re.Pattern[str]] = {
    "breadth-motion": re.compile(r"\bend-to-end\b|エンドツーエンド"),
    "enterprise-motion": re.compile(r"\bpre-sales\b|プリセールス"),
    "self-service-motion": re.compile(r"\bspecific workloads\b|ワークロード"),
}
PARTNERS = re.compile(r"\bpartners?\b|パートナー", re.IGNORECASE)
MOTION_NAMES: dict[str, re.Pattern[str]] = {
    "breadth-motion": re.compile(r"\bbreadth motion\b|ブレドゥス", re.IGNORECASE),
    "enterprise-motion": re.compile(
        r"\benterprise motion\b|エンタープライズ モーション", re.IGNORECASE
    ),
    "self-service-motion": re.compile(
        r"\bself-service motion\b|セルフサービス モーション", re.IGNORECASE
    ),
}


# each version of the guidance, as a question names it and as a sentence dates what it said
_VERSIONS: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...] = (
    (
        re.compile(
            r"\bmay\W*(?:23\W*)?2022\b|2022-05-23|\b5/23\b|5月23日|2022年5月", re.IGNORECASE
        ),
        re.compile(r"2022-05-23|2022年5月23日"),
    ),
    (
        re.compile(
            r"\bdec(?:ember)?\W*(?:20\W*)?2021\b|2021-12-20|\b12/20\b|12月20日|2021年12月",
            re.IGNORECASE,
        ),
        re.compile(r"2021-12-20|2021年12月20日"),
    ),
    (
        re.compile(
            r"\bmay\W*2021\b|\boriginal (?:post|article|version)\b|2021年5月|元の記事", re.I
        ),
        re.compile(r"\bMay 2021\b|2021年5月"),
    ),
)


# what one version said or changed, not how versions differ or what came before it
_WHAT_IT_CHANGED = re.compile(
    r"\bwhat (?:did|does|was|were) [^?]{0,40}\b(?:change|say|add|update|move)|\bwhat changed\b"
    r"|\bwhat(?:'s| is) new\b|何が(?:変わ|変更|追加|書き加え)|何を(?:変え|変更|追加)|変更点"
    r"|どんな(?:こと|内容|変更)",
    re.IGNORECASE,
)
_ACROSS_VERSIONS = re.compile(
    r"\b(?:between|earlier|before|original|first|previous|prior|again|how many times)\b"
    r"|以前|前の|元の|最初|いつ伝え|何回",
    re.IGNORECASE,
)


def of_the_version_named(question: str, sentences: list[str]) -> list[str]:
    """Keep, of the sentences, those about the one version of the guidance a question names.

    "What did the May 2022 update change?": not what the December 2021 update or the original
    post said. A sentence that dates nothing stays; with no version named, or none of the
    sentences about it, or a question across versions ("what changed between ...?"), all stay.
    """
    if not _WHAT_IT_CHANGED.search(question) or _ACROSS_VERSIONS.search(question):
        return sentences
    named = [said for asked, said in _VERSIONS if asked.search(question)]
    if len(named) != 1 or not any(named[0].search(t) for t in sentences):
        return sentences
    others = [said for _, said in _VERSIONS if said is not named[0]]
    about = [t for t in sentences if named[0].search(t) or not any(o.search(t) for o in others)]
    # a sentence that goes on to a later version says more than was asked (_VERSIONS runs from
    # the newest): "what did the December update change?" is not answered with May's date
    said_by = [said for _, said in _VERSIONS]
    later = said_by[: said_by.index(named[0])]
    before = [t for t in about if not any(o.search(t) for o in later)]
    return before if any(named[0].search(t) for t in before) else about


_VERSIONS_NAMED = re.compile(r"\b(?:updates|versions|revisions)\b|更新|改訂|版", re.IGNORECASE)


def versions_missing(question: str, chosen: list[str], candidates: list[str]) -> list[str]:
    """Return, for a question across versions, the best sentence dating each version not chosen.

    "How did the timing shift between the original post and the two updates?" is answered
    with what each version said, each dated.
    """
    if not (_ACROSS_VERSIONS.search(question) and _VERSIONS_NAMED.search(question)):
        return []
    missing = [said for _, said in _VERSIONS if not any(said.search(t) for t in chosen)]
    found = (next((c for c in candidates if said.search(c)), None) for said in missing)
    return [t for t in found if t is not None]


_ASKED = re.compile(r"[^.!?。！？\n]*[?？]")
# a Japanese clause that tells the situation before the one that asks, in the same sentence:
# 「海外子会社分のEAで外貨払いがあるんだけど、」「弊社は病院ですが、」「共有したいんで、」
_SITUATION_THEN = re.compile(
    r"(?:まして|ので|んで|ですが|ますが|だけど|けど|けれど(?:も)?|ところ)[、,]"
)
_SHORTEST_ASKED = 6
# a Japanese question after the last question mark, left without one: 「…ですか?期限ありますか」
_ASKS_WITHOUT_MARK = re.compile(r"(?:ますか|ですか|でしょうか|ありますか|あるの|かな)[。]?\s*$")


def asked_parts(question: str) -> list[str]:
    """Return the parts of a question that ask something, without the situation told first.

    These are the sentences ending in a question mark, and in Japanese the last clause of
    each after one that tells the situation. The whole question is not among them.
    """
    marked = [p.strip() for p in _ASKED.findall(question)]
    tail = re.split(r"[?？]", question)[-1].strip()
    if marked and tail and _ASKS_WITHOUT_MARK.search(tail):
        marked.append(tail)  # 「いつまでにサインするんですか?期限ありますか」
    sentences = marked or [question.strip()]
    parts = [_asked_clause(p) for p in sentences]
    return [p for p in parts if p and p != question.strip()]


def _asked_clause(sentence: str) -> str:
    last = _SITUATION_THEN.split(sentence)[-1].strip()
    return last if len(last) >= _SHORTEST_ASKED else sentence
