"""Cross-organization reporting on both backends, fed from calls the demo driver ran."""

import statistics
from datetime import UTC, datetime
from typing import Any

import pytest

from domain.commands import SetReportingConsent, SubmitCall
from domain.patterns import CallType, Status
from gateway.demo.deployment import TENANTS
from gateway.demo.driver import Desk, drive_operate
from gateway.demo.scenario import agree_first_service, drive_proactive, drive_reactive, service_id
from projections.feed import LogFeed, rebuild
from projections.projector import Projector
from projections.read_models.reporting.model import ReportingReadModel
from projections.read_models.reporting.queries import ReportRow, consenting_tenants, report
from projections.storage import ReadStore, Row
from tenants.runtime import TenantStores
from tenants.service_desk import ServiceDesk
from tests.integration.projections.reporting_calls import (
    Bucket,
    Seeded,
    busy_tenant,
    expected_buckets,
    p90,
    reworked_request,
    service_requests,
)


def _bucket(row: ReportRow) -> Bucket:
    return (row.tenant, row.service_id, row.process, row.workflow, row.month)


def _project(stores: TenantStores[ServiceDesk], projector: Projector, *slugs: str) -> None:
    feed = LogFeed(stores, projector)
    for slug in slugs:
        assert feed.catch_up(slug).parked == 0
    assert _dead_letters(projector.store) == []


def _projector(read_store: ReadStore) -> Projector:
    return Projector(read_store, [ReportingReadModel()])


def _dead_letters(store: ReadStore) -> list[Row]:
    with store.transaction() as tx:
        rows: list[Row] = tx.fetchall("SELECT source, position, error FROM projection_dead_letters")
    return rows


def _dump(store: ReadStore) -> dict[str, list[tuple[Any, ...]]]:
    """Every column of every reporting table, rows sorted."""
    with store.transaction() as tx:
        return {
            table: sorted(tx.fetchall(f"SELECT * FROM {table}"), key=repr)
            for table in ReportingReadModel.tables
        }


def _consent(desk: Desk, consent: bool = True) -> None:
    desk.run(SetReportingConsent(consent=consent))


def test_counts_and_cycle_times_per_bucket_are_those_of_the_calls(
    stores: TenantStores[ServiceDesk], read_store: ReadStore, seeded: Seeded
) -> None:
    tenant, desk = busy_tenant(seeded)
    _consent(desk)
    _project(stores, _projector(read_store), tenant.slug)

    rows = report(read_store, threshold=1)
    expected = expected_buckets(tenant.slug, desk)
    assert {_bucket(r) for r in rows} == set(expected)
    assert {r.month for r in rows} == {"2026-11", "2026-12"}
    assert [(r.process, r.opened, r.closed) for r in rows if r.workflow == "unresolved"] == [
        ("recover", 2, 0)
    ]
    codes = {str(service_id(tenant.slug, s.code)): s.code for s in tenant.services}
    assert {r.service_code for r in rows} == set(codes.values())
    for row in rows:
        wanted = expected[_bucket(row)]
        cycles = wanted.cycles
        assert (row.opened, row.fulfilled, row.closed, row.reworks) == (
            wanted.opened,
            wanted.fulfilled,
            len(cycles),
            0,
        )
        assert row.median_cycle_seconds == (
            pytest.approx(statistics.median(cycles)) if cycles else None
        )
        assert row.p90_cycle_seconds == (pytest.approx(p90(cycles)) if cycles else None)
        assert row.service_code == codes[row.service_id]


def test_filters_pick_buckets_out_of_the_whole_report(
    stores: TenantStores[ServiceDesk], read_store: ReadStore, seeded: Seeded
) -> None:
    tenant, desk = busy_tenant(seeded)
    _consent(desk)
    _project(stores, _projector(read_store), tenant.slug)

    everything = report(read_store, threshold=1)
    december = report(read_store, month="2026-12", threshold=1)
    assert december == [r for r in everything if r.month == "2026-12"]
    assert december
    w3 = report(read_store, process="recover", workflow="W3", tenant=tenant.slug, threshold=1)
    assert [(r.process, r.workflow, r.opened) for r in w3] == [("recover", "W3", 1)]
    assert report(read_store, tenant="nobody", threshold=1) == []
    with pytest.raises(ValueError, match="year-month"):
        report(read_store, month="2026-13")
    with pytest.raises(ValueError, match="Process"):
        report(read_store, process="repair")
    with pytest.raises(ValueError, match="WorkflowType"):
        report(read_store, workflow="W9")


