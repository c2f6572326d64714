"""The agreements read model, fed by realistic Agree workflows, on both backends."""

from collections.abc import Callable

from domain.agreements import Agreement
from domain.agreements.targets import encode_targets
from gateway.demo.deployment import DemoTenant
from gateway.demo.driver import Desk
from gateway.demo.scenario import TARGETS, agree_first_service, drive_proactive, service_id
from projections.feed import LogFeed, rebuild
from projections.projector import Projector
from projections.read_models.agreements import queries
from projections.read_models.agreements.model import AgreementsReadModel
from projections.storage import ReadStore
from tenants.runtime import TenantStores
from tenants.service_desk import ServiceDesk
from tests.integration.projections.support import dead_letters, dump

Seeded = Callable[[], tuple[DemoTenant, Desk]]


def _feed(stores: TenantStores[ServiceDesk], read_store: ReadStore) -> LogFeed:
    return LogFeed(stores, Projector(read_store, [AgreementsReadModel()]))


def _underpinning_codes(tenant: DemoTenant, version: str = "") -> list[str]:
    kinds = {"internal": "OLA", "external": "UC"}
    return [f"{kinds[kind.value]}-{code}{version}" for code, _, kind in tenant.teams[:2]]


def test_an_agreed_wish_shows_its_sa_per_customer_and_its_ola_uc_per_service(
    stores: TenantStores[ServiceDesk], read_store: ReadStore, seeded: Seeded
) -> None:
    tenant, desk = seeded()
    agree_first_service(desk, tenant)
    _feed(stores, read_store).catch_up(tenant.slug)
    sid = str(service_id(tenant.slug, tenant.services[0].code))

    [sa] = queries.agreements_page(read_store, tenant.slug, customer=tenant.customer)
    assert (sa.code, sa.kind, sa.provider, sa.status) == (
        f"SA-{tenant.services[0].code}",
        "SA",
        tenant.slug,
        "in force",
    )
    assert (sa.agreement_version, sa.supersedes, sa.superseded_by) == (1, None, None)
    assert sa.handling_targets == encode_targets(TARGETS)
    assert sa.service_ids == (sid,)
    assert sa.in_force_from is not None and sa.in_force_until is None
    underpinning = queries.agreements_page(read_store, tenant.slug, customer=tenant.slug)
    assert [a.code for a in underpinning] == sorted(_underpinning_codes(tenant))
    covering = queries.agreements_page(read_store, tenant.slug, service_id=sid, status="in force")
    assert sorted(a.code for a in covering) == sorted([sa.code, *_underpinning_codes(tenant)])
    assert {a.wish_call_id for a in covering} == {sa.wish_call_id}
    assert dead_letters(read_store) == []


def test_the_status_history_follows_the_lifecycle_with_the_wish_and_event_times(
    stores: TenantStores[ServiceDesk], read_store: ReadStore, seeded: Seeded
) -> None:
    tenant, desk = seeded()
    agree_first_service(desk, tenant)
    _feed(stores, read_store).catch_up(tenant.slug)
    [sa] = queries.agreements_page(read_store, tenant.slug, customer=tenant.customer)

    detail = queries.agreement(read_store, tenant.slug, sa.agreement_id)
    assert detail is not None and detail.agreement == sa
    statuses = [change.status for change in detail.history]
    assert statuses == ["draft", "negotiating", "agreed", "in force"]
    assert {change.call_id for change in detail.history} == {sa.wish_call_id}
    times = [change.occurred_at for change in detail.history]
    assert times == sorted(times) and len(set(times)) == len(times)
    assert (sa.drafted_at, sa.in_force_from, sa.updated_at) == (times[0], times[-1], times[-1])
    assert [change.version for change in detail.history] == [1, 2, 3, 4] == [1, 2, 3, sa.version]
    assert queries.agreement(read_store, tenant.slug, "no-such-agreement") is None


