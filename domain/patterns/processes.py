"""The five processes as ordered steps: accept, classify, process steps, review, evaluate."""

from dataclasses import dataclass

from domain.patterns.vocabulary import CallType, Process

ACCEPT = "accept"
CLASSIFY = "classify"
REVIEW = "review"
EVALUATE_CLOSE = "evaluate_close"


@dataclass(frozen=True)
class Step:
    """One step of a process. ``fork_targets`` is non-empty only at a fork step."""

    id: str
    name: str
    fork_targets: tuple[Process, ...] = ()

    @property
    def is_fork(self) -> bool:
        return bool(self.fork_targets)


@dataclass(frozen=True)
class ProcessPattern:
    """A process, its trigger and its ordered steps (numbered from 1)."""

    process: Process
    acronym: str
    call_type: CallType
    purpose: str
    steps: tuple[Step, ...]

    def step(self, step_id: str) -> Step:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(f"{self.process.value} has no step {step_id!r}")

    def number(self, step_id: str) -> int:
        """The 1-based position of a step, as USM's workflow paths count them."""
        return self.steps.index(self.step(step_id)) + 1

    def next_step(self, step_id: str) -> str:
        return self.steps[self.number(step_id)].id

    def previous_step(self, step_id: str) -> str:
        return self.steps[self.number(step_id) - 2].id

    @property
    def fork_step(self) -> Step | None:
        return next((step for step in self.steps if step.is_fork), None)

    @property
    def step_ids(self) -> tuple[str, ...]:
        return tuple(step.id for step in self.steps)


def _skeleton(
    accept_name: str, *middle: Step, after_review: tuple[Step, ...] = ()
) -> tuple[Step, ...]:
    head = (Step(ACCEPT, accept_name), Step(CLASSIFY, "Classify"))
    tail = (
        Step(REVIEW, "Review delivery & feedback"),
        *after_review,
        Step(EVALUATE_CLOSE, "Evaluate & close"),
    )
    return (*head, *middle, *tail)


PROCESSES: dict[Process, ProcessPattern] = {
    Process.AGREE: ProcessPattern(
        Process.AGREE,
        "CTM",
        CallType.WISH,
        "Create and maintain agreements with customers, suppliers and internal teams",
        _skeleton(
            "Accept wishes",
            Step("specify_service", "Specify the service"),
            Step("draft_offer", "Draft offer"),
            Step("negotiate", "Negotiate"),
            Step("realize", "Realize", fork_targets=(Process.CHANGE,)),
        ),
    ),
    Process.CHANGE: ProcessPattern(
        Process.CHANGE,
        "CHM",
        CallType.RFC,
        "Change the managed infrastructure in a controlled way",
        _skeleton(
            "Accept RFC",
            Step("plan", "Plan & agree"),
            Step("prepare", "Prepare change"),
            Step("test_release", "Test & release"),
            Step("deploy", "Deploy", fork_targets=(Process.OPERATE,)),
            after_review=(Step("update_mir", "Update MIR"),),
        ),
    ),
    Process.RECOVER: ProcessPattern(
        Process.RECOVER,
        "INC",
        CallType.INCIDENT,
        "Restore the agreed service after a failure or an imminent failure",
        _skeleton(
            "Accept incident",
            Step("analyze", "Analyze"),
            Step("prepare_recovery", "Prepare recovery"),
            Step("recover", "Recover", fork_targets=(Process.CHANGE, Process.OPERATE)),
        ),
    ),
    Process.OPERATE: ProcessPattern(
        Process.OPERATE,
        "OPS",
        CallType.SERVICE_REQUEST,
        "Perform planned and requested operational activities that leave the MIR unchanged",
        _skeleton(
            "Accept service requests",
            Step("plan_activities", "Plan the activities"),
            Step("execute_activities", "Execute activities"),
        ),
    ),
    Process.IMPROVE: ProcessPattern(
        Process.IMPROVE,
        "RIM",
        CallType.RISK,
        "Manage risks: threats and opportunities",
        _skeleton(
            "Identify risks",
            Step("determine_cause", "Determine cause"),
            Step("select_measure", "Select measure"),
            Step(
                "deploy_measure",
                "Deploy measure",
                fork_targets=(Process.AGREE, Process.CHANGE, Process.OPERATE),
            ),
        ),
    ),
}


def process_pattern(process: Process) -> ProcessPattern:
    return PROCESSES[process]
