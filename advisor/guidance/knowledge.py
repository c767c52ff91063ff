"""The knowledge base: the purchasing guidance as typed sections, in English and Japanese."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from pathlib import Path

import yaml

from advisor.domain.schemas import LANGS, Citation, Lang
from advisor.errors import KnowledgeError
from advisor.resources import data_path

_HEADING = re.compile(r"^## (?P<heading>.+?) \{#(?P<id>[a-z0-9]+(?:-[a-z0-9]+)*)\}\s*$")
_REQUIRED = ("title", "source", "published", "updated", "lang", "sections")


@dataclass(frozen=True)
class Document:
    """One knowledge file's front matter."""

    path: Path
    title: str
    source: str
    published: str
    updated: tuple[str, ...]
    lang: Lang
    section_ids: tuple[str, ...]
    # "guidance" (the purchasing guidance) or "glossary" (terms it uses, from other sources)
    kind: str = "guidance"
    # a section's own source, where it differs from the document's
    sources: tuple[tuple[str, str], ...] = ()
    # a glossary section's term, as customers may write it
    terms: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def is_glossary(self) -> bool:
        """Tell whether this document explains terms rather than giving the guidance."""
        return self.kind == "glossary"

    @property
    def as_of(self) -> str:
        """Return the date of the latest update the document reflects."""
        return self.updated[-1] if self.updated else self.published


@dataclass(frozen=True)
class Section:
    """One section of the guidance in one language."""

    id: str
    heading: str
    text: str
    lang: Lang
    document: Document = field(repr=False)
    # questions this section answers, in people's own words (`<lang>/questions.yaml`): they
    # help find the section for a question, and are never part of an answer
    questions: tuple[str, ...] = field(default=(), repr=False)

    def citation(self) -> Citation:
        """Return the citation of this section."""
        return Citation(
            id=self.id,
            title=self.document.title,
            section=self.heading,
            source=dict(self.document.sources).get(self.id, self.document.source),
            published=self.document.as_of,
            lang=self.lang,
        )

    def sentences(self) -> list[str]:
        """Split the text into sentences and bullet items."""
        return split_sentences(self.text)


@dataclass(frozen=True)
class KnowledgeBase:
    """Every section, by language and id."""

    documents: tuple[Document, ...]
    sections: tuple[Section, ...]
    content_hash: str

    def section(self, section_id: str, lang: Lang) -> Section:
        """Return one section, raising KeyError when the id is unknown."""
        for section in self.sections:
            if section.id == section_id and section.lang == lang:
                return section
        raise KeyError(f"{section_id} ({lang})")

    def ids(self, lang: Lang) -> list[str]:
        """Return the section ids of one language, in document order."""
        return [s.id for s in self.sections if s.lang == lang]

    def in_lang(self, lang: Lang) -> list[Section]:
        """Return the sections of one language, in document order."""
        return [s for s in self.sections if s.lang == lang]

    def glossary_terms(self, lang: Lang) -> list[tuple[str, Section]]:
        """Return every glossary term in `lang` with its section, longest terms first."""
        return self._glossary_terms[lang]

    @cached_property
    def _glossary_terms(self) -> dict[Lang, list[tuple[str, Section]]]:
        """The glossary's terms per language, worked out once (every question reads them)."""
        found: dict[Lang, list[tuple[str, Section]]] = {lang: [] for lang in LANGS}
        for document in self.documents:
            if document.is_glossary:
                for section_id, names in document.terms:
                    section = self.section(section_id, document.lang)
                    found[document.lang] += [(term, section) for term in names]
        return {
            lang: sorted(terms, key=lambda pair: -len(pair[0])) for lang, terms in found.items()
        }

    def as_of(self, lang: Lang) -> str:
        """Return the date of the guidance that answers in `lang` carry (not the glossary's)."""
        return max(d.as_of for d in self.documents if d.lang == lang and not d.is_glossary)


_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+|(?<=[。！？])")


def split_sentences(text: str) -> list[str]:
    """Split text into sentences, treating each bullet line as its own sentence."""
    out: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        line = line[2:].strip() if line.startswith(("- ", "* ")) else line
        out.extend(part.strip() for part in _SENTENCE_END.split(line) if part.strip())
    return out


