"""Rate limits: per client address on / and /v1/*, per Teams user on /api/messages."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import httpx
import pytest

from advisor.channels.http import create_app
from advisor.channels.ratelimit import TokenBucket, client_address, parse_networks
from advisor.config import Settings
from tests.servers import serve_app


def serve_as_advisor(app: Any) -> AbstractContextManager[str]:
    """Serve like `advisor serve`: uvicorn itself ignores X-Forwarded-For."""
    return serve_app(app, proxy_headers=False)


PROFILE = {"seats": 300, "azure_annual_usd": 0, "special_terms": [], "self_service": False}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_bucket_allows_a_burst_then_the_rate() -> None:
    clock = Clock()
    bucket = TokenBucket(per_minute=60, burst=3, clock=clock)
    assert [bucket.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.take("a") == pytest.approx(1.0)
    assert bucket.take("b") == 0.0, "each key has its own bucket"
    clock.now += 1.0
    assert bucket.take("a") == 0.0
    assert bucket.take("a") == pytest.approx(1.0)
    clock.now += 60
    assert [bucket.take("a") for _ in range(4)][-1] > 0, "a long pause refills only to the burst"


def test_a_zero_rate_disables_the_limit() -> None:
    bucket = TokenBucket(per_minute=0, burst=1)
    assert not bucket.enabled
    assert all(bucket.take("a") == 0.0 for _ in range(1000))


def test_bucket_forgets_the_least_recent_keys_beyond_its_size() -> None:
    clock = Clock()
    bucket = TokenBucket(per_minute=1, burst=1, clock=clock, max_keys=2)
    bucket.take("a")
    bucket.take("b")
    bucket.take("c")  # "a" is forgotten, so it starts with a full bucket again
    assert bucket.take("a") == 0.0
    assert bucket.take("c") > 0


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "client"),
    [
        ("203.0.113.9", ["198.51.100.1"], [], "203.0.113.9"),
        ("203.0.113.9", ["198.51.100.1"], ["10.0.0.0/8"], "203.0.113.9"),
        ("10.0.0.2", ["198.51.100.1"], ["10.0.0.0/8"], "198.51.100.1"),
        # a client cannot choose its address by sending its own X-Forwarded-For
        ("10.0.0.2", ["1.1.1.1, 198.51.100.1"], ["10.0.0.0/8"], "198.51.100.1"),
        ("10.0.0.2", ["1.1.1.1", "198.51.100.1, 10.0.0.7"], ["10.0.0.0/8"], "198.51.100.1"),
        ("10.0.0.2", ["garbage, 198.51.100.1"], ["10.0.0.0/8"], "198.51.100.1"),
        ("10.0.0.2", ["198.51.100.1, garbage"], ["10.0.0.0/8"], "10.0.0.2"),
        ("10.0.0.2", [], ["10.0.0.0/8"], "10.0.0.2"),
        ("::1", ["2001:db8::5"], ["::1"], "2001:db8::5"),
    ],
)
def test_client_address(peer: str, forwarded: list[str], trusted: list[str], client: str) -> None:
    assert client_address(peer, forwarded, parse_networks(trusted)) == client


@pytest.fixture
def limited(tmp_path: Path) -> Iterator[str]:
    settings = Settings(
        data_dir=tmp_path,
        rate_limit_per_minute=60,
        rate_limit_burst=3,
        rate_limit_loopback=True,
        cors_origins=["https://shop.example"],
    )
    with serve_app(create_app(settings)) as url:
        yield url


@pytest.mark.slow
def test_public_routes_get_429_with_retry_after(limited: str) -> None:
    with httpx.Client(base_url=limited, timeout=30) as http:
        for _ in range(3):
            assert http.post("/v1/classify", json=PROFILE).status_code == 200
        refused = http.post("/v1/chat", json={"message": "hi"})
        assert refused.status_code == 429
        assert refused.headers["retry-after"] == "1"
        assert refused.json() == {
            "error": "too many requests: at most 60 a minute from one address; try again in 1 s"
        }
        assert http.get("/").status_code == 429
        assert http.get("/v1/sessions/anything").status_code == 429
        # never limited: health checks, and the page's own static files
        assert all(http.get("/healthz").status_code == 200 for _ in range(20))
        assert http.get("/static/app.css").status_code == 200
        assert http.get("/widget.js").status_code == 200


@pytest.mark.slow
def test_a_limited_request_is_refused_before_its_body_is_read(limited: str) -> None:
    def endless() -> Iterator[bytes]:
        yield b'{"message": "'
        for _ in range(1000):
            yield b"x" * 65536

    with httpx.Client(base_url=limited, timeout=30) as http:
        for _ in range(3):
            http.get("/")
        response = http.post(
            "/v1/chat", content=endless(), headers={"content-type": "application/json"}
        )
        assert response.status_code == 429


@pytest.mark.slow
def test_a_429_carries_cors_headers_for_allowed_origins(limited: str) -> None:
    with httpx.Client(base_url=limited, timeout=30) as http:
        for _ in range(3):
            http.get("/")
        refused = http.post(
            "/v1/classify", json=PROFILE, headers={"origin": "https://shop.example"}
        )
        assert refused.status_code == 429
        assert refused.headers["access-control-allow-origin"] == "https://shop.example"


@pytest.mark.slow
def test_forwarded_for_counts_only_from_a_trusted_proxy(tmp_path: Path) -> None:
    untrusted = Settings(
        data_dir=tmp_path / "a",
        rate_limit_per_minute=60,
        rate_limit_burst=2,
        rate_limit_loopback=True,
    )
    with (
        serve_as_advisor(create_app(untrusted)) as url,
        httpx.Client(base_url=url, timeout=30) as http,
    ):
        codes = [
            http.get("/", headers={"x-forwarded-for": f"198.51.100.{n}"}).status_code
            for n in range(4)
        ]
        assert codes == [200, 200, 429, 429], "a client cannot dodge the limit with the header"
    trusted = Settings(
        data_dir=tmp_path / "b",
        rate_limit_per_minute=60,
        rate_limit_burst=2,
        trusted_proxies=["127.0.0.1"],
    )
    with (
        serve_as_advisor(create_app(trusted)) as url,
        httpx.Client(base_url=url, timeout=30) as http,
    ):
        codes = [
            http.get("/", headers={"x-forwarded-for": f"198.51.100.{n % 2}"}).status_code
            for n in range(6)
        ]
        assert codes == [200, 200, 200, 200, 429, 429], "two clients behind one proxy"


@pytest.mark.slow
def test_this_machine_is_not_limited_unless_asked(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, rate_limit_per_minute=60, rate_limit_burst=2)
    with serve_app(create_app(settings)) as url, httpx.Client(base_url=url, timeout=30) as http:
        assert all(http.post("/v1/classify", json=PROFILE).status_code == 200 for _ in range(10))


def test_limits_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADVISOR_RATE_LIMIT_PER_MINUTE", "30")
    monkeypatch.setenv("ADVISOR_RATE_LIMIT_BURST", "5")
    monkeypatch.setenv("ADVISOR_TEAMS_RATE_LIMIT_PER_MINUTE", "0")
    monkeypatch.setenv("ADVISOR_TRUSTED_PROXIES", '["10.0.0.0/8", "::1"]')
    settings = Settings()
    assert (settings.rate_limit_per_minute, settings.rate_limit_burst) == (30, 5)
    assert settings.teams_rate_limit_per_minute == 0
    assert settings.trusted_proxies == ["10.0.0.0/8", "::1"]


def teams_activity(conversation: str, sender: dict[str, str]) -> dict[str, Any]:
    return {
        "type": "message",
        "channelId": "msteams",
        "serviceUrl": "http://127.0.0.1:9/",
        "deliveryMode": "expectReplies",
        "from": sender,
        "recipient": {"id": "28:bot"},
        "conversation": {"id": conversation, "conversationType": "personal"},
        "text": "We need 300 seats",
    }


@pytest.mark.slow
def test_teams_users_are_limited_one_by_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in list(os.environ):
        if name.startswith(("CONNECTIONS__", "CONNECTIONSMAP__")):
            monkeypatch.delenv(name)
    settings = Settings(
        data_dir=tmp_path,
        rate_limit_per_minute=0,
        teams_rate_limit_per_minute=6,
        teams_rate_limit_burst=2,
    )
    alice = {"id": "29:alice-in-chat", "aadObjectId": "0000-alice"}
    with serve_app(create_app(settings)) as url, httpx.Client(base_url=url, timeout=30) as http:
        codes = [
            http.post("/api/messages", json=teams_activity(f"c{n}", alice)).status_code
            for n in range(2)
        ]
        # the same person from another chat (another channel account id) shares the bucket
        again = http.post(
            "/api/messages",
            json=teams_activity("c9", {"id": "29:alice-elsewhere", "aadObjectId": "0000-alice"}),
        )
        bob = http.post("/api/messages", json=teams_activity("c1", {"id": "29:bob"}))
    assert codes == [200, 200]
    assert again.status_code == 429
    assert again.headers["retry-after"] == "10"
    assert json.loads(again.text) == {
        "error": "too many requests: at most 6 a minute from one Teams user; try again in 10 s"
    }
    assert bob.status_code == 200


def test_the_console_apis_are_limited_like_the_public_routes() -> None:
    from advisor.channels.ratelimit import is_limited_path

    assert is_limited_path("/console/api/me")
    assert is_limited_path("/console/api/sessions/abc")
    assert not is_limited_path("/console")  # the page itself, like the other pages' assets
