"""Errors, by who has to act on them.

`UserError` is something the person using the advisor did wrong: it becomes exit status 2 on the
command line or a 4xx answer over HTTP, with one clear sentence and never a traceback.
`ConfigError` is a setting that cannot work, reported at start-up with the valid choices.
`ServiceError` is a dependency (the LLM, the index) failing after retries. The errors say what
went wrong and nothing of transport: each channel maps them to its own status.
"""

from __future__ import annotations


class AdvisorError(Exception):
    """Base class of every error the advisor reports to a person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UserError(AdvisorError):
    """Input the user can correct."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotFoundError(UserError):
    """Something the user named does not exist (an unknown session id)."""


class TooLargeError(UserError):
    """A request or message is over the configured size limit."""


class ConversationFullError(UserError):
    """A conversation has had as many turns as one conversation may have."""


class ConflictError(UserError):
    """A request that does not fit the conversation yet (a lead before any recommendation)."""


class ConfigError(AdvisorError):
    """A setting that cannot work; raised at start-up."""


class KnowledgeError(ConfigError):
    """The knowledge base is malformed."""


class ServiceError(AdvisorError):
    """A dependency failed after retries (the LLM, the vector store)."""