def parse_document(path: Path) -> tuple[Document, list[Section]]:
    """Parse one knowledge file, raising KnowledgeError on any malformation."""
    text = path.read_text(encoding="utf-8")
    meta, body, body_line = _split_front_matter(path, text)
    missing = [key for key in _REQUIRED if key not in meta]
    if missing:
        raise KnowledgeError(f"{path}: front matter lacks {', '.join(missing)}")
    lang = meta["lang"]
    if lang not in LANGS:
        raise KnowledgeError(f"{path}: lang must be one of {', '.join(LANGS)}, not {lang!r}")
    ids = meta["sections"]
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise KnowledgeError(f"{path}: sections must be a non-empty list of section ids")
    updated = meta["updated"]
    if not isinstance(updated, list):
        raise KnowledgeError(f"{path}: updated must be a list of dates")
    kind = str(meta.get("kind", "guidance"))
    if kind not in ("guidance", "glossary"):
        raise KnowledgeError(f"{path}: kind must be guidance or glossary, not {kind!r}")
    sources = meta.get("sources") or {}
    if not isinstance(sources, dict) or not set(sources) <= set(ids):
        raise KnowledgeError(f"{path}: sources must map section ids of this file to sources")
    terms = meta.get("terms") or {}
    if not isinstance(terms, dict) or not set(terms) <= set(ids):
        raise KnowledgeError(f"{path}: terms must map section ids of this file to term lists")
    document = Document(
        path=path,
        title=str(meta["title"]),
        source=str(meta["source"]),
        published=_date(path, "published", meta["published"]),
        updated=tuple(_date(path, "updated", d) for d in updated),
        lang=lang,
        section_ids=tuple(ids),
        kind=kind,
        sources=tuple((str(k), str(v)) for k, v in sources.items()),
        terms=tuple((str(k), tuple(str(t) for t in v)) for k, v in terms.items()),
    )
    sections = _parse_sections(path, body, body_line, document)
    found = [s.id for s in sections]
    if found != list(ids):
        raise KnowledgeError(
            f"{path}: the headings' ids {found} do not match the front matter's sections {ids}"
        )
    return document, sections


def _split_front_matter(path: Path, text: str) -> tuple[dict[str, object], str, int]:
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise KnowledgeError(f"{path}:1: a knowledge file must start with '---' front matter")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        raise KnowledgeError(f"{path}: the front matter is not closed with '---'") from None
    try:
        meta = yaml.safe_load("\n".join(lines[1:end]))
    except yaml.YAMLError as exc:
        raise KnowledgeError(f"{path}: the front matter is not valid YAML: {exc}") from None
    if not isinstance(meta, dict):
        raise KnowledgeError(f"{path}: the front matter must be a mapping")
    return meta, "\n".join(lines[end + 1 :]), end + 2


def _parse_sections(path: Path, body: str, first_line: int, document: Document) -> list[Section]:
    sections: list[Section] = []
    current: tuple[str, str] | None = None
    buffer: list[str] = []

    def flush() -> None:
        if current is None:
            return
        text = "\n".join(buffer).strip()
        if not text:
            raise KnowledgeError(f"{path}: section '{current[0]}' is empty")
        sections.append(Section(current[0], current[1], text, document.lang, document))

    for offset, line in enumerate(body.splitlines()):
        if line.startswith("#"):
            match = _HEADING.match(line)
            if match is None:
                raise KnowledgeError(
                    f"{path}:{first_line + offset}: headings must read '## Title {{#section-id}}'"
                )
            flush()
            current, buffer = (match["id"], match["heading"].strip()), []
        elif current is None:
            if line.strip():
                raise KnowledgeError(f"{path}:{first_line + offset}: text before the first section")
        else:
            buffer.append(line)
    flush()
    return sections


def _date(path: Path, key: str, value: object) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", text):
        raise KnowledgeError(f"{path}: {key} must be a date (YYYY, YYYY-MM or YYYY-MM-DD)")
    return text


def load_knowledge(root: Path | None = None) -> KnowledgeBase:
    """Load every knowledge file under `root` (the shipped knowledge by default)."""
    if root is None:
        return _shipped_knowledge()
    return _load(root)


@lru_cache(maxsize=1)
def _shipped_knowledge() -> KnowledgeBase:
    return _load(data_path("knowledge"))


def _load(root: Path) -> KnowledgeBase:
    paths = sorted(root.glob("*/*.md"))
    if not paths:
        raise KnowledgeError(f"{root}: no knowledge files (expected <lang>/<name>.md)")
    digest = hashlib.sha256()
    documents: list[Document] = []
    sections: list[Section] = []
    for path in paths:
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
        document, parsed = parse_document(path)
        if path.parent.name != document.lang:
            raise KnowledgeError(
                f"{path}: lang {document.lang!r} but it is filed under a different language folder"
            )
        documents.append(document)
        sections.extend(parsed)
    by_lang = {lang: sorted(s.id for s in sections if s.lang == lang) for lang in LANGS}
    if by_lang["en"] != by_lang["ja"]:
        raise KnowledgeError(f"{root}: English and Japanese must have the same section ids")
    for path in sorted(root.glob("*/questions.yaml")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
        sections = _with_questions(path, sections)
    return KnowledgeBase(tuple(documents), tuple(sections), digest.hexdigest()[:16])


def _with_questions(path: Path, sections: list[Section]) -> list[Section]:
    """Give the sections of `path`'s language the questions it lists for them."""
    lang = path.parent.name
    try:
        listed = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise KnowledgeError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(listed, dict):
        raise KnowledgeError(f"{path}: must map section ids to lists of questions")
    ids = {s.id for s in sections if s.lang == lang and not s.document.is_glossary}
    for section_id, questions in listed.items():
        if section_id not in ids:
            raise KnowledgeError(f"{path}: {section_id!r} is not a guidance section in {lang}")
        if not isinstance(questions, list) or not all(
            isinstance(q, str) and q.strip() for q in questions
        ):
            raise KnowledgeError(f"{path}: {section_id}: must be a list of questions")
    return [
        replace(s, questions=tuple(q.strip() for q in listed.get(s.id) or ()))
        if s.lang == lang
        else s
        for s in sections
    ]
