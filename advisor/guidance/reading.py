"""Reading a guidance question: what kind of answer it wants, which terms and motions it names.

Whether the guidance covers it at all is `advisor.guidance.scope`.
"""

from __future__ import annotations

import re
from functools import cache

from advisor.domain.schemas import Lang
from advisor.guidance.asking import asked_parts
from advisor.guidance.knowledge import KnowledgeBase, Section
from advisor.guidance.pricing import GUIDANCE_FIGURE
from advisor.guidance.scope import spaced
from advisor.guidance.wording import PLAIN, STAYS_WITH

_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "must",
        re.compile(
            r"\b(?:must|have to|has to|had to|required|require[sd]?|mandatory|obligat\w*|forced"
            r"|make (?:us|them|me|you|customers?|the customer) (?:switch|move|change|go|sign|buy)"
            r"|compulsory|need to (?:move|switch|change|transition|migrate|go))\b"
            r"|義務|必須|しなければ|ないと(?:いけ|ダメ|だめ)|必要があります|強制|ねばなら"
            r"|移行しないと"
            r"|(?:し|させ)ないと(?:ダメ|だめ|いけな|まず)|させられ|なきゃ|なくちゃ|なければならな",
            re.IGNORECASE,
        ),
    ),
    (
        "when",
        re.compile(
            r"\bwhen\b|\bwhat (?:date|year|month|time)\b|\bwhich (?:date|year|month)\b"
            r"|\bby when\b|\bdeadline\b|\btimeline\b|\bhow long\b|いつ|何月|何年|日付|日程"
            r"|時期|期限|スケジュール|タイムライン",
            re.IGNORECASE,
        ),
    ),
    (
        "how_many",
        re.compile(
            r"\bhow (?:many|much|big|large)\b|\bwhat (?:size|number|threshold|limit)\b"
            r"|\bup to\b|\bat what\b|\babove what\b|いくつ|何シート|何席|いくら|何人|何件"
            r"|どのくらい|どれくらい|どの程度|どれだけ|何ドル|規模",
            re.IGNORECASE,
        ),
    ),
    (
        "who",
        re.compile(
            r"^\s*who\b|\bwhose\b|\bwho (?:is|are|should|can|does|do|handles?|owns?|manages?)\b"
            r"|\bwhich (?:customers|partners|companies|organi[sz]ations|businesses)\b"
            r"|\bfor whom\b|\bwhat (?:kind|sort|type) of (?:customers?|compan\w+|organi\w+)"
            r"|誰|だれ|どの(?:ような|よう な)?(?:お客様|顧客|企業|会社|組織)"
            r"|(?:どんな|どういう|どういった)(?:お客様|顧客|企業|会社|組織)|対象",
            re.IGNORECASE,
        ),
    ),
)
# what happens past a threshold: "what changes above USD 1M?", 「2,400シートを超えるとどうなる」
_GROWS = re.compile(
    r"\bwhat (?:happens|changes|is different)\b[^?]{0,60}\b(?:above|over|beyond|past|more than"
    r"|grow\w*|bigger|larger)\b|\b(?:grow\w*|get\w*|keeps? getting) (?:past|beyond|over|bigger"
    r"|larger)\b|\bhow (?:do|does|would|will) (?:\w+ ){1,6}change\b"
    r"|(?:超え|超過|増え)[^？?。]{0,40}(?:どうな|何が|なにが|変わ|違)|(?:どう|何が|なにが)変わ",
    re.IGNORECASE,
)
# a deal past one of the guidance's thresholds: "5,000 seats through CSP?", 「3000シートの案件」
_PAST_THRESHOLD = re.compile(
    r"(?<![\d,.])(?:[3-9],?\d{3}|2,?(?:[5-9]\d\d|4\d[1-9]|4[1-9]\d)|\d{2,3},?\d{3})\s*(?:-?\s*)"
    r"(?:seats?|users?|licen[cs]es?|シート|席|ユーザー|ライセンス)",
    re.IGNORECASE,
)
# what happens to it: the economics, or whether it may stay
_WHAT_HAPPENS = re.compile(
    r"\bwhat happens\b|\beconomics\b|\ballowed\b|\bstill\b|\bcan (?:we|they|a partner|partners)"
    r"|\bbuy(?:ing)?\b|\bsell(?:ing)?\b|\bkeep (?:selling|buying|using)\b|経済性|どうなる"
    r"|できますか|できる[?？]|売れ|買え|使え|まだ",
    re.IGNORECASE,
)
# a question about size: "is self-service only for tiny customers?", 「どのくらいの規模の会社？」
_SIZE = re.compile(
    r"\b(?:tiny|small|smaller|large|larger|big|bigger|smb|sme)\s+(?:customers?|compan\w+"
    r"|organi[sz]ations?|orgs?|businesses|firms?|shops?|clients?)\b"
    r"|\b(?:what|which|any) size\b|\bsize of (?:the )?(?:customers?|compan\w+|organi\w+|businesses)"
    r"|規模の(?:会社|企業|お客様|顧客|組織)|大企業|中小企業|小さい会社|大きい会社|零細",
    re.IGNORECASE,
)
_ONLY = re.compile(
    r"\b(?:only|just|solely) (?:for|meant for|aimed at)\b|だけ|のみ|限定", re.IGNORECASE
)
# who a motion is for, rather than who did something: "who is each meant for?", 「誰向け」
_FOR_WHOM = re.compile(
    r"\b(?:meant|intended|aimed|designed|made|suited|right|best) (?:for|at)\b|\bfor whom\b"
    r"|\bwho (?:is|are) (?:each|it|they|these|those)(?: \w+)? for\b|向け|対象|合う|向いて",
    re.IGNORECASE,
)
# how a customer buys: the route is the answer ("online", "through a CSP partner")
_HOW_BUY = re.compile(
    r"\bhow (?:do|does|can|could|should|would|will) (?:\w+[ -]){0,4}?"
    r"(?:buy|purchase|order|get|sign)|\bwhere (?:do|does|can|should) (?:\w+[ -]){0,4}?"
    r"(?:buy|purchase|order)|どうやって[^？?。]{0,12}(?:買|購入|契約)"
    r"|どのように[^？?。]{0,12}(?:買|購入|契約)|どこで[^？?。]{0,8}(?:買|購入)"
    r"|(?:購入|契約)(?:の形|形態|経路)は",
    re.IGNORECASE,
)
# "we've got 900 people, who should we buy from?": which motion fits the asker, with nothing
# said of what they need beyond their size; the guidance leaves that to the customer's needs
_FITS = re.compile(
    r"\b(?:which|what) (?:purchasing )?(?:motion|route|way|channel|option)s?\b(?: to buy)?"
    r"[^?.]{0,30}"
    r"\b(?:fits?|suits?|should (?:we|i|they)|is (?:right|best|better) for|(?:do|would) you "
    r"recommend|for (?:us|me|them)|(?:do|would|should) (?:we|i) (?:use|pick|choose|go with))\b"
    r"|\bwho should (?:we|i) (?:buy|purchase) (?:from|through|with|via)\b|\b(?:how|where) should "
    r"(?:we|i) (?:buy|purchase)\b"
    r"|どこ(?:から|で)(?:買|購入)[^。？?]{0,8}(?:いい|良い|べき|おすすめ|お勧め)"
    r"|どの(?:購買)?モーション(?:が|を)[^。？?]{0,6}(?:合|向いて|いい|良い|おすすめ|お勧め|選ぶべき"
    r"|使うべき)",
    re.IGNORECASE,
)
# a need the question names, which retrieval answers from where the guidance speaks of it
_NAMES_A_NEED = re.compile(
    r"\bdual|\blead[- ]status|\bmulti-?(?:tenant|affiliate)|\bcomplex|\bspecial|\bcustom"
    r"|\bterms\b|\bnegotiat|\bonline\b|\bportal|\bweb\b|\bself|\bexactly\b|\btrial"
    r"|\bconcession|デュアル|リード|マルチ|複雑|特別|特殊|独自|条件|交渉|オンライン|ポータル|ウェブ"
    r"|Web|自分で|セルフ|試用|正確",
    re.IGNORECASE,
)


