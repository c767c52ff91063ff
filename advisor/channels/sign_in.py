"""Signing in to the support console on the identity provider's own page.

OpenID Connect's authorization code flow with PKCE, run by Authlib's OAuth 2 client:

1. `GET /console/sign-in` sends the agent to the provider's sign-in page (Entra ID in
   production). A short-lived, HttpOnly cookie holds the flow's state, nonce and PKCE verifier.
2. The provider sends the agent back to `GET /console/signed-in` with a code. The server checks
   the state against the cookie, trades the code (with the verifier, and the client secret if
   one is configured) for an ID token, and checks that token as every console token is checked
   (signature, issuer, audience, expiry) and that it carries the nonce.
3. The agent lands on `/console` with the token in the address's fragment, which never reaches
   a server; the page keeps it for the tab, as it keeps a pasted token, and clears the address.

A failed sign-in lands on `/console#sign_in_error=<kind>`: `denied` (the provider refused or
the agent cancelled), `expired` (the sign-in took too long, or its cookie is gone), `invalid`
(the state, nonce or token did not check out) or `unavailable` (the provider did not answer).
"""

from __future__ import annotations

import base64
import hmac
import json
import logging
from dataclasses import dataclass
from urllib.parse import quote

import httpx
from authlib.common.errors import AuthlibBaseError
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import OAuth2Client
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from advisor.channels.console import NO_STORE, ConsoleSignIn, KeySetUnavailable
from advisor.config import Settings
from advisor.errors import UserError
from advisor.store.sessions import check_session_id

log = logging.getLogger(__name__)

COOKIE = "advisor_console_sign_in"
COOKIE_AGE_S = 600  # the time an agent has to sign in on the provider's page
FETCH_TIMEOUT_S = 10.0


class SignInFailed(Exception):
    """A sign-in on the provider's page did not end with a valid token; `kind` says why."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


@dataclass(frozen=True)
class PendingSignIn:
    """What the server must remember between sending an agent away and their return."""

    state: str
    nonce: str
    verifier: str
    session: str | None = None  # a conversation the agent was opening, to open on return

    def cookie(self) -> str:
        """Return the cookie value that carries this until the agent returns."""
        raw = json.dumps(self.__dict__, separators=(",", ":")).encode("utf-8")
        return base64.urlsafe_b64encode(raw).decode("ascii")

    @classmethod
    def from_cookie(cls, value: str | None) -> PendingSignIn:
        """Read the cookie back; raise SignInFailed when it is gone or was not ours."""
        if not value:
            raise SignInFailed("expired")
        try:
            data = json.loads(base64.urlsafe_b64decode(value.encode("ascii")))
            pending = cls(**data)
        except (ValueError, TypeError, UnicodeError):
            raise SignInFailed("invalid") from None
        if not all(isinstance(v, str) for v in (pending.state, pending.nonce, pending.verifier)):
            raise SignInFailed("invalid")
        if pending.session is not None and _session_or_none(pending.session) is None:
            raise SignInFailed("invalid")
        return pending


class ProviderSignIn:
    """The authorization code flow against the console's OpenID Connect provider."""

    def __init__(self, settings: Settings, console: ConsoleSignIn) -> None:
        assert console.keys is not None and console.audience
        self.console = console
        self.keys = console.keys
        self.client_id = console.audience
        secret = settings.oidc_client_secret
        self.client_secret = secret.get_secret_value() if secret else None
        self.redirect_url = settings.oidc_redirect_url
        self.scopes = settings.oidc_scopes

    def _endpoint(self, name: str) -> str:
        url = self.keys.metadata().get(name)
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            log.warning("console sign-in: the discovery document names no %s", name)
            raise KeySetUnavailable(name)
        return url

    def _client(self, redirect_uri: str) -> OAuth2Client:
        return OAuth2Client(
            client_id=self.client_id,
            client_secret=self.client_secret,
            token_endpoint_auth_method="client_secret_post" if self.client_secret else "none",
            scope=self.scopes,
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
            timeout=FETCH_TIMEOUT_S,
            follow_redirects=False,
        )

    def begin(self, redirect_uri: str, session: str | None) -> tuple[str, PendingSignIn]:
        """Return the provider's sign-in address and what to remember until the agent returns."""
        pending = PendingSignIn(
            state=generate_token(32),
            nonce=generate_token(32),
            verifier=generate_token(64),
            session=session,
        )
        with self._client(redirect_uri) as client:
            url, _ = client.create_authorization_url(
                self._endpoint("authorization_endpoint"),
                state=pending.state,
                code_verifier=pending.verifier,
                nonce=pending.nonce,
                response_mode="query",
            )
        return url, pending

    def finish(self, redirect_uri: str, pending: PendingSignIn, code: str) -> str:
        """Trade the code for an ID token and check it; return the token."""
        try:
            with self._client(redirect_uri) as client:
                token = client.fetch_token(
                    self._endpoint("token_endpoint"),
                    grant_type="authorization_code",
                    code=code,
                    code_verifier=pending.verifier,
                )
        except AuthlibBaseError as exc:  # the provider refused the code: reused, expired, wrong
            log.info("console sign-in: the provider refused the code (%s)", exc.error)
            raise SignInFailed("invalid") from None
        except (httpx.HTTPError, ValueError) as exc:
            log.warning(
                "console sign-in: no answer from the token endpoint: %s", type(exc).__name__
            )
            raise SignInFailed("unavailable") from None
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            log.info("console sign-in: the provider sent no ID token")
            raise SignInFailed("invalid")
        try:
            self.console.verify(id_token, nonce=pending.nonce)
        except HTTPException as exc:
            raise SignInFailed("unavailable" if exc.status_code == 503 else "invalid") from None
        return id_token


