"""RiskCall (Improve): assess, determine the cause, select a measure, deploy it via a fork."""

import pytest

from domain.calls import (
    Evaluation,
    ForkNotAllowedError,
    MeasureError,
    UnknownCategoryError,
    WrongClassificationError,
    WrongStatusError,
    WrongStepError,
)
from domain.patterns import (
    Effect,
    Impact,
    Likelihood,
    Process,
    RiskKind,
    Status,
    Urgency,
    WorkflowType,
)
from domain.workflow import fork
from tests.unit.domain.builders import CATEGORY, CLOSED, World, names, refused, risk_at


def test_a_risk_is_not_classified_by_impact_and_urgency(world: World) -> None:
    risk = risk_at("classify", world).root

    with refused(WrongClassificationError, "effect × likelihood \\(assess it\\)", risk):
        risk.classify(world.meta(), world.scheme, CATEGORY, Impact.HIGH, Urgency.HIGH)


def test_assessing_a_risk_places_it_on_the_heat_map(world: World) -> None:
    # given
    risk = risk_at("classify", world).root
    meta = world.meta()
    # when
    risk.assess(
        meta,
        world.scheme,
        "security",
        RiskKind.THREAT,
        Effect.SEVERE,
        Likelihood.LIKELY,
        "no passports for a week",
    )
    # then
    [event] = risk.collect_events()
    assert names([event]) == ["Assessed"]
    assert event.meta == meta
    assert (event.category, event.kind) == ("security", "threat")
    assert (event.effect, event.likelihood, event.risk_level) == ("severe", "likely", "critical")
    assert (event.business_impact, event.scheme_version) == ("no passports for a week", 1)
    assert (risk.status, risk.step, risk.priority) == (
        Status.CLASSIFIED,
        "determine_cause",
        "critical",
    )
    assert (risk.risk_kind, risk.effect, risk.likelihood) == (
        RiskKind.THREAT,
        Effect.SEVERE,
        Likelihood.LIKELY,
    )


def test_assessing_with_an_unknown_category_is_refused(world: World) -> None:
    risk = risk_at("classify", world).root

    with refused(UnknownCategoryError, "'weather' is not in classification scheme v1", risk):
        risk.assess(
            world.meta(),
            world.scheme,
            "weather",
            RiskKind.OPPORTUNITY,
            Effect.MINOR,
            Likelihood.RARE,
            "",
        )


def test_finding_the_root_cause_makes_the_risk_a_known_error(world: World) -> None:
    risk = risk_at("determine_cause", world).root
    meta = world.meta()

    risk.determine_cause(meta, "single certificate for all sites")

    [event] = risk.collect_events()
    assert names([event]) == ["RootCauseDetermined"]
    assert (event.root_cause, event.meta) == ("single certificate for all sites", meta)
    assert (risk.status, risk.step, risk.known_error) == (
        Status.KNOWN_ERROR,
        "select_measure",
        True,
    )


def test_a_root_cause_must_be_stated(world: World) -> None:
    risk = risk_at("determine_cause", world).root

    with refused(WrongStatusError, "state the root cause", risk):
        risk.determine_cause(world.meta(), "")


def test_a_measure_cannot_be_selected_before_the_root_cause_is_known(world: World) -> None:
    risk = risk_at("determine_cause", world).root

    with refused(WrongStepError, "belongs to step 'select_measure'", risk):
        risk.select_measure(world.meta(), "automate", "cheap", "low", Process.CHANGE)


def test_selecting_a_measure_chooses_the_process_that_deploys_it(world: World) -> None:
    risk = risk_at("select_measure", world).root
    meta = world.meta(actor="workflow-manager")

    risk.select_measure(meta, "automate renewal", "two outages less", "low", Process.CHANGE)

    [event] = risk.collect_events()
    assert names([event]) == ["MeasureSelected"]
    assert event.meta == meta
    assert (event.measure, event.business_case) == ("automate renewal", "two outages less")
    assert (event.expected_residual_risk, event.target) == ("low", "change")
    assert (risk.status, risk.step, risk.measure_target) == (
        Status.IN_PROGRESS,
        "deploy_measure",
        Process.CHANGE,
    )


@pytest.mark.parametrize("target", [Process.IMPROVE, Process.RECOVER])
def test_a_measure_is_deployed_only_through_agree_change_or_operate(
    world: World, target: Process
) -> None:
    risk = risk_at("select_measure", world).root

    with refused(MeasureError, "through Agree, Change or Operate", risk):
        risk.select_measure(world.meta(), "m", "bc", "low", target)


@pytest.mark.parametrize(
    ("measure", "workflow"),
    [
        (Process.AGREE, WorkflowType.W6),
        (Process.CHANGE, WorkflowType.W7),
        (Process.OPERATE, WorkflowType.W8),
    ],
)
def test_deploying_the_measure_resolves_the_workflow(
    world: World, measure: Process, workflow: WorkflowType
) -> None:
    # given
    risk = risk_at("deploy_measure", world, measure=measure).root
    assert risk.workflow is None
    # when
    child = fork(risk, world.meta(), measure, "XXX-0600")
    # then
    resolved, opened = risk.collect_events()
    assert names([resolved, opened]) == ["WorkflowResolved", "ForkOpened"]
    assert resolved.workflow == workflow.value
    assert opened.target == measure.value
    assert risk.workflow is child.workflow is workflow
    assert child.process is measure


def test_a_fork_to_another_process_than_the_selected_measure_is_refused(world: World) -> None:
    risk = risk_at("deploy_measure", world, measure=Process.OPERATE).root

    with refused(MeasureError, "deployed through operate, not change", risk):
        fork(risk, world.meta(), Process.CHANGE, "RFC-0600")
    assert risk.workflow is None


def test_improve_never_forks_to_recover(world: World) -> None:
    risk = risk_at("deploy_measure", world).root

    with refused(ForkNotAllowedError, "improve may fork only to agree, change, operate", risk):
        fork(risk, world.meta(), Process.RECOVER, "INC-0600")


def test_evaluating_a_risk_records_the_residual_risk(world: World) -> None:
    risk = risk_at("evaluate_close", world).root

    with refused(MeasureError, "records the residual risk", risk):
        risk.evaluate(world.meta(), Evaluation(True, True), [])
    risk.evaluate(world.meta(), Evaluation(True, True, residual_risk="low"), [])
    assert risk.evaluation.residual_risk == "low"


def test_a_deployed_measure_leaves_the_risk_workflow_fulfilled_then_closed(world: World) -> None:
    tree = risk_at(CLOSED, world, measure=Process.OPERATE)

    assert tree.root.fulfilment == "workflow fulfilled"
    assert tree.root.status is Status.CLOSED