def asks_what_fits(question: str) -> bool:
    """Tell whether a question asks which motion fits the asker, saying no more than its size."""
    return _FITS.search(question) is not None and _NAMES_A_NEED.search(question) is None


# what a sentence needs to answer each kind of question
_COMPARE = re.compile(
    r"\bdiffer\w*|\bdistinguish\w*|\bvs\b|\bversus\b|\bcompar\w*|\bcontrast\b"
    r"|\bwhich (?:is|one|would|should|fits|suits)\b|\bor\b[^?]*\bbetter\b|\bbetter\b[^?]*\bor\b"
    r"|違い|違う|異なる|比較|比べ|どっち|どちら|差は|ちがい",
    re.IGNORECASE,
)
# the motion each side of a comparison names: the motion, its contract or who sells it
_SIDES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "breadth-motion",
        re.compile(
            r"\bbreadth\b|\bcsp\b|cloud solution provider|\breseller\b|ブレッ?ドゥ?ス"
            r"|\bpartner compan(?:y|ies)\b|代理店"
            r"|(?<![ａ-ｚA-Za-z])ＣＳＰ|(?<![A-Za-z])CSP(?![A-Za-z])",
            re.IGNORECASE,
        ),
    ),
    (
        "enterprise-motion",
        re.compile(
            r"\benterprise\b|\beas?\b|\bmcas?\b|enterprise agreement|customer agreement"
            r"|\bmicrosoft seller|\bseller\b|エンタープライズ|(?<![A-Za-z])(?:EA|MCA)(?![A-Za-z])"
            r"|販売担当|営業担当"
            r"|\bbig[- ]company (?:contract|route|deal)|大(?:きい|きな)会社向け|大手向け",
            re.IGNORECASE,
        ),
    ),
    (
        "self-service-motion",
        re.compile(
            r"self[- ]?serv\w*|\bonline\b|\bweb ?direct\b|\bon (?:our|my|their) own\b"
            r"|\bweb ?site\b|セルフサービス|セルフ|オンライン|自分で|ウェブ|ネットで",
            re.IGNORECASE,
        ),
    ),
)


