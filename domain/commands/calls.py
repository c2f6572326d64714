"""Commands on calls: intake, classification, the process steps, forks and closure.

Every command names its call by id and may carry the version the client last saw
(``expected_version``); a stale version is refused instead of silently overwritten.
"""

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from domain.calls import CalendarSection, Evaluation, LinkKind, MonitoringSignal, RecoveryRoute
from domain.patterns import CallType, Effect, Impact, Likelihood, Process, RiskKind, Urgency
from domain.workflow import AgreementDraft, MirOperation


@dataclass(frozen=True, kw_only=True)
class CallCommand:
    call_id: UUID
    expected_version: int | None = None


@dataclass(frozen=True, kw_only=True)
class SubmitCall:
    call_type: CallType
    summary: str
    requester: str
    customer: str
    service_ids: list[UUID]
    description: str = ""
    channel: str = "portal"
    mic_ids: list[UUID] = field(default_factory=list)
    tracking_number: str | None = None


@dataclass(frozen=True, kw_only=True)
class LinkCall(CallCommand):
    kind: LinkKind | str  # "service", "mic" or "call"; anything else is refused
    target_id: UUID


@dataclass(frozen=True, kw_only=True)
class AcceptCall(CallCommand):
    pass


@dataclass(frozen=True, kw_only=True)
class ClassifyCall(CallCommand):
    category: str
    impact: Impact
    urgency: Urgency


@dataclass(frozen=True, kw_only=True)
class AssessRisk(CallCommand):
    category: str
    kind: RiskKind
    effect: Effect
    likelihood: Likelihood
    business_impact: str


@dataclass(frozen=True, kw_only=True)
class SpecifyService(CallCommand):
    functional_design: str
    technical_design: str
    solution_teams: list[str]
    cost: int


@dataclass(frozen=True, kw_only=True)
class DraftOffer(CallCommand):
    agreements: list[AgreementDraft]


@dataclass(frozen=True, kw_only=True)
class RecordNegotiationRound(CallCommand):
    note: str


@dataclass(frozen=True, kw_only=True)
class ReachAgreement(CallCommand):
    pass


@dataclass(frozen=True, kw_only=True)
class FailNegotiation(CallCommand):
    reason: str


@dataclass(frozen=True, kw_only=True)
class PutAgreementsInForce(CallCommand):
    pass


@dataclass(frozen=True, kw_only=True)
class PlanChange(CallCommand):
    change_category: str
    change_plan: str
    scheduled_start: datetime
    scheduled_end: datetime
    release: str | None = None


@dataclass(frozen=True, kw_only=True)
class PrepareChange(CallCommand):
    test_plan: str
    deployment_plan: str
    continuity_plan_updated: bool


@dataclass(frozen=True, kw_only=True)
class TestAndRelease(CallCommand):
    test_report: str
    approved: bool
    approver: str


@dataclass(frozen=True, kw_only=True)
class UpdateMir(CallCommand):
    operations: list[MirOperation]


@dataclass(frozen=True, kw_only=True)
class AnalyzeIncident(CallCommand):
    solution: str
    workaround: bool = False
    knowledge_ref: str | None = None
    solution_team: str | None = None


@dataclass(frozen=True, kw_only=True)
class PrepareRecovery(CallCommand):
    route: RecoveryRoute
    affected_mic_ids: list[UUID] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class PlanActivities(CallCommand):
    section: CalendarSection
    planned_for: datetime
    activities: list[str]


@dataclass(frozen=True, kw_only=True)
class LogMonitoringEvent(CallCommand):
    observation: str
    signal: MonitoringSignal


@dataclass(frozen=True, kw_only=True)
class ExecuteActivities(CallCommand):
    result: str


@dataclass(frozen=True, kw_only=True)
class DetermineCause(CallCommand):
    root_cause: str


@dataclass(frozen=True, kw_only=True)
class SelectMeasure(CallCommand):
    measure: str
    business_case: str
    expected_residual_risk: str
    target: Process


@dataclass(frozen=True, kw_only=True)
class ForkCall(CallCommand):
    target: Process
    summary: str | None = None


@dataclass(frozen=True, kw_only=True)
class VerifyWithRequester(CallCommand):
    agreed: bool
    feedback: str = ""


@dataclass(frozen=True, kw_only=True)
class EvaluateCall(CallCommand):
    evaluation: Evaluation


@dataclass(frozen=True, kw_only=True)
class CloseCall(CallCommand):
    pass


@dataclass(frozen=True, kw_only=True)
class AbortCall(CallCommand):
    reason: str
