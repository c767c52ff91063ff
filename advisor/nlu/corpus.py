"""Labelled customer utterances: what a reply to each question meant, in English and Japanese.

The reader trains on the corpus that ships with the package (`advisor/nlu/corpus/train.*.yaml`)
and on the training half of the blind-written utterances (`evals/blind/utterances.*.yaml`, odd
ids). The other half (even ids) is the test split, and `evals/blind/utterances-heldout.*.yaml`
(ids `h-…`) a second test set: neither is ever trained on. All use one format:

    - id: t-en-0001
      asked: special_terms      # the slot just asked about, or null
      text: "nah nothing fancy"
      act: answer               # answer, unsure, refuse, question, smalltalk, instruction
      facts: {special_terms: []}
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from advisor.domain.questions import question
from advisor.domain.schemas import LANGS, Motion, Slot, SpecialTerm
from advisor.resources import data_path

Act = Literal["answer", "unsure", "refuse", "question", "smalltalk", "instruction"]
ACTS: tuple[Act, ...] = ("answer", "unsure", "refuse", "question", "smalltalk", "instruction")

CORPUS_DIR = Path(__file__).resolve().parent / "corpus"


class Facts(BaseModel):
    """The profile slots an utterance states."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    seats: int | None = Field(default=None, ge=0)
    azure_annual_usd: float | None = Field(default=None, ge=0)
    special_terms: tuple[SpecialTerm, ...] | None = None
    self_service: bool | None = None
    preferred_motion: Motion | None = None


class Utterance(BaseModel):
    """One labelled customer message."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    asked: Slot | None = None
    text: str = Field(min_length=1)
    act: Act
    facts: Facts = Facts()

    @field_validator("facts", mode="before")
    @classmethod
    def _none_is_empty(cls, value: Any) -> Any:
        return {} if value is None else value

    @property
    def lang(self) -> str:
        """The utterance's language, from its id (`t-en-…`, `u-ja-…`)."""
        return "ja" if "-ja-" in self.id or self.id.startswith("option-ja") else "en"


def load_utterances(paths: Iterable[Path]) -> list[Utterance]:
    """Load and check labelled utterances from YAML files; ids must be unique across them."""
    items: list[Utterance] = []
    seen: set[str] = set()
    for path in paths:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for raw in data.get("items") or []:
            item = Utterance.model_validate(raw)
            if item.id in seen:
                raise ValueError(f"{path}: utterance id {item.id} appears twice")
            seen.add(item.id)
            items.append(item)
    return items


def blind_files() -> list[Path]:
    """Return the blind-written utterance files, one per language."""
    return sorted((data_path("evals") / "blind").glob("utterances.*.yaml"))


def heldout_files() -> list[Path]:
    """Return the reader's second test set, per language: blind-written, never trained on."""
    return sorted((data_path("evals") / "blind").glob("utterances-heldout.*.yaml"))


def in_test_split(item: Utterance) -> bool:
    """Tell whether a blind-written utterance is tested on: an even id, or the second test set."""
    return item.id.startswith("h-") or int(item.id.rsplit("-", 1)[1]) % 2 == 0


def option_utterances() -> list[Utterance]:
    """Return each quick reply's label as an answer meaning its value, in both languages."""
    items = []
    for lang in LANGS:
        for slot in Slot:
            for n, option in enumerate(question(slot, lang).options):
                items.append(
                    Utterance(
                        id=f"option-{lang}-{slot.value}-{n}",
                        asked=slot,
                        text=option.label,
                        act="answer",
                        facts=Facts.model_validate({slot.value: option.value}),
                    )
                )
    return items


def training_corpus() -> list[Utterance]:
    """Return what the reader trains on: the corpus, the quick replies and the blind half."""
    shipped = load_utterances(sorted(CORPUS_DIR.glob("train*.yaml")))
    blind = [item for item in load_utterances(blind_files()) if not in_test_split(item)]
    return shipped + option_utterances() + blind


def corpus_files() -> list[Path]:
    """Return every file the reader's training reads, to tell when it must retrain."""
    questions = [data_path("prompts") / f"questions.{lang}.yaml" for lang in LANGS]
    return sorted(CORPUS_DIR.glob("train*.yaml")) + questions + blind_files()


def by_lang(items: Sequence[Utterance], lang: str) -> list[Utterance]:
    """Return the utterances in one language."""
    return [item for item in items if item.lang == lang]
