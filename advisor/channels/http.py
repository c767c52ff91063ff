"""The HTTP service: thin routes over the same functions the command line uses."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse
from opentelemetry.sdk.trace import TracerProvider
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from advisor import __version__, telemetry
from advisor.channels.bodies import (
    MediaTypeError,
    json_object,
    public_session,
    read_body,
)
from advisor.channels.docs import mount_docs
from advisor.channels.follow_up import mount_follow_up
from advisor.channels.openapi import (
    SSE_RESPONSES,
    AskRequest,
    ChatRequest,
    IdempotencyKey,
    SessionId,
    SessionView,
    TranscriptTurns,
    errors,
    finish_openapi,
    json_body,
)
from advisor.channels.ratelimit import RateLimit, TokenBucket, parse_networks
from advisor.channels.status import http_status
from advisor.channels.teams import mount_teams
from advisor.channels.web import mount_web
from advisor.chat import ChatService
from advisor.config import Settings, get_settings
from advisor.domain.policy import classify
from advisor.domain.schemas import (
    LANGS,
    Answer,
    ChatTurn,
    Classification,
    Profile,
    parse_profile,
)
from advisor.errors import AdvisorError, TooLargeError, UserError
from advisor.guidance.answering import answer_question
from advisor.guidance.index import GuidanceIndex
from advisor.inputs import check_lang
from advisor.metrics import CONTENT_TYPE as METRICS_TYPE
from advisor.metrics import Metrics
from advisor.models.factory import answer_model
from advisor.store.leads import LeadDelivery
from advisor.store.retention import purge_sessions, retention_cutoff
from advisor.store.sessions import prepare_data_dir
from advisor.telemetry import trace_http

log = logging.getLogger(__name__)


class BodyLimit:
    """Refuse request bodies over a size limit before reading them in full."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, cutting it off once its body passes the limit."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._refuse(send)
            return
        seen = 0
        refused = False

        async def limited_receive() -> Message:
            nonlocal seen, refused
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    refused = True
                    raise TooLargeError(f"request body: must be at most {self.limit:,} bytes")
            return message

        try:
            await self.app(scope, limited_receive, send)
        except TooLargeError:
            if refused:
                await self._refuse(send)
            else:
                raise

    async def _refuse(self, send: Send) -> None:
        body = json.dumps({"error": f"request body: must be at most {self.limit:,} bytes"}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"connection", b"close")],
            }
        )
        await send({"type": "http.response.body", "body": body})


class CountErrors:
    """Count every answer with an error status for /metrics, whoever gave it."""

    def __init__(self, app: ASGIApp, metrics: Any) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, counting the answer's status if it is an error."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def counted(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] >= 400:
                self.metrics().error(message["status"])
            await send(message)

        await self.app(scope, receive, counted)


def error_response(exc: AdvisorError) -> JSONResponse:
    """Render an advisor error as a JSON answer with its status."""
    content: dict[str, Any] = {"error": exc.message}
    field = getattr(exc, "field", None)
    if field:
        content["field"] = field
    status = 415 if isinstance(exc, MediaTypeError) else http_status(exc)
    return JSONResponse(content, status_code=status)


# --- what the OpenAPI document says about bodies and errors --------------------------------


