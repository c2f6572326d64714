"""Rate limits counted in PostgreSQL hold across processes with pools of their own, as they
would across gateway machines; refusals use nothing up; bad settings fail at start."""

import multiprocessing
import time
from multiprocessing.connection import Connection
from uuid import uuid4

import pytest
from pydantic import ValidationError

from gateway.api.limits import DatabaseRateLimits
from gateway.api.settings import GatewaySettings
from tenants.pool import close_shared_datastores
from tenants.rate_counters import Cell, RateCounters
from tenants.settings import StorageSettings
from tests.support.postgres import connect

pytestmark = pytest.mark.postgres
SPAWN = multiprocessing.get_context("spawn")


def _count_allowed(
    settings: StorageSettings, tenant: str, requests: int, answer: Connection
) -> None:
    limiter = DatabaseRateLimits("1000/hour", "10/hour", RateCounters(settings))
    answer.send(sum(limiter.check(tenant, "ana").allowed for _ in range(requests)))
    close_shared_datastores()


def test_gateways_with_their_own_pools_enforce_one_limit(pg_settings: StorageSettings) -> None:
    tenant = f"t-{uuid4().hex[:12]}"
    pipes = [SPAWN.Pipe(duplex=False) for _ in range(3)]
    workers = [
        SPAWN.Process(target=_count_allowed, args=(pg_settings, tenant, 8, sender))
        for _, sender in pipes
    ]
    for worker in workers:
        worker.start()
    allowed = [receiver.recv() for receiver, _ in pipes]
    for worker in workers:
        worker.join(30)

    assert sum(allowed) == 10  # 24 requests in three processes; alone each would allow 8


def test_a_refused_client_does_not_use_up_its_tenants_allowance(
    pg_settings: StorageSettings,
) -> None:
    limiter = DatabaseRateLimits("3/hour", "2/hour", RateCounters(pg_settings))
    tenant = f"t-{uuid4().hex[:12]}"

    ana = [limiter.check(tenant, "ana") for _ in range(4)]
    bob = [limiter.check(tenant, "bob") for _ in range(2)]

    assert [a.allowed for a in ana] == [True, True, False, False]
    assert ana[2].limit == 2 and 1700 <= ana[2].reset_seconds <= 1800  # ana's own limit
    assert [b.allowed for b in bob] == [True, False]
    assert bob[1].limit == 3  # the tenant's limit refused bob: ana's refusals cost it nothing
    assert [a.remaining for a in ana[:2]] == [1, 0]


def test_the_database_store_needs_postgresql(sqlite_settings: StorageSettings) -> None:
    with pytest.raises(ValidationError, match="RATE_LIMIT_STORE=database needs"):
        GatewaySettings(storage=sqlite_settings, rate_limit_store="database")


def test_counters_whose_time_has_passed_are_purged(pg_settings: StorageSettings) -> None:
    counters = RateCounters(pg_settings)
    key = f"tenant/t-{uuid4().hex[:12]}"
    counters.take([Cell(key, interval=0.001, period=60.0)])
    time.sleep(0.01)

    assert _stored(pg_settings, key) == 1
    assert counters.purge_expired() >= 1
    assert _stored(pg_settings, key) == 0


def _stored(settings: StorageSettings, key: str) -> int:
    with connect(settings) as connection:
        query = f'SELECT count(*) FROM "{settings.schema}".rate_counters WHERE key = %s'
        row = connection.execute(query, (key,)).fetchone()
    return int(row[0]) if row else 0
