"""The metrics as the reports show them: names, meanings, units, and how a gate reads."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# name -> (how it is shown, what it means, unit: rate, count, mean, ms)
METRICS: dict[str, tuple[str, str, str]] = {
    "classifier_accuracy": (
        "Classifier accuracy",
        "Profiles whose motion, missing slots, rule and alternatives match the policy.",
        "rate",
    ),
    "conversation_success": (
        "Conversation success",
        "Conversations that reach the policy's motion in the policy's questions, with no "
        "redundant question, replies in the customer's language and existing citations.",
        "rate",
    ),
    "questions_per_conversation": (
        "Questions per conversation",
        "Questions the advisor asked (a re-ask after a guidance question not counted).",
        "mean",
    ),
    "policy_min_per_conversation": (
        "Policy minimum per conversation",
        "Questions the policy needs, given the facts the customer states.",
        "mean",
    ),
    "conversations_over_policy_min": (
        "Conversations over the minimum",
        "Conversations that asked more questions than the policy needs.",
        "count",
    ),
    "redundant_questions": (
        "Redundant questions",
        "Questions about a slot the customer had already given (in any earlier message).",
        "count",
    ),
    "guidance_answered": (
        "Guidance answered mid-interview",
        "Guidance questions in a conversation answered with citations, the pending question kept.",
        "rate",
    ),
    "recommendation_citations": (
        "Recommendation citations",
        "Conversations whose recommendation cites sections that exist in the knowledge base.",
        "rate",
    ),
    "recall_at_1_en": ("Recall@1 (en)", "The first section retrieved is an expected one.", "rate"),
    "recall_at_3_en": ("Recall@3 (en)", "An expected section is among the first three.", "rate"),
    "recall_at_1_ja": ("Recall@1 (ja)", "The first section retrieved is an expected one.", "rate"),
    "recall_at_3_ja": ("Recall@3 (ja)", "An expected section is among the first three.", "rate"),
    "key_fact_coverage": (
        "Key-fact coverage",
        "Share of each answerable question's key facts that the answer states verbatim.",
        "rate",
    ),
    "refusals_correct": (
        "Refusals on unanswerable",
        "Questions the guidance cannot answer that the advisor declines instead of guessing.",
        "rate",
    ),
    "false_refusals": (
        "False refusals",
        "Answerable questions the advisor declined.",
        "rate",
    ),
    "citation_correctness": (
        "Citation correctness (ask)",
        "Answers whose cited sections are all among the expected ones.",
        "rate",
    ),
    "faithfulness": (
        "Faithfulness (LLM judge)",
        "Answer sentences a judge model finds supported by their cited sections.",
        "rate",
    ),
    "adversarial_held": (
        "Adversarial held",
        "Injections, prompt and session requests, off-topic, contradictory, absurd, huge and "
        "invalid input that the advisor withstood.",
        "rate",
    ),
    "regression_motion": (
        "Regression cases",
        "Real conversations made into cases from the console (evals/cases/regression*.yaml) "
        "whose final turn recommends the motion their case expects.",
        "rate",
    ),
    "reply_language_match": (
        "Reply language",
        "Replies (chat, ask, adversarial) in the language of the customer's latest message.",
        "rate",
    ),
    "latency_p50_ms": ("Latency p50 per turn", "Median time of one chat turn.", "ms"),
    "latency_p95_ms": ("Latency p95 per turn", "95th percentile time of one chat turn.", "ms"),
    "ask_latency_p50_ms": ("Ask latency p50", "Median time to answer one guidance question.", "ms"),
    "llm_calls_per_conversation": (
        "LLM calls per conversation",
        "Chat-model calls in one conversation (LangChain on_llm_end).",
        "mean",
    ),
    "tokens_per_conversation": (
        "Tokens per conversation",
        "Input and output tokens the model reported in one conversation.",
        "mean",
    ),
}

SUMMARY = (
    "classifier_accuracy",
    "conversation_success",
    "questions_per_conversation",
    "policy_min_per_conversation",
    "redundant_questions",
    "recall_at_1_en",
    "recall_at_3_en",
    "recall_at_1_ja",
    "recall_at_3_ja",
    "key_fact_coverage",
    "refusals_correct",
    "citation_correctness",
    "recommendation_citations",
    "faithfulness",
    "reply_language_match",
    "adversarial_held",
    "regression_motion",
    "latency_p50_ms",
    "latency_p95_ms",
    "llm_calls_per_conversation",
    "tokens_per_conversation",
)


# The blind sets' metrics, shown apart from the rest and never gated. Each is measured per
# scope: "en", "ja", and "all" (no suffix) where the suite gives an overall figure.
# base name -> (how it is shown, what it means, unit, the count a rate is a share of, scopes)
LANG_SCOPES = ("en", "ja", "all")
Described = tuple[str, str, str, str | None, tuple[str, ...]]


def _conversation_set(prefix: str, name: str, lead: str, kind: str) -> dict[str, Described]:
    """Describe a set of blind persona conversations' motion, profile and repeat shares."""
    cases = f"{prefix}_cases"
    return {
        f"{prefix}_motion": (
            f"{name}: expected motion",
            f"{lead} whose final turn recommends the expected motion.",
            "rate",
            cases,
            LANG_SCOPES,
        ),
        f"{prefix}_profile": (
            f"{name}: whole expected profile",
            f"{kind} conversations whose stored profile holds every expected slot.",
            "rate",
            cases,
            LANG_SCOPES,
        ),
        f"{prefix}_no_repeat": (
            f"{name}: no verbatim repeat",
            f"{kind} conversations in which no reply repeats the one before it.",
            "rate",
            cases,
            LANG_SCOPES,
        ),
    }


