"""Answers to guidance questions, from the retrieved sections only, with numbered citations.

Offline the answer is extractive: the best-matching sentences of the best sections, each with
its marker. With a chat model, the model writes the answer from the same sections and its
markers are checked against them. Either way, a question the guidance does not cover gets a
plain "the guidance does not say" instead of a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage

from advisor import prompts
from advisor.config import Settings
from advisor.domain.schemas import Answer, Citation, Lang
from advisor.errors import ServiceError
from advisor.guidance.index import GuidanceIndex, Hit
from advisor.guidance.knowledge import KnowledgeBase, Section
from advisor.inputs import clean_text
from advisor.nlu import detect_lang

NOT_IN_GUIDANCE = "NOT_IN_GUIDANCE"

# Refusal thresholds, tuned on evals/cases/ask.yaml (see benchmarks/RETRIEVAL.md): every
# answerable question there scores at least 0.089 and uses at least 57% guidance words;
# the off-topic ones score below 0.081 or use at most 50% guidance words.
MIN_SCORE = 0.05
MIN_COVERAGE = 0.3
# Sections and sentences that reach this share of the best one are worth showing too.
RELATIVE_SECTION = 0.6
RELATIVE_SENTENCE = 0.45
OTHER_SECTION_WEIGHT = 0.5
MAX_SENTENCES = 3
LEAD_SENTENCES = 2
LEAD_BONUS = 0.2
FOLLOWING_SENTENCE = True
# A sentence that carries what the kind of question asks for gains this share of the best score.
KIND_BONUS = 0.5
DEFINITION_SENTENCES = 2
MAX_LIST_ITEMS = 5

_YEAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)")
_MARKER = re.compile(r"\s*\[(\d+(?:\s*,\s*\d+)*)\]")

_OTHER_VENDORS = re.compile(
    r"(?<![A-Za-z])(?:aws|amazon|google|gcp|workspace|oracle|salesforce|ibm|alibaba|sap|vmware"
    r"|zoom|slack|adobe|dropbox|servicenow|apple)(?![A-Za-z])|アマゾン|グーグル|オラクル",
    re.IGNORECASE,
)
_PRICE_ASK = re.compile(
    r"\bhow much (?:does|do|is|are|will|would|should)\b[^?]*\b(?:cost|charge|pay|price)"
    r"|\bhow much (?:is|are|for)\b"
    r"|\bcosts?\b|\bper (?:user|seat|month|year|licen[cs]e)\b|\bpercent(?:age)?\b|%|％"
    r"|\bcheaper\b|\bmore expensive\b|\bprice list\b|\b(?:list )?prices? (?:of|for)\b"
    r"|\bwhat(?:'s| is| are) the (?:list )?(?:price|cost)s?\b"
    r"|いくら|料金|月額|年額|値段|パーセント|(?:インセンティブ|割引|手数料|マージン)率|安い"
    # a rate or an amount of a discount, an incentive or a margin (the guidance names no figure)
    r"|\b(?:incentive|discount|rebate|margin|commission)s? (?:rate|percentage|level|amount)s?\b"
    r"|\bhow (?:big|large|much|generous) (?:is|are|of|would be) (?:the |a |an |our |their )?"
    r"(?:\w+ ){0,3}(?:discount|rebate|margin|incentive|commission)s?\b"
    r"|\bwhat (?:exact |typical |usual |kind of )?(?:margin|rebate|commission|discount)s?\b"
    r"|\b(?:exact|typical|usual|standard|average) (?:incentive|discount|margin|rebate)s?\b"
    r"|(?:割引|値引き|インセンティブ|マージン|リベート|手数料)(?:は|って|の)?(?:何|なん|どのくらい|どれくらい|いくつ)"
    r"|どの(?:くらい|程度)の(?:割引|値引き|インセンティブ|マージン)|ディスカウント|安く(?:済|な|買)"
    r"|高く(?:つ|な)|総額|(?:費用|コスト)(?:は|って|が)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Support:
    """What retrieval found for a question, and why it is not enough when it is not.

    `definition` is the glossary entry of the term a "what is X?" question asks about, if the
    glossary has one: it comes from Microsoft's public documentation, not the guidance.
    """

    hits: list[Hit]
    refusal: str | None
    definition: Section | None = None
    kind: str = "other"


def answer_question(
    question: str,
    *,
    index: GuidanceIndex,
    settings: Settings,
    lang: Lang | None = None,
    chat_model: BaseChatModel | None = None,
) -> Answer:
    """Answer a guidance question from the knowledge base, citing the sections used.

    With `chat_model` the model writes the answer from the retrieved sections; without one the
    answer is extractive.
    """
    question = clean_text(question, field="question", limit=settings.max_message_chars)
    lang = lang or detect_lang(question)  # the customer's language, as in chat
    as_of = index.kb.as_of(lang)
    support = find_support(question, index=index, lang=lang)
    if support.refusal is not None:
        return _refusal(support.refusal, lang, as_of)
    if chat_model is None:
        return offline_answer(question, support, index=index, lang=lang)
    return _llm_answer(question, support, chat_model=chat_model, index=index, lang=lang)


def offline_answer(question: str, support: Support, *, index: GuidanceIndex, lang: Lang) -> Answer:
    """Answer from what retrieval found, without a language model: extractive, or a refusal."""
    if support.refusal is not None:
        return _refusal(support.refusal, lang, index.kb.as_of(lang))
    if not support.hits:
        assert support.definition is not None
        return _defined(support.definition, None, lang, index.kb.as_of(lang))
    answer = extractive_answer(question, support.hits, index=index, lang=lang, kind=support.kind)
    if support.definition is not None:
        return _defined(support.definition, answer, lang, index.kb.as_of(lang))
    return answer


def find_support(question: str, *, index: GuidanceIndex, lang: Lang, k: int = 3) -> Support:
    """Retrieve sections for a question and decide whether they can answer it.

    The scope is decided by what is asked, not by its words: a price, a discount or incentive
    rate, a SKU, a region or anything after the guidance's last update is out of scope, while
    the guidance's own figures ("above how much Azure a year...?") are in it.
    """
    kind = question_kind(question)
    definition = defined_term(question, index.kb, lang)
    if _OTHER_VENDORS.search(question):
        return Support([], "vendor", kind=kind)
    if asks_price(question):
        return Support([], "price", kind=kind)
    if definition is None and (_SKU_OR_REGION.search(question) or _NOT_COVERED.search(question)):
        return Support([], "topic", kind=kind)
    if _AFTERWARDS.search(question):
        return Support([], "afterwards", kind=kind)
    if _CONTACT.search(question):
        return Support([], "contact", kind=kind)
    as_of = index.kb.as_of(lang)
    later = [y for y in _YEAR.findall(question) if y > as_of[:4]]
    if later:
        return Support([], f"later:{later[0]}", kind=kind)
    if kind == "compare":  # each motion compared is answered from its own section
        sides = [index.kb.section(sid, lang) for sid in compared_sections(question)]
        return Support([Hit(side, 1.0, 1.0) for side in sides], None, kind=kind)
    # "what's an EA exactly?": what the guidance says about the term, not about "exactly"
    query = question
    if definition is not None:
        names = dict(definition.document.terms).get(definition.id) or (definition.heading,)
        query = f"{_HEDGES.sub(' ', question)} {names[0]}"
    hits = index.search(query, lang, k=k)
    coverage = index.coverage(question, lang)
    # A short question made only of the guidance's own words ("CSPとは？") is on topic even
    # when its few features score low; otherwise both the score and the coverage must pass.
    # in scope or not is judged on the guidance's own words, not on the questions it answers
    content = max((h.content for h in hits), default=0.0)
    if not hits or coverage < MIN_COVERAGE or (content < MIN_SCORE and coverage < 1.0):
        if definition is not None:  # the guidance uses the term without explaining it
            return Support([], None, definition, kind)
        return Support(hits, "topic", kind=kind)
    return Support(hits, None, definition, kind)


_THRESHOLD = re.compile(
    r"\b(?:above|over|beyond|exceed\w*|more than|less than|under|below|up to|at most|at least"
    r"|threshold|cut-?off|limit|line|point)\b"
    r"|超え|超過|以上|以下|未満|まで|上限|下限|境目|境界|基準|ライン|目安|しきい値|閾値",
    re.IGNORECASE,
)
_GUIDANCE_FIGURE = re.compile(
    r"\b(?:seats?|users?|licen[cs]es?|azure|consumption|spend\w*|annual\w*|a year|per year"
    r"|deal size|deals?)\b|シート|席|ユーザー|Azure|年間|利用額|消費額|案件|規模",
    re.IGNORECASE,
)
_SKU_OR_REGION = re.compile(
    r"\b(?:which|what)\b[^?.]{0,20}\b(?:skus?|part numbers?|product codes?)\b"
    r"|\bsku (?:number|code|id)s?\b"
    r"|\b(?:available|availability|offered|sold|supported)\b[^?.]{0,40}\bin (?:my |our |the )?"
    r"(?:country|countries|region|regions|brazil|india|china|japan|germany|france|europe|the us"
    r"|the uk|canada|mexico|australia|korea|africa|asia)\b"
    r"|\bwhich (?:countries|regions)\b|\bdata ?cent(?:er|re) regions?\b"
    r"|どの\s*SKU|SKU\s*(?:番号|コード)|品番|(?:どの|どこの)(?:国|地域|リージョン)"
    r"|(?:国|地域|リージョン)で(?:は)?(?:買え|購入でき|使え|提供|利用でき)"
    # which product or plan to buy, or what one includes: the guidance names none
    r"|\bwhich (?:\w+ ){0,3}(?:plans?|editions?|suites?|tiers?|bundles?)\b"
    r"|\bwhich products? (?:count|should|do|to)\b"
    r"|\b(?:business (?:basic|standard|premium)|e[135]|f[13]|a[135]|defender|intune|copilot"
    r"|power bi|visio|project plan|windows 365|teams phone|dynamics 365 \w+)\b"
    r"|\bwhat features\b|\bfeatures? (?:does|do|of|it has)\b"
    r"|どの(?:プラン|エディション)|(?:ビジネス|Business) ?(?:Basic|Standard|Premium"
    r"|ベーシック|スタンダード|プレミアム)|機能(?:は|が|を)"
    # one country or region, or how they differ: the guidance speaks of none
    r"|\b(?:in|for|from|across|to) (?:the )?(?:eu|european union|emea|apac|latam|mainland china"
    r"|china|india|brazil|germany|france|uk|united kingdom|the us|usa|united states|canada|mexico"
    r"|australia|korea|singapore|japan)\b|\bheadquartered in\b"
    r"|\b(?:every|each|all|other|different|some) (?:countr(?:y|ies)|regions?|markets?)\b"
    r"|中国|欧州|EU(?:圏|域内)?で|米国|アメリカ|インド|国ごと|国によって|各国|海外|地域によって"
    r"|日本(?:でも|では|国内)|具体的に(?:どの|どんな)製品",
    re.IGNORECASE,
)


_HEDGES = re.compile(
    r"\b(?:exactly|actually|really|just|basically|hey|hi|so|again|please|precisely|anyway)\b",
    re.IGNORECASE,
)


# what the guidance never covers: who wrote it, and how a partner joins or qualifies for a program
_NOT_COVERED = re.compile(
    r"\b(?:author|who wrote|written by)\b"
    r"|\b(?:become|becoming|join|joining|sign up|enrol+)\b[^?.]{0,30}\b(?:partner|csp|program)"
    r"|\b(?:requirements?|eligib\w+|criteria|certification)\b[^?.]{0,30}\b(?:to be|for|become)\b"
    r"[^?.]{0,20}\b(?:partner|csp)"
    r"|著者|執筆者|書いた人|(?:パートナー|CSP)に?(?:なる|なれる|登録する)(?:ため|には|条件|要件)"
    # terms of a contract the guidance does not state: minimums, length, payment, ending it
    r"|\bminimum (?:number of |order of |annual )?(?:seats?|users?|licen[cs]es?|purchase|spend"
    r"|commitment|order|size|quantity)\b"
    r"|\b(?:contract|agreement|ea|mca|subscription|commitment) (?:length|duration|period)\b"
    r"|\b(?:contract|agreement|ea|mca) term\b(?!s)"
    r"|\bhow long (?:is|are|does|do|will)\b[^?]{0,30}\b(?:contract|agreement|ea|mca|term"
    r"|commitment)s?\b|\bpayment terms?\b|\bpenalt(?:y|ies)\b|\bnotice period\b"
    r"|\bdays'? notice\b|\b(?:end|terminate|cancel|exit|leave)\b[^?.]{0,30}\bearly\b"
    r"|\bhow (?:do|can) (?:we|i|a partner|partners) (?:qualify|apply|enrol+|join)\b"
    r"|\bqualify for\b"
    r"|最低(?:購入)?(?:シート|ライセンス|数|金額|人数|ユーザー)|契約期間|何年契約|支払(?:い)?条件"
    r"|違約金|中途解約|解約|通知期間|参加(?:する)?(?:ため)?の?(?:条件|要件|資格)|認定(?:要件|条件)"
    r"|(?:パートナー|CSP)に?なりたい|支払い?(?:は|方法|条件|サイクル)|年払い|前払い|一括払い"
    r"|同業他社|他社の(?:事例|例)"
    # the assistant itself, and other organisations' choices
    r"|\bwho (?:built|made|created|trained|programmed) you\b|\bare you (?:an? )?(?:ai|bot|robot"
    r"|human|person|chatgpt|gpt)\b|\bwhat (?:ai|model|llm)\b[^?]{0,20}\byou\b"
    r"|\b(?:remember|store|keep)\b[^?.]{0,30}\bbetween (?:sessions|conversations|chats)\b"
    r"|あなた(?:は|って)[^？?。]{0,20}(?:AI|モデル|誰|何者|人間|ロボット)|株価|天気"
    # other people's conversations: never a guidance question, and nothing the advisor shares
    r"|\b(?:other|previous|last|another) (?:customers?|users?|people)\b[^?.]{0,30}"
    r"\b(?:tell|told|said|say|says|ask|asked|wrote|typed)\b"
    r"|\b(?:other|previous|last|another) (?:conversations?|sessions?|chats?|transcripts?)\b"
    r"|\bconversations? (?:you|u) (?:had|have had)\b"
    r"|(?:他|ほか|前|以前)の(?:お客様|顧客|ユーザー|人)(?:が|の|は)[^？?。]{0,20}(?:言|話|聞|質問|書)"
    r"|(?:他|ほか|前|以前)の(?:会話|セッション|チャット)",
    re.IGNORECASE,
)
# asking to be contacted: "how do I get a partner to contact us?", 「担当者から連絡をもらうには」
_CONTACT = re.compile(
    r"\b(?:contact|call|email|e-mail|reach|ring) (?:me|us)\b|\bget in touch\b|\bhear back\b"
    r"|\b(?:can|could|may|like to|want to|let me|let us) (?:i |we )?(?:talk|speak) (?:to|with) "
    r"(?:a |an |some)?(?:one|body|person|human|real|seller|sales|partner)"
    r"|連絡(?:を|が)?(?:もら|ほし|欲し|して|いただ|くだ|下さ|来る|くる)"
    r"|(?:担当者?|営業|セールス|販売担当者?|パートナー)(?:の方)?(?:と|に)"
    r"(?:話したい|話せ|相談したい|相談でき|つないで|繋いで|連絡)",
    re.IGNORECASE,
)
# what happened after the guidance's last update: "did it actually happen?", 「その後どうなった」
_AFTERWARDS = re.compile(
    r"\bwhat (?:happened|has happened|changed) (?:after|since|next|later)\b|\bsince then\b"
    r"|\bdid (?:it|they|that|those|the \w+(?: \w+)?) (?:actually|really|in the end|finally) "
    r"(?:happen|change|go ahead|take effect|start)"
    r"|その後(?:どう|は)|結局[^。？?]{0,30}(?:された|変わった|実施された|始まった)(?:んですか|のですか|の)?[?？]"
    r"|\b(?:latest|newest|most recent|this (?:fiscal )?year'?s?|next (?:fiscal )?year'?s?)\s+"
    r"(?:\w+\s+){0,2}(?:rules?|incentives?|thresholds?|programs?|programmes?|pricing"
    r"|policy|policies)\b"
    r"|\b(?:rules?|incentives?|thresholds?|programs?|pricing|policy) (?:for|of|in) (?:this|next)"
    r" (?:fiscal )?year\b|\bnext year\b|\bsince (?:20\d\d|the update|then)\b"
    r"|\b(?:did|has|have|was|were)\b[^?]{0,40}\b(?:actually|really|eventually|finally|ever)\b"
    r"[^?]{0,20}\b(?:launch|happen|start|change|raise|lower|go ahead|take effect)"
    r"|最新の(?:\w{0,12}?)(?:ルール|インセンティブ|しきい値|基準|価格|プログラム|規定|ポリシー)"
    r"|(?:今|現在|いま)(?:でも|も)[^。？?]{0,12}(?:変わって|同じ|有効)|今年度|来年度?|今期|来期|引き上げられ|引き下げられ|変更されました(?:か)?|実際に(?:開始|始まり|実施)",
    re.IGNORECASE,
)


def asks_price(question: str) -> bool:
    """Tell whether a question asks for a price, a discount or a rate the guidance does not give.

    "Above how much Azure a year does the enterprise motion fit?" asks for the guidance's own
    threshold, not a price, so it is in scope.
    """
    if not _PRICE_ASK.search(question):
        return False
    return not (_THRESHOLD.search(question) and _GUIDANCE_FIGURE.search(question))


_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "must",
        re.compile(
            r"\b(?:must|have to|has to|had to|required|require[sd]?|mandatory|obligat\w*|forced"
            r"|compulsory|need to (?:move|switch|change|transition|migrate|go))\b"
            r"|義務|必須|しなければ|しないといけ|必要があります|強制|ねばなら|移行しないと"
            r"|(?:し|させ)ないと(?:ダメ|だめ|いけな|まず)|させられ",
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
            r"|どんな(?:お客様|顧客|企業|会社|組織)|対象",
            re.IGNORECASE,
        ),
    ),
)
# what a sentence needs to answer each kind of question
_ANSWERS_KIND: dict[str, re.Pattern[str]] = {
    "must": re.compile(
        r"\bnot (?:mandatory|required|obligatory|compulsory)\b|\bno obligation\b"
        r"|\bdo(?:es)? not have to\b|\bdon't have to\b|\bmandatory\b|\brequired?\b"
        r"|必須|義務|強制|必要",
        re.IGNORECASE,
    ),
    "when": re.compile(
        r"\b20\d\d\b|\b(?:january|february|march|april|may|june|july|august|september"
        r"|october|november|december)\b|\b(?:first|second) half\b|\d+\s*月|\d{4}\s*年|上半期|下半期"
        r"|後半|前半",
        re.IGNORECASE,
    ),
    "how_many": re.compile(r"\d"),
    "who": re.compile(
        r"\b(?:any size|of all sizes|largest|small and mid|smb|organi[sz]ations? (?:that|who)"
        r"|customers? (?:who|that)|buyers? (?:who|that)|the person)\b"
        r"|規模|中堅|中小|最大|向け|人が|お客様は",
        re.IGNORECASE,
    ),
}
_NOT_MANDATORY = re.compile(
    r"\bnot (?:mandatory|required|obligatory|compulsory)\b|\bno obligation\b"
    r"|\bdo(?:es)? not have to\b|\bdon't have to\b"
    r"|必須ではありません|必須ではない|義務ではありません|義務ではない|強制ではありません|強制されません",
    re.IGNORECASE,
)
_YES_NO = re.compile(
    r"(?:^|[,;]\s*)(?:so\s+|and\s+|but\s+)?(?:do|does|did|is|are|must|have|has|will|would"
    r"|should|can"
    r"|could|shall)\b|(?:ですか|ますか|ませんか|でしょうか|のですか|んですか|か)[?？]?\s*$",
    re.IGNORECASE,
)


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
            r"\bbreadth\b|\bcsp\b|cloud solution provider|\breseller\b|ブレドゥス|ブレッドス"
            r"|(?<![ａ-ｚA-Za-z])ＣＳＰ|CSP",
            re.IGNORECASE,
        ),
    ),
    (
        "enterprise-motion",
        re.compile(
            r"\benterprise\b|\beas?\b|\bmcas?\b|enterprise agreement|customer agreement"
            r"|\bmicrosoft seller|\bseller\b|エンタープライズ|EA|MCA|販売担当|営業担当",
            re.IGNORECASE,
        ),
    ),
    (
        "self-service-motion",
        re.compile(
            r"self[- ]?serv\w*|\bonline\b|\bweb ?direct\b|\bon (?:our|my|their) own\b"
            r"|セルフサービス|セルフ|オンライン|自分で|ウェブ",
            re.IGNORECASE,
        ),
    ),
)


def compared_sections(question: str) -> list[str]:
    """Return the sections of the motions a question names, in the order it names them."""
    found = [(m.start(), sid) for sid, pattern in _SIDES if (m := pattern.search(question))]
    return [sid for _, sid in sorted(found)]


def question_kind(question: str) -> str:
    """Return what kind of answer a question wants.

    must, when, how_many, who, compare (two of the motions, or the ways they buy, set side by
    side), what_is or other.
    """
    for kind, pattern in _KINDS:
        if pattern.search(question):
            return kind
    if _COMPARE.search(question) and len(compared_sections(question)) >= 2:
        return "compare"
    if _DEFINITION_BEFORE.search(question) or _DEFINITION_AFTER.search(question):
        return "what_is"
    return "other"


_DEFINITION_BEFORE = re.compile(
    r"(?:what(?:'s| is| are|'re)|what exactly (?:is|are)|define|explain|meaning of|definition of"
    r"|mean by|heard of"
    r"|tell me about)\s+(?:exactly\s+)?(?:an?\s+|the\s+|this\s+)?(?:term\s+|thing called\s+"
    r"|so-called\s+)?[\"'“]?$",
    re.IGNORECASE,
)
# after "what is X": the question ends, or only hedges it ("what's an EA exactly?"), so "what's a
# CSP partner actually do?" is not a definition question
_DEFINITION_END = re.compile(
    r"[\"'”]?\s*(?:program(?:me)?|rights?|skus?|agreement)?\s*(?:,?\s*(?:exactly|actually|again"
    r"|really|in (?:plain|simple) (?:words|terms|english)|then|anyway|please))*\s*[?.!]*\s*$",
    re.IGNORECASE,
)
_DEFINITION_AFTER = re.compile(
    r"^[\"'”」』]?\s*(?:\w+\s+){0,2}?(?:stands? for|means?\b|mean\?)"
    r"|^[^?.!]{0,40}?\b(?:what(?:'s| is) (?:that|it|this)|what does (?:that|it) mean)\b"
    r"|^[^\s。？?、]{0,12}?[」』）)]?\s*(?:とは|って(?:何|なに|なん|どういう|どんな)|っていうのは"
    r"|というのは|の意味|の略|を説明|とはどういう)",
    re.IGNORECASE,
)


@cache
def _term_pattern(term: str) -> re.Pattern[str]:
    """Return how a glossary term is found in a question (a Latin term as a whole word)."""
    escaped = re.escape(term)
    pattern = rf"(?<![A-Za-z]){escaped}s?(?![A-Za-z])" if term.isascii() else escaped
    return re.compile(pattern, re.IGNORECASE)


def defined_term(question: str, kb: KnowledgeBase, lang: Lang) -> Section | None:
    """Return the glossary entry of the term a "what is X?" question asks about, if any."""
    for term, section in kb.glossary_terms(lang):
        for m in _term_pattern(term).finditer(question):
            before = question[: m.start()].rstrip()
            before = before + " " if before and not before.endswith(('"', "'", "“")) else before
            after = question[m.end() :]
            if _DEFINITION_AFTER.search(after) or (
                _DEFINITION_BEFORE.search(before) and _DEFINITION_END.match(after)
            ):
                return section
    return None


def extractive_answer(
    question: str, hits: list[Hit], *, index: GuidanceIndex, lang: Lang, kind: str = "other"
) -> Answer:
    """Answer with the best-matching sentences of the top sections, each with its marker.

    Sentences that carry what the kind of question asks for (a date for "when", a figure for
    "how many", an obligation for "must", an actor for "who") count for more. A "must"
    question answered by "not mandatory" starts with a plain no.
    """
    if kind == "compare":
        return _compared(question, hits, index=index, lang=lang)
    best = hits[0].score
    wanted = _ANSWERS_KIND.get(kind)
    sections = [h.section for h in hits if h.score >= RELATIVE_SECTION * best]
    if wanted is not None and not any(
        wanted.search(t) for sec in sections for t in sec.sentences()
    ):
        # "when did X start?": the section about X may hold no date; a lower one that does joins
        sections += [
            h.section
            for h in hits
            if h.section not in sections and any(wanted.search(t) for t in h.section.sentences())
        ][:1]
    candidates: list[tuple[float, int, int, str]] = []
    for rank, section in enumerate(sections):
        weight = 1.0 if rank == 0 else OTHER_SECTION_WEIGHT
        order = {text: i for i, text in enumerate(section.sentences())}
        for score, text in index.rank_sentences(question, section):
            candidates.append((score * weight, rank, order[text], text))
    # The top section's opening sentences say what it is about, which is what a short
    # "what is X?" asks for.
    lead = LEAD_BONUS * max(c[0] for c in candidates)
    candidates = [
        (score + lead, rank, position, text)
        if rank == 0 and position < LEAD_SENTENCES
        else (score, rank, position, text)
        for score, rank, position, text in candidates
    ]
    if wanted is not None:
        bonus = KIND_BONUS * max(c[0] for c in candidates)
        candidates = [
            (score + bonus, rank, position, text) if wanted.search(text) else c
            for c in candidates
            for score, rank, position, text in [c]
        ]
    candidates.sort(key=lambda c: -c[0])
    top = candidates[0][0]
    chosen = [c for c in candidates[:MAX_SENTENCES] if c[0] >= RELATIVE_SENTENCE * top]
    if wanted is not None and not any(wanted.search(c[3]) for c in chosen):
        # the answer must carry what was asked for: the best sentence that does replaces the last
        carrying = [c for c in candidates if wanted.search(c[3])]
        if carrying:
            chosen = [*chosen[: MAX_SENTENCES - 1], carrying[0]]
    items = _list_after(sections[chosen[0][1]], chosen[0][2])
    if items:
        # "three focus areas": the sentence that announces a list comes with the list
        rank, position = chosen[0][1], chosen[0][2]
        chosen = [chosen[0]] + [(0.0, rank, position + 1 + i, t) for i, t in enumerate(items)]
    elif FOLLOWING_SENTENCE and len(chosen) < MAX_SENTENCES:
        # the sentence after the best one usually carries what it announces (a list, a date)
        _, rank, position, _ = chosen[0]
        following = sections[rank].sentences()[position + 1 : position + 2]
        if following and not any(c[1] == rank and c[2] == position + 1 for c in chosen):
            chosen.append((0.0, rank, position + 1, following[0]))
    # one marker per section, numbered in the order the sections are first cited
    markers: dict[int, int] = {}
    for _, rank, _, _ in chosen:
        markers.setdefault(rank, len(markers) + 1)
    chosen.sort(key=lambda c: (markers[c[1]], c[2]))
    text = join_cited([(sentence, markers[rank]) for _, rank, _, sentence in chosen], lang)
    if kind == "must" and _YES_NO.search(question):
        first = next((c for c in chosen if _NOT_MANDATORY.search(c[3])), None)
        if first is not None:  # "must we move?": "No. Moving is not mandatory. ..."
            rest = [c for c in chosen if c is not first]
            text = join_cited([(first[3], markers[first[1]])], lang)
            if rest:
                space = "" if lang == "ja" else " "
                text += space + join_cited([(c[3], markers[c[1]]) for c in rest], lang)
            text = f"{prompts.text('answers', 'lead.no', lang)}{text}"
    citations = [sections[rank].citation() for rank in markers]
    return _dated(text, citations, lang, index.kb.as_of(lang))


# how each motion buys: the sentence of its section that names the route
_ROUTES: dict[str, re.Pattern[str]] = {
    "breadth-motion": re.compile(r"\bCSP\b|Cloud Solution Provider|CSP"),
    "enterprise-motion": re.compile(r"\bEA\b|\bMCA\b|Enterprise Agreement|seller|EA|MCA|販売担当"),
    "self-service-motion": re.compile(
        r"\bonline\b|web portal|オンライン|Web ポータル", re.IGNORECASE
    ),
}


def _compared(question: str, hits: list[Hit], *, index: GuidanceIndex, lang: Lang) -> Answer:
    """Set the motions a question compares side by side, each from its own section.

    For each, in the order the question names them: who buys that way (the section's opening
    sentence), how they buy (the first sentence naming the route) and the sentence that best
    matches the question, each said once.
    """
    parts: list[tuple[str, int]] = []
    for marker, hit in enumerate(hits, start=1):
        sentences = hit.section.sentences()
        route = _ROUTES.get(hit.section.id)
        how = next((t for t in sentences[1:] if route is not None and route.search(t)), None)
        ranked = [text for _, text in index.rank_sentences(question, hit.section)]
        best = next((t for t in ranked if t not in (sentences[0], how)), None)
        chosen = list(dict.fromkeys(t for t in (sentences[0], how, best) if t is not None))
        chosen.sort(key=sentences.index)
        parts += [(text, marker) for text in chosen]
    text = join_cited(parts, lang)
    return _dated(text, [hit.section.citation() for hit in hits], lang, index.kb.as_of(lang))


def _list_after(section: Section, position: int) -> list[str]:
    """Return the bullet items right after a section's sentence, if a list follows it."""
    bullets = {
        line.strip()[2:].strip()
        for line in section.text.splitlines()
        if line.strip().startswith(("- ", "* "))
    }
    items: list[str] = []
    for sentence in section.sentences()[position + 1 : position + 1 + MAX_LIST_ITEMS]:
        if sentence not in bullets:
            break
        items.append(sentence)
    return items


