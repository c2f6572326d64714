"""WishCall (Agree): specify the service, offer, negotiate, realize through Change."""

import pytest

from domain.agreements import AgreementStatus
from domain.calls import Evaluation, ForkNotAllowedError, WrongStatusError, WrongStepError
from domain.patterns import Process, Status, WorkflowType
from domain.shared import DomainError
from domain.workflow import (
    draft_offer,
    fail_negotiation,
    fork,
    reach_agreement,
    record_negotiation_round,
)
from tests.unit.domain.builders import (
    EXTERNAL_TEAM,
    INTERNAL_TEAM,
    World,
    names,
    offer_drafts,
    refused,
    wish_at,
)


def test_specifying_the_service_records_teams_design_and_cost(bare_world: World) -> None:
    # given
    wish = wish_at("specify_service", bare_world).root
    meta = bare_world.meta(actor="sam")
    # when
    wish.specify_service(
        meta,
        functional_design="renew online",
        technical_design="web front end",
        solution_teams=[INTERNAL_TEAM, EXTERNAL_TEAM, INTERNAL_TEAM],
        cost=9_500,
    )
    # then
    [event] = wish.collect_events()
    assert names([event]) == ["ServiceSpecified"]
    assert event.meta == meta
    assert (event.functional_design, event.technical_design) == ("renew online", "web front end")
    assert event.solution_teams == [EXTERNAL_TEAM, INTERNAL_TEAM]  # sorted, once each
    assert event.cost == 9_500
    assert wish.solution_teams == [EXTERNAL_TEAM, INTERNAL_TEAM]
    assert (wish.cost, wish.step, wish.status) == (9_500, "draft_offer", Status.CLASSIFIED)


@pytest.mark.parametrize(
    ("teams", "cost", "message"),
    [
        ([], 100, "names at least one solution team"),
        ([INTERNAL_TEAM], -1, "cannot be negative"),
    ],
)
def test_an_incomplete_service_specification_is_refused(
    bare_world: World, teams: list[str], cost: int, message: str
) -> None:
    wish = wish_at("specify_service", bare_world).root

    with refused(WrongStatusError, message, wish):
        wish.specify_service(bare_world.meta(), "fd", "td", teams, cost)


def test_specifying_the_service_before_classification_is_refused(bare_world: World) -> None:
    wish = wish_at("classify", bare_world).root

    with refused(WrongStepError, "belongs to step 'specify_service'", wish):
        wish.specify_service(bare_world.meta(), "fd", "td", [INTERNAL_TEAM], 1)


def test_drafting_the_offer_records_its_agreements_on_the_wish(bare_world: World) -> None:
    # given
    tree = wish_at("draft_offer", bare_world)
    wish = tree.root
    meta = bare_world.meta()
    # when
    agreements = draft_offer(wish, meta, offer_drafts(tree, wish))
    # then
    [event] = wish.collect_events()
    assert names([event]) == ["OfferDrafted"]
    assert event.agreement_ids == [agreement.id for agreement in agreements]
    assert event.meta == meta
    assert (wish.step, wish.agreement_ids) == ("negotiate", event.agreement_ids)
    assert [a.kind.value for a in agreements] == ["SA", "OLA"]
    assert all(a.status is AgreementStatus.DRAFT for a in agreements)
    assert all(a.wish_call_id == wish.id for a in agreements)


def test_an_offer_without_any_agreement_is_refused(bare_world: World) -> None:
    wish = wish_at("draft_offer", bare_world).root

    with refused(WrongStatusError, "drafts at least one agreement", wish):
        wish.draft_offer(bare_world.meta(), [])


