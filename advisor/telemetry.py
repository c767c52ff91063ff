"""Traces of every turn in OpenTelemetry, and JSON logs that carry the trace id.

Tracing is on when an OTLP endpoint is set (`OTEL_EXPORTER_OTLP_ENDPOINT`, or
`ADVISOR_OTLP_ENDPOINT`); spans go there over OTLP/gRPC. Each customer turn is one
`invoke_agent` span, under the HTTP request's span when it came over HTTP, with a span for each
agent step (the graph's nodes), each model call (`chat {model}`, with its token counts when the
model reports them) and each tool call (`execute_tool {name}`), named and labelled as the
OpenTelemetry GenAI semantic conventions say. What the customer wrote stays out of the spans
unless ADVISOR_LOG_MESSAGE_TEXT is on. With no endpoint nothing is traced and nothing is paid.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.outputs import LLMResult
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as gen_ai
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, Tracer

from advisor import __version__
from advisor.config import Settings

AGENT_NAME = "motion-advisor"
# URLs traced by no HTTP span: probes and scrapes, many a minute and nothing to see
UNTRACED_URLS = "healthz,metrics"

_lock = threading.Lock()
_provider: TracerProvider | None = None


def tracer_provider(settings: Settings) -> TracerProvider | None:
    """Return the process's tracer provider, made on first use; None when tracing is off."""
    global _provider
    if not settings.otlp_endpoint:
        return None
    with _lock:
        if _provider is None:
            _provider = otlp_provider(settings.otlp_endpoint)
        return _provider


def otlp_provider(endpoint: str) -> TracerProvider:
    """Return a tracer provider that sends spans to an OTLP/gRPC endpoint, in batches.

    An http:// endpoint is sent to in plain text, an https:// one over TLS.
    """
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

    provider = TracerProvider(
        resource=Resource.create({"service.name": AGENT_NAME, "service.version": __version__})
    )
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    return provider


def trace_http(app: Any, provider: TracerProvider) -> None:
    """Give each HTTP request a server span, the parent of the turn it carries."""
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=provider,
        excluded_urls=UNTRACED_URLS,
        exclude_spans=["receive", "send"],
    )


class TurnTracer:
    """Spans for one service's turns, from one tracer provider."""

    def __init__(self, provider: TracerProvider, *, message_text: bool = False) -> None:
        self.tracer = provider.get_tracer("advisor", __version__)
        self.message_text = message_text

    @contextmanager
    def turn(self, session_id: str, text: str) -> Iterator[Span]:
        """Hold the `invoke_agent` span of one turn, current while the agent runs."""
        with self.tracer.start_as_current_span(
            f"invoke_agent {AGENT_NAME}", kind=SpanKind.INTERNAL
        ) as span:
            span.set_attribute(gen_ai.GEN_AI_OPERATION_NAME, "invoke_agent")
            span.set_attribute(gen_ai.GEN_AI_AGENT_NAME, AGENT_NAME)
            span.set_attribute(gen_ai.GEN_AI_CONVERSATION_ID, session_id)
            if self.message_text:
                message = [{"role": "user", "parts": [{"type": "text", "content": text}]}]
                span.set_attribute("gen_ai.input.messages", json.dumps(message))
            yield span

    def handler(self) -> StepSpans:
        """Return the callback handler that makes the spans of one turn's steps."""
        return StepSpans(self.tracer)


