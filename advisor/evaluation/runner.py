"""The evals: versioned cases, evaluators that return named checks, metrics and their gates.

Cases live in `evals/cases/<suite>.yaml` and are checked against `evals/schema/<suite>.json`
when loaded. Every evaluator is a small pure function from a case and what the advisor did to
named checks; the runners only collect what the advisor did. The thresholds that gate a run
live in `evals/thresholds.yaml`.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.outputs import ChatGeneration, LLMResult

from advisor.domain.policy import classify
from advisor.domain.schemas import (
    LANGS,
    Answer,
    ChatTurn,
    Classification,
    Lang,
    Profile,
    parse_profile,
)
from advisor.errors import AdvisorError, ConfigError, UserError
from advisor.resources import data_path

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from advisor.chat import ChatService
    from advisor.config import Settings
    from advisor.guidance.index import GuidanceIndex
    from advisor.guidance.knowledge import KnowledgeBase

SUITES: tuple[str, ...] = ("classify", "chat", "ask", "adversarial")
MOTION_LABELS: tuple[str, ...] = ("breadth", "enterprise", "self_service", "undecided", "error")
JUDGE_ENV = "ADVISOR_JUDGE_MODEL"
MAX_TURNS = 10

_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f]")
_LATIN = re.compile(r"[A-Za-z]")
_WORDS = re.compile(r"[A-Za-z\u3040-\u30ff\u3400-\u9fff]")
_UNCALM = re.compile(
    r"Traceback \(most recent call last\)|\b\w+(?:Error|Exception): |\bNoneType\b|<script",
)


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Check:
    """One named check of one case, and what was seen when it failed."""

    name: str
    passed: bool
    detail: str = ""


@dataclass
class CaseResult:
    """What one case did: its checks, and data for the metrics and the report."""

    suite: str
    case_id: str
    checks: list[Check] = field(default_factory=list)
    xfail: str | None = None
    error: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        """Tell whether the case ran and every check passed."""
        return self.error is None and all(c.passed for c in self.checks)

    @property
    def status(self) -> Literal["pass", "fail", "error", "xfail", "xpass"]:
        """Return pass, fail or error, or xfail/xpass for a case marked as known to fail."""
        if self.xfail is not None:
            return "xpass" if self.passed else "xfail"
        if self.error is not None:
            return "error"
        return "pass" if self.passed else "fail"

    def failed(self) -> list[Check]:
        """Return the checks that failed."""
        return [c for c in self.checks if not c.passed]

    def to_json(self) -> dict[str, Any]:
        """Return the result as plain data."""
        return {
            "suite": self.suite,
            "id": self.case_id,
            "status": self.status,
            "passed": self.passed,
            "xfail": self.xfail,
            "error": self.error,
            "checks": [asdict(c) for c in self.checks],
            "data": self.data,
        }


def check(name: str, passed: bool, detail: str = "") -> Check:
    """Return a named check; the detail is kept only when it failed."""
    return Check(name, bool(passed), "" if passed else detail)


# --------------------------------------------------------------------------- loading


@dataclass(frozen=True)
class CaseFile:
    """The validated cases of one suite, and the file's other top-level entries."""

    suite: str
    path: Path
    cases: list[dict[str, Any]]
    extra: dict[str, Any] = field(default_factory=dict)


def evals_dir() -> Path:
    """Return the shipped evals folder (cases, schemas, thresholds)."""
    return data_path("evals")


def read_yaml(path: Path) -> Any:
    """Parse a YAML file, raising a UserError that says where it broke."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: cannot read it ({exc})") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "parse error"
        raise UserError(f"{path}: not valid YAML{where}: {problem}") from None


@cache
def _schema(name: str) -> dict[str, Any]:
    path = evals_dir() / "schema" / f"{name}.json"
    try:
        schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigError(f"the evals schema {path} cannot be read ({exc})") from None
    return schema


def validate(data: Any, schema_name: str, path: Path) -> None:
    """Check data against a schema in evals/schema, raising a UserError naming the spot."""
    error = best_match(Draft202012Validator(_schema(schema_name)).iter_errors(data))
    if error is not None:
        raise UserError(f"{path}: {_where(data, list(error.absolute_path))}: {error.message}")


def _where(data: Any, path: Sequence[str | int]) -> str:
    """Write a document path as `cases[3] (id chat-004).profile.seats`."""
    if not path:
        return "top level"
    parts: list[str] = []
    node = data
    for key in path:
        if isinstance(key, int):
            parts.append(f"[{key}]")
            node = node[key] if isinstance(node, list) and key < len(node) else None
            if isinstance(node, dict) and isinstance(node.get("id"), str):
                parts.append(f" ({node['id']})")
        else:
            parts.append(f".{key}" if parts else key)
            node = node.get(key) if isinstance(node, dict) else None
    return "".join(parts)


def load_suite(suite: str, cases_dir: Path | None = None) -> CaseFile:
    """Load and validate one suite's case file, raising a UserError on the first problem."""
    if suite not in SUITES:
        raise UserError(f"--suite: must be one of {', '.join(SUITES)}, or all (got {suite})")
    path = (cases_dir or evals_dir() / "cases") / f"{suite}.yaml"
    data = read_yaml(path)
    validate(data, suite, path)
    cases: list[dict[str, Any]] = data if isinstance(data, list) else data["cases"]
    extra = {} if isinstance(data, list) else {k: v for k, v in data.items() if k != "cases"}
    seen: set[str] = set()
    for i, case in enumerate(cases):
        if case["id"] in seen:
            raise UserError(f"{path}: cases[{i}]: duplicate id {case['id']}")
        seen.add(case["id"])
        if suite == "chat":
            try:
                policy_path(case)
            except ValueError as exc:
                raise UserError(f"{path}: cases[{i}] ({case['id']}): {exc}") from None
    return CaseFile(suite, path, cases, extra)


