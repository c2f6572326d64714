"""The eight USM workflows, end to end, purely in the domain (usm-method.md §2.2 and §8.4)."""

import pytest

from domain.agreements import AgreementStatus
from domain.calls import RecoveryRoute
from domain.patterns import (
    WORKFLOWS,
    FulfilmentKind,
    Process,
    Status,
    WorkflowType,
    format_path,
)
from domain.workflow import workflow_path
from tests.unit.domain.builders import (
    CLOSED,
    TENANT,
    World,
    drive,
    incident_at,
    names,
    replay,
    risk_at,
    run_workflow,
    state,
    wish_at,
)

A, C, R, O, I = Process.AGREE, Process.CHANGE, Process.RECOVER, Process.OPERATE, Process.IMPROVE

# (process, depth) of every call, in the order the calls were opened.
SHAPES = {
    WorkflowType.W1: [(A, 0), (C, 1), (O, 2)],
    WorkflowType.W2: [(C, 0), (O, 1)],
    WorkflowType.W3: [(R, 0), (C, 1), (O, 2)],
    WorkflowType.W4: [(R, 0), (O, 1)],
    WorkflowType.W5: [(O, 0)],
    WorkflowType.W6: [(I, 0), (A, 1), (C, 2), (O, 3)],
    WorkflowType.W7: [(I, 0), (C, 1), (O, 2)],
    WorkflowType.W8: [(I, 0), (O, 1)],
}
CHANGE_PATHS = [WorkflowType.W1, WorkflowType.W2, WorkflowType.W3, WorkflowType.W6, WorkflowType.W7]


@pytest.mark.parametrize("workflow", list(WorkflowType))
def test_each_workflow_takes_exactly_its_usm_process_path(workflow: WorkflowType) -> None:
    tree = run_workflow(workflow)

    assert format_path(workflow_path(tree.calls)) == WORKFLOWS[workflow].path_text


@pytest.mark.parametrize("workflow", list(WorkflowType))
def test_each_workflow_nests_its_processes_as_usm_prescribes(workflow: WorkflowType) -> None:
    tree = run_workflow(workflow)

    assert [(call.process, call.depth) for call in tree.calls] == SHAPES[workflow]
    for parent, child in zip(tree.calls, tree.calls[1:], strict=False):
        assert child.parent_id == parent.id
        assert child.root_id == tree.root.id


@pytest.mark.parametrize("workflow", list(WorkflowType))
def test_every_call_of_a_workflow_runs_that_workflow(workflow: WorkflowType) -> None:
    tree = run_workflow(workflow)
    template = WORKFLOWS[workflow]

    assert tree.root.workflow is workflow
    assert tree.root.call_type is template.trigger
    assert tree.root.process is template.root_process
    assert {call.workflow for call in tree.calls} == {workflow}


@pytest.mark.parametrize("workflow", list(WorkflowType))
def test_the_root_is_workflow_fulfilled_and_nested_calls_process_fulfilled_before_closing(
    workflow: WorkflowType,
) -> None:
    tree = run_workflow(workflow)

    for call in tree.calls:
        kind = FulfilmentKind.WORKFLOW if call.is_root else FulfilmentKind.PROCESS
        log = names(tree.events(call))
        [fulfilled] = [e for e in tree.events(call) if type(e).__name__ == "Fulfilled"]
        assert fulfilled.kind == kind.value
        assert log.index("Fulfilled") < log.index("Evaluated") < log.index("Closed")
        assert log[-1] == "Closed"
        assert (call.status, call.fulfilment) == (Status.CLOSED, kind.value)
        assert call.unclosed_children() == []


@pytest.mark.parametrize("workflow", list(WorkflowType))
def test_a_parent_is_fulfilled_only_after_its_child(workflow: WorkflowType) -> None:
    tree = run_workflow(workflow)

    for parent, child in zip(tree.calls, tree.calls[1:], strict=False):
        assert child.fulfilled_at < parent.fulfilled_at
        assert child.closed_at < parent.closed_at


@pytest.mark.parametrize("workflow", CHANGE_PATHS)
def test_change_paths_register_their_components_in_the_mir(workflow: WorkflowType) -> None:
    tree = run_workflow(workflow)
    rfc = tree.call(Process.CHANGE)

    assert rfc.updated_mic_ids
    assert {mic.id for mic in tree.mics} == set(rfc.updated_mic_ids)
    for mic in tree.mics:
        assert mic.change_call_ids[-1] == rfc.id
        assert names(tree.events(mic))[-1] in {"Registered", "AttributesChanged"}


