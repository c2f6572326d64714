"""Drive calls through their processes with realistic commands (demo, tests, benchmarks).

Each ``drive_*`` function runs one process segment of a USM workflow path; the
``run_w*`` functions compose them into the eight workflows exactly as the paths read.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID, uuid4

from domain.calls import CalendarSection, Evaluation, RecoveryRoute
from domain.commands import (
    AcceptCall,
    AnalyzeIncident,
    AssessRisk,
    ClassifyCall,
    CloseCall,
    DetermineCause,
    DraftOffer,
    EvaluateCall,
    ExecuteActivities,
    ForkCall,
    PlanActivities,
    PlanChange,
    PrepareChange,
    PrepareRecovery,
    PutAgreementsInForce,
    ReachAgreement,
    RecordNegotiationRound,
    SelectMeasure,
    SpecifyService,
    SubmitCall,
    TestAndRelease,
    UpdateMir,
    VerifyWithRequester,
)
from domain.patterns import CallType, Effect, Impact, Likelihood, Process, RiskKind, Urgency
from domain.shared import CommandContext
from domain.workflow import AgreementDraft, MirOperation
from tenants.receipts import CommandResult
from tenants.service_desk import ServiceDesk


@dataclass
class Desk:
    """A tenant's service desk at work: one actor, a business clock that moves per action."""

    app: ServiceDesk
    now: datetime
    actor: str = "coordinator"
    step: timedelta = timedelta(minutes=7)
    correlation_id: UUID = field(default_factory=uuid4)

    def run(self, command: object) -> CommandResult:
        self.now += self.step
        context = CommandContext(self.actor, self.now, self.correlation_id, uuid4())
        return self.app.execute(command, context)

    def child_of(self, parent_id: UUID) -> UUID:
        """The most recently forked child of a call."""
        return list(self.app.call(parent_id).children)[-1]

    def new_workflow(self) -> None:
        self.correlation_id = uuid4()


def submit(
    desk: Desk,
    call_type: CallType,
    summary: str,
    requester: str,
    customer: str,
    service_ids: list[UUID],
) -> UUID:
    desk.new_workflow()
    return desk.run(
        SubmitCall(
            call_type=call_type,
            summary=summary,
            requester=requester,
            customer=customer,
            service_ids=service_ids,
        )
    ).aggregate_id


def intake(
    desk: Desk,
    call_id: UUID,
    category: str,
    impact: Impact = Impact.MEDIUM,
    urgency: Urgency = Urgency.MEDIUM,
) -> None:
    desk.run(AcceptCall(call_id=call_id))
    desk.run(ClassifyCall(call_id=call_id, category=category, impact=impact, urgency=urgency))


def review_and_close(desk: Desk, call_id: UUID, evaluation: Evaluation | None = None) -> None:
    desk.run(VerifyWithRequester(call_id=call_id, agreed=True, feedback="delivered as agreed"))
    close_evaluated(desk, call_id, evaluation)


def close_evaluated(desk: Desk, call_id: UUID, evaluation: Evaluation | None = None) -> None:
    desk.run(EvaluateCall(call_id=call_id, evaluation=evaluation or Evaluation(True, True, "none")))
    desk.run(CloseCall(call_id=call_id))


def plan_operate(desk: Desk, request_id: UUID, category: str, work: str) -> None:
    """OPERATE(1-3): accept, classify, plan the work; the activities are then under way."""
    intake(desk, request_id, category)
    desk.run(
        PlanActivities(
            call_id=request_id,
            section=CalendarSection.DYNAMIC,
            planned_for=desk.now + timedelta(hours=2),
            activities=[work],
        )
    )


def drive_operate(desk: Desk, request_id: UUID, category: str, work: str) -> None:
    """OPERATE(1-6): the whole service request, from acceptance to closure."""
    plan_operate(desk, request_id, category, work)
    desk.run(ExecuteActivities(call_id=request_id, result=f"{work}: done as planned"))
    review_and_close(desk, request_id)


