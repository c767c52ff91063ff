"""HTTP status codes for the advisor's errors, shared by every channel that reports one."""

from __future__ import annotations

from advisor.errors import (
    AdvisorError,
    ConfigError,
    ConflictError,
    ConversationFullError,
    NotFoundError,
    ServiceError,
    TooLargeError,
    UserError,
)

# Most specific first: the first class an error is an instance of decides its status.
_STATUSES: tuple[tuple[type[AdvisorError], int], ...] = (
    (NotFoundError, 404),
    (TooLargeError, 413),
    (ConversationFullError, 409),
    (ConflictError, 409),
    (UserError, 422),
    (ServiceError, 503),
    (ConfigError, 500),
)


def http_status(exc: AdvisorError) -> int:
    """Return the HTTP status that reports `exc` to a client."""
    for kind, status in _STATUSES:
        if isinstance(exc, kind):
            return status
    return 500
