"""CallIntake: submission, links, accept/reject (with authorization), classify and abort."""

import pytest

from domain.calls import (
    CALL_CLASSES,
    AlreadyLinkedError,
    CallNotOpenError,
    ChildCallsOpenError,
    ForkedCallRejectionError,
    IncidentCall,
    LinkKind,
    ServiceLinkRequiredError,
    UnknownCategoryError,
    UnknownLinkKindError,
    WrongStatusError,
    WrongStepError,
    call_id,
)
from domain.patterns import (
    CURRENT_VERSION,
    CallType,
    ClassificationScheme,
    Impact,
    Process,
    Status,
    Urgency,
    WorkflowType,
)
from domain.workflow import accept_or_reject, authorization_problem, submit_call
from tests.unit.domain.builders import (
    CATEGORY,
    COORDINATOR,
    CUSTOMER,
    REQUESTER,
    TENANT,
    World,
    names,
    open_child,
    refused,
    rfc_at,
    some_id,
    wish_at,
)

# -- submit ---------------------------------------------------------------------------


def test_submitting_a_call_records_who_asked_for_what_with_its_metadata(world: World) -> None:
    # given
    meta = world.meta(actor="desk-operator")
    # when
    call = submit_call(
        meta,
        CallType.INCIDENT,
        "INC-0100",
        summary="passport site down",
        requester=REQUESTER,
        customer=CUSTOMER,
        service_ids=[world.service.id],
        description="error 500 on submit",
        channel="phone",
        mic_ids=[world.facility.id],
    )
    # then
    [event] = call.collect_events()
    assert names([event]) == ["Submitted"]
    assert event.meta == meta
    assert (event.meta.tenant_id, event.meta.actor) == (TENANT, "desk-operator")
    assert event.meta.occurred_at == world.clock.now
    assert event.meta.correlation_id == world.clock.correlation_id
    assert event.tracking_number == "INC-0100"
    assert (event.requester, event.customer, event.channel) == (REQUESTER, CUSTOMER, "phone")
    assert event.service_ids == [world.service.id]
    assert event.mic_ids == [world.facility.id]
    assert (event.parent_id, event.root_id, event.depth) == (None, None, 0)
    assert event.workflow is None  # W3 or W4: decided at the fork
    assert event.pattern_version == CURRENT_VERSION
    assert isinstance(call, IncidentCall)
    assert call.id == call_id(TENANT, "INC-0100")
    assert (call.status, call.step, call.process) == (Status.SUBMITTED, "accept", Process.RECOVER)
    assert call.tenant_id == TENANT
    assert call.is_root and call.root_id == call.id
    assert call.submitted_at == meta.occurred_at
    assert call.trail == []


@pytest.mark.parametrize(
    ("call_type", "process", "workflow"),
    [
        (CallType.WISH, Process.AGREE, WorkflowType.W1),
        (CallType.RFC, Process.CHANGE, WorkflowType.W2),
        (CallType.INCIDENT, Process.RECOVER, None),
        (CallType.SERVICE_REQUEST, Process.OPERATE, WorkflowType.W5),
        (CallType.RISK, Process.IMPROVE, None),
    ],
)
def test_each_call_type_is_handled_by_its_own_process(
    world: World, call_type: CallType, process: Process, workflow: WorkflowType | None
) -> None:
    call = world.submit(call_type)

    assert type(call) is CALL_CLASSES[call_type]
    assert call.call_type is call_type
    assert call.process is process
    assert call.workflow == workflow


# -- links ----------------------------------------------------------------------------


def test_linking_a_call_to_a_mic_and_an_earlier_call_records_both_links(world: World) -> None:
    # given
    call = world.submit(CallType.INCIDENT)
    earlier = world.submit(CallType.INCIDENT)
    call.collect_events()
    mic_meta, call_meta = world.meta(), world.meta()
    # when
    call.link(mic_meta, "mic", world.facility.id)
    call.link(call_meta, "call", earlier.id)
    # then
    first, second = call.collect_events()
    assert names([first, second]) == ["Linked", "Linked"]
    assert (first.kind, first.target_id, first.meta) == ("mic", world.facility.id, mic_meta)
    assert (second.kind, second.target_id, second.meta) == ("call", earlier.id, call_meta)
    assert call.mic_ids == [world.facility.id]
    assert call.linked_call_ids == [earlier.id]
    assert call.updated_at == call_meta.occurred_at


