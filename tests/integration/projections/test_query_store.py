"""The query store: many threads read at once and get what one thread gets; on PostgreSQL
each holds a pooled connection of its own, in one snapshot, until the store is closed."""

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any
from uuid import uuid4

import pytest
from psycopg import sql
from psycopg_pool import PoolClosed

from gateway.demo.deployment import DemoTenant
from gateway.demo.driver import Desk
from gateway.demo.scenario import agree_first_service, drive_reactive
from projections.feed import LogFeed
from projections.projector import Projector
from projections.read_models.call_detail import queries as detail
from projections.read_models.call_detail.model import CallDetailReadModel
from projections.read_models.call_queue import queries as queue
from projections.read_models.call_queue.model import CallQueueReadModel
from projections.read_models.catalog import queries as catalog
from projections.read_models.catalog.model import CatalogReadModel
from projections.read_tables import ensure_read_tables
from projections.storage import (
    PooledPostgresReadStore,
    ReadStore,
    SqliteReadStore,
    open_query_store,
    open_read_store,
)
from tenants.runtime import TenantStores
from tenants.service_desk import ServiceDesk
from tenants.settings import StorageSettings
from tests.integration.projections.call_work import open_work
from tests.support.postgres import connect

Seeded = Callable[[], tuple[DemoTenant, Desk]]
on_postgres = pytest.mark.parametrize(
    "settings", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)


@pytest.fixture
def schema(settings: StorageSettings) -> Iterator[str]:
    """A read schema nobody has used (on SQLite only a name: its store is the test's file)."""
    name = f"rq_{uuid4().hex[:10]}"
    yield name
    if settings.backend == "postgres":
        with connect(settings) as connection:
            connection.execute(
                sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(name))
            )


def _projected(
    stores: TenantStores[ServiceDesk], settings: StorageSettings, schema: str, seeded: Seeded
) -> tuple[DemoTenant, LogFeed]:
    tenant, desk = seeded()
    agree_first_service(desk, tenant)
    open_work(desk, tenant)
    drive_reactive(desk, tenant)
    writer = open_read_store(settings, schema)
    feed = LogFeed(
        stores, Projector(writer, [CatalogReadModel(), CallQueueReadModel(), CallDetailReadModel()])
    )
    feed.catch_up(tenant.slug)
    return tenant, feed


def _reads(store: ReadStore, tenant: str) -> list[Callable[[], object]]:
    """Queries of several read models, a multi-statement one among them."""
    every = queue.open_calls(store, tenant, include_closed=True, limit=500).calls
    roots = sorted({call.root_id for call in every})
    reads: list[Callable[[], object]] = [
        lambda: queue.open_calls(store, tenant, limit=3),
        lambda: queue.open_calls(store, tenant, include_closed=True, limit=500),
        lambda: queue.open_calls(store, tenant, requester="key-user", newest_first=True),
        lambda: queue.queue_counts(store, tenant),
        lambda: catalog.services(store, tenant),
    ]
    reads += [partial(detail.workflow_tree, store, tenant, root) for root in roots]
    reads += [partial(detail.call, store, tenant, c.call_id) for c in every[:5]]
    return reads


def test_many_threads_querying_at_once_get_what_one_thread_gets(
    stores: TenantStores[ServiceDesk], settings: StorageSettings, schema: str, seeded: Seeded
) -> None:
    tenant, feed = _projected(stores, settings, schema, seeded)
    store = open_query_store(settings, schema, max_size=4)
    try:
        expected_type = (
            PooledPostgresReadStore if settings.backend == "postgres" else SqliteReadStore
        )
        assert isinstance(store, expected_type)
        reads = _reads(store, tenant.slug)
        expected = [read() for read in reads]
        assert len(expected) > 8 and all(expected)
        with ThreadPoolExecutor(max_workers=12) as pool:  # more threads than connections
            answers = list(
                pool.map(lambda i: (i % len(reads), reads[i % len(reads)]()), range(600))
            )
        assert all(answer == expected[i] for i, answer in answers)
    finally:
        store.close()
        feed.projector.store.close()


def test_a_query_store_opened_before_any_projector_answers_empty_once_tables_are_ensured(
    settings: StorageSettings, schema: str
) -> None:
    store = open_query_store(settings, schema)
    try:
        with pytest.raises(Exception, match="rm_call_queue_calls"):
            queue.open_calls(store, "acme")
        ensure_read_tables(store)
        assert queue.open_calls(store, "acme") == queue.Page([], None)
        assert queue.queue_counts(store, "acme") == []
        assert detail.call(store, "acme", str(uuid4())) is None
        assert catalog.services(store, "acme") == []
        ensure_read_tables(store)  # again: nothing to do, nothing fails
    finally:
        store.close()


@on_postgres
def test_readers_hold_pooled_connections_of_their_own_until_the_store_closes(
    settings: StorageSettings, schema: str
) -> None:
    readers = 4
    store = PooledPostgresReadStore(settings, schema, min_size=1, max_size=readers)
    ensure_read_tables(store, [CallQueueReadModel()])
    all_in = threading.Barrier(readers, timeout=10)

    def read(_: int) -> tuple[Any, ...]:
        with store.transaction() as tx:
            all_in.wait()  # every reader is inside a transaction at the same time
            [row] = tx.fetchall(
                "SELECT pg_backend_pid(), current_schema(),"
                " current_setting('transaction_isolation'),"
                " (SELECT COUNT(*) FROM rm_call_queue_calls)"
            )
        return row

    with ThreadPoolExecutor(max_workers=readers) as pool:
        rows = list(pool.map(read, range(readers)))
    pids = {row[0] for row in rows}
    assert len(pids) == readers
    assert {row[1:] for row in rows} == {(schema, "repeatable read", 0)}
    store.close()
    with pytest.raises(PoolClosed):
        store.transaction().__enter__()
    assert _wait_until(lambda: not _backends_alive(settings, pids))


@on_postgres
def test_a_read_transaction_sees_one_snapshot(
    stores: TenantStores[ServiceDesk], settings: StorageSettings, schema: str, seeded: Seeded
) -> None:
    tenant, feed = _projected(stores, settings, schema, seeded)
    store = open_query_store(settings, schema)
    count = "SELECT COUNT(*) FROM rm_call_queue_calls WHERE tenant = %s"
    try:
        with store.transaction() as tx:
            [(before,)] = tx.fetchall(count, (tenant.slug,))
            with feed.projector.store.transaction() as writer:
                writer.execute("DELETE FROM rm_call_queue_calls WHERE tenant = %s", (tenant.slug,))
            [(during,)] = tx.fetchall(count, (tenant.slug,))
        with store.transaction() as tx:
            [(after,)] = tx.fetchall(count, (tenant.slug,))
        assert (before, during, after) == (before, before, 0)
        assert before > 15
    finally:
        store.close()
        feed.projector.store.close()


def _backends_alive(settings: StorageSettings, pids: set[int]) -> bool:
    with connect(settings) as connection:
        rows = connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE pid = ANY(%s)", (list(pids),)
        ).fetchall()
    return bool(rows)


def _wait_until(condition: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True
