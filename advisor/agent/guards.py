"""Checks on what a model writes: a motion the classifier did not decide, or the prompt echoed."""

from __future__ import annotations

import re
from functools import cache

from advisor.agent.tools import advisor_tools
from advisor.domain.schemas import LANGS, Classification, Motion
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


def contradicts(reply: str, classification: Classification) -> bool:
    """Tell whether a model's reply names a motion the classifier did not decide."""
    named = {motion for motion, pattern in _MOTION_WORDS.items() if pattern.search(reply)}
    decided = classification.motion
    if decided is None:
        return bool(named) and bool(_RECOMMENDS.search(reply))
    allowed = {decided, *(a.motion for a in classification.alternatives)}
    return decided not in named or bool(named - allowed)


_PROMPT_MARKUP = re.compile(r"[`*_\"'「」“”]")
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
    """Pass an LLM's streamed words on a sentence at a time, until one needs checking.

    From the first sentence that names a motion or echoes the prompt, nothing more is streamed:
    the turn's final event carries the checked reply, so nothing the checks would replace reaches
    the customer. The offline model's replies are written from the classifier and pass straight
    through.
    """

    def __init__(self, *, checked: bool) -> None:
        self.checked = checked
        self.pending = ""
        self.held = False

    def feed(self, text: str) -> str:
        """Take streamed text; return what may be shown now."""
        if not self.checked:
            return text
        if self.held:
            return ""
        self.pending += text
        ends = list(_SENTENCE_END.finditer(self.pending))
        if not ends:
            return ""
        cut = ends[-1].end()
        ready, self.pending = self.pending[:cut], self.pending[cut:]
        if needs_checking(ready):
            self.held = True
            return ""
        return ready