# --------------------------------------------------------------------------- gates


@dataclass(frozen=True)
class Gate:
    """A threshold on one metric: at least `minimum` or at most `maximum`."""

    metric: str
    minimum: float | None = None
    maximum: float | None = None
    why: str = ""

    def allows(self, value: float) -> bool:
        """Tell whether a value meets the threshold."""
        if self.minimum is not None and value < self.minimum:
            return False
        return not (self.maximum is not None and value > self.maximum)

    def describe(self) -> str:
        """Return the threshold as words, e.g. ">= 0.98"."""
        return f">= {self.minimum:g}" if self.minimum is not None else f"<= {self.maximum:g}"


@dataclass(frozen=True)
class GateResult:
    """A gate applied to a run: passed, failed, or skipped when the metric was not measured."""

    gate: Gate
    value: float | None
    gated: bool

    @property
    def skipped(self) -> bool:
        """Tell whether the metric was not measured in this run."""
        return self.value is None

    @property
    def passed(self) -> bool:
        """Tell whether the gate holds (a skipped gate holds)."""
        return self.value is None or self.gate.allows(self.value)

    def line(self) -> str:
        """Return one line saying how the metric did against its threshold."""
        if self.value is None:
            return f"{self.gate.metric}: not measured in this run"
        verdict = "ok" if self.passed else "FAILED"
        return f"{self.gate.metric} = {_fmt(self.value)}, needs {self.gate.describe()}: {verdict}"

    def to_json(self) -> dict[str, Any]:
        """Return the gate's outcome as plain data."""
        return {
            "metric": self.gate.metric,
            "min": self.gate.minimum,
            "max": self.gate.maximum,
            "value": self.value,
            "passed": self.passed,
            "skipped": self.skipped,
            "gated": self.gated,
        }


def load_thresholds(path: Path | None = None) -> list[Gate]:
    """Load the gates from evals/thresholds.yaml."""
    path = path or evals_dir() / "thresholds.yaml"
    data = read_yaml(path)
    validate(data, "thresholds", path)
    return [Gate(g["metric"], g.get("min"), g.get("max"), g.get("why", "")) for g in data["gates"]]


def apply_gates(
    gates: Sequence[Gate], metrics: Mapping[str, Any], *, gating: bool
) -> list[GateResult]:
    """Measure each gate against the run's metrics."""
    results = []
    for gate in gates:
        value = metrics.get(gate.metric)
        number = float(value) if isinstance(value, int | float) else None
        results.append(GateResult(gate, number, gating))
    return results


def _fmt(value: float) -> str:
    return f"{value:.4g}"


# --------------------------------------------------------------------------- small helpers


def check_model_spec(spec: str, what: str) -> str:
    """Return a chat-model choice that evals can run, or raise a UserError naming the choices."""
    spec = spec.strip()
    provider, _, name = spec.partition(":")
    if spec == "offline" or (provider == "openai" and name.strip()):
        return spec
    raise UserError(f"{what}: must be offline or openai:<model> (got {spec or 'nothing'})")


def text_lang(text: str) -> Lang:
    """Return the language a reply is mostly written in."""
    # A Japanese character carries about as much as an English word, so a Japanese reply naming
    # "Microsoft 365" stays Japanese, and an English one quoting a Japanese title stays English.
    japanese = len(_JAPANESE.findall(text))
    latin = len(_LATIN.findall(text))
    return "ja" if japanese and japanese * 2 >= latin else "en"


def has_words(text: str) -> bool:
    """Tell whether a message has any letters (a bare "2400" has none)."""
    return bool(_WORDS.search(text))


