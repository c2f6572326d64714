"""The call queue read model on both backends, fed from realistic calls."""

from collections.abc import Callable
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.calls import Call
from domain.catalog import Service
from domain.commands import AbortCall
from domain.shared import EventMeta
from gateway.demo.deployment import DemoTenant, specification
from gateway.demo.driver import Desk, drive_operate
from gateway.demo.scenario import agree_first_service, drive_reactive, service_id
from projections.feed import LogFeed, rebuild
from projections.projector import Projector
from projections.read_models.call_lifecycle.state import CallState, evolve, iso, submitted
from projections.read_models.call_queue import queries
from projections.read_models.call_queue.model import CallQueueReadModel
from projections.read_models.call_queue.queries import InvalidCursorError, QueueOrder
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


def _queue(
    stores: TenantStores[ServiceDesk], read_store: ReadStore, seeded: Seeded
) -> tuple[DemoTenant, Desk, OpenWork, LogFeed]:
    return fed_open_work(stores, read_store, seeded, CallQueueReadModel())


def _ids(page: queries.Page) -> list[UUID]:
    return [UUID(call.call_id) for call in page.calls]


def test_the_queue_holds_exactly_the_open_calls_as_the_calls_themselves_say(
    stores: TenantStores[ServiceDesk], read_store: ReadStore, seeded: Seeded
) -> None:
    tenant, desk, work, _ = _queue(stores, read_store, seeded)
    page = queries.open_calls(read_store, tenant.slug, limit=100)
    assert set(_ids(page)) == work.open()
    assert page.next_cursor is None
    for row in page.calls:
        assert row_facts(row) == call_facts(desk.app.call(UUID(row.call_id)))
    assert queries.open_calls(read_store, "another-tenant", include_closed=True).calls == []
    assert queries.queue_counts(read_store, "another-tenant") == []
    assert dead_letters(read_store) == []


def test_detours_leave_every_call_as_its_aggregate_says(
    stores: TenantStores[ServiceDesk], read_store: ReadStore, seeded: Seeded
) -> None:
    tenant, desk = seeded()
    agree_first_service(desk, tenant)
    paths = rough_paths(desk, tenant)
    LogFeed(stores, Projector(read_store, [CallQueueReadModel()])).catch_up(tenant.slug)
    every = queries.open_calls(read_store, tenant.slug, include_closed=True, limit=500).calls
    assert {UUID(row.call_id) for row in every} == set(call_events(stores, tenant.slug))
    for row in every:
        assert row_facts(row) == call_facts(desk.app.call(UUID(row.call_id)))
    rows = {UUID(row.call_id): row for row in every}
    assert (rows[paths.change].status, rows[paths.change].step) == ("in progress", "deploy")
    assert (rows[paths.wish].status, rows[paths.wish].is_open) == ("no agreement", True)
    owner = tenant.services[0].owner_team
    assert rows[paths.unlinked].team == rows[paths.raised].team == owner
    assert rows[paths.improvement].status == "submitted"
    first = str(service_id(tenant.slug, tenant.services[0].code))
    by_service = queries.open_calls(read_store, tenant.slug, service_id=first, limit=500)
    assert paths.unlinked in _ids(by_service)
    assert dead_letters(read_store) == []


def test_the_fold_agrees_with_the_call_after_every_single_event(
    stores: TenantStores[ServiceDesk], seeded: Seeded
) -> None:
    tenant, desk = seeded()
    agree_first_service(desk, tenant)
    open_work(desk, tenant)
    rough_paths(desk, tenant)
    owners = {str(service_id(tenant.slug, s.code)): s.owner_team for s in tenant.services}
    folded = 0
    for call_id, envelopes in call_events(stores, tenant.slug).items():
        state: CallState | None = None
        for envelope in envelopes:
            event: Any = desk.app.mapper.to_domain_event(envelope.stored_event())
            version = envelope.originator_version
            state = (
                submitted(event, version, owners.get)
                if state is None
                else evolve(state, event, version, owners.get)
            )
            at_version: Call = desk.app.repository.get(call_id, version=version)
            assert row_facts(state) == call_facts(at_version), envelope.event_type
            folded += 1
    assert folded > 100


def test_open_calls_follow_a_new_owner_of_their_service_unless_routed(
    stores: TenantStores[ServiceDesk], read_store: ReadStore, seeded: Seeded
) -> None:
    tenant, desk, work, feed = _queue(stores, read_store, seeded)
    new_owner = "cloudco"
    # No command revises a service yet: store the catalog's Revised event as it would.
    served = tenant.services[0]
    at = EventMeta(tenant.slug, "tenant-admin", desk.now, uuid4(), uuid4())
    service = Service.register(
        at, served.code, served.name, served.owner_team, specification(served)
    )
    assert service.id == service_id(tenant.slug, served.code)
    service.revise(at, served.name, new_owner, specification(served))
    _, revised = service.collect_events()
    desk.app.recorder.insert_events([desk.app.mapper.to_stored_event(revised)])
    feed.catch_up(tenant.slug)
    teams = {UUID(c.call_id): c for c in queries.open_calls(read_store, tenant.slug).calls}
    assert {call_id for call_id, c in teams.items() if c.team == new_owner} == work.open() - {
        work.routed
    }
    assert teams[work.routed].team == ROUTED_TO
    assert teams[work.submitted].updated_at == iso(desk.now)
    closed = queries.open_calls(read_store, tenant.slug, include_closed=True, status="closed")
    assert {c.team for c in closed.calls} == {tenant.services[0].owner_team}


