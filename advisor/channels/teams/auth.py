"""Authentication of Teams requests: the SDK's connections and the Bot Framework token check.

Authentication follows the SDK's standard environment settings
(`CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID` and friends): once a client id is set,
every request must carry a Bot Framework token for it; only without one (local development)
are anonymous requests accepted.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi.responses import JSONResponse
from microsoft_agents.activity import load_configuration_from_env
from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.core import (
    AgentAuthConfiguration,
    ClaimsIdentity,
    JwtTokenValidator,
)
from microsoft_agents.hosting.core.authorization import AuthTypes

from advisor.errors import ConfigError

log = logging.getLogger(__name__)

# The SDK's standard settings; anything else in the environment is not its business.
_SDK_PREFIXES = ("CONNECTIONS__", "CONNECTIONSMAP__", "AGENTAPPLICATION__", "LOGGING__")


def _unauthorized(message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=401)


class TeamsAuth:
    """The SDK connections from the environment, and whether requests must carry a token."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        try:
            config = load_configuration_from_env(
                {k: v for k, v in environ.items() if k.startswith(_SDK_PREFIXES)}
            )
        except (TypeError, ValueError) as exc:
            raise ConfigError(
                f"Teams channel settings (CONNECTIONS__...) are malformed: {exc}"
            ) from None
        raw: dict[str, Any] = config.get("CONNECTIONS") or {}
        settings = {
            name: dict(entry.get("SETTINGS") or {}) if isinstance(entry, dict) else {}
            for name, entry in raw.items()
        }
        self.client_id: str | None = next(
            (str(s["CLIENTID"]) for s in settings.values() if s.get("CLIENTID")), None
        )
        self.anonymous = self.client_id is None
        if self.anonymous:
            settings = {"SERVICE_CONNECTION": {}}
        elif "SERVICE_CONNECTION" not in settings or not settings["SERVICE_CONNECTION"].get(
            "CLIENTID"
        ):
            raise ConfigError(
                "Teams channel: set CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID "
                "(the bot's app id) alongside the other connections"
            )
        try:
            configurations = {
                # A configured client id always means tokens are required, and (unless
                # VALIDATE_ISSUER says otherwise) only from the issuers the SDK trusts.
                name: AgentAuthConfiguration(
                    **{"VALIDATE_ISSUER": not self.anonymous, **values},
                    anonymous_allowed=self.anonymous,
                )
                for name, values in settings.items()
            }
            self.connections = MsalConnectionManager(
                connections_configurations=configurations,
                connections_map=config.get("CONNECTIONSMAP") or [],
            )
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"Teams channel settings cannot work: {exc}") from None
        for name, configuration in configurations.items():
            needs_secret = configuration.AUTH_TYPE == AuthTypes.client_secret
            if configuration.CLIENT_ID and needs_secret and not configuration.CLIENT_SECRET:
                # Otherwise every reply would fail later, when the bot asks for its own token.
                raise ConfigError(
                    f"Teams channel: set CONNECTIONS__{name}__SETTINGS__CLIENTSECRET, or an "
                    "AUTHTYPE such as UserManagedIdentity that needs no secret"
                )
        self.configuration = self.connections.get_default_connection_configuration()

    async def identify(self, authorization: str | None) -> ClaimsIdentity | JSONResponse:
        """Validate the request's bearer token, or say why it is refused (401)."""
        if not authorization:
            return _unauthorized("authorization: a Bot Framework bearer token is required")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return _unauthorized("authorization: must be 'Bearer <token>'")
        try:
            identity: ClaimsIdentity = await JwtTokenValidator(self.configuration).validate_token(
                token.strip()
            )
        except Exception as exc:  # any failure to validate is a refusal, never a 500
            log.warning("Teams request refused: %s", type(exc).__name__)
            return _unauthorized("authorization: the token is not valid for this bot")
        return identity
