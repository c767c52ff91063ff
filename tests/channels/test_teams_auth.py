"""The Teams channel with a client id configured: only valid Bot Framework tokens get in.

Everything runs on loopback. A local "identity provider" serves OpenID metadata and a JWKS for
an RSA key made here, and a managed-identity token endpoint for the bot's outbound token.

One seam is patched: the Agents SDK has no setting for where it fetches signing keys (it builds
`https://login.botframework.com/v1/.well-known/keys` itself), so `_get_jwk_client` of its
`JwtTokenValidator` key cache is replaced to fetch the key set from the local provider instead.
Token parsing, signature, audience and issuer checks all run unpatched.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI, Request
from jwt import PyJWKClient
from microsoft_agents.hosting.core import JwtTokenValidator
from microsoft_agents.hosting.core.authorization.jwt.jwt_token_validator import (
    _JwkClientCacheEntry,
)

from advisor.channels.http import create_app
from advisor.config import Settings
from advisor.domain.questions import question
from advisor.errors import ConfigError
from tests.servers import serve_app

CLIENT_ID = str(uuid.UUID(int=0x5EED_0000_0000_4000_8000_0000_0000_0001))
BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"
BOT_FRAMEWORK_KEYS = "https://login.botframework.com/v1/.well-known/keys"
TEAMS_SERVICE_URL = "https://smba.trafficmanager.net/amer/"
KID = "local-test-key"

pytestmark = pytest.mark.slow  # every test starts the local identity provider's server


@dataclass
class Provider:
    """The local identity provider: its URL, signing key and what it was asked for."""

    url: str
    key: rsa.RSAPrivateKey
    keys_requested: list[str] = field(default_factory=list)
    key_set_fetches: int = 0
    tokens_requested: list[dict[str, str]] = field(default_factory=list)


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    key = _new_key()
    jwk = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    jwks = {"keys": [{**jwk, "kid": KID, "use": "sig", "alg": "RS256"}]}
    app = FastAPI()
    state = Provider(url="", key=key)

    @app.get("/v1/.well-known/openidconfiguration")
    async def metadata(request: Request) -> dict[str, Any]:
        base = str(request.base_url).rstrip("/")
        return {
            "issuer": BOT_FRAMEWORK_ISSUER,
            "jwks_uri": f"{base}/v1/.well-known/keys",
            "id_token_signing_alg_values_supported": ["RS256"],
        }

    @app.get("/v1/.well-known/keys")
    async def keys() -> dict[str, Any]:
        state.key_set_fetches += 1
        return jwks

    @app.get("/msi/token")
    async def managed_identity_token(request: Request) -> dict[str, str]:
        state.tokens_requested.append(dict(request.query_params))
        return {
            "access_token": "outbound-token",
            "expires_on": str(int(time.time()) + 3600),
            "resource": request.query_params.get("resource", ""),
            "token_type": "Bearer",
        }

    with serve_app(app) as url:
        state.url = url
        yield state


@pytest.fixture(scope="module")
def bot(
    provider: Provider, tmp_path_factory: pytest.TempPathFactory, guidance_index: Any
) -> Iterator[str]:
    with pytest.MonkeyPatch.context() as mp:
        for name in list(os.environ):
            if name.startswith(("CONNECTIONS__", "CONNECTIONSMAP__")):
                mp.delenv(name)
        settings = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__"
        mp.setenv(f"{settings}CLIENTID", CLIENT_ID)
        # Asking for anonymous access must not open the door once a client id is set.
        mp.setenv(f"{settings}ANONYMOUS_ALLOWED", "true")
        # The bot's own outbound token comes from a managed identity, here the local provider.
        mp.setenv(f"{settings}AUTHTYPE", "UserManagedIdentity")
        mp.setenv("IDENTITY_ENDPOINT", f"{provider.url}/msi/token")
        mp.setenv("IDENTITY_HEADER", "local-test")
        app = create_app(
            Settings(data_dir=tmp_path_factory.mktemp("teams-auth")), index=guidance_index
        )
        with serve_app(app) as url:
            yield url


@pytest.fixture(autouse=True)
def local_key_set(provider: Provider, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the SDK's key fetch at the local provider's key set (the one patched seam)."""
    metadata = httpx.get(f"{provider.url}/v1/.well-known/openidconfiguration").json()
    clients: dict[str, _JwkClientCacheEntry] = {}

    def get_jwk_client(jwks_uri: str) -> _JwkClientCacheEntry:
        provider.keys_requested.append(jwks_uri)
        if jwks_uri not in clients:
            clients[jwks_uri] = _JwkClientCacheEntry(
                PyJWKClient(metadata["jwks_uri"]), threading.Lock()
            )
        return clients[jwks_uri]

    manager = JwtTokenValidator._jwk_client_manager
    monkeypatch.setattr(manager, "_get_jwk_client", get_jwk_client)


