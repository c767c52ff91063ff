"""Whether a question asks for a price, a discount or a rate, which the guidance never gives.

Its own figures (2,400 seats, USD 1 million of Azure a year) are not prices: "above how much
Azure a year does the enterprise motion fit?" and "is the USD 1M a month or a year?" ask about
them, while "what discount above USD 1M?" asks for a rate.
"""

from __future__ import annotations

import re

from advisor.guidance.asking import SETS_OWN_PRICE, SIDE_OF_THE_LINE, asked_parts

_PRICE_ASK = re.compile(
    r"\bhow much (?:does|do|is|are|will|would|should)\b[^?]*\b(?:cost|charge|pay|price)"
    r"|\bhow much (?:is|are|for)\b"
    r"|\bcosts?\b|\bper (?:user|seat|month|year|licen[cs]e)\b|\bpercent(?:age)?\b|%|％"
    r"|\bcheaper\b|\bmore expensive\b|\b(?:lowest|cheapest|highest) (?:\w+ ){0,2}prices?\b"
    r"|\bprices? per (?:hour|month|seat|user|year)\b|\bwhat (?:would|will) (?:our|the|their"
    r"|my) (?:monthly "
    r"|annual |yearly |total )?(?:spend|cost|bill|invoice)s? be\b|\bprice list\b"
    r"|\b(?:list )?prices? (?:of|for)\b"
    r"|\bwhat(?:'s| is| are) the (?:list )?(?:price|cost)s?\b"
    r"|いくら|料金|月額|年額|値段(?:は|って|を|が|教|知)|パーセント|(?:インセンティブ|割引|手数料"
    r"|マージン)率|安い"
    # a rate or an amount of a discount, an incentive or a margin (the guidance names no figure)
    r"|\b(?:incentive|discount|rebate|margin|commission)s? (?:rate|percentage|level|amount)s?\b"
    r"|\bhow (?:big|large|much|generous) (?:is|are|of|would be) (?:the |a |an |our |their )?"
    r"(?:\w+ ){0,3}(?:discount|rebate|margin|incentive|commission)s?\b"
    r"|\bwhat (?:exact |typical |usual |kind of )?(?:margin|rebate|commission|discount)s?\b"
    r"|\b(?:exact|typical|usual|standard|average) (?:incentive|discount|margin|rebate)s?\b"
    r"|(?:割引|値引き)(?:みたいな|のような|的な)?(?:もの|特典)?(?:は|が|って)?(?:もらえ|いただけ"
    r"|受けられ)"
    r"|(?:割引|値引き|インセンティブ|マージン|リベート|手数料)(?:は|って|の|でいうと|にすると"
    # 「インセンティブは何を基準に段階分けされる？」 asks what they follow, not an amount
    # (「インセンティブって何？」 asks what they are: 何 asks an amount only with more after it)
    r"|換算で)?(?:(?:何|なん)(?![をにでと]|\s*[?？。]|\s*$|です|でしょう|なの|なん|のこと|だ)|どのくらい"
    r"|どれくらい|いくつ)"
    r"|どの(?:くらい|程度)の(?:割引|値引き|インセンティブ|マージン)|ディスカウント|安く(?:済|な|買)"
    r"|(?<!関与が)(?<!関与は)(?<!度が)(?<!性が)高く(?:つ|な)|総額|(?:費用|コスト)(?:は|って|が)",
    re.IGNORECASE,
)


