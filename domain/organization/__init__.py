"""The tenant's service organization: patterns adopted, teams, profiles, schemes."""

from domain.organization.organization import (
    OrganizationError,
    Profile,
    ServiceOrganization,
    TeamKind,
    organization_id,
)

__all__ = ["OrganizationError", "Profile", "ServiceOrganization", "TeamKind", "organization_id"]
