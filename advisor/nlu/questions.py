"""Finding the parts of a message that ask a guidance question."""

from __future__ import annotations

import re

from advisor.nlu.text import W0, W1, Span, merge, normalise, rx, sentences

_INTERJECTION = (
    r"(?:(?:so|and|but|also|ok|okay|hi|hello|hey|thanks|thank you|well|then|great|sorry"
    r"|one more thing|quick question|question)[,:!]?\s+)*"
)
_EN_WH = rx(
    r"\s*" + _INTERJECTION + r"(?:what|how|why|which|who|whom|whose|when|where)"
    r"(?:'s|'re|'d|\s+(?:is|are|was|were|does|do|did|should|shall|can|could|would|will|might"
    r"|may|about|if|kind|type|sort|much|many|long|exactly|happens|options?|motions?|vehicle"
    r"|difference|differs|makes|counts|qualifies|the|a|an|to|csp|ea|mca|partners?))" + W1
)
_EN_AUX = rx(
    r"\s*" + _INTERJECTION + r"(?:is|are|am|was|were|do|does|did|can|could|should|shall|would"
    r"|will|may|might|must|have|has|isn't|aren't|don't|doesn't|can't|won't|wouldn't|shouldn't)"
    r"\s+(?:i|we|you|it|there|this|that|they|these|those|a|an|the|my|our|your|csp|ea|mca"
    r"|microsoft|partners?|customers?|someone|anyone|he|she|\d)" + W1
)
_EN_ASKING = rx(
    W0 + r"(?:tell me (?:about|more|what|how|why|which|whether|if)|explain|help me understand"
    r"|i(?:'d| would) like to know|i want to know|i wonder|wondering (?:what|how|if|whether|why)"
    r"|what's the difference|difference between|can you clarify|could you clarify"
    r"|curious (?:about|what|how|whether|if))" + W1
)
_JA_ASKING = rx(
    r"とは",
    r"って何",
    r"ってなに",
    r"何ですか",
    r"なんですか",
    r"何でしょう",
    r"違い(?:は|を|が|について)",
    r"どう違",
    r"どのよう",
    r"どうすれば",
    r"どうやって",
    r"どうしたら",
    r"教えて",
    r"ですか",
    r"ますか",
    r"でしょうか",
    r"のですか",
    r"んですか",
    r"知りたい",
    r"ってどう",
    r"どれが",
    r"どちらが",
    r"どちらを",
    r"どっちが",
    r"なぜ",
    r"どうして",
    r"いくら",
    r"べきか",
    r"可能か",
    r"できるか",
)
_NOT_CONTENT = rx(
    r"[\d.,$€£¥%+~\s?!:;()\"'-]+",
    W0 + r"(?:seats?|licen[cs]es?|users?|people|employees|staff|usd|dollars?|k|m|about|around"
    r"|approx\w*|roughly|maybe|perhaps|yes|no|ok|okay|or so|ish|per|a|year|month|annually"
    r"|monthly|right)" + W1,
    r"人|名|席|シート|ライセンス|ユーザー|ドル|円|万|億|千|くらい|ぐらい|程度|です|かな|ほど",
    r"年間|月額|約",
)
# hedges around a figure: "uh 75? give or take", 「たぶん1200くらい？」, 「700くらいですかね」
_HEDGE = rx(
    W0 + r"(?:uh|um+|hmm+|er+m?|give or take|i guess|i think|i'd say|let's say|lets say|say"
    r"|guess|probably|likely|like|something like|close to|or thereabouts|ballpark|maybe)" + W1,
    r"たぶん|多分|おそらく|恐らく|だいたい|大体|ですかね|でしょうか|でしょう|ですね|かね|かな|ね|よ"
    r"|か",
)
_DIGIT = re.compile(r"\d")
_HAS_LETTER = re.compile(r"[a-z\u3041-\u30ff\u4e00-\u9fff]")
_EN_SUBCLAUSE = re.compile(r"(?:(?<!\d),|,(?!\d))\s*|;\s*|\s-\s|(?<=[ぁ-ゖ])[、,]")


# a topic of the advisor's questions, echoed back before the answer: "azure? none", 「Azure？」
_ECHO = re.compile(
    r"\W*(?:azure|seats?|licen[cs]es?|special terms?|terms|partners?|online|self[- ]service"
    r"|アジュール|シート|ライセンス|特別な?(?:契約)?条件|パートナー|オンライン)\W*",
    re.IGNORECASE,
)