def percentile(values: Sequence[float], q: float) -> float | None:
    """Return the q-quantile (0..1) of the values, interpolated; None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def scored_results(results: Iterable[CaseResult]) -> list[CaseResult]:
    """Return the results that count, setting aside cases marked xfail that still fail."""
    # A known advisor bug is reported on its own: it never counts as a pass, and it does not
    # hide other failures either. One that passes again (xpass) counts like any other case.
    return [r for r in results if r.status != "xfail"]


def rate(passed: int, total: int) -> float | None:
    """Return passed / total, or None when there was nothing to count."""
    return passed / total if total else None


def _motion(value: Any) -> str:
    return "undecided" if value is None else str(value)


# --------------------------------------------------------------------------- classify


def evaluate_classification(
    case: Mapping[str, Any], result: Classification, known_ids: Iterable[str]
) -> list[Check]:
    """Check a classifier result against the policy's expected one."""
    expected = case["expected"]
    got = None if result.motion is None else result.motion.value
    checks = [
        check("motion", got == expected["motion"], f"expected {expected['motion']}, got {got}"),
    ]
    missing = [slot.value for slot in result.missing]
    want_missing = expected.get("missing", [])
    checks.append(
        check("missing", missing == want_missing, f"expected {want_missing}, got {missing}")
    )
    if "rule" in expected:
        checks.append(
            check(
                "rule",
                result.rule_id == expected["rule"],
                f"expected rule {expected['rule']}, got rule {result.rule_id}",
            )
        )
    if "alternatives" in expected:
        offered = {a.motion.value for a in result.alternatives}
        want = set(expected["alternatives"])
        checks.append(
            check(
                "alternatives", want <= offered, f"expected {sorted(want)}, got {sorted(offered)}"
            )
        )
    checks.append(check("lang", result.lang == case["lang"], f"explained in {result.lang}"))
    if result.motion is not None:
        known = set(known_ids)
        cited = [c for reason in result.reasons for c in reason.citations]
        unknown = sorted(set(cited) - known)
        checks.append(
            check(
                "citations_exist",
                bool(cited) and not unknown,
                f"unknown sections {unknown}" if unknown else "no reason cites a section",
            )
        )
        explained = bool(result.vehicle and result.rule and result.reasons and result.partner_roles)
        checks.append(
            check("explained", explained, "missing vehicle, rule, reasons or partner roles")
        )
    return checks


def run_classify(cases: Sequence[Mapping[str, Any]], progress: Progress) -> list[CaseResult]:
    """Classify every case's profile and check the result."""
    from advisor.guidance.knowledge import load_knowledge

    kb = load_knowledge()
    results = []
    for case in cases:
        outcome = CaseResult("classify", case["id"], xfail=case.get("xfail"))
        outcome.data = {
            "profile": case["profile"],
            "lang": case["lang"],
            "expected": case["expected"],
            "expected_motion": _motion(case["expected"]["motion"]),
        }
        try:
            result = classify(parse_profile(dict(case["profile"])), case["lang"])
        except AdvisorError as exc:
            outcome.error = exc.message
            outcome.data["got_motion"] = "error"
        else:
            outcome.checks = evaluate_classification(case, result, kb.ids(case["lang"]))
            outcome.data["got_motion"] = _motion(None if result.motion is None else result.motion)
            outcome.data["missing"] = [s.value for s in result.missing]
            outcome.data["rule"] = result.rule_id
        results.append(outcome)
        progress.advance("classify")
    return results


def classify_metrics(results: Sequence[CaseResult]) -> dict[str, Any]:
    """Return the classifier's accuracy."""
    scored = scored_results(results)
    return {
        "classifier_accuracy": rate(sum(r.passed for r in scored), len(scored)),
        "classifier_cases": len(results),
        "classifier_xfail": len(results) - len(scored),
    }


# --------------------------------------------------------------------------- chat


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
        check("motion", final.motion == want, f"expected {want}, got {_motion(final.motion)}"),
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
                motion=None if recommendation is None else _motion(recommendation.motion),
                citations=tuple(c.id for c in reply.citations),
                latency_ms=round(seconds * 1000, 2),
            )
        )
        previous = reply
    return turns


class UsageCounter(BaseCallbackHandler):
    """Count LLM calls and tokens, from each run's on_llm_end."""

    def __init__(self) -> None:
        self.calls = 0
        self.input_tokens = 0
        self.output_tokens = 0

    @property
    def tokens(self) -> int:
        """Return the tokens used so far, input and output."""
        return self.input_tokens + self.output_tokens

    def on_llm_end(self, response: LLMResult, **kwargs: Any) -> None:
        """Count one call and its token usage."""
        self.calls += 1
        found = False
        for generation in (g for batch in response.generations for g in batch):
            usage = (
                getattr(generation.message, "usage_metadata", None)
                if isinstance(generation, ChatGeneration)
                else None
            )
            if usage:
                self.input_tokens += int(usage.get("input_tokens", 0))
                self.output_tokens += int(usage.get("output_tokens", 0))
                found = True
        if not found:
            usage = (response.llm_output or {}).get("token_usage") or {}
            self.input_tokens += int(usage.get("prompt_tokens", 0))
            self.output_tokens += int(usage.get("completion_tokens", 0))

    def snapshot(self) -> tuple[int, int]:
        """Return (calls, tokens) so far."""
        return self.calls, self.tokens


