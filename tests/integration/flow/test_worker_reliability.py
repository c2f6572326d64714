"""The projection worker survives what production does to it: a kill between its database
commit and its Kafka commit, a broker that freezes, one that is not there yet, and one that
comes back having lost its log."""

import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from uuid import uuid4

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from domain.commands import RetireService
from gateway.demo.scenario import service_id
from projections.worker import PollReport, Worker
from tenants.settings import StorageSettings
from tests.integration.flow.helpers_worker import (
    PARTITIONS,
    WorkerFlow,
    create_topic,
    wait_until,
    worker_flow,
)
from tests.support.broker import LocalBroker, free_port

pytestmark = [pytest.mark.postgres, pytest.mark.kafka]

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def flow(broker: LocalBroker, pg_settings: StorageSettings) -> Iterator[WorkerFlow]:
    with worker_flow(broker, pg_settings) as made:
        yield made


def _kafka_committed(flow: WorkerFlow, group: str) -> dict[int, int | None]:
    consumer = KafkaConsumer(bootstrap_servers=flow.broker.bootstrap, group_id=group)
    try:
        return {p: consumer.committed(TopicPartition(flow.topic, p)) for p in range(PARTITIONS)}
    finally:
        consumer.close(autocommit=False)


def _crash_worker(
    flow: WorkerFlow, settings: StorageSettings, group: str
) -> "subprocess.CompletedProcess[bytes]":
    environ = {
        **os.environ,
        "FUNDAMENT_STORE": "postgres",
        "FUNDAMENT_PG_HOST": settings.host,
        "FUNDAMENT_PG_PORT": str(settings.port),
        "FUNDAMENT_PG_DBNAME": settings.dbname,
        "FUNDAMENT_PG_USER": settings.user,
    }
    command = [sys.executable, "-m", "tests.support.worker_crash"]
    arguments = [flow.broker.bootstrap, flow.topic, flow.store.schema, "projections", group]
    return subprocess.run(
        [*command, *arguments], cwd=REPO, env=environ, capture_output=True, timeout=60
    )


@contextmanager
def _running(worker: Worker) -> Iterator[threading.Thread]:
    """The worker's run_forever in a thread; stopped (and proven stopped) on exit."""
    stop = threading.Event()
    thread = threading.Thread(target=worker.run_forever, args=(stop,))
    thread.start()
    try:
        yield thread
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not thread.is_alive()


def _kill(broker: LocalBroker) -> None:
    """SIGKILL: a crash, and quicker than Tansu's own shutdown."""
    if broker.process is not None:
        broker.process.kill()
        broker.process.wait()
        broker.process = None


def _use_broker(flow: WorkerFlow, broker: LocalBroker) -> None:
    create_topic(broker.bootstrap, flow.topic)
    flow.producer.close()
    flow.producer = KafkaProducer(bootstrap_servers=broker.bootstrap, acks="all")


def test_a_worker_killed_after_the_database_commit_counts_nothing_twice(
    flow: WorkerFlow, pg_settings: StorageSettings
) -> None:
    tenants = [flow.seed()[0] for _ in range(2)]
    envelopes = {t.slug: flow.envelopes(t.slug) for t in tenants}
    for batch in envelopes.values():
        flow.publish(batch)
    group = f"g-{uuid4().hex[:8]}"

    crashed = _crash_worker(flow, pg_settings, group)
    assert crashed.returncode == 9, crashed.stderr.decode()
    stored = flow.offsets()
    assert sum(stored.values()) > 0  # the batch reached the database ...
    assert set(_kafka_committed(flow, group).values()) == {None}  # ... but never Kafka

    for batch in envelopes.values():
        flow.publish(batch)  # and the relay re-sent everything meanwhile
    published = 2 * sum(len(batch) for batch in envelopes.values())
    worker = flow.worker(group_id=group)
    reports: list[PollReport] = []
    wait_until(
        lambda: sum(flow.offsets().values()) == published,
        20,
        step=lambda: reports.append(worker.run_once()),
    )
    assert sum(r.records for r in reports) == published - sum(stored.values())
    for slug, batch in envelopes.items():
        assert flow.counted(slug) == len(batch)
        assert flow.position("test_event_counter", slug) == flow.last_id(slug)
    assert flow.dead_letters() == []
    committed = {p: o for p, o in _kafka_committed(flow, group).items() if o is not None}
    assert committed == flow.offsets()


