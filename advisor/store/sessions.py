"""The conversation store: a LangGraph checkpointer, SQLite by default, Postgres for scale.

Also the per-session lock that keeps one conversation's turns in order: a turn reads the
conversation, runs the agent and writes it back, so two turns of one session must not overlap,
whether they reach one process or two processes sharing the store.
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langgraph.checkpoint.base import BaseCheckpointSaver

from advisor.config import Settings
from advisor.errors import ConfigError, ServiceError, UserError

if TYPE_CHECKING:
    from psycopg import Connection
    from psycopg_pool import ConnectionPool

log = logging.getLogger(__name__)

_SESSION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}")
_IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9_.:-]{1,128}")
# a key that opens a conversation names it, so it must be too long to guess
NEW_SESSION_KEY_CHARS = 16
_PASSWORD = re.compile(r"(://[^:/@\s]*):[^@\s]*@")

# How long a turn waits for an earlier turn of the same session before giving up.
LOCK_WAIT_S = 120.0
# SQLite: sessions share this many lock files; two sessions in one file only wait for each other.
LOCK_FILES = 256
# Postgres: seconds to open a connection, and to wait for a free one in a pool.
CONNECT_TIMEOUT_S = 5
POOL_WAIT_S = 30.0
# Postgres advisory locks take two int4 keys; the first one says they are ours.
_ADVISORY_SESSION = 0x4D41_0001
ADVISORY_SETUP = 0x4D41_0002


def check_session_id(session_id: str) -> str:
    """Return a well-formed session id, or raise a UserError naming what is allowed."""
    if not isinstance(session_id, str) or not _SESSION_ID.fullmatch(session_id):
        raise UserError(
            "session_id: must be 1 to 128 letters, digits, '_', '-', '.' or ':'",
            field="session_id",
        )
    return session_id


def check_idempotency_key(key: object, *, opens_session: bool) -> str | None:
    """Return a well-formed idempotency key (or None), or raise a UserError saying why not."""
    if key is None:
        return None
    if not isinstance(key, str) or not _IDEMPOTENCY_KEY.fullmatch(key):
        raise UserError(
            "Idempotency-Key: must be 1 to 128 letters, digits, '_', '-', '.' or ':'",
            field="idempotency_key",
        )
    if opens_session and len(key) < NEW_SESSION_KEY_CHARS:
        raise UserError(
            f"Idempotency-Key: must be at least {NEW_SESSION_KEY_CHARS} characters when it "
            "opens a conversation (a random UUID is best)",
            field="idempotency_key",
        )
    return key


def prepare_data_dir(path: Path) -> Path:
    """Create the data directory and check it is writable, with a clear error if not."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".write-check"
        probe.write_text("ok", encoding="utf-8")
        probe.unlink()
    except OSError as exc:
        raise ConfigError(
            f"ADVISOR_DATA_DIR {path} is not a writable directory ({exc.strerror or exc})"
        ) from None
    return path


def make_checkpointer(settings: Settings) -> BaseCheckpointSaver[Any]:
    """Open the configured conversation store."""
    if settings.database_url:
        return _postgres_saver(_postgres_url(settings.database_url), settings.database_pool_size)
    from advisor.store.retention import ErasingSqliteSaver

    path = prepare_data_dir(settings.data_dir) / "sessions.sqlite"
    try:
        conn = sqlite3.connect(path, check_same_thread=False, timeout=30)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        # an erased conversation is overwritten with zeros, not left in free pages
        conn.execute("PRAGMA secure_delete=ON")
        saver = ErasingSqliteSaver(conn)
        saver.setup()
    except sqlite3.DatabaseError as exc:
        raise ConfigError(f"the conversation store {path} cannot be opened: {exc}") from None
    return saver


def make_session_lock(settings: Settings, *, wait_s: float = LOCK_WAIT_S) -> SessionLocks:
    """Return the lock that serialises each session's turns for the configured store."""
    if settings.database_url:
        url = _postgres_url(settings.database_url)
        return PostgresSessionLocks(url, settings.database_pool_size, wait_s=wait_s)
    return FileSessionLocks(settings.data_dir / "locks", wait_s=wait_s)