def token(key: rsa.RSAPrivateKey, **claims: Any) -> str:
    now = int(time.time())
    payload = {
        "iss": BOT_FRAMEWORK_ISSUER,
        "aud": CLIENT_ID,
        "iat": now,
        "nbf": now - 5,
        "exp": now + 600,
        "serviceurl": TEAMS_SERVICE_URL,
        **claims,
    }
    return jwt.encode(payload, key, algorithm="RS256", headers={"kid": KID})


def activity(text: str = "Hello", **fields: Any) -> dict[str, Any]:
    return {
        "type": "message",
        "id": "m1",
        "channelId": "msteams",
        "serviceUrl": TEAMS_SERVICE_URL,
        "deliveryMode": "expectReplies",
        "from": {"id": "29:user"},
        "recipient": {"id": f"28:{CLIENT_ID}"},
        "conversation": {"id": f"a:auth-{uuid.uuid4().hex}", "conversationType": "personal"},
        "locale": "en-US",
        "text": text,
        **fields,
    }


def post(url: str, authorization: str | None, body: dict[str, Any] | None = None) -> httpx.Response:
    headers = {"authorization": authorization} if authorization is not None else {}
    return httpx.post(f"{url}/api/messages", json=body or activity(), headers=headers, timeout=60)


def test_a_token_signed_by_the_channel_key_is_accepted(bot: str, provider: Provider) -> None:
    provider.keys_requested.clear()
    response = post(bot, f"Bearer {token(provider.key)}")
    assert response.status_code == 200, response.text
    replies = [a for a in response.json()["activities"] if a["type"] == "message"]
    assert len(replies) == 1
    assert replies[0]["text"].endswith(question("special_terms", "en").text)
    assert provider.keys_requested == [BOT_FRAMEWORK_KEYS]
    assert provider.tokens_requested, "the bot fetched its outbound token from the provider"


MISSING = "authorization: a Bot Framework bearer token is required"
INVALID = "authorization: the token is not valid for this bot"
OTHER_TENANT = "https://sts.windows.net/72f988bf-0000-4000-8000-000000000000/"


def _refusals() -> list[tuple[str, Any, str, str]]:
    # (case, Authorization header from the provider's key, error, why the server refused)
    unsigned = {"aud": CLIENT_ID, "iss": BOT_FRAMEWORK_ISSUER}
    return [
        ("no token", lambda key: None, MISSING, ""),
        (
            "not bearer",
            lambda key: "Basic dXNlcjpwYXNz",
            "authorization: must be 'Bearer <token>'",
            "",
        ),
        ("garbage", lambda key: "Bearer not.a.jwt", INVALID, "refused: DecodeError"),
        (
            "wrong audience",
            lambda key: f"Bearer {token(key, aud=str(uuid.uuid4()))}",
            INVALID,
            "JWT audience not accepted",
        ),
        (
            "unknown key",
            lambda key: f"Bearer {token(_new_key())}",
            INVALID,
            "refused: InvalidSignatureError",
        ),
        (
            "expired",
            lambda key: f"Bearer {token(key, exp=int(time.time()) - 3600)}",
            INVALID,
            "refused: ExpiredSignatureError",
        ),
        (
            "untrusted issuer",
            lambda key: f"Bearer {token(key, iss=OTHER_TENANT)}",
            INVALID,
            "JWT issuer not accepted",
        ),
        (
            "no key id",
            lambda key: "Bearer " + jwt.encode(unsigned, key, algorithm="RS256"),
            INVALID,
            "refused: KeyError",
        ),
        (
            "alg none",
            lambda key: (
                "Bearer " + jwt.encode(unsigned, None, algorithm="none", headers={"kid": KID})
            ),
            INVALID,
            "refused: InvalidAlgorithmError",
        ),
    ]


