"""Calls: the five call types on USM's common step skeleton, with forks between them."""

from domain.calls.call import Call
from domain.calls.call_intake import LinkKind, call_id
from domain.calls.children import ChildLink, ChildOutcome
from domain.calls.errors import (
    AlreadyLinkedError,
    CallError,
    CallNotOpenError,
    ChangeWindowError,
    ChildCallsOpenError,
    DeploymentRequiredError,
    EvaluationRequiredError,
    ForkedCallRejectionError,
    ForkNotAllowedError,
    ImprovementRiskMissingError,
    InvalidEvaluationError,
    MeasureError,
    MirUpdateNotAllowedError,
    NotAChildError,
    RealizationPendingError,
    RecoveryRouteError,
    ServiceLinkRequiredError,
    UnknownCategoryError,
    UnknownLinkKindError,
    WrongClassificationError,
    WrongStatusError,
    WrongStepError,
)
from domain.calls.evaluation import Evaluation
from domain.calls.incident import IncidentCall, RecoveryRoute
from domain.calls.rfc import ChangeCall
from domain.calls.risk import RiskCall
from domain.calls.service_request import CalendarSection, MonitoringSignal, ServiceRequestCall
from domain.calls.wish import WishCall
from domain.patterns import CallType

CALL_CLASSES: dict[CallType, type[Call]] = {
    CallType.WISH: WishCall,
    CallType.RFC: ChangeCall,
    CallType.INCIDENT: IncidentCall,
    CallType.SERVICE_REQUEST: ServiceRequestCall,
    CallType.RISK: RiskCall,
}

TRACKING_PREFIXES: dict[CallType, str] = {
    CallType.WISH: "WSH",
    CallType.RFC: "RFC",
    CallType.INCIDENT: "INC",
    CallType.SERVICE_REQUEST: "SRQ",
    CallType.RISK: "RSK",
}

__all__ = [
    "CALL_CLASSES",
    "TRACKING_PREFIXES",
    "AlreadyLinkedError",
    "CalendarSection",
    "Call",
    "CallError",
    "CallNotOpenError",
    "ChangeCall",
    "ChangeWindowError",
    "ChildCallsOpenError",
    "ChildLink",
    "ChildOutcome",
    "DeploymentRequiredError",
    "Evaluation",
    "EvaluationRequiredError",
    "ForkNotAllowedError",
    "ForkedCallRejectionError",
    "ImprovementRiskMissingError",
    "IncidentCall",
    "InvalidEvaluationError",
    "LinkKind",
    "MeasureError",
    "MirUpdateNotAllowedError",
    "MonitoringSignal",
    "NotAChildError",
    "RealizationPendingError",
    "RecoveryRoute",
    "RecoveryRouteError",
    "RiskCall",
    "ServiceLinkRequiredError",
    "ServiceRequestCall",
    "UnknownCategoryError",
    "UnknownLinkKindError",
    "WishCall",
    "WrongClassificationError",
    "WrongStatusError",
    "WrongStepError",
    "call_id",
]
