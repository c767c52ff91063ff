"""The blind-chat suite: persona conversations written blind, scored apart and never gated.

Each persona opens, answers what the advisor asks from its own scripted replies, and then sends
its closing messages. The set is for measuring only: nothing here is tuned to pass it.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from advisor.chat import ChatService
from advisor.domain.schemas import LANGS, ChatTurn
from advisor.errors import AdvisorError
from advisor.evaluation.language import text_lang
from advisor.evaluation.progress import Progress
from advisor.evaluation.results import CaseResult, Check, check, motion_name
from advisor.evaluation.stats import mean, rate

SUITE = "blind-chat"
EXTRA_TURNS = 4  # turns allowed beyond one per scripted slot
MAX_BUDGET = 12


@dataclass
class Exchange:
    """One persona message and the advisor's reply."""

    message: str
    phase: str  # opener, answer or then
    slot: str | None = None  # the slot an answer replies to
    reply: str = ""
    lang: str = ""
    question: str | None = None
    motion: str | None = None  # the recommendation's motion label; None when there is none
    latency_ms: float = 0.0

    def to_json(self) -> dict[str, Any]:
        """Return the exchange as plain data, for the report."""
        return asdict(self)


@dataclass
class Conversation:
    """What a persona's conversation did: its exchanges and how it ended."""

    exchanges: list[Exchange] = field(default_factory=list)
    session_id: str | None = None
    hit_budget: bool = False  # a question was still pending when the budget ran out
    unscripted: list[str] = field(default_factory=list)  # slots asked with no scripted reply
    error: str | None = None


def turn_budget(case: Mapping[str, Any]) -> int:
    """Return how many opener and answer turns a persona gets: its slots plus 4, at most 12."""
    return min(len(case["answers"]) + EXTRA_TURNS, MAX_BUDGET)


class Persona:
    """A persona's scripted replies: the n-th ask of a slot gets the n-th, the last repeated."""

    def __init__(self, answers: Mapping[str, Sequence[str]]) -> None:
        self.answers = answers
        self.asked: Counter[str] = Counter()

    def reply(self, slot: str) -> str | None:
        """Return the persona's reply when asked for a slot, None when it has none."""
        replies = self.answers.get(slot)
        if not replies:
            return None
        number = self.asked[slot]
        self.asked[slot] += 1
        return replies[min(number, len(replies) - 1)]


def hold_conversation(
    case: Mapping[str, Any], send: Callable[[str, str | None], ChatTurn]
) -> Conversation:
    """Talk through one persona's script with `send(message, session_id)`."""
    talk = Conversation()
    persona = Persona(case["answers"])
    budget = turn_budget(case)
    counted = 0  # the opener and the answers count against the budget; `then` messages do not

    def say(message: str, phase: str, slot: str | None = None) -> ChatTurn:
        start = time.perf_counter()
        turn = send(message, talk.session_id)
        seconds = time.perf_counter() - start
        talk.session_id = turn.session_id
        recommendation = turn.recommendation
        talk.exchanges.append(
            Exchange(
                message=message,
                phase=phase,
                slot=slot,
                reply=turn.reply,
                lang=turn.lang,
                question=turn.question.slot if turn.question else None,
                motion=None if recommendation is None else motion_name(recommendation.motion),
                latency_ms=round(seconds * 1000, 2),
            )
        )
        return turn

    def interview(turn: ChatTurn) -> None:
        nonlocal counted
        while turn.question is not None:
            if counted >= budget:
                talk.hit_budget = True
                return
            slot = turn.question.slot
            message = persona.reply(slot)
            if message is None:
                talk.unscripted.append(slot)
                return
            counted += 1
            turn = say(message, "answer", slot)

    try:
        counted = 1
        interview(say(case["opener"], "opener"))
        for message in case.get("then", []):
            # a message after the result may reopen the interview (a correction that drops
            # below a threshold): the persona answers again, within what is left of the budget
            interview(say(message, "then"))
    except AdvisorError as exc:
        talk.error = f"{type(exc).__name__}: {exc.message}"
    return talk


def _same(expected: Any, got: Any) -> bool:
    """Compare a profile value: numbers as floats, lists of terms in any order."""
    if isinstance(expected, bool) or isinstance(got, bool):
        return expected is got
    if isinstance(expected, int | float) and isinstance(got, int | float):
        return float(expected) == float(got)
    if isinstance(expected, list) and isinstance(got, list):
        return sorted(map(str, expected)) == sorted(map(str, got))
    return bool(expected == got)


