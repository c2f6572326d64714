"""The tenant recorder's own read and insert statements, against PostgreSQL."""

from collections.abc import Callable, Iterator
from typing import Any
from uuid import uuid4

import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent

from tenants.recorders import TenantApplicationRecorder
from tenants.runtime import TenantStores
from tenants.settings import StorageSettings
from tests.integration.tenants.support import AT, CounterDesk

pytestmark = pytest.mark.postgres


@pytest.fixture
def recorder(
    pg_settings: StorageSettings, fresh_slug: Callable[..., str]
) -> Iterator[TenantApplicationRecorder]:
    stores = TenantStores.open(pg_settings, CounterDesk)
    slug = fresh_slug("rec")
    stores.runtime.create_tenant(slug, "Recorder probe", "ministry IT", actor="ops", at=AT)
    found: Any = stores.runtime.app(slug).recorder
    assert isinstance(found, TenantApplicationRecorder)
    yield found
    stores.close()


def _events(originator_id: object, versions: range) -> list[StoredEvent]:
    return [
        StoredEvent(originator_id, version, "tests:Event", f'{{"v":{version}}}'.encode())
        for version in versions
    ]


def test_events_come_back_in_version_order_whole_or_after_a_version(
    recorder: TenantApplicationRecorder,
) -> None:
    originator = uuid4()
    notification_ids = recorder.insert_events(_events(originator, range(1, 5)))
    assert len(notification_ids) == 4
    assert notification_ids == sorted(notification_ids)
    assert [e.originator_version for e in recorder.select_events(originator)] == [1, 2, 3, 4]
    after = recorder.select_events(originator, gt=2)
    assert [(e.originator_version, e.state) for e in after] == [(3, b'{"v":3}'), (4, b'{"v":4}')]
    assert all(e.originator_id == originator for e in after)
    # Historical and reverse reads take the library's path and agree with it.
    assert [e.originator_version for e in recorder.select_events(originator, lte=2)] == [1, 2]
    newest = recorder.select_events(originator, desc=True, limit=1)
    assert [e.originator_version for e in newest] == [4]


def test_a_version_stored_twice_is_an_integrity_error_and_stores_nothing(
    recorder: TenantApplicationRecorder,
) -> None:
    originator = uuid4()
    recorder.insert_events(_events(originator, range(1, 3)))
    with pytest.raises(IntegrityError):
        recorder.insert_events(_events(originator, range(2, 4)))  # 2 clashes, 3 is new
    assert [e.originator_version for e in recorder.select_events(originator)] == [1, 2]


def test_a_single_event_goes_through_the_scalar_function_and_gets_the_next_position(
    recorder: TenantApplicationRecorder,
) -> None:
    originator = uuid4()
    [first] = recorder.insert_events(_events(originator, range(1, 2)))
    [second] = recorder.insert_events(_events(originator, range(2, 3)))
    assert second > first
    with pytest.raises(IntegrityError):
        recorder.insert_events(_events(originator, range(2, 3)))
    stored = recorder.select_events(originator)
    assert [(e.originator_version, e.topic) for e in stored] == [
        (1, "tests:Event"),
        (2, "tests:Event"),
    ]


def test_a_page_of_the_log_equals_the_librarys_reading_of_it(
    recorder: TenantApplicationRecorder,
) -> None:
    first, second = uuid4(), uuid4()
    recorder.insert_events(_events(first, range(1, 4)))
    recorder.insert_events(_events(second, range(1, 3)))
    head = recorder.max_notification_id()
    assert head is not None
    ours = recorder.select_notifications(head - 3, 3)
    library = recorder.select_notifications(head - 3, 3, stop=head)  # the library's path
    assert ours == library
    assert [(n.originator_id, n.originator_version) for n in ours] == [
        (first, 2),
        (first, 3),
        (second, 1),
    ]