def join_cited(sentences: list[tuple[str, int]], lang: Lang) -> str:
    """Join sentences, each followed by its marker; in Japanese the marker goes before 。."""
    if lang != "ja":
        return " ".join(f"{sentence} [{marker}]" for sentence, marker in sentences)
    out = []
    for sentence, marker in sentences:
        end = sentence[-1] if sentence[-1:] in ("。", "！", "？") else ""
        out.append(f"{sentence[: len(sentence) - len(end)]}[{marker}]{end or '。'}")
    return "".join(out)


def _defined(definition: Section, answer: Answer | None, lang: Lang, as_of: str) -> Answer:
    """Lead an answer with a glossary definition, saying where the definition comes from."""
    shift = 1
    lines = [join_cited([(s, 1) for s in definition.sentences()[:DEFINITION_SENTENCES]], lang)]
    source = definition.citation().source
    lines.append(prompts.text("answers", "glossary_note", lang, source=source))
    citations = [definition.citation()]
    if answer is not None:
        body = answer.answer.rsplit("\n\n", 1)[0]  # without its date line
        lines.append(_MARKER.sub(lambda m: _shifted(m, shift), body))
        citations += answer.citations
    text = "\n\n".join(lines)
    return _dated(text, citations, lang, as_of)


def _shifted(match: re.Match[str], by: int) -> str:
    lead = match.group(0)[: len(match.group(0)) - len(match.group(0).lstrip())]
    numbers = [str(int(n) + by) for n in re.findall(r"\d+", match.group(1))]
    return f"{lead}[{', '.join(numbers)}]"


