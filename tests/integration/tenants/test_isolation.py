"""Tenant A's application never reads tenant B's events, whatever ids or keys they share."""

from collections.abc import Callable
from uuid import UUID

import pytest
from eventsourcing.application import AggregateNotFoundError

from domain.shared.ids import aggregate_id
from tenants.runtime import TenantStores
from tests.integration.tenants.support import AT, Counter, CounterDesk


def _two_tenants(
    stores: TenantStores[CounterDesk], fresh_slug: Callable[..., str]
) -> tuple[str, str]:
    a, b = fresh_slug("a"), fresh_slug("b")
    for slug in (a, b):
        stores.runtime.create_tenant(slug, slug, "ministry IT", actor="ops", at=AT)
    return a, b


def _write(desk: CounterDesk, tenant: str, keys: list[str]) -> set[UUID]:
    ids = {desk.start(tenant, key) for key in keys}
    for counter_id in ids:
        desk.increment(counter_id)
    return ids


def test_one_tenants_notification_log_never_shows_another_tenants_events(
    stores: TenantStores[CounterDesk], fresh_slug: Callable[..., str]
) -> None:
    a, b = _two_tenants(stores, fresh_slug)
    desk_a, desk_b = stores.runtime.app(a), stores.runtime.app(b)
    ids_a = _write(desk_a, a, ["x", "y"])
    ids_b = _write(desk_b, b, ["x", "y", "z"])

    log_a = desk_a.recorder.select_notifications(1, 1000)
    log_b = desk_b.recorder.select_notifications(1, 1000)

    assert {n.originator_id for n in log_a} == ids_a
    assert {n.originator_id for n in log_b} == ids_b
    assert len(log_a) == 4
    assert len(log_b) == 6
    # Each tenant has its own gap-free sequence, starting at 1.
    assert [n.id for n in log_a] == [1, 2, 3, 4]
    decoded = [desk_a.mapper.to_domain_event(n) for n in log_a]
    assert {event.originator_id for event in decoded} == ids_a


def test_the_same_key_gives_different_ids_in_different_tenants(
    stores: TenantStores[CounterDesk], fresh_slug: Callable[..., str]
) -> None:
    a, b = _two_tenants(stores, fresh_slug)
    id_in_a = stores.runtime.app(a).start(a, "INC-1")
    id_in_b = stores.runtime.app(b).start(b, "INC-1")

    assert id_in_a == aggregate_id(a, "counter", "INC-1")
    assert id_in_b == aggregate_id(b, "counter", "INC-1")
    assert id_in_a != id_in_b


def test_a_tenant_cannot_load_another_tenants_aggregate_even_by_its_id(
    stores: TenantStores[CounterDesk], fresh_slug: Callable[..., str]
) -> None:
    a, b = _two_tenants(stores, fresh_slug)
    id_in_b = stores.runtime.app(b).start(b, "secret")

    with pytest.raises(AggregateNotFoundError):
        stores.runtime.app(a).repository.get(id_in_b)


def test_forcing_a_foreign_id_into_a_tenant_stays_in_that_tenant(
    stores: TenantStores[CounterDesk], fresh_slug: Callable[..., str]
) -> None:
    a, b = _two_tenants(stores, fresh_slug)
    desk_a, desk_b = stores.runtime.app(a), stores.runtime.app(b)
    # A buggy or hostile command in A that starts a counter with B's id and key.
    counter_id = desk_b.start(b, "shared")
    desk_a.save(Counter.start(b, "shared"))
    desk_a.increment(counter_id, 5)

    in_b: Counter = desk_b.repository.get(counter_id)
    assert (in_b.value, in_b.version) == (0, 1)
    assert len(desk_b.recorder.select_notifications(1, 1000)) == 1
