"""Tenants are created at runtime, without a restart, on both backends."""

from collections.abc import Callable
from dataclasses import replace

import psycopg
import pytest

from tenants.errors import TenantAlreadyExistsError, UnknownTenantError
from tenants.runtime import TenantRuntime, TenantStores
from tenants.settings import StorageSettings
from tests.integration.tenants.support import AT, Counter, CounterDesk


def test_a_tenant_created_at_runtime_can_store_and_load_at_once(
    stores: TenantStores[CounterDesk], fresh_slug: Callable[..., str]
) -> None:
    slug = fresh_slug("region")
    record = stores.runtime.create_tenant(slug, "Region", "health region", actor="ops", at=AT)

    desk = stores.runtime.app(slug)
    counter_id = desk.start(slug, "beds")
    assert desk.increment(counter_id, 3) == 3
    assert record == stores.registry.get(slug)
    assert type(desk).name == "t_" + slug.replace("-", "_")
    assert isinstance(desk, CounterDesk)


def test_the_same_application_is_reused_while_cached(
    stores: TenantStores[CounterDesk], fresh_slug: Callable[..., str]
) -> None:
    slug = fresh_slug()
    stores.runtime.create_tenant(slug, "Desk", "ministry IT", actor="ops", at=AT)
    assert stores.runtime.app(slug) is stores.runtime.app(slug)


def test_a_reopened_application_reads_what_an_earlier_one_wrote(
    settings: StorageSettings, stores: TenantStores[CounterDesk], fresh_slug: Callable[..., str]
) -> None:
    slug = fresh_slug()
    stores.runtime.create_tenant(slug, "Desk", "ministry IT", actor="ops", at=AT)
    counter_id = stores.runtime.app(slug).start(slug, "tickets")

    fresh_runtime = TenantRuntime(settings, CounterDesk, stores.registry)
    try:
        reopened = fresh_runtime.app(slug)
        assert reopened is not stores.runtime.app(slug)
        assert reopened.env["CREATE_TABLE"] == "no"
        counter: Counter = reopened.repository.get(counter_id)
        assert counter.key == "tickets"
    finally:
        fresh_runtime.close()


def test_least_recently_used_applications_are_dropped_beyond_the_cache_size(
    settings: StorageSettings, fresh_slug: Callable[..., str]
) -> None:
    stores = TenantStores.open(replace(settings, app_cache_size=2), CounterDesk)
    try:
        slugs = [fresh_slug() for _ in range(3)]
        for slug in slugs:
            stores.runtime.create_tenant(slug, "Desk", "ministry IT", actor="ops", at=AT)
        first = stores.runtime.app(slugs[0])  # evicts slugs[1]
        assert stores.runtime.live_count() == 2
        assert stores.runtime.app(slugs[0]) is first
        assert stores.runtime.app(slugs[1]).start(slugs[1], "k")  # reopened on demand
    finally:
        stores.close()


def test_unregistered_tenants_have_no_application(
    stores: TenantStores[CounterDesk], fresh_slug: Callable[..., str]
) -> None:
    slug = fresh_slug()
    stores.runtime.provision(fresh_slug())  # provisioning alone does not register
    with pytest.raises(UnknownTenantError):
        stores.runtime.app(slug)


def test_creating_an_existing_tenant_fails_and_keeps_its_data(
    stores: TenantStores[CounterDesk], fresh_slug: Callable[..., str]
) -> None:
    slug = fresh_slug()
    stores.runtime.create_tenant(slug, "Original", "ministry IT", actor="ops", at=AT)
    counter_id = stores.runtime.app(slug).start(slug, "kept")

    with pytest.raises(TenantAlreadyExistsError):
        stores.runtime.create_tenant(slug, "Impostor", "ministry IT", actor="ops", at=AT)

    assert stores.registry.get(slug).name == "Original"
    counter: Counter = stores.runtime.app(slug).repository.get(counter_id)
    assert counter.key == "kept"


def test_provisioning_is_idempotent(
    stores: TenantStores[CounterDesk], fresh_slug: Callable[..., str]
) -> None:
    slug = fresh_slug()
    stores.runtime.create_tenant(slug, "Desk", "ministry IT", actor="ops", at=AT)
    counter_id = stores.runtime.app(slug).start(slug, "k")
    stores.runtime.provision(slug)
    assert stores.runtime.app(slug).repository.get(counter_id).version == 1


def test_sqlite_tenants_get_their_own_database_file(
    sqlite_settings: StorageSettings, fresh_slug: Callable[..., str]
) -> None:
    stores = TenantStores.open(sqlite_settings, CounterDesk)
    try:
        slug = fresh_slug()
        stores.runtime.create_tenant(slug, "Desk", "ministry IT", actor="ops", at=AT)
        assert sqlite_settings.tenant_db_path(slug).is_file()
        assert sqlite_settings.platform_db_path.is_file()
    finally:
        stores.close()


@pytest.mark.postgres
def test_postgres_tenants_get_their_own_tables(
    pg_settings: StorageSettings, fresh_slug: Callable[..., str]
) -> None:
    stores = TenantStores.open(pg_settings, CounterDesk)
    try:
        slug = fresh_slug("city")
        stores.runtime.create_tenant(slug, "City", "civil registry", actor="ops", at=AT)
        prefix = f"t_{slug.replace('-', '_')}"
        assert _tables_like(pg_settings, f"{prefix}_%") == [
            f"{prefix}_events",
            f"{prefix}_receipts",
        ]
    finally:
        stores.close()


def _tables_like(settings: StorageSettings, pattern: str) -> list[str]:
    with psycopg.connect(
        host=settings.host, port=settings.port, dbname=settings.dbname, user=settings.user
    ) as connection:
        rows = connection.execute(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = %s AND table_name LIKE %s ORDER BY 1",
            (settings.schema, pattern),
        ).fetchall()
    return [row[0] for row in rows]
