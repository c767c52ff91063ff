"""What the customer wants: to buy on their own or with help, and a purchasing motion."""

from __future__ import annotations

import re

from advisor.domain.schemas import Motion
from advisor.nlu.negation import negated
from advisor.nlu.text import W0, W1, rx

# --------------------------------------------------------------------------- self-service

_SELF = (
    W0 + r"self[\s-]?serv(?:ice|e|ing)?" + W1,
    W0 + r"know (?:exactly |precisely |already |just )?what (?:we|i) (?:need|want|are buying)" + W1,
    W0 + r"(?:buy|purchase|order|subscribe|sign up|get (?:it|them|the licen\w*))\b"
    r"[^.!?;\n]{0,30}?" + W0 + r"(?:online|on the web(?:site)?|on (?:the |microsoft's |your "
    r"|microsoft )?(?:web ?site|site|portal|store)|(?:web|online) (?:portal|store|shop)"
    r"|by credit card|with a credit card|(?:in|through|via) the (?:microsoft 365 |m365 )?admin"
    r" cent(?:er|re))" + W1,
    W0 + r"(?:buy|purchase|manage|administer|run|handle|look after|deploy|set (?:it |them )?up"
    r"|do (?:it|this|that|everything)|install|maintain|operate|support)\b[^.!?;\n]{0,30}?"
    r"\b(?:ourselves|myself|ourself|on our own|by ourselves|in[- ]house|internally)" + W1,
    W0 + r"(?:diy|do it ourselves|do-it-yourself)" + W1,
    W0 + r"(?:no|without (?:a |any )?)(?:partner|help|assistance|hand[- ]?holding)"
    r"(?:\s+(?:needed|required|necessary))?" + W1,
    r"セルフサービス",
    r"(?:オンライン|ウェブ|web|サイト|ポータル|ネット)(?:上)?(?:で|から|経由で)[^。！？!?\n]{0,6}?"
    r"(?:購入|買|契約|申し込|申込|注文|手続)",
    r"(?:自分たち|自分|自社|社内|我々|私たち|当社|弊社|うち)(?:だけ|自身)?で(?:は)?"
    r"[^。！？!?\n]{0,8}?(?:購入|買|管理|運用|対応|設定|導入|やり|行い|行う|できる|できます)",
    r"(?:製品|もの|ライセンス|サービス|商品)(?:は|が)(?:もう|既に|すでに|はっきり)?"
    r"(?:決まって|明確|分かって|わかって|はっきりして|決定して)",
    r"自力で",
    r"(?:サポート|支援|パートナー|手助け|助け|手伝い)(?:は|も)?(?:特に)?(?:不要|いらない|要らない"
    r"|必要ない|必要ありません|なしで)",
)
_HELP = (
    r"(?:'d like|" + W0 + r"(?:need|want|would like|looking for|require|could use|appreciate"
    r"|would welcome))\b[^.!?;\n]{0,25}?\b(?:help|assistance|support"
    r"|hand[- ]?holding|someone|(?<!via )(?<!through )(?<!from )(?<!with )an? (?:expert|consultant"
    r"|partner|msp|reseller))" + W1,
    W0 + r"help (?:us |me )?(?:to )?(?:choos|pick|decid|select|figur|with|set|deploy|manag"
    r"|plan|migrat|implement|get started)",
    W0 + r"(?:partner|reseller|seller|consultant|msp|someone|somebody|an? expert|experts"
    r"|microsoft)\b[^.!?;\n]{0,20}?\b(?:to |(?:who |that )?(?:can |will |could |should |would "
    r"|must |might )|who |that )"
    r"(?:help|assist|support|manage|look after|handle|guide|advise|run|take care)" + W1,
    W0 + r"(?:manages?|looks? after|handles?|runs?|takes? care of|administers?|operates?|does"
    r"|sorts? out)\b[^.!?;\n]{0,25}?\bfor us" + W1,
    W0 + r"managed services?" + W1,
    W0 + r"(?:not sure|unsure|no idea) (?:about )?what (?:we|i) (?:need|want|should)" + W1,
    r"(?:パートナー|販売店|リセラー|マイクロソフト|microsoft|営業|専門家|誰か|ベンダー|業者|sier|プロ)"
    r"(?:さん)?(?:に|の|から|と)[^。！？!?\n]{0,10}?(?:任せ|手伝|支援|サポート|助け|相談|アドバイス|管理して"
    r"|お願い|頼|伴走|提案|運用)",
    # advice or a consultation alone is what the advisor itself gives: no signal either way
    r"(?:サポート|支援|手助け|助け|手伝い)(?:が|は|を|も)?(?:必要|欲しい|ほしい"
    r"|受けたい|お願いしたい|してほしい|頂きたい|いただきたい|したい)",
    r"(?:管理|運用|選定|選択|導入)(?:を|は)?(?:して|お願い)(?:ほしい|欲しい|もらいたい|いただきたい"
    r"|頂きたい|したい)",
    r"(?:何を|何が|どれを|どれが)[^。]{0,10}?(?:必要|買|購入|選)[^。]{0,10}?"
    r"(?:(?:わから|分から)(?:ない|なくて|ず|ません)|不明)",
    r"任せたい",
    r"手伝って(?:ほしい|欲しい|もらいたい|いただきたい|頂きたい|ください|下さい)",
    r"(?:選ぶ|選び|選定)(?:の)?(?:を)?手伝",
)
_SELF_SIGNALS: tuple[tuple[re.Pattern[str], bool], ...] = tuple(
    (re.compile(p, re.ASCII), True) for p in _SELF
) + tuple((re.compile(p, re.ASCII), False) for p in _HELP)


