"""Feedback: customers rate a recommendation or a guidance answer, up or down, with a comment.

One rating a turn (a new one replaces the old), kept beside the conversation it rates and
erased with it. Support agents read them in the console, and can turn a rated conversation into
a regression case for the evals (`regression_case`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from advisor.config import Settings
from advisor.errors import UserError
from advisor.inputs import clean_text
from advisor.store.tables import Table

RATINGS = ("up", "down")
COMMENT_CHARS = 1000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS advisor_feedback (
    session_id TEXT NOT NULL,
    turn INTEGER NOT NULL,
    kind TEXT NOT NULL,
    rating TEXT NOT NULL,
    comment TEXT,
    lang TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (session_id, turn)
)
"""
_COLUMNS = "session_id, turn, kind, rating, comment, lang, created_at"
# what customers did besides talking: followed a card's next-step link
_EVENTS = """
CREATE TABLE IF NOT EXISTS advisor_events (
    session_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    created_at TEXT NOT NULL
)
"""
EVENT_KINDS = ("next_step",)


@dataclass(frozen=True)
class Rating:
    """A customer's rating of one turn."""

    session_id: str
    turn: int
    kind: str  # "recommendation" or "answer"
    rating: str
    comment: str | None
    lang: str
    created_at: str

    def view(self) -> dict[str, Any]:
        """Return the rating as the API and the console show it."""
        return asdict(self)


def check_rating(body: Mapping[str, Any]) -> tuple[int, str, str | None]:
    """Return a rating request's turn number, rating and comment, or raise a UserError."""
    turn = body.get("turn")
    if isinstance(turn, bool) or not isinstance(turn, int) or turn < 1:
        raise UserError("turn: must be the number of the rated turn, 1 or more", field="turn")
    rating = body.get("rating")
    if rating not in RATINGS:
        raise UserError('rating: must be "up" or "down"', field="rating")
    comment = body.get("comment")
    if comment is not None:
        comment = clean_text(comment, field="comment", limit=COMMENT_CHARS)
    return turn, str(rating), comment


class FeedbackStore(Table):
    """The ratings table, in the conversation store's database."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings, _SCHEMA)
        self._create(_EVENTS)

    def event(self, session_id: str, kind: str) -> None:
        """Note something a customer did in a conversation (a next-step link followed)."""
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        with self._cursor() as cur:
            cur.execute(
                self._sql(
                    "INSERT INTO advisor_events (session_id, kind, created_at) VALUES (?, ?, ?)"
                ),
                (session_id, kind, now),
            )

    def events(self, since: str, until: str) -> list[tuple[str, str]]:
        """Return (session id, kind) of the events noted in [since, until)."""
        with self._cursor() as cur:
            cur.execute(
                self._sql(
                    "SELECT session_id, kind FROM advisor_events "
                    "WHERE created_at >= ? AND created_at < ?"
                ),
                (since, until),
            )
            return [(row[0], row[1]) for row in cur.fetchall()]

    def all_ratings(self) -> list[Rating]:
        """Return every rating (for the analytics)."""
        with self._cursor() as cur:
            cur.execute(self._sql(f"SELECT {_COLUMNS} FROM advisor_feedback"))
            return [Rating(*row) for row in cur.fetchall()]

    def rate(
        self, session_id: str, turn: int, kind: str, rating: str, comment: str | None, lang: str
    ) -> Rating:
        """Store a rating of one turn, replacing an earlier one of the same turn."""
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        with self._cursor() as cur:
            cur.execute(
                self._sql("DELETE FROM advisor_feedback WHERE session_id = ? AND turn = ?"),
                (session_id, turn),
            )
            cur.execute(
                self._sql(
                    f"INSERT INTO advisor_feedback ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)"
                ),
                (session_id, turn, kind, rating, comment, lang, now),
            )
        return Rating(session_id, turn, kind, rating, comment, lang, now)

    def of_session(self, session_id: str) -> list[Rating]:
        """Return a conversation's ratings, by turn."""
        with self._cursor() as cur:
            cur.execute(
                self._sql(
                    f"SELECT {_COLUMNS} FROM advisor_feedback WHERE session_id = ? ORDER BY turn"
                ),
                (session_id,),
            )
            return [Rating(*row) for row in cur.fetchall()]

    def latest(self, limit: int = 100) -> list[Rating]:
        """Return the newest ratings first."""
        with self._cursor() as cur:
            cur.execute(
                self._sql(
                    f"SELECT {_COLUMNS} FROM advisor_feedback ORDER BY created_at DESC LIMIT ?"
                ),
                (limit,),
            )
            return [Rating(*row) for row in cur.fetchall()]

    def erase_session(self, session_id: str) -> int:
        """Erase a conversation's ratings and events (with the conversation)."""
        with self._cursor() as cur:
            cur.execute(self._sql("DELETE FROM advisor_events WHERE session_id = ?"), (session_id,))
            cur.execute(
                self._sql("DELETE FROM advisor_feedback WHERE session_id = ?"), (session_id,)
            )
            return int(cur.rowcount)

    def purge(self, older_than: dt.datetime) -> int:
        """Erase ratings made before `older_than` (the conversations' retention)."""
        cutoff = older_than.astimezone(dt.UTC).isoformat(timespec="seconds")
        with self._cursor() as cur:
            cur.execute(self._sql("DELETE FROM advisor_events WHERE created_at < ?"), (cutoff,))
            cur.execute(self._sql("DELETE FROM advisor_feedback WHERE created_at < ?"), (cutoff,))
            return int(cur.rowcount)


