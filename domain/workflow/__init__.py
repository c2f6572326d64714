"""Domain services spanning several aggregates: intake, forks, offers, MIR updates, paths.

They stay pure: the caller loads the aggregates, calls one function, and saves every
aggregate it touched in one transaction.
"""

from domain.workflow.catalog import register_service, specify_service
from domain.workflow.evaluation import evaluate_call
from domain.workflow.forks import child_outcome, fork, settle_with_parent
from domain.workflow.intake import accept_or_reject, authorization_problem, submit_call
from domain.workflow.mir_updates import (
    ChangeMicAttributes,
    MirOperation,
    RegisterMic,
    RelateMics,
    RetireMic,
    update_mir,
)
from domain.workflow.offers import (
    AgreementDraft,
    draft_offer,
    fail_negotiation,
    put_in_force,
    reach_agreement,
    record_negotiation_round,
)
from domain.workflow.paths import workflow_path

__all__ = [
    "AgreementDraft",
    "ChangeMicAttributes",
    "MirOperation",
    "RegisterMic",
    "RelateMics",
    "RetireMic",
    "accept_or_reject",
    "authorization_problem",
    "child_outcome",
    "draft_offer",
    "evaluate_call",
    "fail_negotiation",
    "fork",
    "put_in_force",
    "reach_agreement",
    "record_negotiation_round",
    "register_service",
    "settle_with_parent",
    "specify_service",
    "submit_call",
    "update_mir",
    "workflow_path",
]
