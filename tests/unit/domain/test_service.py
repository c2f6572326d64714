"""Service: a supported facility in the catalog, registered, revised and retired."""

import pytest

from domain.catalog import Service, ServiceError, ServiceSpecification, ServiceStatus
from domain.shared import aggregate_id
from tests.unit.domain.builders import INTERNAL_TEAM, TENANT, Clock, names, refused, specification


def test_registering_a_service_adds_it_to_the_catalog() -> None:
    # given
    meta = Clock().meta(actor="service-manager")
    # when
    service = Service.register(meta, "visa", "Visa service", INTERNAL_TEAM, specification())
    # then
    [event] = service.collect_events()
    assert names([event]) == ["Registered"]
    assert event.meta == meta
    assert (event.code, event.name, event.owner_team) == ("visa", "Visa service", INTERNAL_TEAM)
    assert event.specification == specification().to_dict()
    assert service.id == aggregate_id(TENANT, "service", "visa")
    assert (service.status, service.specification) == (ServiceStatus.ACTIVE, specification())
    assert service.tenant_id == TENANT


@pytest.mark.parametrize(("code", "name"), [("", "Visa"), ("visa", "  ")])
def test_a_service_needs_a_code_and_a_name(code: str, name: str) -> None:
    with pytest.raises(ServiceError, match="needs a code and a name"):
        Service.register(Clock().meta(), code, name, INTERNAL_TEAM, specification())


def test_a_service_names_the_functionality_of_its_facility() -> None:
    with pytest.raises(ServiceError, match="names the functionality of its facility"):
        ServiceSpecification(" ", "24/7", "desk", "2 minutes")


def test_revising_a_service_changes_its_name_owner_and_specification() -> None:
    # given
    clock = Clock()
    service = Service.register(clock.meta(), "visa", "Visa", INTERNAL_TEAM, specification())
    service.collect_events()
    revised = ServiceSpecification("apply for visas", "24/7", "chat", "1 minute")
    meta = clock.meta()
    # when
    service.revise(meta, "Visa applications", "cloudco", revised)
    # then
    [event] = service.collect_events()
    assert names([event]) == ["Revised"]
    assert (event.name, event.owner_team, event.specification) == (
        "Visa applications",
        "cloudco",
        revised.to_dict(),
    )
    assert event.meta == meta
    assert (service.name, service.owner_team, service.specification) == (
        "Visa applications",
        "cloudco",
        revised,
    )


def test_retiring_a_service_keeps_it_in_the_catalog_as_retired() -> None:
    clock = Clock()
    service = Service.register(clock.meta(), "visa", "Visa", INTERNAL_TEAM, specification())
    service.collect_events()
    meta = clock.meta()

    service.retire(meta, "moved to the national portal")

    [event] = service.collect_events()
    assert (names([event]), event.reason, event.meta) == (
        ["Retired"],
        "moved to the national portal",
        meta,
    )
    assert service.status is ServiceStatus.RETIRED


def test_a_retired_service_can_be_neither_revised_nor_retired_again() -> None:
    clock = Clock()
    service = Service.register(clock.meta(), "visa", "Visa", INTERNAL_TEAM, specification())
    service.retire(clock.meta(), "gone")

    with refused(ServiceError, "service visa is retired and cannot be revised", service):
        service.revise(clock.meta(), "Visa", INTERNAL_TEAM, specification())
    with refused(ServiceError, "cannot be retired", service):
        service.retire(clock.meta(), "gone again")


def test_a_service_cannot_be_revised_to_a_blank_name() -> None:
    clock = Clock()
    service = Service.register(clock.meta(), "visa", "Visa", INTERNAL_TEAM, specification())
    service.collect_events()

    with refused(ServiceError, "service visa needs a name", service):
        service.revise(clock.meta(), "   ", INTERNAL_TEAM, specification())
