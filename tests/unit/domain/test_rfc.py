"""ChangeCall (Change): plan, prepare, test & release, deploy via Operate, review, update MIR."""

from datetime import timedelta

from domain.calls import (
    ChangeWindowError,
    DeploymentRequiredError,
    Evaluation,
    ForkNotAllowedError,
    MirUpdateNotAllowedError,
    WrongStepError,
)
from domain.mir import MicClass
from domain.patterns import Process, Status
from domain.workflow import RegisterMic, fork, settle_with_parent, update_mir
from tests.unit.domain.builders import (
    INTERNAL_TEAM,
    World,
    drive,
    names,
    open_child,
    refused,
    rfc_at,
)


def test_planning_a_change_puts_it_on_the_change_calendar(world: World) -> None:
    # given
    rfc = rfc_at("plan", world).root
    start = world.clock.now + timedelta(days=2)
    meta = world.meta()
    # when
    rfc.plan(meta, "major", "migrate the database", start, start + timedelta(hours=4), "R-12")
    # then
    [event] = rfc.collect_events()
    assert names([event]) == ["Planned"]
    assert event.meta == meta
    assert (event.change_category, event.change_plan, event.release) == (
        "major",
        "migrate the database",
        "R-12",
    )
    assert (event.scheduled_start, event.scheduled_end) == (start, start + timedelta(hours=4))
    assert (rfc.status, rfc.step, rfc.change_category) == (Status.IN_PROGRESS, "prepare", "major")
    assert (rfc.scheduled_start, rfc.scheduled_end) == (start, start + timedelta(hours=4))


def test_a_change_window_that_ends_before_it_starts_is_refused(world: World) -> None:
    rfc = rfc_at("plan", world).root
    start = world.clock.now

    with refused(ChangeWindowError, "must end after it starts", rfc):
        rfc.plan(world.meta(), "minor", "plan", start, start)


def test_a_change_window_in_naive_local_time_is_refused(world: World) -> None:
    rfc = rfc_at("plan", world).root
    naive_start = world.clock.now.replace(tzinfo=None)

    with refused(ChangeWindowError, "timezone-aware", rfc):
        rfc.plan(world.meta(), "minor", "plan", naive_start, world.clock.now + timedelta(hours=1))


def test_preparing_a_change_records_its_test_and_deployment_plans(world: World) -> None:
    rfc = rfc_at("prepare", world).root
    meta = world.meta()

    rfc.prepare(meta, "PAT and UAT", "canary", continuity_plan_updated=True)

    [event] = rfc.collect_events()
    assert names([event]) == ["Prepared"]
    assert (event.test_plan, event.deployment_plan) == ("PAT and UAT", "canary")
    assert event.continuity_plan_updated is True
    assert event.meta == meta
    assert rfc.step == "test_release"


def test_preparing_before_the_plan_is_agreed_is_refused(world: World) -> None:
    rfc = rfc_at("plan", world).root

    with refused(WrongStepError, "belongs to step 'prepare'", rfc):
        rfc.prepare(world.meta(), "tp", "dp", continuity_plan_updated=False)


def test_an_approved_test_report_releases_the_change_for_production(world: World) -> None:
    rfc = rfc_at("test_release", world).root
    meta = world.meta(actor="cab-chair")

    rfc.test_and_release(meta, "all green", approved=True, approver="cab")

    [event] = rfc.collect_events()
    assert names([event]) == ["ApprovedForProduction"]
    assert (event.test_report, event.approver, event.meta) == ("all green", "cab", meta)
    assert rfc.approved_for_production is True
    assert rfc.step == "deploy"


def test_a_rejected_test_report_sends_the_change_back_to_preparation(world: World) -> None:
    rfc = rfc_at("test_release", world).root

    rfc.test_and_release(world.meta(), "load test failed", approved=False, approver="cab")

    [event] = rfc.collect_events()
    assert names([event]) == ["RejectedAtTest"]
    assert event.test_report == "load test failed"
    assert rfc.step == "prepare"
    assert not getattr(rfc, "approved_for_production", False)


