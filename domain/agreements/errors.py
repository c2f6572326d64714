"""Errors of the agreements context."""

from domain.shared.errors import DomainError


class AgreementError(DomainError):
    code = "agreement-rule-violated"


class AgreeCallRequiredError(AgreementError):
    code = "agree-call-required"


class AgreementTransitionError(AgreementError):
    code = "illegal-agreement-transition"


class InvalidHandlingTargetError(AgreementError):
    code = "invalid-handling-target"


class IncompleteCompositionError(AgreementError):
    code = "incomplete-agreement-composition"


class SupersessionError(AgreementError):
    code = "invalid-supersession"
