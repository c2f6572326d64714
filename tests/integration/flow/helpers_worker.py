"""What the projection-worker tests share: seeded tenants on PostgreSQL, their events on a
fresh topic, a fresh read schema, workers on it, and a read model that counts events."""

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from uuid import uuid4

import psycopg
from kafka import KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import TopicAlreadyExistsError
from psycopg import sql

from gateway.demo.deployment import TENANTS, DemoTenant
from gateway.demo.driver import Desk
from gateway.demo.scenario import seed_tenant
from projections.envelope import EventEnvelope, Headers
from projections.projector import Projector
from projections.read_model import ReadModel
from projections.read_models.catalog import queries
from projections.read_models.catalog.model import CatalogReadModel
from projections.storage import PostgresReadStore, Tx
from projections.worker import Worker, WorkerSettings
from tenants.runtime import TenantStores
from tenants.service_desk import ServiceDesk
from tenants.settings import StorageSettings
from tests.integration.service_desk.conftest import START
from tests.support.broker import LocalBroker

PARTITIONS = 3


class EventCounter(ReadModel):
    """Adds one per event and tenant: projecting anything twice shows in its count."""

    name = "test_event_counter"
    tables = ("rm_test_event_counts",)

    def ddl(self) -> list[str]:
        return [
            "CREATE TABLE IF NOT EXISTS rm_test_event_counts ("
            " tenant TEXT PRIMARY KEY, events BIGINT NOT NULL)"
        ]

    def apply(self, tx: Tx, envelope: EventEnvelope, event: Any) -> None:
        tx.execute(
            "INSERT INTO rm_test_event_counts (tenant, events) VALUES (%s, 1)"
            " ON CONFLICT (tenant) DO UPDATE SET events = rm_test_event_counts.events + 1",
            (envelope.tenant,),
        )


def read_models() -> list[ReadModel]:
    return [CatalogReadModel(), EventCounter()]


@dataclass
class WorkerFlow:
    """One test's world: tenants in PostgreSQL, a topic, a read schema, workers."""

    broker: LocalBroker
    stores: TenantStores[ServiceDesk]
    store: PostgresReadStore
    topic: str
    producer: Any
    workers: list[Worker] = field(default_factory=list)

    def seed(self, template: DemoTenant = TENANTS[0]) -> tuple[DemoTenant, Desk]:
        """A fresh copy of a demo tenant (new slug), stored in its event store."""
        tenant = DemoTenant(
            f"wk-{uuid4().hex[:12]}",
            template.name,
            template.kind,
            template.teams,
            template.people,
            template.services,
            template.customer,
        )
        return tenant, seed_tenant(self.stores, tenant, START)

    def envelopes(self, slug: str) -> list[EventEnvelope]:
        recorder = self.stores.runtime.app(slug).recorder
        return [EventEnvelope.of(slug, n) for n in recorder.select_notifications(1, 100_000)]

    def last_id(self, slug: str) -> int:
        return int(self.stores.runtime.app(slug).recorder.max_notification_id() or 0)

    def publish(self, envelopes: Sequence[EventEnvelope], partition: int | None = None) -> None:
        """Publish as the relay does: key = tenant, value = stored state, headers (and the
        partition of the key's hash, unless the test picks one)."""
        for envelope in envelopes:
            self.producer.send(
                self.topic,
                key=envelope.kafka_key(),
                value=envelope.state,
                headers=envelope.kafka_headers(),
                partition=partition,
            )
        self.producer.flush(timeout=10)

    def publish_raw(
        self, key: bytes | None, value: bytes | None, headers: Headers, partition: int = 0
    ) -> None:
        self.producer.send(self.topic, key=key, value=value, headers=headers, partition=partition)
        self.producer.flush(timeout=10)

    def worker(self, **choices: Any) -> Worker:
        defaults = {"bootstrap": self.broker.bootstrap, "topic": self.topic, "poll_timeout": 0.2}
        settings = WorkerSettings(**{**defaults, **choices})
        made = Worker(settings, self.store, read_models())
        self.workers.append(made)
        return made

    def drain(self, worker: Worker, until: Callable[[], bool], timeout: float = 20.0) -> None:
        """Run the worker poll by poll until ``until()`` holds."""
        wait_until(until, timeout, step=worker.run_once)

    def caught_up(self, *slugs: str) -> bool:
        return all(self.position("catalog", s) >= self.last_id(s) for s in slugs)

    def position(self, read_model: str, slug: str) -> int:
        with self.store.transaction() as tx:
            rows = tx.fetchall(
                "SELECT notification_id FROM projection_tracking"
                " WHERE read_model = %s AND tenant = %s",
                (read_model, slug),
            )
        return int(rows[0][0]) if rows else 0

    def counted(self, slug: str) -> int:
        with self.store.transaction() as tx:
            rows = tx.fetchall("SELECT events FROM rm_test_event_counts WHERE tenant = %s", (slug,))
        return int(rows[0][0]) if rows else 0

    def service_codes(self, slug: str) -> list[str]:
        return [row.code for row in queries.services(self.store, slug)]

    def dead_letters(self) -> list[tuple[Any, ...]]:
        with self.store.transaction() as tx:
            return tx.fetchall(
                "SELECT source, position, tenant, error, value FROM projection_dead_letters"
                " ORDER BY id"
            )

    def offsets(self, consumer: str = "projections") -> dict[int, int]:
        with self.store.transaction() as tx:
            rows = tx.fetchall(
                "SELECT kafka_partition, next_offset FROM projection_offsets"
                " WHERE consumer = %s AND topic = %s",
                (consumer, self.topic),
            )
        return {int(p): int(o) for p, o in rows}