_THRESHOLD = re.compile(
    r"\b(?:above|over|beyond|exceed\w*|more than|less than|under|below|up to|at most|at least"
    r"|threshold|cut-?off|limit|line|point|caps?|ceiling|max(?:imum)?)\b"
    r"|超え|超過|以上|以下|未満|まで|上限|下限|境目|境界|基準|ライン|目安|しきい値|閾値|線引き",
    re.IGNORECASE,
)
# which period a figure is given in: "a month or a year?", 「月額？年額？」
_WHICH_PERIOD = re.compile(
    r"\b(?:a|per) (?:month|mo) or (?:a |per )?(?:year|yr)\b|\b(?:a|per) (?:year|yr) or (?:a |per )?"
    r"(?:month|mo)\b|\bper (?:year|yr),? or (?:across|over|for) the (?:whole |entire )?(?:contract"
    r"|term|deal)\b"
    r"|\bmonthly (?:\w+ )?or (?:an? )?(?:annual|yearly)\b|\b(?:annual|yearly) (?:\w+ )?or monthly\b"
    r"|\bmonthly\s*[?？、,/]\s*(?:annual|yearly)\b|\b(?:annual|yearly)\s*[?？、,/]\s*monthly\b"
    r"|月の(?:金額|額|話)[?？、\s]*(?:それとも)?[\s、]*年の(?:金額|額|話)"
    r"|(?:月額|月間|毎月)[?？、\s]*(?:それとも)?[\s、]*(?:年額|年間)|(?:年額"
    r"|年間)[?？、\s]*(?:それとも)?[\s、]*(?:月額|月間)"
    # 「100万ドルって月額の話?」: which period the guidance's figure is in
    r"|(?:万ドル|万米ドル|ドル|1m|usd)[^。？?]{0,6}(?:月額|月間|年額|年間)(?:の話|のこと|なの"
    r"|ですか|って意味|\s*[?？])",
    re.IGNORECASE,
)
GUIDANCE_FIGURE = re.compile(
    r"\b(?:seats?|users?|licen[cs]es?|azure|consumption|spend\w*|annual\w*|a year|per year"
    r"|deal size|deals?)\b|シート|席|ユーザー|Azure|年間|利用額|消費額|案件|規模"
    r"|100\s*万(?:米)?ドル",
    re.IGNORECASE,
)


