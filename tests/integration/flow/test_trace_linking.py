"""One trace from the request to the read-model update: the command's span, the relay's
publish and the projection all land in the trace of the request that stored the event
(through Kafka on PostgreSQL, and in-process in the embedded SQLite default)."""

from collections.abc import Iterator
from dataclasses import replace
from uuid import UUID

import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Span, SpanKind, format_trace_id

from domain.patterns import CallType
from gateway.demo.driver import Desk, submit
from gateway.demo.scenario import service_id
from projections.feed import LogFeed, rebuild
from projections.projector import PROJECT_SPAN, Projector
from projections.relay import Relay
from projections.storage import PostgresReadStore, ReadStore, open_read_store
from projections.worker import Worker, WorkerSettings
from tenants import tracing
from tenants.runtime import TenantStores
from tenants.service_desk import ServiceDesk
from tenants.settings import StorageSettings
from tests.integration.flow.helpers_worker import EventCounter, wait_until
from tests.integration.flow.relay_support import (
    RelayWorld,
    consume_all,
    envelopes_by_tenant,
    new_tenant,
    relay_world,
)
from tests.support.broker import LocalBroker
from tests.support.tracing import descends_from, named, recording_spans


@pytest.fixture
def world(pg_settings: StorageSettings, broker: LocalBroker) -> Iterator[RelayWorld]:
    # A small pool: shared pools stay open until the session ends, and one command at a
    # time needs no more.
    yield from relay_world(replace(pg_settings, pool_size=1, max_overflow=1), broker.bootstrap)


@pytest.fixture
def stores(world: RelayWorld) -> Iterator[TenantStores[ServiceDesk]]:
    opened = TenantStores.open(world.settings, ServiceDesk)
    yield opened
    opened.close()


@pytest.fixture
def read_store(world: RelayWorld) -> Iterator[PostgresReadStore]:
    opened = PostgresReadStore(world.settings, world.flow.read_schema)
    yield opened
    opened.close()


@pytest.fixture
def embedded(
    sqlite_settings: StorageSettings,
) -> Iterator[tuple[TenantStores[ServiceDesk], ReadStore]]:
    """The embedded default: tenants and read models in SQLite, delivered in-process."""
    stores = TenantStores.open(sqlite_settings, ServiceDesk)
    read_store = open_read_store(sqlite_settings)
    yield stores, read_store
    read_store.close()
    stores.close()


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    with recording_spans() as exporter:
        yield exporter


def submit_in_request(desk: Desk, customer: str, service: UUID) -> Span:
    """An incident submitted while handling a (pretend) HTTP request: its root span."""
    with tracing.TRACER.start_as_current_span("http request", kind=SpanKind.SERVER) as root:
        submit(desk, CallType.INCIDENT, "printer on fire", "key-user", customer, [service])
    return root


def in_trace_of(root: Span, spans: list[ReadableSpan], name: str) -> list[ReadableSpan]:
    trace_id = root.get_span_context().trace_id
    return [span for span in named(spans, name) if span.context.trace_id == trace_id]


def assert_below_root(root: Span, found: list[ReadableSpan], spans: list[ReadableSpan]) -> None:
    assert found, "a span in the request's trace"
    [root_span] = [s for s in spans if s.context.span_id == root.get_span_context().span_id]
    assert all(descends_from(span, root_span, spans) for span in found)


@pytest.mark.postgres
@pytest.mark.kafka
def test_the_relay_and_the_worker_continue_the_trace_of_the_request(
    world: RelayWorld,
    stores: TenantStores[ServiceDesk],
    read_store: PostgresReadStore,
    spans: InMemorySpanExporter,
) -> None:
    tenant, desk = new_tenant(stores)
    service = service_id(tenant.slug, tenant.services[0].code)
    root = submit_in_request(desk, tenant.customer, service)
    last = int(stores.runtime.app(tenant.slug).recorder.max_notification_id() or 0)

    relay = Relay.open(world.settings, world.flow, stores=stores)
    try:
        assert relay.run_once()[tenant.slug] == last
    finally:
        relay.close()
    worker = Worker(
        WorkerSettings(world.flow.bootstrap, world.flow.topic, poll_timeout=0.2),
        read_store,
        [EventCounter()],
    )
    try:
        projector = worker.projector
        wait_until(
            lambda: projector.position(EventCounter.name, tenant.slug) >= last,
            timeout=20,
            step=worker.run_once,
        )
    finally:
        worker.close()

    recorded = list(spans.get_finished_spans())
    assert_below_root(root, in_trace_of(root, recorded, "command SubmitCall"), recorded)
    [publish] = in_trace_of(root, recorded, "publish events")
    [project] = in_trace_of(root, recorded, PROJECT_SPAN)
    assert_below_root(root, [publish, project], recorded)
    assert publish.kind == SpanKind.PRODUCER and project.kind == SpanKind.CONSUMER
    assert publish.attributes is not None and project.attributes is not None
    assert publish.attributes["messaging.destination.name"] == world.flow.topic
    assert project.attributes["fundament.tenant"] == tenant.slug
    assert project.attributes["fundament.event_count"] == 1
    # The trace context crossed Kafka in the event's headers.
    [*_, incident] = envelopes_by_tenant(consume_all(world.flow))[tenant.slug]
    assert incident.traceparent is not None
    assert incident.traceparent.split("-")[1] == format_trace_id(root.get_span_context().trace_id)


def test_in_process_delivery_projects_in_the_trace_of_the_request_but_a_rebuild_does_not(
    embedded: tuple[TenantStores[ServiceDesk], ReadStore], spans: InMemorySpanExporter
) -> None:
    stores, read_store = embedded
    tenant, desk = new_tenant(stores)
    service = service_id(tenant.slug, tenant.services[0].code)
    root = submit_in_request(desk, tenant.customer, service)
    projector = Projector(read_store, [EventCounter()])

    LogFeed(stores, projector).catch_up(tenant.slug)

    recorded = list(spans.get_finished_spans())
    [project] = in_trace_of(root, recorded, PROJECT_SPAN)
    assert_below_root(root, [project], recorded)
    assert project.attributes is not None
    assert project.attributes["fundament.delivery"] == "in-process"
    seeded = [s for s in named(recorded, PROJECT_SPAN) if s is not project]
    assert seeded, "the seeding commands' events are projected in their own traces"

    spans.clear()
    rebuild(stores, projector, tenant=tenant.slug)
    assert named(list(spans.get_finished_spans()), PROJECT_SPAN) == []