def test_small_counts_are_suppressed_below_a_configurable_threshold(
    stores: TenantStores[ServiceDesk], read_store: ReadStore, seeded: Seeded
) -> None:
    tenant, desk = seeded()
    agree_first_service(desk, tenant)
    requests = service_requests(desk, tenant, 5)
    _consent(desk)
    _project(stores, _projector(read_store), tenant.slug)

    rows = {(r.process, r.workflow): r for r in report(read_store)}
    operate = rows[("operate", "W5")]
    assert (operate.opened, operate.fulfilled, operate.closed, operate.reworks) == (5, 5, 5, 0)
    cycles = [
        (desk.app.call(c).closed_at - desk.app.call(c).submitted_at).total_seconds()
        for c in requests
    ]
    assert operate.median_cycle_seconds == pytest.approx(statistics.median(cycles))
    assert operate.p90_cycle_seconds == pytest.approx(p90(cycles))
    agree = rows[("agree", "W1")]  # one wish
    assert (agree.opened, agree.fulfilled, agree.closed) == (None, None, None)
    assert (agree.median_cycle_seconds, agree.p90_cycle_seconds) == (None, None)

    stricter = {(r.process, r.workflow): r for r in report(read_store, threshold=6)}
    assert stricter[("operate", "W5")].opened is None
    assert stricter[("operate", "W5")].median_cycle_seconds is None
    unsuppressed = {(r.process, r.workflow): r for r in report(read_store, threshold=1)}
    assert (unsuppressed[("agree", "W1")].opened, unsuppressed[("agree", "W1")].closed) == (1, 1)
    assert unsuppressed[("agree", "W1")].median_cycle_seconds is not None
    with pytest.raises(ValueError, match="threshold"):
        report(read_store, threshold=0)


def test_a_tenant_that_did_not_consent_is_not_in_the_report(
    stores: TenantStores[ServiceDesk], read_store: ReadStore, seeded: Seeded
) -> None:
    consenting, desk = seeded(TENANTS[0])
    silent, other_desk = seeded(TENANTS[2])
    for tenant, each in ((consenting, desk), (silent, other_desk)):
        agree_first_service(each, tenant)
        drive_reactive(each, tenant)
    _consent(desk)
    _project(stores, _projector(read_store), consenting.slug, silent.slug)

    assert consenting_tenants(read_store) == [consenting.slug]
    rows = report(read_store, threshold=1)
    assert {r.tenant for r in rows} == {consenting.slug}
    assert report(read_store, tenant=silent.slug, threshold=1) == []
    assert sum(r.opened or 0 for r in rows) == sum(
        e.opened for e in expected_buckets(consenting.slug, desk).values()
    )


def test_consent_given_later_includes_the_earlier_calls(
    stores: TenantStores[ServiceDesk], read_store: ReadStore, seeded: Seeded
) -> None:
    tenant, desk = seeded()
    agree_first_service(desk, tenant)
    drive_reactive(desk, tenant)
    projector = _projector(read_store)
    _project(stores, projector, tenant.slug)
    assert report(read_store, threshold=1) == []

    _consent(desk)
    _project(stores, projector, tenant.slug)
    rows = report(read_store, threshold=1)
    expected = expected_buckets(tenant.slug, desk)
    assert {_bucket(r): r.opened for r in rows} == {b: e.opened for b, e in expected.items()}
    assert consenting_tenants(read_store) == [tenant.slug]


