"""Bodies of the platform and organization resources."""

from typing import Annotated
from uuid import UUID

from pydantic import Field, StrictBool, StringConstraints

from domain.organization import Profile, TeamKind
from gateway.api.models.base import Body, Code, Name, Person, Text

Slug = Annotated[
    str,
    StringConstraints(min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$"),
]


class CreateTenantBody(Body):
    slug: Slug = Field(examples=["health-south"])
    name: Name = Field(examples=["Health Region South"])
    kind: Name = Field(examples=["health region"])


class FoundOrganizationBody(Body):
    name: Name


class AddTeamBody(Body):
    code: Code
    name: Name
    kind: TeamKind


class AssignProfileBody(Body):
    person: Person
    profile: Profile


class PriorityCell(Body):
    impact: str = Field(max_length=16)
    urgency: str = Field(max_length=16)
    priority: Name


class RiskCell(Body):
    effect: str = Field(max_length=16)
    likelihood: str = Field(max_length=32)
    level: Name


class ClassificationSchemeBody(Body):
    categories: list[Name] = Field(min_length=1, max_length=100)
    priority_matrix: list[PriorityCell] | None = Field(default=None, max_length=64)
    risk_matrix: list[RiskCell] | None = Field(default=None, max_length=64)


class ReportingConsentBody(Body):
    consent: StrictBool


class ServiceSpecificationBody(Body):
    facility_functionality: Text = Field(min_length=1)
    facility_functioning: Text = Field(min_length=1)
    support_functionality: Text = Field(min_length=1)
    support_functioning: Text = Field(min_length=1)


class RegisterServiceBody(Body):
    code: Code
    name: Name
    owner_team: Code
    specification: ServiceSpecificationBody


class RetireServiceBody(Body):
    reason: Text = Field(min_length=1)


class ServiceRef(Body):
    service_id: UUID
