"""Retention: how long conversations are kept, and erasing them so no copy is left behind."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.sqlite import SqliteSaver


class ErasingSqliteSaver(SqliteSaver):
    """A SQLite store whose deleted threads leave no copy behind in the write-ahead log.

    The connection runs with `PRAGMA secure_delete=ON`, so deleted rows are overwritten with
    zeros; checkpointing the log afterwards drops the older page images it still holds.
    """

    def prune(self, thread_ids: Sequence[str], *, strategy: str = "keep_latest") -> None:
        """Keep only each thread's latest checkpoint and its writes (or, with "delete", none).

        A conversation needs only its latest checkpoint; without pruning, every turn would
        leave another full copy of the conversation behind.
        """
        if isinstance(thread_ids, str):
            raise TypeError("thread_ids must be a sequence of thread ids, not a str")
        if strategy == "delete":
            for thread_id in thread_ids:
                self.delete_thread(thread_id)
            return
        if strategy != "keep_latest":
            raise ValueError(f"unknown prune strategy: {strategy!r}")
        with self.cursor() as cur:
            for thread_id in thread_ids:
                for table in ("writes", "checkpoints"):
                    cur.execute(
                        f"DELETE FROM {table} WHERE thread_id = ? AND checkpoint_id < ("
                        "SELECT MAX(c.checkpoint_id) FROM checkpoints c WHERE c.thread_id = ?"
                        f" AND c.checkpoint_ns = {table}.checkpoint_ns)",
                        (thread_id, thread_id),
                    )

    def delete_thread(self, thread_id: str) -> None:
        """Delete a thread, then fold the log into the database and empty it."""
        super().delete_thread(thread_id)
        with self.cursor(transaction=False) as cur:
            cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def last_activity(checkpointer: BaseCheckpointSaver[Any], thread_id: str) -> dt.datetime | None:
    """Return when a conversation last had a turn (else when it began, else was written)."""
    found = checkpointer.get_tuple({"configurable": {"thread_id": thread_id}})
    if found is None:
        return None
    values = found.checkpoint.get("channel_values") or {}
    turns = values.get("turns") or []
    last_turn = turns[-1].get("at") if turns and isinstance(turns[-1], dict) else None
    for stamp in (last_turn, values.get("created_at"), found.checkpoint.get("ts")):
        if isinstance(stamp, str):
            try:
                when = dt.datetime.fromisoformat(stamp)
            except ValueError:
                continue
            return when if when.tzinfo else when.replace(tzinfo=dt.UTC)
    return None


def thread_ids(checkpointer: BaseCheckpointSaver[Any]) -> list[str]:
    """Return the id of every conversation in the store."""
    if isinstance(checkpointer, SqliteSaver):
        with checkpointer.cursor(transaction=False) as cur:
            cur.execute("SELECT DISTINCT thread_id FROM checkpoints")
            return [str(row[0]) for row in cur.fetchall()]
    pool = getattr(checkpointer, "conn", None)
    if pool is not None and hasattr(pool, "connection"):
        # Postgres: ask the database for the ids instead of reading every checkpoint
        with pool.connection() as conn:
            rows = conn.execute("SELECT DISTINCT thread_id FROM checkpoints").fetchall()
        return [str(row["thread_id"] if isinstance(row, dict) else row[0]) for row in rows]
    seen: dict[str, None] = {}
    for item in checkpointer.list(None):
        seen.setdefault(str(item.config["configurable"]["thread_id"]), None)
    return list(seen)


def purge_sessions(checkpointer: BaseCheckpointSaver[Any], older_than: dt.datetime) -> int:
    """Erase every conversation whose last turn is older than `older_than`; return how many."""
    purged = 0
    for thread_id in thread_ids(checkpointer):
        # read just before deleting, so a conversation that has just had a turn is kept
        when = last_activity(checkpointer, thread_id)
        if when is not None and when < older_than:
            checkpointer.delete_thread(thread_id)
            purged += 1
    return purged


def retention_cutoff(days: float, now: dt.datetime | None = None) -> dt.datetime:
    """Return the time before which a conversation's last turn makes it due for erasure."""
    return (now or dt.datetime.now(dt.UTC)) - dt.timedelta(days=days)
