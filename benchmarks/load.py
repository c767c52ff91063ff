"""Load-test the advisor with many simulated customers at once, embedded and scaled out.

Usage: python benchmarks/load.py [--concurrency 32] [--conversations 400] [--time-cap 60]
                                 [--setup embedded|postgres|both] [--workers 2]

Set-ups:
  embedded   one `advisor serve` with the defaults: SQLite conversations, embedded Chroma
  postgres   a throwaway PostgreSQL cluster (Debian's package) and a `chroma run` server, with
             `--workers` `advisor serve` processes; turns go to the workers in turn, as a
             round-robin load balancer would send them, so one conversation crosses workers

Each simulated customer opens in English or Japanese, answers whatever the advisor asks from a
profile (advisor.evaluation.simulator.answer_slot) until it recommends, and checks the recommendation
against the policy. Every request goes to 127.0.0.1. The run stops by itself after
`--conversations` conversations or `--time-cap` seconds, whichever comes first.

Prints per set-up: turn latency p50/p95/p99, throughput, errors by HTTP status (or exception),
recommendations that disagree with the policy, and each server process's peak memory (VmHWM).
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from advisor.domain.policy import classify  # noqa: E402
from advisor.domain.schemas import ChatTurn, Lang, Profile  # noqa: E402
from advisor.evaluation.simulator import answer_slot  # noqa: E402
from tests.engines import (  # noqa: E402
    advisor_workers,
    chroma_server,
    postgres_server,
    vm_hwm_mb,
)

PROFILES = [
    Profile(special_terms=[], self_service=False, seats=300, azure_annual_usd=50_000),
    Profile(special_terms=[], self_service=False, seats=5_000, azure_annual_usd=0),
    Profile(special_terms=[], self_service=False, seats=2_400, azure_annual_usd=1_000_000),
    Profile(special_terms=[], self_service=False, seats=100, azure_annual_usd=1_000_000.01),
    Profile(special_terms=["multi_affiliate"]),
    Profile(special_terms=["multi_tenant", "dual_use_rights"]),
    Profile(special_terms=[], self_service=True),
]
OPENINGS: dict[Lang, list[str]] = {
    "en": ["Hello", "Hi, we're looking at Microsoft 365", "Which way should we buy Azure?"],
    "ja": ["こんにちは", "Microsoft 365 を検討しています", "Azure の購入方法を相談したいです"],
}
MAX_TURNS = 8
# the advisor's own per-client rate limit would throttle one load generator on loopback
SERVER_ENV = {"ADVISOR_RATE_LIMIT_PER_MINUTE": "0"}


@dataclass
class Tally:
    """What the simulated customers saw, gathered across threads."""

    latencies_ms: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    conversations: int = 0
    decided: int = 0
    disagreed: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


class RoundRobin:
    """Hand out the workers' URLs in turn, as a round-robin load balancer does per request."""

    def __init__(self, urls: list[str]) -> None:
        self._urls = itertools.cycle(urls)
        self._lock = threading.Lock()

    def next(self) -> str:
        with self._lock:
            return next(self._urls)


def conversation(
    clients: dict[str, httpx.Client],
    balancer: RoundRobin,
    number: int,
    tally: Tally,
    deadline: float,
) -> None:
    """Hold one conversation to its recommendation, one turn per request."""
    profile = PROFILES[number % len(PROFILES)]
    lang: Lang = "ja" if number % 2 else "en"
    message = OPENINGS[lang][number % len(OPENINGS[lang])]
    session_id: str | None = None
    latencies: list[float] = []
    error: str | None = None
    turn: ChatTurn | None = None
    for _ in range(MAX_TURNS):
        if time.monotonic() > deadline:
            break
        body: dict[str, Any] = {"message": message}
        if session_id is not None:
            body["session_id"] = session_id
        start = time.perf_counter()
        try:
            response = clients[balancer.next()].post("/v1/chat", json=body)
        except httpx.HTTPError as exc:
            error = type(exc).__name__
            break
        latencies.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            error = str(response.status_code)
            break
        turn = ChatTurn.model_validate(response.json())
        session_id = turn.session_id
        if turn.question is None:
            break
        message = answer_slot(turn.question.slot, profile, lang)
    decided = turn is not None and turn.question is None and turn.recommendation is not None
    agrees = (
        decided
        and turn is not None
        and turn.recommendation is not None
        and turn.recommendation.motion == classify(profile, lang).motion
    )
    with tally.lock:
        tally.latencies_ms.extend(latencies)
        tally.conversations += 1
        tally.decided += decided
        tally.disagreed += decided and not agrees
        if error is not None:
            tally.errors[error] += 1


