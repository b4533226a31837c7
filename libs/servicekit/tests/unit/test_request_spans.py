"""A request to a service's api is one server span, Observability's: it continues the caller's
``traceparent`` and is named after the route's template, not the path asked for. (FastAPI's
own telemetry, on by default, added a second server span and one per dependency, endpoint and
serialization.)"""

from __future__ import annotations

import httpx
from fastapi import APIRouter
from opentelemetry.trace import SpanKind
from servicekit.http import create_http_app
from servicekit.tracing import in_memory_exporter

TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
PARENT_ID = "b7ad6b7169203331"


async def test_a_request_is_one_server_span_named_after_its_route() -> None:
    exporter = in_memory_exporter()
    exporter.clear()
    router = APIRouter()

    @router.get("/v1/things/{thing_id}")
    async def thing(thing_id: str) -> dict[str, str]:
        return {"id": thing_id}

    app = create_http_app(service="things", title="t", description="d", routers=[router], checks=[])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://things") as client:
        resp = await client.get(
            "/v1/things/a-42", headers={"traceparent": f"00-{TRACE_ID}-{PARENT_ID}-01"}
        )
        assert resp.status_code == 200
        spans = exporter.get_finished_spans()
        exporter.clear()
        assert (await client.get("/nowhere/a-42")).status_code == 404
        [unmatched] = exporter.get_finished_spans()
    assert (unmatched.name, unmatched.kind) == ("GET", SpanKind.SERVER)

    assert [(s.name, s.kind) for s in spans] == [("GET /v1/things/{thing_id}", SpanKind.SERVER)]
    [span] = spans
    assert format(span.context.trace_id, "032x") == TRACE_ID
    assert span.parent is not None
    assert format(span.parent.span_id, "016x") == PARENT_ID
    assert span.attributes is not None
    assert span.attributes["http.route"] == "/v1/things/{thing_id}"
    assert span.attributes["http.response.status_code"] == 200
