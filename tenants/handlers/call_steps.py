"""Handlers for the process-specific steps of wishes, changes, incidents, requests and risks."""

from typing import TYPE_CHECKING, Any

from domain.agreements import Agreement, AgreementTransitionError
from domain.calls import ChangeCall, IncidentCall, RiskCall, ServiceRequestCall, WishCall
from domain.commands import (
    AnalyzeIncident,
    AssessRisk,
    DetermineCause,
    DraftOffer,
    ExecuteActivities,
    FailNegotiation,
    PlanActivities,
    PlanChange,
    PrepareChange,
    PrepareRecovery,
    PutAgreementsInForce,
    ReachAgreement,
    RecordNegotiationRound,
    SelectMeasure,
    SpecifyService,
    TestAndRelease,
)
from domain.mir import ManagedInfrastructureComponent
from domain.shared import EventMeta
from domain.workflow import (
    catalog,
    draft_offer,
    fail_negotiation,
    put_in_force,
    reach_agreement,
    record_negotiation_round,
)
from tenants.handlers.common import load_call_of, with_parent

if TYPE_CHECKING:
    from tenants.service_desk import ServiceDesk


def assess_risk(desk: "ServiceDesk", cmd: AssessRisk, meta: EventMeta) -> list[Any]:
    risk = load_call_of(desk, cmd, RiskCall)
    risk.assess(
        meta,
        desk.organization().scheme,
        cmd.category,
        cmd.kind,
        cmd.effect,
        cmd.likelihood,
        cmd.business_impact,
    )
    return [risk]


def specify_service(desk: "ServiceDesk", cmd: SpecifyService, meta: EventMeta) -> list[Any]:
    wish = load_call_of(desk, cmd, WishCall)
    catalog.specify_service(
        wish,
        meta,
        desk.organization(),
        cmd.functional_design,
        cmd.technical_design,
        cmd.solution_teams,
        cmd.cost,
    )
    return [wish]


def draft_offer_handler(desk: "ServiceDesk", cmd: DraftOffer, meta: EventMeta) -> list[Any]:
    wish = load_call_of(desk, cmd, WishCall)
    agreements = draft_offer(wish, meta, cmd.agreements)
    taken = [agreement.code for agreement in agreements if desk.exists(agreement.id)]
    if taken:
        raise AgreementTransitionError(f"agreement codes already in use: {', '.join(taken)}")
    return [wish, *agreements]


def _offer(desk: "ServiceDesk", wish: WishCall) -> list[Agreement]:
    return desk.aggregates(wish.agreement_ids, Agreement, "agreement")


def negotiation_round(
    desk: "ServiceDesk", cmd: RecordNegotiationRound, meta: EventMeta
) -> list[Any]:
    wish = load_call_of(desk, cmd, WishCall)
    agreements = _offer(desk, wish)
    record_negotiation_round(wish, meta, agreements, cmd.note)
    return [wish, *agreements]


def reach_agreement_handler(desk: "ServiceDesk", cmd: ReachAgreement, meta: EventMeta) -> list[Any]:
    wish = load_call_of(desk, cmd, WishCall)
    agreements = _offer(desk, wish)
    reach_agreement(wish, meta, agreements, desk.organization())
    return [wish, *agreements]


def fail_negotiation_handler(
    desk: "ServiceDesk", cmd: FailNegotiation, meta: EventMeta
) -> list[Any]:
    wish = load_call_of(desk, cmd, WishCall)
    agreements = _offer(desk, wish)
    fail_negotiation(wish, meta, agreements, cmd.reason)
    return with_parent(desk, wish, meta, *agreements)


def put_in_force_handler(
    desk: "ServiceDesk", cmd: PutAgreementsInForce, meta: EventMeta
) -> list[Any]:
    wish = load_call_of(desk, cmd, WishCall)
    agreements = _offer(desk, wish)
    predecessor_ids = [a.supersedes for a in agreements if a.supersedes is not None]
    predecessors = desk.aggregates(predecessor_ids, Agreement, "agreement")
    put_in_force(wish, meta, agreements, predecessors)
    return [*agreements, *predecessors]


