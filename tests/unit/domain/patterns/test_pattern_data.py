"""The existing ``usm-patterns@1`` data: call types, workflow paths and fork points."""

import pytest

from domain.patterns import (
    PROCESSES,
    WORKFLOWS,
    CallType,
    PathSegment,
    Process,
    WorkflowTemplate,
    WorkflowType,
    workflow_decided_by_fork,
    workflow_for_root,
)

# usm-method.md section 8.4, "Expected paths"; W6 and W7 embed the W1 and W2 paths.
_W1 = "AGREE(1-6) > CHANGE(1-6) > OPERATE(1-6) > CHANGE(7-9) > AGREE(7-8)"
_W2 = "CHANGE(1-6) > OPERATE(1-6) > CHANGE(7-9)"
EXPECTED_PATHS = {
    WorkflowType.W1: _W1,
    WorkflowType.W2: _W2,
    WorkflowType.W3: "RECOVER(1-5) > CHANGE(1-6) > OPERATE(1-6) > CHANGE(7-9) > RECOVER(6-7)",
    WorkflowType.W4: "RECOVER(1-5) > OPERATE(1-6) > RECOVER(6-7)",
    WorkflowType.W5: "OPERATE(1-6)",
    WorkflowType.W6: "IMPROVE(1-5) > [W1 path as nested] > IMPROVE(6-7)".replace(
        "[W1 path as nested]", _W1
    ),
    WorkflowType.W7: "IMPROVE(1-5) > [W2 path as nested] > IMPROVE(6-7)".replace(
        "[W2 path as nested]", _W2
    ),
    WorkflowType.W8: "IMPROVE(1-5) > OPERATE(1-6) > IMPROVE(6-7)",
}

TEMPLATES = list(WORKFLOWS.values())


def _ids(template: WorkflowTemplate) -> str:
    return template.type.value


def test_call_type_and_process_are_one_to_one() -> None:
    assert {call_type.process for call_type in CallType} == set(Process)
    assert len(CallType) == len(Process)
    for call_type in CallType:
        assert CallType.for_process(call_type.process) is call_type
    for process, pattern in PROCESSES.items():
        assert pattern.process is process
        assert pattern.call_type is CallType.for_process(process)


def test_there_are_eight_workflows_numbered_in_order() -> None:
    assert list(WORKFLOWS) == list(WorkflowType)
    assert [t.number for t in TEMPLATES] == list(range(1, 9))


@pytest.mark.parametrize("template", TEMPLATES, ids=_ids)
def test_path_text_matches_the_design(template: WorkflowTemplate) -> None:
    assert template.path_text == EXPECTED_PATHS[template.type]


@pytest.mark.parametrize("template", TEMPLATES, ids=_ids)
def test_path_starts_with_the_trigger_process_up_to_its_fork(template: WorkflowTemplate) -> None:
    root = PROCESSES[template.root_process]
    fork = root.fork_step
    last = root.number(fork.id) if fork and len(template.path) > 1 else len(root.steps)
    assert template.path[0] == PathSegment(template.root_process, 1, last)


@pytest.mark.parametrize("template", TEMPLATES, ids=_ids)
def test_path_ends_with_the_root_process_last_step(template: WorkflowTemplate) -> None:
    assert template.path[-1].process is template.root_process
    assert template.path[-1].last == len(PROCESSES[template.root_process].steps)


@pytest.mark.parametrize("template", TEMPLATES, ids=_ids)
def test_each_process_run_covers_all_its_steps_once(template: WorkflowTemplate) -> None:
    numbers: dict[Process, list[int]] = {}
    for segment in template.path:
        numbers.setdefault(segment.process, []).extend(range(segment.first, segment.last + 1))
    for process, seen in numbers.items():
        assert seen == list(range(1, len(PROCESSES[process].steps) + 1))


@pytest.mark.parametrize("template", TEMPLATES, ids=_ids)
def test_fork_points_only_name_fork_steps(template: WorkflowTemplate) -> None:
    for point in template.fork_points:
        step = PROCESSES[point.process].step(point.step)
        assert step.is_fork, f"{point.process.value}.{point.step} is not a fork step"
        assert set(point.targets) <= set(step.fork_targets)


@pytest.mark.parametrize("template", TEMPLATES, ids=_ids)
def test_every_segment_stopping_at_a_fork_step_enters_an_allowed_child(
    template: WorkflowTemplate,
) -> None:
    for segment, following in zip(template.path, template.path[1:], strict=False):
        step = PROCESSES[segment.process].steps[segment.last - 1]
        if following.first == 1:
            assert step.is_fork
            assert template.allows_fork(segment.process, step.id, following.process)


def test_static_roots_and_fork_resolution_agree_with_the_templates() -> None:
    for template in TEMPLATES:
        root = template.root_process
        if template.dynamicity.value == "static":
            assert workflow_for_root(root) is template.type
        else:
            assert workflow_for_root(root) is None
            assert workflow_decided_by_fork(root, template.path[1].process) is template.type
