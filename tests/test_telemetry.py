"""OpenTelemetry traces of a turn, and JSON log lines that carry the trace id."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from concurrent import futures
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import grpc
import httpx
import pytest
from fastapi.testclient import TestClient
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from advisor.channels.http import create_app
from advisor.chat import ChatService
from advisor.config import Settings
from advisor.guidance.index import GuidanceIndex
from advisor.telemetry import JsonFormatter, TurnTracer, otlp_provider
from tests.fake_openai import ScriptedOpenAI
from tests.servers import advisor_process

MESSAGE = "We're 300 people and want a partner to look after it"


@pytest.fixture
def spans() -> Iterator[tuple[TracerProvider, InMemorySpanExporter]]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield provider, exporter
    provider.shutdown()


def by_name(finished: Any) -> dict[str, ReadableSpan]:
    return {span.name: span for span in finished}


def parent_of(span: ReadableSpan, finished: Any) -> str | None:
    ids = {s.context.span_id: s.name for s in finished}
    return ids.get(span.parent.span_id) if span.parent else None


def test_a_turn_is_a_trace_of_its_agent_steps_model_call_and_tools(
    spans: tuple[TracerProvider, InMemorySpanExporter],
    tmp_path: Path,
    guidance_index: GuidanceIndex,
) -> None:
    provider, exporter = spans
    service = ChatService(
        Settings(data_dir=tmp_path), index=guidance_index, tracer_provider=provider
    )
    turn = service.chat(MESSAGE)
    finished = exporter.get_finished_spans()
    named = by_name(finished)
    assert {"invoke_agent motion-advisor", "agent graph", "step turn"} <= set(named)
    agent = named["invoke_agent motion-advisor"]
    assert agent.attributes is not None
    assert agent.attributes["gen_ai.operation.name"] == "invoke_agent"
    assert agent.attributes["gen_ai.conversation.id"] == turn.session_id
    assert agent.attributes["advisor.lang"] == "en"
    assert turn.question is not None
    assert agent.attributes["advisor.question"] == turn.question.slot
    # the steps hang under the graph, the graph under the turn
    assert parent_of(named["agent graph"], finished) == "invoke_agent motion-advisor"
    assert parent_of(named["step turn"], finished) == "agent graph"
    model_calls = [s for s in finished if s.name.startswith("chat ")]
    assert len(model_calls) == 1
    assert parent_of(model_calls[0], finished) == "step turn"
    assert model_calls[0].attributes is not None
    assert model_calls[0].attributes["gen_ai.operation.name"] == "chat"
    tools = [s for s in finished if s.name.startswith("execute_tool ")]
    assert {s.name for s in tools} >= {"execute_tool record_facts"}
    for tool in tools:
        assert parent_of(tool, finished) == "step turn"
        assert tool.attributes is not None
        assert tool.attributes["gen_ai.tool.call.id"]
    # what the customer wrote stays out of every span
    for span in finished:
        for value in (span.attributes or {}).values():
            assert "300 people" not in str(value)


def test_message_text_is_traced_only_when_message_logging_is_on(
    spans: tuple[TracerProvider, InMemorySpanExporter],
    tmp_path: Path,
    guidance_index: GuidanceIndex,
) -> None:
    provider, exporter = spans
    settings = Settings(data_dir=tmp_path, log_message_text=True)
    ChatService(settings, index=guidance_index, tracer_provider=provider).chat(MESSAGE)
    agent = by_name(exporter.get_finished_spans())["invoke_agent motion-advisor"]
    assert agent.attributes is not None
    messages = json.loads(str(agent.attributes["gen_ai.input.messages"]))
    assert messages[0]["parts"][0]["content"] == MESSAGE


def test_a_failed_turn_is_a_failed_span(
    spans: tuple[TracerProvider, InMemorySpanExporter],
    tmp_path: Path,
    guidance_index: GuidanceIndex,
) -> None:
    provider, exporter = spans
    service = ChatService(
        Settings(data_dir=tmp_path), index=guidance_index, tracer_provider=provider
    )
    session = service.chat("hello").session_id
    service.settings = Settings(data_dir=tmp_path, session_max_turns=1)
    exporter.clear()
    with pytest.raises(Exception, match="limit"):
        service.chat("300 seats", session)
    agent = by_name(exporter.get_finished_spans())["invoke_agent motion-advisor"]
    assert agent.status.status_code.name == "ERROR"


def test_an_http_turn_is_one_trace_under_its_request(
    spans: tuple[TracerProvider, InMemorySpanExporter],
    tmp_path: Path,
    guidance_index: GuidanceIndex,
) -> None:
    provider, exporter = spans
    settings = Settings(data_dir=tmp_path)
    app = create_app(settings, index=guidance_index, tracer_provider=provider)
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
        assert client.post("/v1/chat", json={"message": MESSAGE}).status_code == 200
    finished = exporter.get_finished_spans()
    requests = [s for s in finished if s.name == "POST /v1/chat"]
    assert len(requests) == 1
    assert not [s for s in finished if "healthz" in s.name]  # probes are not traced
    agent = by_name(finished)["invoke_agent motion-advisor"]
    assert agent.context.trace_id == requests[0].context.trace_id
    assert parent_of(agent, finished) == "POST /v1/chat"


@pytest.mark.slow
def test_a_real_models_calls_carry_their_token_counts(
    spans: tuple[TracerProvider, InMemorySpanExporter], tmp_path: Path
) -> None:
    provider, exporter = spans
    with ScriptedOpenAI() as llm:
        settings = Settings(
            data_dir=tmp_path,
            model="openai:gpt-test",
            openai_api_key="test-key",
            openai_base_url=llm.base_url,
        )
        service = ChatService(settings, tracer_provider=provider)
        llm.enqueue_tool_calls(
            [("record_facts", {"seats": 300, "self_service": False}), ("classify_motion", {})],
            text="Let me note that down.",
        )
        service.chat(MESSAGE)
    finished = exporter.get_finished_spans()
    (call,) = [s for s in finished if s.name.startswith("chat ")]
    assert call.name == "chat gpt-test"
    assert call.attributes is not None
    assert call.attributes["gen_ai.provider.name"] == "openai"
    assert int(str(call.attributes["gen_ai.usage.input_tokens"])) > 0
    assert int(str(call.attributes["gen_ai.usage.output_tokens"])) > 0
    tools = sorted(s.name for s in finished if s.name.startswith("execute_tool "))
    assert tools == ["execute_tool classify_motion", "execute_tool record_facts"]


def test_json_log_lines_carry_the_trace_id(
    spans: tuple[TracerProvider, InMemorySpanExporter],
) -> None:
    provider, _ = spans
    tracer = TurnTracer(provider)
    record = logging.LogRecord(
        "advisor.chat", logging.INFO, __file__, 1, "turn %s", ("done",), None
    )
    with tracer.turn("s1", "hi") as span:
        line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "turn done"
    assert line["level"] == "info"
    assert line["trace_id"] == format(span.get_span_context().trace_id, "032x")
    outside = json.loads(JsonFormatter().format(record))
    assert "trace_id" not in outside


class Collector(trace_service_pb2_grpc.TraceServiceServicer):
    """An OTLP/gRPC receiver on loopback that keeps the spans it is sent."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.services: set[str] = set()
        self.trace_ids: set[str] = set()

    def Export(self, request: Any, context: Any) -> Any:  # noqa: N802 - the protocol's name
        for resource_spans in request.resource_spans:
            for attribute in resource_spans.resource.attributes:
                if attribute.key == "service.name":
                    self.services.add(attribute.value.string_value)
            for scope in resource_spans.scope_spans:
                self.names.extend(span.name for span in scope.spans)
                self.trace_ids.update(span.trace_id.hex() for span in scope.spans)
        return trace_service_pb2.ExportTraceServiceResponse()


