"""The HTTP service over a real loopback server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from advisor.channels.http import create_app
from advisor.config import Settings
from advisor.domain.policy import classify
from advisor.domain.schemas import Profile
from advisor.evaluation.simulator import converse
from advisor.guidance.index import GuidanceIndex
from tests.servers import serve_app


@pytest.fixture(scope="module")
def base_url(
    tmp_path_factory: pytest.TempPathFactory, guidance_index: GuidanceIndex
) -> Iterator[str]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("api"), max_body_bytes=64 * 1024)
    with serve_app(create_app(settings, index=guidance_index)) as url:
        yield url


@pytest.fixture
def http(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=30) as client:
        yield client


@pytest.mark.slow
def test_healthz(http: httpx.Client) -> None:
    response = http.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


@pytest.mark.slow
def test_classify_matches_the_cli_function(http: httpx.Client) -> None:
    profile = {"seats": 2401, "azure_annual_usd": 0, "special_terms": [], "self_service": False}
    response = http.post("/v1/classify", json=profile)
    assert response.status_code == 200
    assert response.json() == classify(Profile(**profile)).model_dump(mode="json")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        (
            b'{"seats": -1}',
            422,
            "seats: must be a whole number from 0 to 10,000,000 (seat-based licences), or null (got -1)",
        ),
        (
            b'{"seats": "many"}',
            422,
            'seats: must be a whole number from 0 to 10,000,000 (seat-based licences), or null (got "many")',
        ),
        (
            b'{"colour": "blue"}',
            422,
            "colour: unknown field; allowed fields are seats, azure_annual_usd, special_terms, self_service, preferred_motion",
        ),
        (
            b"{not json",
            422,
            "request body: not valid JSON (Expecting property name enclosed in double quotes at line 1 column 2)",
        ),
        (b"\xff\xfe", 422, "request body: must be UTF-8 encoded JSON"),
        (
            b"[]",
            422,
            "profile: must be a JSON object with the fields seats, azure_annual_usd, special_terms, self_service, preferred_motion",
        ),
    ],
)
def test_classify_bad_input(http: httpx.Client, body: bytes, status: int, error: str) -> None:
    response = http.post("/v1/classify", content=body, headers={"content-type": "application/json"})
    assert response.status_code == status
    assert response.json()["error"] == error


@pytest.mark.slow
def test_body_over_the_limit_is_413(http: httpx.Client) -> None:
    response = http.post(
        "/v1/chat",
        content=b'{"message": "' + b"a" * 70_000 + b'"}',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json() == {"error": "request body: must be at most 65,536 bytes"}


@pytest.mark.slow
def test_ask_both_languages(http: httpx.Client) -> None:
    en = http.post(
        "/v1/ask",
        json={"question": "Up to how many seats are CSP partner economics optimised for?"},
    ).json()
    assert en["lang"] == "en" and "2,400" in en["answer"] and en["citations"]
    ja = http.post(
        "/v1/ask", json={"question": "エンタープライズ モーションが必要な契約条件は？"}
    ).json()
    assert ja["lang"] == "ja" and ja["citations"]
    assert {"id", "title", "section", "source", "published", "lang"} <= set(ja["citations"][0])


@pytest.mark.slow
@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({}, "question: is required"),
        ({"question": 5}, "question: must be a string"),
        ({"question": "x", "lang": "fr"}, "lang: must be one of en, ja"),
    ],
)
def test_ask_bad_input(http: httpx.Client, body: dict[str, object], error: str) -> None:
    response = http.post("/v1/ask", json=body)
    assert response.status_code == 422
    assert response.json()["error"] == error


@pytest.mark.slow
def test_whole_conversation_over_http(http: httpx.Client) -> None:
    profile = Profile(special_terms=[], self_service=False, seats=5000, azure_annual_usd=0)

    def send(message: str, session: str | None):  # type: ignore[no-untyped-def]
        from advisor.domain.schemas import ChatTurn

        body = (
            {"message": message} if session is None else {"message": message, "session_id": session}
        )
        response = http.post("/v1/chat", json=body)
        assert response.status_code == 200, response.text
        return ChatTurn.model_validate(response.json())

    conversation = converse(send, "Hello", profile, "en")
    assert conversation.final.recommendation is not None
    assert conversation.final.recommendation.motion == "enterprise"
    session = http.get(f"/v1/sessions/{conversation.final.session_id}").json()
    assert session["profile"]["seats"] == 5000
    assert [t["role"] for t in session["transcript"]][:2] == ["customer", "advisor"]
    assert len(session["transcript"]) == 2 * len(conversation.turns)


@pytest.mark.slow
def test_stream_sends_deltas_then_the_turn(http: httpx.Client) -> None:
    events: list[tuple[str, dict[str, object]]] = []
    with http.stream("POST", "/v1/chat/stream", json={"message": "We're 300 people"}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        kind = ""
        for line in response.iter_lines():
            if line.startswith("event: "):
                kind = line[7:]
            elif line.startswith("data: "):
                events.append((kind, json.loads(line[6:])))
    assert events[-1][0] == "turn"
    deltas = "".join(str(data["text"]) for kind, data in events if kind == "delta")
    turn = events[-1][1]
    assert deltas == turn["reply"]
    assert turn["question"]["slot"] == "special_terms"


@pytest.mark.slow
def test_stream_validates_before_streaming(http: httpx.Client) -> None:
    response = http.post("/v1/chat/stream", json={"message": ""})
    assert (response.status_code, response.json()["error"]) == (422, "message: must not be empty")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("method", "path", "body", "status", "error"),
    [
        (
            "POST",
            "/v1/chat",
            {"message": "hi", "session_id": "no-such-session"},
            404,
            "session_id: no session no-such-session",
        ),
        (
            "GET",
            "/v1/sessions/no-such-session",
            None,
            404,
            "session_id: no session no-such-session",
        ),
        (
            "POST",
            "/v1/chat",
            {"message": "hi", "session_id": 7},
            422,
            "session_id: must be a string",
        ),
        (
            "POST",
            "/v1/chat",
            {"message": "hi", "extra": 1},
            422,
            "extra: unknown field; allowed fields are answer, lang, message, session_id",
        ),
        ("POST", "/v1/chat", {"message": "hi", "lang": "de"}, 422, "lang: must be one of en, ja"),
        ("GET", "/v1/nowhere", None, 404, "Not Found"),
    ],
)
def test_chat_errors(
    http: httpx.Client, method: str, path: str, body: object, status: int, error: str
) -> None:
    response = http.request(method, path, json=body)
    assert response.status_code == status
    assert response.json()["error"] == error


@pytest.mark.slow
def test_delete_session(http: httpx.Client) -> None:
    turn = http.post("/v1/chat", json={"message": "We need 20 seats"}).json()
    assert http.delete(f"/v1/sessions/{turn['session_id']}").status_code == 204
    assert http.get(f"/v1/sessions/{turn['session_id']}").status_code == 404


@pytest.mark.slow
def test_openapi_docs(http: httpx.Client) -> None:
    assert http.get("/docs").status_code == 200
    paths = http.get("/openapi.json").json()["paths"]
    assert {
        "/healthz",
        "/v1/classify",
        "/v1/ask",
        "/v1/chat",
        "/v1/chat/stream",
        "/v1/sessions/{session_id}",
    } <= set(paths)


def test_unwritable_data_dir_fails_at_start(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.cli_helpers import run_cli

    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("ADVISOR_DATA_DIR", str(blocker / "data"))
    run = run_cli(["serve", "--port", "0"], "", capsys, monkeypatch)
    assert run.code == 1
    assert run.err.startswith(
        f"Error: ADVISOR_DATA_DIR {blocker / 'data'} is not a writable directory"
    )
