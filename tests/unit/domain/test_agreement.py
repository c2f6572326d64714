"""Agreement (SA/OLA/UC): changed only through its Agree call, with a strict life cycle."""

import pytest

from domain.agreements import (
    AgreeCallRequiredError,
    Agreement,
    AgreementError,
    AgreementStatus,
    AgreementTransitionError,
    HandlingTarget,
    IncompleteCompositionError,
    InvalidHandlingTargetError,
)
from domain.calls import RecoveryRoute
from domain.organization import OrganizationError
from domain.patterns import AgreementKind, Process
from domain.shared import DomainError, aggregate_id
from domain.workflow import (
    AgreementDraft,
    draft_offer,
    fail_negotiation,
    fork,
    put_in_force,
    reach_agreement,
    record_negotiation_round,
)
from tests.unit.domain.builders import (
    CUSTOMER,
    EXTERNAL_TEAM,
    INTERNAL_TEAM,
    TENANT,
    Tree,
    World,
    drive,
    incident_at,
    names,
    offer_drafts,
    refused,
    wish_at,
)


def _draft(wish_tree: Tree, **changes: object) -> AgreementDraft:
    sa = offer_drafts(wish_tree, wish_tree.root)[0]
    return AgreementDraft(**{**sa.__dict__, **changes})


def _ola(
    world: World, team: str, code: str, kind: AgreementKind = AgreementKind.OLA
) -> AgreementDraft:
    return AgreementDraft(code, kind, f"{team} contribution", team, TENANT, [world.service.id])


# -- drafting ---------------------------------------------------------------------------


def test_an_agree_call_drafts_an_agreement_for_its_offer(bare_world: World) -> None:
    # given
    tree = wish_at("draft_offer", bare_world)
    wish = tree.root
    draft = _draft(tree, code="SA-0100")
    meta = bare_world.meta(actor="service-manager")
    # when
    [sa] = draft_offer(wish, meta, [draft])
    # then
    [event] = sa.collect_events()
    assert names([event]) == ["Drafted"]
    assert event.meta == meta
    assert (event.wish_call_id, event.code, event.kind) == (wish.id, "SA-0100", "SA")
    assert (event.provider, event.customer) == (TENANT, CUSTOMER)
    assert event.service_ids == [bare_world.service.id]
    assert event.handling_targets == {
        "P1": {"response_minutes": 15, "resolution_minutes": 240},
        "P3": {"response_minutes": 60, "resolution_minutes": 1440},
    }
    assert sa.id == aggregate_id(TENANT, "agreement", "SA-0100")
    assert (sa.status, sa.kind, sa.supersedes) == (AgreementStatus.DRAFT, AgreementKind.SA, None)
    assert sa.handling_targets["P1"] == HandlingTarget(15, 240)
    assert sa.history == [("drafted", wish.id)]
    assert sa.covers(bare_world.service.id) and not sa.is_in_force


def test_an_agreement_is_drafted_only_at_the_draft_offer_step(bare_world: World) -> None:
    tree = wish_at("specify_service", bare_world)

    with refused(AgreeCallRequiredError, "only an Agree call at step 'draft_offer'"):
        draft_offer(tree.root, bare_world.meta(), [_draft(tree)])


def test_a_call_of_another_process_cannot_draft_an_agreement(world: World) -> None:
    incident = incident_at("analyze", world).root
    wish_tree = wish_at("draft_offer", world)

    with refused(AgreeCallRequiredError, "is a recover call at step 'analyze'"):
        Agreement.draft(
            world.meta(),
            incident.authority(),
            "SA-0666",
            AgreementKind.SA,
            "forged",
            TENANT,
            CUSTOMER,
            [world.service.id],
            {},
            "",
        )
    assert wish_tree.root.step == "draft_offer"


def test_an_agreement_must_cover_a_service(bare_world: World) -> None:
    tree = wish_at("draft_offer", bare_world)

    with refused(AgreementTransitionError, "must cover at least one service", tree.root):
        draft_offer(tree.root, bare_world.meta(), [_draft(tree, service_ids=[])])


@pytest.mark.parametrize(
    ("targets", "message"),
    [
        (lambda: {"P9": HandlingTarget(5, 10)}, "unknown priorities: P9"),
        (lambda: {"P1": HandlingTarget(60, 30)}, "cannot exceed the resolution target"),
        (lambda: {"P1": HandlingTarget(0, 30)}, "positive durations"),
    ],
)
def test_handling_targets_must_be_sensible(
    bare_world: World, targets: object, message: str
) -> None:
    tree = wish_at("draft_offer", bare_world)

    with refused(InvalidHandlingTargetError, message, tree.root):
        draft_offer(tree.root, bare_world.meta(), [_draft(tree, handling_targets=targets())])


# -- life cycle -------------------------------------------------------------------------


