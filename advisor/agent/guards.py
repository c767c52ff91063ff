"""Checks on what a model writes: a motion the classifier did not decide, or the prompt echoed."""

from __future__ import annotations

import re
from functools import cache

from advisor.agent.tools import advisor_tools
from advisor.domain.schemas import LANGS, ChatTurn, Classification, Motion
from advisor.guidance.knowledge import split_sentences
from advisor.prompts import template

_MOTION_WORDS: dict[Motion, re.Pattern[str]] = {
    Motion.BREADTH: re.compile(r"\bbreadth\b|ブレドゥス", re.IGNORECASE),
    Motion.ENTERPRISE: re.compile(
        r"\benterprise motion\b|エンタープライズ\s*モーション", re.IGNORECASE
    ),
    Motion.SELF_SERVICE: re.compile(r"\bself[- ]service\b|セルフサービス", re.IGNORECASE),
}
_RECOMMENDS = re.compile(
    r"recommend|suggest|best (fit|option)|should (buy|go)|推奨|おすすめ|お勧め", re.IGNORECASE
)


def needs_checking(text: str) -> bool:
    """Tell whether streamed model text must wait for the turn's checks before it is shown."""
    return any(p.search(text) for p in _MOTION_WORDS.values()) or leaks_prompt(text)


def conflicts(sentence: str, classification: Classification) -> bool:
    """Tell whether a model's sentence names a motion the classifier did not allow.

    Undecided, a sentence may describe any motion but not recommend one; decided, it may name
    the decided motion and its allowed alternatives.
    """
    named = {motion for motion, pattern in _MOTION_WORDS.items() if pattern.search(sentence)}
    if not named:
        return False
    decided = classification.motion
    if decided is None:
        return bool(_RECOMMENDS.search(sentence))
    allowed = {decided, *(a.motion for a in classification.alternatives)}
    return bool(named - allowed)


# Quoting and list markup a model may add or drop when it repeats the prompt.
_PROMPT_MARKUP = re.compile(r"[`*_\"'「」“”•-]")
_SENTENCE = re.compile(r"(?<=[.:;])\s+|(?<=[。：])|\n")


def _squeeze(text: str) -> str:
    return " ".join(_PROMPT_MARKUP.sub("", text).casefold().split())


def _width(text: str) -> int:
    return sum(2 if ord(c) >= 0x2E80 else 1 for c in text)


@cache
def _prompt_sentences() -> tuple[str, ...]:
    """Return the system prompts' own sentences, long enough to be telling, in both languages."""
    found: list[str] = []
    for lang in LANGS:
        for piece in re.split(r"\{[a-z_]+\}", template("system", lang)):
            for sentence in _SENTENCE.split(piece):
                squeezed = _squeeze(sentence)
                if _width(squeezed) >= 24:
                    found.append(squeezed)
    return tuple(dict.fromkeys(found))


def leaks_prompt(reply: str) -> bool:
    """Tell whether a model's reply repeats the system prompt or names the agent's tools."""
    squeezed = _squeeze(reply)
    if any(tool.name in reply for tool in advisor_tools()):
        return True
    return any(sentence in squeezed for sentence in _prompt_sentences())


_SENTENCE_END = re.compile(r"[.!?。！？\n]\s*")


class StreamGate:
    """Pass a model's streamed words on a sentence at a time, holding back the ones to check.

    A sentence that names a motion or echoes the prompt waits for the turn's checks: the final
    event carries the checked reply. Every other sentence is shown as soon as it is complete.
    """

    def __init__(self) -> None:
        self.pending = ""

    def feed(self, text: str) -> str:
        """Take streamed text; return what may be shown now."""
        self.pending += text
        ends = list(_SENTENCE_END.finditer(self.pending))
        if not ends:
            return ""
        shown: list[str] = []
        start = 0
        for end in ends:
            sentence = self.pending[start : end.end()]
            start = end.end()
            if not needs_checking(sentence):
                shown.append(sentence)
        self.pending = self.pending[start:]
        return "".join(shown)


def keeps_the_turn(rephrased: str, turn: ChatTurn) -> bool:
    """Tell whether a model's rephrasing of a templated reply keeps its question and motion.

    It must end with the question word for word, name the recommended motion if the reply did,
    name no motion the classifier did not allow, and repeat nothing of the system prompt.
    """
    text = rephrased.strip()
    if not text or leaks_prompt(text):
        return False
    if turn.question is not None and not text.endswith(turn.question.text):
        return False
    sentences = split_sentences(text)
    decided = turn.recommendation
    if decided is None:
        return not any(
            _RECOMMENDS.search(s) and any(p.search(s) for p in _MOTION_WORDS.values())
            for s in sentences
        )
    named = _MOTION_WORDS[decided.motion] if decided.motion is not None else None
    if named is not None and named.search(turn.reply) and not named.search(text):
        return False
    return not any(conflicts(sentence, decided) for sentence in sentences)