def wait_until(
    condition: Callable[[], bool], timeout: float, step: Callable[[], object] | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached within {timeout} s")
        if step is not None:
            step()
        else:
            time.sleep(0.05)


@contextmanager
def worker_flow(broker: LocalBroker, settings: StorageSettings) -> Iterator[WorkerFlow]:
    """A fresh topic with PARTITIONS partitions and a fresh read schema, removed after."""
    topic = f"events-{uuid4().hex[:10]}"
    create_topic(broker.bootstrap, topic)
    schema = f"rw_{uuid4().hex[:10]}"
    stores = TenantStores.open(settings, ServiceDesk)
    store = PostgresReadStore(settings, schema)
    Projector(store, read_models())  # the tables exist before any worker starts
    producer = KafkaProducer(bootstrap_servers=broker.bootstrap, acks="all", linger_ms=5)
    flow = WorkerFlow(broker, stores, store, topic, producer)
    try:
        yield flow
    finally:
        for worker in flow.workers:
            worker.close()
        producer.close()
        store.close()
        stores.close()
        _drop_schema(settings, schema)


def create_topic(bootstrap: str, topic: str) -> None:
    """Create the topic, unless a running worker's metadata requests made Tansu create it
    first (it auto-creates; then it must still have our partitions)."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        admin.create_topics([NewTopic(topic, PARTITIONS, 1)])
    except TopicAlreadyExistsError:
        [described] = admin.describe_topics([topic])
        if len(described["partitions"]) != PARTITIONS:
            # Auto-created by a client's metadata request with the broker's defaults.
            admin.delete_topics([topic])
            _create_when_gone(admin, topic)
    finally:
        admin.close()


def _create_when_gone(admin: KafkaAdminClient, topic: str) -> None:
    deadline = time.monotonic() + 10
    while True:
        try:
            admin.create_topics([NewTopic(topic, PARTITIONS, 1)])
            return
        except TopicAlreadyExistsError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _drop_schema(settings: StorageSettings, schema: str) -> None:
    with psycopg.connect(
        host=settings.host,
        port=settings.port,
        dbname=settings.dbname,
        user=settings.user,
        autocommit=True,
    ) as connection:
        connection.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
