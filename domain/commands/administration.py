"""Commands that set up a tenant's service organization and its service catalog."""

from dataclasses import dataclass
from uuid import UUID

from domain.catalog import ServiceSpecification
from domain.organization import Profile, TeamKind
from domain.patterns import CURRENT_VERSION, ClassificationScheme


@dataclass(frozen=True, kw_only=True)
class FoundOrganization:
    name: str
    pattern_version: str = CURRENT_VERSION


@dataclass(frozen=True, kw_only=True)
class AddTeam:
    code: str
    name: str
    kind: TeamKind


@dataclass(frozen=True, kw_only=True)
class AssignProfile:
    person: str
    profile: Profile


@dataclass(frozen=True, kw_only=True)
class PublishClassificationScheme:
    scheme: ClassificationScheme


@dataclass(frozen=True, kw_only=True)
class SetReportingConsent:
    consent: bool


@dataclass(frozen=True, kw_only=True)
class RegisterService:
    code: str
    name: str
    owner_team: str
    specification: ServiceSpecification


@dataclass(frozen=True, kw_only=True)
class RetireService:
    service_id: UUID
    reason: str
