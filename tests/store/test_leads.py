"""Leads: a customer with a recommendation asks to be contacted; the lead reaches the webhook once.

The webhook is a real HTTP server on loopback that checks each request's signature and counts
leads by their Idempotency-Key, as a CRM's receiver would.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from advisor.channels.http import create_app
from advisor.config import Settings
from advisor.domain.schemas import ChatTurn, Profile
from advisor.evaluation.simulator import answer_slot
from advisor.guidance.index import GuidanceIndex
from advisor.store.leads import LeadDelivery, LeadStore, verify
from tests.servers import advisor_process

SECRET = "a-webhook-secret-of-some-length"
CONTACT = {"name": "Kim Lee", "email": "kim@contoso.com", "company": "Contoso", "consent": True}
BREADTH = Profile(special_terms=[], self_service=False, seats=300, azure_annual_usd=50_000)


class Receiver:
    """A webhook on loopback: answers `status`, and keeps what well-signed requests brought."""

    def __init__(self) -> None:
        self.status = 200
        self.taken: dict[str, dict[str, Any]] = {}  # by Idempotency-Key, the first of each
        self.accepted: Counter[str] = Counter()  # 2xx answers given, per key
        self.refused = 0
        self.unsigned = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

            def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if not verify(SECRET, dict(self.headers.items()), body):
                    receiver.unsigned += 1
                    self.send_response(401)
                elif receiver.status >= 300:
                    receiver.refused += 1
                    self.send_response(receiver.status)
                else:
                    key = self.headers["Idempotency-Key"]
                    receiver.taken.setdefault(key, json.loads(body))
                    receiver.accepted[key] += 1
                    self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/leads"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    webhook = Receiver()
    yield webhook
    webhook.close()


def until(condition: Callable[[], bool], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


def recommended(post: Callable[..., Any], profile: Profile = BREADTH, lang: str = "en") -> str:
    """Talk until the advisor recommends; return the session id."""
    body: dict[str, Any] = {"message": "Hello" if lang == "en" else "こんにちは"}
    for _ in range(8):
        turn = ChatTurn.model_validate(post("/v1/chat", json=body).json())
        if turn.question is None:
            assert turn.recommendation is not None
            return turn.session_id
        answer = answer_slot(turn.question.slot, profile, lang)  # type: ignore[arg-type]
        body = {"message": answer, "session_id": turn.session_id}
    raise AssertionError("no recommendation")


def test_a_customer_with_a_recommendation_leaves_one_lead(
    tmp_path: Path, guidance_index: GuidanceIndex
) -> None:
    with TestClient(create_app(Settings(data_dir=tmp_path), index=guidance_index)) as client:
        session = recommended(client.post)
        first = client.post(f"/v1/sessions/{session}/lead", json=CONTACT)
        assert first.status_code == 201
        made = first.json()
        assert made["motion"] == "breadth"
        assert made["status"] == "stored"  # no webhook configured: kept for the console
        assert "kim@contoso.com" in made["message"]
        again = client.post(f"/v1/sessions/{session}/lead", json={**CONTACT, "name": "K. Lee"})
        assert again.status_code == 200
        assert again.json()["lead_id"] == made["lead_id"]
        store = client.app.state.service.leads  # type: ignore[attr-defined]
        lead = store.get(made["lead_id"])
        assert lead is not None and lead.name == "Kim Lee" and lead.session_id == session
        assert lead.recommendation["motion"] == "breadth"
        assert lead.recommendation["reasons"]

        ja = recommended(client.post, lang="ja")
        thanks = client.post(f"/v1/sessions/{ja}/lead", json=CONTACT).json()["message"]
        assert "ありがとうございます" in thanks

        # erasing the conversation erases its lead
        assert client.delete(f"/v1/sessions/{session}").status_code == 204
        assert store.get(made["lead_id"]) is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"consent": False}, "consent"),
        ({"consent": "yes"}, "consent"),
        ({"email": "kim at contoso"}, "email"),
        ({"email": "kim@contoso"}, "email"),
        ({"email": "kim@@contoso.com"}, "email"),
        ({"email": 42}, "email"),
        ({"name": "   "}, "name"),
        ({"company": "x" * 201}, "company"),
        ({"phone": "555"}, "phone"),
    ],
)
def test_a_lead_needs_consent_and_a_well_formed_address(
    tmp_path: Path, guidance_index: GuidanceIndex, change: dict[str, Any], field: str
) -> None:
    with TestClient(create_app(Settings(data_dir=tmp_path), index=guidance_index)) as client:
        session = recommended(client.post)
        answer = client.post(f"/v1/sessions/{session}/lead", json={**CONTACT, **change})
        assert answer.status_code == 422
        assert answer.json()["field"] == field
        assert client.app.state.service.leads.latest() == []  # type: ignore[attr-defined]


def test_no_lead_before_a_recommendation_or_for_an_unknown_conversation(
    tmp_path: Path, guidance_index: GuidanceIndex
) -> None:
    with TestClient(create_app(Settings(data_dir=tmp_path), index=guidance_index)) as client:
        session = client.post("/v1/chat", json={"message": "hi"}).json()["session_id"]
        early = client.post(f"/v1/sessions/{session}/lead", json=CONTACT)
        assert early.status_code == 409
        assert "no recommendation yet" in early.json()["error"]
        unknown = client.post(f"/v1/sessions/{'0' * 32}/lead", json=CONTACT)
        assert unknown.status_code == 404
        teams = client.post(f"/v1/sessions/teams-{'0' * 32}/lead", json=CONTACT)
        assert teams.status_code == 404


def test_leads_past_the_retention_period_are_erased(tmp_path: Path) -> None:
    store = LeadStore(Settings(data_dir=tmp_path))
    lead, _ = store.add("s1", _contact(), "en", {"motion": "breadth"})
    assert store.purge(dt.datetime.now(dt.UTC) - dt.timedelta(days=1)) == 0
    assert store.purge(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=2)) == 1
    assert store.get(lead.id) is None


def _contact() -> Any:
    from advisor.store.leads import check_contact

    return check_contact(CONTACT)


def test_delivery_retries_until_the_webhook_takes_the_lead_signed(
    tmp_path: Path, receiver: Receiver
) -> None:
    settings = Settings(
        data_dir=tmp_path,
        lead_webhook_url=receiver.url,
        lead_webhook_secret=SECRET,
        lead_retry_s=0.05,
    )
    store = LeadStore(settings)
    lead, _ = store.add("s1", _contact(), "en", {"motion": "enterprise", "reasons": ["r"]})
    delivery = LeadDelivery(store, settings)
    receiver.status = 503
    assert delivery.deliver_due() == 0
    failed = store.get(lead.id)
    assert failed is not None and failed.attempts == 1 and failed.last_error == "HTTP 503"
    assert delivery.deliver_due() == 0  # not due yet: it waits before trying again
    receiver.status = 200
    until(lambda: delivery.deliver_due() == 1)
    done = store.get(lead.id)
    assert done is not None and done.delivered_at is not None
    assert receiver.unsigned == 0
    assert receiver.accepted == Counter({lead.id: 1})
    sent = receiver.taken[lead.id]
    assert sent["contact"] == {"name": "Kim Lee", "email": "kim@contoso.com", "company": "Contoso"}
    assert sent["motion"] == "enterprise" and sent["session_id"] == "s1" and sent["consent"]
    assert delivery.deliver_due() == 0  # delivered leads are not sent again
    delivery.stop()


def test_a_receiver_can_tell_a_forged_or_replayed_lead(receiver: Receiver) -> None:
    body = b'{"lead_id": "x"}'
    stamp = str(int(time.time()))
    from advisor.store.leads import signature

    good = {"X-Advisor-Timestamp": stamp, "X-Advisor-Signature": signature(SECRET, stamp, body)}
    assert verify(SECRET, good, body)
    assert not verify("another-secret-entirely", good, body)
    assert not verify(SECRET, good, body + b" ")
    old = str(int(time.time()) - 3600)
    stale = {"X-Advisor-Timestamp": old, "X-Advisor-Signature": signature(SECRET, old, body)}
    assert not verify(SECRET, stale, body)


@pytest.mark.slow
def test_a_killed_server_loses_no_lead_and_sends_none_twice(
    tmp_path: Path, receiver: Receiver
) -> None:
    env = {
        "ADVISOR_LEAD_WEBHOOK_URL": receiver.url,
        "ADVISOR_LEAD_WEBHOOK_SECRET": SECRET,
        "ADVISOR_LEAD_RETRY_S": "0.2",
        "ADVISOR_LEAD_RETRY_MAX_S": "0.5",
        "ADVISOR_LEAD_DELIVERY_INTERVAL_S": "0.1",
        # a lead being sent as the server is killed waits out its claim: 2 x 1 + 5 s
        "ADVISOR_LEAD_TIMEOUT_S": "1",
        "ADVISOR_RATE_LIMIT_PER_MINUTE": "0",
    }
    data = tmp_path / "data"
    receiver.status = 503  # the CRM is down: the leads wait in the store
    leads = []
    with advisor_process(data, env) as (url, process):
        for _ in range(6):
            session = recommended(lambda path, **kw: httpx.post(url + path, timeout=30, **kw))
            answer = httpx.post(f"{url}/v1/sessions/{session}/lead", json=CONTACT, timeout=30)
            assert answer.status_code == 201 and answer.json()["status"] == "queued"
            leads.append(answer.json()["lead_id"])
        until(lambda: receiver.refused >= 6)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)
    assert not receiver.accepted

    receiver.status = 200  # the CRM is back; so is the advisor, after its crash
    with advisor_process(data, env):
        until(lambda: len(receiver.accepted) == len(leads), seconds=40)
        time.sleep(1)  # a few more delivery rounds: nothing goes out twice
    assert set(receiver.accepted) == set(leads)
    assert all(count == 1 for count in receiver.accepted.values())
    assert receiver.unsigned == 0