def support_sections(support: Support) -> list[Section]:
    """Return the sections an answer may cite, numbered from 1: a definition first, if any."""
    found = [hit.section for hit in support.hits]
    return found if support.definition is None else [support.definition, *found]


def section_label(section: Section, lang: Lang) -> str:
    """Return a section's heading as the model sees it, saying when it is from the glossary."""
    if not section.document.is_glossary:
        return section.heading
    note = prompts.text("answers", "glossary_label", lang, source=section.citation().source)
    return f"{section.heading} ({note})"


def _llm_answer(
    question: str,
    support: Support,
    *,
    chat_model: BaseChatModel,
    index: GuidanceIndex,
    lang: Lang,
) -> Answer:
    as_of = index.kb.as_of(lang)
    cited_sections = support_sections(support)
    sections = "\n\n".join(
        f"[{n}] {section_label(section, lang)}\n{section.text}"
        for n, section in enumerate(cited_sections, start=1)
    )
    system = prompts.render(
        "ask", lang, sections=sections, as_of=as_of, not_in_guidance=NOT_IN_GUIDANCE
    )
    try:
        reply = chat_model.invoke([SystemMessage(system), HumanMessage(question)])
    except Exception as exc:
        raise ServiceError(
            "The language model is not available right now; please try again in a moment."
        ) from exc
    text = reply.text.strip()
    if NOT_IN_GUIDANCE in text or not text:
        return _refusal("topic", lang, as_of)
    text, cited = renumber_citations(text, len(cited_sections))
    if not cited:
        # an answer that cites nothing cannot be checked, so the grounded one is given instead
        return offline_answer(question, support, index=index, lang=lang)
    citations: list[Citation] = [cited_sections[n - 1].citation() for n in cited]
    glossary = [c for n, c in zip(cited, citations, strict=True) if n == 1 and support.definition]
    if glossary:  # say where a definition comes from, as the offline answer does
        note = prompts.text("answers", "glossary_note", lang, source=glossary[0].source)
        text = f"{text}\n\n{note}"
    return _dated(text, citations, lang, as_of)


