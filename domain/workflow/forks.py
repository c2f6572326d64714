"""Forks between processes and keeping a parent in step with its children."""

from domain.calls import CALL_CLASSES, Call, ChildOutcome, call_id
from domain.patterns import CallType, Process, Status
from domain.shared import EventMeta


def fork(
    parent: Call,
    meta: EventMeta,
    target: Process,
    child_tracking_number: str,
    summary: str | None = None,
) -> Call:
    """Open a child call of ``target`` that adopts the parent's workflow details."""
    child_id = call_id(meta.tenant_id, child_tracking_number)
    workflow = parent.open_fork(meta, child_id, child_tracking_number, target)
    return CALL_CLASSES[CallType.for_process(target)](
        meta=meta,
        tracking_number=child_tracking_number,
        summary=summary or parent.summary,
        description=f"Forked from {parent.tracking_number} at step '{parent.step}'. "
        f"{parent.description}".strip(),
        requester=parent.requester,
        customer=parent.customer,
        channel="fork",
        service_ids=list(parent.service_ids),
        mic_ids=list(parent.mic_ids),
        parent_id=parent.id,
        root_id=parent.root_id,
        depth=parent.depth + 1,
        workflow=workflow.value,
        pattern_version=parent.pattern_version,
    )


def child_outcome(child: Call) -> ChildOutcome | None:
    """What the child delivered, as its parent needs to know it (None: still working).

    An outcome, once reached, stays: a child that was fulfilled (or ended without
    agreement) and was aborted afterwards keeps that outcome.
    """
    if child.fulfilment is not None:
        return ChildOutcome.FULFILLED
    if child.ended_without_agreement:
        return ChildOutcome.NO_AGREEMENT
    if child.status is Status.ABORTED:
        return ChildOutcome.ABORTED
    return None


def settle_with_parent(child: Call, parent: Call, meta: EventMeta) -> None:
    """Record on the parent whatever the child reached since the parent last heard of it:
    its outcome, then whether it is done (closed, or aborted after its outcome)."""
    outcome = child_outcome(child)
    if parent.child_link(child.id).outcome is None and outcome is not None:
        parent.note_child_outcome(meta, child.id, outcome)
    if child.is_open or parent.child_link(child.id).closed:
        return
    if child.status is Status.ABORTED:
        parent.note_child_aborted(meta, child.id)
    else:
        parent.note_child_closed(meta, child.id)
