"""What a customer means, learned from the labelled corpus rather than written as patterns.

A character n-gram TF-IDF over the normalised message reads typos, slang and Japanese alike with
no tokenizer; English words and word pairs are features too. Each feature appears twice: once
as is, and once tied to the question just asked, so "no" can mean "no special terms" after one
question and "we want help" after another. Linear
models on those features say what the message does (its act), and what it says about the three
slots that are not figures: self-service, special terms and a motion preference. Figures stay
with the rule-based reader.

Training is deterministic and takes a few seconds, so the trained model is kept in the user's
cache folder, keyed by a hash of the corpus and of this code's version; a changed corpus is
retrained on first use.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, cast

import numpy as np
import sklearn
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier

from advisor.domain.schemas import Motion, Slot, SpecialTerm
from advisor.nlu.corpus import Act, Utterance, corpus_files, training_corpus
from advisor.nlu.text import normalise
from advisor.resources import cached_model

Classifier = Any  # a fitted LogisticRegression, or OneVsRestClassifier of them
_CONTEXTS: tuple[Slot | None, ...] = (None, *Slot)
ABSENT = "-"  # the label of a slot the message says nothing about


@dataclass(frozen=True)
class Meaning:
    """What the learned model reads in one message, each part with its confidence (0 to 1)."""

    act: Act
    act_confidence: float
    other_act: Act  # the likeliest act that is not an answer, for a reply with nothing in it
    self_service: bool | None
    self_service_confidence: float
    special_terms: tuple[SpecialTerm, ...] | None
    terms_confidence: float
    preferred_motion: Motion | None
    preference_confidence: float


def features_text(text: str) -> str:
    """Return the text the model reads: normalised, with every run of digits as one "0"."""
    return re.sub(r"\d+(?:[.,]\d+)*", "0", normalise(text))


_SPACES = re.compile(r"\s\s+")
_WORD = re.compile(r"[a-z][a-z']*")


def ngrams(text: str) -> list[str]:
    """Return the features of a text: character 1- to 4-grams, English words and word pairs.

    The words are marked apart from the characters. They lift leave-one-file-out intent
    accuracy a little over characters alone (English 89.07 to 89.31%, Japanese 90.73 to
    90.78%); character 5-grams as well did no better.
    """
    text = _SPACES.sub(" ", text)
    grams = [text[i : i + n] for n in range(1, 5) for i in range(len(text) - n + 1)]
    return grams + ["\x01" + w for w in words_and_pairs(text)]


def words_and_pairs(text: str) -> list[str]:
    """Return the English words of a lower-case text, then each pair of neighbouring words."""
    words = _WORD.findall(text)
    return words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


def _terms_label(terms: tuple[SpecialTerm, ...] | None) -> str:
    if terms is None:
        return ABSENT
    return "some" if terms else "none"


class LearnedReader:
    """The trained models: one vectoriser, and one linear model per thing to read."""

    def __init__(self, items: Sequence[Utterance], *, c: float = 16.0) -> None:
        if not items:
            raise ValueError("the reader needs a training corpus")
        self.vectoriser = TfidfVectorizer(
            analyzer=ngrams, sublinear_tf=True, min_df=1, dtype=np.float64
        )
        base = self.vectoriser.fit_transform([features_text(item.text) for item in items])
        x = self._with_context(base, [item.asked for item in items])
        self.c = c
        self.act = self._fit(x, [item.act for item in items])
        self.self_service = self._fit(
            x,
            [
                ABSENT if item.facts.self_service is None else str(item.facts.self_service)
                for item in items
            ],
        )
        self.terms = self._fit(x, [_terms_label(item.facts.special_terms) for item in items])
        self.term: dict[SpecialTerm, Classifier | str] = {}
        for term in SpecialTerm:
            labels = [str(term in (item.facts.special_terms or ())) for item in items]
            self.term[term] = self._fit(x, labels)
        self.preference = self._fit(
            x,
            [
                ABSENT if item.facts.preferred_motion is None else item.facts.preferred_motion.value
                for item in items
            ],
        )

    def _fit(self, x: Any, labels: list[str]) -> Classifier | str:
        if len(set(labels)) < 2:
            return labels[0]  # a constant: nothing to learn
        base = LogisticRegression(C=self.c, solver="liblinear", class_weight="balanced", tol=1e-2)
        model = OneVsRestClassifier(base) if len(set(labels)) > 2 else base
        model.fit(x, labels)
        return model

    @staticmethod
    def _with_context(base: Any, asked: Sequence[Slot | None]) -> Any:
        """Append, for each question context, a copy of the features that is live only there."""
        blocks = [base]
        for context in _CONTEXTS:
            mask = np.array([1.0 if a == context else 0.0 for a in asked])
            blocks.append(sparse.diags(mask) @ base)
        return sparse.hstack(blocks, format="csr")

    def vectorise(self, texts: Sequence[str], asked: Sequence[Slot | None]) -> Any:
        """Return the model's features for messages answered to the given questions."""
        base = self.vectoriser.transform([features_text(t) for t in texts])
        return self._with_context(base, asked)

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state.pop("_stack", None)  # worked out again from the models after loading
        return state

    @cached_property
    def _stack(self) -> Stack:
        return Stack.of(self)

    def read_many(self, texts: Sequence[str], asked: Sequence[Slot | None]) -> list[Meaning]:
        """Read several messages at once (the evals read thousands)."""
        stack = self._stack
        pairs = zip(texts, asked, strict=True)
        return [stack.meaning(stack.chances(text, context)) for text, context in pairs]

    def read(self, text: str, asked: Slot | None = None) -> Meaning:
        """Read one message answered to the question `asked` (None: no question pending)."""
        return self._stack.meaning(self._stack.chances(text, asked))


