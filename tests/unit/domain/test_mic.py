"""ManagedInfrastructureComponent: the MIR changes only through an approved, deployed Change."""

import pytest

from domain.calls import MirUpdateNotAllowedError
from domain.mir import ChangeCallRequiredError, ManagedInfrastructureComponent, MicClass, MirError
from domain.shared import DomainError, aggregate_id
from domain.workflow import (
    ChangeMicAttributes,
    RegisterMic,
    RelateMics,
    RetireMic,
    update_mir,
)
from tests.unit.domain.builders import (
    CLOSED,
    INTERNAL_TEAM,
    TENANT,
    World,
    drive,
    incident_at,
    names,
    refused,
    rfc_at,
    some_id,
)


def test_a_change_at_its_mir_update_registers_a_new_component(world: World) -> None:
    # given
    rfc = rfc_at("update_mir", world).root
    meta = world.meta()
    operation = RegisterMic(
        "db-1", MicClass.HARDWARE, "database server", INTERNAL_TEAM, {"cpu": "16"}
    )
    # when
    [mic] = update_mir(rfc, meta, [operation], dict(world.mics))
    # then
    [event] = mic.collect_events()
    assert names([event]) == ["Registered"]
    assert event.meta == meta
    assert (event.change_call_id, event.code, event.mic_class) == (rfc.id, "db-1", "hardware")
    assert (event.name, event.owner, event.attributes) == (
        "database server",
        INTERNAL_TEAM,
        {"cpu": "16"},
    )
    assert mic.id == aggregate_id(TENANT, "mic", "db-1")
    assert (mic.mic_class, mic.attributes, mic.retired) == (MicClass.HARDWARE, {"cpu": "16"}, False)
    assert mic.change_call_ids == [rfc.id]


def test_a_change_sets_and_removes_managed_attributes(world: World) -> None:
    # given
    rfc = rfc_at("update_mir", world).root
    facility = world.facility
    meta = world.meta()
    # when
    update_mir(
        rfc,
        meta,
        [
            ChangeMicAttributes(facility.id, {"version": "1.1", "runtime": "python"}),
            ChangeMicAttributes(facility.id, {"runtime": None}),
        ],
        dict(world.mics),
    )
    # then
    first, second = facility.collect_events()
    assert names([first, second]) == ["AttributesChanged", "AttributesChanged"]
    assert (first.change_call_id, first.changes) == (
        rfc.id,
        {"version": "1.1", "runtime": "python"},
    )
    assert second.changes == {"runtime": None}
    assert first.meta == meta
    assert facility.attributes == {"version": "1.1"}
    assert facility.change_call_ids[-2:] == [rfc.id, rfc.id]


@pytest.mark.parametrize(
    ("changes", "message"),
    [({}, "nothing to change"), ({"colour": None}, "has no attribute colour")],
)
def test_an_empty_or_impossible_attribute_change_is_refused(
    world: World, changes: dict[str, str | None], message: str
) -> None:
    rfc = rfc_at("update_mir", world).root
    facility = world.facility

    with refused(MirError, message, facility, rfc):
        update_mir(rfc, world.meta(), [ChangeMicAttributes(facility.id, changes)], dict(world.mics))


def test_a_change_relates_components(world: World) -> None:
    # given
    rfc = rfc_at("update_mir", world).root
    facility = world.facility
    database = RegisterMic("db-1", MicClass.HARDWARE, "database server", INTERNAL_TEAM)
    db_id = aggregate_id(TENANT, "mic", "db-1")
    # when
    touched = update_mir(
        rfc,
        world.meta(),
        [database, RelateMics(facility.id, "depends-on", db_id)],
        dict(world.mics),
    )
    # then
    assert [mic.code for mic in touched] == ["db-1", facility.code]
    [event] = facility.collect_events()
    assert (names([event]), event.relation, event.target_id) == (["Related"], "depends-on", db_id)
    assert facility.relations == [("depends-on", db_id)]
    assert rfc.updated_mic_ids == [db_id, facility.id]


