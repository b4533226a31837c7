"""OpenTelemetry tracing: one provider per process, context carried over Kafka headers.

The OTLP exporter is used when an endpoint is configured; tests use the in-memory exporter.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor, SpanExporter
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

_provider: TracerProvider | None = None


def configure_tracing(
    service: str,
    *,
    otlp_endpoint: str | None = None,
    exporter: SpanExporter | None = None,
) -> TracerProvider:
    """Install the process's tracer provider (once; later calls add an exporter)."""
    global _provider  # noqa: PLW0603 - one provider per process is the OpenTelemetry model
    if _provider is None:
        _provider = TracerProvider(resource=Resource.create({"service.name": service}))
        trace.set_tracer_provider(_provider)
    if exporter is not None:
        _provider.add_span_processor(SimpleSpanProcessor(exporter))
    elif otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        _provider.add_span_processor(
            BatchSpanProcessor(OTLPSpanExporter(endpoint=f"{otlp_endpoint}/v1/traces"))
        )
    return _provider


def in_memory_exporter(service: str = "test") -> InMemorySpanExporter:
    exporter = InMemorySpanExporter()
    configure_tracing(service, exporter=exporter)
    return exporter


@functools.cache
def tracer(name: str) -> trace.Tracer:
    """The tracer named ``name``, made once: a span per event asked for a new one each time.
    (Before a provider is installed this is OpenTelemetry's proxy, which follows it.)"""
    return trace.get_tracer(name)


def current_trace_headers() -> dict[str, str]:
    """``traceparent`` (and ``tracestate``) of the current span, to store with an outbox row."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


def context_from_headers(headers: Mapping[str, str]) -> otel_context.Context:
    return propagate.extract(dict(headers))
