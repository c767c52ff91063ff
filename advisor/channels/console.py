"""The support console's sign-in and its API under `/console/api`.

Support agents sign in with an OpenID Connect token (Microsoft Entra ID or any provider that
publishes a discovery document and a JSON Web Key Set) whose `roles` claim names `agent` (read
conversations) or `admin` (also erase and export them). For local development, one configured
console token signs in as an admin. With neither configured the console is off: its page and every
API route answer 404.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import logging
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, Any

import httpx
import yaml
from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from joserfc import jwt
from joserfc.errors import ExpiredTokenError, InvalidKeyIdError, JoseError
from joserfc.jwk import GuestProtocol, KeySet
from pydantic import BaseModel, ConfigDict
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool

from advisor.analytics import CHANNELS, export, outcomes, parse_period
from advisor.analytics import LANGS as ANALYTICS_LANGS
from advisor.channels.bodies import json_object, read_body
from advisor.channels.openapi import SessionId
from advisor.config import Settings
from advisor.domain.schemas import Motion
from advisor.errors import ConfigError, UserError
from advisor.store.configuration import check_changes
from advisor.store.feedback import mask, regression_case

log = logging.getLogger(__name__)
MOTIONS = tuple(m.value for m in Motion)

CONSOLE_TOKEN_SUBJECT = "local-console-token"
OFF = "the support console is off: no sign-in is configured"
MISSING = "authorization: sign in to use the support console (Authorization: Bearer <token>)"
NOT_BEARER = "authorization: must be 'Bearer <token>'"
INVALID = "authorization: the token is not valid for the support console; sign in again"
EXPIRED = "authorization: the token has expired; sign in again"
NO_KEYS = "sign-in is unavailable: the identity provider's signing keys could not be read"
READ_ROLES = frozenset({"agent", "admin"})
ADMIN_ROLES = frozenset({"admin"})
KEY_REFRESH_S = 300.0
FETCH_TIMEOUT_S = 5.0
CLOCK_SKEW_S = 60
# console answers hold customers' data or sign-in tokens: never kept by a cache
NO_STORE = {"Cache-Control": "no-store"}


class Agent(BaseModel):
    """A signed-in support agent: who they are and the console roles their token grants."""

    model_config = ConfigDict(frozen=True)

    subject: str
    name: str
    roles: list[str]


class KeySetUnavailable(Exception):
    """The identity provider's discovery document or key set could not be read."""


class UnknownKey(Exception):
    """A token names a signing key the identity provider does not publish."""


def console_enabled(settings: Settings) -> bool:
    """Tell whether any sign-in is configured, which is what turns the console on."""
    return settings.console_token is not None or bool(
        settings.oidc_issuer and settings.oidc_audience
    )


