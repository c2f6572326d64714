"""The first half of every call: identity, intake (links, accept, reject), classification, abort.

Every public method decides (checks the rules, raises a specific ``CallError``) and then
records exactly the events that follow; the private ``@event`` methods only change state.
:class:`domain.calls.call.Call` adds forks, review, evaluation and closure on top.
"""

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.calls.children import ChildLink
from domain.calls.errors import (
    AlreadyLinkedError,
    CallNotOpenError,
    ChildCallsOpenError,
    ForkedCallRejectionError,
    ServiceLinkRequiredError,
    UnknownCategoryError,
    UnknownLinkKindError,
    WrongStatusError,
    WrongStepError,
)
from domain.calls.evaluation import Evaluation
from domain.patterns import (
    ACCEPT,
    CLASSIFY,
    CallType,
    ClassificationScheme,
    Impact,
    Process,
    ProcessPattern,
    Status,
    Urgency,
    WorkflowType,
    process_pattern,
)
from domain.shared import CallAuthority, EventMeta, aggregate_id


class LinkKind(StrEnum):
    """What a call can be linked to."""

    SERVICE = "service"
    MIC = "mic"
    CALL = "call"


class CallIntake(Aggregate):
    """State and intake steps common to all five call types."""

    if TYPE_CHECKING:  # a runtime annotation would make the library turn this into a dataclass
        call_type: ClassVar[CallType]

    @staticmethod
    def create_id(meta: EventMeta, tracking_number: str) -> UUID:
        return call_id(meta.tenant_id, tracking_number)

    class Submitted(Aggregate.Created):
        meta: EventMeta
        tracking_number: str
        summary: str
        description: str
        requester: str
        customer: str
        channel: str
        service_ids: list[UUID]
        mic_ids: list[UUID]
        parent_id: UUID | None
        root_id: UUID | None
        depth: int
        workflow: str | None
        pattern_version: str

    @event(Submitted)
    def __init__(
        self,
        meta: EventMeta,
        tracking_number: str,
        summary: str,
        description: str,
        requester: str,
        customer: str,
        channel: str,
        service_ids: list[UUID],
        mic_ids: list[UUID],
        parent_id: UUID | None,
        root_id: UUID | None,
        depth: int,
        workflow: str | None,
        pattern_version: str,
    ) -> None:
        self.tenant_id = meta.tenant_id
        self.tracking_number = tracking_number
        self.summary, self.description = summary, description
        self.requester, self.customer, self.channel = requester, customer, channel
        self.service_ids, self.mic_ids = list(service_ids), list(mic_ids)
        self.linked_call_ids: list[UUID] = []
        self.parent_id, self._root_id, self.depth = parent_id, root_id, depth
        self.workflow = WorkflowType(workflow) if workflow else None
        self.pattern_version = pattern_version
        self.status, self.step = Status.SUBMITTED, ACCEPT
        self.submitted_at, self.updated_at = meta.occurred_at, meta.occurred_at
        self.category: str | None = None
        self.priority: str | None = None
        self.impact: Impact | None = None
        self.urgency: Urgency | None = None
        self.scheme_version: int | None = None
        self.evaluation: Evaluation | None = None
        self.improvement_risk_ids: list[UUID] = []
        self.rework_count = 0
        self.fulfilment: str | None = None
        self.trail: list[tuple[str, datetime]] = []
        self.children: dict[UUID, ChildLink] = {}
        self.fork_fulfilled = False

    @property
    def process(self) -> Process:
        return self.call_type.process

    @property
    def pattern(self) -> ProcessPattern:
        return process_pattern(self.process)

    @property
    def root_id(self) -> UUID:
        return self._root_id or self.id

    @property
    def is_root(self) -> bool:
        return self.parent_id is None

    @property
    def is_open(self) -> bool:
        return not self.status.is_terminal

    def step_number(self, step: str | None = None) -> int:
        return self.pattern.number(step or self.step)

    def authority(self) -> CallAuthority:
        """This call's authority at its current step (checked by the receiving aggregate)."""
        self._require_open("act on other records")
        return CallAuthority(self.id, self.tracking_number, self.process.value, self.step)

    # -- guards shared by every step -------------------------------------------------

    def _require_open(self, action: str) -> None:
        if not self.is_open:
            raise CallNotOpenError(
                f"call {self.tracking_number} is {self.status.value}; cannot {action}"
            )

    def _require_step(self, step: str, action: str) -> None:
        self._require_open(action)
        if self.step != step:
            raise WrongStepError(
                f"call {self.tracking_number} is at step '{self.step}'; "
                f"cannot {action} (that belongs to step '{step}')"
            )

    def _require_status(self, action: str, *allowed: Status) -> None:
        if self.status not in allowed:
            wanted = " or ".join(status.value for status in allowed)
            raise WrongStatusError(
                f"call {self.tracking_number} is {self.status.value}; "
                f"to {action} it must be {wanted}"
            )

    def _visit(self, meta: EventMeta) -> None:
        """Record work done in the current step (the trail gives the workflow path)."""
        self.trail.append((self.step, meta.occurred_at))
        self.updated_at = meta.occurred_at

    def _advance(self, meta: EventMeta) -> None:
        self._visit(meta)
        self.step = self.pattern.next_step(self.step)

    # -- links -----------------------------------------------------------------------

    class Linked(Aggregate.Event):
        meta: EventMeta
        kind: str
        target_id: UUID

    def link(self, meta: EventMeta, kind: LinkKind | str, target_id: UUID) -> None:
        """Link the call to a service, a MIC or another call (``kind``: a LinkKind or its value)."""
        link_kind = _link_kind(kind)
        self._require_open(f"link a {link_kind.value}")
        if target_id in self._linked(link_kind) or target_id == self.id:
            raise AlreadyLinkedError(
                f"call {self.tracking_number} already links {link_kind.value} {target_id}"
            )
        self._record_link(meta=meta, kind=link_kind.value, target_id=target_id)

    def _linked(self, kind: LinkKind) -> list[UUID]:
        return {
            LinkKind.SERVICE: self.service_ids,
            LinkKind.MIC: self.mic_ids,
            LinkKind.CALL: self.linked_call_ids,
        }[kind]

    @event(Linked)
    def _record_link(self, meta: EventMeta, kind: str, target_id: UUID) -> None:
        self._linked(LinkKind(kind)).append(target_id)
        self.updated_at = meta.occurred_at

    # -- accept ----------------------------------------------------------------------

    class Accepted(Aggregate.Event):
        meta: EventMeta

    class Rejected(Aggregate.Event):
        meta: EventMeta
        reason: str

    def accept(self, meta: EventMeta) -> None:
        """Accept the call: authorized requester, complete, linked to a service."""
        self.check_complete()
        self._record_acceptance(meta=meta)

    def check_complete(self) -> None:
        """Raise unless the call is awaiting acceptance and linked to a service."""
        self._require_step(ACCEPT, "accept")
        self._require_status("accept", Status.SUBMITTED)
        if not self.service_ids:
            raise ServiceLinkRequiredError(
                f"call {self.tracking_number} must be linked to at least one service "
                "before it is accepted"
            )

    @event(Accepted)
    def _record_acceptance(self, meta: EventMeta) -> None:
        self.status = Status.ACCEPTED
        self._advance(meta)

    def reject(self, meta: EventMeta, reason: str) -> None:
        """Reject the call at intake, e.g. because the requester is not authorized."""
        self._require_step(ACCEPT, "reject")
        self._require_status("reject", Status.SUBMITTED)
        if not self.is_root:
            raise ForkedCallRejectionError(
                f"call {self.tracking_number} was forked from a "
                "call that is already authorized; abort it instead"
            )
        self._record_rejection(meta=meta, reason=reason)

    @event(Rejected)
    def _record_rejection(self, meta: EventMeta, reason: str) -> None:
        self.status = Status.REJECTED
        self.rejection_reason = reason
        self._visit(meta)

    # -- classify --------------------------------------------------------------------

    class Classified(Aggregate.Event):
        meta: EventMeta
        category: str
        impact: str
        urgency: str
        priority: str
        scheme_version: int

    def classify(
        self,
        meta: EventMeta,
        scheme: ClassificationScheme,
        category: str,
        impact: Impact,
        urgency: Urgency,
    ) -> None:
        """Categorise and prioritise (impact × urgency) with the tenant's current scheme."""
        self._require_step(CLASSIFY, "classify")
        self._check_category(scheme, category)
        self._record_classification(
            meta=meta,
            category=category,
            impact=impact.value,
            urgency=urgency.value,
            priority=scheme.priority(impact, urgency),
            scheme_version=scheme.version,
        )

    def _check_category(self, scheme: ClassificationScheme, category: str) -> None:
        if not scheme.has_category(category):
            raise UnknownCategoryError(
                f"category {category!r} is not in classification scheme v{scheme.version}"
            )

    @event(Classified)
    def _record_classification(
        self,
        meta: EventMeta,
        category: str,
        impact: str,
        urgency: str,
        priority: str,
        scheme_version: int,
    ) -> None:
        self.category, self.priority, self.scheme_version = category, priority, scheme_version
        self.impact, self.urgency = Impact(impact), Urgency(urgency)
        self.status = Status.CLASSIFIED
        self._advance(meta)

    class Aborted(Aggregate.Event):
        meta: EventMeta
        reason: str

    def abort(self, meta: EventMeta, reason: str) -> None:
        """Abort the workflow at this call (an unrecoverable error or a withdrawn call)."""
        self._require_open("abort")
        self._require_no_working_children("be aborted")
        if not reason.strip():
            raise WrongStatusError("an abort needs a reason")
        self._record_abort(meta=meta, reason=reason)

    @event(Aborted)
    def _record_abort(self, meta: EventMeta, reason: str) -> None:
        self.status = Status.ABORTED
        self.abort_reason = reason
        self._visit(meta)

    def working_children(self) -> list[UUID]:
        """Children that have not yet reached an outcome (fulfilled or not)."""
        return [cid for cid, link in self.children.items() if link.outcome is None]

    def unclosed_children(self) -> list[UUID]:
        return [cid for cid, link in self.children.items() if not link.closed]

    def _require_no_working_children(self, action: str) -> None:
        if self.working_children():
            raise ChildCallsOpenError(
                f"call {self.tracking_number} has child calls still in progress and cannot {action}"
            )


def _link_kind(kind: LinkKind | str) -> LinkKind:
    try:
        return LinkKind(kind)
    except ValueError:
        known = ", ".join(repr(k.value) for k in LinkKind)
        raise UnknownLinkKindError(
            f"unknown link kind {kind!r}: a call links only to a service, a MIC or another "
            f"call ({known})"
        ) from None


def call_id(tenant_id: str, tracking_number: str) -> UUID:
    """The id of a tenant's call, derived from its tracking number."""
    return aggregate_id(tenant_id, "call", tracking_number)
