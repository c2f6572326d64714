"""Helpers for the relay tests: a private PostgreSQL schema and topic, tenants, a consumer."""

import os
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from uuid import uuid4

from kafka import KafkaConsumer, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord
from psycopg import sql

from domain.patterns import CallType
from gateway.demo.deployment import TENANTS, DemoTenant
from gateway.demo.driver import Desk, submit
from gateway.demo.scenario import seed_tenant, service_id
from projections.envelope import EventEnvelope
from projections.settings import FlowSettings
from tenants.pool import close_shared_datastores_of_schema
from tenants.runtime import TenantStores
from tenants.service_desk import ServiceDesk
from tenants.settings import StorageSettings
from tests.integration.service_desk.conftest import START
from tests.support.postgres import connect

PARTITIONS = 3


@dataclass(frozen=True)
class RelayWorld:
    """A PostgreSQL schema of its own (so the relay sees only this test's tenants), a
    read schema and a topic no other test uses."""

    settings: StorageSettings
    flow: FlowSettings

    def env(self) -> dict[str, str]:
        """The environment for a `fundament relay` subprocess."""
        return {
            **os.environ,
            "FUNDAMENT_STORE": "postgres",
            "FUNDAMENT_PG_HOST": self.settings.host,
            "FUNDAMENT_PG_PORT": str(self.settings.port),
            "FUNDAMENT_PG_DBNAME": self.settings.dbname,
            "FUNDAMENT_PG_USER": self.settings.user,
            "FUNDAMENT_PG_SCHEMA": self.settings.schema,
            "FUNDAMENT_KAFKA_BOOTSTRAP": self.flow.bootstrap,
            "FUNDAMENT_KAFKA_TOPIC": self.flow.topic,
            "FUNDAMENT_KAFKA_PARTITIONS": str(self.flow.partitions),
            "FUNDAMENT_READ_SCHEMA": self.flow.read_schema,
        }


def relay_world(pg_settings: StorageSettings, bootstrap: str) -> Iterator[RelayWorld]:
    tag = uuid4().hex[:10]
    world = RelayWorld(
        replace(pg_settings, schema=f"relay_ev_{tag}"),
        FlowSettings(
            bootstrap=bootstrap,
            topic=f"relay-{tag}",
            partitions=PARTITIONS,
            read_schema=f"relay_rd_{tag}",
        ),
    )
    yield world
    # Each world's schema has its own shared pool; left open, a session of these tests
    # would hold more server connections than PostgreSQL allows.
    close_shared_datastores_of_schema(world.settings.schema)
    with connect(world.settings) as connection:
        for schema in (world.settings.schema, world.flow.read_schema):
            connection.execute(
                sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema))
            )


def stored_positions(world: RelayWorld) -> dict[str, int]:
    """What the relay recorded in PostgreSQL (read independently of any relay)."""
    with connect(world.settings) as connection:
        exists = connection.execute(
            "SELECT to_regclass(%s)", (f"{world.flow.read_schema}.relay_positions",)
        ).fetchone()
        if exists is None or exists[0] is None:
            return {}
        rows = connection.execute(
            sql.SQL("SELECT tenant, notification_id FROM {}.relay_positions").format(
                sql.Identifier(world.flow.read_schema)
            )
        ).fetchall()
    return {str(tenant): int(str(position)) for tenant, position in rows}


def new_tenant(
    stores: TenantStores[ServiceDesk], template: DemoTenant = TENANTS[0]
) -> tuple[DemoTenant, Desk]:
    """A fresh copy of a demo tenant, seeded with its organization and catalog."""
    tenant = replace(template, slug=f"rl-{uuid4().hex[:12]}")
    desk = seed_tenant(stores, tenant, START)
    desk.step = timedelta(seconds=1)
    return tenant, desk


def submit_incidents(tenant: DemoTenant, desk: Desk, count: int) -> None:
    """One stored event per incident: the cheapest way to grow a tenant's log."""
    service = service_id(tenant.slug, tenant.services[0].code)
    for number in range(count):
        submit(
            desk, CallType.INCIDENT, f"incident {number}", "key-user", tenant.customer, [service]
        )


def log_ids(stores: TenantStores[ServiceDesk], slug: str) -> list[int]:
    """The tenant's notification ids, in log order."""
    recorder = stores.runtime.app(slug).recorder
    ids: list[int] = []
    while page := recorder.select_notifications(start=(ids[-1] + 1 if ids else 1), limit=1000):
        ids += [notification.id for notification in page]
    return ids


def consume_all(flow: FlowSettings, idle_polls: int = 2) -> list[ConsumerRecord]:
    """Every record on the topic, read from the beginning until the polls come back empty."""
    consumer = KafkaConsumer(bootstrap_servers=flow.bootstrap, enable_auto_commit=False)
    try:
        partitions = consumer.partitions_for_topic(flow.topic) or set()
        consumer.assign([TopicPartition(flow.topic, p) for p in sorted(partitions)])
        consumer.seek_to_beginning()
        records: list[ConsumerRecord] = []
        empty = 0
        while empty < idle_polls:
            batch = consumer.poll(timeout_ms=500, max_records=5000)
            polled = [record for part in batch.values() for record in part]
            records += polled
            empty = 0 if polled else empty + 1
        return records
    finally:
        consumer.close()


def envelopes_by_tenant(records: list[ConsumerRecord]) -> dict[str, list[EventEnvelope]]:
    """The consumed envelopes per tenant, in partition order."""
    found: dict[str, list[EventEnvelope]] = {}
    for record in sorted(records, key=lambda r: (r.partition, r.offset)):
        envelope = EventEnvelope.from_kafka(record.key, record.headers, record.value)
        found.setdefault(envelope.tenant, []).append(envelope)
    return found
