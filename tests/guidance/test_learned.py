"""The learned question model: what is out of scope beyond the rules' lists, and which section."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from advisor import prompts
from advisor.config import Settings
from advisor.guidance.answering import answer_question
from advisor.guidance.index import GuidanceIndex
from advisor.guidance.knowledge import load_knowledge
from advisor.guidance.learned import Asked, QuestionModel, asked_questions
from advisor.guidance.reading import out_of_scope
from advisor.resources import data_path


@pytest.fixture
def index(guidance_index: GuidanceIndex) -> GuidanceIndex:
    return guidance_index


@pytest.fixture
def offline(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


def test_the_model_learns_scope_and_sections_from_the_questions_it_is_given() -> None:
    questions = [
        *(Asked(f"how long does the {x} approval take", "en", False) for x in "abcdef"),
        *(Asked(f"when do the {x} incentives start", "en", True, "timeline") for x in "abcdef"),
        *(Asked(f"who is the {x} breadth motion for", "en", True, "breadth-motion") for x in "abc"),
    ]
    model = QuestionModel(questions)
    assert model.out_of_scope("how long will the approval take?", "en") > 0.5
    assert model.out_of_scope("when do incentives start?", "en") < 0.5
    sections = model.sections("when will the new incentives start?", "en")
    assert max(sections, key=lambda s: sections[s]) == "timeline"
    # a language it has no questions in: no opinion either way
    assert model.out_of_scope("承認には何日かかりますか", "ja") == 0.0
    assert model.sections("承認には何日かかりますか", "ja") == {}


def test_the_training_questions_never_include_the_blind_set() -> None:
    kb = load_knowledge()
    texts = {q.text for q in asked_questions(kb)}
    data = yaml.safe_load((data_path("evals") / "blind" / "questions.yaml").read_text("utf-8"))
    blind = {q["question"] for q in data["questions"]}
    assert texts and not texts & blind


def test_a_figure_the_guidance_never_gives_is_refused_though_no_rule_names_it(
    index: GuidanceIndex, offline: Settings
) -> None:
    question = "Roughly what share of Microsoft's revenue does the breadth motion bring in?"
    assert out_of_scope(question, "2022-05-23") is None
    answer = answer_question(question, index=index, settings=offline)
    assert not answer.answered and answer.refusal == "topic"
    assert answer.answer == prompts.text("answers", "refusal.topic", "en", as_of=answer.as_of)