def drive(
    urls: list[str], concurrency: int, conversations: int, time_cap: float
) -> tuple[Tally, float]:
    """Run the simulated customers against the workers; return the tally and the wall time."""
    balancer = RoundRobin(urls)
    numbers = itertools.count()
    numbers_lock = threading.Lock()
    tally = Tally()
    deadline = time.monotonic() + time_cap

    def customer() -> None:
        clients = {url: httpx.Client(base_url=url, timeout=30) for url in urls}
        try:
            while time.monotonic() < deadline:
                with numbers_lock:
                    number = next(numbers)
                if number >= conversations:
                    return
                conversation(clients, balancer, number, tally, deadline)
        finally:
            for client in clients.values():
                client.close()

    # one conversation per worker first, so start-up costs are not measured
    warm = Tally()
    for offset, url in enumerate(urls):
        with httpx.Client(base_url=url, timeout=30) as client:
            conversation({url: client}, RoundRobin([url]), offset, warm, deadline)

    start = time.perf_counter()
    threads = [threading.Thread(target=customer) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tally, time.perf_counter() - start


@contextmanager
def embedded(root: Path) -> Iterator[list[tuple[str, Any]]]:
    """One worker with the defaults: SQLite and embedded Chroma in its data dir."""
    with advisor_workers(1, SERVER_ENV, root) as workers:
        yield workers


@contextmanager
def scaled_out(root: Path, count: int) -> Iterator[list[tuple[str, Any]]]:
    """PostgreSQL and a Chroma server, with `count` workers sharing them."""
    with ExitStack() as stack:
        url = stack.enter_context(postgres_server())
        host, port = stack.enter_context(chroma_server(root / "chroma"))
        env = {
            **SERVER_ENV,
            "ADVISOR_DATABASE_URL": url,
            "CHROMA_HOST": host,
            "CHROMA_PORT": str(port),
        }
        yield stack.enter_context(advisor_workers(count, env, root / "workers"))


def report(name: str, workers: list[tuple[str, Any]], tally: Tally, seconds: float) -> None:
    lat = tally.latencies_ms
    turns = len(lat)
    peaks = ", ".join(f"{vm_hwm_mb(process.pid):.0f}" for _, process in workers)
    errors = ", ".join(f"{k}: {v}" for k, v in sorted(tally.errors.items())) or "none"
    print(f"\n== {name}: {len(workers)} worker(s)")
    cut = tally.conversations - tally.decided - sum(tally.errors.values())
    print(
        f"conversations {tally.conversations} ({tally.decided} decided, "
        f"{tally.disagreed} disagreeing with the policy, {cut} unfinished at the time cap), "
        f"turns {turns} in {seconds:.1f} s = {turns / seconds:.1f} turns/s"
    )
    if lat:
        print(
            f"turn latency ms: p50 {statistics.median(lat):.1f}  p95 {percentile(lat, 0.95):.1f}  "
            f"p99 {percentile(lat, 0.99):.1f}  max {max(lat):.1f}"
        )
    print(f"errors by status: {errors}")
    print(f"peak memory (VmHWM) per worker, MB: {peaks}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=32, help="customers at once")
    parser.add_argument("--conversations", type=int, default=400, help="conversations in all")
    parser.add_argument("--time-cap", type=float, default=60, help="seconds per set-up, at most")
    parser.add_argument("--setup", choices=["embedded", "postgres", "both"], default="both")
    parser.add_argument("--workers", type=int, default=2, help="workers in the postgres set-up")
    args = parser.parse_args()
    if not (1 <= args.concurrency <= 512 and 1 <= args.conversations <= 100_000):
        parser.error("--concurrency must be 1..512 and --conversations 1..100000")
    if not (0 < args.time_cap <= 3600 and 1 <= args.workers <= 16):
        parser.error("--time-cap must be in (0, 3600] and --workers 1..16")

    print(
        f"{time.strftime('%Y-%m-%d %H:%M')} on {platform.node()}: {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}; {args.concurrency} customers at once, "
        f"up to {args.conversations} conversations or {args.time_cap:g} s per set-up"
    )
    setups = ["embedded", "postgres"] if args.setup == "both" else [args.setup]
    for name in setups:
        with tempfile.TemporaryDirectory(prefix=f"advisor-load-{name}-") as tmp:
            root = Path(tmp)
            opened = embedded(root) if name == "embedded" else scaled_out(root, args.workers)
            with opened as workers:
                urls = [url for url, _ in workers]
                tally, seconds = drive(urls, args.concurrency, args.conversations, args.time_cap)
                label = (
                    "embedded (SQLite + embedded Chroma)"
                    if name == "embedded"
                    else "postgres (PostgreSQL + Chroma server, round robin)"
                )
                report(label, workers, tally, seconds)


if __name__ == "__main__":
    main()
