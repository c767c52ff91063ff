"""The guidance index: the knowledge sections in a Chroma collection, searched by language.

Chroma is the store and answers every search (cosine nearest neighbours over the configured
embeddings). Its section scores are then blended with the best lexical match of any single
sentence of the section, which is what lifts recall on short questions about one fact
(measured in benchmarks/RETRIEVAL.md).
"""

from __future__ import annotations

import hashlib
import math
import re
import shutil
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import chromadb
import httpx
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.api.shared_system_client import SharedSystemClient
from chromadb.config import Settings as ChromaSettings

from advisor.config import Settings
from advisor.domain.schemas import LANGS, Lang
from advisor.errors import ConfigError, ServiceError
from advisor.guidance.embeddings import (
    Embedder,
    LexicalEmbedder,
    features,
    make_embeddings,
    normalize,
)
from advisor.guidance.knowledge import KnowledgeBase, Section, load_knowledge
from advisor.guidance.reading import in_guidance_words
from advisor.guidance.wording import ALIKE, ALIKE_PHRASES, FILLER

# Bump when what is stored, or how the lexical features are made, changes: old indexes rebuild.
FORMAT_VERSION = 3
SECTION_WEIGHT = 0.46
# Of the lexical part, how much the section's heading weighs against its best sentence: a short
# "what is X?" names the section's subject, which its heading states.
HEADING_SHARE = 0.29
# Seconds a Chroma server gets to answer one request.
CHROMA_TIMEOUT_S = 30.0
_UUID_DIR = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_CHROMA_FILES = {
    "chroma.sqlite3",
    "chroma.sqlite3-wal",
    "chroma.sqlite3-shm",
    "chroma.sqlite3-journal",
}

SparseVector = dict[str, float]

_LATIN_WORD = re.compile(r"[a-z0-9][a-z0-9'\-]*[a-z0-9]")
# kana-only pairs are mostly particles and endings, so only katakana and kanji runs count
_CJK_CONTENT = re.compile(r"[\u30a0-\u30ff\u3400-\u9fff]{2,}")
_KANJI_PAIR = re.compile(r"[\u3400-\u9fff]{2}")
_STOP_WORDS = frozenset(
    """a an the and or of to in on for by with at from as is are was were be been being do does
    did i me my we our us you your it its this that these those there what which who whom whose
    when where why how can could should would will shall may might must not no yes just still
    ever also so if then than about into over under up out any some all every each such only own
    same too very don't what's let tell give please ok hi hello""".split()
)


@dataclass(frozen=True)
class Hit:
    """One section found for a query, with its score (higher is better, at most 1)."""

    section: Section
    score: float
    # the same score from the section's own words alone, without the questions it answers:
    # whether the guidance speaks of the query at all is judged on this one
    content: float = 0.0


@dataclass(frozen=True)
class IndexStats:
    """What a build did."""

    sections: int
    by_lang: dict[str, int]
    embedder: str
    seconds: float
    built: bool


_FIGURE = re.compile(r"\d[\d.,]*[km]?")


