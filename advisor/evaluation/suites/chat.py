"""The chat suite: whole conversations with a simulated customer, checked against the policy."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from advisor.chat import ChatService
from advisor.domain.policy import classify
from advisor.domain.schemas import ChatTurn, Lang, Profile
from advisor.errors import AdvisorError
from advisor.evaluation.language import text_lang
from advisor.evaluation.progress import Progress
from advisor.evaluation.results import CaseResult, Check, check, motion_name, scored_results
from advisor.evaluation.simulator import converse
from advisor.evaluation.stats import mean, rate
from advisor.evaluation.usage import UsageCounter
from advisor.inputs import has_words

MAX_TURNS = 10


@dataclass
class Turn:
    """One customer message and the advisor's reply, as the chat evaluator reads them."""

    message: str
    expected_lang: Lang
    kind: str = "answer"  # opening, answer, guidance, correction or other
    answered: str | None = None  # the slot this message answers
    stated: tuple[str, ...] = ()  # the slots whose facts this message states
    reply: str = ""
    lang: str = ""
    question: str | None = None
    motion: str | None = None
    citations: tuple[str, ...] = ()
    latency_ms: float = 0.0

    def to_json(self) -> dict[str, Any]:
        """Return the turn as plain data, for the report."""
        return asdict(self)


def _next_slot(known: Mapping[str, Any]) -> str | None:
    result = classify(Profile(**known))
    return None if result.motion is not None or not result.missing else result.missing[0].value


def policy_path(case: Mapping[str, Any]) -> list[str]:
    """Return the questions the policy asks in a case's conversation, from its stated facts."""
    # The case's script replayed against the classifier: the opening states `opening_facts`,
    # each answer gives the profile's value for the pending slot, and each interjection states
    # its own facts. A pending question asked again after an interjection is not a new one.
    known: dict[str, Any] = dict(case["opening_facts"])
    profile: Mapping[str, Any] = case["profile"]
    interjections = {i["at"]: i for i in case.get("interjections", [])}
    pending = _next_slot(known)
    questions = [pending] if pending else []
    for number in range(1, MAX_TURNS):
        if number in interjections:
            known.update(interjections[number].get("facts", {}))
            following = _next_slot(known)
            if following is not None and following != pending:
                questions.append(following)
        elif pending is not None:
            if profile.get(pending) is None:  # the simulated customer would have no answer
                raise ValueError(f"profile must give {pending}, which the policy asks for")
            known[pending] = profile[pending]
            following = _next_slot(known)
            if following is not None:
                questions.append(following)
        else:
            return questions
        pending = following
    return questions


def question_events(turns: Sequence[Turn]) -> list[str]:
    """Return the questions asked, not counting a re-ask after a message that did not answer."""
    # A guidance question mid-interview leaves the question pending: asking it again next turn
    # is the same question, not a new one.
    events: list[str] = []
    pending: str | None = None
    for turn in turns:
        if turn.question is not None and not (
            turn.question == pending and turn.answered != pending
        ):
            events.append(turn.question)
        pending = turn.question
    return events


def redundant_questions(turns: Sequence[Turn]) -> list[str]:
    """Return each question about a slot the customer had already given, as a sentence."""
    given: set[str] = set()
    found = []
    for number, turn in enumerate(turns):
        given.update(turn.stated)
        if turn.question is not None and turn.question in given:
            found.append(f"turn {number} asked {turn.question}, already given")
    return found


def evaluate_conversation(
    case: Mapping[str, Any],
    turns: Sequence[Turn],
    policy: Sequence[str],
    known_ids: Mapping[str, Iterable[str]],
) -> list[Check]:
    """Check a whole conversation against the policy's motion and questions."""
    final = turns[-1]
    want = case["expected"]["motion"]
    asked = question_events(turns)
    redundant = redundant_questions(turns)
    wrong_lang = [
        f"turn {n}: {t.lang}/{text_lang(t.reply)} for {t.expected_lang}"
        for n, t in enumerate(turns)
        if t.lang != t.expected_lang or text_lang(t.reply) != t.expected_lang
    ]
    checks = [
        check("decided", final.motion is not None and final.question is None, "no recommendation"),
        check("motion", final.motion == want, f"expected {want}, got {motion_name(final.motion)}"),
        check("policy_questions", asked == list(policy), f"asked {asked}, policy {list(policy)}"),
        check("no_redundant_questions", not redundant, "; ".join(redundant)),
        check("reply_language", not wrong_lang, "; ".join(wrong_lang)),
    ]
    unanswered = []
    for number, turn in enumerate(turns):
        if turn.kind == "guidance":
            before = turns[number - 1].question if number else None
            if not turn.citations or turn.question != before:
                unanswered.append(f"turn {number}")
    if unanswered:
        checks.append(
            check(
                "guidance_answered",
                False,
                "no cited answer, or lost the question: " + ", ".join(unanswered),
            )
        )
    elif any(t.kind == "guidance" for t in turns):
        checks.append(check("guidance_answered", True))
    unknown = sorted(
        {c for t in turns for c in t.citations if c not in set(known_ids[t.lang or "en"])}
    )
    recommended = final.motion is not None
    checks.append(
        check(
            "citations_exist",
            (not recommended or bool(final.citations)) and not unknown,
            f"unknown sections {unknown}" if unknown else "the recommendation cites nothing",
        )
    )
    return checks


