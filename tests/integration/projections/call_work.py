"""Open work at a demo tenant's desk, and table dumps, for the call read-model tests."""

from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from domain.calls import CalendarSection
from domain.commands import (
    AcceptCall,
    AnalyzeIncident,
    AssessRisk,
    DetermineCause,
    ForkCall,
    PlanActivities,
    PlanChange,
    PrepareChange,
    TestAndRelease,
)
from domain.patterns import CallType, Effect, Impact, Likelihood, Process, RiskKind, Urgency
from gateway.demo.deployment import DemoTenant
from gateway.demo.driver import Desk, intake, submit
from gateway.demo.scenario import service_id
from projections.storage import ReadStore


@dataclass(frozen=True)
class OpenWork:
    """Calls left at different points of their processes (all open but ``rejected``)."""

    submitted: UUID  # a service request nobody accepted yet
    classified: UUID  # an incident classified P1
    routed: UUID  # an incident analysed and routed to a solution team
    awaiting: UUID  # an RFC waiting for its Operate deployment
    deploying: UUID  # that deployment: a forked service request, planned
    assessed: UUID  # a risk whose root cause is known
    rejected: UUID  # an incident on a service the customer has no agreement for

    def open(self) -> set[UUID]:
        return {
            self.submitted,
            self.classified,
            self.routed,
            self.awaiting,
            self.deploying,
            self.assessed,
        }


ROUTED_TO = "platform"


def open_work(desk: Desk, tenant: DemoTenant) -> OpenWork:
    """Leave calls open at the desk; the tenant's first service must be agreed already."""
    first = service_id(tenant.slug, tenant.services[0].code)
    other = service_id(tenant.slug, tenant.services[1].code)
    customer = tenant.customer
    submitted = submit(desk, CallType.SERVICE_REQUEST, "New badge", "key-user", customer, [first])
    classified = submit(desk, CallType.INCIDENT, "Site offline", "key-user", customer, [first])
    intake(desk, classified, "network", Impact.HIGH, Urgency.HIGH)
    routed = submit(desk, CallType.INCIDENT, "Slow links", "key-user", customer, [first])
    intake(desk, routed, "network")
    desk.run(AnalyzeIncident(call_id=routed, solution="escalated", solution_team=ROUTED_TO))
    awaiting = submit(desk, CallType.RFC, "Open a new site", "key-user", customer, [first])
    deploying = _awaiting_deployment(desk, awaiting)
    assessed = submit(desk, CallType.RISK, "Single uplink", "wf-manager", customer, [first])
    _assess(desk, assessed)
    rejected = submit(desk, CallType.INCIDENT, "Mail down", "key-user", customer, [other])
    desk.run(AcceptCall(call_id=rejected))
    return OpenWork(submitted, classified, routed, awaiting, deploying, assessed, rejected)


def _awaiting_deployment(desk: Desk, change: UUID) -> UUID:
    intake(desk, change, "network")
    desk.run(
        PlanChange(
            call_id=change,
            change_category="normal",
            change_plan="new site links",
            scheduled_start=desk.now + timedelta(days=2),
            scheduled_end=desk.now + timedelta(days=2, hours=4),
        )
    )
    desk.run(
        PrepareChange(
            call_id=change,
            test_plan="link tests",
            deployment_plan="night window",
            continuity_plan_updated=False,
        )
    )
    desk.run(TestAndRelease(call_id=change, test_report="ok", approved=True, approver="cab"))
    desk.run(ForkCall(call_id=change, target=Process.OPERATE))
    deployment = desk.child_of(change)
    intake(desk, deployment, "network")
    desk.run(
        PlanActivities(
            call_id=deployment,
            section=CalendarSection.STATIC,
            planned_for=desk.now + timedelta(days=2),
            activities=["patch the new site in"],
        )
    )
    return deployment


def _assess(desk: Desk, risk: UUID) -> None:
    desk.run(AcceptCall(call_id=risk))
    desk.run(
        AssessRisk(
            call_id=risk,
            category="security",
            kind=RiskKind.THREAT,
            effect=Effect.MAJOR,
            likelihood=Likelihood.POSSIBLE,
            business_impact="sites cut off",
        )
    )
    desk.run(DetermineCause(call_id=risk, root_cause="one uplink per site"))


def dump(store: ReadStore, tables: tuple[str, ...]) -> dict[str, list[tuple[object, ...]]]:
    """Every row of these tables, in a fixed order (all columns, left to right)."""
    dumped: dict[str, list[tuple[object, ...]]] = {}
    with store.transaction() as tx:
        for table in tables:
            rows = tx.fetchall(f"SELECT * FROM {table}")
            dumped[table] = sorted(rows, key=lambda row: [str(value) for value in row])
    return dumped


def dead_letters(store: ReadStore) -> list[tuple[object, ...]]:
    with store.transaction() as tx:
        parked: list[tuple[object, ...]] = tx.fetchall(
            "SELECT source, position, error FROM projection_dead_letters"
        )
    return parked
