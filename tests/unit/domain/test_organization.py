"""ServiceOrganization: adopted patterns, teams, profiles, classification schemes, consent."""

import pytest

from domain.organization import (
    OrganizationError,
    Profile,
    ServiceOrganization,
    TeamKind,
    organization_id,
)
from domain.patterns import CURRENT_VERSION, ClassificationScheme
from domain.patterns.catalog import UnknownPatternVersionError
from tests.unit.domain.builders import TENANT, Clock, names, refused


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def organization(clock: Clock) -> ServiceOrganization:
    organization = ServiceOrganization.found(clock.meta(), "Acme IT", CURRENT_VERSION)
    organization.collect_events()
    return organization


def test_founding_an_organization_adopts_the_patterns_and_their_default_scheme(
    clock: Clock,
) -> None:
    # given
    meta = clock.meta(actor="tenant-admin")
    # when
    organization = ServiceOrganization.found(meta, "Acme IT", CURRENT_VERSION)
    # then
    [event] = organization.collect_events()
    assert names([event]) == ["Founded"]
    assert event.meta == meta
    assert (event.name, event.pattern_version) == ("Acme IT", CURRENT_VERSION)
    assert event.scheme == ClassificationScheme(1).to_dict()
    assert organization.id == organization_id(TENANT)
    assert organization.scheme == ClassificationScheme(1)
    assert (organization.teams, organization.profiles) == ({}, {})
    assert organization.reporting_consent is False


def test_an_unknown_pattern_version_cannot_be_adopted(clock: Clock) -> None:
    with pytest.raises(UnknownPatternVersionError, match="'usm-patterns@9' is unknown"):
        ServiceOrganization.found(clock.meta(), "Acme IT", "usm-patterns@9")


def test_an_organization_needs_a_name(clock: Clock) -> None:
    with pytest.raises(OrganizationError, match="needs a name"):
        ServiceOrganization.found(clock.meta(), " ", CURRENT_VERSION)


def test_adding_a_team_records_whether_it_is_internal_or_external(
    clock: Clock, organization: ServiceOrganization
) -> None:
    meta = clock.meta()

    organization.add_team(meta, "cloudco", "CloudCo hosting", TeamKind.EXTERNAL)

    [event] = organization.collect_events()
    assert (names([event]), event.code, event.name, event.kind) == (
        ["TeamAdded"],
        "cloudco",
        "CloudCo hosting",
        "external",
    )
    assert event.meta == meta
    assert organization.team_kind("cloudco") is TeamKind.EXTERNAL


def test_a_team_code_is_used_once(clock: Clock, organization: ServiceOrganization) -> None:
    organization.add_team(clock.meta(), "platform", "Platform", TeamKind.INTERNAL)

    with refused(OrganizationError, "team platform already exists", organization):
        organization.add_team(clock.meta(), "platform", "Platform 2", TeamKind.EXTERNAL)


def test_asking_for_an_unknown_team_is_refused(organization: ServiceOrganization) -> None:
    with refused(OrganizationError, "team ghost is unknown to Acme IT", organization):
        organization.team_kind("ghost")


def test_assigning_a_profile_makes_a_person_a_member(
    clock: Clock, organization: ServiceOrganization
) -> None:
    meta = clock.meta()

    organization.assign_profile(meta, "alice", Profile.OPERATOR)

    [event] = organization.collect_events()
    assert (names([event]), event.person, event.profile) == (
        ["ProfileAssigned"],
        "alice",
        "operator",
    )
    assert event.meta == meta
    assert organization.is_member("alice") and not organization.is_member("bob")


def test_revoking_the_last_profile_ends_the_membership(
    clock: Clock, organization: ServiceOrganization
) -> None:
    organization.assign_profile(clock.meta(), "alice", Profile.OPERATOR)
    organization.collect_events()

    organization.revoke_profile(clock.meta(), "alice", Profile.OPERATOR)

    assert names(organization.collect_events()) == ["ProfileRevoked"]
    assert not organization.is_member("alice")


def test_a_profile_is_assigned_once_and_revoked_only_when_held(
    clock: Clock, organization: ServiceOrganization
) -> None:
    organization.assign_profile(clock.meta(), "alice", Profile.OPERATOR)

    with refused(OrganizationError, "alice already holds profile operator", organization):
        organization.assign_profile(clock.meta(), "alice", Profile.OPERATOR)
    with refused(OrganizationError, "alice does not hold profile auditor", organization):
        organization.revoke_profile(clock.meta(), "alice", Profile.AUDITOR)


def test_publishing_the_next_scheme_version_makes_it_current(
    clock: Clock, organization: ServiceOrganization
) -> None:
    # given
    scheme = ClassificationScheme(2, ("passports", "visas"))
    meta = clock.meta()
    # when
    organization.publish_scheme(meta, scheme)
    # then
    [event] = organization.collect_events()
    assert (names([event]), event.scheme, event.meta) == (
        ["SchemePublished"],
        scheme.to_dict(),
        meta,
    )
    assert organization.scheme == scheme
    assert organization.schemes[1] == ClassificationScheme(1)


@pytest.mark.parametrize("version", [1, 3])
def test_scheme_versions_must_increase_by_one(
    clock: Clock, organization: ServiceOrganization, version: int
) -> None:
    expected = f"next classification scheme is v2, not v{version}"
    with refused(OrganizationError, expected, organization):
        organization.publish_scheme(clock.meta(), ClassificationScheme(version))
    assert organization.scheme.version == 1


def test_reporting_consent_is_given_and_withdrawn_explicitly(
    clock: Clock, organization: ServiceOrganization
) -> None:
    organization.set_reporting_consent(clock.meta(), True)
    [event] = organization.collect_events()
    assert (names([event]), event.consent) == (["ReportingConsentChanged"], True)

    with refused(OrganizationError, "reporting consent is already True", organization):
        organization.set_reporting_consent(clock.meta(), True)
    organization.set_reporting_consent(clock.meta(), False)
    assert organization.reporting_consent is False