def find_self_service(text: str) -> tuple[int, bool] | None:
    """Return (position, value) of the latest self-service signal, negation applied."""
    latest: tuple[int, bool] | None = None
    for pattern, value in _SELF_SIGNALS:
        for m in pattern.finditer(text):
            said = value != negated(text, m.start(), m.end(), cannot=value)
            if latest is None or m.start() >= latest[0]:
                latest = (m.start(), said)
    return latest


# --------------------------------------------------------------------------- preferences

_WANT_EN = (
    r"(?:'d rather|'d like|" + W0 + r"(?:prefer(?:red|ably|ence is|ence for)?|would rather"
    r"|rather(?! than)|(?<!what we )(?<!what i )want(?:s|ed)?|wanna|would like|like to|wish"
    r"|hope to|plan(?:ning)? to"
    r"|intend(?:ing)? to|going to|gonna|choose|chose|choosing|opt(?:ing)? for|go(?:ing)? with"
    r"|stick(?:ing)? with|stay(?:ing)? with|lean(?:ing)? towards?|inclined|favou?r"
    r"|interested in|keen on|happy (?:to|with)|looking to|looking for|need))" + W1
)
# Needing something online is not yet preferring to buy online; "need an EA" is.
_WANT_ONLINE_EN = _WANT_EN.replace("|need))", "))")
_BUY_VIA = W0 + r"(?:buy|purchase|buying|purchasing|get (?:it|them|licen\w*)|sign|go)" + W1
_WANT_JA = (
    r"[^。！？!?\n、]{0,15}?(?:希望|たい|がいい|が良い|がよい|が望ましい|でお願い|を選|がベスト"
    r"|が好ましい)"
)
_GAP_WIDE = r"[^.!?;,\n]{0,40}?"
_GAP_NEAR = r"[^.!?;,\n]{0,25}?"
_CSP_EN = W0 + r"(?:csp|cloud solution provider)" + W1
_VIA_PARTNER_EN = (
    W0 + r"(?:through|via|from|with) (?:a |an |our |the |local |microsoft |certified )*"
    r"(?:csp|cloud solution provider|partner|reseller)s?" + W1
)
_EA_EN = W0 + r"(?:ea|enterprise agreement|enterprise enrol+ment|mca-e|enterprise motion)" + W1
_VIA_SELLER_EN = (
    W0 + r"(?:through|via|from|with) (?:a |an |our |the )*microsoft (?:seller"
    r"|sales(?:person| rep| team)?|account (?:manager|team|executive))" + W1
)
_ONLINE_EN = (
    W0 + r"(?:online|on the web(?:site)?|on (?:the |microsoft's |your )?(?:web ?site|portal)"
    r"|web ?portal|web ?store|self[- ]?serv\w*)" + W1
)
_IS_BEST_EN = (
    r"\s+(?:would be|will be|is|seems|sounds|works)\s+(?:best|better|ideal|preferable"
    r"|preferred|our preference|the way to go|right for us)" + W1
)
_PREFERENCES: tuple[tuple[Motion, re.Pattern[str]], ...] = (
    (
        Motion.BREADTH,
        rx(
            _WANT_EN + _GAP_WIDE + _CSP_EN,
            _WANT_EN + _GAP_NEAR + _VIA_PARTNER_EN,
            _BUY_VIA + _GAP_NEAR + _VIA_PARTNER_EN,
            _CSP_EN + _IS_BEST_EN,
            r"(?:csp|クラウドソリューションプロバイダー?|パートナー経由|販売パートナー|リセラー"
            r"|パートナー(?:さん)?(?:から|を通じて|を通して)|販売店(?:さん)?(?:から|経由))"
            + _WANT_JA,
            # rather than an EA: "we'd rather not sign an EA", 「EAは結びたくない」
            W0 + r"(?:rather not|don't want to|do not want to|won't|will not|never want to|not"
            r" looking to|avoid(?:ing)?|no intention (?:of|to))\s+(?:sign(?:ing)?\s+)?(?:an?\s+)?"
            r"(?:ea|enterprise agreement)" + W1,
            W0 + r"(?:instead of|rather than|not)\s+(?:signing\s+)?(?:an?\s+)?"
            r"(?:ea|enterprise agreement)" + W1,
            r"(?:"
            + W0
            + r"ea"
            + W1
            + r"|エンタープライズ(?:・|\s)?アグリーメント|エンタープライズ契約)"
            r"(?:は|を|には)?(?:結びたくない|結ばない|結ぶつもりはない|避けたい|興味(?:は)?(?:ない|ありません)"
            r"|必要ない|不要)",
        ),
    ),
    (
        Motion.ENTERPRISE,
        rx(
            _WANT_EN + _GAP_WIDE + _EA_EN,
            _WANT_EN + _GAP_NEAR + _VIA_SELLER_EN,
            _BUY_VIA + _GAP_NEAR + _VIA_SELLER_EN,
            _EA_EN + _IS_BEST_EN,
            r"(?:" + W0 + r"ea" + W1 + r"|エンタープライズ(?:・|\s)?アグリーメント"
            r"|エンタープライズ契約|エンタープライズ)" + _WANT_JA,
            r"(?:マイクロソフト|microsoft)(?:の)?(?:営業|セラー)(?:担当)?"
            r"(?:から|経由で|を通じて|を通して)(?:購入|買|契約)[^。！？!?\n、]{0,4}?(?:たい|希望)",
        ),
    ),
    (
        Motion.SELF_SERVICE,
        rx(
            _WANT_ONLINE_EN + _GAP_WIDE + _ONLINE_EN,
            _ONLINE_EN + _IS_BEST_EN,
            r"(?:オンライン|ウェブ|"
            + W0
            + r"web"
            + W1
            + r"|セルフサービス|ポータル)"
            + _WANT_JA.replace("{0,15}", "{0,8}"),
        ),
    ),
)


def find_preference(text: str) -> Motion | None:
    """Return the latest motion the customer says they want, unless they deny it."""
    latest: tuple[int, Motion] | None = None
    for motion, pattern in _PREFERENCES:
        for m in pattern.finditer(text):
            if negated(text, m.start(), m.end()):
                continue
            if latest is None or m.end() > latest[0]:
                latest = (m.end(), motion)
    return latest[1] if latest else None