def test_a_negotiation_round_is_recorded_on_the_wish_and_its_agreements(
    bare_world: World,
) -> None:
    # given
    tree = wish_at("negotiate", bare_world)
    wish, offer = tree.root, tree.agreements
    meta = bare_world.meta()
    # when
    record_negotiation_round(wish, meta, offer, "customer asks for weekend support")
    # then
    [event] = wish.collect_events()
    assert names([event]) == ["NegotiationRoundRecorded"]
    assert (event.note, event.meta) == ("customer asks for weekend support", meta)
    assert (wish.step, wish.negotiation_rounds) == ("negotiate", 1)
    assert all(a.status is AgreementStatus.NEGOTIATING for a in offer)


def test_reaching_agreement_moves_the_wish_on_to_realization(bare_world: World) -> None:
    # given
    tree = wish_at("negotiate", bare_world)
    wish, offer = tree.root, tree.agreements
    meta = bare_world.meta()
    # when
    reach_agreement(wish, meta, offer, bare_world.organization)
    # then
    [event] = wish.collect_events()
    assert names([event]) == ["AgreementReached"]
    assert event.meta == meta
    assert (wish.status, wish.step) == (Status.IN_PROGRESS, "realize")
    assert all(a.status is AgreementStatus.AGREED for a in offer)


def test_a_failed_negotiation_withdraws_the_offer_and_leads_to_evaluation(
    bare_world: World,
) -> None:
    # given
    tree = wish_at("negotiate", bare_world)
    wish, offer = tree.root, tree.agreements
    meta = bare_world.meta()
    # when
    fail_negotiation(wish, meta, offer, "too expensive")
    # then
    [event] = wish.collect_events()
    assert names([event]) == ["NegotiationFailed"]
    assert (event.reason, event.meta) == ("too expensive", meta)
    assert (wish.status, wish.step) == (Status.NO_AGREEMENT, "evaluate_close")
    assert all(a.status is AgreementStatus.WITHDRAWN for a in offer)
    assert wish.children == {}


def test_a_wish_without_agreement_is_evaluated_and_closed_without_any_fork(
    bare_world: World,
) -> None:
    tree = wish_at("evaluate_close", bare_world, agreed=False)
    wish = tree.root

    wish.evaluate(bare_world.meta(), Evaluation(True, True, learning_points="price"), [])
    wish.close(bare_world.meta())

    assert wish.status is Status.CLOSED
    assert wish.fulfilment is None
    assert tree.calls == [wish]


@pytest.mark.parametrize(
    "command",
    ["record_negotiation_round", "reach_agreement", "fail_negotiation"],
)
def test_negotiating_outside_the_negotiate_step_is_refused(bare_world: World, command: str) -> None:
    wish = wish_at("draft_offer", bare_world).root
    args = {"record_negotiation_round": ("note",), "fail_negotiation": ("reason",)}

    with refused(WrongStepError, "belongs to step 'negotiate'", wish):
        getattr(wish, command)(bare_world.meta(), *args.get(command, ()))


def test_realizing_the_agreement_forks_an_rfc_in_workflow_1(bare_world: World) -> None:
    # given
    wish = wish_at("realize", bare_world).root
    meta = bare_world.meta()
    # when
    rfc = fork(wish, meta, Process.CHANGE, "RFC-0700")
    # then
    [event] = wish.collect_events()
    assert names([event]) == ["ForkOpened"]  # W1 was known from the start
    assert (event.target, event.child_id) == ("change", rfc.id)
    assert rfc.workflow is WorkflowType.W1
    assert wish.status is Status.AWAITING_CHILD


@pytest.mark.parametrize("target", [Process.OPERATE, Process.RECOVER, Process.IMPROVE])
def test_a_wish_forks_only_to_change(bare_world: World, target: Process) -> None:
    wish = wish_at("realize", bare_world).root

    with refused(ForkNotAllowedError, "agree may fork only to change", wish):
        fork(wish, bare_world.meta(), target, "XXX-0001")


def test_reaching_agreement_before_any_offer_is_refused_with_a_domain_error(
    bare_world: World,
) -> None:
    wish = wish_at("specify_service", bare_world).root

    with refused(DomainError, "negotiate", wish):
        reach_agreement(wish, bare_world.meta(), [], bare_world.organization)
