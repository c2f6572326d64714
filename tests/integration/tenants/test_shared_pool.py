"""All tenant applications of a process share one bounded PostgreSQL pool."""

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from uuid import UUID, uuid4

import psycopg
import pytest
from eventsourcing.application import Application
from psycopg import sql

from tenants.pool import SharedPoolFactory, close_shared_datastores, shared_datastore_count
from tenants.runtime import TenantStores
from tenants.settings import StorageSettings
from tests.conftest import postgres_test_settings
from tests.integration.tenants.support import AT, Counter, CounterDesk
from tests.support.postgres import connect

pytestmark = pytest.mark.postgres

TENANTS = 500


@pytest.fixture
def scale_settings(pg_settings: StorageSettings) -> Iterator[StorageSettings]:
    """A throwaway schema and a pool tagged with its own application name."""
    tag = uuid4().hex[:10]
    settings = postgres_test_settings(
        pg_settings.data_dir,
        schema=f"scale_{tag}",
        application_name=f"fundament-scale-{tag}",
        pool_size=3,
        max_overflow=2,
        app_cache_size=TENANTS + 10,
    )
    yield settings
    close_shared_datastores()
    # Not for isolation (the schema is unique): only to keep 1,200 relations per run out
    # of the test database.
    with connect(settings) as connection:
        connection.execute(
            sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(settings.schema))
        )


class _ConnectionSampler:
    """Counts, from its own connection, the server sessions the tagged pool holds."""

    def __init__(self, settings: StorageSettings) -> None:
        self._settings = settings
        self._stop = threading.Event()
        self.peak = 0
        self.samples = 0

    def count(self, connection: psycopg.Connection[tuple[object, ...]]) -> int:
        row = connection.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND application_name = %s AND pid <> pg_backend_pid()",
            (self._settings.application_name,),
        ).fetchone()
        assert row is not None
        return int(str(row[0]))

    @contextmanager
    def running(self) -> Iterator["_ConnectionSampler"]:
        thread = threading.Thread(target=self._run, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            thread.join()

    def _run(self) -> None:
        with connect(self._settings) as connection:
            while not self._stop.wait(0.01):
                self.peak = max(self.peak, self.count(connection))
                self.samples += 1


def test_500_live_tenant_applications_stay_within_the_pool_limit(
    scale_settings: StorageSettings, fresh_slug: Callable[..., str]
) -> None:
    stores = TenantStores.open(scale_settings, CounterDesk)
    slugs = [fresh_slug("s") for _ in range(TENANTS)]

    def create_and_write(slug: str) -> UUID:
        stores.runtime.create_tenant(slug, slug, "health region", actor="ops", at=AT)
        return stores.runtime.app(slug).start(slug, "load")

    def read(item: tuple[str, UUID]) -> int:
        counter: Counter = stores.runtime.app(item[0]).repository.get(item[1])
        return counter.version

    with _ConnectionSampler(scale_settings).running() as sampler:
        with ThreadPoolExecutor(max_workers=12) as executor:
            ids = list(executor.map(create_and_write, slugs))
            versions = list(executor.map(read, zip(slugs, ids, strict=True)))
        live = [stores.runtime.app(slug) for slug in slugs]

    assert versions == [1] * TENANTS
    assert len({id(app) for app in live}) == TENANTS
    assert stores.runtime.live_count() == TENANTS
    assert sampler.samples > 10
    assert 1 <= sampler.peak <= scale_settings.max_connections, sampler.peak
    assert shared_datastore_count() >= 1
    stores.close()


def test_the_factory_is_selectable_by_env_and_shares_one_datastore(
    pg_settings: StorageSettings,
) -> None:
    env = pg_settings.postgres_env()
    assert env["PERSISTENCE_MODULE"] == "tenants.pool:SharedPoolFactory"
    first = type("ProbeOne", (Application,), {"name": "probe_one"})(env)
    second = type("ProbeTwo", (Application,), {"name": "probe_two"})(env)

    assert isinstance(first.factory, SharedPoolFactory)
    assert first.factory.datastore is second.factory.datastore
    first.close()
    # Closing one application leaves the pool usable for the others.
    assert second.recorder.max_notification_id() is None
    second.close()


def test_different_connection_settings_get_different_datastores(
    pg_settings: StorageSettings,
) -> None:
    env = pg_settings.postgres_env()
    other_env = {**env, "POSTGRES_POOL_SIZE": "2"}
    first = type("ProbeThree", (Application,), {"name": "probe_three"})(env)
    second = type("ProbeFour", (Application,), {"name": "probe_four"})(other_env)

    assert isinstance(first.factory, SharedPoolFactory)
    assert isinstance(second.factory, SharedPoolFactory)
    assert first.factory.datastore is not second.factory.datastore


def test_db_functions_are_refused_because_they_clobber_shared_schemas(
    pg_settings: StorageSettings,
) -> None:
    env = {**pg_settings.postgres_env(), "POSTGRES_ENABLE_DB_FUNCTIONS": "y"}
    with pytest.raises(OSError, match="POSTGRES_ENABLE_DB_FUNCTIONS"):
        type("ProbeFive", (Application,), {"name": "probe_five"})(env)


def test_closing_shared_datastores_lets_new_applications_open_fresh_ones(
    pg_settings: StorageSettings,
) -> None:
    probe = type("ProbeSix", (Application,), {"name": "probe_six"})
    before = probe(pg_settings.postgres_env())
    assert close_shared_datastores() >= 1
    assert shared_datastore_count() == 0
    after = probe(pg_settings.postgres_env())
    assert after.factory.datastore is not before.factory.datastore
    assert after.recorder.max_notification_id() is None


def test_the_pool_hands_out_the_connection_returned_last(pg_settings: StorageSettings) -> None:
    app = type("ProbeSeven", (Application,), {"name": "probe_seven"})(pg_settings.postgres_env())
    pool = app.factory.datastore.pool  # type: ignore[attr-defined]
    first, second = pool.getconn(), pool.getconn()
    pool.putconn(first)
    pool.putconn(second)
    again = pool.getconn()
    pool.putconn(again)
    assert again is second
