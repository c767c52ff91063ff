"""A scripted OpenAI-compatible server on loopback, for tests of the real `openai` client.

    with ScriptedOpenAI() as server:
        server.enqueue_tool_calls([("classify_motion", {"seats": 300})])
        server.enqueue_text("Breadth fits [1].")
        model = ChatOpenAI(model="gpt-test", base_url=server.base_url, api_key="test")
        ...
        assert len(server.requests) == 2

Serves `POST /v1/chat/completions` (plain and `stream: true` as server-sent events, text and
tool calls) and `POST /v1/embeddings` (deterministic vectors from hashed words). Replies are
taken from a queue in order; when it is empty, `default(body)` answers if given, else the call
fails with a 400 that says the script ran out.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import math
import re
import struct
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

DEFAULT_EMBEDDING_DIM = 1536
_WORD = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]|[^\W_]+")


@dataclass
class Reply:
    """One scripted reply: text, tool calls, or an HTTP error."""

    text: str | None = None
    tool_calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    status: int = 200
    error: str = ""
    finish_reason: str | None = None


Responder = Callable[[dict[str, Any]], Reply | str]


class ScriptedOpenAI:
    """An OpenAI-compatible HTTP server in a background thread, answering from a script."""

    def __init__(
        self,
        default: Responder | None = None,
        *,
        model: str = "gpt-test",
        retry_after_ms: int = 1,
    ) -> None:
        self.default = default
        self.model = model
        # sent with errors so the client's retries do not slow the tests down
        self.retry_after_ms = retry_after_ms
        self.requests: list[dict[str, Any]] = []
        self.embedding_requests: list[dict[str, Any]] = []
        self._queue: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # scripting

    def enqueue_text(self, text: str, *, finish_reason: str = "stop") -> None:
        """Answer the next chat call with an assistant message."""
        self._push(Reply(text=text, finish_reason=finish_reason))

    def enqueue_tool_calls(
        self, calls: list[tuple[str, dict[str, Any]]], *, text: str | None = None
    ) -> None:
        """Answer the next chat call with tool calls (name, arguments), optionally with text."""
        self._push(Reply(text=text, tool_calls=list(calls), finish_reason="tool_calls"))

    def enqueue_error(
        self, status: int, times: int = 1, *, message: str = "scripted error"
    ) -> None:
        """Fail the next `times` calls (chat or embeddings) with an HTTP error."""
        for _ in range(times):
            self._push(Reply(status=status, error=message))

    def enqueue(self, reply: Reply) -> None:
        """Queue any reply."""
        self._push(reply)

    @property
    def pending(self) -> int:
        """Return how many scripted replies are left."""
        with self._lock:
            return len(self._queue)

    def _push(self, reply: Reply) -> None:
        with self._lock:
            self._queue.append(reply)

    def _next(self, body: dict[str, Any]) -> Reply:
        with self._lock:
            if self._queue:
                return self._queue.popleft()
        if self.default is None:
            return Reply(status=400, error="ScriptedOpenAI: no scripted reply left for this call")
        reply = self.default(body)
        return Reply(text=reply, finish_reason="stop") if isinstance(reply, str) else reply

    def _next_error(self) -> Reply | None:
        with self._lock:
            if self._queue and self._queue[0].status != 200:
                return self._queue.popleft()
        return None

    # lifecycle

    @property
    def base_url(self) -> str:
        """Return the URL to give the client, ending in /v1."""
        if self._server is None:
            raise RuntimeError("ScriptedOpenAI is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def start(self) -> ScriptedOpenAI:
        """Start serving on a free loopback port."""
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        # a short poll keeps shutdown (and so each test's teardown) quick
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)
        self._server = self._thread = None

    def __enter__(self) -> ScriptedOpenAI:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # payloads

    def completion(self, reply: Reply, body: dict[str, Any]) -> dict[str, Any]:
        """Return a non-streaming chat completion for a reply."""
        message: dict[str, Any] = {"role": "assistant", "content": reply.text, "refusal": None}
        if reply.tool_calls:
            message["tool_calls"] = [
                {
                    "id": self._call_id(),
                    "type": "function",
                    "function": {"name": name, "arguments": json.dumps(args)},
                }
                for name, args in reply.tool_calls
            ]
        return {
            "id": f"chatcmpl-{next(self._ids)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", self.model),
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "logprobs": None,
                    "finish_reason": reply.finish_reason or "stop",
                }
            ],
            "usage": self._usage(body, reply),
        }

    def chunks(self, reply: Reply, body: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """Yield the streaming chunks of a reply, as OpenAI sends them."""
        base = {
            "id": f"chatcmpl-{next(self._ids)}",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": body.get("model", self.model),
        }

        def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
            choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
            return {**base, "choices": [choice]}

        yield chunk({"role": "assistant", "content": "" if reply.text is not None else None})
        for piece in re.findall(r"\S+\s*|\s+", reply.text or ""):
            yield chunk({"content": piece})
        for i, (name, args) in enumerate(reply.tool_calls):
            start = {"id": self._call_id(), "type": "function"}
            yield chunk(
                {"tool_calls": [{"index": i, **start, "function": {"name": name, "arguments": ""}}]}
            )
            arguments = json.dumps(args)
            for j in range(0, len(arguments), 8):
                part = {"index": i, "function": {"arguments": arguments[j : j + 8]}}
                yield chunk({"tool_calls": [part]})
        yield chunk({}, reply.finish_reason or "stop")
        if (body.get("stream_options") or {}).get("include_usage"):
            yield {**base, "choices": [], "usage": self._usage(body, reply)}

    def embeddings(self, body: dict[str, Any]) -> dict[str, Any]:
        """Return deterministic embeddings: hashed words, so similar texts are near."""
        raw = body.get("input", [])
        inputs = [raw] if isinstance(raw, str) or (raw and isinstance(raw[0], int)) else raw
        dim = int(body.get("dimensions") or DEFAULT_EMBEDDING_DIM)
        data = []
        for i, item in enumerate(inputs):
            vector = embed_text(item if isinstance(item, str) else json.dumps(item), dim)
            encoded: Any = vector
            if body.get("encoding_format") == "base64":
                encoded = base64.b64encode(struct.pack(f"<{dim}f", *vector)).decode()
            data.append({"object": "embedding", "index": i, "embedding": encoded})
        tokens = sum(len(str(x).split()) for x in inputs)
        return {
            "object": "list",
            "data": data,
            "model": body.get("model", "text-embedding-3-small"),
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }

    def _call_id(self) -> str:
        return f"call_{next(self._ids):06d}"

    @staticmethod
    def _usage(body: dict[str, Any], reply: Reply) -> dict[str, int]:
        prompt = sum(len(str(m.get("content", "")).split()) for m in body.get("messages", []))
        completion = len((reply.text or "").split()) + 10 * len(reply.tool_calls)
        return {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        }


def embed_text(text: str, dim: int = DEFAULT_EMBEDDING_DIM) -> list[float]:
    """Return a unit vector from the hashed words (or CJK characters) of a text."""
    vector = [0.0] * dim
    for word in _WORD.findall(text.lower()) or [text]:
        digest = hashlib.sha256(word.encode()).digest()
        slot = int.from_bytes(digest[:4], "little") % dim
        vector[slot] += 1.0 if digest[4] & 1 else -1.0
    norm = math.sqrt(sum(x * x for x in vector)) or 1.0
    return [x / norm for x in vector]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    fake: ScriptedOpenAI

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        pass

    def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except json.JSONDecodeError:
            self._json(400, _error(400, "the body is not JSON"))
            return
        path = self.path.rstrip("/")
        if path.endswith("/chat/completions"):
            self.fake.requests.append(body)
            reply = self.fake._next(body)
            if reply.status != 200:
                self._json(reply.status, _error(reply.status, reply.error), retry=True)
            elif body.get("stream"):
                self._stream(self.fake.chunks(reply, body))
            else:
                self._json(200, self.fake.completion(reply, body))
        elif path.endswith("/embeddings"):
            self.fake.embedding_requests.append(body)
            error = self.fake._next_error()
            if error is not None:
                self._json(error.status, _error(error.status, error.error), retry=True)
            else:
                self._json(200, self.fake.embeddings(body))
        else:
            self._json(404, _error(404, f"ScriptedOpenAI does not serve {self.path}"))

    def _json(self, status: int, payload: dict[str, Any], retry: bool = False) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if retry:
            self.send_header("retry-after-ms", str(self.fake.retry_after_ms))
        self.end_headers()
        self.wfile.write(data)

    def _stream(self, chunks: Iterator[dict[str, Any]]) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for chunk in chunks:
            self._write_chunk(f"data: {json.dumps(chunk)}\n\n".encode())
        self._write_chunk(b"data: [DONE]\n\n")
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _write_chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()


def _error(status: int, message: str) -> dict[str, Any]:
    kinds = {400: "invalid_request_error", 401: "authentication_error", 404: "not_found_error"}
    kind = kinds.get(status, "rate_limit_error" if status == 429 else "server_error")
    return {"error": {"message": message, "type": kind, "param": None, "code": str(status)}}