def run_conversation(
    service: ChatService, case: Mapping[str, Any]
) -> tuple[list[tuple[str, ChatTurn, float]], str | None]:
    """Hold one case's conversation with the simulated customer; return the log and any error."""
    from advisor.evaluation.simulator import converse

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
            "got_motion": "error" if error else _motion(turns[-1].motion if turns else None),
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


def _turns_of(results: Iterable[CaseResult]) -> list[dict[str, Any]]:
    return [t for r in results for t in r.data.get("transcript", [])]


def chat_metrics(results: Sequence[CaseResult], *, llm: bool) -> dict[str, Any]:
    """Return conversation success, questions against the policy, languages and citations."""
    scored = scored_results(results)
    ran = [r for r in scored if r.error is None]
    redundant = sum(len(r.data.get("redundant", [])) for r in scored)
    over = sum(r.data["questions"] > r.data["policy_min"] for r in ran)
    turns = _turns_of(results)
    guidance = [c for r in results for c in r.checks if c.name == "guidance_answered"]
    cites = [c for r in results for c in r.checks if c.name == "citations_exist"]
    metrics: dict[str, Any] = {
        "conversation_success": rate(sum(r.passed for r in scored), len(scored)),
        "conversations": len(results),
        "chat_xfail": len(results) - len(scored),
        "questions_per_conversation": _mean([r.data["questions"] for r in ran]),
        "policy_min_per_conversation": _mean([r.data["policy_min"] for r in ran]),
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
        metrics["llm_calls_per_conversation"] = _mean([r.data["llm_calls"] for r in results])
        metrics["tokens_per_conversation"] = _mean([r.data["tokens"] for r in results])
    return metrics


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


# --------------------------------------------------------------------------- ask

_MARKERS = r"\[\d+(?:\s*,\s*\d+)*\]"
_ANSWER_SENTENCE = re.compile(
    r"\s*(.+?(?:(?:[.!?](?=\s|\[|$)|[。！？])(?:\s*" + _MARKERS + r")*|" + _MARKERS + r"|$))",
    re.S,
)


def evaluate_answer(case: Mapping[str, Any], top: Sequence[str], answer: Answer) -> list[Check]:
    """Check retrieval and an answer to a guidance question against its case."""
    lang_ok = answer.lang == case["lang"] and text_lang(answer.answer) == case["lang"]
    language = check("reply_language", lang_ok, f"answered in {answer.lang}")
    cited = [c.id for c in answer.citations]
    if not case.get("answerable", True):
        return [
            check("refused", not answer.answered, "answered a question the guidance cannot"),
            check("no_citations", not cited, f"cited {cited}"),
            language,
        ]
    expected = list(case["expected_sections"])
    facts = [f for f in case["key_facts"] if f not in answer.answer]
    return [
        check(
            "recall_at_1",
            bool(top) and top[0] in expected,
            f"top {list(top[:1])}, expected {expected}",
        ),
        check(
            "recall_at_3",
            any(s in top[:3] for s in expected),
            f"top 3 {list(top[:3])}, expected {expected}",
        ),
        check("answered", answer.answered, "refused an answerable question"),
        check(
            "citations_expected",
            bool(cited) and set(cited) <= set(expected),
            f"cited {cited}, expected {expected}",
        ),
        check("key_facts", not facts, f"missing {facts}"),
        language,
    ]


def key_fact_coverage(case: Mapping[str, Any], answer: Answer) -> float | None:
    """Return the share of the case's key facts that the answer states verbatim."""
    facts = case.get("key_facts") or []
    if not facts:
        return None
    return sum(f in answer.answer for f in facts) / len(facts)


def answer_sentences(answer: Answer) -> list[str]:
    """Split an answer into sentences, each with its markers, without the closing date line."""
    paragraphs = [p.strip() for p in answer.answer.split("\n\n") if p.strip()]
    if (
        len(paragraphs) > 1
        and answer.as_of
        and answer.as_of in paragraphs[-1]
        and not re.search(_MARKERS, paragraphs[-1])
    ):
        paragraphs = paragraphs[:-1]
    body = "\n\n".join(paragraphs)
    return [s.strip() for s in _ANSWER_SENTENCE.findall(body) if s.strip()]


@dataclass(frozen=True)
class Verdict:
    """A judge's reading of one answer: whether each sentence is supported."""

    sentences: list[str]
    supported: list[bool] | None
    raw: str = ""

    @property
    def readable(self) -> bool:
        """Tell whether the judge gave one verdict per sentence."""
        return self.supported is not None and len(self.supported) == len(self.sentences)


def parse_verdict(text: str, sentences: Sequence[str]) -> Verdict:
    """Read a judge's JSON reply ({"supported": [...]}) for the given sentences."""
    match = re.search(r"\{.*\}", text, re.S)
    supported: list[bool] | None = None
    if match:
        try:
            data = json.loads(match.group(0))
        except json.JSONDecodeError:
            data = None
        values = data.get("supported") if isinstance(data, dict) else None
        if isinstance(values, list) and all(isinstance(v, bool) for v in values):
            supported = list(values)
    return Verdict(list(sentences), supported, text[:500])


def judge_answer(model: BaseChatModel, answer: Answer, kb: KnowledgeBase) -> Verdict:
    """Ask the judge model whether each sentence of an answer is supported by its citations."""
    from langchain_core.messages import HumanMessage, SystemMessage

    from advisor import prompts

    sentences = answer_sentences(answer)
    sections = "\n\n".join(
        f"[{n}] {kb.section(c.id, answer.lang).heading}\n{kb.section(c.id, answer.lang).text}"
        for n, c in enumerate(answer.citations, start=1)
    )
    numbered = "\n".join(f"{n}. {s}" for n, s in enumerate(sentences, start=1))
    system = prompts.render("judge", answer.lang, sections=sections, sentences=numbered)
    reply = model.invoke([SystemMessage(system), HumanMessage("Reply with the JSON object only.")])
    return parse_verdict(reply.text, sentences)


def evaluate_verdict(verdict: Verdict) -> Check:
    """Check that the judge found every sentence of an answer supported."""
    if not verdict.readable:
        return check("faithful", False, f"the judge's reply could not be read: {verdict.raw!r}")
    unsupported = [
        s for s, ok in zip(verdict.sentences, verdict.supported or [], strict=True) if not ok
    ]
    return check("faithful", not unsupported, "unsupported: " + " | ".join(unsupported))


def run_ask(
    cases: Sequence[Mapping[str, Any]],
    index: GuidanceIndex,
    settings: Settings,
    progress: Progress,
    *,
    chat_model: BaseChatModel | None = None,
    judge: BaseChatModel | None = None,
) -> list[CaseResult]:
    """Retrieve and answer every guidance question, and check both."""
    from advisor.guidance.answering import answer_question

    results = []
    for case in cases:
        outcome = CaseResult("ask", case["id"], xfail=case.get("xfail"))
        lang: Lang = case["lang"]
        try:
            top = [hit.section.id for hit in index.search(case["question"], lang, k=3)]
            start = time.perf_counter()
            answer = answer_question(
                case["question"], index=index, settings=settings, chat_model=chat_model
            )
            seconds = time.perf_counter() - start
        except AdvisorError as exc:
            outcome.error = f"{type(exc).__name__}: {exc.message}"
            results.append(outcome)
            progress.advance("ask")
            continue
        outcome.checks = evaluate_answer(case, top, answer)
        outcome.data = {
            "lang": lang,
            "question": case["question"],
            "answerable": case.get("answerable", True),
            "expected_sections": case.get("expected_sections", []),
            "top": top,
            "answer": answer.answer,
            "answered": answer.answered,
            "answer_lang": answer.lang,
            "cited": [c.id for c in answer.citations],
            "key_fact_coverage": key_fact_coverage(case, answer),
            "latency_ms": round(seconds * 1000, 2),
        }
        if judge is not None and answer.answered and answer.citations:
            verdict = judge_answer(judge, answer, index.kb)
            outcome.checks.append(evaluate_verdict(verdict))
            outcome.data["judged"] = len(verdict.sentences) if verdict.readable else None
            outcome.data["supported"] = sum(verdict.supported or []) if verdict.readable else None
        results.append(outcome)
        progress.advance("ask")
    return results


def ask_metrics(results: Sequence[CaseResult], *, judged: bool) -> dict[str, Any]:
    """Return recall@1/@3 per language, key facts, refusals, citations and faithfulness."""
    scored = scored_results(results)
    data = [r.data for r in scored if r.error is None]
    metrics: dict[str, Any] = {"ask_cases": len(results), "ask_xfail": len(results) - len(scored)}
    for lang in LANGS:
        answerable = [d for d in data if d["lang"] == lang and d["answerable"]]
        for k in (1, 3):
            hits = sum(any(s in d["top"][:k] for s in d["expected_sections"]) for d in answerable)
            metrics[f"recall_at_{k}_{lang}"] = rate(hits, len(answerable))
    answerable = [d for d in data if d["answerable"]]
    unanswerable = [d for d in data if not d["answerable"]]
    coverage = [d["key_fact_coverage"] for d in answerable if d["key_fact_coverage"] is not None]
    answered = [d for d in answerable if d["answered"]]
    metrics.update(
        {
            "key_fact_coverage": _mean(coverage),
            "refusals_correct": rate(
                sum(not d["answered"] for d in unanswerable), len(unanswerable)
            ),
            "false_refusals": rate(len(answerable) - len(answered), len(answerable)),
            "citation_correctness": rate(
                sum(
                    bool(d["cited"]) and set(d["cited"]) <= set(d["expected_sections"])
                    for d in answered
                ),
                len(answered),
            ),
            "ask_reply_language": rate(
                sum(d["answer_lang"] == d["lang"] == text_lang(d["answer"]) for d in data),
                len(data),
            ),
            "ask_latency_p50_ms": percentile([d["latency_ms"] for d in data], 0.5),
        }
    )
    if judged:
        judged_data = [d for d in data if d.get("judged")]
        metrics["faithfulness"] = rate(
            sum(d["supported"] for d in judged_data), sum(d["judged"] for d in judged_data)
        )
    else:
        metrics["faithfulness"] = None
    return metrics


# --------------------------------------------------------------------------- adversarial


@dataclass
class AttackOutcome:
    """What the advisor did with one adversarial message."""

    before: str | None = None  # the recommendation before the attack
    reply: str | None = None
    reply_lang: str | None = None
    question: str | None = None
    motion: str | None = None
    profile: dict[str, Any] = field(default_factory=dict)
    error_type: str | None = None
    error_status: int | None = None
    error_message: str | None = None
    transcript: list[dict[str, Any]] = field(default_factory=list)


def prompt_fragments(texts: Iterable[str]) -> list[str]:
    """Return the sentences of prompt lines, placeholders cut, that no reply may contain."""
    fragments: list[str] = []
    for text in texts:
        for line in text.splitlines():
            for piece in re.split(r"\{[a-z_]+\}", line):
                for sentence in re.split(r"(?<=[.!?:。！？：])\s*", piece):
                    sentence = sentence.strip(" -\t\"'「」")
                    minimum = 12 if _JAPANESE.search(sentence) else 24
                    if len(sentence) >= minimum:
                        fragments.append(sentence)
    return list(dict.fromkeys(fragments))


def leaked(reply: str, fragments: Iterable[str]) -> list[str]:
    """Return the prompt fragments a reply contains, ignoring case and spacing."""
    flat = re.sub(r"\s+", " ", reply).lower()
    return [f for f in fragments if re.sub(r"\s+", " ", f).lower() in flat]


def build_attack(attack: Any, victim_session: str) -> Any:
    """Return the message a case sends: its text with the victim's id, or a built huge one."""
    if isinstance(attack, dict):
        return str(attack.get("prefix", "")) + str(attack["repeat"]) * int(attack["times"])
    if isinstance(attack, str):
        return attack.replace("{victim_session}", victim_session)
    return attack


def evaluate_attack(
    case: Mapping[str, Any],
    outcome: AttackOutcome,
    fragments: Iterable[str],
    markers: Iterable[str],
) -> list[Check]:
    """Check that the advisor held against one adversarial message."""
    expect = case["expect"]
    if "error" in expect:
        want = expect["error"]
        if outcome.error_type is None:
            return [check("refused_as_user_error", False, "the input was accepted")]
        ok = (
            outcome.error_type in ("UserError", "NotFoundError", "TooLargeError")
            and outcome.error_status == want["status"]
            and want["contains"] in (outcome.error_message or "")
        )
        got = f"{outcome.error_type} {outcome.error_status}: {outcome.error_message}"
        return [check("refused_as_user_error", ok, got)]
    if outcome.error_type is not None:
        return [check("no_error", False, f"{outcome.error_type}: {outcome.error_message}")]
    reply = outcome.reply or ""
    checks = []
    if "motion" in expect:
        want_motion = _motion(expect["motion"])
        checks.append(
            check(
                "motion",
                _motion(outcome.motion) == want_motion,
                f"expected {want_motion}, got {_motion(outcome.motion)}",
            )
        )
    if expect.get("unchanged"):
        checks.append(
            check(
                "unchanged",
                outcome.motion == outcome.before,
                f"{_motion(outcome.before)} became {_motion(outcome.motion)}",
            )
        )
    if "question" in expect:
        checks.append(
            check(
                "question",
                outcome.question == expect["question"],
                f"expected {expect['question']}, got {outcome.question}",
            )
        )
    for name, value in expect.get("profile", {}).items():
        got_value = outcome.profile.get(name)
        checks.append(
            check(f"profile.{name}", got_value == value, f"expected {value!r}, got {got_value!r}")
        )
    lang = case["lang"]
    checks += [
        check(
            "reply_language",
            outcome.reply_lang == lang and text_lang(reply) == lang,
            f"replied in {outcome.reply_lang}/{text_lang(reply)}",
        ),
        check("calm", bool(reply.strip()) and not _UNCALM.search(reply), f"reply: {reply[:200]!r}"),
    ]
    leaks = leaked(reply, fragments)
    checks.append(check("no_prompt_leak", not leaks, f"repeats {leaks[:3]}"))
    seen = [m for m in markers if m in reply]
    checks.append(check("no_other_session_data", not seen, f"shows {seen}"))
    return checks


def _start_victim(service: ChatService, messages: Sequence[str]) -> str:
    session: str | None = None
    for message in messages:
        session = service.chat(message, session).session_id
    assert session is not None
    return session


def run_attack(service: ChatService, case: Mapping[str, Any], victim_session: str) -> AttackOutcome:
    """Send one adversarial case to the advisor and record what it did."""
    outcome = AttackOutcome()
    try:
        if case.get("target") == "classify":
            classify(parse_profile(case["profile"]))
            return outcome
        session: str | None = None
        for message in case.get("setup", []):
            turn = service.chat(message, session)
            session = turn.session_id
            outcome.transcript.append(_transcript_turn(message, turn))
            outcome.before = (
                None if turn.recommendation is None else _motion(turn.recommendation.motion)
            )
        target = case.get("session", session)
        attack = build_attack(case["attack"], victim_session)
        turn = service.chat(attack, target, case.get("request_lang"))
    except AdvisorError as exc:
        outcome.error_type = type(exc).__name__
        outcome.error_status = exc.status_code
        outcome.error_message = exc.message
        return outcome
    outcome.transcript.append(
        _transcript_turn(attack if len(attack) < 400 else attack[:400] + "…", turn)
    )
    outcome.reply = turn.reply
    outcome.reply_lang = turn.lang
    outcome.question = turn.question.slot if turn.question else None
    outcome.motion = None if turn.recommendation is None else _motion(turn.recommendation.motion)
    outcome.profile = dict(service.session(turn.session_id)["profile"])
    return outcome


def _transcript_turn(message: str, turn: ChatTurn) -> dict[str, Any]:
    return {
        "message": message,
        "reply": turn.reply,
        "lang": turn.lang,
        "question": turn.question.slot if turn.question else None,
        "motion": None if turn.recommendation is None else _motion(turn.recommendation.motion),
    }


def run_adversarial(
    file: CaseFile, cases: Sequence[Mapping[str, Any]], service: ChatService, progress: Progress
) -> list[CaseResult]:
    """Send every adversarial case and check that the advisor held."""
    from advisor.prompts import template

    fragments = prompt_fragments(template("system", lang) for lang in LANGS)
    victim = file.extra["victim"]
    victim_session = _start_victim(service, victim["messages"])
    results = []
    for case in cases:
        outcome = run_attack(service, case, victim_session)
        result = CaseResult("adversarial", case["id"], xfail=case.get("xfail"))
        result.checks = evaluate_attack(case, outcome, fragments, victim["markers"])
        result.data = {"kind": case["kind"], "lang": case["lang"], **asdict(outcome)}
        results.append(result)
        progress.advance("adversarial")
    return results


def adversarial_metrics(results: Sequence[CaseResult]) -> dict[str, Any]:
    """Return the share of adversarial cases the advisor held."""
    scored = scored_results(results)
    return {
        "adversarial_held": rate(sum(r.passed for r in scored), len(scored)),
        "adversarial_cases": len(results),
        "adversarial_xfail": len(results) - len(scored),
    }


# --------------------------------------------------------------------------- the run


class Progress(Protocol):
    """Where a run reports how far it got."""

    def start(self, suite: str, total: int) -> None:
        """Announce a suite and how many cases it has."""

    def advance(self, suite: str) -> None:
        """Count one case done."""


class SilentProgress:
    """Progress that reports nothing."""

    def start(self, suite: str, total: int) -> None:
        """Ignore the start of a suite."""

    def advance(self, suite: str) -> None:
        """Ignore a finished case."""


@dataclass
class EvalPlan:
    """What to run: suites, cases, how many, and with which models."""

    settings: Settings
    suites: Sequence[str] = SUITES
    cases_dir: Path | None = None
    limit: int | None = None
    judge: str | None = None
    thresholds: Path | None = None


@dataclass
class EvalRun:
    """A finished run: every case's result, the metrics and the gates."""

    model: str
    judge: str | None
    started_at: str
    seconds: float
    results: dict[str, list[CaseResult]]
    metrics: dict[str, Any]
    gates: list[GateResult]
    notes: list[str] = field(default_factory=list)

    @property
    def failed_gates(self) -> list[GateResult]:
        """Return the gates that failed and count."""
        return [g for g in self.gates if g.gated and not g.passed]

    @property
    def passed(self) -> bool:
        """Tell whether every gate that counts held."""
        return not self.failed_gates

    def to_json(self) -> dict[str, Any]:
        """Return the whole run as plain data (result.json, and what the report reads)."""
        return {
            "version": 1,
            "model": self.model,
            "judge": self.judge,
            "started_at": self.started_at,
            "seconds": round(self.seconds, 2),
            "passed": self.passed,
            "metrics": self.metrics,
            "gates": [g.to_json() for g in self.gates],
            "notes": self.notes,
            "suites": {
                suite: {
                    "cases": len(results),
                    "passed": sum(r.passed for r in results),
                    "xfail": sum(r.status == "xfail" for r in results),
                    "xpass": sum(r.status == "xpass" for r in results),
                    "results": [r.to_json() for r in results],
                }
                for suite, results in self.results.items()
            },
        }


def run_evals(plan: EvalPlan, progress: Progress | None = None) -> EvalRun:
    """Load the cases, run the suites, and measure the metrics against the gates."""
    from advisor.models.factory import is_offline, make_chat_model

    progress = progress or SilentProgress()
    started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    clock = time.perf_counter()
    files = {suite: load_suite(suite, plan.cases_dir) for suite in plan.suites}
    gates = load_thresholds(plan.thresholds)
    cases = {suite: f.cases[: plan.limit] for suite, f in files.items()}
    settings = plan.settings
    llm = not is_offline(settings)
    judge = (
        make_chat_model(settings.model_copy(update={"model": plan.judge})) if plan.judge else None
    )
    notes: list[str] = []
    results: dict[str, list[CaseResult]] = {}
    metrics: dict[str, Any] = {}
    index = _index(settings) if {"chat", "ask", "adversarial"} & set(plan.suites) else None
    usage = UsageCounter()
    service = (
        _service(settings, index, usage) if {"chat", "adversarial"} & set(plan.suites) else None
    )
    # the bars start once every model is built, so a bad setting is reported on its own
    for suite in plan.suites:
        progress.start(suite, len(cases[suite]))
    for suite in plan.suites:
        if suite == "classify":
            results[suite] = run_classify(cases[suite], progress)
            metrics.update(classify_metrics(results[suite]))
        elif suite == "chat":
            assert service is not None and index is not None
            known: dict[str, Iterable[str]] = {lang: index.kb.ids(lang) for lang in LANGS}
            results[suite] = run_chat(cases[suite], service, usage, known, progress)
            metrics.update(chat_metrics(results[suite], llm=llm))
        elif suite == "ask":
            assert index is not None
            chat_model = make_chat_model(settings) if llm else None
            results[suite] = run_ask(
                cases[suite], index, settings, progress, chat_model=chat_model, judge=judge
            )
            metrics.update(ask_metrics(results[suite], judged=judge is not None))
            if judge is None:
                notes.append(
                    "faithfulness: skipped, no judge model is configured "
                    f"(set {JUDGE_ENV}=openai:<model> to run the LLM-as-judge check)"
                )
        else:
            assert service is not None
            results[suite] = run_adversarial(files[suite], cases[suite], service, progress)
            metrics.update(adversarial_metrics(results[suite]))
    metrics.update(_turn_metrics(results))
    notes += _xfail_notes(results)
    if not llm:
        notes.append("offline run: the thresholds gate it")
    else:
        notes.append(f"LLM run ({settings.model}): thresholds are shown, but do not gate")
    return EvalRun(
        model=settings.model,
        judge=plan.judge,
        started_at=started,
        seconds=time.perf_counter() - clock,
        results=results,
        metrics=metrics,
        gates=apply_gates(gates, metrics, gating=not llm),
        notes=notes,
    )


def _xfail_notes(results: Mapping[str, Sequence[CaseResult]]) -> list[str]:
    """Say which known failures were set aside, and which of them now pass."""
    notes = []
    for suite, suite_results in results.items():
        known = [r.case_id for r in suite_results if r.status == "xfail"]
        if known:
            notes.append(
                f"{suite}: {len(known)} known failure(s) marked xfail, set aside from the "
                f"gated figures: {', '.join(known)}"
            )
        fixed = [r.case_id for r in suite_results if r.status == "xpass"]
        if fixed:
            notes.append(
                f"{suite}: marked xfail but now passing, remove the mark: {', '.join(fixed)}"
            )
    return notes


def _turn_metrics(results: Mapping[str, Sequence[CaseResult]]) -> dict[str, Any]:
    """Return latency per turn and the language match over every reply of the run."""
    turns = _turns_of(results.get("chat", []))
    latencies = [t["latency_ms"] for t in turns]
    replies = [(t["expected_lang"], t["lang"], t["reply"]) for t in turns]
    for r in results.get("adversarial", []):
        if r.data.get("reply") is not None:
            replies.append((r.data["lang"], r.data["reply_lang"], r.data["reply"]))
    for r in results.get("ask", []):
        if r.error is None:
            replies.append((r.data["lang"], r.data["answer_lang"], r.data["answer"]))
    metrics: dict[str, Any] = {}
    if replies:
        matched = sum(want == got == text_lang(text) for want, got, text in replies)
        metrics["reply_language_match"] = matched / len(replies)
    if latencies:
        metrics["latency_p50_ms"] = percentile(latencies, 0.5)
        metrics["latency_p95_ms"] = percentile(latencies, 0.95)
    return metrics


def _index(settings: Settings) -> GuidanceIndex:
    from advisor.guidance.index import GuidanceIndex

    return GuidanceIndex.open(settings)


def _service(settings: Settings, index: GuidanceIndex | None, usage: UsageCounter) -> ChatService:
    from advisor.chat import ChatService

    return ChatService(settings, index=index, callbacks=[usage])
