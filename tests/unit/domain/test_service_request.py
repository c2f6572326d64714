"""ServiceRequestCall (Operate): plan on the OPS calendar, execute, monitor, review."""

from datetime import timedelta

import pytest

from domain.calls import (
    CalendarSection,
    ForkNotAllowedError,
    MonitoringSignal,
    WrongStatusError,
    WrongStepError,
)
from domain.patterns import Process, Status
from domain.workflow import fork
from tests.unit.domain.builders import (
    World,
    drive,
    names,
    refused,
    service_request_at,
    some_id,
)


def test_planning_puts_the_activities_on_the_ops_calendar(world: World) -> None:
    # given
    request = service_request_at("plan_activities", world).root
    when = world.clock.now + timedelta(hours=3)
    meta = world.meta()
    # when
    request.plan_activities(meta, CalendarSection.STATIC, when, ["weekly backup check"])
    # then
    [event] = request.collect_events()
    assert names([event]) == ["ActivitiesPlanned"]
    assert event.meta == meta
    assert (event.section, event.planned_for) == ("static", when)
    assert event.activities == ["weekly backup check"]
    assert (request.status, request.step) == (Status.IN_PROGRESS, "execute_activities")
    assert request.planned_for == when


def test_planning_nothing_is_refused(world: World) -> None:
    request = service_request_at("plan_activities", world).root

    with refused(WrongStatusError, "plan at least one activity", request):
        request.plan_activities(world.meta(), CalendarSection.DYNAMIC, world.clock.now, [])


def test_planning_before_classification_is_refused(world: World) -> None:
    request = service_request_at("classify", world).root

    with refused(WrongStepError, "belongs to step 'plan_activities'", request):
        request.plan_activities(world.meta(), CalendarSection.DYNAMIC, world.clock.now, ["x"])


def test_a_monitoring_event_is_logged_without_leaving_the_step(world: World) -> None:
    # given
    request = service_request_at("execute_activities", world).root
    incident_id = some_id("INC-0999")
    meta = world.meta(actor="operator")
    # when
    request.log_monitoring_event(meta, "disk 95% full", MonitoringSignal.FAILURE, incident_id)
    # then
    [event] = request.collect_events()
    assert names([event]) == ["MonitoringEventLogged"]
    assert (event.observation, event.signal) == ("disk 95% full", "failure")
    assert (event.raised_call_id, event.meta) == (incident_id, meta)
    assert request.step == "execute_activities"
    assert request.updated_at == meta.occurred_at


@pytest.mark.parametrize(
    ("signal", "raised"),
    [
        (MonitoringSignal.FAILURE, None),
        (MonitoringSignal.RISK, None),
        (MonitoringSignal.INFORMATION, some_id("INC-0999")),
    ],
)
def test_failures_and_risks_must_raise_a_call_and_information_must_not(
    world: World, signal: MonitoringSignal, raised: object
) -> None:
    request = service_request_at("execute_activities", world).root

    with refused(WrongStatusError, "failures and risks raise a call", request):
        request.log_monitoring_event(world.meta(), "seen", signal, raised)


def test_logging_a_monitoring_event_outside_execution_is_refused(world: World) -> None:
    request = service_request_at("plan_activities", world).root

    with refused(WrongStepError, "belongs to step 'execute_activities'", request):
        request.log_monitoring_event(world.meta(), "ok", MonitoringSignal.INFORMATION, None)


def test_executing_the_activities_moves_the_request_on_to_review(world: World) -> None:
    request = service_request_at("execute_activities", world).root
    meta = world.meta(actor="operator")

    request.execute_activities(meta, "toner replaced")

    [event] = request.collect_events()
    assert names([event]) == ["ActivitiesExecuted"]
    assert (event.result, event.meta) == ("toner replaced", meta)
    assert request.step == "review"


def test_a_service_request_never_forks(world: World) -> None:
    request = service_request_at("execute_activities", world).root

    with refused(ForkNotAllowedError, "operate calls never fork", request):
        fork(request, world.meta(), Process.OPERATE, "SRQ-0999")


def test_rework_of_a_service_request_repeats_the_execution(world: World) -> None:
    # given
    tree = service_request_at("review", world)
    request = tree.root
    # when
    request.verify_with_requester(world.meta(), agreed=False, feedback="still broken")
    # then
    assert (request.step, request.status, request.rework_count) == (
        "execute_activities",
        Status.IN_PROGRESS,
        1,
    )
    drive(tree, request, "review")
    request.verify_with_requester(world.meta(), agreed=True)
    assert request.status is Status.WORKFLOW_FULFILLED
