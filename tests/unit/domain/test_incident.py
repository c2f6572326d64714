"""IncidentCall (Recover): analyze, choose the recovery route, recover through a fork."""

import pytest

from domain.calls import ForkNotAllowedError, RecoveryRoute, RecoveryRouteError, WrongStepError
from domain.patterns import Process, Status, WorkflowType
from domain.shared import DomainError
from domain.workflow import fork, settle_with_parent
from tests.unit.domain.builders import (
    CLOSED,
    World,
    drive,
    incident_at,
    names,
    open_child,
    refused,
    some_id,
)


def test_analyzing_an_incident_records_the_solution_found(world: World) -> None:
    # given
    incident = incident_at("analyze", world).root
    meta = world.meta(actor="second-line")
    # when
    incident.analyze(meta, "clear the session cache", workaround=True, solution_team="platform")
    # then
    [event] = incident.collect_events()
    assert names([event]) == ["Analyzed"]
    assert event.meta == meta
    assert (event.solution, event.workaround) == ("clear the session cache", True)
    assert (event.knowledge_ref, event.solution_team) == (None, "platform")
    assert (incident.status, incident.step) == (Status.IN_PROGRESS, "prepare_recovery")
    assert incident.workaround_applied is True


def test_an_analysis_without_a_solution_is_refused(world: World) -> None:
    incident = incident_at("analyze", world).root

    with refused(RecoveryRouteError, "ends with a solution", incident):
        incident.analyze(world.meta(), "  ")


def test_analyzing_before_classification_is_refused(world: World) -> None:
    incident = incident_at("classify", world).root

    with refused(WrongStepError, "belongs to step 'analyze'", incident):
        incident.analyze(world.meta(), "restart")


def test_a_recovery_that_modifies_a_registered_component_is_routed_through_change(
    world: World,
) -> None:
    # given
    incident = incident_at("prepare_recovery", world).root
    meta = world.meta()
    # when
    incident.prepare_recovery(meta, RecoveryRoute.CHANGE, [world.facility.id])
    # then
    [event] = incident.collect_events()
    assert names([event]) == ["RecoveryPrepared"]
    assert (event.route, event.registered_mic_ids) == ("change", [world.facility.id])
    assert event.meta == meta
    assert (incident.route, incident.step) == (RecoveryRoute.CHANGE, "recover")


def test_a_recovery_through_operate_that_modifies_a_registered_component_is_refused(
    world: World,
) -> None:
    incident = incident_at("prepare_recovery", world).root

    with refused(RecoveryRouteError, "must go through Change", incident):
        incident.prepare_recovery(world.meta(), RecoveryRoute.OPERATE, [world.facility.id])


@pytest.mark.parametrize("route", [RecoveryRoute.CHANGE, RecoveryRoute.BOTH])
def test_a_change_route_without_a_registered_component_is_refused(
    world: World, route: RecoveryRoute
) -> None:
    incident = incident_at("prepare_recovery", world).root

    with refused(RecoveryRouteError, "goes through Operate, not Change", incident):
        incident.prepare_recovery(world.meta(), route, [])


def test_the_first_fork_to_change_resolves_workflow_3(world: World) -> None:
    # given
    incident = incident_at("recover", world, route=RecoveryRoute.CHANGE).root
    assert incident.workflow is None
    meta = world.meta()
    # when
    rfc = fork(incident, meta, Process.CHANGE, "RFC-0300")
    # then
    resolved, opened = incident.collect_events()
    assert names([resolved, opened]) == ["WorkflowResolved", "ForkOpened"]
    assert (resolved.workflow, resolved.meta) == ("W3", meta)
    assert (opened.target, opened.child_id) == ("change", rfc.id)
    assert incident.workflow is rfc.workflow is WorkflowType.W3
    assert incident.status is Status.AWAITING_CHILD


def test_the_first_fork_to_operate_resolves_workflow_4(world: World) -> None:
    incident = incident_at("recover", world, route=RecoveryRoute.OPERATE).root

    request = fork(incident, world.meta(), Process.OPERATE, "SRQ-0400")

    assert incident.workflow is request.workflow is WorkflowType.W4


def test_a_fork_against_the_chosen_route_is_refused(world: World) -> None:
    incident = incident_at("recover", world, route=RecoveryRoute.CHANGE).root

    with refused(RecoveryRouteError, "route is change; it does not fork to operate", incident):
        fork(incident, world.meta(), Process.OPERATE, "SRQ-0400")
    assert incident.workflow is None