@pytest.mark.parametrize(
    ("case", "header", "error", "why"), _refusals(), ids=[c[0] for c in _refusals()]
)
def test_requests_without_a_valid_token_are_refused(
    bot: str,
    provider: Provider,
    caplog: pytest.LogCaptureFixture,
    case: str,
    header: Any,
    error: str,
    why: str,
) -> None:
    with caplog.at_level(logging.WARNING):
        response = post(bot, header(provider.key))
    assert (response.status_code, response.json()) == (401, {"error": error})
    assert why in caplog.text


def test_tokens_naming_unknown_keys_do_not_make_the_server_fetch_keys_each_time(
    bot: str, provider: Provider
) -> None:
    forger = _new_key()
    fetches = provider.key_set_fetches
    for number in range(20):
        forged = jwt.encode(
            {"iss": BOT_FRAMEWORK_ISSUER, "aud": CLIENT_ID, "exp": int(time.time()) + 600},
            forger,
            algorithm="RS256",
            headers={"kid": f"made-up-{number}"},
        )
        response = post(bot, f"Bearer {forged}")
        assert response.status_code == 401
        assert response.json() == {"error": INVALID}
    # the key set is fetched once, then refreshed at most once for the unknown ids
    assert provider.key_set_fetches - fetches <= 2
    assert post(bot, f"Bearer {token(provider.key)}").status_code == 200


def test_a_bad_activity_with_a_valid_token_is_still_a_clear_4xx(
    bot: str, provider: Provider
) -> None:
    body = {k: v for k, v in activity().items() if k != "conversation"}
    response = post(bot, f"Bearer {token(provider.key)}", body)
    assert (response.status_code, response.json()) == (
        422,
        {"error": "conversation.id: is required and must be a string"},
    )


def test_a_service_url_outside_microsoft_channels_is_refused(bot: str, provider: Provider) -> None:
    body = activity(serviceUrl="https://attacker.example.com/")
    response = post(
        bot, f"Bearer {token(provider.key, serviceurl='https://attacker.example.com/')}", body
    )
    assert response.status_code == 401
    assert response.json() == {"error": "Service URL is not allowed by the host validator."}


@pytest.mark.parametrize(
    ("environment", "error"),
    [
        (
            {"CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID": CLIENT_ID},
            "Teams channel: set CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTSECRET, or an "
            "AUTHTYPE such as UserManagedIdentity that needs no secret",
        ),
        (
            {"CONNECTIONS__OTHER__SETTINGS__CLIENTID": CLIENT_ID},
            "Teams channel: set CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID (the bot's "
            "app id) alongside the other connections",
        ),
        (
            {
                "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID": CLIENT_ID,
                "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__AUTHTYPE": "certificate",
            },
            "Teams channel settings cannot work: "
            "CERT_PFX_FILE is required for certificate authentication.",
        ),
    ],
)
def test_settings_that_cannot_work_fail_at_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], error: str
) -> None:
    for name in list(os.environ):
        if name.startswith(("CONNECTIONS__", "CONNECTIONSMAP__")):
            monkeypatch.delenv(name)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as raised:
        create_app(Settings(data_dir=tmp_path))
    assert raised.value.message == error
