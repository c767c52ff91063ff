"""Connection deadlines for `advisor serve`: a client must send its request at a working pace.

uvicorn closes a connection idle between requests, but waits for ever on a request that
trickles in: a client sending one header byte a minute, or a body that stops halfway, would hold
a connection and a slot for good. This h11 protocol adds two deadlines: the request line and
headers must arrive within `head_s` of the connection (or of the previous response), and the
body within `body_s` of the headers. A client that misses one is disconnected; a handler still
reading the body sees the disconnect, as for a client that hung up.
"""

from __future__ import annotations

import asyncio
from functools import cache
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from advisor.config import get_settings


class DeadlineProtocol(H11Protocol):
    """uvicorn's h11 protocol with deadlines for a request's head and for its body."""

    _deadline: asyncio.TimerHandle | None = None
    _waiting_for: str | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # ADVISOR_HTTP_HEAD_TIMEOUT_S and _BODY_TIMEOUT_S: uvicorn's workers import the class by
        # name, so it reads them itself
        self.head_s, self.body_s = _deadlines()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Start the clock for the first request's head."""
        super().connection_made(transport)
        self._expect("head")

    def connection_lost(self, exc: Exception | None) -> None:
        """Stop the clock: the client has gone."""
        self._cancel()
        super().connection_lost(exc)

    def handle_events(self) -> None:
        """Read what arrived, then move the clock on: from head to body, or stop it."""
        super().handle_events()
        state = self.conn.their_state
        if self._waiting_for == "head" and state is h11.SEND_BODY:
            self._expect("body")
        elif self._waiting_for is not None and state in (h11.DONE, h11.MUST_CLOSE, h11.CLOSED):
            self._cancel()

    def on_response_complete(self) -> None:
        """Start the clock again for the next request on this connection."""
        super().on_response_complete()
        if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
            self._expect("head")  # the next request on this connection

    def _expect(self, part: str) -> None:
        self._cancel()
        seconds = self.head_s if part == "head" else self.body_s
        self._waiting_for = part
        self._deadline = self.loop.call_later(seconds, self._too_slow)

    def _cancel(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        self._deadline, self._waiting_for = None, None

    def _too_slow(self) -> None:
        part, self._deadline, self._waiting_for = self._waiting_for, None, None
        if self.transport.is_closing():
            return
        self.logger.info("closing a connection whose request %s came too slowly", part)
        if self.cycle is not None and not self.cycle.response_complete:
            self.cycle.disconnected = True
            self.cycle.message_event.set()
        self.transport.close()


@cache
def _deadlines() -> tuple[float, float]:
    settings = get_settings()
    return settings.http_head_timeout_s, settings.http_body_timeout_s