@pytest.mark.parametrize("target", ["same", "self"])
def test_a_duplicate_or_circular_relation_is_refused(world: World, target: str) -> None:
    tree = rfc_at("update_mir", world)
    facility = world.facility
    other = some_id("other MIC")
    authority = tree.root.mir_authority()
    facility.relate(world.meta(), authority, "depends-on", other)

    with refused(MirError, "already has that relation or points at itself", facility):
        facility.relate(
            world.meta(), authority, "depends-on", other if target == "same" else facility.id
        )


def test_a_retired_component_can_no_longer_change(world: World) -> None:
    # given
    rfc = rfc_at("update_mir", world).root
    facility = world.facility
    authority = rfc.mir_authority()
    meta = world.meta()
    # when
    update_mir(rfc, meta, [RetireMic(facility.id, "replaced by SaaS")], dict(world.mics))
    # then
    [event] = facility.collect_events()
    assert (names([event]), event.reason, event.change_call_id) == (
        ["Retired"],
        "replaced by SaaS",
        rfc.id,
    )
    assert facility.retired
    with refused(MirError, "passport-app is retired", facility):
        facility.change_attributes(world.meta(), authority, {"version": "2"})


def test_a_call_of_another_process_cannot_change_the_mir(world: World) -> None:
    incident = incident_at("analyze", world).root
    facility = world.facility

    with refused(ChangeCallRequiredError, "is a recover call at step 'analyze'", facility):
        facility.change_attributes(world.meta(), incident.authority(), {"version": "hotfix"})


def test_a_change_before_its_mir_update_step_cannot_register_components(world: World) -> None:
    rfc = rfc_at("deploy", world).root

    with refused(ChangeCallRequiredError, "is a change call at step 'deploy'", rfc):
        ManagedInfrastructureComponent.register(
            world.meta(), rfc.authority(), "db-1", MicClass.HARDWARE, "db", INTERNAL_TEAM, {}
        )


def test_updating_the_mir_outside_the_update_mir_step_is_refused(world: World) -> None:
    rfc = rfc_at("review", world).root
    facility = world.facility

    with refused(MirUpdateNotAllowedError, "changes only at 'update_mir'", rfc, facility):
        update_mir(
            rfc, world.meta(), [ChangeMicAttributes(facility.id, {"v": "2"})], dict(world.mics)
        )


def test_a_closed_change_cannot_change_the_mir(world: World) -> None:
    tree = rfc_at("update_mir", world)
    authority = tree.root.mir_authority()
    drive(tree, tree.root, CLOSED)

    with refused(MirUpdateNotAllowedError, "at step 'evaluate_close'", tree.root):
        tree.root.mir_authority()
    assert authority.step == "update_mir"  # an old authority is the caller's responsibility


def test_a_change_without_a_fulfilled_deployment_cannot_change_the_mir(world: World) -> None:
    """Defence in depth: a forged 'Resumed' event that skips the deployment gains nothing."""
    rfc = rfc_at("deploy", world).root
    rfc._record_resumption(meta=world.meta(), at_step="update_mir")

    with refused(MirUpdateNotAllowedError, "not approved and deployed through Operate", rfc):
        rfc.mir_authority()


def test_changing_a_component_that_is_not_in_the_mir_is_refused(world: World) -> None:
    rfc = rfc_at("update_mir", world).root

    with refused(MirError, "is not registered in the MIR", rfc):
        update_mir(rfc, world.meta(), [RetireMic(some_id("ghost"), "gone")], dict(world.mics))


# -- regression tests (formerly known defects) --------------------------------------------


def test_a_refused_mir_update_changes_no_component(world: World) -> None:
    rfc = rfc_at("update_mir", world).root
    facility = world.facility
    operations = [
        ChangeMicAttributes(facility.id, {"version": "2.0"}),
        RetireMic(some_id("ghost"), "gone"),
    ]

    with refused(MirError, "is not registered in the MIR", rfc, facility):
        update_mir(rfc, world.meta(), operations, dict(world.mics))


def test_registering_a_component_that_is_already_registered_is_refused(world: World) -> None:
    rfc = rfc_at("update_mir", world).root
    facility = world.facility
    duplicate = RegisterMic(facility.code, MicClass.SOFTWARE, "again", INTERNAL_TEAM)

    with refused(DomainError, "already", rfc, facility):
        update_mir(rfc, world.meta(), [duplicate], dict(world.mics))
