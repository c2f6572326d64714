"""USM architecture patterns as versioned data (``usm-patterns@1``)."""

from domain.patterns.catalog import CURRENT_VERSION, PatternSet, known_versions, pattern_set
from domain.patterns.classification import ClassificationError, ClassificationScheme
from domain.patterns.processes import (
    ACCEPT,
    CLASSIFY,
    EVALUATE_CLOSE,
    PROCESSES,
    REVIEW,
    ProcessPattern,
    Step,
    process_pattern,
)
from domain.patterns.vocabulary import (
    REQUEST_TYPES,
    AgreementKind,
    CallType,
    Dynamicity,
    Effect,
    FulfilmentKind,
    Impact,
    Likelihood,
    Origin,
    Process,
    RiskKind,
    Status,
    Urgency,
    WorkflowType,
)
from domain.patterns.workflows import (
    WORKFLOWS,
    ForkPoint,
    PathSegment,
    WorkflowTemplate,
    format_path,
    workflow_decided_by_fork,
    workflow_for_root,
)

__all__ = [
    "ACCEPT", "CLASSIFY", "CURRENT_VERSION", "EVALUATE_CLOSE", "PROCESSES", "REQUEST_TYPES",
    "REVIEW", "WORKFLOWS", "AgreementKind", "CallType", "ClassificationError",
    "ClassificationScheme", "Dynamicity", "Effect", "ForkPoint", "FulfilmentKind", "Impact",
    "Likelihood", "Origin", "PathSegment", "PatternSet", "Process", "ProcessPattern",
    "RiskKind", "Status", "Step", "Urgency", "WorkflowTemplate", "WorkflowType",
    "format_path", "known_versions", "pattern_set", "process_pattern",
    "workflow_decided_by_fork", "workflow_for_root",
]
