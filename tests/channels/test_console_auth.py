"""The support console's sign-in: off with no sign-in configured; else signed-in agents only.

Everything runs on loopback. A local "identity provider" publishes an OpenID discovery document
and a JSON Web Key Set for an RSA key made here; test tokens are signed with it by PyJWT. The
service finds the key set through the discovery document, as it would for Entra ID.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI
from pydantic import SecretStr

from advisor.channels.http import create_app
from advisor.config import Settings
from advisor.errors import ConfigError
from tests.servers import serve_app

pytestmark = pytest.mark.slow  # every test talks to servers on loopback

CLIENT_ID = str(uuid.UUID(int=0xC0FE_0000_0000_4000_8000_0000_0000_0002))
KID = "console-test-key"
CONSOLE_TOKEN = "local-console-token-for-tests-0123456789"
OFF = {"error": "the support console is off: no sign-in is configured"}
INVALID = {"error": "authorization: the token is not valid for the support console; sign in again"}
EXPIRED = {"error": "authorization: the token has expired; sign in again"}
MISSING = {
    "error": "authorization: sign in to use the support console (Authorization: Bearer <token>)"
}


@dataclass
class Provider:
    """The local identity provider: its issuer, its signing key and how often keys were read."""

    issuer: str
    key: rsa.RSAPrivateKey
    key_set_fetches: int = 0


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    key = _new_key()
    jwk = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    jwks = {"keys": [{**jwk, "kid": KID, "use": "sig", "alg": "RS256"}]}
    app = FastAPI()
    state = Provider(issuer="", key=key)

    @app.get("/tenant/v2.0/.well-known/openid-configuration")
    async def metadata() -> dict[str, Any]:
        return {"issuer": state.issuer, "jwks_uri": f"{base}/tenant/discovery/v2.0/keys"}

    @app.get("/tenant/discovery/v2.0/keys")
    async def keys() -> dict[str, Any]:
        state.key_set_fetches += 1
        return jwks

    with serve_app(app) as base:
        state.issuer = f"{base}/tenant/v2.0"
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


def token(key: rsa.RSAPrivateKey, issuer: str, *, kid: str = KID, **claims: Any) -> str:
    now = int(time.time())
    payload = {
        "iss": issuer,
        "aud": CLIENT_ID,
        "sub": "agent-sub-1",
        "name": "Aiko Tanaka",
        "roles": ["agent"],
        "iat": now,
        "nbf": now - 5,
        "exp": now + 600,
        **claims,
    }
    return jwt.encode(payload, key, algorithm="RS256", headers={"kid": kid})


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
        ("another key", lambda p: "Bearer " + token(_new_key(), p.issuer), INVALID),
        (
            "another key and kid",
            lambda p: "Bearer " + token(_new_key(), p.issuer, kid="made-up"),
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
    forger = _new_key()
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