@pytest.mark.parametrize("workflow", [WorkflowType.W4, WorkflowType.W5, WorkflowType.W8])
def test_paths_without_change_leave_the_mir_alone(workflow: WorkflowType) -> None:
    tree = run_workflow(workflow)

    assert tree.mics == []
    assert all(call.process is not Process.CHANGE for call in tree.calls)


def test_workflow_3_changes_the_registered_component_the_incident_is_about() -> None:
    tree = run_workflow(WorkflowType.W3)
    incident, rfc = tree.root, tree.call(Process.CHANGE)

    [facility] = tree.mics
    assert incident.route is RecoveryRoute.CHANGE
    assert facility.id in incident.mic_ids
    assert facility.attributes["version"] == rfc.tracking_number


def test_workflow_1_puts_the_agreed_sa_and_its_ola_in_force(bare_world: World) -> None:
    tree = run_workflow(WorkflowType.W1, bare_world)
    sa, ola = tree.agreements

    assert (sa.kind.value, ola.kind.value) == ("SA", "OLA")
    assert sa.status is ola.status is AgreementStatus.IN_FORCE
    assert sa.wish_call_id == ola.wish_call_id == tree.root.id
    assert {mic.code for mic in tree.mics} >= {f"agreement-{sa.code}", f"agreement-{ola.code}"}


def test_workflow_6_replaces_the_sa_in_force_through_a_nested_wish(world: World) -> None:
    old = world.agreement_in_force()

    tree = run_workflow(WorkflowType.W6, world)

    new_sa = tree.agreements[0]
    assert new_sa.wish_call_id == tree.call(Process.AGREE).id
    assert (old.status, old.superseded_by) == (AgreementStatus.SUPERSEDED, new_sa.id)
    assert world.agreement_in_force() is new_sa


def test_workflow_1_without_agreement_ends_after_negotiation_without_a_fork(
    bare_world: World,
) -> None:
    # when
    tree = wish_at(CLOSED, bare_world, agreed=False)
    wish = tree.root
    # then
    assert format_path(workflow_path(tree.calls)) == "AGREE(1-5) > AGREE(8-8)"
    assert tree.calls == [wish] and wish.children == {}
    assert (wish.workflow, wish.status, wish.fulfilment) == (WorkflowType.W1, Status.CLOSED, None)
    log = names(tree.events(wish))
    assert log[-3:] == ["NegotiationFailed", "Evaluated", "Closed"]
    assert "Fulfilled" not in log
    assert {a.status for a in tree.agreements} == {AgreementStatus.WITHDRAWN}
    assert tree.mics == []


@pytest.mark.parametrize(
    ("start", "workflow"),
    [
        (lambda w: incident_at("recover", w, route=RecoveryRoute.CHANGE), WorkflowType.W3),
        (lambda w: incident_at("recover", w, route=RecoveryRoute.OPERATE), WorkflowType.W4),
        (lambda w: risk_at("deploy_measure", w, measure=Process.AGREE), WorkflowType.W6),
        (lambda w: risk_at("deploy_measure", w, measure=Process.CHANGE), WorkflowType.W7),
        (lambda w: risk_at("deploy_measure", w, measure=Process.OPERATE), WorkflowType.W8),
    ],
)
def test_dynamic_workflows_stay_unresolved_until_the_fork_decides(
    world: World, start: object, workflow: WorkflowType
) -> None:
    tree = start(world)
    assert tree.root.workflow is None

    drive(tree, tree.root)

    assert tree.root.workflow is workflow


@pytest.mark.parametrize("workflow", list(WorkflowType))
def test_every_event_of_a_workflow_carries_tenant_actor_time_and_correlation(
    workflow: WorkflowType,
) -> None:
    tree = run_workflow(workflow)
    correlation = tree.world.clock.correlation_id

    for aggregate in tree.aggregates():
        log = tree.events(aggregate)
        assert log, f"{aggregate!r} has no events"
        times = [event.meta.occurred_at for event in log]
        assert times == sorted(times)
        for event in log:
            assert event.meta.tenant_id == TENANT
            assert event.meta.actor
            assert event.meta.occurred_at.tzinfo is not None
            assert event.meta.correlation_id == correlation
            assert event.meta.causation_id != correlation


@pytest.mark.parametrize("workflow", list(WorkflowType))
def test_replaying_a_workflows_events_rebuilds_every_aggregate(workflow: WorkflowType) -> None:
    tree = run_workflow(workflow)

    for aggregate in tree.aggregates():
        rebuilt = replay(tree.events(aggregate))
        assert type(rebuilt) is type(aggregate)
        assert state(rebuilt) == state(aggregate)
