"""A write that cannot get its tenant's table lock gives up after the lock timeout with a
503 the client can retry, stores nothing, and frees the worker; once the lock is gone the
same request goes through."""

import threading
import time
from dataclasses import replace

import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg import sql

from tenants.settings import StorageSettings
from tests.integration.gateway.conftest import assert_problem
from tests.integration.gateway.test_writes import Seed, calls_url, incident, log_head

pytestmark = pytest.mark.postgres
LOCK_TIMEOUT = 1


@pytest.fixture
def settings(pg_settings: StorageSettings) -> StorageSettings:
    return replace(pg_settings, lock_timeout=LOCK_TIMEOUT)


def hold_table_lock(api: TestClient, slug: str, settings: StorageSettings) -> psycopg.Connection:
    """Another session holding the tenant's events table in EXCLUSIVE mode (reads still
    pass; a save's lock waits), inside a transaction left open."""
    recorder = api.app.state.runtime.stores.runtime.app(slug).recorder  # type: ignore[attr-defined]
    holder = psycopg.connect(
        host=settings.host, port=settings.port, user=settings.user, dbname=settings.dbname
    )
    table = sql.Identifier(recorder.datastore.schema, recorder.events_table_name)
    holder.execute(sql.SQL("LOCK TABLE {} IN EXCLUSIVE MODE").format(table))
    return holder


def test_a_save_stuck_on_the_table_lock_is_a_503_after_the_lock_timeout_and_stores_nothing(
    api: TestClient, seed_tenant: Seed, settings: StorageSettings
) -> None:
    tenant = seed_tenant()
    head = log_head(api, tenant)
    holder = hold_table_lock(api, tenant.slug, settings)
    try:
        started = time.monotonic()
        refused = api.post(
            calls_url(tenant), headers=tenant.as_role("operator"), json=incident(tenant)
        )
        waited = time.monotonic() - started
    finally:
        holder.rollback()
        holder.close()

    assert_problem(refused, 503, "store-unavailable")
    assert refused.headers["Retry-After"]
    assert LOCK_TIMEOUT <= waited < LOCK_TIMEOUT + 3  # one wait, not the recorder's ten retries
    assert log_head(api, tenant) == head
    retried = api.post(calls_url(tenant), headers=tenant.as_role("operator"), json=incident(tenant))
    assert retried.status_code == 201, retried.text


def test_a_lock_released_within_the_timeout_only_delays_the_save(
    api: TestClient, seed_tenant: Seed, settings: StorageSettings
) -> None:
    tenant = seed_tenant()
    holder = hold_table_lock(api, tenant.slug, settings)
    release = threading.Timer(0.3, holder.rollback)
    release.start()
    try:
        answer = api.post(
            calls_url(tenant), headers=tenant.as_role("operator"), json=incident(tenant)
        )
    finally:
        release.join()
        holder.close()

    assert answer.status_code == 201, answer.text