def test_filters_narrow_the_queue(
    stores: TenantStores[ServiceDesk], read_store: ReadStore, seeded: Seeded
) -> None:
    tenant, desk, work, _ = _queue(stores, read_store, seeded)
    slug, first = tenant.slug, service_id(tenant.slug, tenant.services[0].code)

    def ids(**filters: Any) -> set[UUID]:
        return set(_ids(queries.open_calls(read_store, slug, **filters)))

    assert ids(process="recover") == {work.classified, work.routed}
    assert ids(status="awaiting child") == {work.awaiting}
    assert ids(priority="P1") == {work.classified}
    assert ids(team=ROUTED_TO) == {work.routed}
    assert ids(team=tenant.services[0].owner_team) == work.open() - {work.routed}
    assert ids(service_id=str(first)) == work.open()
    assert ids(service_id=str(service_id(slug, tenant.services[1].code))) == set()
    since = desk.app.call(work.deploying).updated_at
    assert ids(updated_since=since) == {work.deploying, work.assessed}
    assert ids(process="recover", priority="P3") == {work.routed}
    rejected = queries.open_calls(read_store, slug, include_closed=True, status="rejected")
    assert _ids(rejected) == [work.rejected]


@pytest.mark.parametrize("order", list(QueueOrder))
@pytest.mark.parametrize("limit", [1, 2, 4])
def test_pages_honour_the_limit_and_never_repeat_or_skip_a_call(
    stores: TenantStores[ServiceDesk],
    read_store: ReadStore,
    seeded: Seeded,
    order: QueueOrder,
    limit: int,
) -> None:
    tenant, _, _, _ = _queue(stores, read_store, seeded)
    everything = queries.open_calls(
        read_store, tenant.slug, include_closed=True, order=order, limit=500
    )
    seen: list[UUID] = []
    cursor: str | None = None
    while True:
        page = queries.open_calls(
            read_store, tenant.slug, include_closed=True, order=order, limit=limit, after=cursor
        )
        seen.extend(_ids(page))
        if page.next_cursor is None:
            assert 1 <= len(page.calls) <= limit
            break
        assert len(page.calls) == limit
        cursor = page.next_cursor
    assert seen == _ids(everything)
    keys = [(getattr(c, order.value), c.call_id) for c in everything.calls]
    assert keys == sorted(keys)
    assert len(seen) > 8  # the whole W1 tree and the open work


def test_a_page_refuses_a_bad_limit_or_a_foreign_cursor(
    stores: TenantStores[ServiceDesk], read_store: ReadStore, seeded: Seeded
) -> None:
    tenant, _, _, _ = _queue(stores, read_store, seeded)
    for limit in (0, queries.MAX_PAGE_SIZE + 1):
        with pytest.raises(ValueError, match="limit"):
            queries.open_calls(read_store, tenant.slug, limit=limit)
    cursor = queries.open_calls(read_store, tenant.slug, limit=1).next_cursor
    assert cursor is not None
    with pytest.raises(InvalidCursorError):
        queries.open_calls(read_store, tenant.slug, after=cursor, order=QueueOrder.UPDATED)
    with pytest.raises(InvalidCursorError):
        queries.open_calls(read_store, tenant.slug, after="not-a-cursor")


def test_closed_and_aborted_calls_leave_the_queue(
    stores: TenantStores[ServiceDesk], read_store: ReadStore, seeded: Seeded
) -> None:
    tenant, desk, work, feed = _queue(stores, read_store, seeded)
    drive_operate(desk, work.submitted, "access", "issue the badge")
    desk.run(AbortCall(call_id=work.assessed, reason="the uplink was doubled meanwhile"))
    feed.catch_up(tenant.slug)
    open_ids = set(_ids(queries.open_calls(read_store, tenant.slug)))
    assert open_ids == work.open() - {work.submitted, work.assessed}
    every = queries.open_calls(read_store, tenant.slug, include_closed=True, limit=500).calls
    ended = {UUID(c.call_id): (c.status, c.is_open) for c in every}
    assert ended[work.submitted] == ("closed", False)
    assert ended[work.assessed] == ("aborted", False)


def test_counts_give_open_calls_per_process_and_status(
    stores: TenantStores[ServiceDesk], read_store: ReadStore, seeded: Seeded
) -> None:
    tenant, _, _, _ = _queue(stores, read_store, seeded)
    counts = {(c.process, c.status): c.calls for c in queries.queue_counts(read_store, tenant.slug)}
    assert counts == {
        ("change", "awaiting child"): 1,
        ("improve", "known error"): 1,
        ("operate", "in progress"): 1,
        ("operate", "submitted"): 1,
        ("recover", "classified"): 1,
        ("recover", "in progress"): 1,
    }


def test_a_rebuild_gives_the_rows_the_live_feed_built(
    stores: TenantStores[ServiceDesk], read_store: ReadStore, seeded: Seeded
) -> None:
    tenant, desk = seeded()
    projector = Projector(read_store, [CallQueueReadModel()])
    feed = LogFeed(stores, projector)
    feed.catch_up(tenant.slug)
    agree_first_service(desk, tenant)
    feed.catch_up(tenant.slug)
    work = open_work(desk, tenant)
    feed.catch_up(tenant.slug)
    drive_operate(desk, work.submitted, "access", "issue the badge")
    feed.catch_up(tenant.slug)
    drive_reactive(desk, tenant)
    feed.catch_up(tenant.slug)
    live = dump(read_store, CallQueueReadModel.tables)
    report = rebuild(stores, projector, tenant=tenant.slug)
    assert report.events == desk.app.recorder.max_notification_id()
    assert dump(read_store, CallQueueReadModel.tables) == live
    assert len(live["rm_call_queue_calls"]) == 18  # W1 tree, open work, W2-W5 trees
    assert dead_letters(read_store) == []
