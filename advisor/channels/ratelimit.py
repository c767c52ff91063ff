"""Rate limits: an in-process token bucket per client address or Teams user.

Each process keeps its own buckets, so with several workers each one limits separately (the
effective limit is the setting times the number of workers).
"""

from __future__ import annotations

import ipaddress
import json
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable

from starlette.types import ASGIApp, Receive, Scope, Send

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class TokenBucket:
    """Allow `per_minute` requests a minute per key, in bursts of up to `burst`."""

    def __init__(
        self,
        per_minute: float,
        burst: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ) -> None:
        self.per_minute = per_minute
        self.burst = max(1, burst)
        self.clock = clock
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._guard = threading.Lock()

    @property
    def enabled(self) -> bool:
        """Tell whether this limit is on (a rate of 0 turns it off)."""
        return self.per_minute > 0

    def take(self, key: str) -> float:
        """Spend one token of `key`: 0 when allowed, else the seconds until one is free."""
        if not self.enabled:
            return 0.0
        rate = self.per_minute / 60.0
        now = self.clock()
        with self._guard:
            tokens, last = self._buckets.pop(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * rate)
            if tokens >= 1.0:
                tokens -= 1.0
                wait = 0.0
            else:
                wait = (1.0 - tokens) / rate
            self._buckets[key] = (tokens, now)
            if len(self._buckets) > self.max_keys:
                # The least recently seen key goes first; it has refilled the longest.
                self._buckets.popitem(last=False)
        return wait


def parse_networks(entries: Iterable[str]) -> list[Network]:
    """Parse trusted proxy addresses or networks, such as "10.0.0.0/8" or "127.0.0.1"."""
    return [ipaddress.ip_network(entry.strip(), strict=False) for entry in entries]


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None


def _is_loopback(address: str) -> bool:
    ip = _ip(address)
    return ip is not None and ip.is_loopback


def _trusted(address: str, trusted: list[Network]) -> bool:
    ip = _ip(address)
    return ip is not None and any(ip in network for network in trusted)


def client_address(peer: str, forwarded_for: list[str], trusted: list[Network]) -> str:
    """Return the client's address: the peer, or from X-Forwarded-For when the peer is trusted.

    The chain is read from the right, skipping trusted proxies: the first address a trusted
    proxy reported is the client, whatever the client itself put further left.
    """
    if not trusted or not _trusted(peer, trusted):
        return peer
    hops = [hop.strip() for header in forwarded_for for hop in header.split(",") if hop.strip()]
    client = peer
    for hop in reversed(hops):
        if _ip(hop) is None:
            break
        client = hop
        if not _trusted(hop, trusted):
            break
    return client


def retry_after(wait: float) -> str:
    """Render a wait in whole seconds for a Retry-After header (at least 1)."""
    return str(max(1, math.ceil(wait)))


def too_many(what: str, per_minute: float, wait: float) -> str:
    """Say why a request was refused and when to try again."""
    return (
        f"too many requests: at most {per_minute:g} a minute {what}; "
        f"try again in {retry_after(wait)} s"
    )


def is_limited_path(path: str) -> bool:
    """Tell whether a path is one of the public routes limited per client address.

    The Teams endpoint and the console's APIs are among them, so a flood of forged tokens is
    refused before any is checked (a token names signing keys the server may fetch).
    """
    return path == "/" or path.startswith(("/v1/", "/console/api")) or path == "/api/messages"


class RateLimit:
    """Answer 429 to a client address over its limit on the public routes, before any work."""

    def __init__(
        self,
        app: ASGIApp,
        bucket: TokenBucket,
        trusted: list[Network],
        *,
        limit_loopback: bool = True,
    ) -> None:
        self.app = app
        self.bucket = bucket
        self.trusted = trusted
        self.limit_loopback = limit_loopback

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, or refuse it with 429 and Retry-After."""
        if (
            scope["type"] != "http"
            or not self.bucket.enabled
            or not is_limited_path(scope.get("path", ""))
        ):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        peer = str(client[0]) if client else "unknown"
        forwarded = [
            value.decode("latin-1")
            for name, value in scope.get("headers") or []
            if name == b"x-forwarded-for"
        ]
        address = client_address(peer, forwarded, self.trusted)
        if not self.limit_loopback and _is_loopback(address):
            await self.app(scope, receive, send)
            return
        wait = self.bucket.take(address)
        if wait <= 0:
            await self.app(scope, receive, send)
            return
        message = too_many("from one address", self.bucket.per_minute, wait)
        headers = [
            (b"content-type", b"application/json"),
            (b"retry-after", retry_after(wait).encode()),
        ]
        await send({"type": "http.response.start", "status": 429, "headers": headers})
        await send({"type": "http.response.body", "body": json.dumps({"error": message}).encode()})
