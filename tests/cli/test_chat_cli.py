"""`advisor chat --json` line mode, and a session that survives a hard kill of the server."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from advisor.domain.schemas import ChatTurn, Profile
from advisor.evaluation.simulator import answer_slot
from tests.servers import advisor_process

pytestmark = pytest.mark.slow  # runs the advisor as a process


def run_chat(lines: list[str], data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ADVISOR_DATA_DIR": str(data_dir)}
    return subprocess.run(
        [sys.executable, "-m", "advisor", "chat", "--json", *args],
        input="".join(f"{line}\n" for line in lines),
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_json_mode_one_turn_per_line(tmp_path: Path) -> None:
    profile = Profile(special_terms=[], self_service=False, seats=1800, azure_annual_usd=1_000_000)
    lines = [
        "社員1,800名です",
        answer_slot("special_terms", profile, "ja"),
        answer_slot("self_service", profile, "ja"),
        answer_slot("azure_annual_usd", profile, "ja"),
    ]
    result = run_chat(lines, tmp_path)
    assert result.returncode == 0, result.stderr
    outputs = result.stdout.splitlines()
    assert len(outputs) == len(lines)
    turns = [ChatTurn.model_validate(json.loads(line)) for line in outputs]
    assert len({t.session_id for t in turns}) == 1
    assert [t.question.slot if t.question else None for t in turns] == [
        "special_terms",
        "self_service",
        "azure_annual_usd",
        None,
    ]
    assert turns[-1].recommendation is not None and turns[-1].recommendation.motion == "breadth"
    assert all(t.lang == "ja" for t in turns)

    resumed = run_chat(["実は3,000席です"], tmp_path, "--session", turns[0].session_id)
    turn = ChatTurn.model_validate(json.loads(resumed.stdout))
    assert turn.recommendation is not None and turn.recommendation.motion == "enterprise"


def test_json_mode_bad_line_gets_an_error_object(tmp_path: Path) -> None:
    result = run_chat(["", "We need 10 seats"], tmp_path)
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first == {"error": "message: must not be empty", "status": 422}
    assert second["question"]["slot"] == "special_terms"
    assert result.stderr == "Error: message: must not be empty\n"


def test_unknown_session_exits_2(tmp_path: Path) -> None:
    result = run_chat(["hi"], tmp_path, "--session", "missing")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == "Error: session_id: no session missing\n"


def test_session_survives_a_hard_kill(tmp_path: Path) -> None:
    with advisor_process(tmp_path) as (url, process):
        first = httpx.post(
            f"{url}/v1/chat",
            json={"message": "We need 500 seats and want a partner's help"},
            timeout=30,
        ).json()
        second = httpx.post(
            f"{url}/v1/chat",
            json={"message": "no special terms", "session_id": first["session_id"]},
            timeout=30,
        ).json()
        assert second["question"]["slot"] == "azure_annual_usd"
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    with advisor_process(tmp_path) as (url, _):
        third = httpx.post(
            f"{url}/v1/chat",
            json={"message": "about $30k a year", "session_id": first["session_id"]},
            timeout=30,
        ).json()
        assert third["recommendation"]["motion"] == "breadth"
        transcript = httpx.get(f"{url}/v1/sessions/{first['session_id']}", timeout=30).json()[
            "transcript"
        ]
        assert [t["text"] for t in transcript if t["role"] == "customer"] == [
            "We need 500 seats and want a partner's help",
            "no special terms",
            "about $30k a year",
        ]
