"""The chat-model factory: one place that turns `ADVISOR_MODEL` into a LangChain chat model."""

from __future__ import annotations

from langchain_core.language_models import BaseChatModel

from advisor.config import Settings
from advisor.errors import ConfigError

VALID_MODELS = "offline, openai:<model> (any OpenAI-compatible server via OPENAI_BASE_URL)"


def is_offline(settings: Settings) -> bool:
    """Tell whether the deterministic offline model is the chat model."""
    return settings.model.strip() == "offline"


def answer_model(settings: Settings) -> BaseChatModel | None:
    """Return the model that writes guidance answers, or None offline (answers are extractive)."""
    return None if is_offline(settings) else make_chat_model(settings)


def make_chat_model(settings: Settings) -> BaseChatModel:
    """Build the configured chat model, failing at start with the valid choices."""
    spec = settings.model.strip()
    if spec == "offline":
        from advisor.models.offline import OfflineChatModel

        return OfflineChatModel()
    provider, _, name = spec.partition(":")
    if provider == "openai" and name:
        if not settings.openai_api_key and not settings.openai_base_url:
            raise ConfigError(
                f"ADVISOR_MODEL={spec} needs OPENAI_API_KEY (or OPENAI_BASE_URL for a local "
                "OpenAI-compatible server)"
            )
        from langchain_openai import ChatOpenAI

        return ChatOpenAI(
            model=name,
            api_key=settings.openai_api_key or "unused",
            base_url=settings.openai_base_url,
            timeout=settings.llm_timeout_s,
            max_retries=settings.llm_max_retries,
            max_completion_tokens=settings.llm_max_tokens,
            temperature=0,
        )
    raise ConfigError(f"ADVISOR_MODEL={spec!r} is not a known model; valid: {VALID_MODELS}")
