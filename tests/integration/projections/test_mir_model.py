"""The MIR read model, fed by realistic Change workflows, on both backends."""

from collections.abc import Callable, Sequence
from uuid import UUID

from domain.mir import ManagedInfrastructureComponent
from domain.patterns import CallType
from domain.workflow import ChangeMicAttributes, MirOperation, RelateMics, RetireMic
from gateway.demo.deployment import DemoTenant
from gateway.demo.driver import Desk, drive_change, submit
from gateway.demo.scenario import (
    agree_first_service,
    drive_proactive,
    drive_reactive,
    mic_id,
    service_id,
)
from projections.feed import LogFeed, rebuild
from projections.projector import Projector
from projections.read_models.mir import queries
from projections.read_models.mir.model import MirReadModel
from projections.storage import ReadStore
from tenants.runtime import TenantStores
from tenants.service_desk import ServiceDesk
from tests.integration.projections.support import dead_letters, dump

Seeded = Callable[[], tuple[DemoTenant, Desk]]


def _feed(stores: TenantStores[ServiceDesk], read_store: ReadStore) -> LogFeed:
    return LogFeed(stores, Projector(read_store, [MirReadModel()]))


def _mics(tenant: DemoTenant) -> tuple[str, str]:
    """The ids of the application and the SA component that agreeing the first service adds."""
    code = tenant.services[0].code
    return str(mic_id(tenant.slug, f"{code}-app")), str(mic_id(tenant.slug, f"SA-{code}"))


def _change(desk: Desk, tenant: DemoTenant, operations: Sequence[MirOperation]) -> str:
    """Run an RFC that makes ``operations``; returns its call id."""
    sid = service_id(tenant.slug, tenant.services[0].code)
    rfc = submit(desk, CallType.RFC, "Tidy the MIR", "key-user", tenant.customer, [sid])
    drive_change(desk, rfc, "application", operations)
    return str(rfc)


def _aggregate(desk: Desk, mic: str) -> ManagedInfrastructureComponent:
    found: ManagedInfrastructureComponent = desk.app.repository.get(UUID(mic))
    return found


def test_components_show_current_attributes_and_each_change_with_its_change_call(
    stores: TenantStores[ServiceDesk], read_store: ReadStore, seeded: Seeded
) -> None:
    tenant, desk = seeded()
    agree_first_service(desk, tenant)
    drive_reactive(desk, tenant)
    _feed(stores, read_store).catch_up(tenant.slug)
    app, sa = _mics(tenant)
    code = tenant.services[0].code

    rows = queries.components(read_store, tenant.slug)
    assert [(r.code, r.mic_class) for r in rows] == [
        (f"SA-{code}", "agreement"),
        (f"{code}-app", "software"),
    ]
    application = queries.component(read_store, tenant.slug, app)
    assert application is not None
    assert (application.attributes, application.retired, application.version) == (
        {"version": "1.1.1"},
        False,
        3,
    )
    changes = queries.history(read_store, tenant.slug, app)
    assert [(c.version, c.kind, c.details) for c in changes] == [
        (1, "registered", {"attributes": {"version": {"old": None, "new": "1.0"}}}),
        (2, "attributes changed", {"attributes": {"version": {"old": "1.0", "new": "1.1"}}}),
        (3, "attributes changed", {"attributes": {"version": {"old": "1.1", "new": "1.1.1"}}}),
    ]
    call_ids = [str(c) for c in _aggregate(desk, app).change_call_ids]
    assert [c.change_call_id for c in changes] == call_ids
    assert application.registered_by_call == call_ids[0]
    assert {desk.app.call(UUID(c)).call_type for c in call_ids} == {CallType.RFC}
    assert [c.occurred_at for c in changes] == sorted(c.occurred_at for c in changes)
    assert application.updated_at == changes[-1].occurred_at
    assert dead_letters(read_store) == []


