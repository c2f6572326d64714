"""Handlers for the generic call skeleton: intake, forks, review, MIR, evaluation, closure."""

import hashlib
from typing import TYPE_CHECKING, Any

from domain.calls import TRACKING_PREFIXES, ChangeCall, MonitoringSignal, ServiceRequestCall
from domain.commands import (
    AbortCall,
    AcceptCall,
    ClassifyCall,
    CloseCall,
    EvaluateCall,
    ForkCall,
    LinkCall,
    LogMonitoringEvent,
    SubmitCall,
    UpdateMir,
    VerifyWithRequester,
)
from domain.mir import ManagedInfrastructureComponent
from domain.patterns import CallType
from domain.shared import EventMeta
from domain.workflow import (
    RegisterMic,
    accept_or_reject,
    evaluate_call,
    fork,
    submit_call,
    update_mir,
)
from tenants.handlers.common import load_call, load_call_of, with_parent

if TYPE_CHECKING:
    from tenants.service_desk import ServiceDesk

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def tracking_number(call_type: CallType, meta: EventMeta, index: int = 0) -> str:
    """The tracking number of the ``index``-th call a command creates.

    50 bits of a hash of the command's id: a clash within a tenant is very unlikely, and the
    call id derived from the number turns any clash into a detected conflict. Because the
    number follows from the command, running the same command twice (an idempotent request
    retried after its first answer was lost) names the same call, and the second save is
    refused instead of creating the incident again.
    """
    digest = hashlib.sha256(f"{meta.causation_id}/{index}".encode()).digest()
    bits = int.from_bytes(digest[:8], "big") >> 14
    token = "".join(_CROCKFORD[(bits >> shift) & 31] for shift in range(45, -1, -5))
    return f"{TRACKING_PREFIXES[call_type]}-{token}"


def submit(desk: "ServiceDesk", cmd: SubmitCall, meta: EventMeta) -> list[Any]:
    pattern_version = desk.organization().pattern_version
    call = submit_call(
        meta,
        cmd.call_type,
        cmd.tracking_number or tracking_number(cmd.call_type, meta),
        cmd.summary,
        cmd.requester,
        cmd.customer,
        cmd.service_ids,
        cmd.description,
        cmd.channel,
        cmd.mic_ids,
        pattern_version,
    )
    return [call]


def link(desk: "ServiceDesk", cmd: LinkCall, meta: EventMeta) -> list[Any]:
    call = load_call(desk, cmd)
    call.link(meta, cmd.kind, cmd.target_id)
    return [call]


def accept(desk: "ServiceDesk", cmd: AcceptCall, meta: EventMeta) -> list[Any]:
    call = load_call(desk, cmd)
    agreements = desk.service_agreements_of(call.customer) if call.is_root else []
    accept_or_reject(call, meta, desk.organization(), agreements)
    return [call]


def classify(desk: "ServiceDesk", cmd: ClassifyCall, meta: EventMeta) -> list[Any]:
    call = load_call(desk, cmd)
    call.classify(meta, desk.organization().scheme, cmd.category, cmd.impact, cmd.urgency)
    return [call]


def fork_handler(desk: "ServiceDesk", cmd: ForkCall, meta: EventMeta) -> list[Any]:
    parent = load_call(desk, cmd)
    child_type = CallType.for_process(cmd.target)
    child = fork(parent, meta, cmd.target, tracking_number(child_type, meta), cmd.summary)
    return [parent, child]


def verify(desk: "ServiceDesk", cmd: VerifyWithRequester, meta: EventMeta) -> list[Any]:
    call = load_call(desk, cmd)
    call.verify_with_requester(meta, cmd.agreed, cmd.feedback)
    return with_parent(desk, call, meta)


def update_mir_handler(desk: "ServiceDesk", cmd: UpdateMir, meta: EventMeta) -> list[Any]:
    change = load_call_of(desk, cmd, ChangeCall)
    referenced = [op.mic_id for op in cmd.operations if not isinstance(op, RegisterMic)]
    existing = {
        mic.id: mic
        for mic in desk.aggregates(referenced, ManagedInfrastructureComponent, "MIR entry")
    }
    registered_codes = {
        op.code
        for op in cmd.operations
        if isinstance(op, RegisterMic)
        and desk.exists(ManagedInfrastructureComponent.create_id(meta, op.code))
    }
    mics = update_mir(change, meta, list(cmd.operations), existing, registered_codes)
    return [change, *mics]


def log_monitoring_event(
    desk: "ServiceDesk", cmd: LogMonitoringEvent, meta: EventMeta
) -> list[Any]:
    request = load_call_of(desk, cmd, ServiceRequestCall)
    raised = None
    if cmd.signal is not MonitoringSignal.INFORMATION:
        call_type = CallType.INCIDENT if cmd.signal is MonitoringSignal.FAILURE else CallType.RISK
        raised = submit_call(
            meta,
            call_type,
            tracking_number(call_type, meta),
            cmd.observation,
            meta.actor,
            request.customer,
            request.service_ids,
            f"Raised from monitoring during {request.tracking_number}.",
            "monitoring",
            request.mic_ids,
            request.pattern_version,
        )
        raised.link(meta, "call", request.id)
    request.log_monitoring_event(meta, cmd.observation, cmd.signal, raised.id if raised else None)
    return [request, *([raised] if raised else [])]


def evaluate(desk: "ServiceDesk", cmd: EvaluateCall, meta: EventMeta) -> list[Any]:
    call = load_call(desk, cmd)
    numbers = [
        tracking_number(CallType.RISK, meta, index)
        for index, _ in enumerate(cmd.evaluation.improvements)
    ]
    risks = evaluate_call(call, meta, cmd.evaluation, numbers)
    return [call, *risks]


def close(desk: "ServiceDesk", cmd: CloseCall, meta: EventMeta) -> list[Any]:
    call = load_call(desk, cmd)
    call.close(meta)
    return with_parent(desk, call, meta)


def abort(desk: "ServiceDesk", cmd: AbortCall, meta: EventMeta) -> list[Any]:
    call = load_call(desk, cmd)
    call.abort(meta, cmd.reason)
    return with_parent(desk, call, meta)


CALL_TREE_HANDLERS: dict[type, Any] = {
    SubmitCall: submit,
    LinkCall: link,
    AcceptCall: accept,
    ClassifyCall: classify,
    ForkCall: fork_handler,
    VerifyWithRequester: verify,
    UpdateMir: update_mir_handler,
    LogMonitoringEvent: log_monitoring_event,
    EvaluateCall: evaluate,
    CloseCall: close,
    AbortCall: abort,
}
