"""Feedback: customers rate turns; agents see the ratings and make regression cases of them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from pydantic import SecretStr

from advisor.channels.http import create_app
from advisor.config import Settings
from advisor.guidance.index import GuidanceIndex
from advisor.store.feedback import mask

TOKEN = "feedback-test-console-token-0123456789"
AGENT = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def client(tmp_path: Path, guidance_index: GuidanceIndex) -> Any:
    settings = Settings(data_dir=tmp_path / "data", console_token=SecretStr(TOKEN))
    with TestClient(create_app(settings, index=guidance_index)) as http:
        yield http


def talk(client: Any, messages: list[str]) -> list[dict[str, Any]]:
    turns: list[dict[str, Any]] = []
    for message in messages:
        body = {"message": message, **({"session_id": turns[-1]["session_id"]} if turns else {})}
        answer = client.post("/v1/chat", json=body)
        assert answer.status_code == 200, answer.text
        turns.append(answer.json())
    return turns


MESSAGES = [
    "hi, we're about 300 people, mail me at kim@contoso.com",
    "nothing special contract wise",
    "what does CSP stand for?",
    "we'd like a partner to help",
    "around 50k a year on azure",
]


def test_a_customer_rates_the_recommendation_and_an_answer(client: Any) -> None:
    turns = talk(client, MESSAGES)
    session = turns[0]["session_id"]
    assert [t["number"] for t in turns] == [1, 2, 3, 4, 5]
    assert turns[-1]["recommendation"]["motion"] == "breadth"

    def rate(**body: Any) -> Any:
        return client.post(f"/v1/sessions/{session}/feedback", json=body)

    up = rate(turn=5, rating="up")
    assert up.status_code == 201
    assert up.json()["kind"] == "recommendation" and up.json()["rating"] == "up"
    down = rate(turn=3, rating="down", comment="didn't really answer")
    assert down.status_code == 201 and down.json()["kind"] == "answer"
    again = rate(turn=5, rating="down", comment="a partner is too dear for us")
    assert again.status_code == 201  # the latest rating of a turn is the one kept

    assert rate(turn=2, rating="up").status_code == 409  # a question: nothing to rate
    assert rate(turn=9, rating="up").status_code == 404
    for bad in [
        {"turn": 5, "rating": "meh"},
        {"turn": 0, "rating": "up"},
        {"turn": "5", "rating": "up"},
        {"turn": 5, "rating": "up", "comment": "x" * 1001},
        {"turn": 5, "rating": "up", "stars": 5},
    ]:
        assert client.post(f"/v1/sessions/{session}/feedback", json=bad).status_code == 422
    assert client.post(f"/v1/sessions/{'0' * 32}/feedback", json={"turn": 1, "rating": "up"})
    assert (
        client.post(f"/v1/sessions/{'0' * 32}/feedback", json={"turn": 1, "rating": "up"})
    ).status_code == 404

    shown = client.get(f"/console/api/sessions/{session}", headers=AGENT).json()
    assert [(f["turn"], f["rating"], f["comment"]) for f in shown["feedback"]] == [
        (3, "down", "didn't really answer"),
        (5, "down", "a partner is too dear for us"),
    ]
    # erasing the conversation erases its ratings
    assert client.delete(f"/v1/sessions/{session}").status_code == 204
    assert client.app.state.service.feedback.of_session(session) == []


def regression_file(client: Any, session: str, folder: Path, **body: Any) -> Path:
    made = client.post(f"/console/api/sessions/{session}/regression-case", json=body, headers=AGENT)
    assert made.status_code == 200, made.text
    path = folder / made.json()["filename"]
    path.write_text(made.json()["yaml"], encoding="utf-8")  # saved as the console gave it
    return path


def run_eval(folder: Path, report: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "advisor", "eval", "--suite", "regression", "--cases", str(folder)]
        + ["--report", str(report)],
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.slow
def test_a_rated_conversation_becomes_a_regression_case_that_advisor_eval_runs(
    client: Any, tmp_path: Path
) -> None:
    turns = talk(client, MESSAGES)
    session = turns[0]["session_id"]
    client.post(f"/v1/sessions/{session}/feedback", json={"turn": 5, "rating": "up"})
    cases = tmp_path / "cases"
    cases.mkdir()
    path = regression_file(client, session, cases)
    written = path.read_text(encoding="utf-8")
    assert "kim@contoso.com" not in written and "[email]" in written
    (case,) = yaml.safe_load(written)["cases"]
    assert case["opener"] == "hi, we're about 300 people, mail me at [email]"
    assert case["answers"]["special_terms"] == ["nothing special contract wise"]
    assert case["answers"]["self_service"] == [
        "what does CSP stand for?",
        "we'd like a partner to help",
    ]
    assert case["expected"]["motion"] == "breadth"
    assert case["expected"]["profile"]["seats"] == 300
    assert "turn 5 rated up" in case["note"]

    passed = run_eval(cases, tmp_path / "report-1")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Regression cases" in passed.stdout and "100.0%" in passed.stdout

    # the agent says it should have been enterprise: the case now fails, and the gate says so
    path.unlink()
    regression_file(client, session, cases, motion="enterprise")
    failed = run_eval(cases, tmp_path / "report-2")
    assert failed.returncode != 0
    assert "regression_motion" in failed.stdout + failed.stderr


def test_a_regression_case_needs_a_known_motion(client: Any) -> None:
    session = talk(client, ["hello"])[0]["session_id"]
    wrong = client.post(
        f"/console/api/sessions/{session}/regression-case",
        json={"motion": "cheapest"},
        headers=AGENT,
    )
    assert wrong.status_code == 422 and wrong.json()["field"] == "motion"
    unsigned = client.post(f"/console/api/sessions/{session}/regression-case", json={})
    assert unsigned.status_code == 401


@pytest.mark.parametrize(
    ("said", "masked"),
    [
        ("write to kim.lee@contoso.co.jp please", "write to [email] please"),
        ("call +81 3-1234-5678 anytime", "call [phone] anytime"),
        ("see https://contoso.com/about", "see [link]"),
        ("we're 5,000 seats and spend $80k a month", "we're 5,000 seats and spend $80k a month"),
        ("Kim Lee at Contoso here", "[name] at [name] here"),
    ],
)
def test_personal_data_is_masked_and_figures_kept(said: str, masked: str) -> None:
    assert mask(said, ["Kim Lee", "Contoso"]) == masked
