"""The call detail read model on both backends: the call, its timeline, its workflow tree."""

from collections.abc import Callable
from uuid import UUID

from domain.calls import RecoveryRoute
from domain.patterns import CallType
from domain.workflow import ChangeMicAttributes
from gateway.demo.deployment import DemoTenant
from gateway.demo.driver import Desk, drive_change, drive_recover, submit
from gateway.demo.scenario import (
    agree_first_service,
    drive_proactive,
    drive_reactive,
    mic_id,
    service_id,
)
from projections.feed import LogFeed, rebuild
from projections.projector import Projector
from projections.read_models.call_detail import queries
from projections.read_models.call_detail.model import CallDetailReadModel
from projections.storage import ReadStore
from tenants.runtime import TenantStores
from tenants.service_desk import ServiceDesk
from tests.integration.projections.call_checks import (
    call_events,
    call_facts,
    dead_letters,
    dump,
    row_facts,
)
from tests.integration.projections.call_work import (
    ROUTED_TO,
    OpenWork,
    fed_open_work,
    open_work,
    rough_paths,
)

Seeded = Callable[[], tuple[DemoTenant, Desk]]


def _detail(
    stores: TenantStores[ServiceDesk], read_store: ReadStore, seeded: Seeded
) -> tuple[DemoTenant, Desk, OpenWork, LogFeed]:
    return fed_open_work(stores, read_store, seeded, CallDetailReadModel())


def test_the_detail_holds_the_call_with_its_intake_data(
    stores: TenantStores[ServiceDesk], read_store: ReadStore, seeded: Seeded
) -> None:
    tenant, desk, work, _ = _detail(stores, read_store, seeded)
    routed = queries.call(read_store, tenant.slug, str(work.routed))
    assert routed is not None
    assert (routed.summary, routed.requester, routed.customer, routed.channel) == (
        "Slow links",
        "key-user",
        tenant.customer,
        "portal",
    )
    assert (routed.state.team, routed.impact, routed.urgency) == (ROUTED_TO, "medium", "medium")
    assert routed.state.service_ids == (str(service_id(tenant.slug, tenant.services[0].code)),)
    number = desk.app.call(work.routed).tracking_number
    assert queries.by_tracking_number(read_store, tenant.slug, number) == routed
    rejected = queries.call(read_store, tenant.slug, str(work.rejected))
    assert rejected is not None and rejected.state.status == "rejected"
    assert rejected.end_reason is not None and "no service agreement" in rejected.end_reason
    child = queries.call(read_store, tenant.slug, str(work.deploying))
    assert child is not None
    assert (child.depth, child.channel, child.state.parent_id, child.state.root_id) == (
        1,
        "fork",
        str(work.awaiting),
        str(work.awaiting),
    )
    assert queries.call(read_store, tenant.slug, str(UUID(int=0))) is None
    assert queries.call(read_store, "another-tenant", str(work.routed)) is None
    assert dead_letters(read_store) == []


def test_each_timeline_has_every_event_of_its_call_in_order(
    stores: TenantStores[ServiceDesk], read_store: ReadStore, seeded: Seeded
) -> None:
    tenant, desk, _, feed = _detail(stores, read_store, seeded)
    drive_reactive(desk, tenant)
    feed.catch_up(tenant.slug)
    events = call_events(stores, tenant.slug)
    assert len(events) > 15
    for call_id, envelopes in events.items():
        entries = queries.timeline(read_store, tenant.slug, str(call_id))
        assert [e.version for e in entries] == list(range(1, desk.app.call(call_id).version + 1))
        assert [(e.version, e.notification_id, e.event_type) for e in entries] == [
            (e.originator_version, e.notification_id, e.event_type) for e in envelopes
        ]
        assert all(entry.description and "timestamp" not in entry.data for entry in entries)
    assert dead_letters(read_store) == []


def test_a_timeline_says_what_happened_in_words(
    stores: TenantStores[ServiceDesk], read_store: ReadStore, seeded: Seeded
) -> None:
    tenant, _, work, _ = _detail(stores, read_store, seeded)
    entries = queries.timeline(read_store, tenant.slug, str(work.routed))
    assert [e.description for e in entries] == [
        f"Submitted by key-user for {tenant.customer} via portal: Slow links",
        "Accepted",
        "Classified as network, priority P3 (impact medium, urgency medium)",
        f"Analyzed: escalated; routed to {ROUTED_TO}",
    ]
    assert entries[-1].data["solution_team"] == ROUTED_TO
    assert entries[-1].actor == "coordinator"
    assert [e.occurred_at for e in entries] == sorted(e.occurred_at for e in entries)
    forked = queries.timeline(read_store, tenant.slug, str(work.awaiting))[-1]
    assert forked.description.startswith("Forked SRQ-") and forked.description.endswith("operate")