def test_changes_by_call_lists_what_one_change_did_in_order(
    stores: TenantStores[ServiceDesk], read_store: ReadStore, seeded: Seeded
) -> None:
    tenant, desk = seeded()
    agree_first_service(desk, tenant)
    drive_proactive(desk, tenant)
    _feed(stores, read_store).catch_up(tenant.slug)
    app, sa = _mics(tenant)

    registering_call = _aggregate(desk, app).change_call_ids[0]
    registered = queries.changes_by_call(read_store, tenant.slug, str(registering_call))
    assert [(c.mic_id, c.kind) for c in registered] == [(app, "registered"), (sa, "registered")]
    capacity_call = _aggregate(desk, sa).change_call_ids[-1]
    [capacity] = queries.changes_by_call(read_store, tenant.slug, str(capacity_call))
    assert (capacity.mic_id, capacity.kind, capacity.version) == (sa, "attributes changed", 2)
    assert capacity.details == {"attributes": {"capacity": {"old": None, "new": "winter peak"}}}
    assert queries.changes_by_call(read_store, tenant.slug, "no-such-call") == []
    assert dead_letters(read_store) == []


def test_relations_removed_attributes_and_retirement_are_recorded(
    stores: TenantStores[ServiceDesk], read_store: ReadStore, seeded: Seeded
) -> None:
    tenant, desk = seeded()
    agree_first_service(desk, tenant)
    app, sa = _mics(tenant)
    tidy = _change(
        desk,
        tenant,
        [
            RelateMics(UUID(app), "depends-on", UUID(sa)),
            ChangeMicAttributes(UUID(sa), {"customer": None, "owner-unit": "contracts"}),
        ],
    )
    retire = _change(desk, tenant, [RetireMic(UUID(app), "replaced by a SaaS product")])
    _feed(stores, read_store).catch_up(tenant.slug)

    assert [(c.mic_id, c.kind) for c in queries.changes_by_call(read_store, tenant.slug, tidy)] == [
        (app, "related"),
        (sa, "attributes changed"),
    ]
    [remaining] = queries.components(read_store, tenant.slug)
    assert (remaining.mic_id, remaining.attributes) == (sa, {"owner-unit": "contracts"})
    [retired] = queries.components(
        read_store, tenant.slug, include_retired=True, mic_class="software"
    )
    assert (retired.mic_id, retired.retired, retired.retirement_reason) == (
        app,
        True,
        "replaced by a SaaS product",
    )
    assert [(r.relation, r.target_id, r.change_call_id) for r in retired.relations] == [
        ("depends-on", sa, tidy)
    ]
    assert [
        (c.kind, c.details, c.change_call_id) for c in queries.history(read_store, tenant.slug, app)
    ][1:] == [
        ("related", {"relation": "depends-on", "target_id": sa}, tidy),
        ("retired", {"reason": "replaced by a SaaS product"}, retire),
    ]
    [removal] = queries.history(read_store, tenant.slug, sa)[1:]
    assert removal.details == {
        "attributes": {
            "customer": {"old": tenant.customer, "new": None},
            "owner-unit": {"old": None, "new": "contracts"},
        }
    }
    assert dead_letters(read_store) == []


def test_the_rows_fed_bit_by_bit_equal_the_rows_of_a_rebuild(
    stores: TenantStores[ServiceDesk], read_store: ReadStore, seeded: Seeded
) -> None:
    tenant, desk = seeded()
    other, other_desk = seeded()
    model = MirReadModel()
    projector = Projector(read_store, [model])
    feed = LogFeed(stores, projector, batch_size=5)
    agree_first_service(desk, tenant)
    feed.catch_up(tenant.slug)
    agree_first_service(other_desk, other)
    drive_reactive(desk, tenant)
    feed.catch_up_all([tenant.slug, other.slug])
    app, sa = _mics(tenant)
    _change(desk, tenant, [RelateMics(UUID(sa), "part-of", UUID(app))])
    feed.catch_up(tenant.slug)
    _change(desk, tenant, [RetireMic(UUID(sa), "merged into the application")])
    feed.catch_up(tenant.slug)
    live, everyone = dump(read_store, model, tenant.slug), dump(read_store, model)
    assert all(live.values())

    rebuild(stores, projector, tenant=tenant.slug)
    assert dump(read_store, model, tenant.slug) == live
    rebuild(stores, projector.only(["mir"]), tenant=other.slug)
    assert dump(read_store, model) == everyone
    assert dead_letters(read_store) == []