def test_a_frozen_broker_delays_the_read_models_and_they_catch_up_when_it_returns(
    flow: WorkerFlow,
) -> None:
    if not flow.broker.controllable:
        pytest.skip("an external cluster cannot be frozen")
    before, _ = flow.seed()
    flow.publish(flow.envelopes(before.slug))
    with _running(flow.worker()) as running:
        wait_until(lambda: flow.caught_up(before.slug), 20)
        after, _ = flow.seed()
        flow.broker.pause()
        try:
            for envelope in flow.envelopes(after.slug):  # buffered while the broker is frozen
                flow.producer.send(
                    flow.topic,
                    key=envelope.kafka_key(),
                    value=envelope.state,
                    headers=envelope.kafka_headers(),
                )
            time.sleep(2.0)
            assert not flow.caught_up(after.slug)
        finally:
            flow.broker.resume()
        flow.producer.flush(timeout=20)
        wait_until(lambda: flow.caught_up(after.slug), 30)
        assert running.is_alive()
    for tenant in (before, after):
        assert flow.counted(tenant.slug) == len(flow.envelopes(tenant.slug))
        assert flow.service_codes(tenant.slug) == sorted(s.code for s in tenant.services)


def test_a_worker_started_before_its_broker_waits_for_it_and_then_projects(
    flow: WorkerFlow, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    late = LocalBroker(tmp_path / "late-broker.log", port=free_port())
    worker = flow.worker(bootstrap=late.bootstrap, connect_timeout=0.3)
    try:
        with caplog.at_level(logging.WARNING, "projections.worker"), _running(worker) as running:
            wait_until(lambda: "broker unavailable" in caplog.text, 10)
            assert running.is_alive()
            late.start()
            _use_broker(flow, late)
            tenant, _ = flow.seed()
            flow.publish(flow.envelopes(tenant.slug))
            wait_until(lambda: flow.caught_up(tenant.slug), 40)
    finally:
        _kill(late)
    assert flow.counted(tenant.slug) == len(flow.envelopes(tenant.slug))


# Only with the worker restarted: a worker left running asks the new, empty Tansu for
# metadata, and Tansu then creates the topic with its own default partitions (it ignores
# allow_auto_create_topics), racing the creation below. A Kafka cluster runs with topic
# auto-creation off; there the running case behaves like this one.
@pytest.mark.parametrize("worker_restarts", [True], ids=["restarted"])
def test_a_broker_that_lost_its_log_is_read_again_from_the_start(
    flow: WorkerFlow, tmp_path: Path, worker_restarts: bool
) -> None:
    tenant, desk = flow.seed()
    first = flow.envelopes(tenant.slug)
    own = LocalBroker(tmp_path / "own-broker.log", port=free_port()).start()
    try:
        _use_broker(flow, own)
        flow.publish(first)
        flow.publish(first)  # re-sent once: the stored offsets now run to twice the log
        with ExitStack() as workers:
            workers.enter_context(_running(flow.worker(bootstrap=own.bootstrap)))
            wait_until(lambda: sum(flow.offsets().values()) == 2 * len(first), 20)
            if worker_restarts:
                workers.close()
            _kill(own)  # a memory broker: its log is gone
            # The old producer would ask the new broker for metadata, and so create the
            # topic with the broker's defaults before _use_broker creates it properly.
            flow.producer.close()
            retired = tenant.services[0]
            desk.run(RetireService(service_id=service_id(tenant.slug, retired.code), reason="old"))
            own.start()
            _use_broker(flow, own)
            flow.publish(flow.envelopes(tenant.slug))  # the relay sends the whole log again
            if worker_restarts:
                workers.enter_context(_running(flow.worker(bootstrap=own.bootstrap)))
            wait_until(lambda: flow.caught_up(tenant.slug), 40)
    finally:
        _kill(own)
    assert flow.counted(tenant.slug) == len(first) + 1
    assert retired.code not in flow.service_codes(tenant.slug)
    assert sum(flow.offsets().values()) == len(first) + 1
