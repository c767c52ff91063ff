"""Benchmark the HTTP service on loopback: index build, route latencies, chat throughput, memory.

Usage: python benchmarks/service.py [--requests 300] [--conversations 16] [--workers 1]
                                   [--rounds 3]

Starts `advisor serve` in its own process with a fresh data directory, measures, and prints
figures. Every request goes to 127.0.0.1; loops are bounded in count. Route latencies are taken
one request at a time with httpx. The throughput run's customers are threads of this process
using the standard library's http.client, which costs the two CPUs the server runs on about a
tenth of what httpx does; the CPU time they used is printed beside the figure.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import yaml

from advisor.domain.schemas import ChatTurn, Profile
from advisor.evaluation.simulator import answer_slot
from advisor.resources import data_path

PROFILES = [
    Profile(special_terms=[], self_service=False, seats=300, azure_annual_usd=50_000),
    Profile(special_terms=[], self_service=False, seats=5_000, azure_annual_usd=0),
    Profile(special_terms=["multi_affiliate"]),
    Profile(special_terms=[], self_service=True),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def timed(call: Callable[[], httpx.Response], n: int) -> list[float]:
    call()  # warm up the route
    out = []
    for _ in range(n):
        start = time.perf_counter()
        response = call()
        out.append((time.perf_counter() - start) * 1000)
        response.raise_for_status()
    return out


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def server_memory(pid: int) -> str:
    """Return the peak memory of the server process and of each of its workers."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    workers = [int(p) for p in children.read_text().split()] if children.exists() else []
    figures = [f"{peak_rss_mb(p):.0f} MB" for p in [pid, *workers]]
    return figures[0] + (f" (workers: {', '.join(figures[1:])})" if workers else "")


def conversation(client: httpx.Client, profile: Profile, lang: str, latencies: list[float]) -> int:
    session = None
    message = "Hello" if lang == "en" else "こんにちは"
    turns = 0
    for _ in range(8):
        body = (
            {"message": message} if session is None else {"message": message, "session_id": session}
        )
        start = time.perf_counter()
        response = client.post("/v1/chat", json=body)
        latencies.append((time.perf_counter() - start) * 1000)
        response.raise_for_status()
        turn = ChatTurn.model_validate(response.json())
        turns += 1
        session = turn.session_id
        if turn.question is None:
            return turns
        message = answer_slot(turn.question.slot, profile, lang)  # type: ignore[arg-type]
    return turns


def light_conversation(
    conn: http.client.HTTPConnection, profile: Profile, lang: str, latencies: list[float]
) -> int:
    """Run one conversation as `conversation` does, over a plain keep-alive connection."""
    session = None
    message = "Hello" if lang == "en" else "こんにちは"
    for turns in range(1, 9):
        body = {"message": message, **({"session_id": session} if session else {})}
        start = time.perf_counter()
        conn.request("POST", "/v1/chat", json.dumps(body), {"Content-Type": "application/json"})
        response = conn.getresponse()
        data = response.read()
        latencies.append((time.perf_counter() - start) * 1000)
        if response.status != 200:
            raise RuntimeError(f"POST /v1/chat answered {response.status}: {data[:200]!r}")
        turn = ChatTurn.model_validate_json(data)
        session = turn.session_id
        if turn.question is None:
            return turns
        message = answer_slot(turn.question.slot, profile, lang)  # type: ignore[arg-type]
    return turns


