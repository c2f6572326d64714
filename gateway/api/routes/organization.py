"""The tenant's service organization: teams, profiles, classification scheme, consent."""

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from domain.commands import AddTeam, AssignProfile, PublishClassificationScheme, SetReportingConsent
from domain.patterns import ClassificationScheme, Effect, Impact, Likelihood, Urgency
from gateway.api.access import Tenant
from gateway.api.models import admin as m
from gateway.api.problems import COMMON_PROBLEMS, WRITE_PROBLEMS, Problem
from gateway.api.writes import WRITE_HEADERS, CommandAccepted, documented, run

router = APIRouter(
    prefix="/t/{tenant}/organization", tags=["organization"], responses=COMMON_PROBLEMS
)


class Team(BaseModel):
    code: str
    name: str
    kind: str


class Organization(BaseModel):
    id: UUID
    tenant: str
    name: str
    pattern_version: str
    teams: list[Team]
    profiles: dict[str, list[str]]
    classification_scheme: dict[str, Any]
    reporting_consent: bool
    version: int


@router.get(
    "",
    operation_id="getOrganization",
    response_model=Organization,
    summary="The organization: teams, people's profiles, the current classification scheme",
)
def get_organization(access: Tenant, response: Response) -> Organization:
    org = access.app.organization()
    response.headers["ETag"] = f'"{org.version}"'
    return Organization(
        id=org.id,
        tenant=access.tenant,
        name=org.name,
        pattern_version=org.pattern_version,
        teams=[Team(code=c, name=n, kind=k.value) for c, (n, k) in sorted(org.teams.items())],
        profiles={p: sorted(v.value for v in ps) for p, ps in sorted(org.profiles.items())},
        classification_scheme=org.scheme.to_dict(),
        reporting_consent=org.reporting_consent,
        version=org.version,
    )


@router.post(
    "/teams",
    operation_id="addTeam",
    response_model=CommandAccepted,
    responses=WRITE_PROBLEMS,
    openapi_extra=documented(*WRITE_HEADERS),
    summary="Add a team (internal, or an external supplier)",
)
async def add_team(
    access: Tenant,
    body: m.AddTeamBody,
    request: Request,
) -> CommandAccepted | Response:
    command = AddTeam(code=body.code, name=body.name, kind=body.kind)
    return run(access, request, command, body=body)


@router.post(
    "/profiles",
    operation_id="assignProfile",
    response_model=CommandAccepted,
    responses=WRITE_PROBLEMS,
    openapi_extra=documented(*WRITE_HEADERS),
    summary="Give a person a USM profile in this organization",
)
async def assign_profile(
    access: Tenant,
    body: m.AssignProfileBody,
    request: Request,
) -> CommandAccepted | Response:
    command = AssignProfile(person=body.person, profile=body.profile)
    return run(access, request, command, body=body)


@router.post(
    "/classification-scheme",
    operation_id="publishClassificationScheme",
    response_model=CommandAccepted,
    responses=WRITE_PROBLEMS,
    openapi_extra=documented(*WRITE_HEADERS),
    summary="Publish the next version of the classification scheme",
)
async def publish_scheme(
    access: Tenant,
    body: m.ClassificationSchemeBody,
    request: Request,
) -> CommandAccepted | Response:
    current = access.app.organization().scheme
    scheme = ClassificationScheme(
        version=current.version + 1,
        categories=tuple(body.categories),
        priority_matrix=_priorities(body) if body.priority_matrix else current.priority_matrix,
        risk_matrix=_risks(body) if body.risk_matrix else current.risk_matrix,
    )
    command = PublishClassificationScheme(scheme=scheme)
    return run(access, request, command, body=body)


def _priorities(body: m.ClassificationSchemeBody) -> dict[tuple[Impact, Urgency], str]:
    try:
        return {
            (Impact(c.impact), Urgency(c.urgency)): c.priority for c in body.priority_matrix or ()
        }
    except ValueError as error:
        raise Problem(422, "classification-scheme-invalid", str(error)) from None


def _risks(body: m.ClassificationSchemeBody) -> dict[tuple[Effect, Likelihood], str]:
    try:
        return {
            (Effect(c.effect), Likelihood(c.likelihood)): c.level for c in body.risk_matrix or ()
        }
    except ValueError as error:
        raise Problem(422, "classification-scheme-invalid", str(error)) from None


@router.post(
    "/reporting-consent",
    operation_id="setReportingConsent",
    response_model=CommandAccepted,
    responses=WRITE_PROBLEMS,
    openapi_extra=documented(*WRITE_HEADERS),
    summary="Consent (or not) to cross-organization reporting, as an event",
)
async def set_reporting_consent(
    access: Tenant,
    body: m.ReportingConsentBody,
    request: Request,
) -> CommandAccepted | Response:
    command = SetReportingConsent(consent=body.consent)
    return run(access, request, command, body=body)