# the partner's part in each motion: the guidance sets them side by side where it describes how
# commerce is changing ("in breadth the partner manages every aspect ...")
_PARTNER_PART = re.compile(
    r"\bpartner(?:'s|s'|s)?\b[^?]{0,40}\b(?:role|roles|part|involvement|involved|scope|job"
    r"|responsibilit\w+|do|does|handle|manage)\b|\b(?:role|part|involvement|scope|job)s? of "
    r"(?:the |a )?partners?\b"
    r"|パートナー[^。？?]{0,20}(?:役割|関わり|かかわり|立場|役目|範囲|仕事|やること|すること|担当)",
    re.IGNORECASE,
)


def compares_partner_parts(question: str) -> bool:
    """Tell whether a comparison asks how the partner's part differs between the motions."""
    sides = compared_sections(question)
    return (
        _PARTNER_PART.search(spaced(question)) is not None
        and "breadth-motion" in sides
        and len(sides) >= 2
    )


def compared_sections(question: str) -> list[str]:
    """Return the sections of the motions a question names, in the order it names them."""
    question = spaced(question)  # 「breadthとEA」 names both
    found = [(m.start(), sid) for sid, pattern in _SIDES if (m := pattern.search(question))]
    return [sid for _, sid in sorted(found)]


def question_kind(question: str) -> str:
    """Return what kind of answer a question wants.

    must, when, how_many, who, compare (two of the motions, or the ways they buy, set side by
    side), beyond (what changes past a threshold), how_buy (the route a customer buys by),
    fits (which motion fits the asker), what_is or other.
    """
    question = spaced(question)  # 「モーション変更ってmust?」: an English word is a word
    if asks_what_fits(question):
        return "fits"
    if STAYS_WITH.search(question):
        return "beyond"  # "can we still stay with our partner?"
    # "a 2,000-seat deal vs a 5,000-seat one": the two sides of a threshold, not two motions
    sides_of_a_figure = len(re.findall(r"\d[\d,.]*", question)) >= 2 and GUIDANCE_FIGURE.search(
        question
    )
    compares = (
        _COMPARE.search(question)
        and len(compared_sections(question)) >= 2
        and not sides_of_a_figure
    )
    for kind, pattern in _KINDS:
        if kind == "how_many" and not compares and _PAST_THRESHOLD.search(question):
            if _WHAT_HAPPENS.search(question):
                return "beyond"  # "5,000 seats through CSP: what happens to the economics?"
        if (
            kind == "how_many"
            and not compares
            and _SIZE.search(question)
            and not _GROWS.search(question)
        ):
            # "only for tiny customers?", 「どのくらいの規模の会社？」
            if not re.search(r"\d", question) and (
                pattern.search(question) or _ONLY.search(question)
            ):
                return "who"  # "for what size of company?" asks who, not for a figure
        if kind == "who" and compares and _FOR_WHOM.search(question):
            return "compare"  # "breadth vs enterprise: who is each for?" sets both side by side
        if pattern.search(question):
            return kind
    if compares:
        return "compare"
    if GUIDANCE_FIGURE.search(question) and (
        (sides_of_a_figure and _COMPARE.search(question)) or _GROWS.search(question)
    ):
        return "beyond"
    if _HOW_BUY.search(question):
        return "how_buy"
    if _DEFINITION_BEFORE.search(question) or _DEFINITION_AFTER.search(question):
        return "what_is"
    return "other"