def _ask_set(prefix: str, name: str, lead: str) -> dict[str, Described]:
    """Describe a set of guidance questions' right answers, refusals and in-scope refusals."""
    return {
        f"{prefix}_correct": (
            f"{name}: key facts and citation",
            f"{lead}, answerable (glossary ones included), whose answer states every key fact "
            "and cites the first expected section.",
            "rate",
            f"{prefix}_answerable",
            ("en", "ja"),
        ),
        f"{prefix}_refused": (
            f"{name}: refused when it should",
            f"{lead} that the guidance cannot answer (prices, SKUs, regions, later dates, "
            "unrelated) and the advisor declined.",
            "rate",
            f"{prefix}_to_refuse",
            ("en", "ja"),
        ),
        f"{prefix}_in_scope_refused": (
            f"{name}: in-scope refused",
            "Answerable questions the advisor declined, for any reason.",
            "count",
            None,
            ("en", "ja"),
        ),
        f"{prefix}_in_scope_refused_as_price": (
            f"{name}: in-scope refused as price",
            "Answerable questions the advisor declined as asking for a price.",
            "count",
            None,
            ("en", "ja"),
        ),
    }


BLIND_METRICS: dict[str, Described] = {
    "blind_chat_motion": (
        "blind chat: expected motion",
        "Persona conversations whose final turn recommends the expected motion (none when the "
        "expected result is undecided).",
        "rate",
        "blind_chat_cases",
        ("en", "ja", "all"),
    ),
    "blind_chat_profile": (
        "blind chat: whole expected profile",
        "Conversations whose stored profile holds every expected slot.",
        "rate",
        "blind_chat_cases",
        ("en", "ja", "all"),
    ),
    "blind_chat_no_repeat": (
        "blind chat: no verbatim repeat",
        "Conversations in which no reply repeats the one before it word for word.",
        "rate",
        "blind_chat_cases",
        ("en", "ja", "all"),
    ),
    "blind_chat_turns": (
        "blind chat: turns per conversation",
        "Persona messages sent: the opener, the answers and the closing messages.",
        "mean",
        None,
        ("en", "ja", "all"),
    ),
    **_conversation_set(
        "heldout_chat",
        "held-out chat",
        "Held-out persona conversations (written blind, never looked at while building)",
        "Held-out",
    ),
    **_conversation_set(
        "dev_chat",
        "development chat",
        "Blind-written development conversations (read case by case while building)",
        "Development",
    ),
    "blind_reader_intent": (
        "blind reader: intent",
        "Blind-written utterances never trained on (the test split and the second set) whose act, "
        "and for an answer its special terms, self-service and preference, the reader gets right.",
        "rate",
        "blind_reader_cases",
        ("en", "ja", "all"),
    ),
    "blind_reader_split_intent": (
        "blind reader: intent, first set's test split",
        "Intent accuracy on the even half of the first blind-written utterances.",
        "rate",
        "blind_reader_split_cases",
        ("en", "ja", "all"),
    ),
    "blind_reader_second_intent": (
        "blind reader: intent, second set",
        "Intent accuracy on a second blind-written set of 1,200 utterances, written later by "
        "other authors and never trained on.",
        "rate",
        "blind_reader_second_cases",
        ("en", "ja", "all"),
    ),
    "blind_reader_facts": (
        "blind reader: facts recorded exactly",
        "Test-split utterances whose act and every recorded slot, figures included, are right.",
        "rate",
        "blind_reader_cases",
        ("en", "ja", "all"),
    ),
    "blind_reader_rules_intent": (
        "blind reader, rules alone: intent",
        "The same intent accuracy for the rule-based reader without the learned model.",
        "rate",
        "blind_reader_cases",
        ("en", "ja", "all"),
    ),
    "blind_reader_rules_facts": (
        "blind reader, rules alone: facts",
        "The same facts accuracy for the rule-based reader without the learned model.",
        "rate",
        "blind_reader_cases",
        ("en", "ja", "all"),
    ),
    **_ask_set(
        "blind_ask",
        "blind ask",
        "Blind-written questions (never looked at while building)",
    ),
    **_ask_set(
        "heldout_ask",
        "held-out ask",
        "Held-out questions (written blind by other authors, never looked at while building)",
    ),
    **_ask_set(
        "dev_ask",
        "development ask",
        "Blind-written development questions (the answering is tuned on them)",
    ),
}


