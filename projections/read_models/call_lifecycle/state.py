"""A call's state as the read models keep it, folded from the call's events alone.

The fold mirrors the aggregates' ``@event`` methods (status, step, classification,
workflow, forks) using the same process patterns, so a read row agrees with the call it
describes; the integration tests compare the two. Times come from the events' metadata
only, never from a clock, so a rebuild gives the same rows as the live feed.

Team: the domain has no explicit assignment. The team on a call is the *responsible*
team, derived as follows: the solution team an incident's analysis routed it to, if it
named one; otherwise the owner team of the first service the call is linked to (and if
that service's owner changes while the call is open, the call follows it: see
:func:`projections.read_models.call_lifecycle.rows.follow_owner`). A wish's
``solution_teams`` are the contributors to the service being agreed, not the team
handling the wish, so they do not change it (the detail timeline records them).
"""

from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any

from domain.calls import (
    CALL_CLASSES,
    Call,
    ChangeCall,
    IncidentCall,
    RiskCall,
    ServiceRequestCall,
    WishCall,
)
from domain.calls.call_intake import CallIntake, LinkKind
from domain.patterns import EVALUATE_CLOSE, CallType, Process, Status, process_pattern

CALL_TOPIC_PREFIX = "domain.calls."

OwnerOf = Callable[[str], str | None]
"""The owner team of a service id as the read model knows it (None: unknown)."""


