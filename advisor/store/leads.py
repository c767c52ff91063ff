"""Leads: customers who asked to be contacted, kept with their delivery to a webhook.

A lead is one row in the conversation store's own database (SQLite, or PostgreSQL when
ADVISOR_DATABASE_URL is set): the contact details the customer gave with their consent, the
recommendation they reached, and its delivery state. The row is the outbox: it is written once,
in one statement, before the customer is thanked, and a delivery loop (`LeadDelivery`) sends
every row not yet delivered to ADVISOR_LEAD_WEBHOOK_URL, again and again with growing pauses
until the webhook answers 2xx. A worker claims a row before sending it, so two workers never
send one lead at once; a worker killed mid-send leaves the row to be sent again after its claim
lapses. Every request carries the lead's id as its Idempotency-Key, so a receiver that keeps
the keys it has seen takes each lead once, however often a crash made it arrive.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from advisor.config import Settings
from advisor.errors import UserError
from advisor.inputs import clean_text
from advisor.store.tables import Table

log = logging.getLogger(__name__)

# a practical check of an address's form: one @, a dotted domain, no spaces (RFC 5321 lengths)
_EMAIL = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@"
    r"(?=.{4,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.[A-Za-z]{2,63}"
)
FIELD_CHARS = 200
SIGNATURE_HEADER = "X-Advisor-Signature"
TIMESTAMP_HEADER = "X-Advisor-Timestamp"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS advisor_leads (
    id TEXT PRIMARY KEY,
    session_id TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    company TEXT NOT NULL,
    lang TEXT NOT NULL,
    motion TEXT NOT NULL,
    recommendation TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt DOUBLE PRECISION NOT NULL,
    delivered_at TEXT,
    last_error TEXT
)
"""
_COLUMNS = (
    "id, session_id, created_at, name, email, company, lang, motion, recommendation, "
    "attempts, next_attempt, delivered_at, last_error"
)


@dataclass(frozen=True)
class Contact:
    """What a customer gives to be contacted, checked."""

    name: str
    email: str
    company: str


@dataclass(frozen=True)
class Lead:
    """A stored lead and how its delivery stands."""

    id: str
    session_id: str
    created_at: str
    name: str
    email: str
    company: str
    lang: str
    motion: str
    recommendation: dict[str, Any]
    attempts: int
    delivered_at: str | None
    last_error: str | None

    def payload(self) -> dict[str, Any]:
        """Return what the webhook is sent: the contact, the recommendation and its reasons."""
        return {
            "lead_id": self.id,
            "session_id": self.session_id,
            "created_at": self.created_at,
            "lang": self.lang,
            "contact": {"name": self.name, "email": self.email, "company": self.company},
            "consent": True,
            "motion": self.motion,
            "recommendation": self.recommendation,
        }

    def view(self) -> dict[str, Any]:
        """Return the lead as the console shows it, with its delivery state."""
        return {
            **self.payload(),
            "delivery": {
                "status": "delivered" if self.delivered_at else "pending",
                "attempts": self.attempts,
                "delivered_at": self.delivered_at,
                "last_error": self.last_error,
            },
        }