def _message_langs(case: Mapping[str, Any], messages: Sequence[str]) -> list[Lang]:
    """Return the language each reply must be in: the latest customer message's with words."""
    interjections = {i["at"]: i for i in case.get("interjections", [])}
    langs: list[Lang] = []
    current: Lang = case.get("opening_lang", case["lang"])
    for number, message in enumerate(messages):
        if number == 0:
            declared: Lang = case.get("opening_lang", case["lang"])
        elif number in interjections:
            declared = interjections[number].get("lang", case["lang"])
        else:
            declared = case["lang"]
        if has_words(message):
            current = declared
        langs.append(current)
    return langs


def conversation_turns(
    case: Mapping[str, Any], log: Sequence[tuple[str, ChatTurn, float]]
) -> list[Turn]:
    """Pair each message of a run conversation with what it was and the advisor's reply."""
    interjections = {i["at"]: i for i in case.get("interjections", [])}
    langs = _message_langs(case, [m for m, _, _ in log])
    turns: list[Turn] = []
    previous: ChatTurn | None = None
    for number, (message, reply, seconds) in enumerate(log):
        if number == 0:
            kind, answered, stated = "opening", None, tuple(case["opening_facts"])
        elif number in interjections:
            item = interjections[number]
            kind, answered, stated = item["kind"], None, tuple(item.get("facts", {}))
        else:
            slot = previous.question.slot if previous and previous.question else None
            kind, answered, stated = "answer", slot, (slot,) if slot else ()
        recommendation = reply.recommendation
        turns.append(
            Turn(
                message=message,
                expected_lang=langs[number],
                kind=kind,
                answered=answered,
                stated=stated,
                reply=reply.reply,
                lang=reply.lang,
                question=reply.question.slot if reply.question else None,
                motion=None if recommendation is None else motion_name(recommendation.motion),
                citations=tuple(c.id for c in reply.citations),
                latency_ms=round(seconds * 1000, 2),
            )
        )
        previous = reply
    return turns


def run_conversation(
    service: ChatService, case: Mapping[str, Any]
) -> tuple[list[tuple[str, ChatTurn, float]], str | None]:
    """Hold one case's conversation with the simulated customer; return the log and any error."""
    log: list[tuple[str, ChatTurn, float]] = []

    def send(message: str, session: str | None) -> ChatTurn:
        start = time.perf_counter()
        turn = service.chat(message, session)
        log.append((message, turn, time.perf_counter() - start))
        return turn

    interjections = {i["at"]: i["text"] for i in case.get("interjections", [])}
    try:
        converse(
            send,
            case["opening"],
            Profile(**case["profile"]),
            case["lang"],
            max_turns=MAX_TURNS,
            interjections=interjections,
            style=case.get("style", 0),
        )
    except AdvisorError as exc:
        return log, f"{type(exc).__name__}: {exc.message}"
    return log, None


def run_chat(
    cases: Sequence[Mapping[str, Any]],
    service: ChatService,
    usage: UsageCounter,
    known_ids: Mapping[str, Iterable[str]],
    progress: Progress,
) -> list[CaseResult]:
    """Hold every case's conversation and check it."""
    results = []
    for case in cases:
        outcome = CaseResult("chat", case["id"], xfail=case.get("xfail"))
        calls, tokens = usage.snapshot()
        log, error = run_conversation(service, case)
        turns = conversation_turns(case, log)
        policy = policy_path(case)
        now_calls, now_tokens = usage.snapshot()
        outcome.data = {
            "expected_motion": case["expected"]["motion"],
            "got_motion": "error" if error else motion_name(turns[-1].motion if turns else None),
            "questions": len(question_events(turns)),
            "policy_min": len(policy),
            "asked": question_events(turns),
            "policy": policy,
            "redundant": redundant_questions(turns),
            "llm_calls": now_calls - calls,
            "tokens": now_tokens - tokens,
            "transcript": [t.to_json() for t in turns],
        }
        if error is not None or not turns:
            outcome.error = error or "no turn"
        else:
            outcome.checks = evaluate_conversation(case, turns, policy, known_ids)
        results.append(outcome)
        progress.advance("chat")
    return results


def transcript_turns(results: Iterable[CaseResult]) -> list[dict[str, Any]]:
    """Return every turn of the conversations' transcripts, as plain data."""
    return [t for r in results for t in r.data.get("transcript", [])]


def chat_metrics(results: Sequence[CaseResult], *, llm: bool) -> dict[str, Any]:
    """Return conversation success, questions against the policy, languages and citations."""
    scored = scored_results(results)
    ran = [r for r in scored if r.error is None]
    redundant = sum(len(r.data.get("redundant", [])) for r in scored)
    over = sum(r.data["questions"] > r.data["policy_min"] for r in ran)
    turns = transcript_turns(results)
    guidance = [c for r in results for c in r.checks if c.name == "guidance_answered"]
    cites = [c for r in results for c in r.checks if c.name == "citations_exist"]
    metrics: dict[str, Any] = {
        "conversation_success": rate(sum(r.passed for r in scored), len(scored)),
        "conversations": len(results),
        "chat_xfail": len(results) - len(scored),
        "questions_per_conversation": mean([r.data["questions"] for r in ran]),
        "policy_min_per_conversation": mean([r.data["policy_min"] for r in ran]),
        "conversations_over_policy_min": over,
        "redundant_questions": redundant,
        "chat_reply_language": rate(
            sum(t["lang"] == t["expected_lang"] == text_lang(t["reply"]) for t in turns),
            len(turns),
        ),
        "guidance_answered": rate(sum(c.passed for c in guidance), len(guidance)),
        "recommendation_citations": rate(sum(c.passed for c in cites), len(cites)),
    }
    if llm:
        metrics["llm_calls_per_conversation"] = mean([r.data["llm_calls"] for r in results])
        metrics["tokens_per_conversation"] = mean([r.data["tokens"] for r in results])
    return metrics
