"""Outcome analytics for the support console: how conversations end, and where they stop.

Worked out from the stored conversations themselves (their kept turns), the leads, the ratings
and the next-step clicks, for a period, a channel and a language: conversations started,
recommendations reached and the motion mix, questions asked against the policy's minimum, the
last question before customers left, next-step clicks and handoffs, and the guidance questions
refused or rated down, grouped so content owners see what to add. Customer text appears only in
that last list, as the question asked. An admin's export has the same conversations in full.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from advisor.agent.state import session_view
from advisor.domain.policy import questions_needed
from advisor.domain.schemas import Profile, Slot
from advisor.store.retention import thread_ids

CHANNELS = ("all", "web", "teams")
LANGS = ("all", "en", "ja")
TEAMS_PREFIX = "teams-"


def _day(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value).replace(tzinfo=dt.UTC)


def _key(question: str) -> str:
    """Group questions that differ only in case, width, spacing and end punctuation."""
    text = unicodedata.normalize("NFKC", question).casefold()
    return re.sub(r"[\s?？!！。.、,]+", " ", text).strip()


def _asked(turns: list[Mapping[str, Any]]) -> tuple[int, str | None]:
    """Return the questions asked before the first recommendation, and the last one asked."""
    asked, previous, last = 0, None, None
    for record in turns:
        turn = record["turn"]
        if turn.get("recommendation") and (turn["recommendation"] or {}).get("motion"):
            break
        slot = (turn.get("question") or {}).get("slot")
        if slot is not None and slot != previous:
            asked += 1
        previous = slot if slot is not None else previous
        last = slot if slot is not None else last
    return asked, last


def _minimum(turns: list[Mapping[str, Any]], profile: Mapping[str, Any]) -> int | None:
    """Return the questions the policy needs, from the facts the first message gave."""
    opening = dict(turns[0].get("facts") or {}) if turns else {}
    try:
        return len(questions_needed(opening, Profile.model_validate(profile)))
    except ValueError:
        return None


def _bounds(since: dt.date, until: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(since, dt.time(), dt.UTC)
    return start, dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), dt.UTC)


def conversations(
    service: Any, since: dt.date, until: dt.date, channel: str = "all", lang: str = "all"
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield (session id, stored values) of each conversation begun in the period, with a turn.

    `channel` is all, web or teams; `lang` all, en or ja (the language of its first turn).
    """
    start, end = _bounds(since, until)
    for session_id in thread_ids(service.checkpointer):
        is_teams = session_id.startswith(TEAMS_PREFIX)
        if channel == "teams" and not is_teams or channel == "web" and is_teams:
            continue
        values = service.graph.get_state(service._config(session_id)).values
        created = values.get("created_at")
        turns = values.get("turns") or []
        if not created or not turns or not start <= _day(created) < end:
            continue
        if lang != "all" and turns[0]["turn"].get("lang") != lang:
            continue
        yield session_id, values


def export(
    service: Any, since: dt.date, until: dt.date, channel: str = "all", lang: str = "all"
) -> Iterator[dict[str, Any]]:
    """Yield each conversation of the period as the admin's export has it, one at a time.

    Everything stored about it: the transcript, the profile, the last recommendation, its
    ratings and its lead with the lead's delivery.
    """
    for session_id, values in conversations(service, since, until, channel, lang):
        lead = service.leads.of_session(session_id)
        yield {
            **session_view(session_id, values),
            "channel": "teams" if session_id.startswith(TEAMS_PREFIX) else "web",
            "ratings": [rating.view() for rating in service.feedback.of_session(session_id)],
            "lead": lead.view() if lead is not None else None,
        }


def outcomes(
    service: Any,
    *,
    since: dt.date,
    until: dt.date,
    channel: str = "all",
    lang: str = "all",
) -> dict[str, Any]:
    """Return the console's analytics for conversations begun in [since, until] (days, UTC)."""
    start, end = _bounds(since, until)
    started = 0
    recommended = 0
    motions: Counter[str] = Counter()
    asked_total = minimum_total = measured = 0
    dropped: Counter[str] = Counter()
    refused: dict[str, dict[str, Any]] = {}
    chosen: set[str] = set()
    by_session_turns: dict[str, list[Mapping[str, Any]]] = {}
    for session_id, values in conversations(service, since, until, channel, lang):
        turns = values["turns"]
        started += 1
        chosen.add(session_id)
        by_session_turns[session_id] = turns
        final = next(
            (
                r["turn"]["recommendation"]["motion"]
                for r in reversed(turns)
                if (r["turn"].get("recommendation") or {}).get("motion")
            ),
            None,
        )
        asked, last = _asked(turns)
        if final is not None:
            recommended += 1
            motions[final] += 1
            minimum = _minimum(turns, values.get("profile") or {})
            if minimum is not None:
                asked_total += asked
                minimum_total += minimum
                measured += 1
        elif last is not None:
            dropped[last] += 1
        for record in turns:
            for answer in record.get("guidance") or []:
                if not answer.get("answered"):
                    _note(refused, record["customer"], answer.get("refusal") or "topic")
    down = [r for r in service.feedback.all_ratings() if r.session_id in chosen]
    for rating in down:
        if rating.kind == "answer" and rating.rating == "down":
            turns = by_session_turns[rating.session_id]
            offset = int(turns[-1]["turn"].get("number") or len(turns)) - len(turns) + 1
            index = rating.turn - offset
            if 0 <= index < len(turns):
                _note(refused, turns[index]["customer"], "rated down")
    clicks = sum(
        1
        for session_id, kind in service.feedback.events(start.isoformat(), end.isoformat())
        if kind == "next_step" and session_id in chosen
    )
    handoffs = len(service.leads.session_ids() & chosen)
    return {
        "since": since.isoformat(),
        "until": until.isoformat(),
        "channel": channel,
        "lang": lang,
        "conversations": started,
        "recommendations": recommended,
        "motions": {m: motions.get(m, 0) for m in ("breadth", "enterprise", "self_service")},
        "questions": {
            "conversations": measured,
            "asked": round(asked_total / measured, 2) if measured else None,
            "policy_minimum": round(minimum_total / measured, 2) if measured else None,
        },
        "drop_off": {slot.value: dropped.get(slot.value, 0) for slot in Slot},
        "next_step_clicks": clicks,
        "handoffs": handoffs,
        "unanswered": sorted(refused.values(), key=lambda g: (-g["count"], g["question"]))[:50],
    }


def _note(groups: dict[str, dict[str, Any]], question: str, why: str) -> None:
    key = _key(question)
    group = groups.setdefault(key, {"question": question, "count": 0, "why": []})
    group["count"] += 1
    if why not in group["why"]:
        group["why"].append(why)


def parse_period(since: str | None, until: str | None, days: int = 30) -> tuple[dt.date, dt.date]:
    """Return the period asked for (ISO days); by default the last `days` days to today."""
    today = dt.datetime.now(dt.UTC).date()
    end = dt.date.fromisoformat(until) if until else today
    start = dt.date.fromisoformat(since) if since else end - dt.timedelta(days=days - 1)
    return start, end


def choices(value: str, allowed: Iterable[str]) -> bool:
    """Tell whether a filter's value is one of its choices."""
    return value in tuple(allowed)
