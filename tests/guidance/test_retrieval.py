"""The guidance index: built once, reused, rebuilt when stale, recovered when corrupt, accurate."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from advisor.config import Settings
from advisor.errors import ConfigError
from advisor.guidance.embeddings import LexicalEmbedder, make_embeddings
from advisor.guidance.index import GuidanceIndex, chroma_path
from advisor.guidance.knowledge import KnowledgeBase, load_knowledge
from advisor.resources import data_path
from tests.fake_openai import ScriptedOpenAI


class CountingEmbedder(LexicalEmbedder):
    """The lexical embedder, counting the texts it embeds."""

    def __init__(self, kb: KnowledgeBase) -> None:
        super().__init__(kb)
        self.embedded = 0

    def embed(self, texts: list[str]) -> list[list[float]]:
        self.embedded += len(texts)
        return super().embed(texts)


def answerable_cases(lang: str) -> list[dict[str, object]]:
    cases = yaml.safe_load((data_path("evals/cases") / "ask.yaml").read_text(encoding="utf-8"))
    return [c for c in cases if c["lang"] == lang and c.get("answerable", True)]


@pytest.mark.slow
def test_first_open_builds_one_record_per_section_and_language(settings: Settings) -> None:
    opened = GuidanceIndex.open(settings)
    assert opened.stats is not None
    assert (opened.stats.sections, opened.stats.by_lang) == (46, {"en": 23, "ja": 23})
    assert (opened.stats.built, opened.stats.embedder) == (True, "lexical")
    assert (settings.data_dir / "chroma" / "chroma.sqlite3").is_file()


def test_an_unchanged_index_is_reused_without_embedding_again(
    guidance_index: GuidanceIndex,
) -> None:
    kb = load_knowledge()
    embedder = CountingEmbedder(kb)
    # the session's index was built from the same knowledge, with the same settings
    again = GuidanceIndex.open(guidance_index.settings, kb, embedder=embedder)
    assert again.stats is not None and again.stats.built is False
    assert embedder.embedded == 0
    assert again.search("What is the breadth motion?", "en")[0].section.id == "breadth-motion"
    assert embedder.embedded == 1


@pytest.mark.slow
def test_rebuild_is_forced_on_request(settings: Settings) -> None:
    GuidanceIndex.open(settings)
    rebuilt = GuidanceIndex.open(settings, rebuild=True)
    assert rebuilt.stats is not None and rebuilt.stats.built is True


@pytest.mark.slow
def test_changed_knowledge_rebuilds_the_index(settings: Settings, tmp_path: Path) -> None:
    root = tmp_path / "knowledge"
    shutil.copytree(data_path("knowledge"), root)
    first = GuidanceIndex.open(settings, load_knowledge(root))
    before = first.search("zebra crossings", "en")
    path = root / "en" / "purchasing-motions.md"
    text = path.read_text(encoding="utf-8").replace(
        "Microsoft asks partners to check regularly",
        "Zebra crossings are not part of the guidance. Microsoft asks partners to check regularly",
    )
    path.write_text(text, encoding="utf-8")
    changed = load_knowledge(root)
    assert changed.content_hash != first.kb.content_hash
    second = GuidanceIndex.open(settings, changed)
    assert second.stats is not None and second.stats.built is True
    after = second.search("zebra crossings", "en")
    assert after[0].section.id == "csp-future"
    assert after[0].score > 2 * before[0].score


@pytest.mark.slow
def test_a_missing_data_dir_is_created(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "does" / "not" / "exist")
    opened = GuidanceIndex.open(settings)
    assert opened.stats is not None and opened.stats.built
    assert chroma_path(settings).is_dir()


@pytest.mark.slow
def test_a_corrupt_index_is_rebuilt(settings: Settings) -> None:
    GuidanceIndex.open(settings)
    store = chroma_path(settings) / "chroma.sqlite3"
    store.write_bytes(b"this is not a database" * 100)
    opened = GuidanceIndex.open(settings)
    assert opened.stats is not None and opened.stats.built is True
    assert opened.search("Who manages subscriptions?", "en")


def test_an_unreadable_folder_with_foreign_files_is_left_alone(settings: Settings) -> None:
    folder = chroma_path(settings)
    folder.mkdir(parents=True)
    (folder / "chroma.sqlite3").write_bytes(b"garbage" * 100)
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"holds files the advisor did not write") as caught:
        GuidanceIndex.open(settings)
    assert "\n" not in caught.value.message
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_a_data_dir_that_is_a_file_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "data"
    path.write_text("not a folder", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"ADVISOR_DATA_DIR=.*cannot create the index folder"):
        GuidanceIndex.open(Settings(data_dir=path))


def test_unknown_embeddings_name_the_valid_ones(settings: Settings) -> None:
    bad = settings.model_copy(update={"embeddings": "word2vec"})
    with pytest.raises(ConfigError, match="valid: lexical, minilm, hybrid, openai"):
        make_embeddings(bad)


def test_search_stays_in_the_asked_language(index: GuidanceIndex) -> None:
    hits = index.search("CSP", "ja", k=5)
    assert len(hits) == 5 and {h.section.lang for h in hits} == {"ja"}
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_recall_at_3_is_at_least_95_percent(index: GuidanceIndex, lang: str) -> None:
    cases = answerable_cases(lang)
    found = 0
    for case in cases:
        top = [h.section.id for h in index.search(str(case["question"]), lang, k=3)]  # type: ignore[arg-type]
        found += any(s in top for s in case["expected_sections"])  # type: ignore[attr-defined]
    recall = found / len(cases)
    assert len(cases) >= 30
    assert recall >= 0.95, f"recall@3 in {lang} is {recall:.3f}"


@pytest.mark.slow
def test_openai_embeddings_go_through_the_configured_server(settings: Settings) -> None:
    with ScriptedOpenAI() as server:
        configured = settings.model_copy(
            update={
                "embeddings": "openai",
                "openai_base_url": server.base_url,
                "openai_api_key": "test",
            }
        )
        opened = GuidanceIndex.open(configured)
        section = opened.kb.section("timeline", "en")
        hits = opened.search(f"{section.heading}\n{section.text}", "en")
    assert opened.collection_name == "guidance-openai"
    assert hits[0].section.id == "timeline"
    assert server.embedding_requests[0]["model"] == "text-embedding-3-small"
    assert len(server.embedding_requests[0]["input"]) == 46
