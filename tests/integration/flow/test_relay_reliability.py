"""Nothing is lost: not when the relay is killed mid-stream, not while the broker is down."""

import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from gateway.demo.deployment import DemoTenant
from gateway.demo.driver import Desk
from projections.relay import PublishFailedError, Relay, RelayOptions
from projections.relay_publisher import ProducerOptions
from tenants.runtime import TenantStores
from tenants.service_desk import ServiceDesk
from tenants.settings import StorageSettings
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
from tests.support.broker import LocalBroker, free_port

pytestmark = [pytest.mark.postgres, pytest.mark.kafka]

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def world(pg_settings: StorageSettings, broker: LocalBroker) -> Iterator[RelayWorld]:
    yield from relay_world(pg_settings, broker.bootstrap)


@pytest.fixture
def stores(world: RelayWorld) -> Iterator[TenantStores[ServiceDesk]]:
    opened = TenantStores.open(world.settings, ServiceDesk)
    yield opened
    opened.close()


class CommandStream:
    """Commands that keep arriving from another thread, round-robin over some tenants."""

    def __init__(self, tenants: list[tuple[DemoTenant, Desk]]) -> None:
        self._tenants = tenants
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run)
        self.sent = 0

    def __enter__(self) -> "CommandStream":
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.is_set():
            for tenant, desk in self._tenants:
                submit_incidents(tenant, desk, 5)
                self.sent += 5


def start_relay(world: RelayWorld, log: Path) -> subprocess.Popen[bytes]:
    command = (
        "import sys; from gateway.cli import main; "
        "sys.exit(main(['relay', '--batch-size', '25', '--sweep-seconds', '600']))"
    )
    with log.open("ab") as output:
        return subprocess.Popen(
            [sys.executable, "-c", command],
            cwd=REPO,
            env=world.env(),
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def wait_until(condition: Callable[[], bool], timeout: float, poll: float = 0.01) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(poll)
    return True


def caught_up(world: RelayWorld, stores: TenantStores[ServiceDesk], slugs: list[str]) -> bool:
    positions = stored_positions(world)
    return all(positions.get(slug, 0) == log_ids(stores, slug)[-1] for slug in slugs)


def _published(world: RelayWorld) -> int:
    return sum(stored_positions(world).values())


def assert_complete_and_never_ahead(
    world: RelayWorld, stores: TenantStores[ServiceDesk], slugs: list[str]
) -> None:
    """Every event arrived; duplicates only ever repeat a tail, never jump past a gap."""
    by_tenant = envelopes_by_tenant(consume_all(world.flow))
    for slug in slugs:
        ids = log_ids(stores, slug)
        index = {notification_id: i for i, notification_id in enumerate(ids)}
        received = [envelope.notification_id for envelope in by_tenant[slug]]
        assert set(received) == set(ids), f"{slug}: {len(set(ids) - set(received))} missing"
        furthest = -1
        for notification_id in received:
            assert index[notification_id] <= furthest + 1, f"{slug} skipped ahead"
            furthest = max(furthest, index[notification_id])


def test_a_relay_killed_mid_stream_resumes_and_every_event_arrives(
    world: RelayWorld, stores: TenantStores[ServiceDesk], tmp_path: Path
) -> None:
    tenants = [new_tenant(stores), new_tenant(stores)]
    slugs = [tenant.slug for tenant, _ in tenants]
    for tenant, desk in tenants:
        submit_incidents(tenant, desk, 800)
    log = tmp_path / "relay.log"
    with CommandStream(tenants):
        relay = start_relay(world, log)
        try:
            assert wait_until(lambda: _published(world) >= 300, 30), log.read_text()
            relay.send_signal(signal.SIGKILL)
            relay.wait(timeout=10)
            at_kill = stored_positions(world)
            assert sum(at_kill.values()) < sum(log_ids(stores, slug)[-1] for slug in slugs)
            relay = start_relay(world, log)
            assert wait_until(lambda: stored_positions(world) != at_kill, 30), log.read_text()
        finally:
            relay.send_signal(signal.SIGKILL)
            relay.wait(timeout=10)
    relay = start_relay(world, log)
    try:
        assert wait_until(lambda: caught_up(world, stores, slugs), 60), log.read_text()
    finally:
        relay.send_signal(signal.SIGTERM)
        assert relay.wait(timeout=30) == 0, log.read_text()
    assert_complete_and_never_ahead(world, stores, slugs)


def test_commands_succeed_while_the_broker_is_down_and_everything_is_published_after(
    world: RelayWorld, stores: TenantStores[ServiceDesk], broker: LocalBroker
) -> None:
    if not broker.controllable:
        pytest.skip("an external broker cannot be paused")
    tenant, desk = new_tenant(stores)
    impatient = ProducerOptions(delivery_timeout_ms=1500, request_timeout_ms=1000, max_block_ms=500)
    relay = Relay.open(
        world.settings,
        world.flow,
        RelayOptions(producer=impatient, max_backoff_seconds=1, sweep_seconds=600),
        stores=stores,
    )
    stop = threading.Event()
    worker = threading.Thread(target=relay.run_forever, args=(stop,))
    worker.start()
    try:
        assert wait_until(lambda: caught_up(world, stores, [tenant.slug]), 10)
        before = stored_positions(world)
        broker.pause()
        try:
            submit_incidents(tenant, desk, 50)
            assert wait_until(lambda: relay.failures >= 2, 20), "rounds fail while it is down"
            assert stored_positions(world) == before, "no position moves without a broker"
            assert worker.is_alive()
        finally:
            broker.resume()
        submit_incidents(tenant, desk, 10)
        assert wait_until(lambda: caught_up(world, stores, [tenant.slug]), 30)
    finally:
        stop.set()
        worker.join(timeout=30)
        relay.close()
    assert not worker.is_alive()
    assert_complete_and_never_ahead(world, stores, [tenant.slug])


def test_a_broker_that_lost_its_log_gets_every_event_again(
    world: RelayWorld, stores: TenantStores[ServiceDesk], tmp_path: Path
) -> None:
    own = LocalBroker(tmp_path / "own-broker.log", port=free_port()).start()
    flow = replace(world.flow, bootstrap=own.bootstrap)
    tenant, desk = new_tenant(stores)
    submit_incidents(tenant, desk, 20)
    relay = Relay.open(world.settings, flow, stores=stores)
    try:
        relay.run_once()
        own.stop()  # a memory broker: its log is gone
        own.start()
        submit_incidents(tenant, desk, 5)
        for _ in range(3):  # the old producer's connection to the lost broker fails first
            try:
                relay.run_once()
                break
            except PublishFailedError:
                continue
        received = envelopes_by_tenant(consume_all(flow))[tenant.slug]
        assert [e.notification_id for e in received] == log_ids(stores, tenant.slug)
    finally:
        relay.close()
        own.stop()