@contextmanager
def collector_on_loopback() -> Iterator[tuple[Collector, int]]:
    collector = Collector()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    trace_service_pb2_grpc.add_TraceServiceServicer_to_server(collector, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        yield collector, port
    finally:
        server.stop(None)


@pytest.mark.slow
def test_spans_are_exported_over_otlp_to_the_configured_endpoint(
    tmp_path: Path, guidance_index: GuidanceIndex
) -> None:
    with collector_on_loopback() as (collector, port):
        provider = otlp_provider(f"http://127.0.0.1:{port}")
        service = ChatService(
            Settings(data_dir=tmp_path), index=guidance_index, tracer_provider=provider
        )
        service.chat(MESSAGE)
        assert provider.force_flush(10_000)
        provider.shutdown()
    assert collector.services == {"motion-advisor"}
    assert {"invoke_agent motion-advisor", "step turn", "execute_tool record_facts"} <= set(
        collector.names
    )


@pytest.mark.slow
def test_advisor_serve_logs_json_lines_that_lead_to_the_turns_trace(tmp_path: Path) -> None:
    with collector_on_loopback() as (collector, port):
        env = {
            "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{port}",
            "ADVISOR_LOG_FORMAT": "json",
            "ADVISOR_LOG_MESSAGE_TEXT": "true",
            "OTEL_BSP_SCHEDULE_DELAY": "100",  # the batch goes out within 0.1 s
        }
        with advisor_process(tmp_path / "data", env) as (url, _):
            assert httpx.post(f"{url}/v1/chat", json={"message": MESSAGE}).status_code == 200
            deadline = time.monotonic() + 20
            while "POST /v1/chat" not in collector.names and time.monotonic() < deadline:
                time.sleep(0.1)
        log = (tmp_path / f"serve-{url.rsplit(':', 1)[1]}.log").read_text(encoding="utf-8")
    lines = [json.loads(line) for line in log.splitlines() if line.strip()]
    assert all({"time", "level", "logger", "message"} <= set(line) for line in lines)
    (said,) = [line for line in lines if "customer" in line["message"] and "300" in line["message"]]
    assert said["trace_id"] in collector.trace_ids
    assert "POST /v1/chat" in collector.names
