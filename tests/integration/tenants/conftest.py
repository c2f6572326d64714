"""Fixtures for the tenant infrastructure tests: both backends, opened stores."""

from collections.abc import Iterator

import pytest

from tenants.runtime import TenantStores
from tenants.settings import StorageSettings
from tests.integration.tenants.support import CounterDesk


@pytest.fixture
def stores(settings: StorageSettings) -> Iterator[TenantStores[CounterDesk]]:
    """A registry and runtime for CounterDesk tenants, closed after the test."""
    opened = TenantStores.open(settings, CounterDesk)
    yield opened
    opened.close()
