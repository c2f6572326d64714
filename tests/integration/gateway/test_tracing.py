"""One trace from the HTTP request to the read-model update, through the real gateway."""

import time
from collections.abc import Callable

from fastapi.testclient import TestClient
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tests.integration.gateway.conftest import SeededTenant, submit_incident
from tests.support.tracing import descends_from, named, recording_spans

CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"


def _spans_until(
    exporter: InMemorySpanExporter, done: Callable[[list[ReadableSpan]], bool]
) -> list[ReadableSpan]:
    deadline = time.monotonic() + 5
    while True:
        spans = list(exporter.get_finished_spans())
        if done(spans) or time.monotonic() > deadline:
            return spans
        time.sleep(0.02)


def test_the_request_the_command_its_events_and_the_projection_share_one_trace(
    api: TestClient, seed_tenant: Callable[[], SeededTenant]
) -> None:
    tenant = seed_tenant()
    with recording_spans() as exporter:
        submitted = submit_incident(api, tenant)
        read = api.get(
            f"/t/{tenant.slug}/calls/{submitted['id']}",
            params={"min_version": submitted["version"]},
            headers=tenant.as_role("operator"),
        )
        assert read.status_code == 200, read.text
        spans = _spans_until(exporter, lambda found: bool(named(found, "project events")))
    [request] = named(spans, "POST /t/{tenant}/calls")
    [command] = named(spans, "command SubmitCall")
    [stored] = named(spans, "store events")
    projections = [
        span
        for span in named(spans, "project events")
        if span.context.trace_id == request.context.trace_id
    ]
    assert request.attributes is not None
    assert request.attributes["http.response.status_code"] == 201
    assert descends_from(command, request, spans)
    assert descends_from(stored, command, spans)
    assert projections, "no projection span in the request's trace"
    assert all(descends_from(span, request, spans) for span in projections)


def test_a_callers_trace_context_is_continued(
    api: TestClient, seed_tenant: Callable[[], SeededTenant]
) -> None:
    tenant = seed_tenant()
    with recording_spans() as exporter:
        response = api.get(
            f"/t/{tenant.slug}/calls",
            headers={
                **tenant.as_role("operator"),
                "traceparent": f"00-{CALLER_TRACE}-{CALLER_SPAN}-01",
            },
        )
        assert response.status_code == 200
        spans = _spans_until(exporter, lambda found: bool(named(found, "GET /t/{tenant}/calls")))
    [request] = named(spans, "GET /t/{tenant}/calls")
    assert format(request.context.trace_id, "032x") == CALLER_TRACE
    assert request.parent is not None
    assert format(request.parent.span_id, "016x") == CALLER_SPAN
