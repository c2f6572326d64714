"""The task table of a call: path, operation id, body, and how the body becomes the command.

Every task of every USM process that a client can perform on a call is one row here; the
routes (``gateway.api.routes.call_tasks``) are generated from it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from pydantic import BaseModel

from domain import commands as c
from domain.agreements import HandlingTarget
from domain.calls import Evaluation
from domain.workflow import AgreementDraft, ChangeMicAttributes, RegisterMic, RelateMics, RetireMic
from gateway.api.models import calls as m

Build = Callable[[Any, UUID, int | None], object]


@dataclass(frozen=True)
class Task:
    path: str
    operation_id: str
    body: type[BaseModel]
    build: Build
    summary: str


def _simple(command: type, **fields: Callable[[Any], Any]) -> Build:
    """A builder that copies the named body fields (converted) into ``command``."""

    def build(body: Any, call_id: UUID, version: int | None) -> object:
        values = {name: convert(body) for name, convert in fields.items()}
        return command(call_id=call_id, expected_version=version, **values)

    return build


def _copy(*names: str) -> dict[str, Callable[[Any], Any]]:
    def getter(name: str) -> Callable[[Any], Any]:
        return lambda body: getattr(body, name)

    return {name: getter(name) for name in names}


def _agreement(draft: m.AgreementDraftBody) -> AgreementDraft:
    return AgreementDraft(
        code=draft.code,
        kind=draft.kind,
        title=draft.title,
        provider=draft.provider,
        customer=draft.customer,
        service_ids=list(draft.service_ids),
        handling_targets={
            priority: HandlingTarget(t.response_minutes, t.resolution_minutes)
            for priority, t in draft.handling_targets.items()
        },
        specification=draft.specification,
        supersedes=draft.supersedes,
    )


def _mir_operation(op: Any) -> object:
    if isinstance(op, m.RegisterMicBody):
        return RegisterMic(op.code, op.mic_class, op.name, op.owner, dict(op.attributes))
    if isinstance(op, m.ChangeMicBody):
        return ChangeMicAttributes(op.mic_id, dict(op.changes))
    if isinstance(op, m.RelateMicsBody):
        return RelateMics(op.mic_id, op.relation, op.target_id)
    return RetireMic(op.mic_id, op.reason)


def _evaluation(body: m.EvaluateBody) -> Evaluation:
    return Evaluation(
        executed_properly=body.executed_properly,
        recorded_for_reporting=body.recorded_for_reporting,
        learning_points=body.learning_points,
        potential_standard=body.potential_standard,
        improvements=tuple(body.improvements),
        residual_risk=body.residual_risk,
    )


TASKS: tuple[Task, ...] = (
    Task("accept", "acceptCall", m.NoBody, _simple(c.AcceptCall), "Accept the call (intake)"),
    Task(
        "classify",
        "classifyCall",
        m.ClassifyBody,
        _simple(c.ClassifyCall, **_copy("category", "impact", "urgency")),
        "Classify: category, impact and urgency give the priority and the workflow",
    ),
    Task(
        "links",
        "linkCall",
        m.LinkBody,
        _simple(c.LinkCall, **_copy("kind", "target_id")),
        "Link the call to a service, a MIC or another call",
    ),
    Task(
        "assess-risk",
        "assessRisk",
        m.AssessRiskBody,
        _simple(
            c.AssessRisk,
            **_copy("category", "kind", "effect", "likelihood", "business_impact"),
        ),
        "Improve: assess the risk",
    ),
    Task(
        "specify-service",
        "specifyService",
        m.SpecifyServiceBody,
        _simple(
            c.SpecifyService,
            **_copy("functional_design", "technical_design", "cost"),
            solution_teams=lambda b: list(b.solution_teams),
        ),
        "Agree: specify the service asked for",
    ),
    Task(
        "draft-offer",
        "draftOffer",
        m.DraftOfferBody,
        _simple(c.DraftOffer, agreements=lambda b: [_agreement(a) for a in b.agreements]),
        "Agree: draft the offer (the SA and its OLAs/UCs)",
    ),
    Task(
        "negotiation-rounds",
        "recordNegotiationRound",
        m.NoteBody,
        _simple(c.RecordNegotiationRound, **_copy("note")),
        "Agree: record a negotiation round",
    ),
    Task(
        "reach-agreement",
        "reachAgreement",
        m.NoBody,
        _simple(c.ReachAgreement),
        "Agree: the customer agrees to the offer",
    ),
    Task(
        "fail-negotiation",
        "failNegotiation",
        m.ReasonBody,
        _simple(c.FailNegotiation, **_copy("reason")),
        "Agree: negotiation failed",
    ),
    Task(
        "put-in-force",
        "putAgreementsInForce",
        m.NoBody,
        _simple(c.PutAgreementsInForce),
        "Agree: put the realized agreements in force",
    ),
    Task(
        "plan-change",
        "planChange",
        m.PlanChangeBody,
        _simple(
            c.PlanChange,
            **_copy("change_category", "change_plan", "scheduled_start", "scheduled_end"),
            release=lambda b: b.release,
        ),
        "Change: plan the change and its window",
    ),
    Task(
        "prepare-change",
        "prepareChange",
        m.PrepareChangeBody,
        _simple(
            c.PrepareChange, **_copy("test_plan", "deployment_plan", "continuity_plan_updated")
        ),
        "Change: prepare tests, deployment and continuity",
    ),
    Task(
        "test-and-release",
        "testAndRelease",
        m.TestAndReleaseBody,
        _simple(c.TestAndRelease, **_copy("test_report", "approved", "approver")),
        "Change: test and approve the release",
    ),
    Task(
        "update-mir",
        "updateMir",
        m.UpdateMirBody,
        _simple(c.UpdateMir, operations=lambda b: [_mir_operation(o) for o in b.operations]),
        "Change: update the MIR (all operations or none)",
    ),
    Task(
        "analyze",
        "analyzeIncident",
        m.AnalyzeBody,
        _simple(
            c.AnalyzeIncident, **_copy("solution", "workaround", "knowledge_ref", "solution_team")
        ),
        "Recover: analyze the incident",
    ),
    Task(
        "prepare-recovery",
        "prepareRecovery",
        m.PrepareRecoveryBody,
        _simple(
            c.PrepareRecovery,
            route=lambda b: b.route,
            affected_mic_ids=lambda b: list(b.affected_mic_ids),
        ),
        "Recover: choose the recovery route",
    ),
    Task(
        "plan-activities",
        "planActivities",
        m.PlanActivitiesBody,
        _simple(
            c.PlanActivities,
            **_copy("section", "planned_for"),
            activities=lambda b: list(b.activities),
        ),
        "Operate: plan the activities in the calendar",
    ),
    Task(
        "monitoring-events",
        "logMonitoringEvent",
        m.MonitoringEventBody,
        _simple(c.LogMonitoringEvent, **_copy("observation", "signal")),
        "Operate: log a monitoring event",
    ),
    Task(
        "execute",
        "executeActivities",
        m.ExecuteBody,
        _simple(c.ExecuteActivities, **_copy("result")),
        "Operate: record that the activities were executed",
    ),
    Task(
        "determine-cause",
        "determineCause",
        m.DetermineCauseBody,
        _simple(c.DetermineCause, **_copy("root_cause")),
        "Improve: determine the root cause",
    ),
    Task(
        "select-measure",
        "selectMeasure",
        m.SelectMeasureBody,
        _simple(
            c.SelectMeasure,
            **_copy("measure", "business_case", "expected_residual_risk", "target"),
        ),
        "Improve: select the measure and the process that realizes it",
    ),
    Task(
        "fork",
        "forkCall",
        m.ForkBody,
        _simple(c.ForkCall, **_copy("target", "summary")),
        "Fork a child call to another process (e.g. an incident to Operate)",
    ),
    Task(
        "verify",
        "verifyWithRequester",
        m.VerifyBody,
        _simple(c.VerifyWithRequester, **_copy("agreed", "feedback")),
        "Verify the delivery with the requester: agreed fulfils the call",
    ),
    Task(
        "evaluate",
        "evaluateCall",
        m.EvaluateBody,
        _simple(c.EvaluateCall, evaluation=_evaluation),
        "Evaluate the call (improvements become new risk calls)",
    ),
    Task("close", "closeCall", m.NoBody, _simple(c.CloseCall), "Close the evaluated call"),
    Task(
        "abort",
        "abortCall",
        m.ReasonBody,
        _simple(c.AbortCall, **_copy("reason")),
        "Abort the call",
    ),
)
