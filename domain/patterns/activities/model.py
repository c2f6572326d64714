"""Profiles, RACI letters and the activity records that fill in each process step."""

from dataclasses import dataclass
from enum import StrEnum


class Profile(StrEnum):
    """The fixed USM profiles the default activities assign responsibilities to."""

    REQUESTER = "requester"
    SERVICE_DESK_OPERATOR = "service-desk-operator"
    WORKFLOW_COORDINATOR = "workflow-coordinator"
    WORKFLOW_MANAGER = "workflow-manager"
    SERVICE_MANAGER = "service-manager"
    OPERATOR = "operator"
    SOLUTION_TEAM = "solution-team"
    CHANGE_APPROVER = "change-approver"

    @property
    def display_name(self) -> str:
        """A human-readable name for the profile."""
        return _PROFILE_NAMES[self]


_PROFILE_NAMES: dict[Profile, str] = {
    Profile.REQUESTER: "Requester",
    Profile.SERVICE_DESK_OPERATOR: "Service desk operator",
    Profile.WORKFLOW_COORDINATOR: "Workflow coordinator",
    Profile.WORKFLOW_MANAGER: "Workflow manager",
    Profile.SERVICE_MANAGER: "Service manager",
    Profile.OPERATOR: "Operator",
    Profile.SOLUTION_TEAM: "Solution team",
    Profile.CHANGE_APPROVER: "Change approver (people involved by change category)",
}


class Responsibility(StrEnum):
    """RACI: responsible, accountable, consulted, informed."""

    R = "R"
    A = "A"
    C = "C"
    I = "I"  # noqa: E741


Assignment = tuple[Profile, tuple[Responsibility, ...]]


class RaciError(ValueError):
    """An activity breaks the RACI rule: exactly one A and at least one R."""


@dataclass(frozen=True)
class Activity:
    """One activity of a step; ``key`` is unique within the step."""

    key: str
    description: str
    assignments: tuple[Assignment, ...]

    def __post_init__(self) -> None:
        accountable = self.holders(Responsibility.A)
        if len(accountable) != 1:
            raise RaciError(f"{self.key}: needs exactly one A, has {len(accountable)}")
        if not self.holders(Responsibility.R):
            raise RaciError(f"{self.key}: needs at least one R")

    def holders(self, letter: Responsibility) -> tuple[Profile, ...]:
        """The profiles that hold ``letter`` for this activity."""
        return tuple(profile for profile, letters in self.assignments if letter in letters)

    @property
    def accountable(self) -> Profile:
        """The one accountable profile."""
        return self.holders(Responsibility.A)[0]

    @property
    def profiles(self) -> tuple[Profile, ...]:
        """Every profile with some responsibility for this activity."""
        return tuple(profile for profile, _ in self.assignments)


@dataclass(frozen=True)
class StepDetail:
    """What a process step is for and the ordered activities that carry it out."""

    description: str
    activities: tuple[Activity, ...]


ProfileSpec = Profile | tuple[Profile, ...]


def _as_tuple(spec: ProfileSpec) -> tuple[Profile, ...]:
    return (spec,) if isinstance(spec, Profile) else spec


def activity(
    key: str,
    description: str,
    *,
    a: Profile,
    r: ProfileSpec,
    c: ProfileSpec = (),
    i: ProfileSpec = (),
) -> Activity:
    """Build an activity from RACI keyword arguments; profiles appear in enum order."""
    letters: dict[Profile, list[Responsibility]] = {}
    for letter, spec in (
        (Responsibility.R, r),
        (Responsibility.A, a),
        (Responsibility.C, c),
        (Responsibility.I, i),
    ):
        for profile in _as_tuple(spec):
            letters.setdefault(profile, []).append(letter)
    ordered = tuple((p, tuple(letters[p])) for p in Profile if p in letters)
    return Activity(key, description, ordered)


def step(description: str, *activities: Activity) -> StepDetail:
    """Build a step detail from its description and activities."""
    return StepDetail(description, activities)
