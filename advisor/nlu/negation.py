"""Telling whether a mention is denied ("no X", "X は不要")."""

from __future__ import annotations

from advisor.nlu.text import W0, W1, rx

_EN_CLAUSE = rx(
    r"[;:.!?。！？\n]",
    r",\s*(?:and\s+|but\s+|so\s+)?(?:we|i|our|they|it|there|you|also|plus|a|an|the|my"
    r"|your|their)" + W1,
    W0 + r"(?:but|however|although|though|whereas|while|except|yet)" + W1,
    W0 + r"and\s+(?:we|i|our|they|there|it)" + W1,
    # "no special terms and want help": a new verb after "and" starts a new clause
    W0 + r"and\s+(?:also\s+)?(?:need|want|have|has|use|run|require|would|will|are|is|plan"
    r"|prefer|like|know|buy|manage|do|does|get|expect|operate|should)" + W1,
)
_EN_NEGATOR = rx(
    W0 + r"no" + W1 + r"(?!\s*[,.!;:])",
    W0 + r"(?:not|never|without|nor|neither|none|nothing|cannot|lack|rather than|instead of)" + W1,
    r"n't" + W1,
    W0 + r"(?:dont|doesnt|didnt|cant|wont|isnt|arent|havent|hasnt|wouldnt|shouldnt)" + W1,
)
_EN_UNNEGATE = rx(W0 + r"(?:except|other than|apart from|besides|only|just|but)" + W1)
_EN_NEGATED_AFTER = rx(
    r"\s*(?:[:=-]\s*)?(?:"
    r"(?:is|are|was|were|will be|would be)\s*(?:not|n't)"
    r"|(?:isn't|aren't|not)\s+(?:needed|required|necessary|relevant|applicable|an issue)"
    r"|(?:none|no|nope|n/a)" + W1 + ")"
)
_JA_CLAUSE = rx(
    r"[。！？!?\n]",
    # a run-on joins its clauses with "思ってて", "ですね": a denial after one is not this one's
    r"と思っ(?:てて|ていて|ています|てます|ており)",
    r"てですね",
    r"(?<=[ぁ-ゖ])[、,]",
    r"ですが",
    r"ますが",
    r"だが",
    r"けど",
    r"けれど",
    r"ものの",
    r"一方",
    r"しかし",
    r"ただし",
)
_JA_NEGATOR = rx(
    r"ありません",
    r"ございません",
    r"(?<![少危])ない",
    r"無い",
    r"なく",
    r"なし",
    r"無し",
    r"不要",
    r"いらない",
    r"要らない",
    r"ません",
    r"対象外",
    r"ゼロ",
    r"結構です",
)
_JA_CANNOT = rx(
    r"難しい",
    r"むずかしい",
    r"無理",
    r"厳しい",
    r"自信がない",
    r"余裕がない",
    r"できない",
    r"できません",
)
_JA_UNNEGATE = rx(r"だけでなく", r"だけではなく", r"のみならず", r"しか")


def negated(text: str, start: int, end: int, *, cannot: bool = False) -> bool:
    """Tell whether the mention at [start, end) is denied ("no X", "X は不要")."""
    lo = max(0, start - 80)
    # A boundary may run into the mention itself ("... and want a partner").
    cuts = [
        min(c.end(), start)
        for c in _EN_CLAUSE.finditer(text, lo, min(len(text), start + 15))
        if c.start() < start
    ]
    before = text[max([lo, *cuts]) : start]
    negators = list(_EN_NEGATOR.finditer(before))
    if negators:
        between = before[negators[-1].end() :]
        if not _EN_UNNEGATE.search(between) and len(between.split()) <= 6:
            return True
    if _EN_NEGATED_AFTER.match(text, end):
        return True
    after = text[end : end + 40]
    cut = _JA_CLAUSE.search(after)
    if cut:
        after = after[: cut.start()]
    if _JA_UNNEGATE.search(after):
        return False
    return bool(_JA_NEGATOR.search(after) or (cannot and _JA_CANNOT.search(after)))
