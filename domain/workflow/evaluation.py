"""Evaluation with USM's built-in improvement loop: every improvement becomes a risk."""

from typing import cast

from domain.calls import Call, Evaluation, RiskCall, call_id
from domain.patterns import CallType
from domain.shared import EventMeta
from domain.workflow.intake import submit_call


def evaluate_call(
    call: Call, meta: EventMeta, evaluation: Evaluation, risk_tracking_numbers: list[str]
) -> list[RiskCall]:
    """Evaluate the call and submit one new risk call per improvement found."""
    risk_ids = [call_id(meta.tenant_id, number) for number in risk_tracking_numbers]
    call.evaluate(meta, evaluation, risk_ids)
    risks = []
    for number, improvement in zip(risk_tracking_numbers, evaluation.improvements, strict=True):
        risk = submit_call(
            meta,
            CallType.RISK,
            number,
            summary=improvement,
            description=f"Improvement found while evaluating {call.tracking_number}.",
            requester=meta.actor,
            customer=call.customer,
            service_ids=call.service_ids,
            channel="evaluation",
            mic_ids=call.mic_ids,
            pattern_version=call.pattern_version,
        )
        risk.link(meta, "call", call.id)
        risks.append(cast(RiskCall, risk))
    return risks
