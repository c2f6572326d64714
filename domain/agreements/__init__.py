"""Agreements: SA, OLA and UC, with handling targets per priority."""

from domain.agreements.agreement import Agreement, AgreementStatus
from domain.agreements.errors import (
    AgreeCallRequiredError,
    AgreementError,
    AgreementTransitionError,
    IncompleteCompositionError,
    InvalidHandlingTargetError,
    SupersessionError,
)
from domain.agreements.targets import HandlingTarget

__all__ = [
    "AgreeCallRequiredError",
    "Agreement",
    "AgreementError",
    "AgreementStatus",
    "AgreementTransitionError",
    "HandlingTarget",
    "IncompleteCompositionError",
    "InvalidHandlingTargetError",
    "SupersessionError",
]