def throughput(port: int, conversations: int) -> tuple[int, float, list[float], int, float]:
    """Run `conversations` customers at once, six conversations each, over keep-alive.

    Returns the turns answered, the seconds taken, each turn's latency, the customers that met
    an error (a failed request or a dropped connection ends that customer's run) and the CPU
    time the customers used.
    """
    total_turns = 0
    errors = 0
    lock = threading.Lock()
    latencies: list[float] = []

    def customer(i: int) -> None:
        nonlocal total_turns, errors
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        try:
            for j in range(6):
                seen: list[float] = []
                turns = light_conversation(conn, PROFILES[(i + j) % len(PROFILES)], "en", seen)
                with lock:
                    total_turns += turns
                    latencies.extend(seen)
        except (OSError, RuntimeError, http.client.HTTPException) as exc:
            with lock:
                errors += 1
            print(f"customer {i}: {type(exc).__name__}: {exc}", file=sys.stderr)
        finally:
            conn.close()

    start, cpu = time.perf_counter(), time.process_time()
    threads = [threading.Thread(target=customer, args=(i,)) for i in range(conversations)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    return total_turns, elapsed, latencies, errors, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--conversations", type=int, default=16)
    parser.add_argument("--workers", type=int, default=1, help="advisor serve --workers")
    parser.add_argument(
        "--rounds", type=int, default=3, help="throughput runs, each of 16 customers by default"
    )
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="advisor-bench-"))
    env = {**os.environ, "ADVISOR_DATA_DIR": str(data_dir)}
    start = time.perf_counter()
    index = subprocess.run(
        [sys.executable, "-m", "advisor", "index", "--rebuild"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    print(
        f"index build: {index.stdout.strip()} ({(time.perf_counter() - start):.2f} s wall, with interpreter start)"
    )

    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            *("-m", "advisor", "serve", "--port", str(port), "--workers", str(args.workers)),
        ],
        env={**env, "ADVISOR_RATE_LIMIT_PER_MINUTE": "0"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=60) as client:
            for _ in range(600):
                try:
                    if client.get("/healthz").status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            # every worker answers a turn before anything is timed
            for _ in range(4 * args.workers):
                client.post("/v1/chat", json={"message": "Hello"}).raise_for_status()
            n = args.requests
            cases = yaml.safe_load(
                (data_path("evals/cases") / "ask.yaml").read_text(encoding="utf-8")
            )
            questions = itertools.cycle([case["question"] for case in cases])
            profile = {
                "seats": 300,
                "azure_annual_usd": 50_000,
                "special_terms": [],
                "self_service": False,
            }
            results = {
                "GET /healthz": timed(lambda: client.get("/healthz"), n),
                "POST /v1/classify": timed(lambda: client.post("/v1/classify", json=profile), n),
                "POST /v1/ask": timed(
                    lambda: client.post("/v1/ask", json={"question": next(questions)}), n
                ),
            }
            chat_latencies: list[float] = []
            for i in range(max(4, n // 20)):
                conversation(
                    client, PROFILES[i % len(PROFILES)], "en" if i % 2 else "ja", chat_latencies
                )
            results["POST /v1/chat (one turn)"] = chat_latencies

        base_p50 = statistics.median(results["GET /healthz"])
        print(f"\n{'route':28} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'p50 / healthz p50':>18}")
        for route, values in results.items():
            p50, p95 = statistics.median(values), percentile(values, 0.95)
            print(f"{route:28} {len(values):5d} {p50:8.2f} {p95:8.2f} {p50 / base_p50:17.1f}x")

        rounds = [throughput(port, args.conversations) for _ in range(args.rounds)]
        for n, (turns, elapsed, latencies, errors, cpu) in enumerate(rounds, start=1):
            print(
                f"\n{args.conversations} conversations at once, {args.workers} worker(s), "
                f"round {n}: {turns} turns in {elapsed:.2f} s = {turns / elapsed:.1f} turns/s; "
                f"turn p50 {statistics.median(latencies):.1f} ms, "
                f"p95 {percentile(latencies, 0.95):.1f} ms; {errors} errors; "
                f"load generator CPU {cpu:.2f} s"
            )
        rates = [turns / elapsed for turns, elapsed, *_ in rounds]
        print(
            f"\nturns/s over {len(rounds)} rounds: median {statistics.median(rates):.1f} "
            f"(min {min(rates):.1f}, max {max(rates):.1f}); "
            f"errors {sum(r[3] for r in rounds)}"
        )
        print(f"server peak memory (VmHWM): {server_memory(server.pid)}")
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
