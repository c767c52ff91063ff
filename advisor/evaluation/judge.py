"""The LLM judge: whether each sentence of an answer is supported by the sections it cites."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage

from advisor import prompts
from advisor.domain.schemas import Answer
from advisor.evaluation.results import Check, check
from advisor.guidance.knowledge import KnowledgeBase

_MARKERS = r"\[\d+(?:\s*,\s*\d+)*\]"
_ANSWER_SENTENCE = re.compile(
    r"\s*(.+?(?:(?:[.!?](?=\s|\[|$)|[。！？])(?:\s*" + _MARKERS + r")*|" + _MARKERS + r"|$))",
    re.S,
)


def answer_sentences(answer: Answer) -> list[str]:
    """Split an answer into sentences, each with its markers, without the closing date line."""
    paragraphs = [p.strip() for p in answer.answer.split("\n\n") if p.strip()]
    if (
        len(paragraphs) > 1
        and answer.as_of
        and answer.as_of in paragraphs[-1]
        and not re.search(_MARKERS, paragraphs[-1])
    ):
        paragraphs = paragraphs[:-1]
    body = "\n\n".join(paragraphs)
    return [s.strip() for s in _ANSWER_SENTENCE.findall(body) if s.strip()]


@dataclass(frozen=True)
class Verdict:
    """A judge's reading of one answer: whether each sentence is supported."""

    sentences: list[str]
    supported: list[bool] | None
    raw: str = ""

    @property
    def readable(self) -> bool:
        """Tell whether the judge gave one verdict per sentence."""
        return self.supported is not None and len(self.supported) == len(self.sentences)


def parse_verdict(text: str, sentences: Sequence[str]) -> Verdict:
    """Read a judge's JSON reply ({"supported": [...]}) for the given sentences."""
    match = re.search(r"\{.*\}", text, re.S)
    supported: list[bool] | None = None
    if match:
        try:
            data = json.loads(match.group(0))
        except json.JSONDecodeError:
            data = None
        values = data.get("supported") if isinstance(data, dict) else None
        if isinstance(values, list) and all(isinstance(v, bool) for v in values):
            supported = list(values)
    return Verdict(list(sentences), supported, text[:500])


def judge_answer(model: BaseChatModel, answer: Answer, kb: KnowledgeBase) -> Verdict:
    """Ask the judge model whether each sentence of an answer is supported by its citations."""
    sentences = answer_sentences(answer)
    sections = "\n\n".join(
        f"[{n}] {kb.section(c.id, answer.lang).heading}\n{kb.section(c.id, answer.lang).text}"
        for n, c in enumerate(answer.citations, start=1)
    )
    numbered = "\n".join(f"{n}. {s}" for n, s in enumerate(sentences, start=1))
    system = prompts.render("judge", answer.lang, sections=sections, sentences=numbered)
    reply = model.invoke([SystemMessage(system), HumanMessage("Reply with the JSON object only.")])
    return parse_verdict(reply.text, sentences)


def evaluate_verdict(verdict: Verdict) -> Check:
    """Check that the judge found every sentence of an answer supported."""
    if not verdict.readable:
        return check("faithful", False, f"the judge's reply could not be read: {verdict.raw!r}")
    unsupported = [
        s for s, ok in zip(verdict.sentences, verdict.supported or [], strict=True) if not ok
    ]
    return check("faithful", not unsupported, "unsupported: " + " | ".join(unsupported))