# the topics a figure answers: what follows them is said of them ("azure? we don't use it")
_ECHO_FIGURE = re.compile(
    r"\W*(?:azure|seats?|licen[cs]es?|アジュール|シート|ライセンス)\W*", re.IGNORECASE
)


def echoes_figure(question: str) -> bool:
    """Tell whether a question part only echoes back a topic that a figure answers."""
    return _ECHO_FIGURE.fullmatch(question) is not None


def echoes_topic(question: str) -> bool:
    """Tell whether a question part only echoes a topic back ("azure?"), asking nothing."""
    return _ECHO.fullmatch(question) is not None


# a choice asked between options named before it: the options are part of the question
_IF_EN = re.compile(r"\s*(?:even )?(?:if|once|suppose|supposing)\b", re.IGNORECASE)
_IF_JA = re.compile(r"(?:ても|でも|たら|なら|れば)\s*$")
_CHOICE = re.compile(r"\s*(?:どっち|どちら|どれ|which\b)", re.IGNORECASE)
_OPTIONS = re.compile(r"のと|(?<![\d０-９])と[、,]|\bor\b|\bversus\b|\bvs\b", re.IGNORECASE)


def question_spans(text: str) -> list[Span]:
    """Return the spans that ask a guidance question, from the asking clause to its end."""
    spans: list[Span] = []
    for a, b in sentences(text):
        sentence = text[a:b]
        if not sentence.strip():
            continue
        if _DIGIT.search(sentence) and not _HAS_LETTER.search(
            _NOT_CONTENT.sub("", _HEDGE.sub("", sentence))
        ):
            continue  # a figure, hedged: an answer, not a question
        ends_asking = sentence.rstrip().endswith("?")
        cuts = [(m.start(), m.end()) for m in _EN_SUBCLAUSE.finditer(sentence)]
        clauses = list(
            zip([0] + [e for _, e in cuts], [s for s, _ in cuts] + [len(sentence)], strict=True)
        )
        found: int | None = None
        for start, stop in clauses:
            if (
                _EN_WH.match(sentence, start)
                or (ends_asking and _EN_AUX.match(sentence, start))
                or _EN_ASKING.search(sentence, start, stop)
                or _JA_ASKING.search(sentence, start, stop)
            ):
                found = start
                break
        if found:
            # "if we buy online ourselves, can we still ask a partner later?",
            # 「ネットで自分で買っても、あとで相談できますか？」: the condition is part of the
            # question, not something the customer says they do (a figure in it still counts)
            i = [start for start, _ in clauses].index(found)
            before = sentence[clauses[i - 1][0] : clauses[i - 1][1]] if i else ""
            if (
                before
                and not _DIGIT.search(before)
                and (_IF_EN.match(before) or _IF_JA.search(before))
            ):
                found = clauses[i - 1][0]
        chooses = found is not None and _CHOICE.match(sentence, found) is not None
        if chooses and _OPTIONS.search(sentence[:found]):
            found = 0  # 「代理店から買うのと、自分でネットで買うのと、どっちがいい？」 asks of both
        if found is None and ends_asking and _HAS_LETTER.search(_NOT_CONTENT.sub("", sentence)):
            last = clauses[-1][0]
            found = last if len(sentence) - last > 2 else 0
        if found is not None:
            spans.append((a + found, b))
    return merge(spans)


# a check on what was just said, asking nothing of the guidance: "is that ok?", 「大丈夫ですか？」
_ONLY_CHECKS = rx(
    W0 + r"(?:is|are|that|this|it|ok|okay|alright|all right|fine|possible|allowed|right|correct"
    r"|so|can|we|do|does|would|will|be|too|then|still|hmm|yes|no|or|not|and|us|our)" + W1,
    r"大丈夫|いい|良い|よい|可能|ですか|ますか|でしょうか|それ|これ|って|でも|で|は|か|ね|よ|も|ok"
    r"|の",
)


def asks_about_something(text: str) -> bool:
    """Tell whether a message's questions ask something, not only check ("…, is that ok?")."""
    s = normalise(text)
    return any(_HAS_LETTER.search(_ONLY_CHECKS.sub("", s[a:b])) for a, b in question_spans(s))