def check_contact(body: Mapping[str, Any]) -> Contact:
    """Return the contact details of a lead request, or raise a UserError naming the field."""
    if body.get("consent") is not True:
        raise UserError(
            "consent: must be true: the customer agrees to be contacted about this recommendation",
            field="consent",
        )
    name = clean_text(body.get("name"), field="name", limit=FIELD_CHARS)
    company = clean_text(body.get("company"), field="company", limit=FIELD_CHARS)
    email = clean_text(body.get("email"), field="email", limit=254)
    if not _EMAIL.fullmatch(email):
        raise UserError("email: must be an email address, such as name@example.com", field="email")
    return Contact(name=name, email=email, company=company)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class LeadStore(Table):
    """The leads table, in the conversation store's database."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings, _SCHEMA)

    def add(
        self, session_id: str, contact: Contact, lang: str, recommendation: dict[str, Any]
    ) -> tuple[Lead, bool]:
        """Store a conversation's lead; return it, and whether it is new (one per conversation)."""
        with self._cursor() as cur:
            cur.execute(
                self._sql(
                    f"INSERT INTO advisor_leads ({_COLUMNS}) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, NULL, NULL) "
                    "ON CONFLICT (session_id) DO NOTHING"
                ),
                (
                    uuid.uuid4().hex,
                    session_id,
                    _now(),
                    contact.name,
                    contact.email,
                    contact.company,
                    lang,
                    str(recommendation.get("motion")),
                    json.dumps(recommendation, ensure_ascii=False),
                    time.time(),
                ),
            )
            created = cur.rowcount == 1
            found = self._one(cur, "session_id", session_id)
        assert found is not None  # just written, or there before
        return found, created

    def _one(self, cur: Any, column: str, value: str) -> Lead | None:
        cur.execute(self._sql(f"SELECT {_COLUMNS} FROM advisor_leads WHERE {column} = ?"), (value,))
        row = cur.fetchone()
        return _lead(row) if row else None

    def get(self, lead_id: str) -> Lead | None:
        """Return one lead, or None."""
        with self._cursor() as cur:
            return self._one(cur, "id", lead_id)

    def of_session(self, session_id: str) -> Lead | None:
        """Return a conversation's lead, or None."""
        with self._cursor() as cur:
            return self._one(cur, "session_id", session_id)

    def session_ids(self) -> set[str]:
        """Return the conversations that left a lead."""
        with self._cursor() as cur:
            cur.execute(self._sql("SELECT session_id FROM advisor_leads"))
            return {row[0] for row in cur.fetchall()}

    def latest(self, limit: int = 100) -> list[Lead]:
        """Return the newest leads first."""
        with self._cursor() as cur:
            cur.execute(
                self._sql(f"SELECT {_COLUMNS} FROM advisor_leads ORDER BY created_at DESC LIMIT ?"),
                (limit,),
            )
            return [_lead(row) for row in cur.fetchall()]

    def claim_due(self, now: float, lease_s: float, limit: int = 20) -> list[Lead]:
        """Claim undelivered leads whose next attempt is due, for `lease_s` seconds.

        A claimed lead is not due for anyone else until its lease lapses, so two workers never
        send it at once, and a worker that dies holding it only delays it.
        """
        with self._cursor() as cur:
            cur.execute(
                self._sql(
                    "SELECT id, next_attempt FROM advisor_leads "
                    "WHERE delivered_at IS NULL AND next_attempt <= ? "
                    "ORDER BY next_attempt LIMIT ?"
                ),
                (now, limit),
            )
            due = [(row[0], row[1]) for row in cur.fetchall()]
        claimed = []
        for lead_id, when in due:
            with self._cursor() as cur:
                cur.execute(
                    self._sql(
                        "UPDATE advisor_leads SET next_attempt = ? "
                        "WHERE id = ? AND next_attempt = ? AND delivered_at IS NULL"
                    ),
                    (now + lease_s, lead_id, when),
                )
                lead = self._one(cur, "id", lead_id) if cur.rowcount == 1 else None
            if lead is not None:
                claimed.append(lead)
        return claimed

    def delivered(self, lead_id: str) -> None:
        """Mark a lead delivered."""
        with self._cursor() as cur:
            cur.execute(
                self._sql(
                    "UPDATE advisor_leads SET delivered_at = ?, attempts = attempts + 1, "
                    "last_error = NULL WHERE id = ?"
                ),
                (_now(), lead_id),
            )

    def failed(self, lead_id: str, error: str, retry_at: float) -> None:
        """Note a failed attempt, and when to try again."""
        with self._cursor() as cur:
            cur.execute(
                self._sql(
                    "UPDATE advisor_leads SET attempts = attempts + 1, last_error = ?, "
                    "next_attempt = ? WHERE id = ? AND delivered_at IS NULL"
                ),
                (error[:200], retry_at, lead_id),
            )

    def erase_session(self, session_id: str) -> int:
        """Erase a conversation's lead (with the conversation); return how many went."""
        with self._cursor() as cur:
            cur.execute(self._sql("DELETE FROM advisor_leads WHERE session_id = ?"), (session_id,))
            return int(cur.rowcount)

    def purge(self, older_than: dt.datetime) -> int:
        """Erase leads made before `older_than` (the conversations' retention); return how many."""
        cutoff = older_than.astimezone(dt.UTC).isoformat(timespec="seconds")
        with self._cursor() as cur:
            cur.execute(self._sql("DELETE FROM advisor_leads WHERE created_at < ?"), (cutoff,))
            return int(cur.rowcount)