def test_a_change_is_deployed_only_through_operate(world: World) -> None:
    rfc = rfc_at("deploy", world).root

    for target in (Process.AGREE, Process.CHANGE, Process.RECOVER, Process.IMPROVE):
        with refused(ForkNotAllowedError, "change may fork only to operate", rfc):
            fork(rfc, world.meta(), target, "XXX-0001")


def test_a_change_whose_deployment_was_aborted_cannot_be_fulfilled(world: World) -> None:
    # given
    tree = rfc_at("deploy", world)
    rfc = tree.root
    deployment = open_child(tree, rfc, Process.OPERATE)
    deployment.abort(world.meta(), "rollback")
    settle_with_parent(deployment, rfc, world.meta())
    # when / then: the change waits at 'deploy' for a new deployment
    with refused(WrongStepError, "at step 'deploy'; cannot verify", rfc):
        rfc.verify_with_requester(world.meta(), agreed=True)


def test_a_change_that_reached_review_without_a_deployment_cannot_be_fulfilled(
    world: World,
) -> None:
    """Invariant 8, defence in depth: even a forged 'Resumed' event does not let it through."""
    # given: a Resumed event without any fulfilled Operate child (not reachable by commands)
    rfc = rfc_at("deploy", world).root
    rfc._record_resumption(meta=world.meta(), at_step="review")
    # when / then
    with refused(DeploymentRequiredError, "no fulfilled Operate deployment", rfc):
        rfc.verify_with_requester(world.meta(), agreed=True)


def test_a_fulfilled_change_goes_on_to_update_the_mir(world: World) -> None:
    rfc = rfc_at("review", world).root

    rfc.verify_with_requester(world.meta(), agreed=True)

    assert (rfc.status, rfc.step) == (Status.WORKFLOW_FULFILLED, "update_mir")


def test_updating_the_mir_records_the_components_on_the_change(world: World) -> None:
    # given
    rfc = rfc_at("update_mir", world).root
    meta = world.meta()
    operation = RegisterMic("db-1", MicClass.HARDWARE, "database server", INTERNAL_TEAM)
    # when
    [mic] = update_mir(rfc, meta, [operation], dict(world.mics))
    # then
    [event] = rfc.collect_events()
    assert names([event]) == ["MirUpdated"]
    assert (event.mic_ids, event.meta) == ([mic.id], meta)
    assert (rfc.updated_mic_ids, rfc.step) == ([mic.id], "evaluate_close")


def test_a_change_that_touches_no_mir_entry_is_refused_at_the_mir_update(world: World) -> None:
    rfc = rfc_at("update_mir", world).root

    with refused(MirUpdateNotAllowedError, "outside the MIR is a service request", rfc):
        update_mir(rfc, world.meta(), [], dict(world.mics))


def test_the_mir_is_updated_only_at_the_update_mir_step(world: World) -> None:
    rfc = rfc_at("review", world).root

    with refused(MirUpdateNotAllowedError, "the MIR changes only at 'update_mir'", rfc):
        rfc.mir_authority()


def test_a_change_is_evaluated_only_after_its_mir_update(world: World) -> None:
    rfc = rfc_at("update_mir", world).root

    with refused(WrongStepError, "at step 'update_mir'; cannot evaluate", rfc):
        rfc.evaluate(world.meta(), Evaluation(True, True), [])


def test_a_change_goes_through_all_nine_steps(world: World) -> None:
    tree = rfc_at("accept", world)

    drive(tree, tree.root)

    assert [step for step, _ in tree.root.trail] == [
        "accept",
        "classify",
        "plan",
        "prepare",
        "test_release",
        "deploy",
        "review",
        "update_mir",
        "evaluate_close",
        "evaluate_close",
    ]