_DEFINITION_BEFORE = re.compile(
    r"(?:wh?at(?:'s| is| are|'re|s)|what exactly (?:is|are)|define|explain|meaning of|definition of"
    r"|mean by|meant by|heard of|spell out"
    r"|tell me about)\s+(?:exactly\s+)?(?:an?\s+|the\s+|this\s+)?(?:term\s+|thing called\s+"
    r"|so-called\s+)?[\"'“]?$",
    re.IGNORECASE,
)
# the term alone, asked: "CSP?", "MCA = ?", 「EA？」
_BARE_TERM_AFTER = re.compile(
    r"^\s*(?:[=＝:：]\s*)?(?:[?？]+|what\s*[?？]*)\s*(?:spell (?:it|that|them) out|full (?:form"
    r"|name))?[.!?]*\s*"
    r"(?:\([^)]*\)\s*)?$",
    re.IGNORECASE,
)
# after "what is X": the question ends, or only hedges it ("what's an EA exactly?"), so "what's a
# CSP partner actually do?" is not a definition question
_DEFINITION_END = re.compile(
    r"[\"'”]?\s*(?:program(?:me)?|rights?|skus?|agreement)?\s*(?:,?\s*(?:exactly|actually|again"
    r"|really|in (?:plain|simple) (?:words|terms|english)|then|anyway|please|here|roughly"
    r"|briefly|in short|in a nutshell|simply put"
    r"|(?:that |which )?(?:the|this) (?:post|guidance|article|blog) (?:mentions|uses"
    r"|talks about)"
    # "…mentioned in the breadth section?", "…in the list of complex terms?"
    r"|(?:mentioned |listed |used )?in the (?:[\w-]+ ){0,2}(?:list|section|post|guidance)"
    r"(?: of [\w-]+ [\w-]+)?))*"
    r"\s*[?.!]*"
    # "...and why does it matter?", "..., and which motion are they handled in?"
    r"(?:\s*(?:,\s*)?(?:and|,)\s+(?:why|how|where|which|who|when) [^?]*[?.!]*)?\s*$",
    re.IGNORECASE,
)
_WHAT_THE_GUIDANCE_SAYS = re.compile(
    r"(?:ガイダンス|記事)(?:の中|上)?(?:で|に)?は?[^。？?]{0,6}(?:どういう|どのような|どんな)?扱い"
    r"|\bhow does the (?:guidance|post) (?:treat|describe|handle)\b|\bwhat does the (?:guidance"
    r"|post)"
    r" say about\b",
    re.IGNORECASE,
)
_DEFINITION_AFTER = re.compile(
    r"^[\"'”」』]?\s*(?:\w+\s+){0,2}?(?:stands? for|(?:is )?short for|means?\b|mean\?)"
    # "MCA, spell it out pls"
    r"|^\s*[,:-]?\s*(?:spell (?:it|that|them|those) out|full (?:forms?|names?))\b[\s,]*"
    r"(?:for me|pls|please|thx)?"
    r"[?.!]*\s*$"
    r"|^\s*(?:[-—–:,=]\s*)?(?:meaning|definition|full name)\s*\?*\s*$"
    # "QRP is what exactly", "multi-tenant in MS contract terms = ?"
    r"|^\s*(?:is|are) what\b|^\s*in (?:[\w-]+ ){1,4}[=＝]\s*[?？]"
    # 「EAってエンタープライズ契約のこと、という理解で合っていますか」
    r"|^\s*って[^。？?]{1,25}?のこと[、,]?\s*(?:という理解で|で合って|であって|ですよね|でいい)"
    r"|^\s*(?:in (?:this|that|the guidance'?s?|the post'?s?) (?:context|post|guidance) )?"
    r"means? what\b"
    r"|^[\"'”]?\s*,?\s*in (?:plain|simple) (?:english|words|terms)\s*(?:\?|,\s*(?:and\s+)?(?:why"
    r"|how"
    r"|where|which|who|when)\b)"
    r"|^\s*in (?:licensing|partner|plain) (?:speak|terms|language)\s*(?:=\s*)?\?"
    # "'Dual-use rights', is that about using the software at home and at work?"
    r"|^[\"'”]?\s*,\s*is (?:that|it|this) (?:about|when|where|like|a kind of|some kind of)\b"
    r"|^[^?!]{0,40}?\b(?:what(?:'s| is) (?:that|it|this)|what does (?:that|it|this) (?:even "
    r"|actually |really )?(?:mean"
    r"|stand for))\b"
    # (a few letters may finish the term, 「デュアルユース権って何」, but not a particle and more:
    # 「QRPに入れる条件って何？」 asks about the conditions)
    r"|^[^\s。？?、にをがで]{0,12}?[」』）)]?\s*(?:(?<!こ)とは|って(?:ざっくり|簡単に|要するに|一言で|そもそも"
    r"|ひとことで"
    r"|手短に)?[、,]?(?:何|なに|なん)(?=[?？。!！、\s]|$|です"
    r"|でしょう|だ|の(?:こと|略|意味)"
    r"|を(?:指|意味)|か[?？]|？|なの)|って(?:どういう|どんな)|っていうのは|ってのは[?？]"
    r"|というのは|の意味|の略|を説明|とはどういう|の?正式(?:名称|名)|って正式(?:には|名称|名)"
    r"|って(?:なん|何)(?:やねん|なん|やの)"
    r"|って\s*(?:full ?name|フルネーム|正式名称)(?:は|って)?\s*(?:なに|何|[?？]))"
    # 「デュアルユース権ってそもそも何の権利？」「QRPって何するプログラム？」
    r"|^[」』）)]?\s*(?:って|とは)(?:そもそも|一体|いったい)?\s*(?:何|なに|なん)(?:の|する|をする)"
    r"[^？?。、]{0,8}?(?:[?？]|$|です|でしょう|なん|なの)"
    # a few words between: 「マルチテナントって、購買の文脈だと何を指してる？」
    r"|^[」』）)]?\s*(?:って|とは)[^？?。、]{0,12}?(?:何のこと|なんのこと|何を指|なにを指|何を意味"
    r"|どういう意味|どういう状態)"
    r"|^[」』）)]?\s*(?:って(?:の|いうの)?は?|とは)[、,]\s*[^？?。]{0,15}?(?:どういう|どんな|何を指"
    r"|なにを指"
    r"|何のこと|なんのこと|何を意味|の意味|(?:何|なに|なん)(?=[?？。]|$|です|でしょう|だ|なの))"
    # 「「マルチアフィリエート」とありましたが、これはどういう意味ですか」
    r"|^[」』]?[^」』？?。]{0,8}?[」』]\s*(?:と|って)(?:いう(?:言葉|単語|用語)(?:が|も))?(?:よく|よう)?"
    r"(?:あり|書い|出て|載っ|言う|言わ"
    r"|言っ|聞く|聞き|聞い)[^？?。]{0,20}?"
    r"(?:どういう意味|何のこと|何を指|要するに(?:何|なに|なん))"
    # 「見積書に「CSP」ってあるんですが、これ何のこと？」
    r"|^[」』]\s*(?:と|って)(?:あり|ある|書い|出て|載っ|言う|言わ|言っ|聞く|聞き"
    r"|聞い)[^？?。]{0,20}?"
    r"(?:どういう意味|何のこと|なんのこと|何を指|(?:これ|それ)(?:って)?(?:何|なに))",
    re.IGNORECASE,
)


