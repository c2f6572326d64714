"""Call: the skeleton every process shares after intake — fork and join, review, evaluate, close."""

import pytest

from domain.calls import (
    CallNotOpenError,
    ChildCallsOpenError,
    ChildOutcome,
    Evaluation,
    EvaluationRequiredError,
    ForkNotAllowedError,
    ImprovementRiskMissingError,
    InvalidEvaluationError,
    NotAChildError,
    RiskCall,
    WrongStatusError,
    WrongStepError,
)
from domain.patterns import CallType, FulfilmentKind, Process, Status, WorkflowType
from domain.workflow import child_outcome, evaluate_call, fork, settle_with_parent
from tests.unit.domain.builders import (
    CLOSED,
    COORDINATOR,
    TENANT,
    World,
    drive,
    names,
    open_child,
    refused,
    rfc_at,
    risk_at,
    service_request_at,
    some_id,
)

# -- fork -------------------------------------------------------------------------------


def test_forking_opens_a_child_that_adopts_the_workflow_details_of_its_parent(
    world: World,
) -> None:
    # given
    tree = rfc_at("deploy", world)
    rfc = tree.root
    meta = world.meta()
    # when
    child = fork(rfc, meta, Process.OPERATE, "SRQ-0900", summary="deploy the change")
    # then
    [opened] = rfc.collect_events()
    assert names([opened]) == ["ForkOpened"]
    assert opened.meta == meta
    assert (opened.child_id, opened.child_tracking_number) == (child.id, "SRQ-0900")
    assert opened.target == "operate"
    assert rfc.status is Status.AWAITING_CHILD
    assert rfc.step == "deploy"
    assert rfc.children[child.id].process is Process.OPERATE
    assert rfc.children[child.id].outcome is None
    assert rfc.working_children() == [child.id]
    [submitted] = child.collect_events()
    assert names([submitted]) == ["Submitted"]
    assert submitted.meta == meta
    assert (submitted.parent_id, submitted.root_id, submitted.depth) == (rfc.id, rfc.id, 1)
    assert (submitted.workflow, submitted.channel) == ("W2", "fork")
    assert child.call_type is CallType.SERVICE_REQUEST
    assert (child.requester, child.customer) == (rfc.requester, rfc.customer)
    assert child.service_ids == rfc.service_ids
    assert child.summary == "deploy the change"
    assert child.description.startswith(f"Forked from {rfc.tracking_number} at step 'deploy'.")
    assert not child.is_root and child.root_id == rfc.id


def test_forking_outside_the_fork_step_is_refused(world: World) -> None:
    rfc = rfc_at("test_release", world).root

    with refused(WrongStepError, "cannot fork to operate .*belongs to step 'deploy'", rfc):
        fork(rfc, world.meta(), Process.OPERATE, "SRQ-0900")


def test_forking_to_a_process_the_fork_step_does_not_allow_is_refused(world: World) -> None:
    rfc = rfc_at("deploy", world).root

    with refused(ForkNotAllowedError, "change may fork only to operate", rfc):
        fork(rfc, world.meta(), Process.CHANGE, "RFC-0900")


def test_an_operate_call_never_forks(world: World) -> None:
    request = service_request_at("execute_activities", world).root

    with refused(ForkNotAllowedError, "operate calls never fork", request):
        fork(request, world.meta(), Process.CHANGE, "RFC-0900")


# -- join -------------------------------------------------------------------------------


def test_a_fulfilled_child_resumes_its_parent_at_review(world: World) -> None:
    # given
    tree = rfc_at("deploy", world)
    rfc = tree.root
    child = open_child(tree, rfc, Process.OPERATE)
    drive(tree, child, "review")
    child.verify_with_requester(world.meta(), agreed=True)
    rfc.collect_events()
    meta = world.meta()
    # when
    settle_with_parent(child, rfc, meta)
    # then
    fulfilled, resumed = rfc.collect_events()
    assert names([fulfilled, resumed]) == ["ChildFulfilled", "Resumed"]
    assert (fulfilled.child_id, fulfilled.meta) == (child.id, meta)
    assert (resumed.at_step, resumed.meta) == ("review", meta)
    assert (rfc.status, rfc.step) == (Status.IN_PROGRESS, "review")
    assert rfc.children[child.id].outcome is ChildOutcome.FULFILLED
    assert not rfc.children[child.id].closed


