"""The OpenAPI document says what the server really sends, checked by reading it and by fuzzing.

Schemathesis reads `/openapi.json` from a live loopback server and sends generated requests,
valid and invalid, to every documented route but the Teams one (whose activities would make the
bot post replies to the serviceUrl they name). Every answer must be documented: its status, its
media type and its body's schema, and none may be a server error. The run is the `schemathesis`
command's: the pytest plugin's fixture loader (`schemathesis.pytest.from_fixture`, 4.32) sets
`Node._nodeid`, which pytest 9.2 no longer has.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest

from advisor.channels.http import create_app
from advisor.config import Settings
from advisor.guidance.index import GuidanceIndex
from tests.servers import serve_app

CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
]


@pytest.fixture(scope="module")
def base_url(
    tmp_path_factory: pytest.TempPathFactory, guidance_index: GuidanceIndex
) -> Iterator[str]:
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("openapi"),
        rate_limit_per_minute=0,
        teams_rate_limit_per_minute=0,
    )
    with serve_app(create_app(settings, index=guidance_index)) as url:
        yield url


@pytest.fixture(scope="module")
def document(base_url: str) -> dict[str, Any]:
    response = httpx.get(f"{base_url}/openapi.json", timeout=30)
    assert response.status_code == 200
    result: dict[str, Any] = response.json()
    return result


def operation(document: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    result: dict[str, Any] = document["paths"][path][method]
    return result


def resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = document
    for part in ref[2:].split("/"):
        assert isinstance(node, dict) and part in node, f"{ref} does not resolve"
        node = node[part]
    return node


def refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from refs(item)


def validator(document: dict[str, Any], schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    """Validate against one schema of the document, resolving its refs in the document."""
    return jsonschema.Draft202012Validator({**schema, "components": document["components"]})


ROUTES = [
    ("post", "/v1/classify", {413, 415, 422, 429}),
    ("post", "/v1/ask", {413, 415, 422, 429, 503}),
    ("post", "/v1/chat", {404, 409, 413, 415, 422, 429, 503}),
    ("post", "/v1/chat/stream", {404, 409, 413, 415, 422, 429, 503}),
    ("get", "/v1/sessions/{session_id}", {404, 413, 422, 429, 503}),
    ("delete", "/v1/sessions/{session_id}", {404, 413, 422, 429, 503}),
]


@pytest.mark.slow
def test_every_ref_resolves(document: dict[str, Any]) -> None:
    found = list(refs(document))
    assert "#/components/schemas/SpecialTerm" in found
    for ref in found:
        resolve(document, ref)
    assert "$defs" not in json.dumps(document)


@pytest.mark.slow
@pytest.mark.parametrize(("method", "path", "errors"), ROUTES)
def test_error_answers_are_documented_with_the_error_shape(
    document: dict[str, Any], method: str, path: str, errors: set[int]
) -> None:
    responses = operation(document, method, path)["responses"]
    assert {int(status) for status in responses if int(status) >= 400} == errors
    for status in errors:
        schema = responses[str(status)]["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/ErrorBody"}
    assert "Retry-After" in responses["429"]["headers"]
    error = resolve(document, "#/components/schemas/ErrorBody")
    assert error["required"] == ["error"]
    assert error["properties"]["error"]["type"] == "string"
    assert error["properties"]["field"] == {
        "type": "string",
        "title": "Field",
        "description": "The request field it is about.",
    }


@pytest.mark.slow
def test_the_stream_is_documented_as_server_sent_events(document: dict[str, Any]) -> None:
    ok = operation(document, "post", "/v1/chat/stream")["responses"]["200"]
    assert list(ok["content"]) == ["text/event-stream"]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("path", "model"),
    [
        ("/v1/classify", "Profile"),
        ("/v1/ask", "AskRequest"),
        ("/v1/chat", "ChatRequest"),
        ("/v1/chat/stream", "ChatRequest"),
    ],
)
def test_request_bodies_have_a_schema(document: dict[str, Any], path: str, model: str) -> None:
    body = operation(document, "post", path)["requestBody"]
    assert body["required"] is True
    content = body["content"]["application/json"]
    assert content["schema"] == {"$ref": f"#/components/schemas/{model}"}
    check = validator(document, content["schema"])
    for example in content["examples"].values():
        check.validate(example["value"])


@pytest.mark.slow
def test_request_body_schemas_say_what_is_allowed(document: dict[str, Any]) -> None:
    chat = validator(document, {"$ref": "#/components/schemas/ChatRequest"})
    ask = validator(document, {"$ref": "#/components/schemas/AskRequest"})
    assert chat.is_valid({"message": "hi", "session_id": "abc", "lang": "ja"})
    assert chat.is_valid({"message": "x", "answer": {"slot": "seats", "value": 300}})
    for wrong in [
        {},
        {"message": ""},
        {"message": "a" * 4001},
        {"message": "hi", "extra": 1},
        {"message": "hi", "session_id": "../x"},
        {"message": "hi", "lang": "fr"},
        {"message": "hi", "answer": {"slot": "colour", "value": 1}},
    ]:
        assert not chat.is_valid(wrong), wrong
    assert ask.is_valid({"question": "What is CSP?", "lang": "en"})
    assert not ask.is_valid({"question": 5})
    assert not ask.is_valid({"question": "x", "top_k": 3})


@pytest.mark.slow
def test_a_session_answer_matches_its_documented_schema(
    base_url: str, document: dict[str, Any]
) -> None:
    with httpx.Client(base_url=base_url, timeout=30) as http:
        turn = http.post("/v1/chat", json={"message": "We are 300 people"}).json()
        http.post(
            "/v1/chat", json={"message": "no special terms", "session_id": turn["session_id"]}
        )
        session = http.get(f"/v1/sessions/{turn['session_id']}")
    assert session.status_code == 200
    schema = operation(document, "get", "/v1/sessions/{session_id}")["responses"]["200"]
    validator(document, schema["content"]["application/json"]["schema"]).validate(session.json())
    assert len(session.json()["transcript"]) == 4


@pytest.mark.slow
def test_a_schemathesis_run_finds_no_failure(base_url: str, tmp_path: Path) -> None:
    """All four phases (examples, coverage, fuzzing, stateful), valid and invalid requests."""
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "schemathesis.cli",
            "run",
            f"{base_url}/openapi.json",
            "--checks",
            ",".join(CHECKS),
            "--exclude-path",
            "/api/messages",
            "--max-examples",
            "40",
            "--workers",
            "2",
            "--request-timeout",
            "30",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    summary = run.stdout[run.stdout.index("SUMMARY") :]
    generated = re.search(r"(\d+) generated, (\d+) passed\n", summary)
    assert generated is not None and generated.group(1) == generated.group(2), summary
    # The only warnings allowed say the fuzzer seldom got past the checks of a request (a lead
    # or a rating names a conversation it cannot know, a lead needs a well-formed address)
    # to the route's work: not a failure of the API.
    warnings = set(re.findall(r"⚠️ ([^:\n]+):", summary))
    assert warnings <= {"Missing test data", "Schema validation mismatch"}, summary
    paths = httpx.get(f"{base_url}/openapi.json").json()["paths"]
    operations = sum(len(methods) for methods in paths.values())
    assert f"Selected: {operations - 1}/{operations}" in run.stdout  # all but /api/messages