def plan_change(desk: "ServiceDesk", cmd: PlanChange, meta: EventMeta) -> list[Any]:
    change = load_call_of(desk, cmd, ChangeCall)
    change.plan(
        meta,
        cmd.change_category,
        cmd.change_plan,
        cmd.scheduled_start,
        cmd.scheduled_end,
        cmd.release,
    )
    return [change]


def prepare_change(desk: "ServiceDesk", cmd: PrepareChange, meta: EventMeta) -> list[Any]:
    change = load_call_of(desk, cmd, ChangeCall)
    change.prepare(meta, cmd.test_plan, cmd.deployment_plan, cmd.continuity_plan_updated)
    return [change]


def test_and_release(desk: "ServiceDesk", cmd: TestAndRelease, meta: EventMeta) -> list[Any]:
    change = load_call_of(desk, cmd, ChangeCall)
    change.test_and_release(meta, cmd.test_report, cmd.approved, cmd.approver)
    return [change]


def analyze_incident(desk: "ServiceDesk", cmd: AnalyzeIncident, meta: EventMeta) -> list[Any]:
    incident = load_call_of(desk, cmd, IncidentCall)
    incident.analyze(meta, cmd.solution, cmd.workaround, cmd.knowledge_ref, cmd.solution_team)
    return [incident]


def prepare_recovery(desk: "ServiceDesk", cmd: PrepareRecovery, meta: EventMeta) -> list[Any]:
    incident = load_call_of(desk, cmd, IncidentCall)
    registered = [mic_id for mic_id in cmd.affected_mic_ids if _is_live_mic(desk, mic_id)]
    incident.prepare_recovery(meta, cmd.route, registered)
    return [incident]


def _is_live_mic(desk: "ServiceDesk", mic_id: Any) -> bool:
    if not desk.exists(mic_id):
        return False
    mic = desk.load(mic_id, ManagedInfrastructureComponent, "MIR entry")
    return not mic.retired


def plan_activities(desk: "ServiceDesk", cmd: PlanActivities, meta: EventMeta) -> list[Any]:
    request = load_call_of(desk, cmd, ServiceRequestCall)
    request.plan_activities(meta, cmd.section, cmd.planned_for, cmd.activities)
    return [request]


def execute_activities(desk: "ServiceDesk", cmd: ExecuteActivities, meta: EventMeta) -> list[Any]:
    request = load_call_of(desk, cmd, ServiceRequestCall)
    request.execute_activities(meta, cmd.result)
    return [request]


def determine_cause(desk: "ServiceDesk", cmd: DetermineCause, meta: EventMeta) -> list[Any]:
    risk = load_call_of(desk, cmd, RiskCall)
    risk.determine_cause(meta, cmd.root_cause)
    return [risk]


def select_measure(desk: "ServiceDesk", cmd: SelectMeasure, meta: EventMeta) -> list[Any]:
    risk = load_call_of(desk, cmd, RiskCall)
    risk.select_measure(
        meta, cmd.measure, cmd.business_case, cmd.expected_residual_risk, cmd.target
    )
    return [risk]


CALL_STEP_HANDLERS: dict[type, Any] = {
    AssessRisk: assess_risk,
    SpecifyService: specify_service,
    DraftOffer: draft_offer_handler,
    RecordNegotiationRound: negotiation_round,
    ReachAgreement: reach_agreement_handler,
    FailNegotiation: fail_negotiation_handler,
    PutAgreementsInForce: put_in_force_handler,
    PlanChange: plan_change,
    PrepareChange: prepare_change,
    TestAndRelease: test_and_release,
    AnalyzeIncident: analyze_incident,
    PrepareRecovery: prepare_recovery,
    PlanActivities: plan_activities,
    ExecuteActivities: execute_activities,
    DetermineCause: determine_cause,
    SelectMeasure: select_measure,
}