def scoped(base: str, scope: str) -> str:
    """Return a blind metric's name for a scope: en, ja, or all (no suffix)."""
    return base if scope == "all" else f"{base}_{scope}"


def blind_rows(metrics: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Return each blind metric the run measured, per scope, as a label and its value."""
    rows = []
    for base, (label, _, _, _, scopes) in BLIND_METRICS.items():
        for scope in scopes:
            name = scoped(base, scope)
            if name in metrics:
                rows.append((f"{label} ({scope})", blind_value(metrics, base, scope)))
    return rows


def blind_value(metrics: Mapping[str, Any], base: str, scope: str) -> str:
    """Show a blind metric's value, a rate with the count it is a share of, e.g. 50.0% (4/8)."""
    _, _, unit, total, _ = BLIND_METRICS[base]
    value = metrics.get(scoped(base, scope))
    shown = format_value(scoped(base, scope), value)
    count = metrics.get(scoped(total, scope)) if total else None
    if value is None or not isinstance(count, int):
        return shown
    return f"{shown} ({round(value * count)}/{count})"


def _unit(name: str) -> str:
    if name in METRICS:
        return METRICS[name][2]
    base = name.removesuffix("_en").removesuffix("_ja")
    return BLIND_METRICS[base][2] if base in BLIND_METRICS else "mean"


def format_value(name: str, value: Any) -> str:
    """Show a metric's value in its unit: a percentage, a count, a mean or milliseconds."""
    if value is None:
        return "skipped" if name == "faithfulness" else "n/a"
    unit = _unit(name)
    if unit == "rate":
        return f"{100 * float(value):.1f}%"
    if unit == "count":
        return f"{int(value)}"
    if unit == "ms":
        return f"{float(value):.1f} ms"
    return f"{float(value):.2f}"


def threshold_text(gate: Mapping[str, Any]) -> str:
    """Show a gate's threshold in its metric's unit, e.g. ">= 98.0%"."""
    name = gate["metric"]
    if gate["min"] is not None:
        return ">= " + format_value(name, gate["min"])
    return "<= " + format_value(name, gate["max"])


def gate_verdict(gate: Mapping[str, Any]) -> str:
    """Say how a gate did: ok, FAILED, below (not gated) or not run."""
    if gate["skipped"]:
        return "not run"
    if gate["passed"]:
        return "ok"
    return "FAILED" if gate["gated"] else "below (not gated)"