def profile_mismatches(expected: Mapping[str, Any], profile: Mapping[str, Any]) -> list[str]:
    """Return each expected profile slot the session's profile does not hold, as words."""
    return [
        f"{slot}: expected {value!r}, got {profile.get(slot)!r}"
        for slot, value in expected.items()
        if not _same(value, profile.get(slot))
    ]


def verbatim_repeats(exchanges: Sequence[Exchange]) -> list[str]:
    """Return each reply that repeats the one before it word for word, as words."""
    return [
        f"turn {n} repeated turn {n - 1}"
        for n in range(1, len(exchanges))
        if exchanges[n].reply.strip() == exchanges[n - 1].reply.strip()
    ]


def evaluate_blind_conversation(
    case: Mapping[str, Any], talk: Conversation, profile: Mapping[str, Any]
) -> list[Check]:
    """Check a persona's conversation: motion, profile, repeats, budget and language."""
    want = case["expected"]["motion"]
    got = talk.exchanges[-1].motion if talk.exchanges else None
    lang = case["lang"]
    mismatched = profile_mismatches(case["expected"]["profile"], profile)
    repeats = verbatim_repeats(talk.exchanges)
    wrong_lang = [
        f"turn {n}: {e.lang}/{text_lang(e.reply)}"
        for n, e in enumerate(talk.exchanges)
        if e.lang != lang or text_lang(e.reply) != lang
    ]
    return [
        check("motion", got == want, f"expected {motion_name(want)}, got {motion_name(got)}"),
        check("profile", not mismatched, "; ".join(mismatched)),
        check("no_verbatim_repeat", not repeats, "; ".join(repeats)),
        check(
            "within_budget",
            not talk.hit_budget,
            f"still asking after {turn_budget(case)} turns",
        ),
        check("language", not wrong_lang, f"expected {lang}: " + "; ".join(wrong_lang)),
    ]


def run_blind_chat(
    cases: Sequence[Mapping[str, Any]],
    service: ChatService,
    progress: Progress,
    *,
    suite: str = SUITE,
) -> list[CaseResult]:
    """Hold every persona's conversation with the chat service and check it."""
    results = []
    for case in cases:
        outcome = CaseResult(suite, case["id"])
        talk = hold_conversation(case, lambda message, session: service.chat(message, session))
        profile: dict[str, Any] = {}
        if talk.session_id is not None:
            profile = dict(service.session(talk.session_id)["profile"])
        final = talk.exchanges[-1] if talk.exchanges else None
        outcome.data = {
            "lang": case["lang"],
            "expected_motion": case["expected"]["motion"],
            "got_motion": "error" if talk.error else motion_name(final.motion if final else None),
            "expected_profile": case["expected"]["profile"],
            "profile": profile,
            "turns": len(talk.exchanges),
            "budget": turn_budget(case),
            "hit_budget": talk.hit_budget,
            "unscripted": talk.unscripted,
            "transcript": [e.to_json() for e in talk.exchanges],
        }
        if talk.error is not None or not talk.exchanges:
            outcome.error = talk.error or "no turn"
        else:
            outcome.checks = evaluate_blind_conversation(case, talk, profile)
        results.append(outcome)
        progress.advance(suite)
    return results


def _passed(result: CaseResult, name: str) -> bool:
    return result.error is None and any(c.name == name and c.passed for c in result.checks)


def blind_chat_metrics(results: Sequence[CaseResult], prefix: str = "blind_chat") -> dict[str, Any]:
    """Return, per language and overall, motion, profile and repeat shares and mean turns."""
    metrics: dict[str, Any] = {}
    for scope in ("", *LANGS):
        chosen = [r for r in results if not scope or r.data.get("lang") == scope]
        suffix = f"_{scope}" if scope else ""
        ran = [r for r in chosen if r.error is None]
        metrics[f"{prefix}_cases{suffix}"] = len(chosen)
        for metric, name in (
            ("motion", "motion"),
            ("profile", "profile"),
            ("no_repeat", "no_verbatim_repeat"),
        ):
            metrics[f"{prefix}_{metric}{suffix}"] = rate(
                sum(_passed(r, name) for r in chosen), len(chosen)
            )
        metrics[f"{prefix}_turns{suffix}"] = mean([r.data["turns"] for r in ran])
    return metrics


def regression_metrics(results: Sequence[CaseResult]) -> dict[str, Any]:
    """Return the regression cases' figures: their count and the share that keep their motion."""
    return {
        "regression_cases": len(results),
        "regression_motion": rate(sum(_passed(r, "motion") for r in results), len(results)),
    }
