"""A local OpenID Connect identity provider for the console's sign-in tests, on loopback.

It publishes a discovery document and a JSON Web Key Set for an RSA key made here, and runs the
authorization code flow as Entra ID does: its sign-in page (`/authorize`) sends an agent who is
already signed in straight back with a code; its token endpoint trades that code, once, for an
ID token, and only with the PKCE verifier, redirect address and client secret the flow began
with. Tokens are signed with PyJWT, which the service does not use to check them.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse

from tests.servers import serve_app

CLIENT_ID = str(uuid.UUID(int=0xC0FE_0000_0000_4000_8000_0000_0000_0002))
CLIENT_SECRET = "console-client-secret-for-tests"
KID = "console-test-key"


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def token(key: rsa.RSAPrivateKey, issuer: str, *, kid: str = KID, **claims: Any) -> str:
    """Sign a token for the console's client id, an agent's by default, valid for 10 minutes."""
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


@dataclass
class Provider:
    """The provider's issuer and key, what it was asked, and how the next sign-in should go."""

    issuer: str
    key: rsa.RSAPrivateKey
    key_set_fetches: int = 0
    # the claims of the next ID token, over the defaults (e.g. roles, or a wrong nonce)
    next_claims: dict[str, Any] = field(default_factory=dict)
    # the next sign-in is refused on the provider's page (the agent cancels, say)
    refuse_next: bool = False
    authorize_requests: list[dict[str, str]] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    codes: dict[str, dict[str, str]] = field(default_factory=dict)


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@contextmanager
def identity_provider() -> Iterator[Provider]:
    """Run the provider on a loopback port; yield it once its issuer address is known."""
    key = new_key()
    jwk = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    jwks = {"keys": [{**jwk, "kid": KID, "use": "sig", "alg": "RS256"}]}
    app = FastAPI()
    state = Provider(issuer="", key=key)
    base = ""

    @app.get("/tenant/v2.0/.well-known/openid-configuration")
    async def metadata() -> dict[str, Any]:
        return {
            "issuer": state.issuer,
            "jwks_uri": f"{base}/tenant/discovery/v2.0/keys",
            "authorization_endpoint": f"{base}/tenant/oauth2/v2.0/authorize",
            "token_endpoint": f"{base}/tenant/oauth2/v2.0/token",
        }

    @app.get("/tenant/discovery/v2.0/keys")
    async def keys() -> dict[str, Any]:
        state.key_set_fetches += 1
        return jwks

    @app.get("/tenant/oauth2/v2.0/authorize")
    async def authorize(request: Request) -> RedirectResponse:
        asked = dict(request.query_params)
        state.authorize_requests.append(asked)
        back = asked["redirect_uri"]
        if state.refuse_next:
            state.refuse_next = False
            query = {"error": "access_denied", "state": asked.get("state", "")}
            return RedirectResponse(f"{back}?{urlencode(query)}", status_code=302)
        code = secrets.token_urlsafe(16)
        state.codes[code] = asked
        return RedirectResponse(
            f"{back}?{urlencode({'code': code, 'state': asked['state']})}", status_code=302
        )

    @app.post("/tenant/oauth2/v2.0/token")
    async def token_endpoint(request: Request) -> JSONResponse:
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8")).items()}
        grant_type, code = form.get("grant_type", ""), form.get("code", "")
        redirect_uri, client_id = form.get("redirect_uri", ""), form.get("client_id", "")
        code_verifier, client_secret = form.get("code_verifier", ""), form.get("client_secret", "")
        state.token_requests.append(
            {"code": code, "redirect_uri": redirect_uri, "client_id": client_id}
        )
        asked = state.codes.pop(code, None)  # a code is good once
        refused = (
            asked is None
            or grant_type != "authorization_code"
            or client_id != CLIENT_ID
            or client_secret != CLIENT_SECRET
            or redirect_uri != asked["redirect_uri"]
            or asked.get("code_challenge_method") != "S256"
            or _challenge(code_verifier) != asked.get("code_challenge")
        )
        if refused:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        assert asked is not None
        claims = {"nonce": asked.get("nonce"), **state.next_claims}
        state.next_claims = {}
        id_token = token(state.key, state.issuer, **claims)
        return JSONResponse(
            {
                "token_type": "Bearer",
                "id_token": id_token,
                "access_token": "opaque",
                "expires_in": 600,
            }
        )

    with serve_app(app) as url:
        base = url
        state.issuer = f"{url}/tenant/v2.0"
        yield state