@cache
def _term_pattern(term: str) -> re.Pattern[str]:
    """Return how a glossary term is found in a question (a Latin term as a whole word)."""
    escaped = re.escape(term)
    pattern = rf"(?<![A-Za-z]){escaped}s?(?![A-Za-z])" if term.isascii() else escaped
    return re.compile(pattern, re.IGNORECASE)


# English words in a Japanese question ("self-serviceの客はどこで買うの？", "seat閾値は？") in the
# Japanese guidance's own words; the names it keeps in Latin letters (Azure, CSP, EA, MCA, SKU)
# are matched as they are
_IN_JAPANESE: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(rf"(?<![A-Za-z]){pattern}(?![A-Za-z])", re.IGNORECASE), words)
    for pattern, words in (
        (r"dual[- ]?use(?:[- ]rights?)?", "デュアルユース権"),
        (r"lead[- ]?status", "リードステータス"),
        (r"multi[- ]?tenants?", "マルチテナント"),
        (r"multi[- ]?affiliates?", "マルチアフィリエイト"),
        (r"self[- ]?serv(?:ice)?", "セルフサービス"),
        (r"new[- ]commerce", "新しいコマース"),
        (r"seat[- ]based", "シートベース"),
        (r"seats?", "シート"),
        (r"ent(?:erprise)?", "エンタープライズ"),
        (r"breadth", "ブレドゥス"),
        (r"motions?", "モーション"),
        (r"partners?", "パートナー"),
        (r"incentives?", "インセンティブ"),
        (r"wholesale", "ホールセール"),
        (r"prices?|pricing", "価格"),
        (r"thresholds?|caps?|limits?|閾値|しきい値", "基準"),
        (r"online|web", "オンライン"),
        (r"commerce", "コマース"),
        (r"customers?|clients?", "お客様"),
        (r"sellers?|sales ?reps?", "販売担当者"),
        (r"guidance", "ガイダンス"),
        (r"offers?", "オファー"),
        (r"ga", "一般提供"),
        (r"timeline", "タイムライン"),
        (r"platforms?", "プラットフォーム"),
        (r"visions?", "ビジョン"),
        (r"updates?", "更新"),
        (r"approvals?", "承認"),
        (r"focus areas?", "主要分野"),
        (r"special terms?", "特別な条件"),
        (r"smbs?", "中堅・中小企業"),
        (r"support", "サポート"),
        (r"ms|msft", "マイクロソフト"),
        (r"usd|us\$|dollars?", "米ドル"),
        (r"1\s?m(?:il(?:lion)?)?", "100万"),
    )
)


