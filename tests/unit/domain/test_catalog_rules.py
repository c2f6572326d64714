"""Catalog rules that need the organization: owners and solution teams must be its teams."""

from domain.organization import OrganizationError
from domain.workflow import register_service, specify_service
from tests.unit.domain.builders import (
    EXTERNAL_TEAM,
    INTERNAL_TEAM,
    World,
    names,
    refused,
    specification,
    wish_at,
)


def test_a_service_owned_by_a_known_team_is_registered(bare_world: World) -> None:
    # when
    service = register_service(
        bare_world.organization,
        bare_world.meta(),
        "passport",
        "Passports",
        INTERNAL_TEAM,
        specification(),
    )
    # then
    assert names(service.collect_events()) == ["Registered"]
    assert service.owner_team == INTERNAL_TEAM


def test_a_service_owned_by_an_unknown_team_is_refused(bare_world: World) -> None:
    with refused(OrganizationError, "team ghosts is unknown", bare_world.organization):
        register_service(
            bare_world.organization,
            bare_world.meta(),
            "passport",
            "Passports",
            "ghosts",
            specification(),
        )


def test_a_specification_with_known_solution_teams_is_recorded(bare_world: World) -> None:
    # given
    wish = wish_at("specify_service", bare_world).root
    # when
    specify_service(
        wish, bare_world.meta(), bare_world.organization, "renew online", "web", [EXTERNAL_TEAM], 10
    )
    # then
    assert names(wish.collect_events()) == ["ServiceSpecified"]


def test_a_specification_naming_an_unknown_solution_team_changes_nothing(
    bare_world: World,
) -> None:
    # given
    wish = wish_at("specify_service", bare_world).root
    # then
    with refused(OrganizationError, "team ghosts is unknown", wish, bare_world.organization):
        specify_service(
            wish,
            bare_world.meta(),
            bare_world.organization,
            "renew",
            "web",
            [INTERNAL_TEAM, "ghosts"],
            10,
        )
