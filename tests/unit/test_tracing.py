"""A command's trace context: its spans, and its events' metadata carrying it on."""

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import JSONTranscoder
from opentelemetry import trace
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import format_span_id, format_trace_id

from domain.commands import FoundOrganization
from domain.shared import CommandContext, EventMeta
from domain.shared.errors import DomainError
from gateway.telemetry import configure_tracing, configure_tracing_from_env
from tenants import tracing
from tenants.service_desk import ServiceDesk
from tenants.transcodings import event_mapper, register_transcodings, traceparent_of
from tests.support.tracing import named, recording_spans

AT = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
# An event meta as stored before trace contexts existed.
OLD_META = (
    b'{"meta":{"_type_":"event_meta","_data_":{"tenant_id":"acme","actor":"admin",'
    b'"occurred_at":{"_type_":"datetime_iso","_data_":"2025-03-01T09:00:00+00:00"},'
    b'"correlation_id":{"_type_":"uuid_hex","_data_":"c1466ff260d947f6bd6986001ae50be0"},'
    b'"causation_id":{"_type_":"uuid_hex","_data_":"6d65443c318945858d438af226fcfb57"}}}}'
)


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    with recording_spans() as exporter:
        yield exporter


def context(traceparent: str | None = None) -> CommandContext:
    return CommandContext("admin", AT, uuid4(), uuid4(), traceparent)


def stored_metas(app: ServiceDesk) -> list[EventMeta]:
    return [
        app.mapper.to_domain_event(notification).meta  # type: ignore[attr-defined]
        for notification in app.recorder.select_notifications(start=1, limit=100)
    ]


def trace_id_of(traceparent: str | None) -> str:
    assert traceparent is not None
    return traceparent.split("-")[1]


def test_a_command_run_in_a_span_stores_events_in_that_trace_under_its_own_spans(
    spans: InMemorySpanExporter,
) -> None:
    app = ServiceDesk()
    with tracing.TRACER.start_as_current_span("http request") as root:
        app.execute(FoundOrganization(name="Acme"), context())
    recorded = spans.get_finished_spans()
    [command] = named(recorded, "command FoundOrganization")
    [store] = named(recorded, "store events")
    assert command.parent is not None and command.parent.span_id == root.get_span_context().span_id
    assert store.parent is not None and store.parent.span_id == command.context.span_id
    assert command.attributes == {
        "fundament.tenant": "dev",
        "fundament.command": "FoundOrganization",
    }
    assert store.attributes == {"fundament.event_count": 1}
    [meta] = stored_metas(app)
    assert meta.traceparent is not None
    assert trace_id_of(meta.traceparent) == format_trace_id(root.get_span_context().trace_id)
    assert meta.traceparent.split("-")[2] == format_span_id(command.context.span_id)


def test_outside_any_span_the_command_joins_the_trace_its_context_names(
    spans: InMemorySpanExporter,
) -> None:
    app = ServiceDesk()
    app.execute(FoundOrganization(name="Acme"), context(TRACEPARENT))
    [command] = named(spans.get_finished_spans(), "command FoundOrganization")
    assert command.parent is not None and command.parent.is_remote
    assert format_span_id(command.parent.span_id) == TRACEPARENT.split("-")[2]
    [meta] = stored_metas(app)
    assert trace_id_of(meta.traceparent) == trace_id_of(TRACEPARENT)


def test_a_refused_command_ends_its_span_as_an_error(spans: InMemorySpanExporter) -> None:
    app = ServiceDesk()
    app.execute(FoundOrganization(name="Acme"), context())
    with pytest.raises(DomainError, match="already has its organization"):
        app.execute(FoundOrganization(name="Acme again"), context())
    failed = named(spans.get_finished_spans(), "command FoundOrganization")[-1]
    assert not failed.status.is_ok
    assert named(spans.get_finished_spans(), "store events") != [], "the first one stored"
    assert len(stored_metas(app)) == 1