def test_linking_the_same_service_twice_is_refused(world: World) -> None:
    call = world.submit(CallType.INCIDENT)

    with refused(AlreadyLinkedError, "already links service", call):
        call.link(world.meta(), "service", world.service.id)


def test_linking_a_call_to_itself_is_refused(world: World) -> None:
    call = world.submit(CallType.WISH)

    with refused(AlreadyLinkedError, "already links call", call):
        call.link(world.meta(), "call", call.id)


def test_linking_to_an_unknown_kind_of_record_is_refused_with_a_domain_error(
    world: World,
) -> None:
    call = world.submit(CallType.INCIDENT)

    with refused(UnknownLinkKindError, "unknown link kind 'document'", call):
        call.link(world.meta(), "document", some_id("manual"))


def test_a_link_kind_may_be_given_as_the_enum(world: World) -> None:
    call = world.submit(CallType.INCIDENT)
    other = world.submit(CallType.INCIDENT)
    call.collect_events()

    call.link(world.meta(), LinkKind.CALL, other.id)

    [event] = call.collect_events()
    assert (names([event]), event.kind) == (["Linked"], "call")
    assert call.linked_call_ids == [other.id]


def test_linking_a_rejected_call_is_refused(bare_world: World) -> None:
    call = bare_world.submit(CallType.INCIDENT)
    call.reject(bare_world.meta(), "no agreement")

    with refused(CallNotOpenError, "is rejected; cannot link a mic", call):
        call.link(bare_world.meta(), "mic", some_id("mic"))


# -- accept -----------------------------------------------------------------------------


def test_accepting_a_call_moves_it_on_to_classification(world: World) -> None:
    # given
    call = world.submit(CallType.SERVICE_REQUEST)
    call.collect_events()
    meta = world.meta()
    # when
    call.accept(meta)
    # then
    [event] = call.collect_events()
    assert names([event]) == ["Accepted"]
    assert event.meta == meta
    assert event.originator_id == call.id
    assert event.originator_version == 2
    assert (call.status, call.step) == (Status.ACCEPTED, "classify")
    assert call.trail == [("accept", meta.occurred_at)]
    assert call.version == 2


def test_accepting_a_call_without_a_service_is_refused(world: World) -> None:
    call = world.submit(CallType.WISH, service_ids=[])

    with refused(ServiceLinkRequiredError, "linked to at least one service", call):
        call.accept(world.meta())


def test_a_call_linked_to_its_service_after_submission_can_be_accepted(world: World) -> None:
    call = world.submit(CallType.WISH, service_ids=[])
    call.link(world.meta(), "service", world.service.id)

    call.accept(world.meta())

    assert call.status is Status.ACCEPTED


def test_accepting_a_call_twice_is_refused(world: World) -> None:
    call = world.submit(CallType.WISH)
    call.accept(world.meta())

    with refused(WrongStepError, "at step 'classify'; cannot accept", call):
        call.accept(world.meta())


# -- reject and authorization ---------------------------------------------------------------


def test_rejecting_a_root_call_records_the_reason(bare_world: World) -> None:
    # given
    call = bare_world.submit(CallType.INCIDENT)
    call.collect_events()
    meta = bare_world.meta()
    # when
    call.reject(meta, "not entitled")
    # then
    [event] = call.collect_events()
    assert names([event]) == ["Rejected"]
    assert (event.reason, event.meta) == ("not entitled", meta)
    assert call.status is Status.REJECTED
    assert call.rejection_reason == "not entitled"
    assert not call.is_open


def test_a_forked_call_cannot_be_rejected(world: World) -> None:
    tree = rfc_at("deploy", world)
    child = open_child(tree, tree.root, Process.OPERATE)

    with refused(ForkedCallRejectionError, "abort it instead", child):
        child.reject(world.meta(), "not entitled")


def test_a_rejected_call_cannot_be_accepted_afterwards(bare_world: World) -> None:
    call = bare_world.submit(CallType.INCIDENT)
    call.reject(bare_world.meta(), "not entitled")

    with refused(CallNotOpenError, "is rejected; cannot accept", call):
        call.accept(bare_world.meta())


