"""Fixtures for the tenant infrastructure tests: both backends, opened stores."""

from collections.abc import Iterator

import pytest

from tenants.runtime import TenantStores
from tenants.settings import StorageSettings
from tests.integration.tenants.support import CounterDesk


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def settings(request: pytest.FixtureRequest) -> StorageSettings:
    """Storage settings for each backend in turn."""
    fixture_name = "sqlite_settings" if request.param == "sqlite" else "pg_settings"
    value: StorageSettings = request.getfixturevalue(fixture_name)
    return value


@pytest.fixture
def stores(settings: StorageSettings) -> Iterator[TenantStores[CounterDesk]]:
    """A registry and runtime for CounterDesk tenants, closed after the test."""
    opened = TenantStores.open(settings, CounterDesk)
    yield opened
    opened.close()
