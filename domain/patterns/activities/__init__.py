"""Step descriptions and activities, with RACI per profile, for every process step."""

from domain.patterns.activities import agree, change, improve, operate, recover
from domain.patterns.activities.model import (
    Activity,
    Assignment,
    Profile,
    RaciError,
    Responsibility,
    StepDetail,
)
from domain.patterns.vocabulary import Process

STEP_DETAILS: dict[Process, dict[str, StepDetail]] = {
    Process.AGREE: agree.STEPS,
    Process.CHANGE: change.STEPS,
    Process.RECOVER: recover.STEPS,
    Process.OPERATE: operate.STEPS,
    Process.IMPROVE: improve.STEPS,
}


def step_detail(process: Process, step_id: str) -> StepDetail:
    """The description and activities of one process step."""
    try:
        return STEP_DETAILS[process][step_id]
    except KeyError:
        raise KeyError(f"{process.value} has no step {step_id!r}") from None


def step_description(process: Process, step_id: str) -> str:
    """What one process step is for, in a sentence."""
    return step_detail(process, step_id).description


def step_activities(process: Process, step_id: str) -> tuple[Activity, ...]:
    """The ordered activities of one process step."""
    return step_detail(process, step_id).activities


__all__ = [
    "STEP_DETAILS",
    "Activity",
    "Assignment",
    "Profile",
    "RaciError",
    "Responsibility",
    "StepDetail",
    "step_activities",
    "step_description",
    "step_detail",
]
