"""What a customer means, learned from the labelled corpus rather than written as patterns.

A character n-gram TF-IDF over the normalised message reads typos, slang and Japanese alike with
no tokenizer. Each feature appears twice: once as is, and once tied to the question just asked,
so "no" can mean "no special terms" after one question and "we want help" after another. Linear
models on those features say what the message does (its act), and what it says about the three
slots that are not figures: self-service, special terms and a motion preference. Figures stay
with the rule-based reader.

Training is deterministic and takes a few seconds, so the trained model is kept in the user's
cache folder, keyed by a hash of the corpus and of this code's version; a changed corpus is
retrained on first use.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import sklearn
from platformdirs import user_cache_dir
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier

from advisor.domain.schemas import Motion, Slot, SpecialTerm
from advisor.nlu.corpus import Act, Utterance, corpus_files, training_corpus
from advisor.nlu.text import normalise

log = logging.getLogger(__name__)

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


def _terms_label(terms: tuple[SpecialTerm, ...] | None) -> str:
    if terms is None:
        return ABSENT
    return "some" if terms else "none"


class LearnedReader:
    """The trained models: one vectoriser, and one linear model per thing to read."""

    def __init__(self, items: Sequence[Utterance], *, c: float = 8.0) -> None:
        if not items:
            raise ValueError("the reader needs a training corpus")
        self.vectoriser = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True, min_df=1, dtype=np.float64
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
        return self.features(texts, asked).expanded()

    def features(self, texts: Sequence[str], asked: Sequence[Slot | None]) -> Features:
        """Return the messages' features before the per-question copies are laid out."""
        base = self.vectoriser.transform([features_text(t) for t in texts])
        return Features(base, np.array([_CONTEXTS.index(a) for a in asked]))

    def read_many(self, texts: Sequence[str], asked: Sequence[Slot | None]) -> list[Meaning]:
        """Read several messages at once (the evals read thousands)."""
        if not texts:
            return []
        x = self.features(texts, asked)
        classes, act_proba = _probabilities(self.act, x)
        acts = _best(classes, act_proba)
        others = [label for label, _ in _best(classes, act_proba, skip="answer")]
        service = _predict(self.self_service, x)
        kinds = _predict(self.terms, x)
        each = {term: _proba(model, x, "True") for term, model in self.term.items()}
        prefs = _predict(self.preference, x)
        meanings = []
        for i in range(len(texts)):
            terms: tuple[SpecialTerm, ...] | None = None
            kind, kind_p = kinds[i]
            if kind == "none":
                terms = ()
            elif kind == "some":
                chances = {term: p[i] for term, p in each.items()}
                best = max(chances, key=lambda t: chances[t])
                terms = tuple(t for t in SpecialTerm if chances[t] >= 0.5 or t is best)
            ss, ss_p = service[i]
            pref, pref_p = prefs[i]
            meanings.append(
                Meaning(
                    act=acts[i][0],  # type: ignore[arg-type]
                    act_confidence=acts[i][1],
                    other_act=others[i] if others[i] != "answer" else "smalltalk",  # type: ignore[arg-type]
                    self_service=None if ss == ABSENT else ss == "True",
                    self_service_confidence=ss_p,
                    special_terms=terms,
                    terms_confidence=kind_p,
                    preferred_motion=None if pref == ABSENT else Motion(pref),
                    preference_confidence=pref_p,
                )
            )
        return meanings

    def read(self, text: str, asked: Slot | None = None) -> Meaning:
        """Read one message answered to the question `asked` (None: no question pending)."""
        return self.read_many([text], [asked])[0]


@dataclass(frozen=True)
class Features:
    """Messages' features, and which question each answered (an index into _CONTEXTS).

    The models see each feature twice: once as is, and once in the block of the question just
    asked (`LearnedReader._with_context`). A score is therefore the plain block's weights plus
    the asked question's block's weights, worked out here without laying the copies out.
    """

    base: Any
    context: Any

    def expanded(self) -> Any:
        """Return the features laid out as the models were trained on them."""
        return LearnedReader._with_context(self.base, [_CONTEXTS[i] for i in self.context])

    def scores(self, coef_t: Any, intercept: Any) -> Any:
        """Return the decision values of stacked linear models (weights as features x models)."""
        width = self.base.shape[1]
        out = np.asarray(self.base @ coef_t[:width])
        for block in np.unique(self.context):
            rows = np.flatnonzero(self.context == block)
            start = width * (1 + int(block))
            out[rows] += np.asarray(self.base[rows] @ coef_t[start : start + width])
        return out + intercept


