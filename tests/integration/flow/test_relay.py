"""The relay publishes every tenant's log in order, keyed by tenant, with the event headers."""

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from domain.patterns import CallType
from gateway.cli import main
from gateway.demo.driver import submit
from gateway.demo.scenario import agree_first_service, service_id
from projections.envelope import HEADER_CORRELATION, HEADER_TYPE
from projections.relay import PublishFailedError, Relay, RelayBusyError, RelayOptions
from projections.relay_listener import ChangeListener
from projections.relay_positions import RelayPositions
from projections.relay_publisher import ProducerOptions, Publisher
from projections.storage import PostgresReadStore
from tenants.runtime import TenantStores
from tenants.service_desk import ServiceDesk
from tenants.settings import StorageSettings
from tenants.transcodings import event_mapper
from tests.integration.flow.relay_support import (
    RelayWorld,
    consume_all,
    envelopes_by_tenant,
    log_ids,
    new_tenant,
    relay_world,
    stored_positions,
    submit_incidents,
)
from tests.support.broker import LocalBroker

pytestmark = [pytest.mark.postgres, pytest.mark.kafka]


@pytest.fixture
def world(pg_settings: StorageSettings, broker: LocalBroker) -> Iterator[RelayWorld]:
    yield from relay_world(pg_settings, broker.bootstrap)


@pytest.fixture
def stores(world: RelayWorld) -> Iterator[TenantStores[ServiceDesk]]:
    opened = TenantStores.open(world.settings, ServiceDesk)
    yield opened
    opened.close()


def open_relay(
    world: RelayWorld, stores: TenantStores[ServiceDesk], options: RelayOptions | None = None
) -> Relay:
    return Relay.open(world.settings, world.flow, options, stores=stores)


def test_every_event_of_two_tenants_arrives_in_log_order_keyed_by_tenant_with_headers(
    world: RelayWorld, stores: TenantStores[ServiceDesk]
) -> None:
    first, desk = new_tenant(stores)
    agree_first_service(desk, first)
    second, other = new_tenant(stores)
    submit_incidents(second, other, 3)
    relay = open_relay(world, stores, RelayOptions(batch_size=7))
    try:
        published = relay.run_once()
        assert relay.run_once() == {}, "nothing is pending after a complete run"
        assert relay.publisher.idempotent, "the broker accepts an idempotent producer"
    finally:
        relay.close()

    by_tenant = envelopes_by_tenant(consume_all(world.flow))
    mapper = event_mapper()
    for tenant in (first, second):
        ids = log_ids(stores, tenant.slug)
        assert published[tenant.slug] == len(ids)
        envelopes = by_tenant[tenant.slug]
        assert [e.notification_id for e in envelopes] == ids
        stored = stores.runtime.app(tenant.slug).recorder.select_notifications(1, len(ids))
        for envelope, notification in zip(envelopes, stored, strict=True):
            assert (envelope.topic, envelope.originator_version, envelope.state) == (
                notification.topic,
                notification.originator_version,
                notification.state,
            )
            assert str(envelope.originator_id) == str(notification.originator_id)
            event: Any = mapper.to_domain_event(envelope.stored_event())
            assert envelope.correlation_id == str(event.meta.correlation_id)
    assert stored_positions(world) == {
        tenant.slug: log_ids(stores, tenant.slug)[-1] for tenant in (first, second)
    }


def test_records_carry_key_partition_and_headers_a_consumer_can_route_on(
    world: RelayWorld, stores: TenantStores[ServiceDesk]
) -> None:
    tenant, desk = new_tenant(stores)
    relay = open_relay(world, stores)
    try:
        relay.run_once()
    finally:
        relay.close()
    records = consume_all(world.flow)
    assert {record.key for record in records} == {tenant.slug.encode()}
    assert len({record.partition for record in records}) == 1, "one tenant, one partition"
    headers = dict(records[0].headers)
    assert headers[HEADER_TYPE] == b"ServiceOrganization.Founded"
    assert headers[HEADER_CORRELATION] == str(desk.correlation_id).encode()


def test_a_tenant_created_while_the_relay_runs_is_published_without_a_restart(
    world: RelayWorld, stores: TenantStores[ServiceDesk]
) -> None:
    early, desk = new_tenant(stores)
    # A sweep far in the future: only notifications can explain a prompt publication.
    relay = open_relay(world, stores, RelayOptions(sweep_seconds=600))
    stop = threading.Event()
    worker = threading.Thread(target=relay.run_forever, args=(stop,))
    worker.start()
    try:
        assert _published_up_to(relay, early.slug, log_ids(stores, early.slug)[-1])
        submit_incidents(early, desk, 2)
        late, _ = new_tenant(stores)
        assert _published_up_to(relay, early.slug, log_ids(stores, early.slug)[-1])
        assert _published_up_to(relay, late.slug, log_ids(stores, late.slug)[-1])
    finally:
        stop.set()
        worker.join(timeout=30)
        relay.close()
    assert not worker.is_alive()
    by_tenant = envelopes_by_tenant(consume_all(world.flow))
    assert [e.notification_id for e in by_tenant[late.slug]] == log_ids(stores, late.slug)