def test_a_closed_child_is_recorded_on_its_parent(world: World) -> None:
    # given
    tree = rfc_at("deploy", world)
    rfc = tree.root
    child = open_child(tree, rfc, Process.OPERATE)
    drive(tree, child, "evaluate_close")
    child.evaluate(world.meta(), Evaluation(True, True), [])
    child.close(world.meta())
    rfc.collect_events()
    meta = world.meta()
    # when
    settle_with_parent(child, rfc, meta)
    # then
    [closed] = rfc.collect_events()
    assert names([closed]) == ["ChildClosed"]
    assert (closed.child_id, closed.meta) == (child.id, meta)
    assert rfc.unclosed_children() == []


def test_settling_twice_records_nothing_new(world: World) -> None:
    tree = rfc_at("deploy", world)
    child = open_child(tree, tree.root, Process.OPERATE)
    drive(tree, child, CLOSED)
    tree.root.collect_events()

    settle_with_parent(child, tree.root, world.meta())

    assert tree.root.collect_events() == []


def test_noting_the_outcome_of_a_call_that_is_not_a_child_is_refused(world: World) -> None:
    rfc = rfc_at("deploy", world).root

    with refused(NotAChildError, "is not a child of call", rfc):
        rfc.note_child_outcome(world.meta(), some_id("stranger"), ChildOutcome.FULFILLED)


def test_noting_an_outcome_twice_is_refused(world: World) -> None:
    tree = rfc_at("deploy", world)
    child = open_child(tree, tree.root, Process.OPERATE)
    drive(tree, child, "evaluate_close")

    with refused(WrongStatusError, "already reached an outcome", tree.root):
        tree.root.note_child_outcome(world.meta(), child.id, ChildOutcome.ABORTED)


def test_noting_a_closed_child_twice_is_refused(world: World) -> None:
    tree = rfc_at("deploy", world)
    child = open_child(tree, tree.root, Process.OPERATE)
    drive(tree, child, CLOSED)

    with refused(WrongStatusError, "already closed", tree.root):
        tree.root.note_child_closed(world.meta(), child.id)


def test_an_aborted_child_sends_its_parent_back_to_the_fork_step_to_decide_anew(
    world: World,
) -> None:
    # given
    tree = rfc_at("deploy", world)
    rfc = tree.root
    child = open_child(tree, rfc, Process.OPERATE)
    child.abort(world.meta(), "operations cannot deploy this week")
    rfc.collect_events()
    meta = world.meta()
    # when
    settle_with_parent(child, rfc, meta)
    # then
    [unfulfilled] = rfc.collect_events()
    assert names([unfulfilled]) == ["ChildUnfulfilled"]
    assert (unfulfilled.child_id, unfulfilled.outcome) == (child.id, "aborted")
    assert (rfc.status, rfc.step) == (Status.IN_PROGRESS, "deploy")
    assert rfc.children[child.id].closed  # an aborted child needs no closing
    assert rfc.working_children() == []


def test_after_an_aborted_child_the_parent_can_fork_again_and_finish(world: World) -> None:
    # given
    tree = rfc_at("deploy", world)
    rfc = tree.root
    first = open_child(tree, rfc, Process.OPERATE)
    first.abort(world.meta(), "wrong deployment plan")
    settle_with_parent(first, rfc, world.meta())
    # when
    second = open_child(tree, rfc, Process.OPERATE)
    drive(tree, second, CLOSED)
    drive(tree, rfc, CLOSED)
    # then
    assert rfc.status is Status.CLOSED
    assert [link.outcome for link in rfc.children.values()] == [
        ChildOutcome.ABORTED,
        ChildOutcome.FULFILLED,
    ]


def test_after_an_aborted_child_the_parent_can_itself_be_aborted(world: World) -> None:
    tree = rfc_at("deploy", world)
    rfc = tree.root
    child = open_child(tree, rfc, Process.OPERATE)
    child.abort(world.meta(), "cannot be deployed")
    settle_with_parent(child, rfc, world.meta())

    rfc.abort(world.meta(), "the change is no longer needed")

    assert rfc.status is Status.ABORTED


