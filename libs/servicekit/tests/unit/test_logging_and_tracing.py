import json

import pytest
import structlog
from servicekit.context import current_event_id
from servicekit.logging import configure_logging, get_logger
from servicekit.tracing import (
    context_from_headers,
    current_trace_headers,
    in_memory_exporter,
    tracer,
)


def test_every_json_line_carries_service_trace_span_and_event_ids_and_masks_secrets(
    capsys: pytest.CaptureFixture[str],
) -> None:
    in_memory_exporter()
    configure_logging("identity", json=True)
    token = current_event_id.set("ev-42")
    try:
        with tracer("t").start_as_current_span("work") as span:
            get_logger().info("mandate_activated", password="hunter2", token="abc", siret="1")
            ctx = span.get_span_context()
    finally:
        current_event_id.reset(token)
        structlog.reset_defaults()
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert line["event"] == "mandate_activated"
    assert line["service"] == "identity"
    assert line["trace_id"] == format(ctx.trace_id, "032x")
    assert line["span_id"] == format(ctx.span_id, "016x")
    assert line["event_id"] == "ev-42"
    assert line["password"] == "***"
    assert line["token"] == "***"
    assert "hunter2" not in json.dumps(line)


def test_the_trace_context_stored_with_an_event_continues_the_trace_elsewhere() -> None:
    exporter = in_memory_exporter()
    with tracer("api").start_as_current_span("POST /v1/cabinets") as request_span:
        stored = current_trace_headers()
    with tracer("relay").start_as_current_span("publish", context=context_from_headers(stored)):
        pass
    spans = {s.name: s for s in exporter.get_finished_spans()}
    publish = spans["publish"]
    assert publish.context.trace_id == request_span.get_span_context().trace_id
    assert publish.parent is not None
    assert publish.parent.span_id == request_span.get_span_context().span_id