def rated_kind(turn: Mapping[str, Any]) -> str | None:
    """Return what a turn offers to rate: its recommendation, or its guidance answer; or None."""
    if turn.get("brief") is not None and turn.get("recommendation"):
        return "recommendation"
    if turn.get("citations"):
        return "answer"
    return None


# personal data in what customers wrote, masked in regression cases
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(r"\bhttps?://\S+|\bwww\.\S+", re.IGNORECASE)
_PHONE = re.compile(r"(?<![\w.,])\+?\d[\d\s().-]{7,}\d(?![\w.,])")


def mask(text: str, names: Sequence[str] = ()) -> str:
    """Return a customer's message with emails, links, phone numbers and given names masked.

    Figures such as "5,000 seats" or "$80k a month" stay: the case needs them.
    """
    text = _EMAIL.sub("[email]", text)
    text = _URL.sub("[link]", text)
    text = _PHONE.sub(_phone, text)
    for name in sorted({n for n in names if len(n) >= 2}, key=len, reverse=True):
        text = re.sub(re.escape(name), "[name]", text, flags=re.IGNORECASE)
    return text


def _phone(match: re.Match[str]) -> str:
    digits = sum(c.isdigit() for c in match.group(0))
    return "[phone]" if digits >= 9 else match.group(0)


def regression_case(
    session: Mapping[str, Any],
    *,
    case_id: str,
    motion: str | None = None,
    names: Sequence[str] = (),
    note: str = "",
) -> dict[str, Any]:
    """Write a conversation as a case of the evals' regression suite (the blind-chat format).

    The customer's first message opens; each later one answers the question asked just before
    it; those after the recommendation follow it. The expected motion is the one given (an
    agent's correction) or the conversation's own, with its profile when not corrected.
    """
    transcript = session["transcript"]
    customer = [e for e in transcript if e["role"] == "customer"]
    advisor = [e for e in transcript if e["role"] == "advisor"]
    if not customer:
        raise UserError("session_id: the conversation has no messages to make a case of")
    answers: dict[str, list[str]] = {}
    then: list[str] = []
    for said, before in zip(customer[1:], advisor, strict=False):
        text = mask(said["text"], names)
        asked = (before.get("turn") or {}).get("question")
        if asked is not None:
            answers.setdefault(asked["slot"], []).append(text)
        else:
            then.append(text)
    recommended = (session.get("recommendation") or {}).get("motion")
    expected_motion = motion or recommended
    profile = {k: v for k, v in (session.get("profile") or {}).items() if v is not None}
    case: dict[str, Any] = {
        "id": case_id,
        "lang": session.get("lang") or "en",
        "opener": mask(customer[0]["text"], names),
        "answers": answers,
        "then": then,
        "expected": {
            "motion": expected_motion,
            "profile": profile if expected_motion == recommended else {},
        },
    }
    if note:
        case["note"] = note
    return case