def test_negotiating_an_offer_records_the_round_on_each_agreement(bare_world: World) -> None:
    tree = wish_at("negotiate", bare_world)
    sa, _ = tree.agreements
    meta = bare_world.meta()

    record_negotiation_round(tree.root, meta, tree.agreements, "discount asked")

    [event] = sa.collect_events()
    assert names([event]) == ["Transitioned"]
    assert (event.to_status, event.call_id, event.note) == (
        "negotiating",
        tree.root.id,
        "discount asked",
    )
    assert event.meta == meta
    assert sa.status is AgreementStatus.NEGOTIATING


def test_agreed_agreements_come_into_force_when_the_wish_reviews_the_realization(
    bare_world: World,
) -> None:
    # given
    tree = wish_at("review", bare_world)
    sa, ola = tree.agreements
    assert (sa.status, ola.status) == (AgreementStatus.AGREED, AgreementStatus.AGREED)
    meta = bare_world.meta()
    # when
    put_in_force(tree.root, meta, tree.agreements, [])
    # then
    [event] = sa.collect_events()
    assert (names([event]), event.to_status, event.meta) == (["Transitioned"], "in force", meta)
    assert sa.is_in_force and ola.is_in_force
    assert [status for status, _ in sa.history] == ["drafted", "negotiating", "agreed", "in force"]


def test_a_new_sa_supersedes_the_one_in_force(world: World) -> None:
    # given: a second wish of the customer whose SA replaces the one in force
    old = world.agreement_in_force(AgreementKind.SA)
    tree = wish_at("review", world)
    new_sa = tree.agreements[0]
    assert new_sa.supersedes == old.id
    old.collect_events()
    meta = world.meta()
    # when
    put_in_force(tree.root, meta, tree.agreements, [old])
    # then
    [event] = old.collect_events()
    assert names([event]) == ["Superseded"]
    assert (event.superseded_by, event.call_id, event.meta) == (new_sa.id, tree.root.id, meta)
    assert (old.status, old.superseded_by) == (AgreementStatus.SUPERSEDED, new_sa.id)
    assert world.agreement_in_force(AgreementKind.SA) is new_sa


def test_another_wish_may_terminate_an_agreement_in_force(world: World) -> None:
    old = world.agreement_in_force(AgreementKind.SA)
    termination = wish_at("negotiate", world).root
    meta = world.meta()

    old.terminate(meta, termination.authority(), "the customer cancels")

    [event] = old.collect_events()
    assert (event.to_status, event.call_id, event.note) == (
        "terminated",
        termination.id,
        "the customer cancels",
    )
    assert old.status is AgreementStatus.TERMINATED


def test_a_failed_negotiation_withdraws_every_drafted_agreement(bare_world: World) -> None:
    tree = wish_at("negotiate", bare_world)

    fail_negotiation(tree.root, bare_world.meta(), tree.agreements, "no budget")

    for agreement in tree.agreements:
        [event] = agreement.collect_events()
        assert (event.to_status, event.note) == ("withdrawn", "no budget")
        assert agreement.status is AgreementStatus.WITHDRAWN


def test_an_agreement_in_force_cannot_be_put_in_force_again(bare_world: World) -> None:
    tree = wish_at("review", bare_world)
    sa = tree.agreements[0]
    put_in_force(tree.root, bare_world.meta(), tree.agreements, [])

    with refused(AgreementTransitionError, "is in force; it cannot become in force", sa):
        sa.put_in_force(bare_world.meta(), tree.root.authority())


def test_a_draft_cannot_be_terminated(world: World) -> None:
    tree = wish_at("negotiate", world)
    sa = tree.agreements[0]

    with refused(AgreementTransitionError, "is draft; it cannot become terminated", sa):
        sa.terminate(world.meta(), tree.root.authority(), "changed my mind")


def test_only_an_agreement_in_force_can_be_superseded(bare_world: World) -> None:
    tree = wish_at("review", bare_world)
    sa = tree.agreements[0]

    with refused(AgreementTransitionError, "only an agreement in force can be superseded", sa):
        sa.supersede(bare_world.meta(), tree.root.authority(), sa.id)


def test_an_agreement_is_negotiated_only_by_its_own_wish(world: World) -> None:
    mine = wish_at("negotiate", world)
    other = wish_at("negotiate", world)
    sa = mine.agreements[0]

    with refused(
        AgreeCallRequiredError, f"handled by its own wish, not {other.root.tracking_number}", sa
    ):
        sa.negotiate(world.meta(), other.root.authority(), "sneaky")


def test_the_authority_of_a_wish_at_another_step_is_refused(bare_world: World) -> None:
    tree = wish_at("realize", bare_world)
    sa = tree.agreements[0]

    with refused(AgreeCallRequiredError, "step 'review' may make agreement .* in force", sa):
        sa.put_in_force(bare_world.meta(), tree.root.authority())


def test_the_authority_of_a_call_of_another_process_is_refused(world: World) -> None:
    incident = incident_at("recover", world, route=RecoveryRoute.OPERATE).root
    sa = world.agreement_in_force(AgreementKind.SA)

    with refused(AgreeCallRequiredError, "is a recover call at step 'recover'", sa):
        sa.terminate(world.meta(), incident.authority(), "outage")


