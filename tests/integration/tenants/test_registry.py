"""The tenant registry: event-sourced, round-trips, refuses duplicates, names unknown tenants."""

from collections.abc import Callable
from datetime import datetime

import pytest
from eventsourcing.utils import get_topic

from domain.shared.ids import InvalidTenantSlugError
from tenants.errors import InvalidTenantDetailsError, TenantAlreadyExistsError, UnknownTenantError
from tenants.registry import Tenant, TenantRegistry, tenant_registry_id
from tenants.runtime import TenantStores
from tenants.settings import StorageSettings
from tests.integration.tenants.support import AT, CounterDesk


def test_register_then_get_exists_and_list_round_trip(
    stores: TenantStores[CounterDesk], fresh_slug: Callable[..., str]
) -> None:
    slug = fresh_slug("civreg")
    record = stores.registry.register(
        slug, "Civil Registry North", "civil registry", actor="ops@platform", at=AT
    )

    assert record.tenant_id == tenant_registry_id(slug)
    assert (record.slug, record.name, record.kind) == (
        slug,
        "Civil Registry North",
        "civil registry",
    )
    assert (record.registered_at, record.actor) == (AT, "ops@platform")
    assert stores.registry.get(slug) == record
    assert stores.registry.exists(slug)
    assert record in stores.registry.list()


def test_a_new_registry_replays_registrations_from_the_store(
    settings: StorageSettings, stores: TenantStores[CounterDesk], fresh_slug: Callable[..., str]
) -> None:
    slugs = sorted(fresh_slug(prefix) for prefix in ("zeta", "alpha", "mid"))
    for slug in slugs:
        stores.registry.register(slug, slug.upper(), "health region", actor="ops", at=AT)

    reopened = TenantRegistry(settings)
    try:
        listed = [record.slug for record in reopened.list()]
        assert [slug for slug in listed if slug in slugs] == slugs
        assert listed == sorted(listed)
        assert reopened.get(slugs[1]).name == slugs[1].upper()
    finally:
        reopened.close()


def test_the_registered_event_carries_the_business_time_and_actor(
    stores: TenantStores[CounterDesk], fresh_slug: Callable[..., str]
) -> None:
    slug = fresh_slug()
    stores.registry.register(slug, "Ministry IT", "ministry IT", actor="alice", at=AT)

    tenant: Tenant = stores.registry._app.repository.get(tenant_registry_id(slug))
    assert tenant.created_on == AT
    notifications = stores.registry._app.recorder.select_notifications(
        1, 10_000, topics=[get_topic(Tenant.Registered)]
    )
    assert any(n.originator_id == tenant.id for n in notifications)


def test_registering_a_taken_slug_says_so(
    stores: TenantStores[CounterDesk], fresh_slug: Callable[..., str]
) -> None:
    slug = fresh_slug()
    stores.registry.register(slug, "First", "ministry IT", actor="ops", at=AT)

    with pytest.raises(TenantAlreadyExistsError) as raised:
        stores.registry.register(slug, "Second", "ministry IT", actor="ops", at=AT)

    assert raised.value.message == f"tenant {slug!r} already exists; choose another slug"
    assert stores.registry.get(slug).name == "First"


def test_a_race_lost_at_save_time_is_still_a_duplicate(
    settings: StorageSettings,
    stores: TenantStores[CounterDesk],
    fresh_slug: Callable[..., str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    slug = fresh_slug()
    other = TenantRegistry(settings)
    try:
        stores.registry.register(slug, "Winner", "ministry IT", actor="ops", at=AT)
        # Simulate the other process checking just before the winner saved.
        monkeypatch.setattr(other, "exists", lambda _slug: False)
        with pytest.raises(TenantAlreadyExistsError):
            other.register(slug, "Loser", "ministry IT", actor="ops", at=AT)
        assert other.get(slug).name == "Winner"
    finally:
        other.close()


def test_unknown_tenants_are_named_in_the_error(
    stores: TenantStores[CounterDesk], fresh_slug: Callable[..., str]
) -> None:
    slug = fresh_slug()
    with pytest.raises(UnknownTenantError, match=f"tenant '{slug}' is not registered"):
        stores.registry.get(slug)
    assert not stores.registry.exists(slug)


@pytest.mark.parametrize("slug", ["Acme", "1acme", "acme--x", "acme_x", "a" * 41, ""])
def test_invalid_slugs_are_refused(stores: TenantStores[CounterDesk], slug: str) -> None:
    with pytest.raises(InvalidTenantSlugError):
        stores.registry.register(slug, "Acme", "ministry IT", actor="ops", at=AT)


@pytest.mark.parametrize(
    ("name", "kind", "actor", "at"),
    [
        (" ", "ministry IT", "ops", AT),
        ("Acme", "", "ops", AT),
        ("Acme", "ministry IT", "", AT),
        ("Acme", "ministry IT", "ops", datetime(2025, 3, 1)),  # noqa: DTZ001
    ],
)
def test_incomplete_details_are_refused(
    stores: TenantStores[CounterDesk],
    fresh_slug: Callable[..., str],
    name: str,
    kind: str,
    actor: str,
    at: datetime,
) -> None:
    slug = fresh_slug()
    with pytest.raises(InvalidTenantDetailsError):
        stores.registry.register(slug, name, kind, actor=actor, at=at)
    assert not stores.registry.exists(slug)
