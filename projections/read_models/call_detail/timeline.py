"""What a call event says, for people: one short sentence and its fields as JSON."""

import json
from collections.abc import Callable
from datetime import datetime
from enum import Enum
from typing import Any
from uuid import UUID

from domain.calls import (
    Call,
    ChangeCall,
    Evaluation,
    IncidentCall,
    RiskCall,
    ServiceRequestCall,
    WishCall,
)
from domain.calls.call_intake import CallIntake

ChildName = Callable[[UUID], str]
"""A forked child's tracking number, from its id."""

# Envelope bookkeeping and the library's wall-clock timestamp: not what happened.
_NOT_PAYLOAD = frozenset({"meta", "originator_id", "originator_version", "originator_topic"})
_WALL_CLOCK = "timestamp"


def payload(event: Any) -> str:
    """The event's own fields as canonical JSON (UUIDs and times as text)."""
    fields = {
        name: value
        for name, value in vars(event).items()
        if name not in _NOT_PAYLOAD and name != _WALL_CLOCK
    }
    return json.dumps(fields, sort_keys=True, default=_plain)


def _plain(value: object) -> object:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def describe(event: Any, child_name: ChildName) -> str:
    """One line saying what happened, e.g. ``Forked RFC-8K2… to change``."""
    for event_class, sentence in _SENTENCES:
        if isinstance(event, event_class):
            return sentence(event)
    for event_class, child_sentence in _CHILD_SENTENCES:
        if isinstance(event, event_class):
            return child_sentence(event, child_name(_child_id(event)))
    return _words(type(event).__name__)


def _child_id(event: Any) -> UUID:
    child_id: UUID = event.child_id
    return child_id


def _words(class_name: str) -> str:
    spaced = "".join(f" {c.lower()}" if c.isupper() else c for c in class_name).strip()
    return spaced[:1].upper() + spaced[1:]


def _submitted(event: CallIntake.Submitted) -> str:
    if event.parent_id is not None:
        return f"Forked from its parent call: {event.summary}"
    return (
        f"Submitted by {event.requester} for {event.customer} via {event.channel}: {event.summary}"
    )


def _classified(event: CallIntake.Classified) -> str:
    return (
        f"Classified as {event.category}, priority {event.priority}"
        f" (impact {event.impact}, urgency {event.urgency})"
    )


def _analyzed(event: IncidentCall.Analyzed) -> str:
    routed = f"; routed to {event.solution_team}" if event.solution_team else ""
    workaround = " (workaround)" if event.workaround else ""
    return f"Analyzed: {event.solution}{workaround}{routed}"


def _assessed(event: RiskCall.Assessed) -> str:
    return (
        f"Risk assessed: {event.kind} in {event.category}, level {event.risk_level}"
        f" (effect {event.effect}, likelihood {event.likelihood})"
    )


def _specified(event: WishCall.ServiceSpecified) -> str:
    teams = ", ".join(event.solution_teams)
    return f"Service specified with solution teams {teams}; cost {event.cost}"


def _planned(event: ChangeCall.Planned) -> str:
    window = f"{event.scheduled_start.isoformat()} to {event.scheduled_end.isoformat()}"
    return f"Change planned ({event.change_category}) for {window}"


def _evaluated(event: Call.Evaluated) -> str:
    found = len(Evaluation.from_dict(event.evaluation).improvements)
    return f"Evaluated; {found} improvement(s) found" if found else "Evaluated"


_SENTENCES: tuple[tuple[type, Callable[[Any], str]], ...] = (
    (CallIntake.Submitted, _submitted),
    (CallIntake.Linked, lambda e: f"Linked {e.kind} {e.target_id}"),
    (CallIntake.Accepted, lambda _e: "Accepted"),
    (CallIntake.Rejected, lambda e: f"Rejected: {e.reason}"),
    (CallIntake.Classified, _classified),
    (CallIntake.Aborted, lambda e: f"Aborted: {e.reason}"),
    (Call.WorkflowResolved, lambda e: f"Workflow resolved as {e.workflow}"),
    (Call.ForkOpened, lambda e: f"Forked {e.child_tracking_number} to {e.target}"),
    (Call.Resumed, lambda e: f"Resumed at {e.at_step}"),
    (Call.Fulfilled, lambda e: f"Fulfilled ({e.kind})"),
    (Call.ReworkRequested, lambda e: f"Rework requested, back to {e.back_to}: {e.feedback}"),
    (Call.Evaluated, _evaluated),
    (Call.ImprovementRiskSubmitted, lambda e: f"Improvement raised as a risk: {e.improvement}"),
    (Call.Closed, lambda _e: "Closed"),
    (WishCall.ServiceSpecified, _specified),
    (WishCall.OfferDrafted, lambda e: f"Offer drafted with {len(e.agreement_ids)} agreement(s)"),
    (WishCall.NegotiationRoundRecorded, lambda e: f"Negotiation round: {e.note}"),
    (WishCall.AgreementReached, lambda _e: "Agreement reached"),
    (WishCall.NegotiationFailed, lambda e: f"Negotiation failed: {e.reason}"),
    (ChangeCall.Planned, _planned),
    (ChangeCall.Prepared, lambda e: f"Change prepared: {e.deployment_plan}"),
    (ChangeCall.ApprovedForProduction, lambda e: f"Approved for production by {e.approver}"),
    (ChangeCall.RejectedAtTest, lambda e: f"Rejected at test by {e.approver}: {e.test_report}"),
    (ChangeCall.MirUpdated, lambda e: f"MIR updated: {len(e.mic_ids)} component(s)"),
    (IncidentCall.Analyzed, _analyzed),
    (IncidentCall.RecoveryPrepared, lambda e: f"Recovery prepared via {e.route}"),
    (
        ServiceRequestCall.ActivitiesPlanned,
        lambda e: f"Activities planned ({e.section}) for {e.planned_for.isoformat()}",
    ),
    (
        ServiceRequestCall.MonitoringEventLogged,
        lambda e: f"Monitoring {e.signal}: {e.observation}",
    ),
    (ServiceRequestCall.ActivitiesExecuted, lambda e: f"Activities executed: {e.result}"),
    (RiskCall.Assessed, _assessed),
    (RiskCall.RootCauseDetermined, lambda e: f"Root cause determined: {e.root_cause}"),
    (RiskCall.MeasureSelected, lambda e: f"Measure selected via {e.target}: {e.measure}"),
)

_CHILD_SENTENCES: tuple[tuple[type, Callable[[Any, str], str]], ...] = (
    (Call.ChildFulfilled, lambda _e, child: f"Child {child} fulfilled"),
    (Call.ChildUnfulfilled, lambda e, child: f"Child {child} ended: {e.outcome}"),
    (Call.ChildClosed, lambda _e, child: f"Child {child} closed"),
    (Call.ChildAborted, lambda _e, child: f"Child {child} aborted"),
)
