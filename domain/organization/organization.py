"""The service organization: one per tenant, on an adopted version of the USM patterns."""

from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.patterns import ClassificationScheme, pattern_set
from domain.shared import DomainError, EventMeta, aggregate_id


class OrganizationError(DomainError):
    code = "organization-rule-violated"


class Profile(StrEnum):
    """USM profiles a person can hold in an organization."""

    WORKFLOW_MANAGER = "workflow manager"
    WORKFLOW_COORDINATOR = "workflow coordinator"
    TEAM_COORDINATOR = "team coordinator"
    OPERATOR = "operator"
    SERVICE_MANAGER = "service manager"
    TENANT_ADMIN = "tenant admin"
    AUDITOR = "auditor"


class TeamKind(StrEnum):
    INTERNAL = "internal"
    EXTERNAL = "external"


class ServiceOrganization(Aggregate):
    @staticmethod
    def create_id(meta: EventMeta) -> UUID:
        return organization_id(meta.tenant_id)

    class Founded(Aggregate.Created):
        meta: EventMeta
        name: str
        pattern_version: str
        scheme: dict[str, Any]

    @event(Founded)
    def __init__(
        self, meta: EventMeta, name: str, pattern_version: str, scheme: dict[str, Any]
    ) -> None:
        self.tenant_id, self.name, self.pattern_version = meta.tenant_id, name, pattern_version
        self.schemes = {1: ClassificationScheme.from_dict(scheme)}
        self.teams: dict[str, tuple[str, TeamKind]] = {}
        self.profiles: dict[str, set[Profile]] = {}
        self.reporting_consent = False

    @classmethod
    def found(cls, meta: EventMeta, name: str, pattern_version: str) -> "ServiceOrganization":
        """Found the tenant's organization on a version of the shared patterns."""
        patterns = pattern_set(pattern_version)
        if not name.strip():
            raise OrganizationError("an organization needs a name")
        return cls(
            meta=meta,
            name=name,
            pattern_version=patterns.version,
            scheme=patterns.default_scheme.to_dict(),
        )

    @property
    def scheme(self) -> ClassificationScheme:
        """The current classification scheme (the only one new calls are classified by)."""
        return self.schemes[max(self.schemes)]

    class TeamAdded(Aggregate.Event):
        meta: EventMeta
        code: str
        name: str
        kind: str

    def add_team(self, meta: EventMeta, code: str, name: str, kind: TeamKind) -> None:
        """Add an internal solution team or an external supplier team."""
        if code in self.teams:
            raise OrganizationError(f"team {code} already exists")
        self._record_team(meta=meta, code=code, name=name, kind=kind.value)

    @event(TeamAdded)
    def _record_team(self, meta: EventMeta, code: str, name: str, kind: str) -> None:
        self.teams[code] = (name, TeamKind(kind))

    def team_kind(self, code: str) -> TeamKind:
        try:
            return self.teams[code][1]
        except KeyError:
            raise OrganizationError(f"team {code} is unknown to {self.name}") from None

    class ProfileAssigned(Aggregate.Event):
        meta: EventMeta
        person: str
        profile: str

    class ProfileRevoked(Aggregate.Event):
        meta: EventMeta
        person: str
        profile: str

    def assign_profile(self, meta: EventMeta, person: str, profile: Profile) -> None:
        if profile in self.profiles.get(person, set()):
            raise OrganizationError(f"{person} already holds profile {profile.value}")
        self._record_assignment(meta=meta, person=person, profile=profile.value)

    def revoke_profile(self, meta: EventMeta, person: str, profile: Profile) -> None:
        if profile not in self.profiles.get(person, set()):
            raise OrganizationError(f"{person} does not hold profile {profile.value}")
        self._record_revocation(meta=meta, person=person, profile=profile.value)

    @event(ProfileAssigned)
    def _record_assignment(self, meta: EventMeta, person: str, profile: str) -> None:
        self.profiles.setdefault(person, set()).add(Profile(profile))

    @event(ProfileRevoked)
    def _record_revocation(self, meta: EventMeta, person: str, profile: str) -> None:
        self.profiles[person].discard(Profile(profile))

    def is_member(self, person: str) -> bool:
        return bool(self.profiles.get(person))

    class SchemePublished(Aggregate.Event):
        meta: EventMeta
        scheme: dict[str, Any]

    def publish_scheme(self, meta: EventMeta, scheme: ClassificationScheme) -> None:
        """Publish the next version of the classification scheme."""
        expected = max(self.schemes) + 1
        if scheme.version != expected:
            raise OrganizationError(
                f"the next classification scheme is v{expected}, not v{scheme.version}"
            )
        self._record_scheme(meta=meta, scheme=scheme.to_dict())

    @event(SchemePublished)
    def _record_scheme(self, meta: EventMeta, scheme: dict[str, Any]) -> None:
        published = ClassificationScheme.from_dict(scheme)
        self.schemes[published.version] = published

    class ReportingConsentChanged(Aggregate.Event):
        meta: EventMeta
        consent: bool

    def set_reporting_consent(self, meta: EventMeta, consent: bool) -> None:
        """Opt in or out of cross-organization reporting (aggregates only, no personal data)."""
        if consent == self.reporting_consent:
            raise OrganizationError(f"reporting consent is already {consent}")
        self._record_consent(meta=meta, consent=consent)

    @event(ReportingConsentChanged)
    def _record_consent(self, meta: EventMeta, consent: bool) -> None:
        self.reporting_consent = consent


def organization_id(tenant_id: str) -> UUID:
    return aggregate_id(tenant_id, "organization", "self")
