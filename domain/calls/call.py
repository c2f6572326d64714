"""A call: the common USM skeleton from fork to closure, on top of :class:`CallIntake`.

Forks open child calls of another process; the parent waits, and resumes at review once
its children reached an outcome and at least one was fulfilled. Review with the requester
fulfils the call (workflow fulfilled at the root, process fulfilled when nested) or sends
it back for rework; evaluation is mandatory before closure.
"""

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.calls.call_intake import CallIntake
from domain.calls.children import ChildLink, ChildOutcome
from domain.calls.errors import (
    ChildCallsOpenError,
    EvaluationRequiredError,
    ForkNotAllowedError,
    ImprovementRiskMissingError,
    NotAChildError,
    WrongStatusError,
)
from domain.calls.evaluation import Evaluation
from domain.patterns import (
    EVALUATE_CLOSE,
    REVIEW,
    WORKFLOWS,
    FulfilmentKind,
    Process,
    Status,
    WorkflowType,
    workflow_decided_by_fork,
)
from domain.shared import EventMeta


class Call(CallIntake):
    """A wish, RFC, incident, service request or risk, handled by its one process."""

    # -- fork ------------------------------------------------------------------------

    class WorkflowResolved(Aggregate.Event):
        meta: EventMeta
        workflow: str

    class ForkOpened(Aggregate.Event):
        meta: EventMeta
        child_id: UUID
        child_tracking_number: str
        target: str

    def open_fork(
        self, meta: EventMeta, child_id: UUID, child_tracking_number: str, target: Process
    ) -> WorkflowType:
        """Fork to a child call of ``target``; returns the workflow the tree runs."""
        fork = self.pattern.fork_step
        if fork is None:
            raise ForkNotAllowedError(f"{self.process.value} calls never fork")
        self._require_step(fork.id, f"fork to {target.value}")
        self._require_status("fork", Status.IN_PROGRESS, Status.AWAITING_CHILD)
        if target not in fork.fork_targets:
            raise ForkNotAllowedError(
                f"{self.process.value} may fork only to "
                f"{', '.join(t.value for t in fork.fork_targets)}"
            )
        self._check_fork_target(target)
        workflow = self.workflow or workflow_decided_by_fork(self.process, target)
        if workflow is None or not WORKFLOWS[workflow].allows_fork(self.process, fork.id, target):
            raise ForkNotAllowedError(
                f"call {self.tracking_number} runs {self._workflow_name(workflow)}, which "
                f"does not fork from {self.process.value} to {target.value}"
            )
        if self.workflow is None:
            self._record_workflow_resolution(meta=meta, workflow=workflow.value)
        self._record_fork(
            meta=meta,
            child_id=child_id,
            target=target.value,
            child_tracking_number=child_tracking_number,
        )
        return workflow

    def _check_fork_target(self, target: Process) -> None:
        """Hook: process-specific conditions on the fork target."""

    @staticmethod
    def _workflow_name(workflow: WorkflowType | None) -> str:
        if workflow is None:
            return "no workflow yet"
        return f"{workflow.value} ({WORKFLOWS[workflow].name})"

    @event(WorkflowResolved)
    def _record_workflow_resolution(self, meta: EventMeta, workflow: str) -> None:
        self.workflow = WorkflowType(workflow)

    @event(ForkOpened)
    def _record_fork(
        self, meta: EventMeta, child_id: UUID, child_tracking_number: str, target: str
    ) -> None:
        self.children[child_id] = ChildLink(Process(target), child_tracking_number)
        self.status = Status.AWAITING_CHILD
        self._visit(meta)

    # -- child outcomes ----------------------------------------------------------------

    class ChildFulfilled(Aggregate.Event):
        meta: EventMeta
        child_id: UUID

    class ChildUnfulfilled(Aggregate.Event):
        meta: EventMeta
        child_id: UUID
        outcome: str

    class ChildClosed(Aggregate.Event):
        meta: EventMeta
        child_id: UUID

    class ChildAborted(Aggregate.Event):
        meta: EventMeta
        child_id: UUID

    class Resumed(Aggregate.Event):
        meta: EventMeta
        at_step: str

    def note_child_outcome(self, meta: EventMeta, child_id: UUID, outcome: ChildOutcome) -> None:
        """Record a child's outcome; resume at review when no child is still working."""
        link = self.child_link(child_id)
        if link.outcome is not None:
            raise WrongStatusError(f"child {link.tracking_number} already reached an outcome")
        if outcome is ChildOutcome.FULFILLED:
            self._record_child_fulfilled(meta=meta, child_id=child_id)
        else:
            self._record_child_unfulfilled(meta=meta, child_id=child_id, outcome=outcome.value)
        if not self.working_children() and self.fork_fulfilled and self.is_open:
            self._record_resumption(meta=meta, at_step=self.pattern.next_step(self.step))

    def note_child_closed(self, meta: EventMeta, child_id: UUID) -> None:
        """Record that a child call is closed (a parent closes only after its children)."""
        link = self.child_link(child_id)
        if link.closed:
            raise WrongStatusError(f"child {link.tracking_number} is already closed")
        self._record_child_closed(meta=meta, child_id=child_id)

    def note_child_aborted(self, meta: EventMeta, child_id: UUID) -> None:
        """Record that a child which already reached an outcome was aborted, not closed.

        The child is done: it no longer keeps the parent from closing. (A child aborted
        before it reached an outcome is noted with ``note_child_outcome(ABORTED)``.)
        """
        link = self.child_link(child_id)
        if link.closed:
            raise WrongStatusError(f"child {link.tracking_number} is already closed or aborted")
        if link.outcome is None:
            raise WrongStatusError(
                f"child {link.tracking_number} reached no outcome yet; "
                "note its outcome (aborted) instead"
            )
        self._record_child_aborted(meta=meta, child_id=child_id)

    def child_link(self, child_id: UUID) -> ChildLink:
        """What this call knows about one of its children (NotAChildError otherwise)."""
        try:
            return self.children[child_id]
        except KeyError:
            raise NotAChildError(
                f"{child_id} is not a child of call {self.tracking_number}"
            ) from None

    @event(ChildFulfilled)
    def _record_child_fulfilled(self, meta: EventMeta, child_id: UUID) -> None:
        self.children[child_id].outcome = ChildOutcome.FULFILLED
        self.fork_fulfilled = True

    @event(ChildUnfulfilled)
    def _record_child_unfulfilled(self, meta: EventMeta, child_id: UUID, outcome: str) -> None:
        link = self.children[child_id]
        link.outcome = ChildOutcome(outcome)
        if link.outcome is ChildOutcome.ABORTED:
            link.closed = link.aborted = True
        if not self.working_children() and not self.fork_fulfilled and self.is_open:
            # Nothing was delivered: the call waits at its fork step for a new decision.
            self.status = Status.IN_PROGRESS

    @event(ChildClosed)
    def _record_child_closed(self, meta: EventMeta, child_id: UUID) -> None:
        self.children[child_id].closed = True

    @event(ChildAborted)
    def _record_child_aborted(self, meta: EventMeta, child_id: UUID) -> None:
        link = self.children[child_id]
        link.closed = link.aborted = True

    @event(Resumed)
    def _record_resumption(self, meta: EventMeta, at_step: str) -> None:
        self.step, self.status = at_step, Status.IN_PROGRESS
        self.updated_at = meta.occurred_at

    def _reset_fork_round(self) -> None:
        self.fork_fulfilled = False

    # -- review, evaluate, close -------------------------------------------------------

    class Fulfilled(Aggregate.Event):
        meta: EventMeta
        kind: str
        feedback: str

    class ReworkRequested(Aggregate.Event):
        meta: EventMeta
        feedback: str
        back_to: str

    def verify_with_requester(self, meta: EventMeta, agreed: bool, feedback: str = "") -> None:
        """Review delivery: the requester agrees (fulfilled) or not (rework)."""
        self._require_step(REVIEW, "verify the delivery with the requester")
        self._require_status("verify the delivery", Status.IN_PROGRESS)
        self._require_no_working_children("be verified")
        if agreed:
            self._check_deliverable()
            kind = FulfilmentKind.WORKFLOW if self.is_root else FulfilmentKind.PROCESS
            self._record_fulfilment(meta=meta, kind=kind.value, feedback=feedback)
        else:
            back_to = self.pattern.previous_step(REVIEW)
            self._record_rework(meta=meta, feedback=feedback, back_to=back_to)

    def _check_deliverable(self) -> None:
        """Hook: process-specific conditions for fulfilment."""

    @property
    def ended_without_agreement(self) -> bool:
        """True once a wish's negotiation failed; other calls never end that way."""
        return False

    @event(Fulfilled)
    def _record_fulfilment(self, meta: EventMeta, kind: str, feedback: str) -> None:
        self.status = Status(kind)
        self.fulfilment = kind
        self.fulfilled_at = meta.occurred_at
        self._advance(meta)

    @event(ReworkRequested)
    def _record_rework(self, meta: EventMeta, feedback: str, back_to: str) -> None:
        self._visit(meta)
        self.step, self.status = back_to, Status.IN_PROGRESS
        self.rework_count += 1
        self._reset_fork_round()

    class Evaluated(Aggregate.Event):
        meta: EventMeta
        evaluation: dict[str, object]

    class ImprovementRiskSubmitted(Aggregate.Event):
        meta: EventMeta
        risk_call_id: UUID
        improvement: str

    def evaluate(
        self, meta: EventMeta, evaluation: Evaluation, improvement_risk_ids: list[UUID]
    ) -> None:
        """Answer the five evaluation questions; each improvement raises a new risk call."""
        self._require_step(EVALUATE_CLOSE, "evaluate")
        self._require_status(
            "evaluate", Status.WORKFLOW_FULFILLED, Status.PROCESS_FULFILLED, Status.NO_AGREEMENT
        )
        if self.evaluation is not None:
            raise WrongStatusError(f"call {self.tracking_number} is already evaluated")
        self._check_evaluation(evaluation)
        if len(improvement_risk_ids) != len(evaluation.improvements):
            raise ImprovementRiskMissingError(
                f"{len(evaluation.improvements)} improvements need as many new risk calls, "
                f"got {len(improvement_risk_ids)}"
            )
        self._record_evaluation(meta=meta, evaluation=evaluation.to_dict())
        for risk_id, improvement in zip(improvement_risk_ids, evaluation.improvements, strict=True):
            self._record_improvement_risk(meta=meta, risk_call_id=risk_id, improvement=improvement)

    def _check_evaluation(self, evaluation: Evaluation) -> None:
        """Hook: process-specific evaluation requirements."""

    @event(Evaluated)
    def _record_evaluation(self, meta: EventMeta, evaluation: dict[str, object]) -> None:
        self.evaluation = Evaluation.from_dict(evaluation)
        self._visit(meta)

    @event(ImprovementRiskSubmitted)
    def _record_improvement_risk(
        self, meta: EventMeta, risk_call_id: UUID, improvement: str
    ) -> None:
        self.improvement_risk_ids.append(risk_call_id)

    class Closed(Aggregate.Event):
        meta: EventMeta

    def close(self, meta: EventMeta) -> None:
        """Close an evaluated call whose child calls are all closed."""
        self._require_step(EVALUATE_CLOSE, "close")
        if self.evaluation is None:
            raise EvaluationRequiredError(
                f"call {self.tracking_number} must be evaluated before it is closed"
            )
        if self.unclosed_children():
            raise ChildCallsOpenError(
                f"call {self.tracking_number} still has open child "
                f"calls: {len(self.unclosed_children())}"
            )
        self._record_closure(meta=meta)

    @event(Closed)
    def _record_closure(self, meta: EventMeta) -> None:
        self.status = Status.CLOSED
        self.closed_at = meta.occurred_at
        self._visit(meta)