# a rate or a share: never one of the guidance's figures, whatever threshold the question names
_RATE_ASK = re.compile(
    r"\bpercent(?:age)?s?\b|%|％|\bhow (?:big|large|much|generous) (?:a |an |the )?"
    r"(?:\w+ ){0,2}(?:discount|rebate|margin|commission)s?\b|\b(?:discount|rebate|margin"
    r"|commission|incentive)s? (?:rate|percentage)s?\b"
    r"|\bhow much (?:lower|higher|less|more|cheaper)|\bhow much (?:would|will|does|do|is|are)\b"
    r"[^?]{0,40}\bcost\b"
    r"|\bwhat(?:'s| is| are|'re)? (?:the |a |our |their )?(?:exact |typical |usual |kind of "
    r"|sort of )?(?:margin|rebate|commission|discount)s?\b"
    r"|\b(?:discount|rebate|margin|commission)s? (?:would|do|does|will|can|could|should) "
    r"(?:we|i|they|you|a partner|partners|customers?|the customer) (?:get|receive|earn|expect)\b"
    r"|\bhow many (?:dollars|euros|yen|usd|points|basis points|bps)\b|\bpoints? (?:lower|higher)\b"
    r"|\bwhat (?:\w+ ){0,2}(?:rate|margin|discount|rebate|commission)s? (?:do|does|will|would|can"
    r"|is|are)\b|\bper[- ](?:seat|user|licen[cs]e) (?:price|cost|fee)s?\b|\bwholesale "
    r"(?:\w+ )?(?:price|cost)s? (?:of|for|per)\b|\bper[- ](?:seat|user) wholesale\b"
    r"|\b(?:incentive|discount|margin|rebate|commission|payout|fee)s?\b[^?.]{0,40}\b(?:number"
    r"|figure|amount)\b|\b(?:number|figure|amount)\b[^?.]{0,30}\b(?:incentive|discount|margin"
    r"|rebate|commission|payout)s?\b|\bpayouts?\b|\bper referral\b|\bbount(?:y|ies)\b"
    r"|\bwhat(?:'s| is| are) the (?:new |exact |current |actual )?(?:wholesale |list |retail |net )"
    r"?(?:price|cost)s?\b(?! changes?)"
    r"|\bwiggle room\b(?=[^?]{0,20}\b(?:on|in|for) (?:the )?(?:price|pricing|cost|discount))"
    r"|\broom (?:to|for) negotiat\w*"
    r"|\bhow much (?:\w+ )?(?:incentives?|margins?|rebates?|commissions?)\b|\bprice breaks?\b"
    r"|(?<!non-)(?<!non )\bprice concessions?\b|\b(?:what|how) (?:big|large|much|size)\b[^?]{0,30}"
    r"\bconcession"
    r"|交渉(?:の)?余地|何割|何ポイント|\d+\s*ポイント|値引き幅|報酬(?:は|って)?(?:いくら"
    r"|どれくらい)"
    r"|何円|卸(?:値|価格)(?:は|って|を|が)?(?:いくら|どれくらい|どのくらい|何|教え|知りたい|安|高"
    r"|下が|上が"
    r"|[?？]\s*$)|(?:新しい|今の|現在の)?卸(?:値|価格)(?:の)?(?:水準|額|金額|表)"
    r"|単価(?!の(?:値引き)?交渉)|報酬(?:率|額)"
    r"|\b(?:paid|earn\w*|payouts?|incentives?)\b[^?]*\?\s*how much\b|わりびき|ねびき|でぃすかうんと"
    r"|\buplift\b|(?:どれくらい|どのくらい|いくら)の(?:インセンティブ|報酬|割引)"
    r"|(?:パートナー|販売店|リセラー)の(?:取り分|利ざや|儲け)|追加(?:の)?(?:料金|費用|コスト)"
    r"|\bballpark\b"
    r"|\b(?:annual|monthly|yearly) bill\b|(?:割引|値引き|マージン|リベート"
    r"|手数料|報酬)"
    r"(?:の|は|って)?(?:上限|下限|幅|いくら|どれくらい|どのくらい|何)"
    r"|\bhow much off\b|\bnegotiate (?:off|down)\b|\bhow much (?:can|could) (?:we|i|they"
    r"|you)\b[^?]{0,30}"
    r"\bnegotiat\w*|\b(?:biggest|largest|maximum|max|best) (?:price )?(?:concession|discount"
    r"|reduction)s?\b"
    r"|\bwhat (?:are|is) the (?:\w+ )?rates?\b|\brates? (?:for|of|per) (?:each|every|the) (?:tier"
    r"|motion|level)s?\b"
    r"|\b(?:incentives?|payouts?|rebates?)\b[^?]{0,40}\bworth\b|\bhow much (?:do|does|will|would"
    r"|can)"
    r" (?:we|a partner|partners|they|i) (?:earn|make|get)\b|\b(?:exact|specific|actual) (?:numbers?"
    r"|figures?|amounts?)\b|具体的な(?:数字|金額|数値)|プロモーション|\bpromo(?:tion)?s?\b"
    r"|キャンペーン"
    r"|ボリューム(?:ディスカウント|割引)|(?:多く|もっと|より)(?:下が|安く)|相場|どこまで(?:下が"
    r"|安く|値引)"
    r"|最低(?:販売)?価格|下限価格|\bminimum (?:resale |sale |selling )?price\b|\bprice floor\b"
    r"|\bwhat (?:new |exact )?(?:wholesale |list )?prices? will\b"
    r"|\blist prices?\b|\bknock (?:off|down)\b|\bvolume discounts?\b|\bby how much\b"
    r"|\b(?:bill|invoice|price|cost)s? (?:be |is |are |will be |would be )?(?:any )?(?:higher"
    r"|lower)\b"
    r"|\b(?:get|gets|receive)\b (?:an? |any |some )?(?:\w+ )?discounts?\b"
    r"|\bprice (?:diff\w*|gap)\b|\b(?:annual|monthly|yearly) billing\b|\bpays? out\b"
    r"|どれ(?:だけ|くらい|ぐらい)(?:高|低|多|少|安|下が|上が)|差額|\bfees?\b|\bin money\b"
    r"|\b(?:drop|drops|fall|falls|go(?:es)? down|change[sd]?) to what\b"
    r"|\bprice ?/ ?(?:user|seat)\b|/(?:user|seat)\b|\bprice cuts?\b|\bhow much extra\b"
    r"|\bpriced\b"
    r"|\b(?:what|how much) (?:do|does|will|would|can) (?:\w+ ){1,2}(?:typically |usually )?charge\b"
    r"|\bwhat (?:will|would|does|do)\b[^?]{0,50}\bcost\b"
    r"|\bwhat (?:will|would) (?:the |our |their )?(?:new |exact )?(?:wholesale |list )?"
    r"(?:prices?|costs?) (?:actually |really |exactly )?be"
    r"(?:\s+(?:for|after|from|once|when|in|on)\b|\s*[?？]|\s*$)"
    r"|(?:割引|値引き)[^。？?]{0,10}(?:引き継|持ち越|そのまま)|大口割引"
    r"|(?:割引|値引き)(?:って|は|が)?(?:つく|付く|もらえ|ある|出る)"
    r"|\bknock\w* (?:\w+ ){0,2}off\b|\b(?:pay|paying|paid) (?:\w+ ){0,3}up-?front\b"
    r"|\bwhat incentives? (?:do|does|will|would) (?:they|we|partners?|a partner|the partner) "
    r"(?:get|receive|earn)"
    r"|(?<!税)率(?:は|って)[^。？?]{0,6}(?:いくつ|何|どのくらい|どれくらい|どんだけ|どれだけ)"
    r"|(?:割引|値引き)(?:は|って)?(?:最大|最高)|(?:割引|値引き)[^。？?]{0,6}どこまで"
    r"|料率|何\s*(?:％|%|パーセント)|(?:割引|値引き|インセンティブ|マージン|リベート|手数料)率"
    r"|(?:割引|値引き)(?:して|され|を受け|が受け|がもら|してもら)",
    re.IGNORECASE,
)


