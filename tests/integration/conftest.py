"""Fixtures shared by the integration tests: both backends, ServiceDesk tenants seeded like
the demo seeds them. A directory may override ``stores`` with its own application class."""

from collections.abc import Callable, Iterator
from dataclasses import replace

import pytest

from gateway.demo.deployment import TENANTS, DemoTenant
from gateway.demo.driver import Desk
from gateway.demo.scenario import seed_tenant
from tenants.runtime import TenantStores
from tenants.service_desk import ServiceDesk
from tenants.settings import StorageSettings
from tests.integration.service_desk.conftest import START


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def settings(request: pytest.FixtureRequest) -> StorageSettings:
    """Storage settings for each backend in turn."""
    fixture_name = "sqlite_settings" if request.param == "sqlite" else "pg_settings"
    value: StorageSettings = request.getfixturevalue(fixture_name)
    return value


@pytest.fixture
def stores(settings: StorageSettings) -> Iterator[TenantStores[ServiceDesk]]:
    opened = TenantStores.open(settings, ServiceDesk)
    yield opened
    opened.close()


@pytest.fixture
def seeded(
    stores: TenantStores[ServiceDesk], fresh_slug: Callable[..., str]
) -> Callable[[DemoTenant], tuple[DemoTenant, Desk]]:
    """Seed a fresh copy of a demo tenant (new slug) and return it with its desk."""

    def seed(template: DemoTenant = TENANTS[0]) -> tuple[DemoTenant, Desk]:
        tenant = replace(template, slug=fresh_slug("t"))
        return tenant, seed_tenant(stores, tenant, START)

    return seed