def _session_or_none(value: object) -> str | None:
    """Return a well-formed conversation id, or None for anything else (nothing is echoed)."""
    if not isinstance(value, str):
        return None
    try:
        return check_session_id(value)
    except UserError:
        return None


def _redirect_uri(request: Request, configured: str | None) -> str:
    return configured or str(request.url_for("console_signed_in"))


def _landing(request: Request, fragment: str, session: str | None) -> RedirectResponse:
    where = str(request.url_for("console_page").path)
    if session:
        where += f"?session={quote(session)}"
    response = RedirectResponse(f"{where}#{fragment}", status_code=303, headers=NO_STORE)
    response.delete_cookie(COOKIE, path="/console")
    return response


def mount_sign_in(app: FastAPI, settings: Settings, console: ConsoleSignIn) -> bool:
    """Add `/console/sign-in` and `/console/signed-in` when OpenID Connect is configured."""
    if not (console.enabled and console.keys is not None and console.audience):
        return False
    flow = ProviderSignIn(settings, console)

    @app.get("/console/sign-in", include_in_schema=False)
    async def console_sign_in(request: Request) -> Response:
        """Send the agent to the identity provider's sign-in page."""
        session = _session_or_none(request.query_params.get("session"))
        redirect_uri = _redirect_uri(request, flow.redirect_url)
        try:
            url, pending = await run_in_threadpool(flow.begin, redirect_uri, session)
        except KeySetUnavailable:
            return _landing(request, "sign_in_error=unavailable", session)
        response = RedirectResponse(url, status_code=302, headers=NO_STORE)
        response.set_cookie(
            COOKIE,
            pending.cookie(),
            max_age=COOKIE_AGE_S,
            path="/console",
            secure=request.url.scheme == "https",
            httponly=True,
            samesite="lax",
        )
        return response

    @app.get("/console/signed-in", include_in_schema=False)
    async def console_signed_in(request: Request) -> Response:
        """Take the agent back from the identity provider and hand their token to the page."""
        params = request.query_params
        session: str | None = None
        try:
            pending = PendingSignIn.from_cookie(request.cookies.get(COOKIE))
            session = pending.session
            said = params.get("error")
            if said:
                log.info("console sign-in: the provider said %s", said[:64])
                raise SignInFailed("denied")
            state, code = params.get("state"), params.get("code")
            if not state or not code or not _same(state, pending.state):
                raise SignInFailed("invalid")
            redirect_uri = _redirect_uri(request, flow.redirect_url)
            token = await run_in_threadpool(flow.finish, redirect_uri, pending, code)
        except SignInFailed as failed:
            return _landing(request, f"sign_in_error={failed.kind}", session)
        except KeySetUnavailable:
            return _landing(request, "sign_in_error=unavailable", session)
        return _landing(request, f"id_token={token}", session)

    return True


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))
