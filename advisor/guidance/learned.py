"""What a guidance question is about, learned from the questions people have asked.

Three small models per language, on character n-grams (typos and Japanese need no tokenizer),
and, for whether English is in scope, its words and word pairs too:
- scope: whether the guidance can answer the question at all, read in the guidance's words
  ("the big-company contract" as the enterprise motion). The rules in `scope` name what is out
  of scope (prices, rates, SKUs, regions, later events); this model catches what they cannot
  list, such as "how long does the approval take?" or a programme the guidance never mentions,
  from questions written to be refused.
- sections: which section a question is about, a prior that lifts the right section when
  the question shares few words with it.
- sentences: which sentence states what such a question wants, a prior on the answer's choice.

They train on the questions each section answers (`knowledge/<lang>/questions.yaml`), the ask
cases (`evals/cases/ask.yaml`) and the development questions (`evals/blind/ask-dev.yaml`),
never on the blind sets (`evals/blind/questions.yaml` and `evals/blind/heldout/questions.yaml`).
Training takes several seconds (about 9 on a 2-core machine), so the trained models are cached
on disk beside the reader's, keyed by a hash of what they learn from, and kept in memory once
loaded.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import sklearn
import yaml
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline, make_union

from advisor.domain.schemas import LANGS, Lang
from advisor.guidance.knowledge import KnowledgeBase
from advisor.guidance.reading import in_guidance_words
from advisor.nlu.learned import words_and_pairs as reader_words
from advisor.resources import cached_model, data_path

log = logging.getLogger(__name__)

# Leave-one-set-out over the development questions (benchmarks/ask_cv.py) chose these: below
# 0.75 in-scope questions start to be refused (the priors' weights are in answering).
# English words beside the characters, held out set by set on the 1,065 English questions no
# rule decides (2026-12-03): at the same share of those in scope refused (16 or 17 of 849),
# 195 of 216 to refuse are refused rather than 191; Japanese did no better with its few
# Latin words (172 of 190 either way, 2 more in scope refused), so it keeps characters alone.
# The scope model reads a question in the guidance's words (a customer's plain words and the
# other language's, as retrieval does): held out set by set over d2-d33 at the same thresholds,
# Japanese refused 352 of 396 to refuse with 21 of 1,575 in scope refused, against 347 and 24
# on the words as written; English did the same either way (346 and 16).
SCOPE_C: dict[Lang, float] = {"en": 32.0, "ja": 16.0}
SECTION_C = 10.0

QUESTION_FILES = ("cases/ask.yaml", "blind/ask-dev.yaml")
BLIND_FILES = ("blind/questions.yaml", "blind/heldout/questions.yaml")


@dataclass(frozen=True)
class Asked:
    """One question with what is known of it: in scope or not, and the section it is about."""

    text: str
    lang: Lang
    answerable: bool
    section: str | None = None
    # what a right answer states: groups of alternatives, each group one fact
    facts: tuple[tuple[str, ...], ...] = ()


def asked_questions(kb: KnowledgeBase, files: Iterable[Path] | None = None) -> list[Asked]:
    """Return the questions the models learn from, in both languages."""
    items = [
        Asked(question, section.lang, True, section.id)
        for lang in LANGS
        for section in kb.in_lang(lang)
        for question in section.questions
    ]
    root = data_path("evals")
    if files is None:
        files = [root / name for name in QUESTION_FILES]
    for path in files:
        if not path.is_file():
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        raw = data.get("questions") if isinstance(data, dict) else data
        for item in raw or []:
            sections = [s for s in item.get("expected_sections") or [] if s != "glossary"]
            answerable = bool(item.get("answerable", True))
            facts = tuple(
                (fact,) if isinstance(fact, str) else tuple(map(str, fact))
                for fact in item.get("key_facts") or []
            )
            items.append(
                Asked(
                    str(item["question"]),
                    item["lang"],
                    answerable,
                    sections[0] if answerable and sections else None,
                    facts if answerable else (),
                )
            )
    # a plain question two writers happened to word alike ("What are dual-use rights?") is
    # left out wherever the blind set has it, so the blind figures stay unseen
    held_out = {pair for name in BLIND_FILES for pair in _questions_of(root / name)}
    return [q for q in items if (q.lang, q.text) not in held_out]


def _questions_of(path: Path) -> list[tuple[str, str]]:
    if not path.is_file():
        return []
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return [(str(q["lang"]), str(q["question"])) for q in data.get("questions") or []]


def _pipeline(c: float, balanced: bool, words: bool = False) -> Pipeline:
    characters = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True, lowercase=True
    )
    features = (
        make_union(characters, TfidfVectorizer(analyzer=words_and_pairs, sublinear_tf=True))
        if words
        else characters
    )
    return make_pipeline(
        features,
        LogisticRegression(C=c, max_iter=3000, class_weight="balanced" if balanced else None),
    )


def words_and_pairs(text: str) -> list[str]:
    """Return a question's English words and word pairs, as the message reader reads them."""
    return reader_words(text.casefold())