class GuidanceIndex:
    """The knowledge sections in Chroma, one record per section and language."""

    def __init__(
        self,
        settings: Settings,
        kb: KnowledgeBase,
        embedder: Embedder,
        client: ClientAPI,
    ) -> None:
        self.settings = settings
        self.kb = kb
        self.embedder = embedder
        self._client = client
        self.collection_name = f"guidance-{embedder.name}"
        self.index_hash = index_hash(kb, embedder)
        self._lexical = embedder if isinstance(embedder, LexicalEmbedder) else LexicalEmbedder(kb)
        self._sentences = {
            (s.lang, s.id): [(text, self._sparse(text)) for text in [s.heading, *s.sentences()]]
            for s in kb.sections
        }
        # an inverted index over every sentence, so one search scores them all in one pass
        self._owners: dict[Lang, list[str]] = {lang: [] for lang in LANGS}
        self._postings: dict[tuple[Lang, str], list[tuple[int, float]]] = {}
        # the questions a section answers are matched as its sentences are, never quoted
        # weighed by how rare a feature is among the sections and their questions together, so
        # the words every question uses ("what", "does") match no section in particular
        self._asking = LexicalEmbedder(kb, questions=True)
        self._question_postings: dict[tuple[Lang, str], list[tuple[int, float]]] = {}
        for (lang, section_id), sentences in self._sentences.items():
            for _, vector in sentences:
                number = len(self._owners[lang])
                self._owners[lang].append(section_id)
                for feature, weight in vector.items():
                    self._postings.setdefault((lang, feature), []).append((number, weight))
            for question in self.kb.section(section_id, lang).questions:
                number = len(self._owners[lang])
                self._owners[lang].append(section_id)
                for feature, weight in self._sparse(question, self._asking).items():
                    self._question_postings.setdefault((lang, feature), []).append((number, weight))
        self._collection_cache: Collection | None = None
        self._vocabulary = {
            lang: {w for s in kb.in_lang(lang) for w in content_words(f"{s.heading} {s.text}")}
            for lang in LANGS
        }
        self._texts = {
            lang: "\n".join(normalize(f"{s.heading} {s.text}") for s in kb.in_lang(lang))
            for lang in LANGS
        }
        self.stats: IndexStats | None = None

    @classmethod
    def open(
        cls,
        settings: Settings,
        kb: KnowledgeBase | None = None,
        *,
        embedder: Embedder | None = None,
        rebuild: bool = False,
    ) -> GuidanceIndex:
        """Open the index, building it on first use and rebuilding it when it is stale."""
        kb = kb or load_knowledge()
        embedder = embedder or make_embeddings(settings, kb)
        index = cls(settings, kb, embedder, _client(settings))
        index.build(rebuild=rebuild)
        return index

    def build(self, rebuild: bool = False) -> IndexStats:
        """Embed and store every section unless the stored index already matches."""
        start = time.perf_counter()
        counts: dict[str, int] = {lang: len(self.kb.in_lang(lang)) for lang in LANGS}
        built = rebuild or not self._is_current()
        if built:
            self._store(fresh=rebuild)
        self.stats = IndexStats(
            sections=len(self.kb.sections),
            by_lang=counts,
            embedder=self.embedder.name,
            seconds=time.perf_counter() - start,
            built=built,
        )
        return self.stats

    def search(self, query: str, lang: Lang, k: int = 3, *, glossary: bool = False) -> list[Hit]:
        """Return the `k` sections in `lang` that best match the query, best first.

        The guidance's sections by default; with `glossary`, the glossary's.
        """
        query = in_guidance_words(query, lang)
        vector = self.embedder.embed([query])[0]
        if not any(vector):
            return []
        total = len(self.kb.in_lang(lang))
        try:
            result = self._query(
                query_embeddings=[vector],
                # every section of the language: the lexical scores below rank them, and an
                # approximate nearest-neighbour list of fewer can drop the right one
                n_results=total,
                where={"lang": lang},
                include=["distances", "metadatas"],
            )
        except Exception as exc:
            raise _store_error(self.settings, exc) from exc
        metadatas = (result["metadatas"] or [[]])[0]
        distances = (result["distances"] or [[]])[0]
        query_sparse = self._sparse(query)
        best, own = self._best_sentence_scores(
            query_sparse, self._sparse(query, self._asking), lang
        )
        hits: list[Hit] = []
        for meta, distance in zip(metadatas, distances, strict=True):
            section = self.kb.section(str(meta["section"]), lang)
            if section.document.is_glossary != glossary:
                continue
            heading = _dot(query_sparse, self._sentences[(lang, section.id)][0][1])
            near = SECTION_WEIGHT * (1.0 - float(distance))
            score, content = (
                near
                + (1 - SECTION_WEIGHT)
                * ((1 - HEADING_SHARE) * matches.get(section.id, 0.0) + HEADING_SHARE * heading)
                for matches in (best, own)
            )
            hits.append(Hit(section, round(score, 6), round(content, 6)))
        hits.sort(key=lambda h: -h.score)
        return hits[:k]

    def _best_sentence_scores(
        self, query: SparseVector, asking: SparseVector, lang: Lang
    ) -> tuple[dict[str, float], dict[str, float]]:
        """Return each section's best single match to the query, twice.

        First of its sentences and the questions it answers (matched with `asking`, the query
        weighed as questions are), then of its sentences alone.
        """
        owners = self._owners[lang]
        best: dict[str, float] = {}
        own: dict[str, float] = {}
        for vector, postings, mine in (
            (query, self._postings, True),
            (asking, self._question_postings, False),
        ):
            scores: dict[int, float] = {}
            for feature, weight in vector.items():
                for number, value in postings.get((lang, feature), ()):
                    scores[number] = scores.get(number, 0.0) + weight * value
            for number, score in scores.items():
                section_id = owners[number]
                if score > best.get(section_id, 0.0):
                    best[section_id] = score
                if mine and score > own.get(section_id, 0.0):
                    own[section_id] = score
        return best, own

    def rank_sentences(self, query: str, section: Section) -> list[tuple[float, str]]:
        """Return the section's sentences with their lexical match to the query, best first."""
        query_sparse = self._sparse(in_guidance_words(query, section.lang))
        scored = [
            (_dot(query_sparse, vector), text)
            for text, vector in self._sentences[(section.lang, section.id)][1:]
        ]
        return sorted(scored, key=lambda pair: -pair[0])

    def coverage(self, query: str, lang: Lang) -> float:
        """Return the share of the query's content words that the guidance in `lang` uses.

        Counted on Latin words and CJK bigrams, or, when that is higher, with each run of kanji
        and katakana as one word, used when the guidance has one of its kanji pairs or the
        whole run: 「最終更新日」 is the guidance's 「更新」, though no text has 「新日」.
        """
        vocabulary = self._vocabulary[lang]
        query = in_guidance_words(query, lang)
        words = content_words(query)
        if not words:
            return 0.0
        # a figure ("2400", "900", "80k") says how much, not what about: it counts neither way
        words = [w for w in words if w not in FILLER and not _FIGURE.fullmatch(w)]
        if not words:
            return 0.0

        def known(word: str) -> bool:
            return word in vocabulary or any(a in vocabulary for a in ALIKE.get(word, ()))

        by_bigram = sum(map(known, words)) / len(words)
        folded = normalize(query)
        latin = [w for w in _latin_words(folded) if w not in FILLER and not _FIGURE.fullmatch(w)]
        runs = _CJK_CONTENT.findall(folded)
        if not runs:
            return by_bigram
        found = sum(map(known, latin)) + sum(
            run in self._texts[lang]
            or any(
                _KANJI_PAIR.fullmatch(run[i : i + 2]) and run[i : i + 2] in vocabulary
                for i in range(len(run) - 1)
            )
            for run in runs
        )
        return max(by_bigram, found / (len(latin) + len(runs)))

    def _sparse(self, text: str, lexical: LexicalEmbedder | None = None) -> SparseVector:
        lexical = lexical or self._lexical
        weights = {
            f: (1.0 + math.log(tf)) * lexical.idf(f) for f, tf in Counter(features(text)).items()
        }
        norm = math.sqrt(sum(w * w for w in weights.values()))
        return {f: w / norm for f, w in weights.items()} if norm else {}

    def _is_current(self) -> bool:
        try:
            collection = self._client.get_collection(self.collection_name)
        except Exception:
            return False
        meta = collection.metadata or {}
        return meta.get("index_hash") == self.index_hash and collection.count() == len(
            self.kb.sections
        )

    def _store(self, fresh: bool = False) -> None:
        """Write every section into the collection, in place unless `fresh` or its shape changed.

        Workers sharing a Chroma server may build at the same moment: writing in place by
        stable ids makes their builds the same idempotent upsert, where dropping and creating
        the collection would delete it under the other worker.
        """
        sections = list(self.kb.sections)
        ids = [f"{s.lang}:{s.id}" for s in sections]
        vectors = self.embedder.embed([f"{s.heading}\n{s.text}" for s in sections])
        for attempt in range(2):
            try:
                collection = self._writable_collection(fresh and not attempt)
                # the hash is written last, so an interrupted build is never taken as current
                collection.modify(metadata={**self._metadata(), "index_hash": "building"})
                collection.upsert(
                    ids=ids,
                    embeddings=vectors,  # type: ignore[arg-type]
                    documents=[s.text for s in sections],
                    metadatas=[
                        {"section": s.id, "lang": s.lang, "heading": s.heading} for s in sections
                    ],
                )
                stale = set(collection.get(include=[])["ids"]) - set(ids)
                if stale:
                    collection.delete(ids=sorted(stale))
                collection.modify(metadata=self._metadata())
                self._collection_cache = collection
                return
            except Exception as exc:
                # a worker that had to recreate the collection may have dropped it under this
                # one: write once more into whichever collection is there now
                if attempt:
                    raise _store_error(self.settings, exc) from exc

    def _writable_collection(self, fresh: bool) -> Collection:
        if fresh:
            self._drop()
        else:
            try:
                existing = self._client.get_collection(
                    self.collection_name, embedding_function=None
                )
            except Exception:  # absent: create it below
                pass
            else:
                meta = existing.metadata or {}
                if meta.get("dim") == self.embedder.dim and meta.get("format") == FORMAT_VERSION:
                    return existing
                self._drop()  # stored in another shape: it cannot take these vectors
        return self._client.get_or_create_collection(
            self.collection_name,
            embedding_function=None,
            metadata={**self._metadata(), "index_hash": "building"},
            configuration={"hnsw": {"space": "cosine"}},
        )

    def _query(self, **query: Any) -> Any:
        try:
            return self._collection().query(**query)
        except Exception:
            if self._collection_cache is None:
                raise
        # another worker may have recreated the collection since it was looked up
        self._collection_cache = None
        return self._collection().query(**query)

    def _metadata(self) -> dict[str, Any]:
        return {
            "index_hash": self.index_hash,
            "kb_hash": self.kb.content_hash,
            "embedder": self.embedder.name,
            "dim": self.embedder.dim,
            "format": FORMAT_VERSION,
        }

    def _drop(self) -> None:
        try:
            self._client.delete_collection(self.collection_name)
        except Exception:  # absent is what we want
            pass

    def _collection(self) -> Collection:
        if self._collection_cache is None:
            self._collection_cache = self._client.get_collection(
                self.collection_name, embedding_function=None
            )
        return self._collection_cache


