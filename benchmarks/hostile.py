"""Reproduce two hostile loads on a real `advisor serve` and print whether they stay flat.

Usage: python benchmarks/hostile.py [--turns 520] [--hangups 40] [--time-cap 300]

1. One long conversation: `--turns` messages to one session (past the 500-turn cap). Every 50
   turns prints the median turn time of those 50, the size of the SQLite store on disk and the
   size of `GET /v1/sessions/{id}`; then how the turns past the cap were answered.
2. A hang-up storm: `--hangups` streamed turns, each on its own session, whose client reads 1 to
   40 events (or none) and then drops the connection; then how long a brand-new conversation
   takes to answer, and how many file locks the server still holds.

Everything runs on 127.0.0.1 with the offline model; the run stops by itself at `--time-cap`.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from tests.engines import advisor_workers, vm_hwm_mb  # noqa: E402

LOOSE = [
    "hi, can you help us choose how to buy?",
    "roughly 300 people",
    "we don't really use azure",
    "nothing special",
    "a partner please",
    "actually make that 3000 seats",
    "what does a CSP partner do?",
    "ok thanks",
]


def store_mb(data_dir: Path) -> float:
    return sum(p.stat().st_size for p in data_dir.glob("sessions.sqlite*")) / 1e6


def held_locks(pid: int) -> int:
    """Count the flock locks a process holds (from /proc/locks)."""
    try:
        lines = Path("/proc/locks").read_text().splitlines()
    except OSError:
        return -1
    return sum(1 for line in lines if "FLOCK" in line and line.split()[4] == str(pid))


def long_session(client: httpx.Client, data_dir: Path, turns: int, deadline: float) -> None:
    print(f"\n1. one conversation of {turns} messages")
    print(f"{'turns':>9} {'p50 ms':>8} {'store MB':>9} {'GET kB':>7}")
    session = None
    window: list[float] = []
    past_cap: Counter[int] = Counter()
    for number in range(1, turns + 1):
        if time.monotonic() > deadline:
            print(f"time cap reached after {number - 1} turns")
            break
        body: dict[str, str] = {"message": LOOSE[number % len(LOOSE)]}
        if session:
            body["session_id"] = session
        started = time.perf_counter()
        answer = client.post("/v1/chat", json=body)
        window.append((time.perf_counter() - started) * 1000)
        if answer.status_code != 200:
            past_cap[answer.status_code] += 1
            continue
        session = answer.json()["session_id"]
        if number % 50 == 0:
            size = len(client.get(f"/v1/sessions/{session}").content) / 1000
            print(
                f"{number - 49:>4}-{number:<4} {statistics.median(window):>8.1f} "
                f"{store_mb(data_dir):>9.2f} {size:>7.0f}"
            )
            window = []
    if past_cap:
        print("answers past the cap:", dict(past_cap))


def hang_up(port: int, message: str, events: int) -> None:
    """Start a streamed turn, read `events` events, then drop the connection."""
    body = json.dumps({"message": message}).encode()
    request = (
        f"POST /v1/chat/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        seen = 0
        buffer = b""
        while seen < events:
            chunk = sock.recv(4096)
            if not chunk:
                break
            buffer += chunk
            seen = buffer.count(b"\n\n")


def storm(client: httpx.Client, port: int, pid: int, hangups: int) -> None:
    print(f"\n2. {hangups} streamed turns dropped by their clients after 0 to 40 events")
    for number in range(hangups):
        hang_up(port, "what does a CSP partner do for us?", number % 41)
    latencies = []
    statuses: Counter[int] = Counter()
    for _ in range(20):
        started = time.perf_counter()
        answer = client.post("/v1/chat", json={"message": "we have 300 seats"})
        latencies.append((time.perf_counter() - started) * 1000)
        statuses[answer.status_code] += 1
    print(
        f"then 20 new conversations: statuses {dict(statuses)}, "
        f"p50 {statistics.median(latencies):.1f} ms, max {max(latencies):.1f} ms"
    )
    time.sleep(0.5)
    print(f"file locks the server still holds: {held_locks(pid)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=520)
    parser.add_argument("--hangups", type=int, default=40)
    parser.add_argument("--time-cap", type=float, default=300)
    args = parser.parse_args()
    deadline = time.monotonic() + args.time_cap
    with tempfile.TemporaryDirectory() as root:
        env = {"ADVISOR_RATE_LIMIT_PER_MINUTE": "0"}
        with advisor_workers(1, env, Path(root)) as started:
            url, process = started[0]
            port = int(url.rsplit(":", 1)[1])
            data_dir = Path(root) / "worker-0"
            with httpx.Client(base_url=url, timeout=60) as client:
                long_session(client, data_dir, args.turns, deadline)
                storm(client, port, process.pid, args.hangups)
            print(f"\nserver peak memory (VmHWM): {vm_hwm_mb(process.pid):.0f} MB")


if __name__ == "__main__":
    main()