def _probabilities(model: Classifier | str, x: Any) -> tuple[list[str], Any]:
    """Return a model's labels and, per row, the probability of each."""
    if isinstance(model, str):
        return [model], np.ones((_rows(x), 1))
    return [str(c) for c in model.classes_], predict_proba(model, x)


def predict_proba(model: Classifier, x: Any) -> Any:
    """Return what `model.predict_proba(x)` returns, from the fitted weights directly.

    scikit-learn checks its input on every call, which costs more than the arithmetic for the
    one message a turn reads; the weights of each fitted model are stacked once and kept.
    """
    weights = _WEIGHTS.get(id(model))
    if weights is None or weights[0] is not model:
        estimators = model.estimators_ if isinstance(model, OneVsRestClassifier) else [model]
        if not all(hasattr(e, "coef_") for e in estimators):
            # a class seen in every row or none: no weights
            return model.predict_proba(x.expanded() if isinstance(x, Features) else x)
        # one contiguous (features x models) block, so the product needs no copy of it
        coef_t = np.ascontiguousarray(np.vstack([e.coef_ for e in estimators]).T)
        for row, estimator in enumerate(estimators):
            estimator.coef_ = coef_t.T[row : row + 1]  # a view: the weights are held once
        intercept = np.concatenate([np.ravel(e.intercept_) for e in estimators])
        weights = _WEIGHTS[id(model)] = (model, coef_t, intercept)
    _, coef_t, intercept = weights
    decision = x.scores(coef_t, intercept) if isinstance(x, Features) else x @ coef_t + intercept
    chance = 1.0 / (1.0 + np.exp(-np.asarray(decision)))
    if not isinstance(model, OneVsRestClassifier):
        return np.hstack([1.0 - chance, chance])  # a binary model's one column is the second class
    if chance.shape[1] == 1:
        return np.hstack([1.0 - chance, chance])
    total = chance.sum(axis=1, keepdims=True)
    return np.divide(
        chance, total, out=np.full_like(chance, 1.0 / chance.shape[1]), where=total > 0
    )


_WEIGHTS: dict[int, tuple[Any, Any, Any]] = {}


def _rows(x: Any) -> int:
    return int((x.base if isinstance(x, Features) else x).shape[0])


def _best(classes: list[str], proba: Any, skip: str | None = None) -> list[tuple[str, float]]:
    """Return, per row, the likeliest label other than `skip` (if any other) and its chance."""
    rows = []
    for i, order in enumerate(proba.argsort(axis=1)[:, ::-1]):
        j = next((j for j in order if classes[j] != skip), order[0])
        rows.append((classes[j], float(proba[i, j])))
    return rows


def _predict(model: Classifier | str, x: Any) -> list[tuple[str, float]]:
    return _best(*_probabilities(model, x))


def _proba(model: Classifier | str, x: Any, label: str) -> Any:
    if isinstance(model, str):
        return np.full(_rows(x), 1.0 if model == label else 0.0)
    column = list(model.classes_).index(label)
    return predict_proba(model, x)[:, column]


_lock = threading.Lock()
_reader: LearnedReader | None = None
# bump when the features or models change, so a cached model of the old kind is not loaded
MODEL_VERSION = 2


def corpus_key() -> str:
    """Return a key that changes whenever the training corpus or the model's code does."""
    digest = hashlib.sha256(f"{MODEL_VERSION} {sklearn.__version__}".encode())
    for path in corpus_files():
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _cache_path(key: str) -> Path:
    folder = os.environ.get("ADVISOR_MODEL_CACHE") or user_cache_dir("motion-advisor")
    return Path(folder) / f"reader-{key}.joblib"


def learned_reader() -> LearnedReader:
    """Return the reader trained on the corpus: from the cache, or trained now and cached."""
    global _reader
    with _lock:
        if _reader is None:
            _reader = _load_or_train()
        return _reader


def _load_or_train() -> LearnedReader:
    path = _cache_path(corpus_key())
    try:
        found = joblib.load(path)
        if isinstance(found, LearnedReader):
            return found
    except Exception:  # noqa: BLE001 - a missing or unreadable cache only means training again
        pass
    reader = LearnedReader(training_corpus())
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        joblib.dump(reader, partial)
        partial.replace(path)
        for old in path.parent.glob("reader-*.joblib"):
            if old != path:
                old.unlink(missing_ok=True)  # a model of a corpus that has since changed
    except OSError as exc:
        log.info("the trained reader could not be cached (%s); it is kept in memory", exc)
    return reader
