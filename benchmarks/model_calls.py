"""Count model calls and prompt size per customer turn, with a model that calls tools as LLMs do.

Usage: python benchmarks/model_calls.py [--limit N]

Runs the evals' conversations (evals/cases/chat.yaml) through the advisor with
`ADVISOR_MODEL=openai:...` against a local OpenAI-compatible server on loopback. The server
plays a tool-calling LLM: for a customer message it calls `record_facts` and `classify_motion`
together in one response (and `search_guidance` for a question), with a sentence of prose beside
the calls, as today's models do; after a guidance search it writes an answer. A second run calls
one tool per response. A third run answers every question with its quick reply
(`answer={slot, value}`). Prints calls, prompt tokens and prompt characters per turn.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from advisor.chat import ChatService  # noqa: E402
from advisor.config import Settings  # noqa: E402
from advisor.domain.questions import question  # noqa: E402
from advisor.domain.schemas import ChatTurn, Profile  # noqa: E402
from advisor.evaluation.cases import load_suite  # noqa: E402
from advisor.evaluation.simulator import answer_slot, converse  # noqa: E402
from advisor.evaluation.usage import UsageCounter  # noqa: E402
from advisor.nlu import understand  # noqa: E402
from tests.fake_openai import Reply, ScriptedOpenAI  # noqa: E402


class ToolCallingModel:
    """Decide tool calls from the customer's message, as a tool-calling LLM would."""

    def __init__(self, *, parallel: bool) -> None:
        self.parallel = parallel
        self.prompt_chars = 0

    def __call__(self, body: dict[str, Any]) -> Reply:
        messages = body["messages"]
        self.prompt_chars += len(json.dumps(messages, ensure_ascii=False))
        last = messages[-1]
        if last["role"] == "tool":
            results = _turn_tool_results(messages)
            recorded = json.loads(results.get("record_facts") or "{}")
            if "classify_motion" not in results and not {"motion", "next_question"} & set(recorded):
                return Reply(tool_calls=[("classify_motion", {})], finish_reason="tool_calls")
            if "search_guidance" in results:
                return Reply(text="The guidance covers that [1].", finish_reason="stop")
            return Reply(text=_restate(results), finish_reason="stop")
        text = last["content"] if isinstance(last["content"], str) else ""
        reading = understand(text)
        calls: list[tuple[str, dict[str, Any]]] = []
        if reading.facts():
            calls.append(("record_facts", reading.facts()))
        if reading.asks_question:
            calls.append(("search_guidance", {"query": text}))
        calls.append(("classify_motion", {}))
        if not self.parallel:
            calls = calls[:1]
        return Reply(text="Let me note that.", tool_calls=calls, finish_reason="tool_calls")


def _turn_tool_results(messages: list[dict[str, Any]]) -> dict[str, str]:
    """Return the latest turn's tool results by tool name."""
    names: dict[str, str] = {}
    for m in messages:
        if m["role"] == "assistant":
            for call in m.get("tool_calls") or []:
                names[call["id"]] = call["function"]["name"]
    found: dict[str, str] = {}
    for m in reversed(messages):
        if m["role"] == "user":
            break
        if m["role"] == "tool":
            found.setdefault(names.get(m.get("tool_call_id", ""), "?"), str(m["content"]))
    return found


def _restate(results: dict[str, str]) -> str:
    """Write the reply a model writes from the classifier's result: the question or the motion."""
    text = results.get("classify_motion") or results.get("record_facts") or "{}"
    data = json.loads(text)
    found = data.get("classification", data)
    if data.get("next_question"):
        return f"Thanks! {data['next_question']['text']}"
    return f"I recommend the {found.get('motion')} motion."


def run(cases: list[dict[str, Any]], *, parallel: bool, quick: bool) -> dict[str, float]:
    brain = ToolCallingModel(parallel=parallel)
    usage = UsageCounter()
    turns = quick_turns = quick_calls = 0
    with ScriptedOpenAI(default=brain) as server, tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            data_dir=Path(tmp),
            model="openai:gpt-bench",
            openai_api_key="bench",
            openai_base_url=server.base_url,
        )
        service = ChatService(settings, callbacks=[usage])
        for case in cases:
            profile = Profile.model_validate(case["profile"])
            lang = case["lang"]
            if not quick:
                interjections = {i["at"]: i["text"] for i in case.get("interjections", [])}
                done = converse(
                    lambda message, session: service.chat(message, session),
                    case["opening"],
                    profile,
                    lang,
                    interjections=interjections,
                    style=case.get("style", 0),
                )
                turns += len(done.turns)
                continue
            turn: ChatTurn = service.chat(case["opening"], None, lang)
            turns += 1
            for _ in range(8):
                if turn.question is None:
                    break
                slot = turn.question.slot
                if quick:
                    value = profile.model_dump(mode="json")[slot]
                    label = next(
                        (o.label for o in question(slot, lang).options if o.value == value),
                        answer_slot(slot, profile, lang),
                    )
                    answer = {"slot": slot, "value": value}
                    before = usage.calls
                    turn = service.chat(label, turn.session_id, lang, answer=answer)
                    quick_turns += 1
                    quick_calls += usage.calls - before
                else:
                    turn = service.chat(answer_slot(slot, profile, lang), turn.session_id, lang)
                turns += 1
    return {
        "turns": turns,
        "calls per turn": usage.calls / turns,
        "prompt tokens per turn": usage.input_tokens / turns,
        "prompt chars per turn": brain.prompt_chars / turns,
        "quick-reply turns": quick_turns,
        "calls per quick-reply turn": quick_calls / quick_turns if quick_turns else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=0, help="first N conversations only")
    args = parser.parse_args()
    cases = load_suite("chat").cases
    if args.limit:
        cases = cases[: args.limit]
    print(
        f"{len(cases)} conversations of evals/cases/chat.yaml, typed as the evals' simulated "
        "customer types them (guidance questions and corrections included), then answered with "
        "quick replies after the opening\n"
    )
    print(f"{'model':<36}{'turns':>6}{'calls/turn':>12}{'tokens/turn':>13}{'chars/turn':>12}")
    for name, parallel, quick in (
        ("parallel tool calls, typed answers", True, False),
        ("one tool per call, typed answers", False, False),
        ("parallel tool calls, quick replies", True, True),
    ):
        r = run(cases, parallel=parallel, quick=quick)
        print(
            f"{name:<36}{r['turns']:>6}{r['calls per turn']:>12.2f}"
            f"{r['prompt tokens per turn']:>13.0f}{r['prompt chars per turn']:>12.0f}"
        )
        if quick:
            print(
                f"{'  of which quick-reply turns':<36}{r['quick-reply turns']:>6}"
                f"{r['calls per quick-reply turn']:>12.2f}"
            )


if __name__ == "__main__":
    main()
