"""Two writers of the same aggregate version: exactly one wins, the other gets IntegrityError."""

from collections.abc import Callable, Iterator
from dataclasses import replace

import pytest
from eventsourcing.persistence import IntegrityError

from tenants.runtime import TenantStores
from tenants.settings import StorageSettings
from tests.integration.tenants.support import AT, Counter, CounterDesk


@pytest.fixture
def second_stores(settings: StorageSettings) -> Iterator[TenantStores[CounterDesk]]:
    """Another registry and runtime on the same store, as a second process would have."""
    # A different application name gives PostgreSQL tests a separate connection pool.
    opened = TenantStores.open(replace(settings, application_name="fundament-2nd"), CounterDesk)
    yield opened
    opened.close()


def test_concurrent_writes_of_one_version_let_exactly_one_win(
    stores: TenantStores[CounterDesk],
    second_stores: TenantStores[CounterDesk],
    fresh_slug: Callable[..., str],
) -> None:
    slug = fresh_slug()
    stores.runtime.create_tenant(slug, "Desk", "ministry IT", actor="ops", at=AT)
    first, second = stores.runtime.app(slug), second_stores.runtime.app(slug)
    assert first is not second
    counter_id = first.start(slug, "contended")

    mine: Counter = first.repository.get(counter_id)
    theirs: Counter = second.repository.get(counter_id)
    mine.increment(1)
    theirs.increment(10)
    first.save(mine)
    with pytest.raises(IntegrityError):
        second.save(theirs)

    stored: Counter = second.repository.get(counter_id)
    assert (stored.version, stored.value) == (2, 1)
    assert len(second.recorder.select_notifications(1, 100)) == 2
