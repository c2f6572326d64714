"""The call queue by requester and customer: each row says who asked and for whom, a
requester sees exactly their calls, newest first, and an older table gains the columns."""

from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

import pytest

from domain.patterns import CallType
from gateway.demo.deployment import DemoTenant
from gateway.demo.driver import Desk, submit
from gateway.demo.scenario import agree_first_service, drive_reactive, service_id
from projections.envelope import EventEnvelope
from projections.feed import LogFeed, rebuild
from projections.projector import Projector
from projections.read_model import ReadModel
from projections.read_models.call_queue import queries
from projections.read_models.call_queue.model import CALLS, INTAKE_COLUMNS, CallQueueReadModel
from projections.read_models.call_queue.queries import InvalidCursorError, QueueOrder
from projections.storage import ReadStore, Tx
from tenants.runtime import TenantStores
from tenants.service_desk import ServiceDesk
from tests.integration.projections.call_checks import dead_letters
from tests.integration.projections.call_work import open_work

Seeded = Callable[[], tuple[DemoTenant, Desk]]
WALK_IN, OTHER_CUSTOMER = "walk-in", "other-customer"


class _OneByOne(CallQueueReadModel):
    """The same model without its batch path."""

    def apply_many(self, tx: Tx, items: Sequence[tuple[EventEnvelope, Any]]) -> None:
        ReadModel.apply_many(self, tx, items)


def _desk_with_calls(seeded: Seeded) -> tuple[DemoTenant, Desk, UUID]:
    tenant, desk = seeded()
    agree_first_service(desk, tenant)
    open_work(desk, tenant)
    drive_reactive(desk, tenant)
    first = service_id(tenant.slug, tenant.services[0].code)
    walk_in = submit(
        desk, CallType.SERVICE_REQUEST, "A loan laptop", WALK_IN, OTHER_CUSTOMER, [first]
    )
    return tenant, desk, walk_in


def _everything(store: ReadStore, tenant: str, **filters: Any) -> list[queries.QueuedCall]:
    return queries.open_calls(store, tenant, include_closed=True, limit=500, **filters).calls


@pytest.mark.parametrize("model", [CallQueueReadModel, _OneByOne], ids=["batch", "one_by_one"])
def test_each_row_names_the_requester_and_customer_of_its_call(
    stores: TenantStores[ServiceDesk],
    read_store: ReadStore,
    seeded: Seeded,
    model: type[CallQueueReadModel],
) -> None:
    tenant, desk, walk_in = _desk_with_calls(seeded)
    LogFeed(stores, Projector(read_store, [model()])).catch_up(tenant.slug)
    every = _everything(read_store, tenant.slug)
    assert len(every) > 15
    for row in every:
        call = desk.app.call(UUID(row.call_id))
        assert (row.requester, row.customer) == (call.requester, call.customer)
    assert {row.requester for row in every} >= {"key-user", "wf-manager", WALK_IN}
    [only] = _everything(read_store, tenant.slug, requester=WALK_IN)
    assert (UUID(only.call_id), only.customer) == (walk_in, OTHER_CUSTOMER)
    assert dead_letters(read_store) == []


def test_a_requester_sees_exactly_their_calls_and_filters_still_combine(
    stores: TenantStores[ServiceDesk], read_store: ReadStore, seeded: Seeded
) -> None:
    tenant, desk, walk_in = _desk_with_calls(seeded)
    LogFeed(stores, Projector(read_store, [CallQueueReadModel()])).catch_up(tenant.slug)
    every = _everything(read_store, tenant.slug)
    for requester in {row.requester for row in every}:
        theirs = {row.call_id for row in every if row.requester == requester}
        found = _everything(read_store, tenant.slug, requester=requester)
        assert {row.call_id for row in found} == theirs
        open_only = queries.open_calls(read_store, tenant.slug, requester=requester, limit=500)
        assert {row.call_id for row in open_only.calls} == {
            row.call_id for row in found if row.is_open
        }
    risks = _everything(read_store, tenant.slug, requester="wf-manager", process="improve")
    assert risks and all(row.call_type == "risk" for row in risks)
    assert _everything(read_store, tenant.slug, requester="wf-manager", process="recover") == []
    assert _everything(read_store, tenant.slug, requester="nobody") == []
    others = _everything(read_store, tenant.slug, customer=OTHER_CUSTOMER)
    assert [UUID(row.call_id) for row in others] == [walk_in]
    assert _everything(read_store, tenant.slug, customer=OTHER_CUSTOMER, requester="key-user") == []
    mine = _everything(read_store, tenant.slug, customer=tenant.customer)
    assert len(mine) == len(every) - 1
    assert _everything(read_store, "another-tenant", requester="key-user") == []
    assert desk.app.call(walk_in).requester == WALK_IN