def test_anyone_may_express_a_wish(bare_world: World) -> None:
    call = bare_world.submit(CallType.WISH, requester="a stranger", customer="a newcomer")

    accept_or_reject(call, bare_world.meta(), bare_world.organization, [])

    assert names(call.collect_events()) == ["Submitted", "Accepted"]
    assert call.status is Status.ACCEPTED


def test_a_risk_raised_by_a_member_of_the_organization_is_accepted(bare_world: World) -> None:
    call = bare_world.submit(CallType.RISK, requester=COORDINATOR)

    accept_or_reject(call, bare_world.meta(), bare_world.organization, [])

    assert call.status is Status.ACCEPTED


def test_a_risk_raised_by_an_outsider_is_rejected_with_the_reason(world: World) -> None:
    # given
    call = world.submit(CallType.RISK, requester=REQUESTER)
    call.collect_events()
    meta = world.meta()
    # when
    accept_or_reject(call, meta, world.organization, world.agreements.values())
    # then
    [event] = call.collect_events()
    assert names([event]) == ["Rejected"]
    assert event.reason == f"{REQUESTER} holds no profile in Acme IT and cannot raise risks"
    assert event.meta == meta
    assert call.status is Status.REJECTED


@pytest.mark.parametrize("call_type", [CallType.INCIDENT, CallType.RFC, CallType.SERVICE_REQUEST])
def test_a_request_of_a_customer_with_an_sa_in_force_on_the_service_is_accepted(
    world: World, call_type: CallType
) -> None:
    call = world.submit(call_type)

    accept_or_reject(call, world.meta(), world.organization, world.agreements.values())

    assert call.status is Status.ACCEPTED


@pytest.mark.parametrize("call_type", [CallType.INCIDENT, CallType.RFC, CallType.SERVICE_REQUEST])
def test_a_request_without_any_sa_in_force_is_rejected(
    bare_world: World, call_type: CallType
) -> None:
    call = bare_world.submit(call_type)
    call.collect_events()

    accept_or_reject(call, bare_world.meta(), bare_world.organization, [])

    [event] = call.collect_events()
    assert names([event]) == ["Rejected"]
    assert event.reason.startswith(f"customer {CUSTOMER} has no service agreement in force")
    assert call.tracking_number in event.reason


def test_an_incident_of_another_customer_is_rejected(world: World) -> None:
    call = world.submit(CallType.INCIDENT, customer="harbour-authority")

    problem = authorization_problem(call, world.organization, world.agreements.values())

    assert problem is not None
    assert "customer harbour-authority has no service agreement in force" in problem


def test_an_incident_on_a_service_the_sa_does_not_cover_is_rejected(world: World) -> None:
    call = world.submit(CallType.INCIDENT, service_ids=[some_id("another service")])

    accept_or_reject(call, world.meta(), world.organization, world.agreements.values())

    assert call.status is Status.REJECTED


def test_an_sa_that_is_agreed_but_not_yet_in_force_does_not_authorize(bare_world: World) -> None:
    # given: a wish whose SA is agreed, waiting for its realization
    tree = wish_at("realize", bare_world)
    assert {a.status.value for a in tree.agreements} == {"agreed"}
    # when
    call = bare_world.submit(CallType.INCIDENT)
    accept_or_reject(call, bare_world.meta(), bare_world.organization, tree.agreements)
    # then
    assert call.status is Status.REJECTED


def test_an_ola_in_force_does_not_authorize_requests(world: World) -> None:
    ola_only = [a for a in world.agreements.values() if a.kind.value == "OLA"]
    call = world.submit(CallType.INCIDENT, customer=TENANT)

    assert authorization_problem(call, world.organization, ola_only) is not None


def test_a_forked_call_inherits_the_authorization_of_its_parent(bare_world: World) -> None:
    tree = wish_at("realize", bare_world)
    rfc = open_child(tree, tree.root, Process.CHANGE)

    accept_or_reject(rfc, bare_world.meta(), bare_world.organization, [])

    assert rfc.status is Status.ACCEPTED


# -- classify ---------------------------------------------------------------------------