# the guidance's Japanese words in an English question: "ブレドゥス motion = who exactly?"
_IN_ENGLISH: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), f" {words} ")
    for pattern, words in (
        (r"ブレドゥス|ブレッドス|ブレス", "breadth"),
        (r"エンタープライズ", "enterprise"),
        (r"セルフサービス", "self-service"),
        (r"モーション", "motion"),
        (r"シート", "seats"),
        (r"パートナー", "partner"),
    )
)


def in_guidance_words(text: str, lang: Lang) -> str:
    """Return a question in the guidance's words: its plain words and other language's."""
    for pattern, words in PLAIN[lang]:
        text = pattern.sub(words, text)
    if lang != "ja":
        for pattern, words in _IN_ENGLISH:
            text = pattern.sub(words, text)
        return text
    for pattern, words in _IN_JAPANESE:
        text = pattern.sub(words, text)
    return text


def defined_term(question: str, kb: KnowledgeBase, lang: Lang) -> Section | None:
    """Return the glossary entry of the term a "what is X?" question asks about, if any.

    The whole question is read, then each sentence that asks: "What's a 'lead-status SKU'? It
    appears in the list of complex terms."
    """
    if _WHAT_THE_GUIDANCE_SAYS.search(question):
        return None  # 「QRPって、ガイダンスの中ではどういう扱い？」: what the guidance says of it
    for part in [question, *asked_parts(question)]:
        entry = _entry_defined(part, kb, lang)
        if entry is not None:
            return entry
    if _ABBREVIATION_ASKED.search(question):
        # 「よく「CSP」と言われるのですが、…正式名称を存じ上げません。何の略でしょうか。」
        named = _named_terms(question, kb, lang)
        if len(named) == 1:
            return named[0]
    return None


