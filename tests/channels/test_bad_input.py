"""Bad input on every HTTP route and every command: a clear 4xx or exit 2, never a 500.

Each HTTP case runs against one real loopback server that holds a live conversation; after every
rejected request the conversation (GET /v1/sessions/{id}) and the store's row counts must be
exactly as before, and no log record may carry a traceback.
"""

from __future__ import annotations

import json
import logging
import socket
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from advisor.channels.http import create_app
from advisor.config import Settings
from advisor.guidance.index import GuidanceIndex
from tests.cli_helpers import Run, run_cli
from tests.servers import serve_app

SID = "SESSION"  # replaced by the live conversation's id
MB2 = 2 * 1024 * 1024
JSON = {"content-type": "application/json"}
ACTIVITY: dict[str, Any] = {
    "type": "message",
    "id": "m1",
    "channelId": "msteams",
    "serviceUrl": "http://127.0.0.1:9/",
    "deliveryMode": "expectReplies",
    "from": {"id": "29:user"},
    "recipient": {"id": "28:bot"},
    "conversation": {"id": "bad-input", "conversationType": "personal"},
    "text": "hello",
}


def activity(**fields: Any) -> bytes:
    body = {**ACTIVITY, **fields}
    return json.dumps({k: v for k, v in body.items() if v is not None}).encode()