def test_a_second_fork_to_change_in_workflow_4_is_refused(world: World) -> None:
    # given
    tree = incident_at("recover", world, route=RecoveryRoute.OPERATE)
    incident = tree.root
    open_child(tree, incident, Process.OPERATE)
    assert incident.workflow is WorkflowType.W4
    # when / then
    with refused(RecoveryRouteError, "does not fork to change", incident):
        fork(incident, world.meta(), Process.CHANGE, "RFC-0400")
    assert incident.workflow is WorkflowType.W4


@pytest.mark.parametrize("target", [Process.AGREE, Process.IMPROVE, Process.RECOVER])
def test_recover_forks_only_to_change_or_operate(world: World, target: Process) -> None:
    incident = incident_at("recover", world, route=RecoveryRoute.BOTH).root

    with refused(ForkNotAllowedError, "recover may fork only to change, operate", incident):
        fork(incident, world.meta(), target, "XXX-0001")


def test_with_both_routes_the_change_is_forked_before_the_workaround(world: World) -> None:
    incident = incident_at("recover", world, route=RecoveryRoute.BOTH).root

    with refused(RecoveryRouteError, "the change is forked first", incident):
        fork(incident, world.meta(), Process.OPERATE, "SRQ-0400")


def test_with_both_routes_the_incident_waits_for_the_change_and_the_workaround(
    world: World,
) -> None:
    # given: a change and a workaround service request, both forked
    tree = incident_at("recover", world, route=RecoveryRoute.BOTH)
    incident = tree.root
    rfc = open_child(tree, incident, Process.CHANGE)
    workaround = open_child(tree, incident, Process.OPERATE)
    assert incident.workflow is WorkflowType.W3
    # when the workaround is done
    drive(tree, workaround, CLOSED)
    # then the incident still waits for the change
    assert (incident.step, incident.status) == ("recover", Status.AWAITING_CHILD)
    # when the change is fulfilled too
    drive(tree, rfc, "update_mir")
    # then the incident resumes at review
    assert (incident.step, incident.status) == ("review", Status.IN_PROGRESS)


def test_an_incident_whose_only_recovery_was_aborted_waits_for_a_new_decision(
    world: World,
) -> None:
    tree = incident_at("recover", world, route=RecoveryRoute.OPERATE)
    incident = tree.root
    request = open_child(tree, incident, Process.OPERATE)
    request.abort(world.meta(), "operator unavailable")

    settle_with_parent(request, incident, world.meta())

    assert (incident.step, incident.status) == ("recover", Status.IN_PROGRESS)
    assert incident.working_children() == []


def test_a_recovered_incident_is_workflow_fulfilled(world: World) -> None:
    tree = incident_at("review", world, route=RecoveryRoute.OPERATE)

    tree.root.verify_with_requester(world.meta(), agreed=True)

    assert tree.root.status is Status.WORKFLOW_FULFILLED
    assert tree.call(Process.OPERATE).status is Status.CLOSED


def test_the_route_is_checked_against_the_registered_components_not_the_links(
    world: World,
) -> None:
    """Invariant 10 looks at what the recovery modifies, whatever the call links to."""
    incident = incident_at("prepare_recovery", world).root
    unlinked_mic = some_id("a registered MIC the incident does not link")

    incident.prepare_recovery(world.meta(), RecoveryRoute.CHANGE, [unlinked_mic])

    assert incident.route is RecoveryRoute.CHANGE


def test_an_incident_that_needs_a_change_is_not_fulfilled_by_the_workaround_alone(
    world: World,
) -> None:
    # given: the change of a 'both' recovery was aborted
    tree = incident_at("recover", world, route=RecoveryRoute.BOTH)
    incident = tree.root
    rfc = open_child(tree, incident, Process.CHANGE)
    rfc.abort(world.meta(), "cannot be built")
    settle_with_parent(rfc, incident, world.meta())
    # when: only the workaround is carried out and the requester agrees
    try:
        workaround = open_child(tree, incident, Process.OPERATE)
        drive(tree, workaround, CLOSED)
        incident.verify_with_requester(world.meta(), agreed=True)
    except DomainError:
        pass
    # then
    assert incident.fulfilment is None
