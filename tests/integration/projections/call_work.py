"""Open work at a demo tenant's desk, and table dumps, for the call read-model tests."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from domain.calls import CALL_CLASSES, CalendarSection, Evaluation, LinkKind, MonitoringSignal
from domain.commands import (
    AbortCall,
    AcceptCall,
    AnalyzeIncident,
    AssessRisk,
    DetermineCause,
    DraftOffer,
    ExecuteActivities,
    FailNegotiation,
    ForkCall,
    LinkCall,
    LogMonitoringEvent,
    PlanActivities,
    PlanChange,
    PrepareChange,
    SpecifyService,
    TestAndRelease,
    VerifyWithRequester,
)
from domain.patterns import CallType, Effect, Impact, Likelihood, Process, RiskKind, Urgency
from gateway.demo.deployment import DemoTenant
from gateway.demo.driver import Desk, drive_operate, intake, review_and_close, submit
from gateway.demo.scenario import agree_first_service, make_offer, service_id
from projections.feed import LogFeed
from projections.projector import Projector
from projections.read_model import ReadModel
from projections.storage import ReadStore
from tenants.runtime import TenantStores
from tenants.service_desk import ServiceDesk


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


def fed_open_work(
    stores: TenantStores[ServiceDesk],
    read_store: ReadStore,
    seeded: Callable[[], tuple[DemoTenant, Desk]],
    read_model: ReadModel,
) -> tuple[DemoTenant, Desk, OpenWork, LogFeed]:
    """A seeded tenant with an SA in force and open work in every process, fed to
    ``read_model``; the feed is returned to catch up again later."""
    tenant, desk = seeded()
    agree_first_service(desk, tenant)
    work = open_work(desk, tenant)
    feed = LogFeed(stores, Projector(read_store, [read_model]))
    feed.catch_up(tenant.slug)
    return tenant, desk, work, feed


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


@dataclass(frozen=True)
class RoughPaths:
    """Calls that took the detours the demo never takes."""

    change: UUID  # rejected at test, its first deployment aborted, then sent back at review
    wish: UUID  # negotiation failed: no agreement
    request: UUID  # a failure seen while executing raised ``raised``
    raised: UUID  # an incident raised from monitoring, linked to the request
    unlinked: UUID  # submitted without a service, linked to one afterwards
    evaluated: UUID  # closed with an improvement, which raised ``improvement``
    improvement: UUID


def rough_paths(desk: Desk, tenant: DemoTenant) -> RoughPaths:
    """Drive the detours; the tenant's first service must be agreed already."""
    first = service_id(tenant.slug, tenant.services[0].code)
    customer = tenant.customer
    change = submit(desk, CallType.RFC, "Replace the router", "key-user", customer, [first])
    _detoured_change(desk, change)
    wish = submit(desk, CallType.WISH, "Faster links", "customer-contact", customer, [first])
    _failed_negotiation(desk, tenant, wish)
    request = submit(desk, CallType.SERVICE_REQUEST, "Move a desk", "key-user", customer, [first])
    intake(desk, request, "access")
    desk.run(
        PlanActivities(
            call_id=request,
            section=CalendarSection.DYNAMIC,
            planned_for=desk.now,
            activities=["move the desk"],
        )
    )
    desk.run(
        LogMonitoringEvent(
            call_id=request, observation="switch port dead", signal=MonitoringSignal.FAILURE
        )
    )
    raised = _newest_call(desk, CallType.INCIDENT)
    unlinked = submit(desk, CallType.SERVICE_REQUEST, "A printer", "key-user", customer, [])
    desk.run(LinkCall(call_id=unlinked, kind=LinkKind.SERVICE, target_id=first))
    evaluated = submit(
        desk, CallType.SERVICE_REQUEST, "Reset a token", "key-user", customer, [first]
    )
    intake(desk, evaluated, "access")
    desk.run(
        PlanActivities(
            call_id=evaluated,
            section=CalendarSection.DYNAMIC,
            planned_for=desk.now,
            activities=["reset"],
        )
    )
    desk.run(ExecuteActivities(call_id=evaluated, result="reset"))
    review_and_close(desk, evaluated, Evaluation(True, True, "slow", improvements=("automate",)))
    improvement = desk.app.call(evaluated).improvement_risk_ids[0]
    return RoughPaths(change, wish, request, raised, unlinked, evaluated, improvement)


def _detoured_change(desk: Desk, change: UUID) -> None:
    intake(desk, change, "network")
    desk.run(
        PlanChange(
            call_id=change,
            change_category="normal",
            change_plan="swap the router",
            scheduled_start=desk.now + timedelta(days=1),
            scheduled_end=desk.now + timedelta(days=1, hours=1),
        )
    )
    prepare = PrepareChange(
        call_id=change, test_plan="ping", deployment_plan="swap", continuity_plan_updated=False
    )
    desk.run(prepare)
    desk.run(TestAndRelease(call_id=change, test_report="drops", approved=False, approver="cab"))
    desk.run(prepare)
    desk.run(TestAndRelease(call_id=change, test_report="ok", approved=True, approver="cab"))
    desk.run(ForkCall(call_id=change, target=Process.OPERATE))
    desk.run(AbortCall(call_id=desk.child_of(change), reason="wrong window"))
    desk.run(ForkCall(call_id=change, target=Process.OPERATE))
    drive_operate(desk, desk.child_of(change), "network", "swap the router")
    desk.run(VerifyWithRequester(call_id=change, agreed=False, feedback="still drops"))


def _failed_negotiation(desk: Desk, tenant: DemoTenant, wish: UUID) -> None:
    offer, teams = make_offer(tenant, "-faster")
    intake(desk, wish, "service delivery")
    desk.run(
        SpecifyService(
            call_id=wish,
            functional_design="faster links",
            technical_design="fibre",
            solution_teams=teams,
            cost=90_000,
        )
    )
    desk.run(DraftOffer(call_id=wish, agreements=offer))
    desk.run(FailNegotiation(call_id=wish, reason="too expensive"))


def _newest_call(desk: Desk, call_type: CallType) -> UUID:
    """The call most recently submitted of a type (from the tenant's log)."""
    for notification in reversed(desk.app.recorder.select_notifications(1, 100_000)):
        if notification.topic.endswith(f"{CALL_CLASSES[call_type].__name__}.Submitted"):
            return UUID(str(notification.originator_id))
    raise LookupError(f"no {call_type.value} was submitted")