def content_words(text: str) -> list[str]:
    """Return a text's content words: Latin words that are not stop words, and CJK bigrams."""
    folded = normalize(text)
    words = _latin_words(folded)
    for run in _CJK_CONTENT.findall(folded):
        words.extend(run[i : i + 2] for i in range(len(run) - 1))
    return words


def alike_words(text: str) -> list[str]:
    """Return the guidance's words for a text's everyday ones ("line" -> "threshold")."""
    phrases = next((list(alike) for pattern, alike in ALIKE_PHRASES if pattern.search(text)), [])
    return [a for w in content_words(text) for a in ALIKE.get(w, ())] + phrases


def _latin_words(folded: str) -> list[str]:
    """Return the Latin content words of a normalised text, singular."""
    return [_singular(w) for w in _LATIN_WORD.findall(folded) if w not in _STOP_WORDS]


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def index_hash(kb: KnowledgeBase, embedder: Embedder) -> str:
    """Return the hash that ties a stored index to its knowledge, embedder and format."""
    key = f"{kb.content_hash}|{embedder.name}|{embedder.dim}|{FORMAT_VERSION}"
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def chroma_path(settings: Settings) -> Path:
    """Return where the embedded Chroma store lives."""
    return settings.data_dir / "chroma"


def _client(settings: Settings) -> ClientAPI:
    # telemetry would reach the network
    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_host:
        try:
            client = chromadb.HttpClient(
                host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings
            )
            _bound_requests(client)
            return client
        except Exception as exc:
            raise ServiceError(
                f"Cannot reach the Chroma server at {settings.chroma_host}:{settings.chroma_port} "
                f"(CHROMA_HOST, CHROMA_PORT): {exc}"
            ) from None
    path = chroma_path(settings)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"ADVISOR_DATA_DIR={settings.data_dir}: cannot create the index folder {path} "
            f"({exc.strerror or exc})"
        ) from None
    try:
        return _persistent(path, chroma_settings)
    except Exception as exc:
        if not _only_chroma_files(path):
            raise ConfigError(
                f"ADVISOR_DATA_DIR={settings.data_dir}: the index folder {path} is unreadable "
                f"({exc}) and holds files the advisor did not write; move it away and run "
                "`advisor index`"
            ) from None
    # the folder holds nothing but a derived index, so rebuilding it loses nothing
    shutil.rmtree(path, ignore_errors=True)
    SharedSystemClient.clear_system_cache()
    try:
        path.mkdir(parents=True, exist_ok=True)
        return _persistent(path, chroma_settings)
    except Exception as exc:
        raise ConfigError(
            f"ADVISOR_DATA_DIR={settings.data_dir}: the index folder {path} cannot be used ({exc})"
        ) from None


