"""The learned question model: what is out of scope beyond the rules' lists, and which section."""

from __future__ import annotations

import pytest
import yaml

from advisor import prompts
from advisor.config import Settings
from advisor.guidance.answering import answer_question
from advisor.guidance.index import GuidanceIndex
from advisor.guidance.knowledge import load_knowledge
from advisor.guidance.learned import Asked, QuestionModel, asked_questions, stating_sentences
from advisor.guidance.scope import out_of_scope
from advisor.resources import data_path


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


@pytest.mark.parametrize(
    ("question", "lang"),
    [
        ("Is the USD 1M judged on what we spent last year or on what we expect to spend?", "en"),
        ("2,400シートは月末時点の数で見るの？", "ja"),
    ],
)
def test_a_detail_the_guidance_leaves_open_is_refused_though_no_rule_names_it(
    question: str, lang: str, index: GuidanceIndex, offline: Settings
) -> None:
    assert out_of_scope(question, "2022-05-23") is None
    answer = answer_question(question, index=index, settings=offline)
    assert not answer.answered and answer.refusal == "topic"
    assert answer.answer == prompts.text("answers", "refusal.topic", lang, as_of=answer.as_of)


def test_a_right_answer_is_learned_from_the_sentence_that_states_its_fact() -> None:
    kb = load_knowledge()
    asked = Asked(
        "up to how many seats is CSP best for partners?",
        "en",
        True,
        "partner-economics-thresholds",
        (("2,400", "2400"),),
    )
    [sentence] = stating_sentences(asked, kb)
    assert "2,400 seats" in sentence
    # facts written in another width or with spaces beside Japanese still find their sentence
    ja = Asked("何シートまで？", "ja", True, "partner-economics-thresholds", (("２４００シート",),))
    assert stating_sentences(ja, kb)
