"""Settings, read once from the environment and passed in explicitly."""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict, SettingsError

from advisor.errors import ConfigError


def _default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("motion-advisor", appauthor=False))


class Settings(BaseSettings):
    """Every setting of the advisor; each one is an environment variable."""

    model_config = SettingsConfigDict(env_prefix="ADVISOR_", extra="ignore")

    data_dir: Path = Field(default_factory=_default_data_dir)
    model: str = "offline"
    embeddings: str = "lexical"
    lang: str = "en"

    openai_api_key: str | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_API_KEY", "ADVISOR_OPENAI_API_KEY")
    )
    openai_base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_BASE_URL", "ADVISOR_OPENAI_BASE_URL")
    )
    openai_embedding_model: str = "text-embedding-3-small"
    llm_timeout_s: float = 30.0
    llm_max_retries: int = 2
    llm_max_tokens: int = 800
    agent_max_steps: int = 12
    # When a turn is written to the store: once at its end ("exit", the default: a turn is
    # kept whole or not at all), or after every graph step ("sync", "async": slower).
    store_durability: Literal["exit", "async", "sync"] = "exit"
    # With an LLM, let it rephrase the replies written from templates; a rephrase that drops or
    # changes the question or the motion is discarded.
    llm_rephrase: bool = False

    chroma_host: str | None = Field(
        default=None, validation_alias=AliasChoices("CHROMA_HOST", "ADVISOR_CHROMA_HOST")
    )
    chroma_port: int = Field(
        default=8000, validation_alias=AliasChoices("CHROMA_PORT", "ADVISOR_CHROMA_PORT")
    )
    database_url: str | None = None
    # keys the session ids channels name themselves (Teams), so a conversation id alone cannot
    # be turned into a session id; made and kept in the data folder when not set
    session_secret: SecretStr | None = None
    # Postgres connections per process for the store, and again for the per-turn session locks
    # (so also the most turns one process runs at once).
    database_pool_size: int = Field(default=10, ge=1)

    max_body_bytes: int = 64 * 1024
    # `advisor serve`: seconds a client has to send a request's line and headers, and its body
    # `advisor serve` processes sharing the port (each holds its own models, about 400 MB)
    workers: int = Field(default=1, ge=1, le=64)
    http_head_timeout_s: float = Field(default=10, gt=0)
    http_body_timeout_s: float = Field(default=30, gt=0)
    max_message_chars: int = 4000
    cors_origins: list[str] = Field(default_factory=list)
    log_message_text: bool = False
    # leads (customers who asked to be contacted) go to this webhook, signed with the secret
    lead_webhook_url: str | None = None
    lead_webhook_secret: SecretStr | None = Field(default=None, validate_default=True)
    # the pause after a failed delivery: this at first, doubling each time, up to the most
    lead_retry_s: float = Field(default=5, gt=0)
    lead_retry_max_s: float = Field(default=3600, gt=0)
    lead_timeout_s: float = Field(default=10, gt=0)
    lead_delivery_interval_s: float = Field(default=2, gt=0)
    # "json": one JSON object a log line, with the trace id (`advisor serve`); "text": uvicorn's
    log_format: Literal["text", "json"] = "text"
    # where OpenTelemetry traces go, over OTLP/gRPC (e.g. http://collector:4317); none: no tracing
    otlp_endpoint: str | None = Field(
        default=None,
        validation_alias=AliasChoices("OTEL_EXPORTER_OTLP_ENDPOINT", "ADVISOR_OTLP_ENDPOINT"),
    )

    # Requests a minute per client address on / and /v1/*, and per Teams user on
    # /api/messages, with bursts of up to *_burst; 0 turns a limit off.
    rate_limit_per_minute: float = Field(default=120, ge=0)
    rate_limit_burst: int = Field(default=60, ge=1)
    # Requests from this machine itself (tools, health probes, a local test harness) are not
    # counted unless asked; behind a local proxy, list it in trusted_proxies so the forwarded
    # client is the one counted.
    rate_limit_loopback: bool = False
    teams_rate_limit_per_minute: float = Field(default=30, ge=0)
    teams_rate_limit_burst: int = Field(default=15, ge=1)
    # Proxies (IP addresses or networks, a JSON list) whose X-Forwarded-For is believed.
    trusted_proxies: list[str] = Field(default_factory=list)

    # Conversations whose last turn is older are erased (0 keeps them forever).
    session_retention_days: float = Field(default=30, ge=0)
    session_purge_interval_s: float = Field(default=3600, gt=0)
    # Past customer turns sent to the model on each call; the profile is in the system prompt.
    agent_history_turns: int = Field(default=10, ge=2)
    # A conversation takes at most this many customer messages; then the customer is asked to
    # start a new one. The store keeps the latest session_kept_turns of them for the transcript,
    # so a long conversation takes no more room, and no more time a turn, than a short one.
    session_max_turns: int = Field(default=500, ge=1)
    session_kept_turns: int = Field(default=50, ge=1)

    # The support console's sign-in (see README): OpenID Connect tokens from this issuer for
    # this audience (the console's app or client id), checked against the issuer's signing keys
    # (read from its discovery document unless oidc_jwks_url is set); and, for local
    # development, one bearer token that signs in as an admin. With neither, /console is off.
    console_token: SecretStr | None = None
    oidc_issuer: str | None = None
    oidc_audience: str | None = None
    oidc_jwks_url: str | None = None
    # Signing in on the identity provider's own page (authorization code flow with PKCE): the
    # console's client secret, if its app registration has one; where the provider sends the
    # agent back (default: this server's /console/signed-in, as the request reached it); and
    # the scopes asked for.
    oidc_client_secret: SecretStr | None = None
    oidc_redirect_url: str | None = None
    oidc_scopes: str = "openid profile email"

    @field_validator("lead_webhook_url")
    @classmethod
    def _webhook_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError("must be an https:// (or http://) URL")
        return value

    @field_validator("lead_webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if info.data.get("lead_webhook_url") and (
            value is None or len(value.get_secret_value()) < 16
        ):
            raise ValueError(
                "must be set, at least 16 characters, when ADVISOR_LEAD_WEBHOOK_URL is: "
                "it signs every lead sent"
            )
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for item in value:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(f"{item!r} is not an IP address or network") from None
        return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings, read from the environment on first use."""
    try:
        return Settings()
    except ValidationError as exc:
        raise ConfigError(_setting_error(exc)) from None
    except SettingsError as exc:
        # pydantic-settings could not parse a list or object setting as JSON
        found = re.search(r'field "(\w+)"', str(exc))
        name = f"ADVISOR_{found.group(1).upper()}" if found else "a setting"
        raise ConfigError(f'{name}: must be JSON, such as ["a", "b"] for a list') from None


def _setting_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    name = str(error["loc"][0]) if error["loc"] else ""
    field = Settings.model_fields.get(name)
    alias = field.validation_alias if field is not None else None
    choices = getattr(alias, "choices", None)
    env = str(choices[0]) if choices else f"ADVISOR_{name.upper()}"
    got = repr(error.get("input"))
    got = got if len(got) <= 40 else got[:37] + "..."
    said = str(error["msg"]).removeprefix("Value error, ")
    return f"{env}: {said[:1].lower()}{said[1:]} (got {got})"