def test_withdrawn_consent_excludes_the_tenant_at_once(
    stores: TenantStores[ServiceDesk], read_store: ReadStore, seeded: Seeded
) -> None:
    tenant, desk = seeded()
    _consent(desk)
    agree_first_service(desk, tenant)
    projector = _projector(read_store)
    _project(stores, projector, tenant.slug)
    assert report(read_store, threshold=1) != []

    _consent(desk, False)
    _project(stores, projector, tenant.slug)
    assert report(read_store, threshold=1) == []
    assert consenting_tenants(read_store) == []


def test_rework_counts_in_the_month_the_requester_disagreed(
    stores: TenantStores[ServiceDesk], read_store: ReadStore, seeded: Seeded
) -> None:
    tenant, desk = seeded()
    _consent(desk)
    agree_first_service(desk, tenant)
    desk.now = datetime(2026, 11, 30, 23, 40, tzinfo=UTC)
    [request] = service_requests(desk, tenant, 1)  # opened in November, closed in December
    desk.now = datetime(2026, 12, 31, 23, 50, tzinfo=UTC)
    reworked = reworked_request(desk, tenant)  # sent back for rework in January
    _project(stores, _projector(read_store), tenant.slug)

    assert desk.app.call(reworked).rework_count == 1
    rows = report(read_store, process="operate", workflow="W5", threshold=1)
    reworks = {r.month: r.reworks for r in rows}
    assert reworks == {"2026-11": 0, "2026-12": 0, "2027-01": 1}
    assert desk.app.call(request).status is Status.CLOSED


def test_no_personal_data_or_free_text_is_stored(
    stores: TenantStores[ServiceDesk], read_store: ReadStore, seeded: Seeded
) -> None:
    tenant, desk = busy_tenant(seeded)
    sid = service_id(tenant.slug, tenant.services[0].code)
    private = desk.run(
        SubmitCall(
            call_type=CallType.SERVICE_REQUEST,
            summary="Reset the password of Maria Jansen-Visser",
            description="She called from +31 6 1234 5678 about patient 123456782",
            requester="maria.jansen-visser",
            customer=tenant.customer,
            service_ids=[sid],
        )
    ).aggregate_id
    drive_operate(desk, private, "access", "reset the password")
    _consent(desk)
    _project(stores, _projector(read_store), tenant.slug)

    personal = set()
    for call in desk.app.calls():
        personal |= {call.requester, call.customer, call.summary, call.tracking_number}
        personal |= {str(call.id), call.id.hex}
        if call.description:
            personal.add(call.description)
    cells = [str(v) for rows in _dump(read_store).values() for row in rows for v in row]
    assert len(cells) > 100
    with read_store.transaction() as tx:
        closed = tx.fetchall(
            "SELECT submitted_at FROM rm_reporting_calls WHERE closed_month IS NOT NULL"
        )
    assert closed and {at for (at,) in closed} == {None}  # only months remain once closed
    leaked = {value for value in personal for cell in cells if value and value in cell}
    assert leaked == set()


def test_a_rebuild_gives_the_rows_the_live_feed_built(
    stores: TenantStores[ServiceDesk], read_store: ReadStore, seeded: Seeded
) -> None:
    tenant, desk = seeded()
    other, other_desk = seeded(TENANTS[3])
    projector = _projector(read_store)
    agree_first_service(desk, tenant)
    _project(stores, projector, tenant.slug)  # live: fed a little at a time
    _consent(desk)
    agree_first_service(other_desk, other)
    _consent(other_desk)
    drive_reactive(desk, tenant)
    _project(stores, projector, tenant.slug, other.slug)
    drive_proactive(desk, tenant)
    service_requests(other_desk, other, 2)
    _project(stores, projector, tenant.slug, other.slug)
    live, live_report = _dump(read_store), report(read_store, threshold=1)

    rebuild(stores, projector, tenant=tenant.slug)
    assert _dump(read_store) == live
    rebuild(stores, projector, tenant=other.slug)
    assert _dump(read_store) == live
    assert report(read_store, threshold=1) == live_report
    assert {_bucket(r) for r in live_report} == {
        *expected_buckets(tenant.slug, desk),
        *expected_buckets(other.slug, other_desk),
    }
    assert _dead_letters(read_store) == []
