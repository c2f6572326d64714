"""The whole flow as deployed: commands, `fundament relay`, Kafka, `fundament project`.

The read models the workers build must equal a rebuild of them from the event stores,
also after the broker was down while commands kept arriving.
"""

import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from uuid import uuid4

import pytest

from gateway.demo.scenario import agree_first_service, drive_proactive, drive_reactive
from projections.feed import rebuild
from projections.projector import Projector
from projections.read_models.registry import all_read_models
from projections.storage import PostgresReadStore
from tenants.runtime import TenantStores
from tenants.service_desk import ServiceDesk
from tenants.settings import StorageSettings
from tests.integration.flow.relay_support import RelayWorld, new_tenant, relay_world
from tests.integration.projections.support import dead_letters, dump
from tests.support.broker import LocalBroker

pytestmark = [pytest.mark.postgres, pytest.mark.kafka]

_CLI = "import sys; from gateway.cli import main; sys.exit(main(sys.argv[1:]))"


@pytest.fixture
def world(pg_settings: StorageSettings, broker: LocalBroker) -> Iterator[RelayWorld]:
    yield from relay_world(pg_settings, broker.bootstrap)


@pytest.fixture
def stores(world: RelayWorld) -> Iterator[TenantStores[ServiceDesk]]:
    opened = TenantStores.open(world.settings, ServiceDesk)
    yield opened
    opened.close()


@pytest.fixture
def flow_processes(world: RelayWorld, tmp_path: Path) -> Iterator[None]:
    """`fundament relay --sweep-seconds 1` and `fundament project`, stopped with SIGTERM."""
    processes = []
    for args in (["relay", "--sweep-seconds", "1"], ["project"]):
        with (tmp_path / f"{args[0]}.log").open("wb") as log:
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-c", _CLI, *args], env=world.env(), stdout=log, stderr=log
                )
            )
    yield
    for process in processes:
        process.send_signal(signal.SIGTERM)
    assert [process.wait(timeout=20) for process in processes] == [0, 0]


def _wait_until(condition: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the read models did not catch up in time"
        time.sleep(0.05)


def _projected_everything(store: PostgresReadStore, stores: TenantStores[ServiceDesk]) -> bool:
    projector = Projector(store, all_read_models())
    for record in stores.registry.list():
        head = stores.runtime.app(record.slug).recorder.max_notification_id() or 0
        if any(projector.position(m.name, record.slug) < head for m in projector.read_models):
            return False
    return True


def _assert_equal_to_a_rebuild(
    world: RelayWorld, store: PostgresReadStore, stores: TenantStores[ServiceDesk]
) -> None:
    rebuilt = PostgresReadStore(world.settings, f"{world.flow.read_schema}_rb_{uuid4().hex[:6]}")
    try:
        rebuild(stores, Projector(rebuilt, all_read_models()))
        for model in all_read_models():
            assert dump(store, model) == dump(rebuilt, model), model.name
    finally:
        rebuilt.close()


def test_the_workers_read_models_equal_a_rebuild_also_after_a_broker_outage(
    world: RelayWorld,
    stores: TenantStores[ServiceDesk],
    broker: LocalBroker,
    flow_processes: None,
) -> None:
    seeded = [new_tenant(stores) for _ in range(2)]
    for tenant, desk in seeded:
        agree_first_service(desk, tenant)
        drive_reactive(desk, tenant)
    store = PostgresReadStore(world.settings, world.flow.read_schema)
    try:
        _wait_until(lambda: _projected_everything(store, stores), 60)
        _assert_equal_to_a_rebuild(world, store, stores)
        broker.pause()
        try:
            for tenant, desk in seeded:
                drive_proactive(desk, tenant)  # commands succeed without the broker
        finally:
            broker.resume()
        _wait_until(lambda: _projected_everything(store, stores), 90)
        _assert_equal_to_a_rebuild(world, store, stores)
        assert dead_letters(store) == []
    finally:
        store.close()