_BETWEEN_DIGITS = re.compile(r"(?<=\d)[,\s]+(?=\d)")
# a space next to Japanese is typography, not wording: 「100 万米ドル」 states 「100万米ドル」
_BESIDE_JAPANESE = re.compile(
    r"\s+(?=[\u3040-\u30ff\u3400-\u9fff])|(?<=[\u3040-\u30ff\u3400-\u9fff])\s+"
)


def fact_form(text: str) -> str:
    """Return text as facts are compared.

    NFKC, case-folded, digits without separators, and no spaces beside Japanese characters.
    """
    folded = _BETWEEN_DIGITS.sub("", unicodedata.normalize("NFKC", text).casefold())
    return _BESIDE_JAPANESE.sub("", folded)


def stating_sentences(question: Asked, kb: KnowledgeBase) -> list[str]:
    """Return, for each fact a right answer states, the first sentence of the section that does."""
    if not question.section or not question.facts:
        return []
    sentences = kb.section(question.section, question.lang).sentences()
    forms = [fact_form(t) for t in sentences]
    found = []
    for group in question.facts:
        alternatives = [fact_form(f) for f in group]
        hit = next(
            (t for t, f in zip(sentences, forms, strict=True) if any(a in f for a in alternatives)),
            None,
        )
        if hit is not None and hit not in found:
            found.append(hit)
    return found


class QuestionModel:
    """The scope, section and sentence models of both languages."""

    def __init__(self, questions: list[Asked], kb: KnowledgeBase | None = None) -> None:
        self._scope: dict[str, Pipeline] = {}
        self._sections: dict[str, Pipeline] = {}
        self._sentences: dict[str, Pipeline] = {}
        for lang in LANGS:
            mine = [q for q in questions if q.lang == lang]
            if len({q.answerable for q in mine}) == 2:
                self._scope[lang] = _pipeline(SCOPE_C[lang], balanced=True, words=lang == "en").fit(
                    [in_guidance_words(q.text, lang) for q in mine],
                    [int(not q.answerable) for q in mine],
                )
            routed = [q for q in mine if q.section]
            if len({q.section for q in routed}) >= 2:
                self._sections[lang] = _pipeline(SECTION_C, balanced=False).fit(
                    [q.text for q in routed], [q.section for q in routed]
                )
            if kb is None:
                continue
            stated = [(q.text, s) for q in mine for s in stating_sentences(q, kb)]
            if len({s for _, s in stated}) >= 2:
                self._sentences[lang] = _pipeline(SECTION_C, balanced=False).fit(
                    [t for t, _ in stated], [s for _, s in stated]
                )

    def out_of_scope(self, question: str, lang: Lang) -> float:
        """Return how likely the guidance cannot answer the question (0 to 1)."""
        model = self._scope.get(lang)
        if model is None:
            return 0.0
        return float(model.predict_proba([in_guidance_words(question, lang)])[0][1])

    def sections(self, question: str, lang: Lang) -> dict[str, float]:
        """Return each section's probability of being what the question is about."""
        return _by_label(self._sections.get(lang), question)

    def sentences(self, question: str, lang: Lang) -> dict[str, float]:
        """Return each guidance sentence's probability of stating what the question asks."""
        return _by_label(self._sentences.get(lang), question)


def _by_label(model: Pipeline | None, question: str) -> dict[str, float]:
    if model is None:
        return {}
    probabilities = model.predict_proba([question])[0]
    return {str(s): float(p) for s, p in zip(model.classes_, probabilities, strict=True)}


_models: dict[str, QuestionModel] = {}
_training = threading.Lock()


# bump when the features or models change, so a cached model of the old kind is not loaded
MODEL_VERSION = 3


def question_model(kb: KnowledgeBase) -> QuestionModel:
    """Return the models trained on the shipped questions: in memory, cached, or trained now."""
    with _training:
        model = _models.get(kb.content_hash)
        if model is None:
            model = _models[kb.content_hash] = cached_model(
                "questions", _training_key(kb), QuestionModel, lambda: _train(kb)
            )
        return model


def _training_key(kb: KnowledgeBase) -> str:
    """Return a key that changes whenever what the models learn from, or their code, does."""
    digest = hashlib.sha256(f"{MODEL_VERSION} {sklearn.__version__} {kb.content_hash}".encode())
    root = data_path("evals")
    for name in (*QUESTION_FILES, *BLIND_FILES):
        path = root / name
        digest.update(name.encode())
        digest.update(path.read_bytes() if path.is_file() else b"")
    return digest.hexdigest()[:16]


def _train(kb: KnowledgeBase) -> QuestionModel:
    questions = asked_questions(kb)
    log.info("training the question model on %d questions", len(questions))
    return QuestionModel(questions, kb)
