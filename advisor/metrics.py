"""Counts of what the advisor does, in the Prometheus text format (`GET /metrics`).

Counted from the turns themselves: conversations started, turns, new recommendations by motion,
guidance questions answered and declined, and error answers by HTTP status. No customer text and
no session id is ever a label. One process counts in memory; `advisor serve --workers N` names a
folder in PROMETHEUS_MULTIPROC_DIR before its workers start, each worker counts in files there,
and whichever worker answers /metrics adds them all up.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from prometheus_client import CollectorRegistry, Counter, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.multiprocess import MultiProcessCollector

from advisor.domain.schemas import Answer, ChatTurn

CONTENT_TYPE = CONTENT_TYPE_LATEST
# prometheus-client's setting: where processes that share counters keep them
SHARED_FOLDER = "PROMETHEUS_MULTIPROC_DIR"


class Metrics:
    """The advisor's counters, in a registry of their own (one per service)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.conversations = Counter(
            "advisor_conversations",
            "Conversations started.",
            ["lang"],
            registry=self.registry,
        )
        self.turns = Counter(
            "advisor_turns", "Customer messages answered.", ["lang"], registry=self.registry
        )
        self.recommendations = Counter(
            "advisor_recommendations",
            "New recommendations made, by motion.",
            ["motion", "lang"],
            registry=self.registry,
        )
        self.guidance = Counter(
            "advisor_guidance_questions",
            "Guidance questions, answered or refused (the guidance does not say, or it is out of "
            "scope).",
            ["outcome", "lang"],
            registry=self.registry,
        )
        self.errors = Counter(
            "advisor_errors",
            "Requests answered with an error, by HTTP status.",
            ["status"],
            registry=self.registry,
        )

    def turn(self, turn: ChatTurn, *, new_conversation: bool, guidance: Sequence[Answer]) -> None:
        """Count one answered customer message."""
        if new_conversation:
            self.conversations.labels(turn.lang).inc()
        self.turns.labels(turn.lang).inc()
        if turn.recommendation is not None and turn.recommendation.motion and turn.brief:
            self.recommendations.labels(turn.recommendation.motion.value, turn.lang).inc()
        for answer in guidance:
            self.answer(answer)

    def answer(self, answer: Answer) -> None:
        """Count one guidance question, answered or refused."""
        outcome = "answered" if answer.answered else "refused"
        self.guidance.labels(outcome, answer.lang).inc()

    def error(self, status: int) -> None:
        """Count one error answer."""
        self.errors.labels(str(status)).inc()

    def render(self) -> bytes:
        """Return every counter in the Prometheus text format (every worker's, if shared)."""
        folder = os.environ.get(SHARED_FOLDER)
        if folder:
            registry = CollectorRegistry()
            MultiProcessCollector(registry, path=folder)  # type: ignore[no-untyped-call]
            return generate_latest(registry)
        return generate_latest(self.registry)
