"""A service in the catalog: a supported facility, judged on functionality and functioning."""

from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.shared import DomainError, EventMeta, aggregate_id


class ServiceError(DomainError):
    code = "service-rule-violated"


class ServiceStatus(StrEnum):
    ACTIVE = "active"
    RETIRED = "retired"


@dataclass(frozen=True)
class ServiceSpecification:
    """USM's service definition: the facility and its support, each as what and how well."""

    facility_functionality: str
    facility_functioning: str
    support_functionality: str
    support_functioning: str

    def __post_init__(self) -> None:
        if not self.facility_functionality.strip():
            raise ServiceError("a service names the functionality of its facility")

    def to_dict(self) -> dict[str, str]:
        return {
            "facility_functionality": self.facility_functionality,
            "facility_functioning": self.facility_functioning,
            "support_functionality": self.support_functionality,
            "support_functioning": self.support_functioning,
        }


class Service(Aggregate):
    @staticmethod
    def create_id(meta: EventMeta, code: str) -> UUID:
        return aggregate_id(meta.tenant_id, "service", code)

    class Registered(Aggregate.Created):
        meta: EventMeta
        code: str
        name: str
        owner_team: str
        specification: dict[str, str]

    @event(Registered)
    def __init__(
        self, meta: EventMeta, code: str, name: str, owner_team: str, specification: dict[str, str]
    ) -> None:
        self.tenant_id, self.code, self.name = meta.tenant_id, code, name
        self.owner_team = owner_team
        self.specification = ServiceSpecification(**specification)
        self.status = ServiceStatus.ACTIVE

    @classmethod
    def register(
        cls,
        meta: EventMeta,
        code: str,
        name: str,
        owner_team: str,
        specification: ServiceSpecification,
    ) -> "Service":
        """Add a service to the tenant's catalog."""
        if not code.strip() or not name.strip():
            raise ServiceError("a service needs a code and a name")
        return cls(
            meta=meta,
            code=code,
            name=name,
            owner_team=owner_team,
            specification=specification.to_dict(),
        )

    class Revised(Aggregate.Event):
        meta: EventMeta
        name: str
        owner_team: str
        specification: dict[str, str]

    def revise(
        self, meta: EventMeta, name: str, owner_team: str, specification: ServiceSpecification
    ) -> None:
        """Change the service's name, owner or specification."""
        self._require_active("be revised")
        if not name.strip():
            raise ServiceError(f"service {self.code} needs a name")
        self._record_revision(
            meta=meta, name=name, owner_team=owner_team, specification=specification.to_dict()
        )

    @event(Revised)
    def _record_revision(
        self, meta: EventMeta, name: str, owner_team: str, specification: dict[str, str]
    ) -> None:
        self.name, self.owner_team = name, owner_team
        self.specification = ServiceSpecification(**specification)

    class Retired(Aggregate.Event):
        meta: EventMeta
        reason: str

    def retire(self, meta: EventMeta, reason: str) -> None:
        """Take the service out of the catalog (its history stays)."""
        self._require_active("be retired")
        self._record_retirement(meta=meta, reason=reason)

    @event(Retired)
    def _record_retirement(self, meta: EventMeta, reason: str) -> None:
        self.status = ServiceStatus.RETIRED

    def _require_active(self, action: str) -> None:
        if self.status is not ServiceStatus.ACTIVE:
            raise ServiceError(f"service {self.code} is retired and cannot {action}")
