"""Who may do what: the roles a token grants, per tenant and on the platform."""

from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    REQUESTER = "requester"
    OPERATOR = "operator"
    WORKFLOW_COORDINATOR = "workflow-coordinator"
    WORKFLOW_MANAGER = "workflow-manager"
    SERVICE_MANAGER = "service-manager"
    TENANT_ADMIN = "tenant-admin"
    AUDITOR = "auditor"
    PLATFORM_ADMIN = "platform-admin"


TENANT_ROLES = frozenset(Role) - {Role.PLATFORM_ADMIN}
PLATFORM_ROLES = frozenset({Role.PLATFORM_ADMIN})


@dataclass(frozen=True)
class Principal:
    """The authenticated caller: a subject with roles in some tenants and on the platform."""

    subject: str
    tenant_roles: dict[str, frozenset[Role]] = field(default_factory=dict)
    platform_roles: frozenset[Role] = frozenset()
    token_id: str | None = None

    def roles_in(self, tenant: str) -> frozenset[Role]:
        return self.tenant_roles.get(tenant, frozenset())

    def is_member_of(self, tenant: str) -> bool:
        return bool(self.roles_in(tenant))

    def only_requester_in(self, tenant: str) -> bool:
        """Whether this caller may see no more than their own calls in ``tenant``."""
        return self.roles_in(tenant) == {Role.REQUESTER}