@pytest.mark.parametrize("order", list(QueueOrder))
def test_newest_first_pages_run_backwards_without_repeating_or_skipping(
    stores: TenantStores[ServiceDesk], read_store: ReadStore, seeded: Seeded, order: QueueOrder
) -> None:
    tenant, _, _ = _desk_with_calls(seeded)
    LogFeed(stores, Projector(read_store, [CallQueueReadModel()])).catch_up(tenant.slug)
    filters: dict[str, Any] = {"requester": "key-user", "include_closed": True, "order": order}
    oldest_first = queries.open_calls(read_store, tenant.slug, limit=500, **filters).calls
    assert len(oldest_first) > 5
    seen: list[str] = []
    cursor: str | None = None
    while True:
        page = queries.open_calls(
            read_store, tenant.slug, limit=2, after=cursor, newest_first=True, **filters
        )
        seen.extend(row.call_id for row in page.calls)
        if page.next_cursor is None:
            break
        assert len(page.calls) == 2
        cursor = page.next_cursor
    assert seen == [row.call_id for row in reversed(oldest_first)]
    assert cursor is not None
    with pytest.raises(InvalidCursorError):
        queries.open_calls(read_store, tenant.slug, after=cursor, **filters)


def test_a_requesters_page_reads_the_requester_index(
    stores: TenantStores[ServiceDesk], read_store: ReadStore, seeded: Seeded
) -> None:
    tenant, _, _ = _desk_with_calls(seeded)
    LogFeed(stores, Projector(read_store, [CallQueueReadModel()])).catch_up(tenant.slug)
    query = (
        f"SELECT call_id FROM {CALLS} WHERE tenant = %s AND requester = %s AND is_open = 1"
        " ORDER BY submitted_at DESC, call_id DESC LIMIT 51"
    )
    with read_store.transaction() as tx:
        if tx.dialect == "postgres":
            # Tables this small are scanned whole; the question is which index fits.
            tx.execute("SET LOCAL enable_seqscan = off")
            tx.execute("SET LOCAL enable_sort = off")
        explain = "EXPLAIN QUERY PLAN " if tx.dialect == "sqlite" else "EXPLAIN "
        plan = " ".join(str(row) for row in tx.fetchall(explain + query, (tenant.slug, "x")))
    assert f"{CALLS}_by_requester" in plan
    assert "TEMP B-TREE" not in plan.upper()  # SQLite: no sort of its own


def test_a_calls_table_from_before_requesters_gains_the_columns_and_a_rebuild_fills_them(
    stores: TenantStores[ServiceDesk], read_store: ReadStore, seeded: Seeded
) -> None:
    tenant, desk, _ = _desk_with_calls(seeded)
    feed = LogFeed(stores, Projector(read_store, [CallQueueReadModel()]))
    feed.catch_up(tenant.slug)
    with read_store.transaction() as tx:  # back to the table as it was before requesters
        tx.execute(f"DROP INDEX {CALLS}_by_requester")
        for column in INTAKE_COLUMNS:
            tx.execute(f"ALTER TABLE {CALLS} DROP COLUMN {column}")
    projector = Projector(read_store, [CallQueueReadModel()])
    Projector(read_store, [CallQueueReadModel()])  # a second start changes nothing
    kept = _everything(read_store, tenant.slug)
    assert len(kept) > 15
    assert {(row.requester, row.customer) for row in kept} == {("", "")}
    first = service_id(tenant.slug, tenant.services[0].code)
    late = submit(desk, CallType.SERVICE_REQUEST, "A second screen", WALK_IN, "late", [first])
    LogFeed(stores, projector).catch_up(tenant.slug)
    [found] = _everything(read_store, tenant.slug, requester=WALK_IN)
    assert (UUID(found.call_id), found.customer) == (late, "late")
    rebuild(stores, projector, tenant=tenant.slug)
    rebuilt = _everything(read_store, tenant.slug)
    assert len(rebuilt) == len(kept) + 1
    for row in rebuilt:
        call = desk.app.call(UUID(row.call_id))
        assert (row.requester, row.customer) == (call.requester, call.customer)
    assert dead_letters(read_store) == []
