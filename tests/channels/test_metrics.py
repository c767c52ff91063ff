"""GET /metrics counts what a scripted set of conversations did, in the Prometheus format."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from advisor.channels.http import create_app
from advisor.config import Settings


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Return each sample of a Prometheus text by its name and sorted labels."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name.endswith("_total"):
                found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def test_metrics_count_conversations_recommendations_guidance_and_errors(
    tmp_path: Path, guidance_index: Any
) -> None:
    settings = Settings(data_dir=tmp_path, rate_limit_per_minute=0)
    with TestClient(create_app(settings, index=guidance_index)) as client:

        def talk(*messages: str) -> None:
            session = None
            for message in messages:
                body = {"message": message} | ({"session_id": session} if session else {})
                answer = client.post("/v1/chat", json=body)
                assert answer.status_code == 200
                session = answer.json()["session_id"]

        # breadth, reached in 2 messages, then a thank-you (no new recommendation)
        talk("300 seats, no special terms, no Azure", "a partner should help", "thanks")
        # enterprise at once, in Japanese
        talk("マルチテナントが必要です")
        # a guidance question answered in chat, one refused through /v1/ask
        talk("What does a CSP partner do?")
        assert client.post("/v1/ask", json={"question": "How much is E3?"}).status_code == 200
        # errors: an unknown session, a message that is not a string, a body that is not JSON
        assert client.get("/v1/sessions/nobody").status_code == 404
        assert client.post("/v1/chat", json={"message": 42}).status_code == 422
        assert client.post("/v1/chat", content="hi", headers={"Content-Type": "text/plain"})

        scraped = client.get("/metrics")
    assert scraped.status_code == 200
    assert scraped.headers["content-type"].startswith("text/plain; version=")
    counts = samples(scraped.text)
    assert counts[("advisor_conversations_total", (("lang", "en"),))] == 2
    assert counts[("advisor_conversations_total", (("lang", "ja"),))] == 1
    assert counts[("advisor_turns_total", (("lang", "en"),))] == 4
    assert counts[("advisor_turns_total", (("lang", "ja"),))] == 1
    motion = "advisor_recommendations_total"
    assert counts[(motion, (("lang", "en"), ("motion", "breadth")))] == 1
    assert counts[(motion, (("lang", "ja"), ("motion", "enterprise")))] == 1
    guidance = "advisor_guidance_questions_total"
    assert counts[(guidance, (("lang", "en"), ("outcome", "answered")))] == 1
    assert counts[(guidance, (("lang", "en"), ("outcome", "refused")))] == 1
    errors = {
        labels[0][1]: v for (name, labels), v in counts.items() if name == "advisor_errors_total"
    }
    assert errors == {"404": 1, "415": 1, "422": 1}
    assert "300 seats" not in scraped.text  # never the customer's words
