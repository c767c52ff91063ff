"""Tables of the advisor's own beside the conversation store, in the same database.

SQLite (the data folder's `sessions.sqlite`) by default, PostgreSQL when ADVISOR_DATABASE_URL is
set: the same statements run on both, written with `?` for their parameters.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from advisor.config import Settings
from advisor.store.sessions import ADVISORY_SETUP, prepare_data_dir


class Table:
    """One table's connection: a transaction per `_cursor` block, on either database."""

    def __init__(self, settings: Settings, schema: str) -> None:
        self._pool: Any = None
        self._path = settings.data_dir / "sessions.sqlite"
        if settings.database_url:
            from psycopg_pool import ConnectionPool

            self._mark = "%s"
            self._pool = ConnectionPool(
                settings.database_url,
                min_size=1,
                max_size=2,
                name=f"advisor-{type(self).__name__.lower()}",
                open=True,
            )
        else:
            self._mark = "?"
            prepare_data_dir(settings.data_dir)
        self._create(schema)

    def _create(self, schema: str) -> None:
        """Create tables and indexes if they are missing."""
        with self._cursor() as cur:
            if self._pool is not None:
                # workers starting together would race to create the same tables (Postgres
                # then fails one on its catalogue's unique index): one at a time, till commit
                cur.execute("SELECT pg_advisory_xact_lock(%s, 1)", (ADVISORY_SETUP,))
            cur.execute(schema)

    @contextmanager
    def _cursor(self) -> Iterator[Any]:
        """Yield a cursor in a transaction, committed when the block ends without error."""
        if self._pool is not None:
            with self._pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
                yield cur
            return
        conn = sqlite3.connect(self._path, timeout=30, isolation_level=None)
        try:
            conn.execute("PRAGMA secure_delete=ON")  # an erased row leaves nothing behind
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn.cursor()
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            conn.close()

    def _sql(self, statement: str) -> str:
        """Write a statement's `?` parameters as the database wants them."""
        return statement.replace("?", self._mark)

    def close(self) -> None:
        """Close the table's connections."""
        if self._pool is not None:
            self._pool.close()