# -- review -----------------------------------------------------------------------------


def test_a_root_call_the_requester_agrees_with_is_workflow_fulfilled(world: World) -> None:
    # given
    request = service_request_at("review", world).root
    meta = world.meta(actor="bob")
    # when
    request.verify_with_requester(meta, agreed=True, feedback="works again")
    # then
    [event] = request.collect_events()
    assert names([event]) == ["Fulfilled"]
    assert (event.kind, event.feedback, event.meta) == ("workflow fulfilled", "works again", meta)
    assert request.status is Status.WORKFLOW_FULFILLED
    assert request.fulfilment == FulfilmentKind.WORKFLOW.value
    assert (request.step, request.fulfilled_at) == ("evaluate_close", meta.occurred_at)


def test_a_nested_call_the_requester_agrees_with_is_process_fulfilled(world: World) -> None:
    tree = rfc_at("deploy", world)
    child = open_child(tree, tree.root, Process.OPERATE)
    drive(tree, child, "review")
    child.collect_events()

    child.verify_with_requester(world.meta(), agreed=True)

    [event] = child.collect_events()
    assert event.kind == "process fulfilled"
    assert child.status is Status.PROCESS_FULFILLED


def test_a_requester_who_disagrees_sends_the_call_back_to_the_previous_step(
    world: World,
) -> None:
    # given
    request = service_request_at("review", world).root
    meta = world.meta(actor="bob")
    # when
    request.verify_with_requester(meta, agreed=False, feedback="printer still jams")
    # then
    [event] = request.collect_events()
    assert names([event]) == ["ReworkRequested"]
    assert (event.back_to, event.feedback, event.meta) == (
        "execute_activities",
        "printer still jams",
        meta,
    )
    assert (request.status, request.step, request.rework_count) == (
        Status.IN_PROGRESS,
        "execute_activities",
        1,
    )
    assert request.fulfilment is None


def test_every_rework_round_is_counted(world: World) -> None:
    tree = service_request_at("review", world)
    request = tree.root

    for _ in range(2):
        request.verify_with_requester(world.meta(), agreed=False)
        drive(tree, request, "review")
    request.verify_with_requester(world.meta(), agreed=True)

    assert request.rework_count == 2
    assert request.status is Status.WORKFLOW_FULFILLED


def test_rework_of_a_parent_needs_a_new_child_before_the_next_review(world: World) -> None:
    # given
    tree = rfc_at("review", world)
    rfc = tree.root
    # when
    rfc.verify_with_requester(world.meta(), agreed=False, feedback="the new version is slow")
    # then
    assert (rfc.step, rfc.status, rfc.rework_count) == ("deploy", Status.IN_PROGRESS, 1)
    second = open_child(tree, rfc, Process.OPERATE)
    assert rfc.status is Status.AWAITING_CHILD
    drive(tree, second, "review")
    assert rfc.step == "deploy"  # the earlier deployment does not count for this round
    drive(tree, second, CLOSED)
    assert (rfc.step, rfc.status) == ("review", Status.IN_PROGRESS)


def test_verifying_outside_the_review_step_is_refused(world: World) -> None:
    request = service_request_at("execute_activities", world).root

    with refused(WrongStepError, "belongs to step 'review'", request):
        request.verify_with_requester(world.meta(), agreed=True)


def test_a_parent_cannot_be_verified_while_its_child_works(world: World) -> None:
    tree = rfc_at("deploy", world)
    child = open_child(tree, tree.root, Process.OPERATE)

    with refused(WrongStepError, "at step 'deploy'; cannot verify", tree.root, child):
        tree.root.verify_with_requester(world.meta(), agreed=True)


# -- evaluate & close -------------------------------------------------------------------