# whether the guidance gives the rates at all: it says it does not, which answers the question
_ASKS_IF_GIVEN = re.compile(
    r"\b(?:does|do|did|will)\s+(?:the\s+|this\s+)?(?:post|guidance|article|blog|doc\w*"
    r"|it)\s+(?:actually\s+"
    r"|even\s+|ever\s+)?(?:give|spell|list|state|include|mention|publish|specify|disclose|share"
    r"|say|put (?:numbers|figures|a number|a figure))\b"
    r"|\b(?:post|guidance|article|blog) (?:gives?|lists?|states?|includes?|mentions?|publish(?:es)?"
    r"|shows?)"
    r" (?:the |any )?(?:numbers|figures|rates|prices|percent)"
    # "boss thinks the post lists the new incentive % somewhere - does it?"
    r"|\b(?:post|guidance|article|blog) (?:gives?|lists?|states?|includes?|mentions?|has)\b"
    r"[^?]{0,50}\b(?:does|do) it\b"
    r"|(?:ガイダンス|記事|この資料|本文)(?:自体|の中|内)?(?:に|には|で)[^。？?]{0,50}(?:載って"
    r"|書いて"
    r"|記載|出て)"
    r"|(?:ガイダンス|記事|この資料)(?:を?読めば|から|で)[^。？?]{0,40}(?:わかり|分かり|わかる"
    r"|分かる)"
    r"|\bcan (?:i|we|you) (?:find|learn|get|see)\b[^?]{0,40}\b(?:from|in) (?:the|this) (?:guidance"
    r"|post)\b"
    r"|(?:ガイダンス|記事|ブログ|この資料)(?:に|で|には|では)(?:は)?[^。？?]{0,30}(?:書いて|載って"
    r"|示されて|明記|記載)",
    re.IGNORECASE,
)
# whether a rate has changed or will, with no amount asked: "have the EA incentive rates dropped?"
_RATE_CHANGED = re.compile(
    r"\b(?:change[sd]?|drop(?:ped)?|cut|go(?:ne)? down|fall(?:en)?|lower(?:ed)?|rais(?:e|ed))\b"
    r"|(?:下が|上が|変わ|変更|引き下げ|引き上げ)",
    re.IGNORECASE,
)
_AMOUNT = re.compile(
    r"\bhow\b|\bwhat\b|\bby how\b|どう|\bpercent|%|％|何(?!か)|いくら|どれ(?:くらい|だけ|ぐらい)"
    # 「CSPの価格はEAより高くなる？」 compares prices, whether or not they change
    r"|より(?:高|安)く|\bcheaper\b|\bmore expensive\b"
    r"|どのくらい",
    re.IGNORECASE,
)


def asks_which_period(question: str) -> bool:
    """Tell whether a question asks which period one of the guidance's figures is in."""
    return (
        _WHICH_PERIOD.search(question) is not None and GUIDANCE_FIGURE.search(question) is not None
    )


def asks_if_rates_changed(question: str) -> bool:
    """Tell whether a question asks if partner incentives have changed, with no amount asked.

    「EAとCSPのインセンティブ率はもう下がった？」: the guidance says there is no change now.
    """
    return (
        _RATE_CHANGED.search(question) is not None
        and _AMOUNT.search(question) is None
        and _INCENTIVES.search(question) is not None
        and _YET.search(question) is not None
    )