# what an abbreviation stands for, asked anywhere in the question
_ABBREVIATION_ASKED = re.compile(
    r"何の略|なんの略|正式名称|略さずに|\bstands? for\b|\bfull name\b|\bspelled out\b",
    re.IGNORECASE,
)


def _entry_defined(question: str, kb: KnowledgeBase, lang: Lang) -> Section | None:
    question = in_guidance_words(question, lang)  # 「dual-use rightsってなに」
    for term, section in kb.glossary_terms(lang):
        for m in _term_pattern(term).finditer(question):
            before = question[: m.start()].rstrip()
            before = before + " " if before and not before.endswith(('"', "'", "“")) else before
            after = question[m.end() :]
            if (
                (not before.strip() and _BARE_TERM_AFTER.match(after))
                or _DEFINITION_AFTER.search(after)
                or (_DEFINITION_BEFORE.search(before) and _DEFINITION_END.match(after))
            ):
                return section
    return None


# "how do X and Y differ?", 「XとYの違いは？」
_CONTRAST = re.compile(
    r"\bdiffer\w*\b|\bvs\.?(?!\w)|\bversus\b|\bcompared? (?:to|with)\b|\b(?:stand|short) for\b"
    r"|\babbreviat\w*|の略|\bspell(?:s|ed)? (?:(?:it|that|them|those) )?out\b"
    r"|違い|ちがい|違う|違います|異な|比べ|比較|差は|差って",
    re.IGNORECASE,
)


def contrasted_terms(question: str, kb: KnowledgeBase, lang: Lang) -> list[Section]:
    """Return the glossary entries of the terms a "how do X and Y differ?" question names."""
    if not _CONTRAST.search(question):
        return []
    return _named_terms(question, kb, lang)


def _named_terms(question: str, kb: KnowledgeBase, lang: Lang) -> list[Section]:
    """Return the glossary entries of the terms a question names, in the order it names them."""
    question = in_guidance_words(question, lang)
    found: list[tuple[int, Section]] = []
    taken: list[tuple[int, int]] = []
    for term, section in kb.glossary_terms(lang):  # longest first: "EA" inside "EA/MCA" is fine
        for m in _term_pattern(term).finditer(question):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            taken.append((m.start(), m.end()))
            if all(section is not s for _, s in found):
                found.append((m.start(), section))
    return [section for _, section in sorted(found, key=lambda pair: pair[0])]