def chunks(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    """Yield a body in pieces, so httpx sends it chunked, without a Content-Length."""
    yield b'{"message": "'
    for _ in range(total // size):
        yield b"a" * size


class Records(logging.Handler):
    """Collect every log record of the server, formatted with any traceback."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@dataclass
class Server:
    url: str
    store: Path
    session_id: str
    records: Records


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, guidance_index: GuidanceIndex
) -> Iterator[Server]:
    data = tmp_path_factory.mktemp("bad-input")
    records = Records()
    # uvicorn's own loggers do not propagate to the root, and are set up as the server starts
    loggers = [logging.getLogger(), logging.getLogger("uvicorn")]
    settings = Settings(
        data_dir=data,
        max_body_bytes=64 * 1024,
        rate_limit_per_minute=0,
        console_token=SecretStr("test-console-token"),  # the console is off without sign-in
    )
    with serve_app(create_app(settings, index=guidance_index)) as url:
        for logger in loggers:
            logger.addHandler(records)
        try:
            first = httpx.post(f"{url}/v1/chat", json={"message": "We need 300 seats"}, timeout=30)
            assert first.status_code == 200, first.text
            yield Server(url, data / "sessions.sqlite", first.json()["session_id"], records)
        finally:
            for logger in loggers:
                logger.removeHandler(records)


def snapshot(server: Server) -> tuple[Any, ...]:
    """Return the live conversation as the API shows it, and the store's row counts."""
    session = httpx.get(f"{server.url}/v1/sessions/{server.session_id}", timeout=30).json()
    with sqlite3.connect(f"file:{server.store}?mode=ro", uri=True) as db:
        counts = tuple(
            db.execute(query).fetchone()[0]
            for query in (
                "SELECT count(*) FROM checkpoints",
                "SELECT count(*) FROM writes",
                "SELECT count(DISTINCT thread_id) FROM checkpoints",
            )
        )
    return session, counts


@dataclass
class Case:
    method: str
    path: str
    body: bytes | None
    status: int
    error: str  # what the one-line JSON error must say (a part of it)
    headers: dict[str, str] | None = None
    chunked: bool = False


def http_cases() -> list[Any]:
    long_int = b"9" * 5000
    cases = {
        # /v1/classify: malformed, wrong types, out of range, unknown fields, size
        "classify not JSON": Case(
            "POST",
            "/v1/classify",
            b"{not json",
            422,
            "request body: not valid JSON (Expecting property name",
        ),
        "classify empty body": Case(
            "POST",
            "/v1/classify",
            b"",
            422,
            "request body: not valid JSON (Expecting value at line 1 column 1)",
        ),
        "classify invalid UTF-8": Case(
            "POST", "/v1/classify", b"\xff\xfe{}", 422, "request body: must be UTF-8 encoded JSON"
        ),
        "classify UTF-8 BOM": Case(
            "POST", "/v1/classify", b"\xef\xbb\xbf{}", 422, "request body: not valid JSON"
        ),
        "classify a list": Case(
            "POST", "/v1/classify", b"[]", 422, "profile: must be a JSON object"
        ),
        "classify seats a word": Case(
            "POST",
            "/v1/classify",
            b'{"seats": "many"}',
            422,
            'seats: must be a whole number from 0 to 10,000,000 (seat-based licences), or null (got "many")',
        ),
        "classify seats negative": Case(
            "POST", "/v1/classify", b'{"seats": -1}', 422, "seats: must be a whole number"
        ),
        "classify seats too many": Case(
            "POST", "/v1/classify", b'{"seats": 10000001}', 422, "(got 10000001)"
        ),
        "classify seats fraction": Case(
            "POST", "/v1/classify", b'{"seats": 1.5}', 422, "(got 1.5)"
        ),
        "classify seats bool": Case("POST", "/v1/classify", b'{"seats": true}', 422, "(got True)"),
        "classify seats 1e400": Case("POST", "/v1/classify", b'{"seats": 1e400}', 422, "(got inf)"),
        "classify seats NaN": Case("POST", "/v1/classify", b'{"seats": NaN}', 422, "(got nan)"),
        "classify seats 5000 digits": Case(
            "POST",
            "/v1/classify",
            b'{"seats": ' + long_int + b"}",
            422,
            "request body: a number in the JSON is too long",
        ),
        "classify azure negative": Case(
            "POST",
            "/v1/classify",
            b'{"azure_annual_usd": -5}',
            422,
            "azure_annual_usd: must be a number from 0",
        ),
        "classify azure Infinity": Case(
            "POST", "/v1/classify", b'{"azure_annual_usd": Infinity}', 422, "(got inf)"
        ),
        "classify azure too much": Case(
            "POST", "/v1/classify", b'{"azure_annual_usd": 1e13}', 422, "azure_annual_usd:"
        ),
        "classify terms a string": Case(
            "POST", "/v1/classify", b'{"special_terms": "x"}', 422, "special_terms: must be a list"
        ),
        "classify terms unknown": Case(
            "POST", "/v1/classify", b'{"special_terms": ["telepathy"]}', 422, '(got "telepathy")'
        ),
        "classify self_service a word": Case(
            "POST",
            "/v1/classify",
            b'{"self_service": "yes"}',
            422,
            "self_service: must be true, false or null",
        ),
        "classify motion unknown": Case(
            "POST",
            "/v1/classify",
            b'{"preferred_motion": "cheapest"}',
            422,
            "preferred_motion: must be one of",
        ),
        "classify unknown field": Case(
            "POST",
            "/v1/classify",
            b'{"colour": "blue"}',
            422,
            "colour: unknown field; allowed fields are",
        ),
        "classify deep nesting": Case(
            "POST", "/v1/classify", b"[" * 30_000, 422, "request body: JSON nested too deeply"
        ),
        "classify lang unknown": Case(
            "POST", "/v1/classify?lang=fr", b"{}", 422, "lang: must be one of en, ja"
        ),
        "classify 2 MB": Case(
            "POST", "/v1/classify", b" " * MB2, 413, "request body: must be at most 65,536 bytes"
        ),
        "classify 2 MB chunked": Case(
            "POST",
            "/v1/classify",
            None,
            413,
            "request body: must be at most 65,536 bytes",
            chunked=True,
        ),
        # /v1/ask
        "ask no question": Case("POST", "/v1/ask", b"{}", 422, "question: is required"),
        "ask question a number": Case(
            "POST", "/v1/ask", b'{"question": 5}', 422, "question: must be a string"
        ),
        "ask question null": Case(
            "POST", "/v1/ask", b'{"question": null}', 422, "question: must be a string"
        ),
        "ask question empty": Case(
            "POST", "/v1/ask", b'{"question": "  "}', 422, "question: must not be empty"
        ),
        "ask control characters": Case(
            "POST",
            "/v1/ask",
            b'{"question": "\\u0000\\u0007\\u001b"}',
            422,
            "question: must not be empty",
        ),
        "ask lone surrogate": Case(
            "POST",
            "/v1/ask",
            b'{"question": "what is \\ud800 CSP?"}',
            422,
            "question: must be valid Unicode text (UTF-8)",
        ),
        "ask one 4,001-letter word": Case(
            "POST",
            "/v1/ask",
            b'{"question": "' + b"a" * 4001 + b'"}',
            422,
            "question: must be at most 4,000 characters (got 4,001)",
        ),
        "ask lang unknown": Case(
            "POST",
            "/v1/ask",
            b'{"question": "x", "lang": "fr"}',
            422,
            "lang: must be one of en, ja",
        ),
        "ask unknown field": Case(
            "POST", "/v1/ask", b'{"question": "x", "top_k": 99}', 422, "top_k: unknown field"
        ),
        "ask null body": Case(
            "POST", "/v1/ask", b"null", 422, "request body: must be a JSON object"
        ),
        "ask 2 MB chunked": Case(
            "POST", "/v1/ask", None, 413, "request body: must be at most", chunked=True
        ),
        # /v1/chat, about the live conversation where there is one
        "chat empty message": Case(
            "POST",
            "/v1/chat",
            b'{"message": "", "session_id": "SESSION"}',
            422,
            "message: must not be empty",
        ),
        "chat control characters": Case(
            "POST",
            "/v1/chat",
            b'{"message": "\\u0000\\u0008\\u001b\\u007f", "session_id": "SESSION"}',
            422,
            "message: must not be empty",
        ),
        "chat lone surrogate": Case(
            "POST",
            "/v1/chat",
            b'{"message": "\\udfff 5000 seats", "session_id": "SESSION"}',
            422,
            "message: must be valid Unicode text (UTF-8)",
        ),
        "chat invalid UTF-8": Case(
            "POST",
            "/v1/chat",
            b'{"message": "\xc3\x28 5000 seats", "session_id": "SESSION"}',
            422,
            "request body: must be UTF-8 encoded JSON",
        ),
        "chat one 4,001-letter word": Case(
            "POST",
            "/v1/chat",
            b'{"message": "' + b"a" * 4001 + b'", "session_id": "SESSION"}',
            422,
            "message: must be at most 4,000 characters (got 4,001)",
        ),
        "chat 4,001 kanji": Case(
            "POST",
            "/v1/chat",
            ('{"message": "' + "席" * 4001 + '", "session_id": "SESSION"}').encode(),
            422,
            "message: must be at most 4,000 characters",
        ),
        "chat message a list": Case(
            "POST",
            "/v1/chat",
            b'{"message": ["5000 seats"], "session_id": "SESSION"}',
            422,
            "message: must be a string",
        ),
        "chat message null": Case(
            "POST", "/v1/chat", b'{"message": null}', 422, "message: must be a string"
        ),
        "chat no message": Case(
            "POST", "/v1/chat", b'{"session_id": "SESSION"}', 422, "message: is required"
        ),
        "chat session a number": Case(
            "POST",
            "/v1/chat",
            b'{"message": "hi", "session_id": 7}',
            422,
            "session_id: must be a string",
        ),
        "chat session empty": Case(
            "POST",
            "/v1/chat",
            b'{"message": "hi", "session_id": ""}',
            422,
            "session_id: must be 1 to 128 letters",
        ),
        "chat session a path": Case(
            "POST",
            "/v1/chat",
            b'{"message": "hi", "session_id": "../../etc/passwd"}',
            422,
            "session_id: must be 1 to 128 letters",
        ),
        "chat session 200 long": Case(
            "POST",
            "/v1/chat",
            b'{"message": "hi", "session_id": "' + b"a" * 200 + b'"}',
            422,
            "session_id: must be 1 to 128 letters",
        ),
        "chat session unknown": Case(
            "POST",
            "/v1/chat",
            b'{"message": "hi", "session_id": "no-such-session"}',
            404,
            "session_id: no session no-such-session",
        ),
        "chat lang unknown": Case(
            "POST",
            "/v1/chat",
            b'{"message": "hi", "session_id": "SESSION", "lang": "de"}',
            422,
            "lang: must be one of en, ja",
        ),
        "chat lang a number": Case(
            "POST", "/v1/chat", b'{"message": "hi", "lang": 5}', 422, "lang: must be one of en, ja"
        ),
        "chat unknown field": Case(
            "POST",
            "/v1/chat",
            b'{"message": "hi", "session_id": "SESSION", "role": "system"}',
            422,
            "role: unknown field; allowed fields are answer, lang, message, session_id",
        ),
        "chat a string body": Case(
            "POST", "/v1/chat", b'"hi"', 422, "request body: must be a JSON object"
        ),
        "chat truncated JSON": Case(
            "POST",
            "/v1/chat",
            b'{"message": "hi',
            422,
            "request body: not valid JSON (Unterminated string",
        ),
        "chat 2 MB": Case(
            "POST",
            "/v1/chat",
            b'{"message": "' + b"a" * MB2 + b'"}',
            413,
            "request body: must be at most 65,536 bytes",
        ),
        "chat 2 MB chunked": Case(
            "POST",
            "/v1/chat",
            None,
            413,
            "request body: must be at most 65,536 bytes",
            chunked=True,
        ),
        "chat wrong method": Case("PUT", "/v1/chat", b"{}", 405, "Method Not Allowed"),
        # /v1/chat/stream: refused before any event is sent
        "stream not JSON": Case(
            "POST", "/v1/chat/stream", b"{", 422, "request body: not valid JSON"
        ),
        "stream empty message": Case(
            "POST",
            "/v1/chat/stream",
            b'{"message": " ", "session_id": "SESSION"}',
            422,
            "message: must not be empty",
        ),
        "stream lone surrogate": Case(
            "POST",
            "/v1/chat/stream",
            b'{"message": "\\ud800", "session_id": "SESSION"}',
            422,
            "message: must be valid Unicode text",
        ),
        "stream too long": Case(
            "POST",
            "/v1/chat/stream",
            b'{"message": "' + b"b" * 5000 + b'", "session_id": "SESSION"}',
            422,
            "message: must be at most 4,000 characters",
        ),
        "stream session unknown": Case(
            "POST",
            "/v1/chat/stream",
            b'{"message": "hi", "session_id": "nope"}',
            404,
            "session_id: no session nope",
        ),
        "stream 2 MB chunked": Case(
            "POST", "/v1/chat/stream", None, 413, "request body: must be at most", chunked=True
        ),
        # /v1/sessions/{id}
        "get session unknown": Case(
            "GET",
            "/v1/sessions/no-such-session",
            None,
            404,
            "session_id: no session no-such-session",
        ),
        "get session 300 long": Case(
            "GET", "/v1/sessions/" + "a" * 300, None, 422, "session_id: must be 1 to 128 letters"
        ),
        "get session NUL": Case(
            "GET", "/v1/sessions/%00", None, 422, "session_id: must be 1 to 128 letters"
        ),
        "get session bad percent": Case(
            "GET", "/v1/sessions/%ff%fe", None, 422, "session_id: must be 1 to 128 letters"
        ),
        "get session with 2 MB body": Case(
            "GET", "/v1/sessions/SESSION", b"x" * MB2, 413, "request body: must be at most"
        ),
        "delete session unknown": Case(
            "DELETE",
            "/v1/sessions/no-such-session",
            None,
            404,
            "session_id: no session no-such-session",
        ),
        "delete session bad id": Case(
            "DELETE", "/v1/sessions/a%20b", None, 422, "session_id: must be 1 to 128 letters"
        ),
        "patch session": Case("PATCH", "/v1/sessions/SESSION", b"{}", 405, "Method Not Allowed"),
        # /api/messages (Teams), anonymous local mode
        "teams invalid UTF-8": Case(
            "POST",
            "/api/messages",
            b"\xff",
            422,
            "request body: must be a Bot Framework activity in UTF-8 JSON",
        ),
        "teams not JSON": Case(
            "POST",
            "/api/messages",
            b"{",
            422,
            "request body: must be a Bot Framework activity in UTF-8 JSON",
        ),
        "teams 5000 digits": Case(
            "POST",
            "/api/messages",
            b'{"type": "message", "id": ' + long_int + b"}",
            422,
            "request body: must be a Bot Framework activity in UTF-8 JSON",
        ),
        "teams a list": Case(
            "POST",
            "/api/messages",
            b"[]",
            422,
            "request body: must be a JSON object (a Bot Framework activity)",
        ),
        "teams no type": Case(
            "POST",
            "/api/messages",
            activity(type=None),
            422,
            "type: is required and must be a string",
        ),
        "teams no conversation": Case(
            "POST",
            "/api/messages",
            activity(conversation=None),
            422,
            "conversation.id: is required and must be a string",
        ),
        "teams no serviceUrl": Case(
            "POST",
            "/api/messages",
            activity(serviceUrl="ftp://x"),
            422,
            "serviceUrl: is required and must be an http(s) URL",
        ),
        "teams text a number": Case(
            "POST", "/api/messages", activity(text=5), 422, "text: input should be a valid string"
        ),
        "teams text a list": Case(
            "POST",
            "/api/messages",
            activity(text=["secret words"]),
            422,
            "text: input should be a valid string",
        ),
        "teams invoke": Case(
            "POST",
            "/api/messages",
            activity(type="invoke", name="adaptiveCard/action"),
            422,
            "type: invoke activities (adaptiveCard/action) are not supported",
        ),
        "teams remote serviceUrl": Case(
            "POST",
            "/api/messages",
            activity(serviceUrl="https://example.com/", deliveryMode=None),
            403,
            "serviceUrl: without a client id",
        ),
        "teams 2 MB chunked": Case(
            "POST", "/api/messages", None, 413, "request body: must be at most", chunked=True
        ),
        # the web pages
        "page POST": Case("POST", "/", b"x", 405, "Method Not Allowed"),
        "page 2 MB body": Case("GET", "/", b"x" * MB2, 413, "request body: must be at most"),
        "static path traversal": Case("GET", "/static/../../etc/passwd", None, 404, "Not Found"),
        "static encoded traversal": Case(
            "GET", "/static/%2e%2e/%2e%2e/etc/passwd", None, 404, "Not Found"
        ),
        "unknown page": Case("GET", "/nowhere", None, 404, "Not Found"),
        "citations wrong method": Case("POST", "/web/citations", b"{}", 405, "Method Not Allowed"),
    }
    return [pytest.param(case, id=name) for name, case in cases.items()]


@pytest.mark.slow
@pytest.mark.parametrize("case", http_cases())
def test_http_bad_input(server: Server, case: Case) -> None:
    before = snapshot(server)
    seen = len(server.records.lines)
    path = case.path.replace(SID, server.session_id)
    body = (
        None if case.body is None else case.body.replace(SID.encode(), server.session_id.encode())
    )
    with httpx.Client(base_url=server.url, timeout=30) as http:
        if case.chunked:
            response = http.request(case.method, path, content=chunks(MB2), headers=JSON)
            assert "content-length" not in response.request.headers
        else:
            response = http.request(case.method, path, content=body, headers=case.headers or JSON)
    assert response.status_code == case.status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert case.error in error
    assert "\n" not in error and "Traceback" not in response.text
    assert snapshot(server) == before, "a rejected request changed the conversation store"
    logged = server.records.lines[seen:]
    assert not [line for line in logged if "Traceback" in line or "Exception" in line], logged


@pytest.mark.slow
@pytest.mark.parametrize(
    ("path", "headers", "must_not_contain"),
    [
        ("/?lang=%ff%fe", {}, None),
        ("/?lang=" + "x" * 5000, {}, None),
        ("/console?lang=%22%3E%3Cscript%3Ealert(1)%3C/script%3E", {}, "<script>alert(1)"),
        ("/?embed=%00", {}, None),
        ("/", {"accept-language": "q=;;,,*;q=nan," * 500}, None),
        ("/web/citations?lang=zz", {}, None),
    ],
    ids=[
        "bad percent lang",
        "5,000-letter lang",
        "script in lang",
        "NUL embed",
        "garbage Accept-Language",
        "unknown citations lang",
    ],
)
def test_pages_fall_back_on_odd_parameters(
    server: Server, path: str, headers: dict[str, str], must_not_contain: str | None
) -> None:
    """A page is never refused for an odd parameter: it falls back to its defaults, escaped."""
    response = httpx.get(f"{server.url}{path}", headers=headers, timeout=30)
    assert response.status_code == 200
    if must_not_contain:
        assert must_not_contain not in response.text


@pytest.mark.slow
def test_teams_customer_errors_are_replies_and_change_nothing(server: Server) -> None:
    """A Teams customer's unusable message is answered in the chat, in one sentence."""
    before = snapshot(server)
    for text, said in [
        ("x" * 5000, "message: must be at most 4,000 characters (got 5,000)"),
        ("\udfff", "message: must be valid Unicode text (UTF-8)"),
    ]:
        body = json.dumps({**ACTIVITY, "text": text}).encode("utf-8", "surrogatepass")
        response = httpx.post(f"{server.url}/api/messages", content=body, headers=JSON, timeout=30)
        assert response.status_code == 200
        replies = [a["text"] for a in response.json()["activities"] if a["type"] == "message"]
        assert replies == [said]
    assert snapshot(server) == before


# --- the command line -----------------------------------------------------------------------


def run(
    args: list[str],
    stdin: bytes,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Run:
    """Run the command line in-process with raw bytes on stdin, as a pipe would give them."""
    return run_cli(args, stdin, capsys, monkeypatch)


CLI_CASES: dict[str, tuple[list[str], bytes, str]] = {
    "classify not JSON": (
        ["classify"],
        b"{seats: 3}",
        "Error: profile: not valid JSON (Expecting property name",
    ),
    "classify empty": (
        ["classify"],
        b"",
        "Error: profile: not valid JSON (Expecting value at line 1 column 1)",
    ),
    "classify invalid UTF-8": (
        ["classify"],
        b'{"seats": 3}\xff',
        "Error: profile: must be UTF-8 encoded JSON (stdin is not)",
    ),
    "classify seats a word": (
        ["classify"],
        b'{"seats": "lots"}',
        'Error: seats: must be a whole number from 0 to 10,000,000 (seat-based licences), or null (got "lots")',
    ),
    "classify seats 1e400": (["classify"], b'{"seats": 1e400}', "(got inf)"),
    "classify seats 5000 digits": (
        ["classify"],
        b'{"seats": ' + b"7" * 5000 + b"}",
        "Error: profile: a number in the JSON is too long",
    ),
    "classify azure NaN": (
        ["classify"],
        b'{"azure_annual_usd": NaN}',
        "Error: azure_annual_usd: must be a number",
    ),
    "classify unknown field": (
        ["classify"],
        b'{"employees": 40}',
        "Error: employees: unknown field",
    ),
    "classify deep nesting": (
        ["classify"],
        b"[" * 100_000,
        "Error: profile: JSON nested too deeply",
    ),
    "classify 2 MB unknown field": (
        ["classify"],
        b'{"pad": "' + b"p" * MB2 + b'"}',
        "Error: pad: unknown field",
    ),
    "classify control characters": (
        ["classify"],
        b"\x00\x01\x02",
        "Error: profile: not valid JSON",
    ),
    "classify lang unknown": (
        ["classify", "--lang", "fr"],
        b"{}",
        "Error: Invalid value for '--lang': 'fr' is not one of 'en', 'ja'.",
    ),
    "classify file missing": (
        ["classify", "--file", "/nonexistent/p.json"],
        b"",
        "Error: --file: no such file: /nonexistent/p.json",
    ),
    "classify file a folder": (
        ["classify", "--file", "/"],
        b"",
        "Error: Invalid value for '--file'",
    ),
    "classify unknown option": (
        ["classify", "--seats", "4"],
        b"",
        "Error: No such option '--seats'. (see 'advisor classify --help')",
    ),
    "ask empty": (["ask"], b"", "Error: question: must not be empty"),
    "ask control characters": (["ask", "\x01\x02\x1b"], b"", "Error: question: must not be empty"),
    "ask invalid UTF-8": (
        ["ask", "what is \udcff CSP"],
        b"",
        "Error: question: must be valid Unicode text (UTF-8)",
    ),
    "ask one 5,000-letter word": (
        ["ask", "w" * 5000],
        b"",
        "Error: question: must be at most 4,000 characters (got 5,000)",
    ),
    "ask lang unknown": (["ask", "--lang", "de", "hi"], b"", "Error: Invalid value for '--lang'"),
    "chat session malformed": (
        ["chat", "--json", "--session", "../x"],
        b"hi\n",
        "Error: session_id: must be 1 to 128 letters",
    ),
    "chat session unknown": (
        ["chat", "--json", "--session", "nope"],
        b"hi\n",
        "Error: session_id: no session nope",
    ),
    "chat lang unknown": (
        ["chat", "--json", "--lang", "fr"],
        b"hi\n",
        "Error: Invalid value for '--lang'",
    ),
    "index extra argument": (
        ["index", "everything"],
        b"",
        "Error: Got unexpected extra argument (everything)",
    ),
    "index flag with a value": (
        ["index", "--rebuild=yes"],
        b"",
        "Error: Option '--rebuild' does not take a value.",
    ),
    "eval unknown suite": (["eval", "--suite", "nope"], b"", "Error: Invalid value for '--suite'"),
    "eval limit zero": (["eval", "--limit", "0"], b"", "Error: Invalid value for '--limit'"),
    "eval unknown model": (
        ["eval", "--model", "gpt-4"],
        b"",
        "Error: --model: must be offline or openai:<model>",
    ),
    "teams-manifest no bot id": (["teams-manifest"], b"", "Error: Missing option '--bot-id'."),
    "teams-manifest bad bot id": (
        ["teams-manifest", "--bot-id", "not-a-guid"],
        b"",
        "Error: --bot-id: must be the bot's Microsoft App ID",
    ),
    "teams-manifest long name": (
        ["teams-manifest", "--bot-id", "00000000-0000-0000-0000-000000000000", "--name", "n" * 31],
        b"",
        "Error: --name: must be 1 to 30 characters (got 31)",
    ),
    "teams-manifest http site": (
        [
            "teams-manifest",
            "--bot-id",
            "00000000-0000-0000-0000-000000000000",
            "--website",
            "http://x",
        ],
        b"",
        "Error: --website: must be an https:// URL",
    ),
    "teams-manifest unwritable": (
        [
            "teams-manifest",
            "--bot-id",
            "00000000-0000-0000-0000-000000000000",
            "--out",
            "/nonexistent/t.zip",
        ],
        b"",
        "Error: --out: cannot write /nonexistent/t.zip",
    ),
    "serve port too big": (
        ["serve", "--port", "99999"],
        b"",
        "Error: Invalid value for '--port': 99999 is not in the range 0<=x<=65535.",
    ),
    "serve port a word": (["serve", "--port", "http"], b"", "Error: Invalid value for '--port'"),
    "serve host unknown": (
        ["serve", "--host", "no such host!", "--port", "0"],
        b"",
        "Error: --host: cannot listen on 'no such host!'",
    ),
    "serve port in use": (
        ["serve", "--port", "BUSY"],
        b"",
        "Error: --port: cannot listen on 127.0.0.1:BUSY (Address already in use)",
    ),
    "sessions purge zero days": (
        ["sessions", "purge", "--older-than-days", "0"],
        b"",
        "Error: Invalid value for '--older-than-days'",
    ),
    "unknown command": (["frobnicate"], b"", "Error: No such command 'frobnicate'."),
}


@pytest.mark.parametrize(("args", "stdin", "error"), list(CLI_CASES.values()), ids=list(CLI_CASES))
def test_cli_bad_input_exits_2_with_one_line(
    args: list[str],
    stdin: bytes,
    error: str,
    data_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = str(busy.getsockname()[1])
        args = [a.replace("BUSY", port) for a in args]
        result = run(args, stdin, capsys, monkeypatch)
    error = error.replace("BUSY", port)
    assert (result.code, result.out) == (2, ""), result.err
    assert result.err.count("\n") == 1 and result.err.endswith("\n"), result.err
    assert result.err.startswith("Error: ") and error in result.err, result.err
    assert "Traceback" not in result.err


def test_cli_bad_settings_exit_1_with_one_line(
    data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ADVISOR_AGENT_MAX_STEPS", "many")
    result = run(["sessions", "purge"], b"", capsys, monkeypatch)
    assert (result.code, result.out) == (1, "")
    assert result.err == (
        "Error: ADVISOR_AGENT_MAX_STEPS: input should be a valid integer, unable to parse string "
        "as an integer (got 'many')\n"
    )


def store_counts(data_dir: Path) -> tuple[int, int]:
    with sqlite3.connect(f"file:{data_dir / 'sessions.sqlite'}?mode=ro", uri=True) as db:
        return (
            db.execute("SELECT count(*) FROM checkpoints").fetchone()[0],
            db.execute("SELECT count(*) FROM writes").fetchone()[0],
        )


def test_chat_lines_refuse_each_bad_line_and_keep_the_conversation(
    data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """In line mode a bad line gets an error object; the conversation carries on unchanged."""
    first = run(["chat", "--json"], b"We need 300 seats\n", capsys, monkeypatch)
    session_id = json.loads(first.out)["session_id"]
    before = store_counts(data_dir)
    bad = [
        b"\xff\xfe 5000 seats",
        b"\x00\x07\x1b",
        b"z" * 4001,
        b"",
        "\u5e2d".encode() * 4001,
    ]
    result = run(
        ["chat", "--json", "--session", session_id], b"\n".join(bad) + b"\n", capsys, monkeypatch
    )
    lines = [json.loads(line) for line in result.out.splitlines()]
    assert result.code == 0
    assert lines == [
        {"error": "message: must be valid Unicode text (UTF-8)", "status": 422},
        {"error": "message: must not be empty", "status": 422},
        {"error": "message: must be at most 4,000 characters (got 4,001)", "status": 422},
        {"error": "message: must not be empty", "status": 422},
        {"error": "message: must be at most 4,000 characters (got 4,001)", "status": 422},
    ]
    assert result.err.count("\n") == len(bad) and "Traceback" not in result.err
    assert store_counts(data_dir) == before
    after = run(
        ["chat", "--json", "--session", session_id], b"no special terms\n", capsys, monkeypatch
    )
    assert json.loads(after.out)["question"]["slot"] == "self_service"