class SessionLocks:
    """One lock per session within this process; `with locks(session_id):` holds it."""

    def __init__(self, *, wait_s: float = LOCK_WAIT_S) -> None:
        self.wait_s = wait_s
        # a session's lock lives while some turn holds or waits for it, so the map stays small
        self._local: dict[str, tuple[threading.Lock, int]] = {}
        self._guard = threading.Lock()

    @contextmanager
    def __call__(self, session_id: str) -> Iterator[None]:
        """Hold the session's lock, waiting up to `wait_s` for a turn that holds it."""
        deadline = time.monotonic() + self.wait_s
        with self._guard:
            lock, users = self._local.get(session_id, (threading.Lock(), 0))
            self._local[session_id] = (lock, users + 1)
        try:
            if not lock.acquire(timeout=self.wait_s):
                raise _busy()
            try:
                with self._shared(session_id, deadline):
                    yield
            finally:
                lock.release()
        finally:
            with self._guard:
                lock, users = self._local[session_id]
                if users == 1:
                    del self._local[session_id]
                else:
                    self._local[session_id] = (lock, users - 1)

    def _shared(self, session_id: str, deadline: float) -> Any:
        """Hold the session's lock across processes too; nothing to do within one process."""
        return nullcontext()

    def close(self) -> None:
        """Release what the locks hold open."""


class FileSessionLocks(SessionLocks):
    """Session locks for the SQLite store, shared by every process that uses its data dir.

    `flock` belongs to an open file, not to a process, so it orders threads and processes alike,
    and the system drops it when a process dies.
    """

    def __init__(self, folder: Path, *, wait_s: float = LOCK_WAIT_S) -> None:
        super().__init__(wait_s=wait_s)
        self.folder = folder

    @contextmanager
    def _shared(self, session_id: str, deadline: float) -> Iterator[None]:
        try:
            import fcntl
        except ImportError:  # not a POSIX system: one process per data dir
            yield
            return
        bucket = zlib.crc32(session_id.encode()) % LOCK_FILES
        path = self.folder / f"{bucket:03d}.lock"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise ConfigError(
                f"ADVISOR_DATA_DIR: cannot open the session lock {path} ({exc.strerror or exc})"
            ) from None
        try:
            pause = 0.001
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    # another process holds it: turns are short, so poll rather than block a
                    # thread that could not then be given up on
                    if time.monotonic() >= deadline:
                        raise _busy() from None
                    time.sleep(pause)
                    pause = min(2 * pause, 0.05)
            yield
        finally:
            os.close(fd)  # closing the file releases the lock


class PostgresSessionLocks(SessionLocks):
    """Session locks for the Postgres store: `pg_advisory_lock` on a connection held per turn.

    The connections come from their own pool, never the store's, so a turn waiting for a lock
    cannot starve the turn that holds it; Postgres drops the lock if the holder's process dies.
    """

    def __init__(self, url: str, pool_size: int, *, wait_s: float = LOCK_WAIT_S) -> None:
        super().__init__(wait_s=wait_s)
        _, pool_class = _postgres_modules()
        where = _where(url)

        def configure(conn: Connection[Any]) -> None:
            conn.execute("SELECT set_config('lock_timeout', %s, false)", (f"{int(wait_s * 1000)}",))

        def reset(conn: Connection[Any]) -> None:
            conn.execute("SELECT pg_advisory_unlock_all()")

        _probe(url, where)
        self._pool: ConnectionPool[Any] = pool_class(
            url,
            name="advisor-session-locks",
            min_size=1,
            max_size=pool_size,
            kwargs={"autocommit": True, **_connect_options(url)},
            configure=configure,
            reset=reset,
            check=pool_class.check_connection,
            timeout=POOL_WAIT_S,
            open=True,
        )
        self._where = where

    @contextmanager
    def _shared(self, session_id: str, deadline: float) -> Iterator[None]:
        import psycopg
        from psycopg.errors import LockNotAvailable
        from psycopg_pool import PoolTimeout

        key = (_ADVISORY_SESSION, session_id)
        try:
            with self._pool.connection() as conn:
                try:
                    conn.execute("SELECT pg_advisory_lock(%s, hashtext(%s))", key)
                except LockNotAvailable:
                    raise _busy() from None
                except psycopg.Error as exc:
                    raise self._unreachable(exc) from None
                try:
                    yield
                finally:
                    try:
                        conn.execute("SELECT pg_advisory_unlock(%s, hashtext(%s))", key)
                    except psycopg.Error as exc:
                        # the lock ends with the connection, so make sure the connection ends
                        log.warning("session lock not released (%s); closing its connection", exc)
                        conn.close()
        except PoolTimeout:
            raise ServiceError(
                "the advisor is answering too many conversations at once; try again in a moment"
            ) from None

    def _unreachable(self, exc: Exception) -> ServiceError:
        return ServiceError(f"the conversation store at {self._where} failed: {_first_line(exc)}")

    def close(self) -> None:
        """Close the lock connections."""
        self._pool.close()


