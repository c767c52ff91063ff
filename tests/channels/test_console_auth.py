"""The support console's sign-in: off with no sign-in configured; else signed-in agents only.

Everything runs on loopback, against the local identity provider of `tests/identity.py`: the
service finds its keys and endpoints through its discovery document, as it would for Entra ID,
and agents sign in on its page or with a token it signed.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest
from pydantic import SecretStr

from advisor.channels.http import create_app
from advisor.config import Settings
from advisor.errors import ConfigError
from tests.identity import (
    CLIENT_ID,
    CLIENT_SECRET,
    KID,
    Provider,
    identity_provider,
    new_key,
    token,
)
from tests.servers import serve_app

pytestmark = pytest.mark.slow  # every test talks to servers on loopback

CONSOLE_TOKEN = "local-console-token-for-tests-0123456789"
OFF = {"error": "the support console is off: no sign-in is configured"}
INVALID = {"error": "authorization: the token is not valid for the support console; sign in again"}
EXPIRED = {"error": "authorization: the token has expired; sign in again"}
MISSING = {
    "error": "authorization: sign in to use the support console (Authorization: Bearer <token>)"
}


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with identity_provider() as state:
        yield state


@pytest.fixture(scope="module")
def console(
    provider: Provider,
    tmp_path_factory: pytest.TempPathFactory,
    guidance_index: Any,
    offline_service: Any,
) -> Iterator[str]:
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("console-auth"),
        oidc_issuer=provider.issuer,
        oidc_audience=CLIENT_ID,
        oidc_client_secret=SecretStr(CLIENT_SECRET),
        console_token=SecretStr(CONSOLE_TOKEN),
    )
    app = create_app(settings, index=guidance_index, service=offline_service)
    with serve_app(app) as url:
        yield url


@pytest.fixture(scope="module")
def console_off(tmp_path_factory: pytest.TempPathFactory, guidance_index: Any) -> Iterator[str]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("console-off"))
    with serve_app(create_app(settings, index=guidance_index)) as url:
        yield url


def bearer(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}


def new_session(
    url: str, message: str = "We're 300 people and would like a partner to help"
) -> str:
    response = httpx.post(f"{url}/v1/chat", json={"message": message}, timeout=60)
    assert response.status_code == 200, response.text
    return str(response.json()["session_id"])


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/console"),
        ("GET", "/console/api/me"),
        ("GET", "/console/api/sessions/abc"),
        ("DELETE", "/console/api/sessions/abc"),
        ("POST", "/console/api/anything"),
    ],
)
def test_the_console_is_off_when_no_sign_in_is_configured(
    console_off: str, method: str, path: str
) -> None:
    response = httpx.request(
        method, f"{console_off}{path}", headers=bearer(CONSOLE_TOKEN), timeout=30
    )
    assert (response.status_code, response.json()) == (404, OFF)


def test_the_console_page_is_served_when_sign_in_is_configured(console: str) -> None:
    response = httpx.get(f"{console}/console", timeout=30)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert 'id="signin-form"' in response.text


def test_a_signed_in_agent_sees_who_they_are(console: str, provider: Provider) -> None:
    response = httpx.get(
        f"{console}/console/api/me",
        headers=bearer(token(provider.key, provider.issuer)),
        timeout=30,
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"subject": "agent-sub-1", "name": "Aiko Tanaka", "roles": ["agent"]}
    assert response.headers["cache-control"] == "no-store"


def _refusals() -> list[tuple[str, Any, dict[str, str]]]:
    # (case, Authorization header made from the provider, the error shown)
    def unsigned(p: Provider) -> str:
        claims = {"iss": p.issuer, "aud": CLIENT_ID, "sub": "x", "roles": ["admin"]}
        claims["exp"] = int(time.time()) + 600
        return "Bearer " + jwt.encode(claims, None, algorithm="none", headers={"kid": KID})

    return [
        ("no token", lambda p: None, MISSING),
        (
            "not bearer",
            lambda p: "Basic dXNlcjpwYXNz",
            {"error": "authorization: must be 'Bearer <token>'"},
        ),
        ("garbage", lambda p: "Bearer not.a.jwt", INVALID),
        ("alg none", unsigned, INVALID),
        ("another key", lambda p: "Bearer " + token(new_key(), p.issuer), INVALID),
        (
            "another key and kid",
            lambda p: "Bearer " + token(new_key(), p.issuer, kid="made-up"),
            INVALID,
        ),
        (
            "expired",
            lambda p: "Bearer " + token(p.key, p.issuer, exp=int(time.time()) - 3600),
            EXPIRED,
        ),
        (
            "not yet valid",
            lambda p: "Bearer " + token(p.key, p.issuer, nbf=int(time.time()) + 3600),
            INVALID,
        ),
        (
            "wrong audience",
            lambda p: "Bearer " + token(p.key, p.issuer, aud=str(uuid.uuid4())),
            INVALID,
        ),
        (
            "no audience",
            lambda p: "Bearer " + token(p.key, p.issuer, aud=None),
            INVALID,
        ),
        (
            "wrong issuer",
            lambda p: "Bearer " + token(p.key, "https://login.microsoftonline.com/other/v2.0"),
            INVALID,
        ),
        ("wrong console token", lambda p: "Bearer " + CONSOLE_TOKEN + "x", INVALID),
    ]


@pytest.mark.parametrize(("case", "header", "error"), _refusals(), ids=[c[0] for c in _refusals()])
def test_requests_without_a_valid_sign_in_are_refused(
    console: str, provider: Provider, case: str, header: Any, error: dict[str, str]
) -> None:
    value = header(provider)
    headers = {"Authorization": value} if value is not None else {}
    for method, path in [("GET", "/console/api/me"), ("DELETE", "/console/api/sessions/abc")]:
        response = httpx.request(method, f"{console}{path}", headers=headers, timeout=30)
        assert (response.status_code, response.json()) == (401, error), case
        assert response.headers["www-authenticate"] == "Bearer"


def test_an_agent_reads_a_conversation_but_cannot_erase_it(
    console: str, provider: Provider
) -> None:
    session_id = new_session(console)
    agent = bearer(token(provider.key, provider.issuer))
    opened = httpx.get(f"{console}/console/api/sessions/{session_id}", headers=agent, timeout=30)
    assert opened.status_code == 200, opened.text
    customer = [t["text"] for t in opened.json()["transcript"] if t["role"] == "customer"]
    assert customer == ["We're 300 people and would like a partner to help"]
    assert opened.json()["profile"]["seats"] == 300
    erased = httpx.delete(f"{console}/console/api/sessions/{session_id}", headers=agent, timeout=30)
    assert (erased.status_code, erased.json()) == (
        403,
        {"error": "erasing a conversation needs the console role admin"},
    )
    assert httpx.get(f"{console}/v1/sessions/{session_id}", timeout=30).status_code == 200


def test_a_token_without_a_console_role_is_refused(console: str, provider: Provider) -> None:
    headers = bearer(token(provider.key, provider.issuer, roles=["reader"]))
    response = httpx.get(f"{console}/console/api/me", headers=headers, timeout=30)
    assert (response.status_code, response.json()) == (
        403,
        {"error": "reading the support console needs the console role admin or agent"},
    )


def test_an_admin_erases_a_conversation(console: str, provider: Provider) -> None:
    session_id = new_session(console)
    admin = bearer(token(provider.key, provider.issuer, sub="admin-sub", roles=["admin"]))
    erased = httpx.delete(f"{console}/console/api/sessions/{session_id}", headers=admin, timeout=30)
    assert erased.status_code == 204, erased.text
    again = httpx.get(f"{console}/console/api/sessions/{session_id}", headers=admin, timeout=30)
    assert again.status_code == 404
    assert again.json()["error"] == f"session_id: no session {session_id}"
    assert httpx.get(f"{console}/v1/sessions/{session_id}", timeout=30).status_code == 404


def test_an_admin_exports_the_periods_conversations_in_full(
    console: str, provider: Provider
) -> None:
    said = "About 300 seats, no special terms, a partner should help us, and we don't use Azure"
    session_id = new_session(console, said)
    rated = httpx.post(
        f"{console}/v1/sessions/{session_id}/feedback",
        json={"turn": 1, "rating": "down", "comment": "too many questions"},
        timeout=30,
    )
    assert rated.status_code in (200, 201), rated.text
    today = time.strftime("%Y-%m-%d", time.gmtime())
    query = f"since={today}&until={today}"
    agent = bearer(token(provider.key, provider.issuer))
    refused = httpx.get(f"{console}/console/api/export?{query}", headers=agent, timeout=30)
    assert refused.status_code == 403
    assert refused.json()["error"] == "exporting conversations needs the console role admin"

    admin = bearer(token(provider.key, provider.issuer, sub="admin-sub", roles=["admin"]))
    got = httpx.get(f"{console}/console/api/export?{query}", headers=admin, timeout=60)
    assert got.status_code == 200, got.text
    assert got.headers["content-type"] == "application/x-ndjson"
    assert got.headers["content-disposition"] == (
        f'attachment; filename="conversations-{today}-{today}.jsonl"'
    )
    rows = {row["session_id"]: row for row in map(json.loads, got.text.splitlines())}
    row = rows[session_id]
    assert row["channel"] == "web" and row["lang"] == "en"
    assert row["transcript"][0] == {
        "role": "customer",
        "text": said,
        "at": row["transcript"][0]["at"],
    }
    assert [(r["turn"], r["rating"], r["comment"]) for r in row["ratings"]] == [
        (1, "down", "too many questions")
    ]
    assert row["recommendation"]["motion"] == "breadth" and row["lead"] is None
    # the analytics' filters apply: no Japanese conversation began today in this test
    ja = httpx.get(f"{console}/console/api/export?{query}&lang=ja", headers=admin, timeout=30)
    assert session_id not in ja.text
    bad = httpx.get(f"{console}/console/api/export?since=yesterday", headers=admin, timeout=30)
    assert bad.status_code == 422
    assert bad.json()["error"] == "since, until: must be days such as 2026-12-01"


def test_an_unknown_session_is_a_404(console: str, provider: Provider) -> None:
    agent = bearer(token(provider.key, provider.issuer))
    response = httpx.get(
        f"{console}/console/api/sessions/no-such-session", headers=agent, timeout=30
    )
    assert (response.status_code, response.json()) == (
        404,
        {"error": "session_id: no session no-such-session", "field": "session_id"},
    )


def test_the_console_token_signs_in_as_an_admin(console: str) -> None:
    me = httpx.get(f"{console}/console/api/me", headers=bearer(CONSOLE_TOKEN), timeout=30)
    assert me.json() == {
        "subject": "local-console-token",
        "name": "Console token",
        "roles": ["admin"],
    }
    session_id = new_session(console)
    erased = httpx.delete(
        f"{console}/console/api/sessions/{session_id}", headers=bearer(CONSOLE_TOKEN), timeout=30
    )
    assert erased.status_code == 204


def test_tokens_naming_unknown_keys_do_not_make_the_server_fetch_keys_each_time(
    console: str, provider: Provider
) -> None:
    good = bearer(token(provider.key, provider.issuer))
    assert httpx.get(f"{console}/console/api/me", headers=good, timeout=30).status_code == 200
    fetches = provider.key_set_fetches
    forger = new_key()
    for number in range(20):
        forged = token(forger, provider.issuer, kid=f"made-up-{number}", roles=["admin"])
        response = httpx.get(f"{console}/console/api/me", headers=bearer(forged), timeout=30)
        assert (response.status_code, response.json()) == (401, INVALID)
    assert provider.key_set_fetches - fetches <= 1
    assert httpx.get(f"{console}/console/api/me", headers=good, timeout=30).status_code == 200


def test_half_an_oidc_configuration_fails_at_start(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        create_app(Settings(data_dir=tmp_path, oidc_issuer="https://login.example/v2.0"))
    assert raised.value.message == (
        "support console: set both ADVISOR_OIDC_ISSUER and ADVISOR_OIDC_AUDIENCE "
        "(the console's client id), or neither"
    )


def _sign_in_on_the_provider_page(
    console: str, *, session: str | None = None, tamper_state: bool = False
) -> tuple[str, dict[str, str]]:
    """Follow the sign-in redirects as a browser would; return where it lands and its fragment."""
    with httpx.Client(timeout=30) as browser:
        start = f"{console}/console/sign-in" + (f"?session={session}" if session else "")
        away = browser.get(start)
        assert away.status_code == 302
        assert away.headers["cache-control"] == "no-store"
        cookie = away.headers["set-cookie"]
        assert "HttpOnly" in cookie and "Path=/console" in cookie and "SameSite=lax" in cookie
        back = browser.get(away.headers["location"])  # the provider's page
        assert back.status_code == 302
        location = back.headers["location"]
        if tamper_state:
            location = location.replace("state=", "state=x", 1)
        landed = browser.get(location)
        assert landed.status_code == 303
        assert "advisor_console_sign_in=" in landed.headers["set-cookie"]  # the cookie goes
        where = urlsplit(landed.headers["location"])
        fragment = {k: v[0] for k, v in parse_qs(where.fragment).items()}
        return where.path + (f"?{where.query}" if where.query else ""), fragment


def test_an_agent_signs_in_on_the_providers_page(console: str, provider: Provider) -> None:
    asked_before = len(provider.authorize_requests)
    where, fragment = _sign_in_on_the_provider_page(console)
    assert where == "/console"
    me = httpx.get(f"{console}/console/api/me", headers=bearer(fragment["id_token"]), timeout=30)
    assert me.status_code == 200, me.text
    assert me.json() == {"subject": "agent-sub-1", "name": "Aiko Tanaka", "roles": ["agent"]}
    # what the provider was asked: the code flow with PKCE (S256), a nonce, and the way back
    (asked,) = provider.authorize_requests[asked_before:]
    assert asked["response_type"] == "code" and asked["client_id"] == CLIENT_ID
    assert asked["code_challenge_method"] == "S256" and len(asked["code_challenge"]) == 43
    assert asked["redirect_uri"] == f"{console}/console/signed-in"
    assert set(asked["scope"].split()) == {"openid", "profile", "email"}
    assert len(asked["nonce"]) >= 32 and len(asked["state"]) >= 32


def test_a_sign_in_begun_from_a_conversation_link_returns_to_it(
    console: str, provider: Provider
) -> None:
    where, fragment = _sign_in_on_the_provider_page(console, session="abc123")
    assert where == "/console?session=abc123" and "id_token" in fragment
    # anything but a session id is dropped rather than echoed into the address
    with httpx.Client(timeout=30) as browser:
        away = browser.get(f"{console}/console/sign-in?session=../../x%22")
        assert "session" not in browser.get(away.headers["location"]).headers["location"]


def test_a_failed_sign_in_says_why_and_signs_no_one_in(console: str, provider: Provider) -> None:
    # a state that is not the one this browser began with: nothing is traded for a token
    trades = len(provider.token_requests)
    where, fragment = _sign_in_on_the_provider_page(console, tamper_state=True)
    assert (where, fragment) == ("/console", {"sign_in_error": "invalid"})
    assert len(provider.token_requests) == trades

    provider.refuse_next = True  # the agent cancels on the provider's page
    assert _sign_in_on_the_provider_page(console)[1] == {"sign_in_error": "denied"}

    provider.next_claims = {"nonce": "another sign-in's nonce"}
    assert _sign_in_on_the_provider_page(console)[1] == {"sign_in_error": "invalid"}

    provider.next_claims = {"aud": "another-app"}
    assert _sign_in_on_the_provider_page(console)[1] == {"sign_in_error": "invalid"}

    # coming back with no sign-in begun here (no cookie): the code is not used
    lost = httpx.get(f"{console}/console/signed-in?code=abc&state=def", timeout=30)
    assert lost.status_code == 303
    assert lost.headers["location"] == "/console#sign_in_error=expired"
    assert len(provider.token_requests) == trades + 2  # the wrong nonce and the wrong audience


def test_a_code_is_traded_once_with_this_sign_ins_verifier(
    console: str, provider: Provider
) -> None:
    with httpx.Client(timeout=30) as browser:
        away = browser.get(f"{console}/console/sign-in")
        back = browser.get(away.headers["location"]).headers["location"]
        assert "id_token=" in browser.get(back).headers["location"]
        # the same code again (a replayed address) is refused by the provider
        away = browser.get(f"{console}/console/sign-in")
        code = parse_qs(urlsplit(back).query)["code"][0]
        state = parse_qs(urlsplit(browser.get(away.headers["location"]).headers["location"]).query)[
            "state"
        ][0]
        again = browser.get(f"{console}/console/signed-in?code={code}&state={state}")
        assert again.headers["location"] == "/console#sign_in_error=invalid"


def test_a_token_sign_in_only_console_has_no_provider_page(
    tmp_path: Path, guidance_index: Any
) -> None:
    settings = Settings(data_dir=tmp_path, console_token=SecretStr(CONSOLE_TOKEN))
    with serve_app(create_app(settings, index=guidance_index)) as url:
        assert httpx.get(f"{url}/console/sign-in", timeout=30).status_code == 404
        page = httpx.get(f"{url}/console", timeout=30).text
        assert 'data-provider-sign-in="0"' in page


def test_an_admin_configures_next_step_links_and_retention(
    console: str, provider: Provider
) -> None:
    agent = bearer(token(provider.key, provider.issuer))
    admin = bearer(token(provider.key, provider.issuer, sub="admin-sub", roles=["admin"]))
    url = f"{console}/console/api/settings"
    refused = httpx.get(url, headers=agent, timeout=30)
    assert refused.status_code == 403
    assert refused.json()["error"] == "configuring the advisor needs the console role admin"
    before = httpx.get(url, headers=admin, timeout=30).json()
    assert before["next_step_links"] == before["defaults"]["next_step_links"]

    partners = "https://partners.contoso.example/find?market=jp&lang=ja"
    bad = httpx.put(url, headers=admin, json={"next_step_links": {"breadth": "http://x.example"}})
    assert bad.status_code == 422
    assert bad.json()["field"] == "next_step_links.breadth"
    assert httpx.put(url, headers=agent, json={"session_retention_days": 7}).status_code == 403
    changed = httpx.put(
        url,
        headers=admin,
        json={"next_step_links": {"breadth": partners}, "session_retention_days": 7},
        timeout=30,
    )
    assert changed.status_code == 200, changed.text
    view = changed.json()
    assert view["next_step_links"]["breadth"] == partners
    assert view["session_retention_days"] == 7
    assert view["changed"]["next_step_links.breadth"]["by"] == "admin-sub"
    # the chat page's cards link to the new page at once
    page = httpx.get(f"{console}/", timeout=30).text
    assert "partners.contoso.example/find?market=jp&amp;lang=ja" in page

    default = before["defaults"]
    reset = httpx.put(url, headers=admin, json=default, timeout=30).json()
    assert reset["changed"] == {}
    assert reset["next_step_links"]["breadth"] == default["next_step_links"]["breadth"]


@pytest.mark.parametrize(
    "cookie",
    [
        "not base64!",
        "e30=",
        "eyJzdGF0ZSI6MX0=",
        "eyJzdGF0ZSI6ImEiLCJub25jZSI6ImIiLCJ2ZXJpZmllciI6ImMiLCJzZXNzaW9uIjpbMV19",
    ],
)
def test_a_tampered_sign_in_cookie_is_an_invalid_sign_in_not_an_error(
    console: str, cookie: str
) -> None:
    back = httpx.get(
        f"{console}/console/signed-in?code=abc&state=a",
        cookies={"advisor_console_sign_in": cookie},
        timeout=30,
    )
    assert back.status_code == 303
    assert back.headers["location"] == "/console#sign_in_error=invalid"
