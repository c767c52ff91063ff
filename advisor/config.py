"""Settings, read once from the environment and passed in explicitly."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import platformdirs
from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


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

    chroma_host: str | None = Field(
        default=None, validation_alias=AliasChoices("CHROMA_HOST", "ADVISOR_CHROMA_HOST")
    )
    chroma_port: int = Field(
        default=8000, validation_alias=AliasChoices("CHROMA_PORT", "ADVISOR_CHROMA_PORT")
    )
    database_url: str | None = None
    # Postgres connections per process for the store, and again for the per-turn session locks
    # (so also the most turns one process runs at once).
    database_pool_size: int = Field(default=10, ge=1)

    max_body_bytes: int = 64 * 1024
    max_message_chars: int = 4000
    cors_origins: list[str] = Field(default_factory=list)
    log_message_text: bool = False


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings, read from the environment on first use."""
    return Settings()