@dataclass(frozen=True)
class Head:
    """One fitted model's place among the stacked weights."""

    labels: tuple[str, ...]
    columns: slice  # its decision values among all the models'
    kind: str  # "constant", "binary" (one column, the second label's) or "each" (one per label)

    def proba(self, chance: list[float]) -> list[float]:
        """Return the probability of each label, as the model's predict_proba does.

        `chance` holds the sigmoid of every model's decision value.
        """
        if self.kind == "constant":
            return [1.0]
        mine = chance[self.columns]
        if self.kind == "binary" or len(mine) == 1:
            return [1.0 - mine[0], mine[0]]
        total = sum(mine)
        return [c / total for c in mine] if total > 0 else [1.0 / len(mine)] * len(mine)


@dataclass(frozen=True)
class Stack:
    """Every model's weights side by side, so one message is read with one product.

    The models see each feature twice: once as is, and once in the block of the question just
    asked (`LearnedReader._with_context`). A message's decision values are therefore its
    features times the plain block's rows plus its features times the asked question's rows.
    The features are worked out as the fitted vectoriser does (n-gram counts, sublinear
    tf, idf, unit length) without scikit-learn's per-call input checks, which cost more than
    the arithmetic for one message.
    """

    analyse: Any
    vocabulary: dict[str, int]
    idf: Any
    weights: Any  # (features x (1 + contexts)) x models, C-ordered
    intercept: Any
    heads: dict[str, Head]

    @classmethod
    def of(cls, reader: LearnedReader) -> Stack:
        """Lay out the reader's fitted models side by side."""
        models: dict[str, Classifier | str] = {
            "act": reader.act,
            "self_service": reader.self_service,
            "terms": reader.terms,
            "preference": reader.preference,
            **{f"term:{term.value}": model for term, model in reader.term.items()},
        }
        width = len(reader.vectoriser.vocabulary_) * (1 + len(_CONTEXTS))
        coefs: list[Any] = []
        intercepts: list[Any] = []
        heads: dict[str, Head] = {}
        for name, model in models.items():
            first = len(intercepts)
            if isinstance(model, str):
                heads[name] = Head((model,), slice(first, first), "constant")
                continue
            estimators = model.estimators_ if isinstance(model, OneVsRestClassifier) else [model]
            for estimator in estimators:
                if hasattr(estimator, "coef_"):
                    coefs.append(np.ravel(estimator.coef_))
                    intercepts.append(float(np.ravel(estimator.intercept_)[0]))
                else:  # a label seen in every row or none: always or never
                    coefs.append(np.zeros(width))
                    intercepts.append(np.inf if float(estimator.y_) else -np.inf)
            kind = "each" if isinstance(model, OneVsRestClassifier) else "binary"
            labels = tuple(str(c) for c in model.classes_)
            heads[name] = Head(labels, slice(first, len(intercepts)), kind)
        # single precision: half the memory, and a thousand times finer than any threshold here
        weights = np.ascontiguousarray(np.vstack(coefs).T, dtype=np.float32)
        column = 0
        for model in models.values():
            if isinstance(model, str):
                continue
            estimators = model.estimators_ if isinstance(model, OneVsRestClassifier) else [model]
            for estimator in estimators:
                if hasattr(estimator, "coef_"):  # a view: the weights are held once
                    estimator.coef_ = weights.T[column : column + 1]
                column += 1
        return cls(
            analyse=reader.vectoriser.build_analyzer(),
            vocabulary=reader.vectoriser.vocabulary_,
            idf=reader.vectoriser.idf_,
            weights=weights,
            intercept=np.array(intercepts),
            heads=heads,
        )

    def features(self, text: str) -> tuple[Any, Any]:
        """Return the message's feature columns and values: tf-idf, sublinear, unit length."""
        found: Counter[int | None] = Counter(
            map(self.vocabulary.get, self.analyse(features_text(text)))
        )
        found.pop(None, None)  # n-grams the vocabulary does not have
        counts = cast(Counter[int], found)
        columns = np.fromiter(sorted(counts), dtype=np.intp, count=len(counts))
        values = (np.log([counts[c] for c in columns.tolist()]) + 1.0) * self.idf[columns]
        norm = np.sqrt(values @ values) if len(values) else 0.0
        return columns, values / norm if norm > 0 else values

    def chances(self, text: str, asked: Slot | None) -> dict[str, list[float]]:
        """Return each model's label probabilities for one message answered to `asked`."""
        columns, values = self.features(text)
        width = len(self.vocabulary)
        block = width * (1 + _CONTEXTS.index(asked))
        rows = np.concatenate([columns, columns + block])
        decisions = np.concatenate([values, values]) @ self.weights[rows] + self.intercept
        chance = (1.0 / (1.0 + np.exp(-decisions))).tolist()
        return {name: head.proba(chance) for name, head in self.heads.items()}

    def best(
        self, name: str, chances: dict[str, list[float]], skip: str | None = None
    ) -> tuple[str, float]:
        """Return one model's likeliest label other than `skip` (if any other), and its chance."""
        labels, proba = self.heads[name].labels, chances[name]
        order = sorted(range(len(proba)), key=proba.__getitem__, reverse=True)
        i = next((i for i in order if labels[i] != skip), order[0])
        return labels[i], proba[i]

    def meaning(self, chances: dict[str, list[float]]) -> Meaning:
        """Return what the models' probabilities say the message means."""
        act, act_p = self.best("act", chances)
        other, _ = self.best("act", chances, skip="answer")
        terms: tuple[SpecialTerm, ...] | None = None
        kind, kind_p = self.best("terms", chances)
        if kind == "none":
            terms = ()
        elif kind == "some":
            each = {term: self._true(f"term:{term.value}", chances) for term in SpecialTerm}
            likeliest = max(each, key=lambda t: each[t])
            terms = tuple(t for t in SpecialTerm if each[t] >= 0.5 or t is likeliest)
        service, service_p = self.best("self_service", chances)
        pref, pref_p = self.best("preference", chances)
        return Meaning(
            act=act,  # type: ignore[arg-type]
            act_confidence=act_p,
            other_act=other if other != "answer" else "smalltalk",  # type: ignore[arg-type]
            self_service=None if service == ABSENT else service == "True",
            self_service_confidence=service_p,
            special_terms=terms,
            terms_confidence=kind_p,
            preferred_motion=None if pref == ABSENT else Motion(pref),
            preference_confidence=pref_p,
        )

    def _true(self, name: str, chances: dict[str, list[float]]) -> float:
        labels = self.heads[name].labels
        return chances[name][labels.index("True")] if "True" in labels else 0.0


_lock = threading.Lock()
_reader: LearnedReader | None = None
# bump when the features or models change, so a cached model of the old kind is not loaded
MODEL_VERSION = 4


def corpus_key() -> str:
    """Return a key that changes whenever the training corpus or the model's code does."""
    digest = hashlib.sha256(f"{MODEL_VERSION} {sklearn.__version__}".encode())
    for path in corpus_files():
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def learned_reader() -> LearnedReader:
    """Return the reader trained on the corpus: from the cache, or trained now and cached."""
    global _reader
    with _lock:
        if _reader is None:
            _reader = _load_or_train()
        return _reader


def _load_or_train() -> LearnedReader:
    return cached_model("reader", corpus_key(), LearnedReader, _train)


def _train() -> LearnedReader:
    reader = LearnedReader(training_corpus())
    _ = reader._stack  # lays the weights out in single precision, as they are then cached
    return reader