def _dated(text: str, citations: list[Citation], lang: Lang, as_of: str) -> Answer:
    """Return an answer with the guidance's date under it."""
    return Answer(
        answer=f"{text}\n\n{prompts.text('answers', 'date_line', lang, as_of=as_of)}",
        citations=citations,
        lang=lang,
        answered=True,
        as_of=as_of,
    )


def renumber_citations(text: str, count: int) -> tuple[str, list[int]]:
    """Keep the markers [n] with 1 <= n <= count, renumbered in order of first use.

    Returns the text with markers renumbered (others removed) and the original section numbers
    in their new order, so marker [i] cites `cited[i - 1]`.
    """
    cited: list[int] = []

    def replace(match: re.Match[str]) -> str:
        numbers = [int(n) for n in re.findall(r"\d+", match.group(1))]
        kept: list[str] = []
        for n in numbers:
            if 1 <= n <= count:
                if n not in cited:
                    cited.append(n)
                new = str(cited.index(n) + 1)
                if new not in kept:
                    kept.append(new)
        if not kept:
            return ""
        lead = match.group(0)[: len(match.group(0)) - len(match.group(0).lstrip())]
        return f"{lead}[{', '.join(kept)}]"

    return _MARKER.sub(replace, text).strip(), cited


def _refusal(reason: str, lang: Lang, as_of: str) -> Answer:
    kind, _, year = reason.partition(":")
    text = prompts.text("answers", f"refusal.{kind}", lang, as_of=as_of, year=year)
    return Answer(answer=text, citations=[], lang=lang, answered=False, as_of=as_of, refusal=kind)