_INCENTIVES = re.compile(r"\bincentives?\b|インセンティブ", re.IGNORECASE)
_YET = re.compile(r"\b(?:already|yet|now|currently)\b|もう|すでに|既に|今", re.IGNORECASE)


def asks_if_rates_given(question: str) -> bool:
    """Tell whether a question asks if the guidance gives prices or rates (it says it does not)."""
    return _ASKS_IF_GIVEN.search(question) is not None and _RATES_NAMED.search(question) is not None


_RATES_NAMED = re.compile(
    r"\b(?:rates?|prices?|pricing|percent\w*|discounts?|margins?|numbers|figures)\b|%|％|率|価格"
    r"|料金"
    r"|割引|パーセント|数字|金額",
    re.IGNORECASE,
)


_WHO_SETS = re.compile(
    SETS_OWN_PRICE + r"|裁量|\bwho (?:sets|decides|controls|chooses) (?:the )?pric|\bfree to set\b"
    r"|\bdiscretion\b|\bdictates?\b[^?]{0,30}\bpric|\bpric\w*\b[^?]{0,30}\bdictate",
    re.IGNORECASE,
)


# what a change is for, not a price: "is new commerce basically about making licences cheaper?"
_CHEAPER_PURPOSE = re.compile(
    r"\b(?:about|meant to|designed to|aimed at|just to|all to) (?:make|making|get|getting) "
    r"(?:\w+ ){0,3}(?:cheaper|less expensive)\b|安く(?:する|なる)ため",
    re.IGNORECASE,
)


_UNIT_PRICE = re.compile(
    r"単価(?!の(?:値引き)?交渉)|\bunit prices?\b|\bper[- ](?:seat|user) prices?\b"
    # the whole bill is a price too: 「年間の支払総額の目安」, "total cost for 3,000 seats"
    r"|総額|総支払|支払(?:い)?額|請求額|\btotal (?:bill|cost|spend)\b"
    # a price held: 「今の値段のままでいける？」, "price protection"
    r"|今の値段のまま|価格(?:を)?(?:固定|据え置|ロック)"
    r"|\block(?:ed)? in (?:the )?(?:price|pricing|rate)|\bprice protection\b",
    re.IGNORECASE,
)


def asks_price(question: str) -> bool:
    """Tell whether a question asks for a price, a discount or a rate the guidance does not give.

    "Above how much Azure a year does the enterprise motion fit?" asks for the guidance's own
    threshold, not a price, so it is in scope; "what discount above USD 1M?" asks for a rate
    the guidance never gives, so it is not.
    """
    if asks_which_period(question):
        return False  # "is the USD 1M a monthly bill or annual?" asks about the guidance's figure
    asked = " ".join(asked_parts(question))
    if (
        asked
        and _WHO_SETS.search(asked)
        and not (_UNIT_PRICE.search(asked) or _RATE_ASK.search(asked))
    ):
        # "Our CSP quoted us a per-seat price… Is a partner allowed to set its own prices?"
        return False
    if _UNIT_PRICE.search(question):
        return True  # 「100万ドルを超えた分、お客さん側の単価は変わる？」
    if SIDE_OF_THE_LINE.search(question) and not _RATE_ASK.search(question):
        # 「Azure 利用は月額約9万米ドル…範囲に収まるか」: the asker's figure, not a price
        return False
    if _ASKS_IF_GIVEN.search(question) or (
        _RATE_CHANGED.search(question) and not _AMOUNT.search(question)
    ):
        return False  # "does the post give the percentages?", 「インセンティブ率はもう下がった？」
    if _RATE_ASK.search(question):
        return True
    if _WHO_SETS.search(question):
        return False  # 「値段はパートナーが自由に決めているのか」: the partner's discretion, stated
    if not _PRICE_ASK.search(question) or _CHEAPER_PURPOSE.search(question):
        return False
    if _WHICH_PERIOD.search(question):
        return False  # "is the USD 1M a month or a year?" asks about the guidance's figure
    return not (_THRESHOLD.search(question) and GUIDANCE_FIGURE.search(question))
