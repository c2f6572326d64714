"""Submitting calls and deciding at intake whether the requester is authorized."""

from collections.abc import Iterable
from uuid import UUID

from domain.agreements import Agreement
from domain.calls import CALL_CLASSES, Call
from domain.organization import ServiceOrganization
from domain.patterns import CURRENT_VERSION, AgreementKind, CallType, workflow_for_root
from domain.shared import EventMeta


def submit_call(
    meta: EventMeta,
    call_type: CallType,
    tracking_number: str,
    summary: str,
    requester: str,
    customer: str,
    service_ids: list[UUID],
    description: str = "",
    channel: str = "portal",
    mic_ids: list[UUID] | None = None,
    pattern_version: str = CURRENT_VERSION,
) -> Call:
    """Register a new root call; static workflows (W1, W2, W5) are known right away."""
    workflow = workflow_for_root(call_type.process)
    return CALL_CLASSES[call_type](
        meta=meta,
        tracking_number=tracking_number,
        summary=summary,
        description=description,
        requester=requester,
        customer=customer,
        channel=channel,
        service_ids=list(service_ids),
        mic_ids=list(mic_ids or []),
        parent_id=None,
        root_id=None,
        depth=0,
        workflow=workflow.value if workflow else None,
        pattern_version=pattern_version,
    )


def authorization_problem(
    call: Call, organization: ServiceOrganization, agreements: Iterable[Agreement]
) -> str | None:
    """Why the requester may not submit this call, or None when authorized.

    Forked calls inherit their parent's authorization; anyone may express a wish; risks
    come from the provider's own people; the other requests need a service agreement in
    force that covers one of the call's services for the requester's customer.
    """
    if not call.is_root or call.call_type is CallType.WISH:
        return None
    if call.call_type is CallType.RISK:
        if organization.is_member(call.requester):
            return None
        return f"{call.requester} holds no profile in {organization.name} and cannot raise risks"
    for agreement in agreements:
        if (
            agreement.is_in_force
            and agreement.kind is AgreementKind.SA
            and agreement.customer == call.customer
            and any(agreement.covers(service) for service in call.service_ids)
        ):
            return None
    return (
        f"customer {call.customer} has no service agreement in force covering the "
        f"services of {call.tracking_number}"
    )


def accept_or_reject(
    call: Call, meta: EventMeta, organization: ServiceOrganization, agreements: Iterable[Agreement]
) -> None:
    """Accept the call if the requester is authorized; otherwise reject it with the reason."""
    call.check_complete()
    problem = authorization_problem(call, organization, agreements)
    if problem is None:
        call.accept(meta)
    else:
        call.reject(meta, problem)