def test_one_span_per_tenant_and_trace_each_in_its_trace(spans: InMemorySpanExporter) -> None:
    other = "00-11111111111111111111111111111111-2222222222222222-01"
    items = [_Item("a", TRACEPARENT), _Item("a", TRACEPARENT), _Item("a", other), _Item("b", None)]
    with tracing.span_per_trace("work", items, attributes={"x": 1}) as opened:
        assert set(opened) == {("a", TRACEPARENT), ("a", other), ("b", None)}
    recorded = {
        (span.attributes or {})["fundament.tenant"]: span for span in spans.get_finished_spans()
    }
    by_trace = {format_trace_id(s.context.trace_id): s for s in spans.get_finished_spans()}
    assert by_trace[trace_id_of(TRACEPARENT)].attributes == {
        "x": 1,
        "fundament.tenant": "a",
        "fundament.event_count": 2,
    }
    assert by_trace[trace_id_of(other)].attributes["fundament.event_count"] == 1  # type: ignore[index]
    assert recorded["b"].parent is None, "no trace context: a span of its own"


def test_a_request_that_was_not_sampled_gets_no_spans_downstream(
    spans: InMemorySpanExporter,
) -> None:
    unsampled = TRACEPARENT[:-2] + "00"
    with tracing.span_per_trace("work", [_Item("a", unsampled), _Item("a", TRACEPARENT)]) as opened:
        assert list(opened) == [("a", TRACEPARENT)]
    assert len(spans.get_finished_spans()) == 1


def test_work_that_fails_ends_every_span_of_the_batch_as_an_error(
    spans: InMemorySpanExporter,
) -> None:
    items = [_Item("a", TRACEPARENT), _Item("b", None)]
    with pytest.raises(RuntimeError), tracing.span_per_trace("work", items):
        raise RuntimeError("the store went away")
    assert [s.status.is_ok for s in spans.get_finished_spans()] == [False, False]


class _Item:
    def __init__(self, tenant: str, traceparent: str | None) -> None:
        self.tenant = tenant
        self.traceparent = traceparent


# -- the metadata in stored events --------------------------------------------------


def transcoder() -> JSONTranscoder:
    made = JSONTranscoder()
    register_transcodings(made)
    return made


def meta(traceparent: str | None) -> EventMeta:
    return EventMeta(
        "acme",
        "admin",
        AT,
        UUID("c1466ff260d947f6bd6986001ae50be0"),
        UUID("6d65443c318945858d438af226fcfb57"),
        traceparent,
    )


@pytest.mark.parametrize("traceparent", [None, TRACEPARENT])
def test_event_meta_round_trips_with_and_without_a_traceparent(traceparent: str | None) -> None:
    encoded = transcoder().encode({"meta": meta(traceparent)})
    assert transcoder().decode(encoded) == {"meta": meta(traceparent)}
    assert traceparent_of(encoded) == traceparent


def test_an_untraced_meta_is_stored_exactly_as_before_and_old_ones_still_decode() -> None:
    assert transcoder().encode({"meta": meta(None)}) == OLD_META
    decoded: Any = transcoder().decode(OLD_META)
    assert decoded["meta"].traceparent is None


def test_a_traceparent_in_an_event_field_is_not_taken_for_the_metadata() -> None:
    encoded = transcoder().encode({"meta": meta(None), "note": {"traceparent": TRACEPARENT}})
    assert traceparent_of(encoded) is None


def test_caused_by_keeps_the_trace_context() -> None:
    assert meta(TRACEPARENT).caused_by(uuid4()).traceparent == TRACEPARENT


def test_the_event_mapper_decodes_the_traceparent_of_a_stored_event() -> None:
    app = ServiceDesk()
    with tracing.TRACER.start_as_current_span("request"):
        app.execute(FoundOrganization(name="Acme"), context(TRACEPARENT))
    [notification] = app.recorder.select_notifications(start=1, limit=10)
    event: Any = event_mapper().to_domain_event(notification)
    assert event.meta.traceparent is not None
    assert event.meta.traceparent == traceparent_of(notification.state)


# -- choosing the exporter ------------------------------------------------------------


def test_no_exporter_installs_nothing_and_an_unknown_one_is_refused() -> None:
    provider = trace.get_tracer_provider()
    assert configure_tracing("none", "test") is None
    assert trace.get_tracer_provider() is provider
    with pytest.raises(ValueError, match="unknown trace exporter"):
        configure_tracing("jaeger", "test")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="FUNDAMENT_OTEL_EXPORTER"):
        configure_tracing_from_env({"FUNDAMENT_OTEL_EXPORTER": "zipkin"}, "test")
    configure_tracing_from_env({}, "test")
    assert trace.get_tracer_provider() is provider
