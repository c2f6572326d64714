"""Step descriptions and activities: coverage of every process step and the RACI rule."""

import ast
import sys
from pathlib import Path

import pytest

from domain.patterns import (
    PROCESSES,
    STEP_DETAILS,
    Activity,
    Process,
    Profile,
    RaciError,
    Responsibility,
    step_activities,
    step_description,
)

ALL_STEPS = [(process, step_id) for process, p in PROCESSES.items() for step_id in p.step_ids]
ALL_ACTIVITIES = [
    (process, step_id, activity)
    for process, step_id in ALL_STEPS
    for activity in step_activities(process, step_id)
]


def _ids(value: object) -> str:
    return value.value if isinstance(value, Process) else str(value)


def test_details_cover_exactly_the_process_steps() -> None:
    for process, pattern in PROCESSES.items():
        assert tuple(STEP_DETAILS[process]) == pattern.step_ids


@pytest.mark.parametrize(("process", "step_id"), ALL_STEPS, ids=_ids)
def test_every_step_has_a_description(process: Process, step_id: str) -> None:
    description = step_description(process, step_id)
    assert description.strip()
    assert description.endswith(".")


@pytest.mark.parametrize(("process", "step_id"), ALL_STEPS, ids=_ids)
def test_every_step_has_two_to_six_activities(process: Process, step_id: str) -> None:
    activities = step_activities(process, step_id)
    assert 2 <= len(activities) <= 6
    keys = [activity.key for activity in activities]
    assert len(keys) == len(set(keys)), "activity keys must be unique within a step"
    assert all(activity.description.strip() for activity in activities)


def test_raci_rule_exactly_one_a_and_at_least_one_r_everywhere() -> None:
    for process, step_id, activity in ALL_ACTIVITIES:
        letters = [letter for _, assigned in activity.assignments for letter in assigned]
        where = f"{process.value}.{step_id}.{activity.key}"
        assert letters.count(Responsibility.A) == 1, where
        assert letters.count(Responsibility.R) >= 1, where


def test_no_profile_is_listed_twice_or_given_a_letter_twice() -> None:
    for _, _, activity in ALL_ACTIVITIES:
        assert len(activity.profiles) == len(set(activity.profiles))
        for _, letters in activity.assignments:
            assert len(letters) == len(set(letters))


def test_every_profile_has_some_responsibility() -> None:
    used = {profile for _, _, activity in ALL_ACTIVITIES for profile in activity.profiles}
    assert used == set(Profile)


def test_profiles_have_display_names() -> None:
    assert all(profile.display_name for profile in Profile)


@pytest.mark.parametrize(
    "assignments",
    [
        ((Profile.OPERATOR, (Responsibility.R,)),),
        (
            (Profile.OPERATOR, (Responsibility.R, Responsibility.A)),
            (Profile.WORKFLOW_COORDINATOR, (Responsibility.A,)),
        ),
        ((Profile.OPERATOR, (Responsibility.A, Responsibility.C)),),
    ],
    ids=["no-a", "two-a", "no-r"],
)
def test_activity_rejects_raci_violations(
    assignments: tuple[tuple[Profile, tuple[Responsibility, ...]], ...],
) -> None:
    with pytest.raises(RaciError):
        Activity("broken", "Does not follow the rule.", assignments)


def test_unknown_step_is_a_key_error() -> None:
    with pytest.raises(KeyError, match="no step"):
        step_description(Process.AGREE, "deploy")


def test_accept_steps_verify_and_register_before_anything_else() -> None:
    for process in Process:
        keys = [a.key for a in step_activities(process, "accept")]
        assert "register" in keys
        if process is not Process.IMPROVE:
            assert keys[:2] == ["verify-requester", "register"]


def test_evaluation_always_submits_improvement_risks_and_closes_last() -> None:
    for process in Process:
        keys = [a.key for a in step_activities(process, "evaluate_close")]
        assert "submit-improvement-risks" in keys
        assert keys[-1] == "close"


PACKAGE = Path(__file__).resolve().parents[4] / "domain" / "patterns"
NEW_MODULES = [*sorted((PACKAGE / "activities").glob("*.py")), PACKAGE / "wif.py"]
NEW_MODULES.append(PACKAGE / "wif_validation.py")


@pytest.mark.parametrize("path", NEW_MODULES, ids=lambda p: p.name)
def test_modules_are_pure_and_small(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots = [alias.name.split(".")[0] for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            roots = [(node.module or "").split(".")[0]]
        else:
            continue
        for root in roots:
            assert root == "domain" or root in sys.stdlib_module_names, root
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 300
