"""Versioned sets of USM architecture patterns; tenants adopt one version by name."""

from dataclasses import dataclass

from domain.patterns.classification import ClassificationScheme
from domain.patterns.processes import PROCESSES, ProcessPattern
from domain.patterns.vocabulary import Process, Status, WorkflowType
from domain.patterns.workflows import WORKFLOWS, WorkflowTemplate
from domain.shared.errors import DomainError

CURRENT_VERSION = "usm-patterns@1"


class UnknownPatternVersionError(DomainError):
    code = "unknown-pattern-version"


@dataclass(frozen=True)
class PatternSet:
    """Processes, workflow templates, statuses and default tables under one version."""

    version: str
    processes: dict[Process, ProcessPattern]
    workflows: dict[WorkflowType, WorkflowTemplate]
    statuses: tuple[Status, ...]
    default_scheme: ClassificationScheme

    def process(self, process: Process) -> ProcessPattern:
        return self.processes[process]

    def workflow(self, workflow: WorkflowType) -> WorkflowTemplate:
        return self.workflows[workflow]


_PATTERN_SETS = {
    CURRENT_VERSION: PatternSet(
        CURRENT_VERSION, PROCESSES, WORKFLOWS, tuple(Status), ClassificationScheme(version=1)
    ),
}


def pattern_set(version: str = CURRENT_VERSION) -> PatternSet:
    try:
        return _PATTERN_SETS[version]
    except KeyError:
        known = ", ".join(sorted(_PATTERN_SETS))
        raise UnknownPatternVersionError(
            f"pattern version {version!r} is unknown (known: {known})"
        ) from None


def known_versions() -> tuple[str, ...]:
    return tuple(sorted(_PATTERN_SETS))
