"""The shared USM vocabulary: processes, call types, statuses, workflow types, scales."""

from enum import StrEnum


class Process(StrEnum):
    """The five USM processes."""

    AGREE = "agree"
    CHANGE = "change"
    RECOVER = "recover"
    OPERATE = "operate"
    IMPROVE = "improve"


class CallType(StrEnum):
    """The five call types; each triggers exactly one process."""

    WISH = "wish"
    RFC = "rfc"
    INCIDENT = "incident"
    SERVICE_REQUEST = "service_request"
    RISK = "risk"

    @property
    def process(self) -> Process:
        return _PROCESS_OF_CALL_TYPE[self]

    @classmethod
    def for_process(cls, process: Process) -> "CallType":
        return _CALL_TYPE_OF_PROCESS[process]


_PROCESS_OF_CALL_TYPE = {
    CallType.WISH: Process.AGREE,
    CallType.RFC: Process.CHANGE,
    CallType.INCIDENT: Process.RECOVER,
    CallType.SERVICE_REQUEST: Process.OPERATE,
    CallType.RISK: Process.IMPROVE,
}
_CALL_TYPE_OF_PROCESS = {process: call_type for call_type, process in _PROCESS_OF_CALL_TYPE.items()}

# Only these four cross an organization's boundary; risks stay internal.
REQUEST_TYPES = frozenset(
    {CallType.WISH, CallType.RFC, CallType.INCIDENT, CallType.SERVICE_REQUEST}
)


class Status(StrEnum):
    """Where a call stands. Step-level detail lives in the call's current step."""

    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    CLASSIFIED = "classified"
    IN_PROGRESS = "in progress"
    AWAITING_CHILD = "awaiting child"
    KNOWN_ERROR = "known error"
    PROCESS_FULFILLED = "process fulfilled"
    WORKFLOW_FULFILLED = "workflow fulfilled"
    NO_AGREEMENT = "no agreement"
    REJECTED = "rejected"
    ABORTED = "aborted"
    CLOSED = "closed"

    @property
    def is_terminal(self) -> bool:
        return self in _TERMINAL

    @property
    def is_fulfilled(self) -> bool:
        return self in (Status.PROCESS_FULFILLED, Status.WORKFLOW_FULFILLED)


_TERMINAL = frozenset({Status.REJECTED, Status.ABORTED, Status.CLOSED})


class WorkflowType(StrEnum):
    """The eight USM workflows."""

    W1 = "W1"
    W2 = "W2"
    W3 = "W3"
    W4 = "W4"
    W5 = "W5"
    W6 = "W6"
    W7 = "W7"
    W8 = "W8"


class Origin(StrEnum):
    REACTIVE = "reactive"
    PROACTIVE = "proactive"


class Dynamicity(StrEnum):
    """Static paths are known at submission; dynamic ones are decided at the fork."""

    STATIC = "static"
    DYNAMIC = "dynamic"


class Impact(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    NIL = "nil"


class Urgency(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Effect(StrEnum):
    SEVERE = "severe"
    MAJOR = "major"
    MODERATE = "moderate"
    MINOR = "minor"


class Likelihood(StrEnum):
    ALMOST_CERTAIN = "almost certain"
    LIKELY = "likely"
    POSSIBLE = "possible"
    UNLIKELY = "unlikely"
    RARE = "rare"


class RiskKind(StrEnum):
    THREAT = "threat"
    OPPORTUNITY = "opportunity"


class FulfilmentKind(StrEnum):
    WORKFLOW = "workflow fulfilled"
    PROCESS = "process fulfilled"


class AgreementKind(StrEnum):
    SA = "SA"
    OLA = "OLA"
    UC = "UC"