class StepSpans(BaseCallbackHandler):
    """LangChain callbacks that open and close a span for each graph step, model and tool call.

    One handler serves one turn. Tools called together run in threads, so the open spans are
    kept by run id under a lock; each span's parent is its run's parent, or the span that is
    current where the graph started (the turn's).
    """

    run_inline = True  # called in the run's own thread, so the turn's span is the current one

    def __init__(self, tracer: Tracer) -> None:
        self.tracer = tracer
        self.spans: dict[UUID, Span] = {}
        self._guard = threading.Lock()

    def _open(
        self, run_id: UUID, parent_run_id: UUID | None, name: str, attributes: dict[str, Any]
    ) -> None:
        with self._guard:
            parent = self.spans.get(parent_run_id) if parent_run_id else None
        context = trace.set_span_in_context(parent) if parent is not None else None
        span = self.tracer.start_span(name, context=context, attributes=attributes)
        with self._guard:
            self.spans[run_id] = span

    def _close(self, run_id: UUID, error: BaseException | None = None) -> Span | None:
        with self._guard:
            span = self.spans.pop(run_id, None)
        if span is not None:
            if error is not None:
                span.set_status(Status(StatusCode.ERROR, type(error).__name__))
                span.set_attribute("error.type", type(error).__name__)
            span.end()
        return span

    # the graph and its steps
    def on_chain_start(
        self,
        serialized: dict[str, Any] | None,
        inputs: Any,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        """Open the graph's span, or a step's (a node run straight under the graph)."""
        node = (metadata or {}).get("langgraph_node")
        name = kwargs.get("name")
        if parent_run_id is None:
            self._open(run_id, None, "agent graph", {"langgraph.graph": name or "agent"})
        elif node is not None and name == node and parent_run_id in self.spans:
            step = (metadata or {}).get("langgraph_step")
            attributes = {"langgraph.node": node}
            if isinstance(step, int):
                attributes["langgraph.step"] = step
            self._open(run_id, parent_run_id, f"step {node}", attributes)

    def on_chain_end(self, outputs: Any, *, run_id: UUID, **kwargs: Any) -> None:
        """Close the graph's or a step's span."""
        self._close(run_id)

    def on_chain_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        """Close the span, marked as failed."""
        self._close(run_id, error)

    # model calls
    def on_chat_model_start(
        self,
        serialized: dict[str, Any] | None,
        messages: Any,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        invocation_params: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        """Open a model call's span."""
        params = invocation_params or {}
        model = str(
            params.get("model")
            or params.get("model_name")
            or (metadata or {}).get("ls_model_name")
            or "unknown"
        )
        provider = str((metadata or {}).get("ls_provider") or params.get("_type") or "unknown")
        self._open(
            run_id,
            self._step_of(parent_run_id),
            f"chat {model}",
            {
                gen_ai.GEN_AI_OPERATION_NAME: "chat",
                gen_ai.GEN_AI_REQUEST_MODEL: model,
                gen_ai.GEN_AI_PROVIDER_NAME: provider,
            },
        )

    def on_llm_end(self, response: LLMResult, *, run_id: UUID, **kwargs: Any) -> None:
        """Close a model call's span, with the tokens it counted."""
        with self._guard:
            span = self.spans.get(run_id)
        if span is not None:
            for key, value in _usage(response).items():
                span.set_attribute(key, value)
        self._close(run_id)

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        """Close a model call's span, marked as failed."""
        self._close(run_id, error)

    # tool calls
    def on_tool_start(
        self,
        serialized: dict[str, Any] | None,
        input_str: str,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        **kwargs: Any,
    ) -> None:
        """Open a tool call's span."""
        name = str(kwargs.get("name") or (serialized or {}).get("name") or "tool")
        attributes: dict[str, Any] = {
            gen_ai.GEN_AI_OPERATION_NAME: "execute_tool",
            gen_ai.GEN_AI_TOOL_NAME: name,
            gen_ai.GEN_AI_TOOL_TYPE: "function",
        }
        if kwargs.get("tool_call_id"):
            attributes[gen_ai.GEN_AI_TOOL_CALL_ID] = str(kwargs["tool_call_id"])
        self._open(run_id, self._step_of(parent_run_id), f"execute_tool {name}", attributes)

    def on_tool_end(self, output: Any, *, run_id: UUID, **kwargs: Any) -> None:
        """Close a tool call's span."""
        self._close(run_id)

    def on_tool_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        """Close a tool call's span, marked as failed."""
        self._close(run_id, error)

    def _step_of(self, parent_run_id: UUID | None) -> UUID | None:
        """Return the nearest run with a span, for a call made inside unspanned wrappers."""
        with self._guard:
            if parent_run_id in self.spans:
                return parent_run_id
            steps = [
                run
                for run, span in self.spans.items()
                if getattr(span, "name", "").startswith("step ")
            ]
        return steps[-1] if steps else None


def _usage(response: LLMResult) -> dict[str, int]:
    """Return a model call's token counts, as GenAI span attributes, where the model gave them."""
    for generations in response.generations:
        for generation in generations:
            usage = getattr(getattr(generation, "message", None), "usage_metadata", None)
            if usage:
                return {
                    gen_ai.GEN_AI_USAGE_INPUT_TOKENS: int(usage.get("input_tokens", 0)),
                    gen_ai.GEN_AI_USAGE_OUTPUT_TOKENS: int(usage.get("output_tokens", 0)),
                }
    counts = (response.llm_output or {}).get("token_usage") or {}
    if counts:
        return {
            gen_ai.GEN_AI_USAGE_INPUT_TOKENS: int(counts.get("prompt_tokens", 0)),
            gen_ai.GEN_AI_USAGE_OUTPUT_TOKENS: int(counts.get("completion_tokens", 0)),
        }
    return {}


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, and the trace and span ids."""

    def format(self, record: logging.LogRecord) -> str:
        """Write the record as one line of JSON."""
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        context = trace.get_current_span().get_span_context()
        if context.is_valid:
            entry["trace_id"] = format(context.trace_id, "032x")
            entry["span_id"] = format(context.span_id, "016x")
        if record.exc_info and record.exc_info[0] is not None:
            entry["error"] = record.exc_info[0].__name__
        return json.dumps(entry, ensure_ascii=False)


def log_config(fmt: str) -> dict[str, Any] | None:
    """Return uvicorn's logging configuration for ADVISOR_LOG_FORMAT (None: uvicorn's own)."""
    if fmt != "json":
        return None
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": f"{__name__}.JsonFormatter"}},
        "handlers": {"default": handler},
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": "INFO", "propagate": False},
            "uvicorn.error": {"level": "INFO"},
            "uvicorn.access": {"handlers": ["default"], "level": "INFO", "propagate": False},
            "advisor": {"handlers": ["default"], "level": "INFO", "propagate": False},
        },
    }