def _bound_requests(client: ClientAPI) -> None:
    """Give the Chroma server's requests a timeout, so a hung server fails a turn, not a worker.

    chromadb's HTTP client waits forever and has no setting for it; its session is private, so
    this does nothing if a later chromadb moves it.
    """
    session = getattr(getattr(client, "_server", None), "_session", None)
    if isinstance(session, httpx.Client):
        session.timeout = httpx.Timeout(CHROMA_TIMEOUT_S, connect=5.0)


def _persistent(path: Path, chroma_settings: ChromaSettings) -> ClientAPI:
    client = chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    client.list_collections()  # a corrupt store fails here, not on the first search
    return client


def _only_chroma_files(path: Path) -> bool:
    return all(
        entry.name in _CHROMA_FILES or (entry.is_dir() and _UUID_DIR.fullmatch(entry.name))
        for entry in path.iterdir()
    )


def _store_error(settings: Settings, exc: Exception) -> Exception:
    if settings.chroma_host:
        return ServiceError(
            f"The Chroma server at {settings.chroma_host}:{settings.chroma_port} failed: {exc}"
        )
    return ConfigError(
        f"ADVISOR_DATA_DIR={settings.data_dir}: the index in {chroma_path(settings)} cannot be "
        f"used ({exc}); run `advisor index --rebuild`"
    )


def _dot(a: SparseVector, b: SparseVector) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b.get(f, 0.0) for f, w in a.items())
