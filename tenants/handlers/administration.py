"""Handlers that set up the organization and the service catalog."""

from typing import TYPE_CHECKING, Any

from domain.catalog import Service
from domain.commands import (
    AddTeam,
    AssignProfile,
    FoundOrganization,
    PublishClassificationScheme,
    RegisterService,
    RetireService,
    SetReportingConsent,
)
from domain.organization import OrganizationError, ServiceOrganization, organization_id
from domain.shared import EventMeta
from domain.workflow import catalog

if TYPE_CHECKING:
    from tenants.service_desk import ServiceDesk


def found_organization(desk: "ServiceDesk", cmd: FoundOrganization, meta: EventMeta) -> list[Any]:
    if desk.exists(organization_id(desk.tenant_id)):
        raise OrganizationError(f"tenant {desk.tenant_id} already has its organization")
    return [ServiceOrganization.found(meta, cmd.name, cmd.pattern_version)]


def add_team(desk: "ServiceDesk", cmd: AddTeam, meta: EventMeta) -> list[Any]:
    organization = desk.organization(for_update=True)
    organization.add_team(meta, cmd.code, cmd.name, cmd.kind)
    return [organization]


def assign_profile(desk: "ServiceDesk", cmd: AssignProfile, meta: EventMeta) -> list[Any]:
    organization = desk.organization(for_update=True)
    organization.assign_profile(meta, cmd.person, cmd.profile)
    return [organization]


def publish_scheme(
    desk: "ServiceDesk", cmd: PublishClassificationScheme, meta: EventMeta
) -> list[Any]:
    organization = desk.organization(for_update=True)
    organization.publish_scheme(meta, cmd.scheme)
    return [organization]


def set_reporting_consent(
    desk: "ServiceDesk", cmd: SetReportingConsent, meta: EventMeta
) -> list[Any]:
    organization = desk.organization(for_update=True)
    organization.set_reporting_consent(meta, cmd.consent)
    return [organization]


def register_service(desk: "ServiceDesk", cmd: RegisterService, meta: EventMeta) -> list[Any]:
    service = catalog.register_service(
        desk.organization(), meta, cmd.code, cmd.name, cmd.owner_team, cmd.specification
    )
    if desk.exists(service.id):
        raise OrganizationError(f"service {cmd.code} is already in the catalog")
    return [service]


def retire_service(desk: "ServiceDesk", cmd: RetireService, meta: EventMeta) -> list[Any]:
    service = desk.load(cmd.service_id, Service, "service")
    service.retire(meta, cmd.reason)
    return [service]


ADMINISTRATION_HANDLERS: dict[type, Any] = {
    FoundOrganization: found_organization,
    AddTeam: add_team,
    AssignProfile: assign_profile,
    PublishClassificationScheme: publish_scheme,
    SetReportingConsent: set_reporting_consent,
    RegisterService: register_service,
    RetireService: retire_service,
}
