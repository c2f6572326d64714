"""Calls for the reporting tests, and what the calls themselves say the report must show.

Expected numbers come from the calls (each aggregate replayed from its own events by the
tenant's service desk), never from the read model under test.
"""

import statistics
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from uuid import UUID

from domain.calls import CalendarSection, LinkKind
from domain.commands import (
    AcceptCall,
    ExecuteActivities,
    LinkCall,
    PlanActivities,
    SubmitCall,
    VerifyWithRequester,
)
from domain.patterns import CallType, Status
from gateway.demo.deployment import TENANTS, DemoTenant
from gateway.demo.driver import Desk, drive_operate, intake, review_and_close, submit
from gateway.demo.scenario import agree_first_service, drive_proactive, drive_reactive, service_id

Seeded = Callable[..., tuple[DemoTenant, Desk]]
Bucket = tuple[str, str, str, str, str]  # tenant, service id, process, workflow, month


@dataclass
class Expected:
    opened: int = 0
    fulfilled: int = 0
    cycles: list[float] = field(default_factory=list)


def month(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m}"


def p90(values: list[float]) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=10, method="inclusive")[8]


def expected_buckets(tenant: str, desk: Desk) -> dict[Bucket, Expected]:
    """Per bucket, what the tenant's calls say: opened, fulfilled and closed (with cycles)."""
    buckets: dict[Bucket, Expected] = defaultdict(Expected)
    for call in desk.app.calls():
        workflow = call.workflow.value if call.workflow else "unresolved"
        for service in {str(s) for s in call.service_ids}:
            key = (tenant, service, call.process.value, workflow)
            buckets[(*key, month(call.submitted_at))].opened += 1
            if call.fulfilment is not None:
                buckets[(*key, month(call.fulfilled_at))].fulfilled += 1
            if call.status is Status.CLOSED:
                cycle = (call.closed_at - call.submitted_at).total_seconds()
                buckets[(*key, month(call.closed_at))].cycles.append(cycle)
    return dict(buckets)


def service_requests(desk: Desk, tenant: DemoTenant, count: int) -> list[UUID]:
    """W5 service requests, each with its own pace, so their cycle times all differ."""
    sid = service_id(tenant.slug, tenant.services[0].code)
    calls, pace = [], desk.step
    for index in range(count):
        desk.step = timedelta(minutes=5 + 11 * index)
        request = desk.run(
            SubmitCall(
                call_type=CallType.SERVICE_REQUEST,
                summary=f"Account for new colleague {index}",
                requester="key-user",
                customer=tenant.customer,
                service_ids=[sid],
            )
        ).aggregate_id
        drive_operate(desk, request, "access", "create the account")
        calls.append(request)
    desk.step = pace
    return calls


def busy_tenant(seeded: Seeded, template: DemoTenant = TENANTS[0]) -> tuple[DemoTenant, Desk]:
    """A tenant that ran all eight workflows, then service requests across a month's end
    (one naming both of the tenant's services), an open incident and a rejected one."""
    tenant, desk = seeded(template)
    agree_first_service(desk, tenant)
    drive_reactive(desk, tenant)
    drive_proactive(desk, tenant)
    desk.now = datetime(2026, 11, 30, 21, 0, tzinfo=UTC)
    service_requests(desk, tenant, 6)
    first, second = (service_id(tenant.slug, s.code) for s in tenant.services[:2])
    both = desk.run(
        SubmitCall(
            call_type=CallType.SERVICE_REQUEST,
            summary="Connect the new office",
            requester="key-user",
            customer=tenant.customer,
            service_ids=[first],
        )
    ).aggregate_id
    desk.run(LinkCall(call_id=both, kind=LinkKind.SERVICE, target_id=second))
    drive_operate(desk, both, "access", "connect the office")
    waiting = submit(
        desk, CallType.INCIDENT, "Printer offline", "key-user", tenant.customer, [first]
    )
    intake(desk, waiting, "application")  # still open, its workflow unresolved
    stranger = submit(desk, CallType.INCIDENT, "Slow site", "visitor", "party:unknown", [first])
    desk.run(AcceptCall(call_id=stranger))  # rejected: no agreement covers that customer
    return tenant, desk


def reworked_request(desk: Desk, tenant: DemoTenant) -> UUID:
    """A W5 service request the requester sends back for rework once, then closed."""
    request = desk.run(
        SubmitCall(
            call_type=CallType.SERVICE_REQUEST,
            summary="Restore a deleted mailbox",
            requester="key-user",
            customer=tenant.customer,
            service_ids=[service_id(tenant.slug, tenant.services[0].code)],
        )
    ).aggregate_id
    intake(desk, request, "access")
    desk.run(
        PlanActivities(
            call_id=request,
            section=CalendarSection.DYNAMIC,
            planned_for=desk.now + timedelta(hours=1),
            activities=["restore the mailbox"],
        )
    )
    desk.run(ExecuteActivities(call_id=request, result="restored part of it"))
    desk.run(VerifyWithRequester(call_id=request, agreed=False, feedback="still missing"))
    desk.run(ExecuteActivities(call_id=request, result="restored the rest"))
    review_and_close(desk, request)
    return request