def test_classifying_prioritises_with_the_current_scheme(world: World) -> None:
    # given
    call = world.submit(CallType.INCIDENT)
    call.accept(world.meta())
    call.collect_events()
    meta = world.meta()
    # when
    call.classify(meta, world.scheme, CATEGORY, Impact.MEDIUM, Urgency.HIGH)
    # then
    [event] = call.collect_events()
    assert names([event]) == ["Classified"]
    assert event.meta == meta
    assert (event.category, event.impact, event.urgency) == (CATEGORY, "medium", "high")
    assert (event.priority, event.scheme_version) == ("P2", 1)
    assert (call.status, call.step) == (Status.CLASSIFIED, "analyze")
    assert (call.impact, call.urgency, call.priority) == (Impact.MEDIUM, Urgency.HIGH, "P2")
    assert call.category == CATEGORY


def test_classifying_with_an_unknown_category_is_refused(world: World) -> None:
    call = world.submit(CallType.INCIDENT)
    call.accept(world.meta())

    with refused(UnknownCategoryError, "'plumbing' is not in classification scheme v1", call):
        call.classify(world.meta(), world.scheme, "plumbing", Impact.LOW, Urgency.LOW)


def test_classifying_before_acceptance_is_refused(world: World) -> None:
    call = world.submit(CallType.INCIDENT)

    with refused(WrongStepError, "belongs to step 'classify'", call):
        call.classify(world.meta(), world.scheme, CATEGORY, Impact.LOW, Urgency.LOW)


def test_classifying_records_the_version_of_a_newly_published_scheme(world: World) -> None:
    # given: v2 knows only two categories and rates nil impact higher
    matrix = {**world.scheme.priority_matrix, (Impact.NIL, Urgency.HIGH): "P1"}
    world.organization.publish_scheme(
        world.meta(), ClassificationScheme(2, ("passports", "visas"), matrix)
    )
    call = world.submit(CallType.SERVICE_REQUEST)
    call.accept(world.meta())
    call.collect_events()
    # when
    call.classify(world.meta(), world.scheme, "visas", Impact.NIL, Urgency.HIGH)
    # then
    [event] = call.collect_events()
    assert (event.scheme_version, event.priority, event.category) == (2, "P1", "visas")
    later = world.submit(CallType.SERVICE_REQUEST)
    later.accept(world.meta())
    with refused(UnknownCategoryError, "not in classification scheme v2", later):
        later.classify(world.meta(), world.scheme, CATEGORY, Impact.NIL, Urgency.HIGH)


# -- abort ------------------------------------------------------------------------------


def test_aborting_a_call_records_the_reason(world: World) -> None:
    # given
    call = world.submit(CallType.WISH)
    call.accept(world.meta())
    call.collect_events()
    meta = world.meta()
    # when
    call.abort(meta, "the requester withdrew the wish")
    # then
    [event] = call.collect_events()
    assert names([event]) == ["Aborted"]
    assert (event.reason, event.meta) == ("the requester withdrew the wish", meta)
    assert call.status is Status.ABORTED
    assert call.abort_reason == "the requester withdrew the wish"
    assert call.trail[-1] == ("classify", meta.occurred_at)


def test_aborting_without_a_reason_is_refused(world: World) -> None:
    call = world.submit(CallType.WISH)

    with refused(WrongStatusError, "needs a reason", call):
        call.abort(world.meta(), "   ")


def test_aborting_a_call_whose_child_still_works_is_refused(world: World) -> None:
    tree = rfc_at("deploy", world)
    child = open_child(tree, tree.root, Process.OPERATE)

    with refused(ChildCallsOpenError, "still in progress and cannot be aborted", tree.root, child):
        tree.root.abort(world.meta(), "plan changed")


def test_an_aborted_call_cannot_be_aborted_again(world: World) -> None:
    call = world.submit(CallType.WISH)
    call.abort(world.meta(), "duplicate")

    with refused(CallNotOpenError, "is aborted; cannot abort", call):
        call.abort(world.meta(), "duplicate")


def test_a_call_offers_no_authority_once_it_is_no_longer_open(world: World) -> None:
    call = world.submit(CallType.WISH)
    call.abort(world.meta(), "duplicate")

    with refused(CallNotOpenError, "cannot act on other records", call):
        call.authority()