def test_evaluating_records_the_answers_and_raises_one_risk_per_improvement(
    world: World,
) -> None:
    # given
    request = service_request_at("evaluate_close", world).root
    evaluation = Evaluation(
        executed_properly=True,
        recorded_for_reporting=True,
        learning_points="check toner levels weekly",
        potential_standard=True,
        improvements=("monitor toner", "stock spare drums"),
    )
    meta = world.meta()
    # when
    risks = evaluate_call(request, meta, evaluation, ["RSK-0500", "RSK-0501"])
    # then
    evaluated, first, second = request.collect_events()
    assert names([evaluated, first, second]) == [
        "Evaluated",
        "ImprovementRiskSubmitted",
        "ImprovementRiskSubmitted",
    ]
    assert evaluated.evaluation == evaluation.to_dict()
    assert evaluated.meta == meta
    assert (first.risk_call_id, first.improvement) == (risks[0].id, "monitor toner")
    assert (second.risk_call_id, second.improvement) == (risks[1].id, "stock spare drums")
    assert request.evaluation == evaluation
    assert request.improvement_risk_ids == [risk.id for risk in risks]
    assert request.status is Status.WORKFLOW_FULFILLED  # evaluated, not yet closed
    for risk, improvement in zip(risks, evaluation.improvements, strict=True):
        assert isinstance(risk, RiskCall)
        assert risk.is_root and risk.status is Status.SUBMITTED
        assert (risk.summary, risk.channel) == (improvement, "evaluation")
        assert (risk.requester, risk.tenant_id) == (COORDINATOR, TENANT)
        assert risk.linked_call_ids == [request.id]
        assert risk.service_ids == request.service_ids


def test_improvements_without_as_many_risk_calls_are_refused(world: World) -> None:
    request = service_request_at("evaluate_close", world).root
    evaluation = Evaluation(True, True, improvements=("monitor toner", "stock spare drums"))

    with refused(ImprovementRiskMissingError, "2 improvements need as many new risk calls, got 1"):
        request.evaluate(world.meta(), evaluation, [some_id("RSK-1")])


def test_an_improvement_needs_a_description() -> None:
    with pytest.raises(InvalidEvaluationError, match="an improvement needs a description"):
        Evaluation(True, True, improvements=("  ",))


def test_evaluating_before_fulfilment_is_refused(world: World) -> None:
    request = service_request_at("review", world).root

    with refused(WrongStepError, "belongs to step 'evaluate_close'", request):
        request.evaluate(world.meta(), Evaluation(True, True), [])


def test_evaluating_twice_is_refused(world: World) -> None:
    request = service_request_at("evaluate_close", world).root
    request.evaluate(world.meta(), Evaluation(True, True), [])

    with refused(WrongStatusError, "already evaluated", request):
        request.evaluate(world.meta(), Evaluation(False, True), [])


def test_closing_requires_an_evaluation(world: World) -> None:
    request = service_request_at("evaluate_close", world).root

    with refused(EvaluationRequiredError, "must be evaluated before it is closed", request):
        request.close(world.meta())


def test_closing_an_evaluated_call_records_the_closure(world: World) -> None:
    # given
    request = service_request_at("evaluate_close", world).root
    request.evaluate(world.meta(), Evaluation(True, True), [])
    request.collect_events()
    meta = world.meta()
    # when
    request.close(meta)
    # then
    [event] = request.collect_events()
    assert names([event]) == ["Closed"]
    assert event.meta == meta
    assert (request.status, request.closed_at) == (Status.CLOSED, meta.occurred_at)
    assert not request.is_open


def test_a_parent_cannot_close_while_a_child_is_open(world: World) -> None:
    # given: the deployment is fulfilled but not yet closed
    tree = rfc_at("deploy", world)
    rfc = tree.root
    child = open_child(tree, rfc, Process.OPERATE)
    drive(tree, child, "evaluate_close")
    drive(tree, rfc, "evaluate_close")
    rfc.evaluate(world.meta(), Evaluation(True, True), [])
    # when / then
    with refused(ChildCallsOpenError, "still has open child calls: 1", rfc):
        rfc.close(world.meta())
    drive(tree, child, CLOSED)
    rfc.close(world.meta())
    assert rfc.status is Status.CLOSED


def test_a_closed_call_refuses_further_work(world: World) -> None:
    request = service_request_at(CLOSED, world).root

    with refused(CallNotOpenError, "is closed; cannot abort", request):
        request.abort(world.meta(), "too late")
    with refused(CallNotOpenError, "is closed; cannot close", request):
        request.close(world.meta())