def drive_change(desk: Desk, change_id: UUID, category: str, mir: Sequence[MirOperation]) -> None:
    """CHANGE(1-6) > OPERATE(1-6) > CHANGE(7-9): plan, deploy via Operate, update the MIR."""
    intake(desk, change_id, category)
    desk.run(
        PlanChange(
            call_id=change_id,
            change_category="normal",
            change_plan="impact analysed; agreed with the people involved",
            scheduled_start=desk.now + timedelta(days=1),
            scheduled_end=desk.now + timedelta(days=1, hours=2),
        )
    )
    desk.run(
        PrepareChange(
            call_id=change_id,
            test_plan="PAT and UAT",
            deployment_plan="deploy in the change window",
            continuity_plan_updated=True,
        )
    )
    desk.run(
        TestAndRelease(
            call_id=change_id,
            test_report="all tests passed",
            approved=True,
            approver="change-approver",
        )
    )
    desk.run(ForkCall(call_id=change_id, target=Process.OPERATE))
    drive_operate(desk, desk.child_of(change_id), category, "deploy to production")
    desk.run(VerifyWithRequester(call_id=change_id, agreed=True))
    desk.run(UpdateMir(call_id=change_id, operations=list(mir)))
    close_evaluated(desk, change_id)


def drive_agree(
    desk: Desk,
    wish_id: UUID,
    offer: list[AgreementDraft],
    teams: list[str],
    mir: Sequence[MirOperation],
) -> None:
    """AGREE(1-6) > [change path] > AGREE(7-8): specify, offer, agree, realize, in force."""
    intake(desk, wish_id, "service delivery")
    desk.run(
        SpecifyService(
            call_id=wish_id,
            functional_design="the facility and support asked",
            technical_design="contributions of the solution teams",
            solution_teams=teams,
            cost=12_000,
        )
    )
    desk.run(DraftOffer(call_id=wish_id, agreements=offer))
    desk.run(RecordNegotiationRound(call_id=wish_id, note="targets adjusted"))
    desk.run(ReachAgreement(call_id=wish_id))
    desk.run(ForkCall(call_id=wish_id, target=Process.CHANGE))
    drive_change(desk, desk.child_of(wish_id), "service delivery", mir)
    desk.run(PutAgreementsInForce(call_id=wish_id))
    review_and_close(desk, wish_id)


def drive_recover(
    desk: Desk,
    incident_id: UUID,
    category: str,
    route: RecoveryRoute,
    affected: list[UUID],
    recovery: Callable[[UUID], None],
) -> None:
    """RECOVER(1-5) > [recovery via Change or Operate] > RECOVER(6-7)."""
    intake(desk, incident_id, category, Impact.HIGH, Urgency.HIGH)
    desk.run(AnalyzeIncident(call_id=incident_id, solution="cause isolated", workaround=False))
    desk.run(PrepareRecovery(call_id=incident_id, route=route, affected_mic_ids=affected))
    target = Process.OPERATE if route is RecoveryRoute.OPERATE else Process.CHANGE
    desk.run(ForkCall(call_id=incident_id, target=target))
    recovery(desk.child_of(incident_id))
    review_and_close(desk, incident_id)


def drive_improve(
    desk: Desk, risk_id: UUID, target: Process, measure: Callable[[UUID], None]
) -> None:
    """IMPROVE(1-5) > [measure via Agree, Change or Operate] > IMPROVE(6-7)."""
    desk.run(AcceptCall(call_id=risk_id))
    desk.run(
        AssessRisk(
            call_id=risk_id,
            category="security",
            kind=RiskKind.THREAT,
            effect=Effect.MAJOR,
            likelihood=Likelihood.POSSIBLE,
            business_impact="service interruption for citizens",
        )
    )
    desk.run(DetermineCause(call_id=risk_id, root_cause="single point of failure"))
    desk.run(
        SelectMeasure(
            call_id=risk_id,
            measure="remove the single point of failure",
            business_case="lower outage cost",
            expected_residual_risk="low",
            target=target,
        )
    )
    desk.run(ForkCall(call_id=risk_id, target=target))
    measure(desk.child_of(risk_id))
    review_and_close(desk, risk_id, Evaluation(True, True, "measure worked", residual_risk="low"))