# -- composition of an offer --------------------------------------------------------------


def test_an_sa_lacking_an_ola_for_an_internal_solution_team_is_refused(
    bare_world: World,
) -> None:
    # given: the platform team contributes, but the offer holds only the SA
    tree = wish_at("draft_offer", bare_world)
    wish = tree.root
    offer = draft_offer(wish, bare_world.meta(), [_draft(tree)])
    # when / then
    with refused(
        IncompleteCompositionError,
        "lacks an OLA \\(internal team\\) .* for: platform",
        wish,
        *offer,
    ):
        reach_agreement(wish, bare_world.meta(), offer, bare_world.organization)


def test_an_external_solution_team_is_covered_by_a_uc_not_an_ola(bare_world: World) -> None:
    # given: both an internal and an external team contribute
    tree = wish_at("specify_service", bare_world)
    wish = tree.root
    wish.specify_service(bare_world.meta(), "fd", "td", [INTERNAL_TEAM, EXTERNAL_TEAM], 10)
    drafts = [
        _draft(tree),
        _ola(bare_world, INTERNAL_TEAM, "OLA-0101"),
        _ola(bare_world, EXTERNAL_TEAM, "OLA-0102"),
    ]
    wrong_offer = draft_offer(wish, bare_world.meta(), drafts)
    # when / then
    with refused(IncompleteCompositionError, "for: cloudco", wish, *wrong_offer):
        reach_agreement(wish, bare_world.meta(), wrong_offer, bare_world.organization)


def test_an_offer_with_an_ola_and_a_uc_for_its_teams_is_complete(bare_world: World) -> None:
    tree = wish_at("specify_service", bare_world)
    wish = tree.root
    wish.specify_service(bare_world.meta(), "fd", "td", [INTERNAL_TEAM, EXTERNAL_TEAM], 10)
    drafts = [
        _draft(tree),
        _ola(bare_world, INTERNAL_TEAM, "OLA-0101"),
        _ola(bare_world, EXTERNAL_TEAM, "UC-0101", AgreementKind.UC),
    ]
    offer = draft_offer(wish, bare_world.meta(), drafts)

    reach_agreement(wish, bare_world.meta(), offer, bare_world.organization)

    assert {a.status for a in offer} == {AgreementStatus.AGREED}


def test_the_whole_offer_must_be_agreed_at_once(bare_world: World) -> None:
    tree = wish_at("negotiate", bare_world)
    sa, ola = tree.agreements

    with refused(
        IncompleteCompositionError, "every drafted agreement, nothing else", tree.root, sa
    ):
        reach_agreement(tree.root, bare_world.meta(), [sa], bare_world.organization)


def test_an_unknown_solution_team_cannot_be_agreed_with(bare_world: World) -> None:
    tree = wish_at("specify_service", bare_world)
    wish = tree.root
    wish.specify_service(bare_world.meta(), "fd", "td", ["ghost-team"], 10)
    drafts = [_draft(tree), _ola(bare_world, "ghost-team", "OLA-0101")]
    offer = draft_offer(wish, bare_world.meta(), drafts)

    with refused(OrganizationError, "team ghost-team is unknown to Acme IT", wish, *offer):
        reach_agreement(wish, bare_world.meta(), offer, bare_world.organization)


# -- regression tests (formerly known defects) --------------------------------------------


def test_putting_in_force_with_a_predecessor_nobody_supersedes_is_refused(world: World) -> None:
    tree = wish_at("review", world)
    unrelated_ola = world.agreement_in_force(AgreementKind.OLA)

    with refused(AgreementError, "supersede", *tree.agreements, unrelated_ola):
        put_in_force(tree.root, world.meta(), tree.agreements, [unrelated_ola])


def test_putting_in_force_changes_nothing_when_a_predecessor_was_already_replaced(
    world: World,
) -> None:
    # given: two wishes both meant to replace the SA in force
    old = world.agreement_in_force(AgreementKind.SA)
    first, second = wish_at("review", world), wish_at("review", world)
    put_in_force(first.root, world.meta(), first.agreements, [old])
    # when / then
    with refused(AgreementTransitionError, "only an agreement in force", *second.agreements):
        put_in_force(second.root, world.meta(), second.agreements, [old])


def test_agreements_come_into_force_only_after_the_realization_updated_the_mir(
    bare_world: World,
) -> None:
    # given: the realization RFC is fulfilled but has not updated the MIR yet
    tree = wish_at("realize", bare_world)
    wish = tree.root
    rfc = fork(wish, bare_world.meta(), Process.CHANGE, "RFC-0800")
    tree.calls.append(rfc)
    drive(tree, rfc, "update_mir")
    assert wish.step == "review"
    # when / then
    with refused(DomainError, "MIR", *tree.agreements):
        put_in_force(wish, bare_world.meta(), tree.agreements, [])