def _busy() -> ServiceError:
    return ServiceError(
        "session_id: another message in this conversation is still being answered; "
        "try again when it is done"
    )


def _postgres_modules() -> tuple[Any, Any]:
    try:
        import psycopg
        from psycopg_pool import ConnectionPool
    except ImportError:
        raise ConfigError(
            "ADVISOR_DATABASE_URL needs the postgres extra: pip install 'motion-advisor[postgres]'"
        ) from None
    return psycopg, ConnectionPool


def _postgres_url(url: str) -> str:
    """Return a usable postgresql:// URL, or raise a ConfigError saying what is wrong with it."""
    if not url.startswith(("postgres://", "postgresql://")):
        raise ConfigError(
            f"ADVISOR_DATABASE_URL must be a postgresql:// URL, not {url.split(':')[0]!r}"
        )
    _postgres_modules()
    from psycopg.conninfo import conninfo_to_dict

    try:
        conninfo_to_dict(url)
    except Exception as exc:
        raise ConfigError(
            f"ADVISOR_DATABASE_URL is not a valid postgresql:// URL: {_first_line(exc, url)}"
        ) from None
    return url


def _connect_options(url: str) -> dict[str, Any]:
    from psycopg.conninfo import conninfo_to_dict

    given = conninfo_to_dict(url)
    return {} if "connect_timeout" in given else {"connect_timeout": CONNECT_TIMEOUT_S}


def _where(url: str) -> str:
    """Name the server and database of a URL, leaving out the credentials."""
    from psycopg.conninfo import conninfo_to_dict

    info = conninfo_to_dict(url)
    host = str(info.get("host") or info.get("hostaddr") or "localhost")
    return f"{host}:{info.get('port') or 5432}/{info.get('dbname') or info.get('user') or ''}"


def _first_line(exc: BaseException, url: str | None = None) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if url:
        text = text.replace(url, _PASSWORD.sub(r"\1:***@", url))
    return _PASSWORD.sub(r"\1:***@", text)


def _probe(url: str, where: str) -> None:
    """Connect once, so a wrong URL or a server that is down fails now, in one sentence."""
    import psycopg

    try:
        with psycopg.connect(url, autocommit=True, **_connect_options(url)):
            pass
    except psycopg.Error as exc:
        raise ConfigError(
            f"ADVISOR_DATABASE_URL: cannot connect to the conversation store at {where} "
            f"({_first_line(exc, url)})"
        ) from None


def _wait_for_setup_lock(conn: Any, where: str) -> None:
    # Polled, not waited for in one statement: the migrations create an index CONCURRENTLY,
    # which waits for every open transaction, so a worker blocked in pg_advisory_lock would
    # deadlock with the one holding it.
    deadline = time.monotonic() + LOCK_WAIT_S
    while True:
        row = conn.execute("SELECT pg_try_advisory_lock(%s, 0) AS locked", (ADVISORY_SETUP,))
        if row.fetchone()["locked"]:
            return
        if time.monotonic() > deadline:
            raise ConfigError(
                f"ADVISOR_DATABASE_URL: the conversation store at {where} stayed locked by "
                "another worker setting it up"
            )
        time.sleep(0.05)


def _postgres_saver(url: str, pool_size: int) -> BaseCheckpointSaver[Any]:
    psycopg, pool_class = _postgres_modules()
    from langgraph.checkpoint.postgres import PostgresSaver
    from psycopg.rows import dict_row

    where = _where(url)
    options = {"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row}
    _probe(url, where)
    try:
        with psycopg.connect(url, **options, **_connect_options(url)) as conn:
            # workers starting together would race to create the tables: one at a time
            _wait_for_setup_lock(conn, where)
            PostgresSaver(conn).setup()
    except psycopg.Error as exc:
        raise ConfigError(
            f"ADVISOR_DATABASE_URL: cannot set up the conversation store at {where} "
            f"({_first_line(exc, url)})"
        ) from None
    pool: ConnectionPool[Any] = pool_class(
        url,
        name="advisor-store",
        min_size=1,
        max_size=pool_size,
        kwargs={**options, **_connect_options(url)},
        check=pool_class.check_connection,
        timeout=POOL_WAIT_S,
        open=True,
    )
    saver = PostgresSaver(pool)
    # PostgresSaver holds one lock around every query, which only matters when it shares a
    # single connection; each query here takes its own pooled connection, and under load the
    # lock cost a quarter of the throughput (benchmarks/LOAD.md)
    saver.lock = nullcontext()  # type: ignore[assignment]
    return saver