class DeafListener(ChangeListener):
    """Hears no notification at all, as if every one had been sent while it was away."""

    def wait(self, timeout: float) -> set[str]:
        time.sleep(timeout)
        return set()


def test_without_notifications_the_sweep_still_publishes_every_tenant(
    world: RelayWorld, stores: TenantStores[ServiceDesk]
) -> None:
    relay = Relay(
        stores,
        Publisher(world.flow),
        RelayPositions(PostgresReadStore(world.settings, world.flow.read_schema), world.flow.topic),
        DeafListener(world.settings),
        RelayOptions(sweep_seconds=0.3),
    )
    stop = threading.Event()
    worker = threading.Thread(target=relay.run_forever, args=(stop,))
    worker.start()
    try:
        tenant, desk = new_tenant(stores)
        submit_incidents(tenant, desk, 3)
        assert _published_up_to(relay, tenant.slug, log_ids(stores, tenant.slug)[-1], timeout=5)
    finally:
        stop.set()
        worker.join(timeout=30)
        relay.close()


def test_an_event_the_broker_refuses_stalls_only_its_tenant_and_nothing_overtakes_it(
    world: RelayWorld, stores: TenantStores[ServiceDesk]
) -> None:
    stuck, desk = new_tenant(stores)
    service = [service_id(stuck.slug, stuck.services[0].code)]
    submit(desk, CallType.INCIDENT, "x" * 6000, "key-user", stuck.customer, service)
    submit_incidents(stuck, desk, 2)
    flowing, other = new_tenant(stores)
    submit_incidents(flowing, other, 3)
    small = RelayOptions(producer=ProducerOptions(max_request_size=4000))
    relay = open_relay(world, stores, small)
    try:
        with pytest.raises(PublishFailedError) as failed:
            relay.run_once()
    finally:
        relay.close()

    stuck_ids, flowing_ids = log_ids(stores, stuck.slug), log_ids(stores, flowing.slug)
    assert set(failed.value.stalled) == {stuck.slug}
    assert failed.value.published == {
        stuck.slug: len(stuck_ids) - 3,
        flowing.slug: len(flowing_ids),
    }
    assert stored_positions(world) == {stuck.slug: stuck_ids[-4], flowing.slug: flowing_ids[-1]}
    by_tenant = envelopes_by_tenant(consume_all(world.flow))
    assert [e.notification_id for e in by_tenant[stuck.slug]] == stuck_ids[:-3]
    assert [e.notification_id for e in by_tenant[flowing.slug]] == flowing_ids


def test_a_second_relay_on_the_same_topic_waits_for_the_first(
    world: RelayWorld, stores: TenantStores[ServiceDesk]
) -> None:
    new_tenant(stores)
    first = open_relay(world, stores)
    second = open_relay(world, stores)
    try:
        first.run_once()
        with pytest.raises(RelayBusyError):
            second.run_once()
        first.close()
        # The server releases the lock once it has processed the disconnect.
        assert _eventually(second.run_once) == {}, "it starts where the first one stopped"
    finally:
        second.close()


def _eventually(attempt: Callable[[], dict[str, int]], timeout: float = 5) -> dict[str, int]:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return attempt()
        except RelayBusyError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def test_relay_once_publishes_what_is_pending_and_says_how_much(
    world: RelayWorld,
    stores: TenantStores[ServiceDesk],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tenant, desk = new_tenant(stores)
    submit_incidents(tenant, desk, 4)
    for name, value in world.env().items():
        monkeypatch.setenv(name, value)
    assert main(["relay", "--once", "--batch-size", "3"]) == 0
    events = len(log_ids(stores, tenant.slug))
    assert capsys.readouterr().out == f"published {events} events of 1 tenant(s)\n"
    assert stored_positions(world) == {tenant.slug: log_ids(stores, tenant.slug)[-1]}


def test_the_relay_command_refuses_an_embedded_store(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FUNDAMENT_STORE", "sqlite")
    assert main(["relay", "--once"]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        "fundament: the relay reads the PostgreSQL event store; set FUNDAMENT_STORE=postgres"
    ]


def _published_up_to(relay: Relay, tenant: str, notification_id: int, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while relay.position(tenant) < notification_id:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True