def test_detours_leave_every_call_as_its_aggregate_says(
    stores: TenantStores[ServiceDesk], read_store: ReadStore, seeded: Seeded
) -> None:
    tenant, desk = seeded()
    agree_first_service(desk, tenant)
    paths = rough_paths(desk, tenant)
    LogFeed(stores, Projector(read_store, [CallDetailReadModel()])).catch_up(tenant.slug)
    for call_id in call_events(stores, tenant.slug):
        detail = queries.call(read_store, tenant.slug, str(call_id))
        assert detail is not None
        assert row_facts(detail.state) == call_facts(desk.app.call(call_id))
    raised = queries.call(read_store, tenant.slug, str(paths.raised))
    assert raised is not None
    assert (raised.channel, raised.linked_call_ids) == ("monitoring", (str(paths.request),))
    tree = queries.workflow_tree(read_store, tenant.slug, str(paths.change))
    assert tree is not None
    assert [(child.outcome, child.done) for child in tree.children] == [
        ("aborted", True),
        ("fulfilled", True),
    ]
    words = [e.description for e in queries.timeline(read_store, tenant.slug, str(paths.change))]
    assert "Rejected at test by cab: drops" in words
    assert words[-1] == "Rework requested, back to deploy: still drops"
    assert dead_letters(read_store) == []


def test_the_workflow_tree_of_a_w3_incident_runs_recover_change_operate(
    stores: TenantStores[ServiceDesk], read_store: ReadStore, seeded: Seeded
) -> None:
    tenant, desk = seeded()
    agree_first_service(desk, tenant)
    code = tenant.services[0].code
    incident = submit(
        desk,
        CallType.INCIDENT,
        "Login fails",
        "key-user",
        tenant.customer,
        [service_id(tenant.slug, code)],
    )
    app_mic = mic_id(tenant.slug, f"{code}-app")
    upgrade = [ChangeMicAttributes(app_mic, {"version": "1.0.1"})]
    drive_recover(
        desk,
        incident,
        "application",
        RecoveryRoute.CHANGE,
        [app_mic],
        lambda change: drive_change(desk, change, "application", upgrade),
    )
    LogFeed(stores, Projector(read_store, [CallDetailReadModel()])).catch_up(tenant.slug)
    tree = queries.workflow_tree(read_store, tenant.slug, str(incident))
    assert tree is not None
    [change] = tree.children
    [deployment] = change.children
    assert (tree.process, tree.fork_step, tree.status) == ("recover", None, "closed")
    assert (change.process, change.fork_step, change.outcome, change.done) == (
        "change",
        "recover",
        "fulfilled",
        True,
    )
    assert (deployment.process, deployment.fork_step, deployment.outcome) == (
        "operate",
        "deploy",
        "fulfilled",
    )
    assert deployment.children == ()
    assert {tree.workflow, change.workflow, deployment.workflow} == {"W3"}
    assert queries.workflow_tree(read_store, tenant.slug, deployment.call_id) == tree


def test_an_open_tree_shows_the_child_still_working(
    stores: TenantStores[ServiceDesk], read_store: ReadStore, seeded: Seeded
) -> None:
    tenant, _, work, _ = _detail(stores, read_store, seeded)
    tree = queries.workflow_tree(read_store, tenant.slug, str(work.awaiting))
    assert tree is not None
    [deployment] = tree.children
    assert (tree.status, tree.workflow) == ("awaiting child", "W2")
    assert (deployment.call_id, deployment.outcome, deployment.done) == (
        str(work.deploying),
        None,
        False,
    )
    assert queries.workflow_tree(read_store, tenant.slug, str(UUID(int=0))) is None


def test_a_rebuild_gives_the_rows_the_live_feed_built(
    stores: TenantStores[ServiceDesk], read_store: ReadStore, seeded: Seeded
) -> None:
    tenant, desk = seeded()
    projector = Projector(read_store, [CallDetailReadModel()])
    feed = LogFeed(stores, projector, batch_size=50)
    feed.catch_up(tenant.slug)
    agree_first_service(desk, tenant)
    feed.catch_up(tenant.slug)
    open_work(desk, tenant)
    feed.catch_up(tenant.slug)
    drive_proactive(desk, tenant)
    feed.catch_up(tenant.slug)
    live = dump(read_store, CallDetailReadModel.tables)
    rebuild(stores, projector, tenant=tenant.slug)
    assert dump(read_store, CallDetailReadModel.tables) == live
    calls = sum(len(events) for events in call_events(stores, tenant.slug).values())
    assert len(live["rm_call_detail_timeline"]) == calls
    assert len(live["rm_call_detail_forks"]) > 5
    assert dead_letters(read_store) == []
