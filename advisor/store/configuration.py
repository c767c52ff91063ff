"""What admins configure from the console, kept in the conversation store's database.

Two things people who run the advisor change without a restart: where each motion's next step
leads (the card's button, in the web chat and in Teams) and how long conversations are kept.
A value not set here is the deployment's (environment) value. Every worker reads the same
rows, a few seconds stale at most.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from advisor.config import Settings
from advisor.errors import UserError
from advisor.store.tables import Table

MOTIONS = ("breadth", "enterprise", "self_service")
# where each motion's next step leads unless an admin says otherwise
NEXT_STEP_LINKS: dict[str, str] = {
    "breadth": "https://appsource.microsoft.com/marketplace/partner-dir",
    "enterprise": "https://www.microsoft.com/licensing/how-to-buy/how-to-buy",
    "self_service": "https://www.microsoft.com/microsoft-365/buy/compare-all-microsoft-365-products",
}
MAX_URL_CHARS = 2000
MAX_RETENTION_DAYS = 3650
FRESH_FOR_S = 5.0  # how long a worker trusts what it read

_SCHEMA = """
CREATE TABLE IF NOT EXISTS advisor_configuration (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
)
"""


def check_link(motion: str, value: object) -> str:
    """Return a next-step address if it is an absolute https URL; else raise a UserError."""
    field = f"next_step_links.{motion}"
    if not isinstance(value, str) or not value.strip():
        raise UserError(f"{field}: must be an https:// address", field=field)
    url = value.strip()
    parts = urlsplit(url)
    if len(url) > MAX_URL_CHARS or parts.scheme != "https" or not parts.hostname:
        raise UserError(
            f"{field}: must be an https:// address of at most {MAX_URL_CHARS} characters",
            field=field,
        )
    if any(c.isspace() or ord(c) < 32 for c in url):
        raise UserError(f"{field}: must not contain spaces or control characters", field=field)
    return url


def check_changes(body: Mapping[str, Any]) -> dict[str, Any]:
    """Return the values a change request sets, checked; raise a UserError naming a bad one."""
    unknown = sorted(set(body) - {"next_step_links", "session_retention_days"})
    if unknown:
        raise UserError(f"{unknown[0]}: not something the console configures", field=unknown[0])
    changes: dict[str, Any] = {}
    if "next_step_links" in body:
        links = body["next_step_links"]
        if not isinstance(links, Mapping) or not links:
            raise UserError(
                "next_step_links: must map motions to https:// addresses", field="next_step_links"
            )
        for motion, url in links.items():
            if motion not in MOTIONS:
                raise UserError(
                    f"next_step_links: {str(motion)[:40]!r} is not a motion ({', '.join(MOTIONS)})",
                    field="next_step_links",
                )
            changes[f"next_step_links.{motion}"] = check_link(motion, url)
    if "session_retention_days" in body:
        days = body["session_retention_days"]
        if (
            isinstance(days, bool)
            or not isinstance(days, int | float)
            or not 0 <= days <= MAX_RETENTION_DAYS
            or days != days
        ):
            raise UserError(
                f"session_retention_days: must be a number of days from 0 (keep them) to "
                f"{MAX_RETENTION_DAYS}",
                field="session_retention_days",
            )
        changes["session_retention_days"] = float(days)
    return changes


class ConfigurationStore(Table):
    """The admins' settings, with the deployment's values under them."""

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(settings, _SCHEMA)
        self.defaults: dict[str, Any] = {
            **{f"next_step_links.{m}": url for m, url in NEXT_STEP_LINKS.items()},
            "session_retention_days": settings.session_retention_days,
        }
        self._clock = clock
        self._lock = threading.Lock()
        self._read_at = float("-inf")
        self._rows: dict[str, tuple[Any, str, str]] = {}

    def _stored(self) -> dict[str, tuple[Any, str, str]]:
        with self._lock:
            if self._clock() - self._read_at < FRESH_FOR_S:
                return self._rows
        with self._cursor() as cur:
            cur.execute("SELECT name, value, updated_at, updated_by FROM advisor_configuration")
            rows = {str(n): (json.loads(v), str(at), str(by)) for n, v, at, by in cur.fetchall()}
        with self._lock:
            self._rows, self._read_at = rows, self._clock()
        return rows

    def values(self, stored: dict[str, tuple[Any, str, str]] | None = None) -> dict[str, Any]:
        """Return every setting: the admins' value where they set one, else the deployment's."""
        stored = self._stored() if stored is None else stored
        return {name: stored[name][0] if name in stored else d for name, d in self.defaults.items()}

    def links(self) -> dict[str, str]:
        """Return where each motion's next step leads."""
        values = self.values()
        return {m: str(values[f"next_step_links.{m}"]) for m in MOTIONS}

    def retention_days(self) -> float:
        """Return how many days a conversation is kept after its last turn (0: no limit)."""
        return float(self.values()["session_retention_days"])

    def view(self) -> dict[str, Any]:
        """Return the settings as the console shows them, with who changed each and when."""
        stored = self._stored()
        values = self.values(stored)
        changed = {name: {"at": at, "by": by} for name, (_, at, by) in sorted(stored.items())}
        return {
            "next_step_links": {m: values[f"next_step_links.{m}"] for m in MOTIONS},
            "session_retention_days": float(values["session_retention_days"]),
            "defaults": {
                "next_step_links": dict(NEXT_STEP_LINKS),
                "session_retention_days": self.defaults["session_retention_days"],
            },
            "changed": changed,
        }

    def change(self, changes: Mapping[str, Any], by: str) -> None:
        """Store checked values (from `check_changes`); a deployment default is stored as unset."""
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        with self._cursor() as cur:
            for name, value in changes.items():
                cur.execute(self._sql("DELETE FROM advisor_configuration WHERE name = ?"), (name,))
                if value != self.defaults[name]:
                    cur.execute(
                        self._sql(
                            "INSERT INTO advisor_configuration (name, value, updated_at, "
                            "updated_by) VALUES (?, ?, ?, ?)"
                        ),
                        (name, json.dumps(value), now, by),
                    )
        with self._lock:
            self._read_at = float("-inf")  # read again at once here; other workers within 5 s
