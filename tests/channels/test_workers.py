"""`advisor serve --workers 2`: two processes share the port, the store and the counters."""

from __future__ import annotations

import re
import signal
import time
from pathlib import Path

import httpx
import pytest

from advisor.domain.policy import classify
from advisor.domain.schemas import ChatTurn, Profile
from advisor.evaluation.simulator import answer_slot
from tests.servers import advisor_process

pytestmark = pytest.mark.slow

PROFILES = [
    Profile(special_terms=[], self_service=False, seats=300, azure_annual_usd=50_000),
    Profile(special_terms=["multi_tenant"]),
    Profile(special_terms=[], self_service=True),
    Profile(special_terms=[], self_service=False, seats=5_000, azure_annual_usd=0),
]


def converse(url: str, profile: Profile, lang: str) -> tuple[ChatTurn, int]:
    """Talk to the end, each message on a new connection, as a round-robin balancer spreads them."""
    body: dict[str, object] = {"message": "Hello" if lang == "en" else "こんにちは"}
    for turns in range(1, 9):
        turn = ChatTurn.model_validate(httpx.post(f"{url}/v1/chat", json=body, timeout=30).json())
        if turn.question is None:
            return turn, turns
        body = {
            "message": answer_slot(turn.question.slot, profile, lang),  # type: ignore[arg-type]
            "session_id": turn.session_id,
        }
    raise AssertionError("the conversation did not end")


def counted_turns(url: str) -> float:
    text = httpx.get(f"{url}/metrics", timeout=10).text
    return sum(float(n) for n in re.findall(r"^advisor_turns_total\{[^}]*\} (\S+)$", text, re.M))


def test_two_workers_answer_every_customer_and_count_together(tmp_path: Path) -> None:
    env = {"ADVISOR_WORKERS": "2", "ADVISOR_RATE_LIMIT_PER_MINUTE": "0"}
    with advisor_process(tmp_path / "data", env) as (url, process):
        sent = 0
        for i in range(8):
            profile = PROFILES[i % len(PROFILES)]
            turn, turns = converse(url, profile, "en" if i % 2 else "ja")
            sent += turns
            assert turn.recommendation is not None
            assert turn.recommendation.motion == classify(profile).motion
        # whichever worker answers /metrics counts every worker's turns
        assert {counted_turns(url) for _ in range(6)} == {sent}
        log = (tmp_path / f"serve-{url.rsplit(':', 1)[1]}.log").read_text()
        assert len(set(re.findall(r"Started server process \[(\d+)\]", log))) == 2

        process.send_signal(signal.SIGTERM)
        start = time.monotonic()
        assert process.wait(20) == 0
        assert time.monotonic() - start < 15