def iso(at: datetime) -> str:
    """A UTC timestamp as fixed-width ISO-8601 text, so text order is time order."""
    return at.astimezone(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class CallState:
    """What both call read models know about a call."""

    call_id: str
    tracking_number: str
    call_type: str
    process: str
    status: str
    step: str
    priority: str | None
    category: str | None
    workflow: str | None
    team: str | None
    team_service_id: str | None  # the service whose owner is the team; None when routed
    service_ids: tuple[str, ...]
    parent_id: str | None
    root_id: str
    submitted_at: str
    updated_at: str  # the call's last event (or its team following a new service owner)
    version: int
    working_children: int  # forked children without an outcome yet
    fork_fulfilled: bool  # a child of the current fork round was fulfilled

    @property
    def is_open(self) -> bool:
        return not Status(self.status).is_terminal


def replace(state: CallState, **changes: Any) -> CallState:
    """``dataclasses.replace`` for CallState without re-running ``__init__``: a rebuild
    makes two of these per event, and the generic one took a tenth of its time."""
    if not changes.keys() <= _STATE_FIELDS:
        raise TypeError(f"CallState has no field {sorted(changes.keys() - _STATE_FIELDS)}")
    changed = object.__new__(CallState)
    changed.__dict__.update(state.__dict__, **changes)
    return changed


_STATE_FIELDS = frozenset(field.name for field in fields(CallState))


def call_type_of(event: CallIntake.Submitted) -> CallType:
    """The call type a Submitted event creates (each call class has its own Submitted)."""
    for call_type, call_class in CALL_CLASSES.items():
        if isinstance(event, call_class.Submitted):
            return call_type
    raise TypeError(f"{type(event).__qualname__} is not the submission of a known call type")


def submitted(event: CallIntake.Submitted, version: int, owner_of: OwnerOf) -> CallState:
    """The state of a call just submitted."""
    call_type = call_type_of(event)
    call_id = str(event.originator_id)
    service_ids = tuple(str(s) for s in event.service_ids)
    team_service = service_ids[0] if service_ids else None
    at = iso(event.meta.occurred_at)
    return CallState(
        call_id=call_id,
        tracking_number=event.tracking_number,
        call_type=call_type.value,
        process=call_type.process.value,
        status=Status.SUBMITTED.value,
        step=process_pattern(call_type.process).step_ids[0],
        priority=None,
        category=None,
        workflow=event.workflow,
        team=owner_of(team_service) if team_service else None,
        team_service_id=team_service,
        service_ids=service_ids,
        parent_id=str(event.parent_id) if event.parent_id else None,
        root_id=str(event.root_id) if event.root_id else call_id,
        submitted_at=at,
        updated_at=at,
        version=version,
        working_children=0,
        fork_fulfilled=False,
    )


def evolve(state: CallState, event: Any, version: int, owner_of: OwnerOf) -> CallState:
    """The state after one more event of the call (unknown events only touch the times)."""
    touched = replace(state, updated_at=iso(event.meta.occurred_at), version=version)
    if isinstance(event, CallIntake.Linked):
        return _linked(touched, event, owner_of)
    for event_class, change in _CHANGES:
        if isinstance(event, event_class):
            return change(touched, event)
    return touched


def _next(state: CallState) -> str:
    return process_pattern(Process(state.process)).next_step(state.step)


def _advance(status: Status | None = None) -> Callable[[CallState, Any], CallState]:
    def change(state: CallState, _event: Any) -> CallState:
        new_status = status.value if status else state.status
        return replace(state, step=_next(state), status=new_status)

    return change


def _become(status: Status) -> Callable[[CallState, Any], CallState]:
    return lambda state, _event: replace(state, status=status.value)


def _linked(state: CallState, event: CallIntake.Linked, owner_of: OwnerOf) -> CallState:
    if event.kind != LinkKind.SERVICE.value:
        return state
    service = str(event.target_id)
    linked = replace(state, service_ids=(*state.service_ids, service))
    if state.team_service_id is None and state.team is None:
        return replace(linked, team=owner_of(service), team_service_id=service)
    return linked


def _classified(state: CallState, event: Any) -> CallState:
    classified = _advance(Status.CLASSIFIED)(state, event)
    return replace(classified, category=event.category, priority=event.priority)


def _assessed(state: CallState, event: RiskCall.Assessed) -> CallState:
    assessed = _advance(Status.CLASSIFIED)(state, event)
    return replace(assessed, category=event.category, priority=event.risk_level)


def _analyzed(state: CallState, event: IncidentCall.Analyzed) -> CallState:
    analyzed = _advance(Status.IN_PROGRESS)(state, event)
    if event.solution_team:
        return replace(analyzed, team=event.solution_team, team_service_id=None)
    return analyzed


def _fulfilled(state: CallState, event: Call.Fulfilled) -> CallState:
    return _advance(Status(event.kind))(state, event)


def _fork_opened(state: CallState, _event: Call.ForkOpened) -> CallState:
    return replace(
        state, status=Status.AWAITING_CHILD.value, working_children=state.working_children + 1
    )


def _child_fulfilled(state: CallState, _event: Call.ChildFulfilled) -> CallState:
    return replace(state, working_children=state.working_children - 1, fork_fulfilled=True)


def _child_unfulfilled(state: CallState, _event: Call.ChildUnfulfilled) -> CallState:
    waiting = replace(state, working_children=state.working_children - 1)
    if waiting.working_children == 0 and not waiting.fork_fulfilled and waiting.is_open:
        # Nothing was delivered: the call waits at its fork step for a new decision.
        return replace(waiting, status=Status.IN_PROGRESS.value)
    return waiting


def _resumed(state: CallState, event: Call.Resumed) -> CallState:
    return replace(state, step=event.at_step, status=Status.IN_PROGRESS.value)


def _rework(state: CallState, event: Call.ReworkRequested) -> CallState:
    return replace(state, step=event.back_to, status=Status.IN_PROGRESS.value, fork_fulfilled=False)


def _rejected_at_test(state: CallState, _event: ChangeCall.RejectedAtTest) -> CallState:
    return replace(state, step=process_pattern(Process.CHANGE).step("prepare").id)


def _negotiation_failed(state: CallState, _event: WishCall.NegotiationFailed) -> CallState:
    return replace(state, status=Status.NO_AGREEMENT.value, step=EVALUATE_CLOSE)


def _workflow_resolved(state: CallState, event: Call.WorkflowResolved) -> CallState:
    return replace(state, workflow=event.workflow)


_CHANGES: tuple[tuple[type, Callable[[CallState, Any], CallState]], ...] = (
    (CallIntake.Accepted, _advance(Status.ACCEPTED)),
    (CallIntake.Rejected, _become(Status.REJECTED)),
    (CallIntake.Classified, _classified),
    (CallIntake.Aborted, _become(Status.ABORTED)),
    (Call.WorkflowResolved, _workflow_resolved),
    (Call.ForkOpened, _fork_opened),
    (Call.ChildFulfilled, _child_fulfilled),
    (Call.ChildUnfulfilled, _child_unfulfilled),
    (Call.Resumed, _resumed),
    (Call.Fulfilled, _fulfilled),
    (Call.ReworkRequested, _rework),
    (Call.Closed, _become(Status.CLOSED)),
    (WishCall.ServiceSpecified, _advance()),
    (WishCall.OfferDrafted, _advance()),
    (WishCall.AgreementReached, _advance(Status.IN_PROGRESS)),
    (WishCall.NegotiationFailed, _negotiation_failed),
    (ChangeCall.Planned, _advance(Status.IN_PROGRESS)),
    (ChangeCall.Prepared, _advance()),
    (ChangeCall.ApprovedForProduction, _advance()),
    (ChangeCall.RejectedAtTest, _rejected_at_test),
    (ChangeCall.MirUpdated, _advance()),
    (IncidentCall.Analyzed, _analyzed),
    (IncidentCall.RecoveryPrepared, _advance()),
    (ServiceRequestCall.ActivitiesPlanned, _advance(Status.IN_PROGRESS)),
    (ServiceRequestCall.ActivitiesExecuted, _advance()),
    (RiskCall.Assessed, _assessed),
    (RiskCall.RootCauseDetermined, _advance(Status.KNOWN_ERROR)),
    (RiskCall.MeasureSelected, _advance(Status.IN_PROGRESS)),
)