def test_the_workflow_of_a_child_is_the_workflow_of_its_tree(world: World) -> None:
    tree = rfc_at("deploy", world)

    child = open_child(tree, tree.root, Process.OPERATE)

    assert tree.root.workflow is child.workflow is WorkflowType.W2


# -- regression tests (formerly known defects) --------------------------------------------


def test_a_parent_can_close_after_its_fulfilled_child_was_aborted_instead_of_closed(
    world: World,
) -> None:
    # given: the deployment is fulfilled, then aborted instead of evaluated and closed
    tree = rfc_at("deploy", world)
    rfc = tree.root
    deployment = open_child(tree, rfc, Process.OPERATE)
    drive(tree, deployment, "evaluate_close")
    deployment.abort(world.meta(), "the evaluation will not happen")
    settle_with_parent(deployment, rfc, world.meta())
    drive(tree, rfc, "evaluate_close")
    rfc.evaluate(world.meta(), Evaluation(True, True), [])
    # when
    rfc.close(world.meta())
    # then
    assert rfc.status is Status.CLOSED


def test_a_risk_can_close_after_its_wish_without_agreement_was_aborted(world: World) -> None:
    # given: the first wish fails and is aborted; a second measure through Agree succeeds
    tree = risk_at("deploy_measure", world, measure=Process.AGREE)
    risk = tree.root
    tree.agreed = False
    failed = open_child(tree, risk, Process.AGREE)
    drive(tree, failed, "evaluate_close")
    failed.abort(world.meta(), "nobody will evaluate this")
    settle_with_parent(failed, risk, world.meta())
    tree.agreed = True
    drive(tree, risk, "evaluate_close")
    risk.evaluate(world.meta(), Evaluation(True, True, residual_risk="low"), [])
    # when
    risk.close(world.meta())
    # then
    assert risk.status is Status.CLOSED


def test_settling_a_fulfilled_child_that_was_aborted_records_that_it_is_done(
    world: World,
) -> None:
    # given: a deployment the parent knows as fulfilled
    tree = rfc_at("deploy", world)
    rfc = tree.root
    deployment = open_child(tree, rfc, Process.OPERATE)
    drive(tree, deployment, "evaluate_close")
    rfc.collect_events()
    deployment.abort(world.meta(), "abandoned")
    meta = world.meta()
    # when
    settle_with_parent(deployment, rfc, meta)
    # then: the outcome stays fulfilled; the child is done, but aborted (not closed)
    [event] = rfc.collect_events()
    assert (names([event]), event.child_id, event.meta) == (["ChildAborted"], deployment.id, meta)
    link = rfc.children[deployment.id]
    assert (link.outcome, link.closed, link.aborted) == (ChildOutcome.FULFILLED, True, True)
    assert not link.completed
    assert rfc.unclosed_children() == []


def test_a_wish_without_agreement_that_is_aborted_keeps_its_outcome(world: World) -> None:
    tree = risk_at("deploy_measure", world, measure=Process.AGREE)
    tree.agreed = False
    wish = open_child(tree, tree.root, Process.AGREE)
    drive(tree, wish, "evaluate_close")

    wish.abort(world.meta(), "nobody will evaluate this")

    assert child_outcome(wish) is ChildOutcome.NO_AGREEMENT
    settle_with_parent(wish, tree.root, world.meta())
    link = tree.root.children[wish.id]
    assert (link.outcome, link.closed, link.aborted) == (ChildOutcome.NO_AGREEMENT, True, True)


def test_noting_the_abort_of_a_child_without_an_outcome_is_refused(world: World) -> None:
    tree = rfc_at("deploy", world)
    rfc = tree.root
    deployment = open_child(tree, rfc, Process.OPERATE)

    with refused(WrongStatusError, "reached no outcome yet", rfc):
        rfc.note_child_aborted(world.meta(), deployment.id)


def test_settling_a_call_with_a_parent_it_is_not_a_child_of_is_refused(world: World) -> None:
    rfc = rfc_at("deploy", world).root
    stranger = service_request_at("review", world).root

    with refused(NotAChildError, "is not a child of call", rfc):
        settle_with_parent(stranger, rfc, world.meta())