def _lead(row: Any) -> Lead:
    values = list(row.values()) if isinstance(row, dict) else list(row)
    (
        lead_id,
        session_id,
        created_at,
        name,
        email,
        company,
        lang,
        motion,
        recommendation,
        attempts,
        _,
        delivered_at,
        last_error,
    ) = values
    return Lead(
        id=lead_id,
        session_id=session_id,
        created_at=created_at,
        name=name,
        email=email,
        company=company,
        lang=lang,
        motion=motion,
        recommendation=json.loads(recommendation),
        attempts=int(attempts),
        delivered_at=delivered_at,
        last_error=last_error,
    )


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """Return the signature header's value: HMAC-SHA256 of "<timestamp>.<body>", in hex."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, headers: Mapping[str, str], body: bytes, *, max_age_s: float = 300) -> bool:
    """Tell whether a webhook request is signed with `secret` and recent (for receivers)."""
    timestamp = headers.get(TIMESTAMP_HEADER, "")
    given = headers.get(SIGNATURE_HEADER, "")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > max_age_s:
        return False
    return hmac.compare_digest(given, signature(secret, timestamp, body))


class LeadDelivery:
    """Send undelivered leads to the webhook, until each one is taken."""

    def __init__(self, store: LeadStore, settings: Settings) -> None:
        assert settings.lead_webhook_url and settings.lead_webhook_secret
        self.store = store
        self.url = settings.lead_webhook_url
        self.secret = settings.lead_webhook_secret.get_secret_value()
        self.retry_s, self.retry_max_s = settings.lead_retry_s, settings.lead_retry_max_s
        # longer than a send can take, so a lead is never sent by two workers at once
        self.lease_s = 2 * settings.lead_timeout_s + 5
        self.client = httpx.Client(timeout=settings.lead_timeout_s, follow_redirects=False)
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def deliver_due(self) -> int:
        """Send every lead now due; return how many the webhook took."""
        taken = 0
        for lead in self.store.claim_due(time.time(), self.lease_s):
            error = self._send(lead)
            if error is None:
                self.store.delivered(lead.id)
                taken += 1
            else:
                pause = min(self.retry_s * 2 ** min(lead.attempts, 30), self.retry_max_s)
                self.store.failed(lead.id, error, time.time() + pause)
                log.warning(
                    "lead %s not delivered (attempt %d: %s); next try in %.0f s",
                    lead.id,
                    lead.attempts + 1,
                    error,
                    pause,
                )
        return taken

    def _send(self, lead: Lead) -> str | None:
        body = json.dumps(lead.payload(), ensure_ascii=False, sort_keys=True).encode()
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": lead.id,
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: signature(self.secret, timestamp, body),
            "User-Agent": "motion-advisor-leads",
        }
        try:
            response = self.client.post(self.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return type(exc).__name__
        if response.is_success:
            return None
        return f"HTTP {response.status_code}"

    def start(self, interval_s: float) -> None:
        """Deliver in a thread of its own, every `interval_s`, until `stop`."""

        def loop() -> None:
            while not self._stop.is_set():
                try:
                    self.deliver_due()
                except Exception as exc:  # noqa: BLE001 - the store or webhook is down: next round
                    log.warning("lead delivery round failed: %s", type(exc).__name__)
                self._wake.wait(interval_s)
                self._wake.clear()

        self._thread = threading.Thread(target=loop, name="advisor-leads", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Deliver now rather than at the next round (a lead has just been stored)."""
        self._wake.set()

    def stop(self) -> None:
        """Stop delivering; a send under way finishes first (or its claim lapses)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.client.close()