def test_a_new_version_supersedes_the_sa_and_only_the_versions_in_force_cover_the_service(
    stores: TenantStores[ServiceDesk], read_store: ReadStore, seeded: Seeded
) -> None:
    tenant, desk = seeded()
    agree_first_service(desk, tenant)
    feed = _feed(stores, read_store)
    feed.catch_up(tenant.slug)
    drive_proactive(desk, tenant)
    feed.catch_up(tenant.slug)
    code, sid = tenant.services[0].code, str(service_id(tenant.slug, tenant.services[0].code))

    [old] = queries.agreements_page(
        read_store, tenant.slug, customer=tenant.customer, status="superseded"
    )
    [new] = queries.agreements_page(
        read_store, tenant.slug, customer=tenant.customer, status="in force"
    )
    assert (old.code, new.code) == (f"SA-{code}", f"SA-{code}-v2")
    assert (old.superseded_by, new.supersedes) == (new.agreement_id, old.agreement_id)
    assert (old.agreement_version, new.agreement_version) == (1, 2)
    assert old.in_force_until == new.in_force_from
    assert old.wish_call_id != new.wish_call_id
    history = queries.agreement(read_store, tenant.slug, old.agreement_id)
    assert history is not None
    assert [(c.status, c.call_id, c.note) for c in history.history][-2:] == [
        ("in force", old.wish_call_id, "in force"),
        ("superseded", new.wish_call_id, f"superseded by {new.code}"),
    ]
    in_force = queries.agreements_page(read_store, tenant.slug, service_id=sid, status="in force")
    expected = [new.code, *_underpinning_codes(tenant), *_underpinning_codes(tenant, "-v2")]
    assert sorted(a.code for a in in_force) == sorted(expected)
    every = queries.agreements_page(read_store, tenant.slug, service_id=sid)
    assert sorted(a.code for a in every) == sorted([old.code, *expected])
    assert dead_letters(read_store) == []


def test_every_row_matches_the_agreement_aggregate_it_projects(
    stores: TenantStores[ServiceDesk], read_store: ReadStore, seeded: Seeded
) -> None:
    tenant, desk = seeded()
    agree_first_service(desk, tenant)
    drive_proactive(desk, tenant)
    _feed(stores, read_store).catch_up(tenant.slug)

    aggregates: list[Agreement] = desk.app.agreements()
    assert len(aggregates) == 6
    for aggregate in aggregates:
        detail = queries.agreement(read_store, tenant.slug, str(aggregate.id))
        assert detail is not None
        row = detail.agreement
        assert (row.code, row.status, row.version) == (
            aggregate.code,
            aggregate.status.value,
            aggregate.version,
        )
        assert row.service_ids == tuple(sorted(str(s) for s in aggregate.service_ids))
        # The aggregate names its first step "drafted"; the status it left it in is "draft".
        statuses = ["draft", *(status for status, _ in aggregate.history[1:])]
        assert [c.status for c in detail.history] == statuses
        assert [c.call_id for c in detail.history] == [str(c) for _, c in aggregate.history]


def test_the_rows_fed_bit_by_bit_equal_the_rows_of_a_rebuild(
    stores: TenantStores[ServiceDesk], read_store: ReadStore, seeded: Seeded
) -> None:
    tenant, desk = seeded()
    other, other_desk = seeded()
    model = AgreementsReadModel()
    projector = Projector(read_store, [model])
    feed = LogFeed(stores, projector, batch_size=7)
    feed.catch_up(tenant.slug)
    agree_first_service(desk, tenant)
    feed.catch_up(tenant.slug)
    agree_first_service(other_desk, other)
    feed.catch_up_all([tenant.slug, other.slug])
    drive_proactive(desk, tenant)
    feed.catch_up(tenant.slug)
    live, other_live = dump(read_store, model, tenant.slug), dump(read_store, model, other.slug)
    assert all(live.values())

    report = rebuild(stores, projector, tenant=tenant.slug, batch_size=50)
    assert (report.read_models, report.tenants) == (("agreements",), (tenant.slug,))
    assert report.events == desk.app.recorder.max_notification_id()
    assert dump(read_store, model, tenant.slug) == live
    assert dump(read_store, model, other.slug) == other_live
    assert dead_letters(read_store) == []