def create_app(
    settings: Settings | None = None,
    *,
    service: Any = None,
    index: Any = None,
    tracer_provider: TracerProvider | None = None,
) -> FastAPI:
    """Build the FastAPI application; the index and chat service open once at start-up.

    With tracing on (an OTLP endpoint, or `tracer_provider`), each request gets a span.
    """
    settings = settings or get_settings()
    provider = tracer_provider or telemetry.tracer_provider(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        prepare_data_dir(settings.data_dir)
        if app.state.index is None:
            app.state.index = await run_in_threadpool(GuidanceIndex.open, settings)
        if app.state.service is None:
            app.state.service = await run_in_threadpool(
                lambda: ChatService(
                    settings,
                    index=app.state.index,
                    metrics=app.state.metrics,
                    tracer_provider=provider,
                )
            )
        # the retention may be changed from the console, so the purge always runs, and each
        # time reads how long conversations are kept (0: no limit, nothing purged)
        await _purge(app, settings)  # before the first request is served
        purging = asyncio.create_task(_purge_periodically(app, settings))
        if settings.lead_webhook_url:
            app.state.delivery = LeadDelivery(app.state.service.leads, settings)
            app.state.delivery.start(settings.lead_delivery_interval_s)
        yield
        purging.cancel()
        if app.state.delivery is not None:
            await run_in_threadpool(app.state.delivery.stop)
            app.state.delivery = None

    app = FastAPI(
        title="Motion Advisor",
        version=__version__,
        description="Which Microsoft purchasing motion fits a customer: breadth (CSP), "
        "enterprise (EA or MCA with a Microsoft seller) or self-service (online).",
        lifespan=lifespan,
        # /docs is served below from assets in the package, so it works with no internet
        docs_url=None,
        redoc_url=None,
    )
    mount_docs(app)
    app.state.settings = settings
    app.state.index = index
    app.state.service = service
    app.state.metrics = service.metrics if service is not None else Metrics()
    app.state.answer_model = answer_model(settings)
    app.state.delivery = None  # sends leads to ADVISOR_LEAD_WEBHOOK_URL, when it is set

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = finish_openapi(FastAPI.openapi(app), settings)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    @app.exception_handler(AdvisorError)
    async def advisor_error(request: Request, exc: AdvisorError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body") or "request"
        return JSONResponse(
            {"error": f"{where}: {first.get('msg', 'invalid')}", "field": where}, 422
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"error": str(exc.detail)}, exc.status_code, headers=exc.headers)

    @app.exception_handler(ClientDisconnect)
    async def client_gone(request: Request, exc: ClientDisconnect) -> Response:
        # Nobody is left to read an answer: note it, without a traceback.
        log.info("client left %s before sending the whole request body", request.url.path)
        return Response(status_code=400)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unexpected error on %s: %s", request.url.path, type(exc).__name__, exc_info=exc)
        return JSONResponse(
            {"error": "the advisor hit an unexpected problem; please try again"}, 500
        )

    @app.get("/healthz", tags=["service"])
    async def healthz() -> dict[str, str]:
        """Say the service is up."""
        return {"status": "ok"}

    @app.get(
        "/metrics",
        tags=["service"],
        response_class=Response,
        responses={200: {"content": {METRICS_TYPE: {"schema": {"type": "string"}}}}},
    )
    async def metrics() -> Response:
        """Return the counters (conversations, turns, recommendations, guidance, errors)."""
        return Response(app.state.metrics.render(), media_type=METRICS_TYPE)

    @app.post(
        "/v1/classify",
        response_model=Classification,
        tags=["advisor"],
        responses=errors(413, 415, 422, 429),
        openapi_extra=json_body(Profile, profile={"seats": 300, "special_terms": []}),
    )
    async def classify_route(
        request: Request, lang: str = Query("en", json_schema_extra={"enum": list(LANGS)})
    ) -> Response:
        """Classify a customer profile with the motion policy."""
        profile = parse_profile(await read_body(request))
        result = classify(profile, check_lang(lang) or "en")
        return Response(result.model_dump_json(), media_type="application/json")

    @app.post(
        "/v1/ask",
        response_model=Answer,
        tags=["advisor"],
        responses=errors(413, 415, 422, 429, 503),
        openapi_extra=json_body(
            AskRequest, question={"question": "Up to how many seats is CSP optimised for?"}
        ),
    )
    async def ask_route(request: Request) -> Response:
        """Answer a question about the purchasing guidance, with its sources."""
        body = json_object(await read_body(request), {"question", "lang"}, {"question"})
        if not isinstance(body["question"], str):
            raise UserError("question: must be a string", field="question")
        lang = check_lang(body.get("lang"))
        answer = await run_in_threadpool(
            answer_question,
            body["question"],
            index=app.state.index,
            settings=settings,
            lang=lang,
            chat_model=app.state.answer_model,
        )
        app.state.metrics.answer(answer)
        return Response(answer.model_dump_json(), media_type="application/json")

    chat_body = json_body(
        ChatRequest,
        typed={"message": "We're 300 people and want a partner's help with Azure"},
        quick_reply={
            "message": "No, none of these",
            "session_id": "3f2a9c0d5e7b4a1f8c6d2e9b0a4f7c3d",
            "answer": {"slot": "special_terms", "value": []},
        },
    )
    chat_errors = errors(404, 409, 413, 415, 422, 429, 503)

    async def _chat_args(request: Request, key: str | None) -> dict[str, Any]:
        fields = {"message", "session_id", "lang", "answer"}
        body = json_object(await read_body(request), fields, {"message"})
        session_id = body.get("session_id")
        if session_id is not None and not isinstance(session_id, str):
            raise UserError("session_id: must be a string", field="session_id")
        if session_id is not None:
            public_session(session_id)
        return {
            "message": body["message"],
            "session_id": session_id,
            "lang": body.get("lang"),
            "answer": body.get("answer"),
            "idempotency_key": key,
        }

    @app.post(
        "/v1/chat",
        response_model=ChatTurn,
        tags=["advisor"],
        responses=chat_errors,
        openapi_extra=chat_body,
    )
    async def chat_route(request: Request, idempotency_key: IdempotencyKey = None) -> Response:
        """Send one customer message; a missing session_id starts a new conversation."""
        args = await _chat_args(request, idempotency_key)
        turn = await run_in_threadpool(lambda: app.state.service.chat(**args))
        return Response(turn.model_dump_json(), media_type="application/json")

    @app.post(
        "/v1/chat/stream",
        response_class=StreamingResponse,
        tags=["advisor"],
        responses=SSE_RESPONSES | chat_errors,
        openapi_extra=chat_body,
    )
    async def chat_stream_route(
        request: Request, idempotency_key: IdempotencyKey = None
    ) -> StreamingResponse:
        """Send one message; the reply streams as server-sent events, ending with the ChatTurn.

        The request is checked before the stream starts, so its errors are JSON answers.
        """
        args = await _chat_args(request, idempotency_key)
        events = await run_in_threadpool(lambda: app.state.service.stream(**args))
        return StreamingResponse(
            _sse(events), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
        )

    session_errors = errors(404, 413, 422, 429, 503)

    @app.get(
        "/v1/sessions/{session_id}",
        tags=["advisor"],
        responses={**session_errors, 200: {"model": SessionView}},
    )
    async def session_route(session_id: SessionId, limit: TranscriptTurns = 50) -> Response:
        """Return a conversation's transcript (its latest `limit` turns) and its profile."""
        public_session(session_id)
        result = await run_in_threadpool(lambda: app.state.service.session(session_id, limit=limit))
        return JSONResponse(result)

    @app.delete(
        "/v1/sessions/{session_id}",
        status_code=204,
        tags=["advisor"],
        responses=session_errors,
    )
    async def delete_session_route(session_id: SessionId) -> Response:
        """Erase a conversation."""
        public_session(session_id)
        await run_in_threadpool(app.state.service.session, session_id)
        await run_in_threadpool(app.state.service.delete, session_id)
        return Response(status_code=204)

    mount_follow_up(app, settings)
    mount_teams(app, settings)

    # Added before the web channels' CORS middleware, so a 429 still carries CORS headers.
    limit = TokenBucket(settings.rate_limit_per_minute, settings.rate_limit_burst)
    app.add_middleware(
        RateLimit,
        bucket=limit,
        trusted=parse_networks(settings.trusted_proxies),
        limit_loopback=settings.rate_limit_loopback,
    )

    mount_web(app, settings)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    # outermost, so the errors the other middlewares answer (413, 429) are counted too
    app.add_middleware(CountErrors, metrics=lambda: app.state.metrics)
    if provider is not None:
        trace_http(app, provider)
    return app


async def _purge(app: FastAPI, settings: Settings) -> None:
    """Erase the conversations whose last turn is older than the retention period."""
    try:
        days = await run_in_threadpool(app.state.service.configuration.retention_days)
        if days <= 0:
            return
        cutoff = retention_cutoff(days)
        purged = await run_in_threadpool(purge_sessions, app.state.service.checkpointer, cutoff)
        await run_in_threadpool(app.state.service.leads.purge, cutoff)
        await run_in_threadpool(app.state.service.feedback.purge, cutoff)
    except Exception as exc:  # a failed purge is tried again at the next interval
        log.warning("session purge failed: %s", type(exc).__name__)
        return
    if purged:
        log.info("purged %d sessions idle for over %g days", purged, days)


async def _purge_periodically(app: FastAPI, settings: Settings) -> None:
    """Purge expired conversations every purge interval while the service runs."""
    while True:
        await asyncio.sleep(settings.session_purge_interval_s)
        await _purge(app, settings)


def _sse(events: Iterator[tuple[str, Any]]) -> Iterator[str]:
    try:
        for kind, value in events:
            if kind == "delta":
                yield f"event: delta\ndata: {json.dumps({'text': value}, ensure_ascii=False)}\n\n"
            else:
                yield f"event: turn\ndata: {value.model_dump_json()}\n\n"
    except AdvisorError as exc:
        payload = {"error": exc.message, "status": http_status(exc)}
        yield f"event: error\ndata: {json.dumps(payload, ensure_ascii=False)}\n\n"
