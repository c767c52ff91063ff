"""The console's outcome analytics, counted from a scripted set of conversations."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from pydantic import SecretStr

from advisor.channels.http import create_app
from advisor.config import Settings
from advisor.domain.policy import questions_needed
from advisor.domain.schemas import Profile, Slot
from advisor.evaluation.cases import load_suite
from advisor.evaluation.suites.chat import policy_path
from advisor.guidance.index import GuidanceIndex

TOKEN = "analytics-test-console-token-0123456789"
AGENT = {"Authorization": f"Bearer {TOKEN}"}
CONTACT = {"name": "Kim Lee", "email": "kim@contoso.com", "company": "Contoso", "consent": True}


def talk(client: Any, messages: list[str]) -> str:
    session = None
    for message in messages:
        body = {"message": message, **({"session_id": session} if session else {})}
        answer = client.post("/v1/chat", json=body)
        assert answer.status_code == 200, answer.text
        session = answer.json()["session_id"]
    assert session is not None
    return session


def test_the_analytics_count_a_scripted_set_of_conversations(
    tmp_path: Path, guidance_index: GuidanceIndex
) -> None:
    settings = Settings(data_dir=tmp_path, console_token=SecretStr(TOKEN))
    with TestClient(create_app(settings, index=guidance_index)) as client:
        # two reach breadth, one enterprise, one self-service; two stop partway
        breadth = talk(client, ["we're 300 people", "no special terms", "a partner please", "50k"])
        talk(client, ["we are 80 staff", "nothing special", "we want help", "no azure"])
        talk(client, ["5,000 seats", "none", "a partner or Microsoft please"])
        talk(client, ["we'll buy online ourselves, no special terms"])
        talk(client, ["hello", "how much does E5 cost?"])  # left at special terms
        talk(client, ["我々は社員200名です", "特にありません"])  # left at self-service
        ja = talk(client, ["こんにちは", "CSPとは何ですか？"])
        client.post(f"/v1/sessions/{breadth}/lead", json=CONTACT)
        client.post(f"/v1/sessions/{breadth}/events", json={"kind": "next_step"})
        assert (
            client.post(f"/v1/sessions/{breadth}/events", json={"kind": "nope"}).status_code == 422
        )
        assert (
            client.post(f"/v1/sessions/{'0' * 32}/events", json={"kind": "next_step"}).status_code
            == 404
        )
        rated = client.get(f"/v1/sessions/{ja}").json()["transcript"][-1]["turn"]
        client.post(f"/v1/sessions/{ja}/feedback", json={"turn": rated["number"], "rating": "down"})

        answer = client.get("/console/api/analytics", headers=AGENT)
        assert answer.status_code == 200
        seen = answer.json()
        assert seen["conversations"] == 7
        assert seen["recommendations"] == 4
        assert seen["motions"] == {"breadth": 2, "enterprise": 1, "self_service": 1}
        assert seen["drop_off"]["special_terms"] == 2  # "hello" and the Japanese greeting
        assert seen["drop_off"]["self_service"] == 1
        assert seen["next_step_clicks"] == 1 and seen["handoffs"] == 1
        questions = seen["questions"]
        assert questions["conversations"] == 4
        assert questions["asked"] >= questions["policy_minimum"] > 0
        unanswered = {g["question"]: g for g in seen["unanswered"]}
        assert unanswered["how much does E5 cost?"]["why"] == ["price"]
        assert unanswered["CSPとは何ですか？"]["why"] == ["rated down"]

        japanese = client.get("/console/api/analytics?lang=ja", headers=AGENT).json()
        assert japanese["conversations"] == 2
        teams = client.get("/console/api/analytics?channel=teams", headers=AGENT).json()
        assert teams["conversations"] == 0
        tomorrow = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)).isoformat()
        later = client.get(f"/console/api/analytics?since={tomorrow}", headers=AGENT)
        assert later.status_code == 422  # the period must run forwards
        for bad in ["since=yesterday", "channel=fax", "lang=fr", "since=2020-01-01"]:
            assert client.get(f"/console/api/analytics?{bad}", headers=AGENT).status_code == 422
        assert client.get("/console/api/analytics").status_code == 401


def test_the_policy_minimum_is_the_evals_policy_path() -> None:
    cases = [c for c in load_suite("chat").cases if not c.get("interjections")]
    assert len(cases) >= 20
    for case in cases:
        needed = questions_needed(case["opening_facts"], Profile.model_validate(case["profile"]))
        assert [slot.value for slot in needed] == policy_path(case), case["id"]


def test_nothing_is_needed_once_the_first_message_decides() -> None:
    assert questions_needed({"special_terms": ["multi_tenant"]}, Profile()) == []
    # and a customer who never gives a needed figure stops the count there
    assert questions_needed({}, Profile(special_terms=[])) == [Slot.SPECIAL_TERMS]
