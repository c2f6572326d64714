"""Fixtures: tenant stores and a read store on both backends, a fresh schema per test."""

from collections.abc import Callable, Iterator
from uuid import uuid4

import psycopg
import pytest
from psycopg import sql

from gateway.demo.deployment import TENANTS, DemoTenant
from gateway.demo.driver import Desk
from gateway.demo.scenario import seed_tenant
from projections.storage import PostgresReadStore, ReadStore, SqliteReadStore
from tenants.runtime import TenantStores
from tenants.service_desk import ServiceDesk
from tenants.settings import StorageSettings
from tests.integration.service_desk.conftest import START


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def settings(request: pytest.FixtureRequest) -> StorageSettings:
    fixture_name = "sqlite_settings" if request.param == "sqlite" else "pg_settings"
    value: StorageSettings = request.getfixturevalue(fixture_name)
    return value


@pytest.fixture
def stores(settings: StorageSettings) -> Iterator[TenantStores[ServiceDesk]]:
    opened = TenantStores.open(settings, ServiceDesk)
    yield opened
    opened.close()


@pytest.fixture
def read_store(settings: StorageSettings) -> Iterator[ReadStore]:
    """An empty read store: a fresh schema on PostgreSQL, a fresh file on SQLite."""
    if settings.backend == "sqlite":
        sqlite_store = SqliteReadStore(settings.data_dir / f"read-{uuid4().hex[:8]}.db")
        yield sqlite_store
        sqlite_store.close()
        return
    schema = f"rm_{uuid4().hex[:10]}"
    pg_store = PostgresReadStore(settings, schema)
    yield pg_store
    pg_store.close()
    with psycopg.connect(
        host=settings.host,
        port=settings.port,
        dbname=settings.dbname,
        user=settings.user,
        autocommit=True,
    ) as connection:
        connection.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


@pytest.fixture
def seeded(
    stores: TenantStores[ServiceDesk], fresh_slug: Callable[..., str]
) -> Callable[[DemoTenant], tuple[DemoTenant, Desk]]:
    """Seed a fresh copy of a demo tenant (new slug) and return it with its desk."""

    def seed(template: DemoTenant = TENANTS[0]) -> tuple[DemoTenant, Desk]:
        tenant = DemoTenant(
            fresh_slug("rm"),
            template.name,
            template.kind,
            template.teams,
            template.people,
            template.services,
            template.customer,
        )
        return tenant, seed_tenant(stores, tenant, START)

    return seed
