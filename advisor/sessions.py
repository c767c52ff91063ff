"""The conversation store: a LangGraph checkpointer, SQLite by default, Postgres for scale."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver

from advisor.config import Settings
from advisor.errors import ConfigError, UserError

_SESSION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}")


def check_session_id(session_id: str) -> str:
    """Return a well-formed session id, or raise a UserError naming what is allowed."""
    if not isinstance(session_id, str) or not _SESSION_ID.fullmatch(session_id):
        raise UserError(
            "session_id: must be 1 to 128 letters, digits, '_', '-', '.' or ':'",
            field="session_id",
        )
    return session_id


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
    url = settings.database_url
    if url:
        if not url.startswith(("postgres://", "postgresql://")):
            raise ConfigError(
                f"ADVISOR_DATABASE_URL must be a postgresql:// URL, not {url.split(':')[0]!r}"
            )
        return _postgres(url)
    from langgraph.checkpoint.sqlite import SqliteSaver

    path = prepare_data_dir(settings.data_dir) / "sessions.sqlite"
    try:
        conn = sqlite3.connect(path, check_same_thread=False, timeout=30)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        saver = SqliteSaver(conn)
        saver.setup()
    except sqlite3.DatabaseError as exc:
        raise ConfigError(f"the conversation store {path} cannot be opened: {exc}") from None
    return saver


def _postgres(url: str) -> BaseCheckpointSaver[Any]:
    try:
        from langgraph.checkpoint.postgres import PostgresSaver
        from psycopg.rows import dict_row
        from psycopg_pool import ConnectionPool
    except ImportError:
        raise ConfigError(
            "ADVISOR_DATABASE_URL needs the postgres extra: pip install 'motion-advisor[postgres]'"
        ) from None
    pool: ConnectionPool[Any] = ConnectionPool(
        url,
        min_size=1,
        max_size=8,
        kwargs={"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row},
        open=True,
    )
    saver: BaseCheckpointSaver[Any] = PostgresSaver(pool)
    saver.setup()  # type: ignore[attr-defined]
    return saver
