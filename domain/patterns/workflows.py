"""The eight USM workflow templates: trigger, process path and fork points."""

from dataclasses import dataclass

from domain.patterns.vocabulary import CallType, Dynamicity, Origin, Process, WorkflowType


@dataclass(frozen=True)
class PathSegment:
    """A run of consecutive steps of one process, e.g. CHANGE(1-6)."""

    process: Process
    first: int
    last: int

    def __str__(self) -> str:
        return f"{self.process.name}({self.first}-{self.last})"


@dataclass(frozen=True)
class ForkPoint:
    """At ``step`` of ``process`` a call in this workflow may fork to ``targets``."""

    process: Process
    step: str
    targets: tuple[Process, ...]


@dataclass(frozen=True)
class WorkflowTemplate:
    type: WorkflowType
    number: int
    name: str
    trigger: CallType
    origin: Origin
    dynamicity: Dynamicity
    path: tuple[PathSegment, ...]
    fork_points: tuple[ForkPoint, ...]

    @property
    def root_process(self) -> Process:
        return self.trigger.process

    @property
    def path_text(self) -> str:
        return format_path(self.path)

    def allows_fork(self, process: Process, step: str, target: Process) -> bool:
        return any(
            point.process == process and point.step == step and target in point.targets
            for point in self.fork_points
        )


def format_path(path: tuple[PathSegment, ...] | list[PathSegment]) -> str:
    return " > ".join(str(segment) for segment in path)


def _p(process: Process, first: int, last: int) -> PathSegment:
    return PathSegment(process, first, last)


A, C, R = Process.AGREE, Process.CHANGE, Process.RECOVER
O, I = Process.OPERATE, Process.IMPROVE  # noqa: E741 (process initials, as in USM paths)
_AGREE_FORK = ForkPoint(A, "realize", (C,))
_CHANGE_FORK = ForkPoint(C, "deploy", (O,))
_W1_PATH = (_p(A, 1, 6), _p(C, 1, 6), _p(O, 1, 6), _p(C, 7, 9), _p(A, 7, 8))
_W2_PATH = (_p(C, 1, 6), _p(O, 1, 6), _p(C, 7, 9))

WORKFLOWS: dict[WorkflowType, WorkflowTemplate] = {
    template.type: template
    for template in (
        WorkflowTemplate(
            WorkflowType.W1,
            1,
            "Changes to agreements",
            CallType.WISH,
            Origin.REACTIVE,
            Dynamicity.STATIC,
            _W1_PATH,
            (_AGREE_FORK, _CHANGE_FORK),
        ),
        WorkflowTemplate(
            WorkflowType.W2,
            2,
            "Changes to managed resources",
            CallType.RFC,
            Origin.REACTIVE,
            Dynamicity.STATIC,
            _W2_PATH,
            (_CHANGE_FORK,),
        ),
        WorkflowTemplate(
            # An extra Operate child (a workaround) is allowed beside the change.
            WorkflowType.W3,
            3,
            "Incident with changes to managed resources",
            CallType.INCIDENT,
            Origin.REACTIVE,
            Dynamicity.DYNAMIC,
            (_p(R, 1, 5), *_W2_PATH, _p(R, 6, 7)),
            (ForkPoint(R, "recover", (C, O)), _CHANGE_FORK),
        ),
        WorkflowTemplate(
            WorkflowType.W4,
            4,
            "Incidents without changes to managed resources",
            CallType.INCIDENT,
            Origin.REACTIVE,
            Dynamicity.DYNAMIC,
            (_p(R, 1, 5), _p(O, 1, 6), _p(R, 6, 7)),
            (ForkPoint(R, "recover", (O,)),),
        ),
        WorkflowTemplate(
            WorkflowType.W5,
            5,
            "Operate",
            CallType.SERVICE_REQUEST,
            Origin.REACTIVE,
            Dynamicity.STATIC,
            (_p(O, 1, 6),),
            (),
        ),
        WorkflowTemplate(
            WorkflowType.W6,
            6,
            "Risks with changes to agreements",
            CallType.RISK,
            Origin.PROACTIVE,
            Dynamicity.DYNAMIC,
            (_p(I, 1, 5), *_W1_PATH, _p(I, 6, 7)),
            (ForkPoint(I, "deploy_measure", (A,)), _AGREE_FORK, _CHANGE_FORK),
        ),
        WorkflowTemplate(
            WorkflowType.W7,
            7,
            "Risks with changes to managed resources",
            CallType.RISK,
            Origin.PROACTIVE,
            Dynamicity.DYNAMIC,
            (_p(I, 1, 5), *_W2_PATH, _p(I, 6, 7)),
            (ForkPoint(I, "deploy_measure", (C,)), _CHANGE_FORK),
        ),
        WorkflowTemplate(
            WorkflowType.W8,
            8,
            "Risks that can be handled by operations",
            CallType.RISK,
            Origin.PROACTIVE,
            Dynamicity.DYNAMIC,
            (_p(I, 1, 5), _p(O, 1, 6), _p(I, 6, 7)),
            (ForkPoint(I, "deploy_measure", (O,)),),
        ),
    )
}

# Which workflow a root's first fork decides (for the dynamic workflows).
_RESOLVED_AT_FORK: dict[tuple[Process, Process], WorkflowType] = {
    (R, C): WorkflowType.W3,
    (R, O): WorkflowType.W4,
    (I, A): WorkflowType.W6,
    (I, C): WorkflowType.W7,
    (I, O): WorkflowType.W8,
}
_STATIC_FOR_ROOT: dict[Process, WorkflowType] = {
    A: WorkflowType.W1,
    C: WorkflowType.W2,
    O: WorkflowType.W5,
}


def workflow_for_root(process: Process) -> WorkflowType | None:
    """The workflow a root call of ``process`` runs, if it is known before any fork."""
    return _STATIC_FOR_ROOT.get(process)


def workflow_decided_by_fork(root: Process, target: Process) -> WorkflowType | None:
    """The workflow a root call's first fork to ``target`` resolves to, if any."""
    return _RESOLVED_AT_FORK.get((root, target))
