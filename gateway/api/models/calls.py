"""Bodies of the call resources: submitting a call and every task on it."""

from typing import Annotated, Literal
from uuid import UUID

from pydantic import AwareDatetime, ConfigDict, Field, StrictBool, StrictInt

from domain.calls import CalendarSection, LinkKind, MonitoringSignal, RecoveryRoute
from domain.mir import MicClass
from domain.patterns import (
    AgreementKind,
    CallType,
    Effect,
    Impact,
    Likelihood,
    Process,
    RiskKind,
    Urgency,
)
from gateway.api.models.base import MAX_LIST, Body, Code, LongText, Name, Person, Text


class SubmitCallBody(Body):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "call_type": "incident",
                    "summary": "Site link to Health North is down",
                    "customer": "tenant:health-north",
                    "service_ids": ["0f5e8f0c-5f7e-5b7a-9f43-3c2a8f1d9e10"],
                }
            ]
        }
    )

    call_type: CallType = Field(examples=["incident"])
    summary: Name = Field(examples=["Passport application fails at login"])
    description: LongText = ""
    requester: Person | None = Field(
        default=None,
        description="who asks; requesters always submit in their own name (omit it)",
    )
    customer: Name = Field(examples=["tenant:health-north"])
    service_ids: list[UUID] = Field(min_length=1, max_length=MAX_LIST)
    mic_ids: list[UUID] = Field(default_factory=list, max_length=MAX_LIST)
    channel: Literal["portal", "phone", "email", "monitoring", "federation"] = "portal"
    tracking_number: Code | None = None


class NoBody(Body):
    """A task that needs nothing but the call (send ``{}``)."""


class ClassifyBody(Body):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"category": "network", "impact": "high", "urgency": "high"}]
        }
    )

    category: Name = Field(examples=["application"])
    impact: Impact
    urgency: Urgency


class AssessRiskBody(Body):
    category: Name
    kind: RiskKind
    effect: Effect
    likelihood: Likelihood
    business_impact: Text


class SpecifyServiceBody(Body):
    functional_design: Text
    technical_design: Text
    solution_teams: list[Code] = Field(min_length=1, max_length=MAX_LIST)
    cost: StrictInt = Field(ge=0, le=10**12)


class HandlingTargetBody(Body):
    response_minutes: StrictInt = Field(gt=0, le=525_600)
    resolution_minutes: StrictInt = Field(gt=0, le=525_600)


class AgreementDraftBody(Body):
    code: Code
    kind: AgreementKind
    title: Name
    provider: Name
    customer: Name
    service_ids: list[UUID] = Field(min_length=1, max_length=MAX_LIST)
    handling_targets: dict[Annotated[str, Field(max_length=32)], HandlingTargetBody] = Field(
        default_factory=dict, max_length=16
    )
    specification: Text = ""
    supersedes: UUID | None = None


class DraftOfferBody(Body):
    agreements: list[AgreementDraftBody] = Field(min_length=1, max_length=20)


class NoteBody(Body):
    note: Text = Field(min_length=1)


class ReasonBody(Body):
    reason: Text = Field(min_length=1)


class PlanChangeBody(Body):
    change_category: Name = Field(examples=["normal"])
    change_plan: Text
    scheduled_start: AwareDatetime
    scheduled_end: AwareDatetime
    release: Code | None = None


class PrepareChangeBody(Body):
    test_plan: Text
    deployment_plan: Text
    continuity_plan_updated: StrictBool


class TestAndReleaseBody(Body):
    test_report: Text
    approved: StrictBool
    approver: Person


class RegisterMicBody(Body):
    op: Literal["register"]
    code: Code
    mic_class: MicClass
    name: Name
    owner: Name
    attributes: dict[
        Annotated[str, Field(max_length=64)], Annotated[str, Field(max_length=500)]
    ] = Field(default_factory=dict, max_length=50)


class ChangeMicBody(Body):
    op: Literal["change"]
    mic_id: UUID
    changes: dict[
        Annotated[str, Field(max_length=64)], Annotated[str, Field(max_length=500)] | None
    ] = Field(min_length=1, max_length=50)


class RelateMicsBody(Body):
    op: Literal["relate"]
    mic_id: UUID
    relation: Code
    target_id: UUID


class RetireMicBody(Body):
    op: Literal["retire"]
    mic_id: UUID
    reason: Text = Field(min_length=1)


MirOperationBody = Annotated[
    RegisterMicBody | ChangeMicBody | RelateMicsBody | RetireMicBody, Field(discriminator="op")
]


class UpdateMirBody(Body):
    operations: list[MirOperationBody] = Field(min_length=1, max_length=MAX_LIST)


class AnalyzeBody(Body):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"solution": "restart the edge router"}]}
    )

    solution: Text = Field(min_length=1)
    workaround: StrictBool = False
    knowledge_ref: Code | None = None
    solution_team: Code | None = None


class PrepareRecoveryBody(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [{"route": "operate"}]})

    route: RecoveryRoute
    affected_mic_ids: list[UUID] = Field(default_factory=list, max_length=MAX_LIST)


class PlanActivitiesBody(Body):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "section": "dynamic",
                    "planned_for": "2026-12-03T15:00:00Z",
                    "activities": ["restart the edge router"],
                }
            ]
        }
    )

    section: CalendarSection
    planned_for: AwareDatetime
    activities: list[Name] = Field(min_length=1, max_length=MAX_LIST)


class MonitoringEventBody(Body):
    observation: Text = Field(min_length=1)
    signal: MonitoringSignal


class ExecuteBody(Body):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"result": "router restarted, link up"}]}
    )

    result: Text = Field(min_length=1)


class DetermineCauseBody(Body):
    root_cause: Text = Field(min_length=1)


class SelectMeasureBody(Body):
    measure: Text = Field(min_length=1)
    business_case: Text
    expected_residual_risk: Text
    target: Process


class ForkBody(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [{"target": "operate"}]})

    target: Process = Field(examples=["operate"])
    summary: Name | None = None


class VerifyBody(Body):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"agreed": True, "feedback": "link is back"}]}
    )

    agreed: StrictBool
    feedback: Text = ""


class EvaluateBody(Body):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"executed_properly": True, "recorded_for_reporting": True}]
        }
    )

    executed_properly: StrictBool
    recorded_for_reporting: StrictBool
    learning_points: Text = ""
    potential_standard: StrictBool = False
    improvements: list[Name] = Field(default_factory=list, max_length=20)
    residual_risk: Name | None = None


class LinkBody(Body):
    kind: LinkKind
    target_id: UUID
