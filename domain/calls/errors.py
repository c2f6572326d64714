"""Errors raised when a command on a call breaks a USM rule. Nothing changes when they do."""

from domain.shared.errors import DomainError


class CallError(DomainError):
    code = "call-rule-violated"


class CallNotOpenError(CallError):
    code = "call-not-open"


class WrongStepError(CallError):
    code = "wrong-step"


class WrongStatusError(CallError):
    code = "wrong-status"


class ServiceLinkRequiredError(CallError):
    code = "service-link-required"


class AlreadyLinkedError(CallError):
    code = "already-linked"


class UnknownLinkKindError(CallError):
    code = "unknown-link-kind"


class UnknownCategoryError(CallError):
    code = "unknown-category"


class WrongClassificationError(CallError):
    code = "wrong-classification"


class ForkNotAllowedError(CallError):
    code = "fork-not-allowed"


class ChildCallsOpenError(CallError):
    code = "child-calls-open"


class NotAChildError(CallError):
    code = "not-a-child"


class DeploymentRequiredError(CallError):
    code = "deployment-required"


class EvaluationRequiredError(CallError):
    code = "evaluation-required"


class InvalidEvaluationError(CallError):
    code = "evaluation-invalid"


class ImprovementRiskMissingError(CallError):
    code = "improvement-risk-missing"


class RecoveryRouteError(CallError):
    code = "recovery-route-invalid"


class MeasureError(CallError):
    code = "measure-invalid"


class MirUpdateNotAllowedError(CallError):
    code = "mir-update-not-allowed"


class ChangeWindowError(CallError):
    code = "change-window-invalid"


class RealizationPendingError(CallError):
    code = "realization-pending"


class ForkedCallRejectionError(CallError):
    code = "forked-call-cannot-be-rejected"
