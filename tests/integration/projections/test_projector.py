"""The projector and the in-process feed, with the catalog read model, on both backends."""

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from domain.catalog import ServiceSpecification
from domain.commands import RegisterService, RetireService
from gateway.demo.deployment import DemoTenant
from gateway.demo.driver import Desk
from gateway.demo.scenario import service_id
from projections.envelope import EventEnvelope
from projections.feed import LogFeed
from projections.projector import Projector
from projections.read_models.catalog import queries
from projections.read_models.catalog.model import CatalogReadModel
from projections.storage import ReadStore
from tenants.runtime import TenantStores
from tenants.service_desk import ServiceDesk

Seeded = Callable[[], tuple[DemoTenant, Desk]]


def _envelopes(stores: TenantStores[ServiceDesk], tenant: str) -> list[EventEnvelope]:
    recorder = stores.runtime.app(tenant).recorder
    return [EventEnvelope.of(tenant, n) for n in recorder.select_notifications(1, 100_000)]


def _dead_letters(store: ReadStore) -> list[tuple[object, ...]]:
    with store.transaction() as tx:
        return tx.fetchall("SELECT source, position, error FROM projection_dead_letters")


def test_the_feed_builds_the_catalog_and_tracks_the_log_position(
    stores: TenantStores[ServiceDesk], read_store: ReadStore, seeded: Seeded
) -> None:
    tenant, desk = seeded()
    projector = Projector(read_store, [CatalogReadModel()])
    LogFeed(stores, projector).catch_up(tenant.slug)
    rows = queries.services(read_store, tenant.slug)
    assert [r.code for r in rows] == sorted(s.code for s in tenant.services)
    assert projector.position("catalog", tenant.slug) == desk.app.recorder.max_notification_id()


def test_later_events_change_the_rows_and_the_position_moves_on(
    stores: TenantStores[ServiceDesk], read_store: ReadStore, seeded: Seeded
) -> None:
    tenant, desk = seeded()
    projector = Projector(read_store, [CatalogReadModel()])
    feed = LogFeed(stores, projector)
    feed.catch_up(tenant.slug)
    first = tenant.services[0]
    desk.run(RetireService(service_id=service_id(tenant.slug, first.code), reason="replaced"))
    spec = ServiceSpecification("issue permits", "office hours", "desk", "1 day")
    desk.run(
        RegisterService(
            code="permits", name="Permits", owner_team=first.owner_team, specification=spec
        )
    )
    result = feed.catch_up(tenant.slug)
    assert (result.applied, result.skipped, result.parked) == (2, 0, 0)
    retired = queries.service(read_store, tenant.slug, str(service_id(tenant.slug, first.code)))
    assert retired is not None
    assert (retired.status, retired.retirement_reason, retired.version) == (
        "retired",
        "replaced",
        2,
    )
    assert "permits" in [r.code for r in queries.services(read_store, tenant.slug)]
    assert first.code not in [r.code for r in queries.services(read_store, tenant.slug)]


def test_events_delivered_twice_are_applied_once(
    stores: TenantStores[ServiceDesk], read_store: ReadStore, seeded: Seeded
) -> None:
    tenant, _ = seeded()
    projector = Projector(read_store, [CatalogReadModel()])
    envelopes = _envelopes(stores, tenant.slug)
    first = projector.apply(envelopes[: len(envelopes) // 2])
    again = projector.apply(envelopes)  # a redelivery overlapping the first batch
    assert first.skipped == 0
    assert again.skipped == len(envelopes) // 2
    assert len(queries.services(read_store, tenant.slug)) == len(tenant.services)


def test_an_undecodable_event_is_parked_and_the_rest_of_the_batch_lands(
    stores: TenantStores[ServiceDesk], read_store: ReadStore, seeded: Seeded
) -> None:
    tenant, _ = seeded()
    projector = Projector(read_store, [CatalogReadModel()])
    envelopes = _envelopes(stores, tenant.slug)
    index = next(i for i, e in enumerate(envelopes) if e.event_type == "Service.Registered")
    envelopes[index] = replace(envelopes[index], state=b"{not json")
    result = projector.apply(envelopes)
    assert result.parked == 1
    [(source, position, error)] = _dead_letters(read_store)
    assert source == "decode"
    assert position == f"{tenant.slug}#{envelopes[index].notification_id}"
    assert "JSON" in str(error) or "Expecting" in str(error)
    assert len(queries.services(read_store, tenant.slug)) == len(tenant.services) - 1
    assert projector.position("catalog", tenant.slug) == envelopes[-1].notification_id


class _FailsOnRetirement(CatalogReadModel):
    """The catalog, with a bug: it cannot handle retirements."""

    def apply(self, tx: Any, envelope: EventEnvelope, event: Any) -> None:
        if envelope.event_type == "Service.Retired":
            tx.execute("INSERT INTO no_such_table VALUES (1)")
        super().apply(tx, envelope, event)


def test_a_read_model_failing_on_one_event_parks_it_and_keeps_the_rest(
    stores: TenantStores[ServiceDesk], read_store: ReadStore, seeded: Seeded
) -> None:
    tenant, desk = seeded()
    first, second = tenant.services[0], tenant.services[1]
    desk.run(RetireService(service_id=service_id(tenant.slug, first.code), reason="replaced"))
    desk.run(RetireService(service_id=service_id(tenant.slug, second.code), reason="merged"))
    projector = Projector(read_store, [_FailsOnRetirement()])
    result = projector.apply(_envelopes(stores, tenant.slug))
    assert result.parked == 2
    assert [source for source, _, _ in _dead_letters(read_store)] == ["read model catalog"] * 2
    rows = queries.services(read_store, tenant.slug)  # both still active: retirements parked
    assert {r.code for r in rows} == {s.code for s in tenant.services}
    assert projector.position("catalog", tenant.slug) == desk.app.recorder.max_notification_id()