class RemoteKeySet:
    """The identity provider's signing keys, read when first needed.

    The key set's address comes from `jwks_url`, else from the issuer's discovery document
    (read once). The keys are read again when a token names an unknown key id, at most once
    every `refresh_after_s`, so tokens with made-up key ids cannot make the server fetch keys
    on every request.
    """

    def __init__(
        self,
        issuer: str,
        jwks_url: str | None = None,
        *,
        timeout_s: float = FETCH_TIMEOUT_S,
        refresh_after_s: float = KEY_REFRESH_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self.jwks_url = jwks_url
        self.timeout_s = timeout_s
        self.refresh_after_s = refresh_after_s
        self.clock = clock
        self._keys: Any = None
        self._metadata: dict[str, Any] | None = None
        self._fetched_at = 0.0
        self._lock = threading.Lock()

    def _get_json(self, url: str) -> dict[str, Any]:
        try:
            response = httpx.get(url, timeout=self.timeout_s, follow_redirects=False)
            response.raise_for_status()
            data = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("console sign-in: could not read %s: %s", url, type(exc).__name__)
            raise KeySetUnavailable(url) from None
        if not isinstance(data, dict):
            raise KeySetUnavailable(url)
        return data

    def metadata(self) -> dict[str, Any]:
        """Return the issuer's discovery document, read once."""
        if self._metadata is None:
            self._metadata = self._get_json(f"{self.issuer}/.well-known/openid-configuration")
        return self._metadata

    def _keys_url(self) -> str:
        if self.jwks_url is None:
            metadata = self.metadata()
            jwks_uri = metadata.get("jwks_uri")
            if not isinstance(jwks_uri, str) or not jwks_uri:
                log.warning("console sign-in: the discovery document names no jwks_uri")
                raise KeySetUnavailable(self.issuer)
            self.jwks_url = jwks_uri
        return self.jwks_url

    def _fetch(self) -> Any:
        url = self._keys_url()
        raw = self._get_json(url)
        try:
            keys = KeySet.import_key_set(raw)  # type: ignore[arg-type]
        except (JoseError, ValueError, TypeError, KeyError) as exc:
            log.warning("console sign-in: the key set at %s is malformed: %s", url, exc)
            raise KeySetUnavailable(url) from None
        self._keys = keys
        self._fetched_at = self.clock()
        return keys

    def key_for(self, token: GuestProtocol) -> Any:
        """Return the published key a token's header names, reading the keys again if due."""
        kid = token.headers().get("kid")
        if not isinstance(kid, str):
            raise UnknownKey("no key id")
        with self._lock:
            keys: KeySet = self._keys if self._keys is not None else self._fetch()
            try:
                return keys.get_by_kid(kid)
            except InvalidKeyIdError:
                pass
            if self.clock() - self._fetched_at < self.refresh_after_s:
                raise UnknownKey(kid)
            try:
                return self._fetch().get_by_kid(kid)
            except InvalidKeyIdError:
                raise UnknownKey(kid) from None


class ConsoleSignIn:
    """Turn a bearer token into the agent it signs in, or refuse it."""

    def __init__(self, settings: Settings, keys: RemoteKeySet | None = None) -> None:
        if bool(settings.oidc_issuer) != bool(settings.oidc_audience):
            raise ConfigError(
                "support console: set both ADVISOR_OIDC_ISSUER and ADVISOR_OIDC_AUDIENCE "
                "(the console's client id), or neither"
            )
        secret = settings.console_token.get_secret_value() if settings.console_token else ""
        if settings.console_token is not None and not secret:
            raise ConfigError("ADVISOR_CONSOLE_TOKEN: must not be empty")
        self.enabled = console_enabled(settings)
        self._console_token = secret.encode("utf-8")
        self.issuer = settings.oidc_issuer
        self.audience = settings.oidc_audience
        if keys is None and self.issuer:
            keys = RemoteKeySet(self.issuer, settings.oidc_jwks_url)
        self.keys = keys

    def agent(self, authorization: str | None) -> Agent:
        """Return the agent an `Authorization` header signs in; raise 401 when it signs no one."""
        if not authorization:
            raise _unauthorized(MISSING)
        scheme, _, token = authorization.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise _unauthorized(NOT_BEARER)
        if self._console_token and hmac.compare_digest(token.encode("utf-8"), self._console_token):
            return Agent(subject=CONSOLE_TOKEN_SUBJECT, name="Console token", roles=["admin"])
        if self.keys is None or not self.issuer or not self.audience:
            log.info("console sign-in refused: not the console token, and OIDC is not set up")
            raise _unauthorized(INVALID)
        return self._verify(token, self.keys, self.issuer, self.audience)

    def verify(self, token: str, *, nonce: str | None = None) -> Agent:
        """Return the agent an identity provider's token signs in; raise 401 if it is not valid.

        `nonce`: the token must carry this nonce (an ID token from a sign-in this server began).
        """
        if self.keys is None or not self.issuer or not self.audience:
            raise _unauthorized(INVALID)
        return self._verify(token, self.keys, self.issuer, self.audience, nonce=nonce)

    def _verify(
        self,
        token: str,
        keys: RemoteKeySet,
        issuer: str,
        audience: str,
        *,
        nonce: str | None = None,
    ) -> Agent:
        expected: dict[str, Any] = {
            "iss": {"essential": True, "value": issuer},
            "aud": {"essential": True, "value": audience},
            "exp": {"essential": True},
            "sub": {"essential": True},
        }
        if nonce is not None:
            expected["nonce"] = {"essential": True, "value": nonce}
        required = jwt.JWTClaimsRegistry(leeway=CLOCK_SKEW_S, **expected)
        try:
            claims = jwt.decode(token, keys.key_for, algorithms=["RS256"]).claims
            required.validate(claims)
        except KeySetUnavailable:
            raise HTTPException(503, NO_KEYS) from None
        except ExpiredTokenError:
            log.info("console sign-in refused: the token has expired")
            raise _unauthorized(EXPIRED) from None
        except (JoseError, UnknownKey, ValueError, TypeError, KeyError) as exc:
            log.info("console sign-in refused: %s", type(exc).__name__)
            raise _unauthorized(INVALID) from None
        roles = claims.get("roles")
        subject = str(claims["sub"])
        name = claims.get("name") or claims.get("preferred_username") or subject
        return Agent(
            subject=subject,
            name=str(name),
            roles=[r for r in roles if isinstance(r, str)] if isinstance(roles, list) else [],
        )


def _filters(
    since: str | None, until: str | None, channel: str, lang: str
) -> tuple[dt.date, dt.date]:
    """Check the analytics' and the export's period, channel and language; return the days."""
    try:
        start, end = parse_period(since, until)
    except ValueError:
        raise UserError("since, until: must be days such as 2026-12-01", field="since") from None
    if end < start or (end - start).days > 366:
        raise UserError("since, until: a period of 1 to 366 days, since first", field="since")
    if channel not in CHANNELS:
        raise UserError(f"channel: must be one of {', '.join(CHANNELS)}", field="channel")
    if lang not in ANALYTICS_LANGS:
        raise UserError(f"lang: must be one of {', '.join(ANALYTICS_LANGS)}", field="lang")
    return start, end


def _unauthorized(message: str) -> HTTPException:
    return HTTPException(401, message, headers={"WWW-Authenticate": "Bearer"})


def console_off() -> JSONResponse:
    """Answer a request to the console while it is off."""
    return JSONResponse({"error": OFF}, status_code=404)


def require_role(
    sign_in: ConsoleSignIn, roles: frozenset[str], what: str
) -> Callable[[Request], Awaitable[Agent]]:
    """Make a dependency that returns the signed-in agent, or refuses with 401, 403 or 404.

    404: the console is off. 401: no token, or one that is malformed, unsigned, signed by an
    unknown key, expired, or for another audience or issuer. 403: signed in, but none of the
    agent's roles is one of `roles`; `what` names the action in the refusal.
    """

    async def signed_in_agent(request: Request) -> Agent:
        if not sign_in.enabled:
            raise HTTPException(404, OFF)
        header = request.headers.get("authorization")
        agent = await run_in_threadpool(sign_in.agent, header)
        if not roles.intersection(agent.roles):
            log.info("console: %s refused to %s (roles %s)", agent.subject, what, agent.roles)
            wanted = " or ".join(sorted(roles))
            raise HTTPException(403, f"{what} needs the console role {wanted}")
        return agent

    return signed_in_agent


def mount_console(app: FastAPI, settings: Settings) -> ConsoleSignIn:
    """Add the console's API routes under /console/api to `app`; return its sign-in."""
    sign_in = ConsoleSignIn(settings)
    if not sign_in.enabled:

        @app.api_route(
            "/console/api",
            methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            include_in_schema=False,
        )
        @app.api_route(
            "/console/api/{rest:path}",
            methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            include_in_schema=False,
        )
        async def console_api_off() -> JSONResponse:
            """Say the console is off, whatever was asked of it."""
            return console_off()

        return sign_in

    reader = Depends(require_role(sign_in, READ_ROLES, "reading the support console"))
    eraser = Depends(require_role(sign_in, ADMIN_ROLES, "erasing a conversation"))
    exporter = Depends(require_role(sign_in, ADMIN_ROLES, "exporting conversations"))
    configurer = Depends(require_role(sign_in, ADMIN_ROLES, "configuring the advisor"))

    @app.get("/console/api/me", include_in_schema=False)
    async def console_me(agent: Agent = reader) -> JSONResponse:
        """Return who is signed in: subject, name and roles."""
        return JSONResponse(agent.model_dump(), headers=NO_STORE)

    @app.get("/console/api/sessions/{session_id}", include_in_schema=False)
    async def console_session(
        request: Request, session_id: SessionId, agent: Agent = reader
    ) -> JSONResponse:
        """Return any conversation's transcript and profile, Teams ones included."""
        service = request.app.state.service
        result = await run_in_threadpool(service.session, session_id)
        ratings = await run_in_threadpool(service.feedback.of_session, session_id)
        result["feedback"] = [rating.view() for rating in ratings]
        log.info("console: %s opened a conversation", agent.subject)
        return JSONResponse(result, headers=NO_STORE)

    @app.post("/console/api/sessions/{session_id}/regression-case", include_in_schema=False)
    async def console_regression_case(
        request: Request, session_id: SessionId, agent: Agent = reader
    ) -> JSONResponse:
        """Write the conversation as an evals regression case, customer data masked.

        The body may name the motion the conversation should have ended on (`motion`), when
        the agent corrects it. Returns the file's name and its YAML, ready for evals/cases/.
        """
        motion = json_object(await read_body(request), {"motion"}, set()).get("motion")
        if motion is not None and motion not in MOTIONS:
            raise UserError(f"motion: must be one of {', '.join(MOTIONS)}", field="motion")
        service = request.app.state.service
        session = await run_in_threadpool(service.session, session_id)
        lead = await run_in_threadpool(service.leads.of_session, session_id)
        ratings = await run_in_threadpool(service.feedback.of_session, session_id)
        names = [lead.name, lead.company, lead.email] if lead else []
        said = "; ".join(
            f"turn {r.turn} rated {r.rating}" + (f": {mask(r.comment, names)}" if r.comment else "")
            for r in ratings
        )
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d")
        case_id = f"reg-{stamp}-{session_id[-10:].lower()}"
        note = "made from a conversation in the support console" + (f" ({said})" if said else "")
        case = regression_case(session, case_id=case_id, motion=motion, names=names, note=note)
        text = yaml.safe_dump(
            {"version": 1, "cases": [case]}, allow_unicode=True, sort_keys=False, width=100
        )
        log.info("console: %s made a regression case of a conversation", agent.subject)
        return JSONResponse({"filename": f"regression-{case_id}.yaml", "yaml": text})

    @app.get("/console/api/analytics", include_in_schema=False)
    async def console_analytics(
        request: Request,
        agent: Agent = reader,
        since: str | None = None,
        until: str | None = None,
        channel: str = "all",
        lang: str = "all",
    ) -> JSONResponse:
        """Return how conversations begun in the period ended, for a channel and a language."""
        start, end = _filters(since, until, channel, lang)
        service = request.app.state.service
        result = await run_in_threadpool(
            lambda: outcomes(service, since=start, until=end, channel=channel, lang=lang)
        )
        log.info("console: %s read the analytics", agent.subject)
        return JSONResponse(result, headers=NO_STORE)

    @app.get("/console/api/export", include_in_schema=False)
    async def console_export(
        request: Request,
        agent: Agent = exporter,
        since: str | None = None,
        until: str | None = None,
        channel: str = "all",
        lang: str = "all",
    ) -> StreamingResponse:
        """Download the conversations begun in the period, in full, as JSON Lines (admins)."""
        start, end = _filters(since, until, channel, lang)
        service = request.app.state.service
        rows = iterate_in_threadpool(export(service, start, end, channel, lang))
        log.info("console: %s exported the conversations of %s to %s", agent.subject, start, end)

        async def lines() -> AsyncIterator[bytes]:
            async for row in rows:
                yield json.dumps(row, ensure_ascii=False).encode("utf-8") + b"\n"

        name = f"conversations-{start.isoformat()}-{end.isoformat()}.jsonl"
        return StreamingResponse(
            lines(),
            media_type="application/x-ndjson",
            headers={**NO_STORE, "Content-Disposition": f'attachment; filename="{name}"'},
        )

    @app.get("/console/api/settings", include_in_schema=False)
    async def console_settings(request: Request, agent: Agent = configurer) -> JSONResponse:
        """Return what admins configure: next-step links and retention, with the defaults."""
        configuration = request.app.state.service.configuration
        return JSONResponse(await run_in_threadpool(configuration.view), headers=NO_STORE)

    @app.put("/console/api/settings", include_in_schema=False)
    async def console_configure(request: Request, agent: Agent = configurer) -> JSONResponse:
        """Change next-step links or the retention; a value equal to the default resets it.

        Every worker uses the new values within a few seconds: the web chat's and Teams' cards
        link to the new pages, and the next purge keeps conversations for the new period.
        """
        body = json_object(
            await read_body(request), {"next_step_links", "session_retention_days"}, set()
        )
        changes = check_changes(body)
        configuration = request.app.state.service.configuration
        await run_in_threadpool(configuration.change, changes, agent.subject)
        log.info("console: %s changed %s", agent.subject, ", ".join(sorted(changes)) or "nothing")
        return JSONResponse(await run_in_threadpool(configuration.view), headers=NO_STORE)

    @app.get("/console/api/leads", include_in_schema=False)
    async def console_leads(
        request: Request,
        agent: Agent = reader,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ) -> JSONResponse:
        """Return the newest leads, each with its recommendation and delivery state."""
        service = request.app.state.service
        leads = await run_in_threadpool(service.leads.latest, limit)
        log.info("console: %s listed the leads", agent.subject)
        body = {
            "leads": [lead.view() for lead in leads],
            "webhook": bool(request.app.state.settings.lead_webhook_url),
        }
        return JSONResponse(body, headers=NO_STORE)

    @app.delete("/console/api/sessions/{session_id}", include_in_schema=False)
    async def console_delete_session(
        request: Request, session_id: SessionId, agent: Agent = eraser
    ) -> Response:
        """Erase a conversation; an unknown one is 404."""
        service = request.app.state.service
        await run_in_threadpool(service.session, session_id)
        await run_in_threadpool(service.delete, session_id)
        log.info("console: %s erased a conversation", agent.subject)
        return Response(status_code=204)

    return sign_in
