"""Real PostgreSQL and Chroma servers on loopback, for the scale-out tests and the load benchmark.

PostgreSQL is Debian's package (`apt-get install -y postgresql`): a throwaway cluster is made
with `initdb` in a temporary folder and run on a free port. Postgres refuses to run as root, so
as root both run as the `postgres` user. Chroma is the `chroma run` server of the chromadb
package.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from tests.servers import free_port, wait_healthy


class PostgresMissing(RuntimeError):
    """PostgreSQL's server binaries are not installed."""


def postgres_bindir() -> Path | None:
    """Return the newest /usr/lib/postgresql/<version>/bin holding initdb and postgres."""
    found = [
        path
        for path in Path("/usr/lib/postgresql").glob("*/bin")
        if (path / "initdb").is_file() and (path / "postgres").is_file()
    ]
    numbers = [int(m.group()) if (m := re.match(r"\d+", p.parent.name)) else 0 for p in found]
    return max(zip(numbers, found, strict=True))[1] if found else None


def _as_postgres() -> dict[str, Any]:
    """Return Popen arguments that drop root to the postgres user; nothing when not root."""
    if os.geteuid() != 0:
        return {}
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        raise PostgresMissing("there is no postgres user to run the server as") from None
    return {"user": "postgres", "group": "postgres", "extra_groups": []}


def _stop(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


@contextmanager
def postgres_server(database: str = "advisor") -> Iterator[str]:
    """Run a throwaway PostgreSQL cluster on a loopback port; yield a URL to a new database."""
    bindir = postgres_bindir()
    if bindir is None:
        raise PostgresMissing("PostgreSQL is not installed (apt-get install -y postgresql)")
    user = _as_postgres()
    # not under pytest's tmp_path: its parents are private to root, and postgres must enter it
    root = Path(tempfile.mkdtemp(prefix="advisor-pg-"))
    try:
        if user:
            shutil.chown(root, "postgres", "postgres")
        subprocess.run(
            [str(bindir / "initdb"), "-D", str(root / "data"), "-U", "advisor", "-A", "trust"]
            + ["-E", "UTF8", "--locale=C", "--no-sync"],
            check=True,
            capture_output=True,
            **user,
        )
        port = free_port()
        log_path = root / "postgres.log"
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                [str(bindir / "postgres"), "-D", str(root / "data"), "-k", str(root)]
                + ["-p", str(port), "-h", "127.0.0.1", "-c", "max_connections=200"]
                # a throwaway cluster: durability is not worth the time
                + ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"],
                stdout=log,
                stderr=subprocess.STDOUT,
                **user,
            )
        try:
            admin = f"postgresql://advisor@127.0.0.1:{port}/postgres"
            _wait_for_postgres(admin, process, log_path)
            import psycopg

            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{database}"')
            yield f"postgresql://advisor@127.0.0.1:{port}/{database}"
        finally:
            _stop(process, signal.SIGINT)  # fast shutdown: ends the clients' sessions
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _wait_for_postgres(url: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    import psycopg

    deadline = time.monotonic() + 30
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"postgres exited: {log_path.read_text(errors='replace')[-2000:]}")
        try:
            with psycopg.connect(url, connect_timeout=2):
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def chroma_command() -> list[str]:
    """Return the command that runs the chromadb package's `chroma` CLI."""
    beside = Path(sys.executable).parent / "chroma"
    if beside.is_file():
        return [str(beside)]
    return [sys.executable, "-c", "import sys; from chromadb.cli.cli import app; app()"]


@contextmanager
def chroma_server(folder: Path) -> Iterator[tuple[str, int]]:
    """Run `chroma run` on a loopback port with its data in `folder`; yield (host, port)."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log_path = folder / "chroma.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [*chroma_command(), "run", "--path", str(folder / "db")]
            + ["--host", "127.0.0.1", "--port", str(port)],
            env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"chroma exited: {log_path.read_text(errors='replace')[-2000:]}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1).is_success:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the Chroma server did not start")
            time.sleep(0.1)
        yield "127.0.0.1", port
    finally:
        _stop(process)


def vm_hwm_mb(pid: int) -> float:
    """Return a process's peak resident memory (VmHWM) in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@contextmanager
def advisor_workers(
    count: int, env: dict[str, str], root: Path
) -> Iterator[list[tuple[str, subprocess.Popen[bytes]]]]:
    """Start `count` `advisor serve` processes at once, as a deployment would; yield (URL, process)."""
    started: list[tuple[str, subprocess.Popen[bytes], Path]] = []
    try:
        for number in range(count):
            port = free_port()
            data_dir = root / f"worker-{number}"
            data_dir.mkdir(parents=True, exist_ok=True)
            log_path = root / f"worker-{number}.log"
            with open(log_path, "wb") as log:
                process = subprocess.Popen(
                    [sys.executable, "-m", "advisor", "serve", "--port", str(port)],
                    env={**os.environ, "ADVISOR_DATA_DIR": str(data_dir), **env},
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            started.append((f"http://127.0.0.1:{port}", process, log_path))
        for url, process, log_path in started:
            wait_healthy(url, process, log_path)
        yield [(url, process) for url, process, _ in started]
    finally:
        for _, process, _ in started:
            _stop(process)
