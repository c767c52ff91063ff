"""Finding the parts of a message that try to instruct the assistant."""

from __future__ import annotations

import bisect
import re

from advisor.nlu.text import SENTENCE_END, W0, W1, Span, merge, rx, sentences

_INJECTION = rx(
    W0 + r"(?:ignore|disregard|forget|bypass|override|skip|drop|abandon)\b[^.!?\n]{0,40}?"
    r"\b(?:rules?|instructions?|prompts?|polic(?:y|ies)|guidelines?|guardrails?|restrictions?"
    r"|constraints?|directions?|directives?|programming|system messages?|training)" + W1,
    W0 + r"you(?:'re| are) now" + W1,
    W0 + r"from now on,? (?:you|your)" + W1,
    W0 + r"(?:pretend|act) (?:to be|as if|that you|you are|like you)" + W1,
    W0 + r"new (?:rules|instructions|system prompt)" + W1,
    W0 + r"(?:developer|dev|god|admin|debug) mode" + W1,
    W0 + r"jailbreak|" + W0 + r"do anything now" + W1,
    W0 + r"system\s*(?:prompt|message|instructions?)" + W1,
    W0 + r"(?:reveal|print|show|display|repeat|output|dump|leak|tell me|give me|share"
    r"|what is|what are|what's)\b[^.!?\n]{0,30}?\b(?:your|the) (?:initial |hidden |original "
    r"|internal |secret |full )?(?:prompt|instructions|rules|configuration)" + W1,
    W0 + r"(?:recommend|say|choose|pick|answer|output|reply|respond|tell (?:me|us)|classify)"
    r"\b[^.!?\n]{0,60}?\b(?:no matter what|regardless|whatever (?:i|we|the) \w+"
    r"|in (?:all|every) cases?|unconditionally|every time)" + W1,
    W0 + r"always (?:recommend|say|answer|choose|pick|output|reply|respond)" + W1,
    W0 + r"you (?:must|have to|are required to) (?:always )?(?:recommend|say|answer|choose)" + W1,
    W0 + r"(?:forget|ignore|disregard) (?:everything|all)(?: of)? (?:above|before|previous"
    r"|you were told|you know|your (?:instructions|rules))" + W1,
    r"^\s*(?:system|assistant|developer)\s*:",
    # slot assignments written to the assistant: "seats=99999", 「席数=…」
    W0 + r"(?:azure_annual_usd|special_terms|self_service|preferred_motion|profile"
    r"|motion)\s*[=:]\s*\S",
    W0 + r"seats\s*=\s*\S",  # "seats: 220" is how a customer writes it; "seats=99999" is not
    r"^\s*(?:システム|アシスタント|開発者)\s*[:：]",
    r"(?:席数|シート数|特別条件|契約条件|推奨|モーション)\s*[=＝]",
    # pretending facts: "pretend I need dual-use rights", "let's say we have 1 seat"
    W0 + r"(?:pretend|imagine|let's say|lets say|let us say|act as if|assume|suppose)\s+"
    r"(?:that\s+)?(?:i|we|our|my|it's|it is)" + W1,
    r"(?:ということにして|と仮定して|ふりをして|という設定で)",
    W0 + r"no matter what\b[^.!?\n]{0,40}?\b(?:recommend|say|answer|choose|pick)" + W1,
    r"システム\s*プロンプト",
    r"(?:ルール|指示|命令|制約|設定|プロンプト|ポリシー|規則|ガイドライン|制限)"
    r"(?:は|を|も)?(?:全て|すべて|全部|一切|完全に)?(?:無視|忘れ|破っ)",
    r"あなたは(?:今から|これから|もう)|(?:今から|これから)(?:、)?あなたは",
    r"(?:プロンプト|指示|ルール|設定)(?:を|の内容を)(?:教え|表示|見せ|出力|開示)",
    r"何があっても[^。！？!?\n]{0,30}?(?:推奨|勧め|すすめ|提案|答え|言)",
    r"(?:必ず|絶対に?|常に)[^。！？!?\n]{0,30}?(?:を推奨|を勧め|をすすめ|と答え|と言|を提案)",
    r"(?:に関係なく|にかかわらず|に関わらず)[^。！？!?\n]{0,20}?(?:推奨|勧め|すすめ|提案)",
    r"開発者モード|脱獄",
    r"と(?:答え|回答し|返答し|出力し|言っ)て(?:ください|下さい|ほしい|欲しい)|と(?:だけ)?(?:答えろ|言え)",
)
_CLAUSE_START = re.compile(r"[,;:.!?。！？、\n]")


def injection_spans(text: str) -> list[Span]:
    """Return the spans that try to instruct the assistant, to the end of their sentence."""
    spans: list[Span] = []
    clause_starts = [0] + [c.end() for c in _CLAUSE_START.finditer(text)]
    for m in _INJECTION.finditer(text):
        a = clause_starts[bisect.bisect_right(clause_starts, m.start()) - 1]
        end_m = SENTENCE_END.search(text, m.end())
        spans.append((a, end_m.end() if end_m else len(text)))
    return merge(spans)


# "that RFP is not ours", "a client's requirements", 「うちのものではありません」, 「取引先のRFP」
_DISOWNED = rx(
    W0 + r"(?:(?:that|this|it|which|they)(?: [a-z]+)?(?:'s|'re| is| are| was| were)? not"
    r" (?:ours|our own|our (?:rfp|requirements?|document|tender|contract|terms)s?)"
    r"|isn't ours|aren't ours)" + W1 + r"(?!\s+to\b)",
    W0 + r"(?:someone else's|another (?:company|firm|organi[sz]ation)'s|(?:a|our|the)"
    r" (?:customer|client|competitor|partner)'s) (?:rfp|requirements?|document|tender|template"
    r"|contract|terms)" + W1,
    r"(?:うち|弊社|当社|自社|私たち|我々)の(?:もの|RFP|要件|文書|資料)?(?:では|じゃ)(?:ありません|ない|なく)",
    r"(?:他社|取引先|顧客|お客様|別の会社|競合)の(?:RFP|要件|要求|資料|文書|仕様|提案依頼|テンプレート)",
)
_QUOTED = re.compile(r'"[^"\n]{1,300}"|“[^”\n]{1,300}”|『[^』\n]{1,300}』|「[^」\n]{1,300}」')


def disowned_spans(text: str) -> list[Span]:
    """Return the parts of a message the customer says are not theirs to need.

    When a message disowns what it reports ("the RFP says ..., but that is not ours"), its
    quotations are set aside; with nothing quoted, the sentences that disown are.
    """
    marks = list(_DISOWNED.finditer(text))
    if not marks:
        return []
    quoted = [m.span() for m in _QUOTED.finditer(text)]
    if quoted:
        return quoted
    return [(a, b) for a, b in sentences(text) if any(a <= m.start() < b for m in marks)]
