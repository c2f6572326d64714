"""The service catalog against the organization: owners and solution teams must exist."""

from domain.calls import WishCall
from domain.catalog import Service, ServiceSpecification
from domain.organization import ServiceOrganization
from domain.shared import EventMeta


def register_service(
    organization: ServiceOrganization,
    meta: EventMeta,
    code: str,
    name: str,
    owner_team: str,
    specification: ServiceSpecification,
) -> Service:
    """Add a service owned by one of the organization's teams to its catalog."""
    organization.team_kind(owner_team)
    return Service.register(meta, code, name, owner_team, specification)


def specify_service(
    wish: WishCall,
    meta: EventMeta,
    organization: ServiceOrganization,
    functional_design: str,
    technical_design: str,
    solution_teams: list[str],
    cost: int,
) -> None:
    """Specify the wished service; every solution team must be one of the organization's."""
    for team in solution_teams:
        organization.team_kind(team)
    wish.specify_service(meta, functional_design, technical_design, solution_teams, cost)
