"""The demo's national deployment: who the tenants are, their teams, people and services."""

from dataclasses import dataclass

from domain.catalog import ServiceSpecification
from domain.organization import Profile, TeamKind


@dataclass(frozen=True)
class DemoService:
    code: str
    name: str
    owner_team: str
    facility: str


@dataclass(frozen=True)
class DemoTenant:
    slug: str
    name: str
    kind: str
    teams: tuple[tuple[str, str, TeamKind], ...]
    people: tuple[tuple[str, Profile], ...]
    services: tuple[DemoService, ...]
    customer: str


def specification(service: DemoService) -> ServiceSpecification:
    return ServiceSpecification(
        facility_functionality=service.facility,
        facility_functioning="available 07:00-19:00 on working days, 99.5 %",
        support_functionality="service desk by portal and phone",
        support_functioning="first response within the agreed handling targets",
    )


_STAFF = (
    ("wf-manager", Profile.WORKFLOW_MANAGER),
    ("coordinator", Profile.WORKFLOW_COORDINATOR),
    ("operator", Profile.OPERATOR),
    ("service-manager", Profile.SERVICE_MANAGER),
)

TENANTS = (
    DemoTenant(
        "ministry-it",
        "Ministry IT Department",
        "ministry IT",
        (
            ("platform", "Platform team", TeamKind.INTERNAL),
            ("network", "Network team", TeamKind.INTERNAL),
            ("cloudco", "CloudCo hosting", TeamKind.EXTERNAL),
        ),
        _STAFF,
        (
            DemoService(
                "secure-network",
                "Secure government network",
                "network",
                "encrypted network links between government sites",
            ),
            DemoService(
                "workplace",
                "Digital workplace",
                "platform",
                "laptops, mail and collaboration for civil servants",
            ),
        ),
        "tenant:health-north",
    ),
    DemoTenant(
        "civil-registry",
        "National Civil Registry",
        "civil registry",
        (
            ("registry-apps", "Registry applications", TeamKind.INTERNAL),
            ("records", "Records office", TeamKind.INTERNAL),
        ),
        _STAFF,
        (
            DemoService(
                "birth-registration",
                "Birth registration",
                "registry-apps",
                "registering births for municipalities",
            ),
            DemoService(
                "certificates",
                "Certificates",
                "records",
                "issuing certified extracts from the registry",
            ),
        ),
        "party:municipalities",
    ),
    DemoTenant(
        "health-north",
        "Health Region North",
        "health region",
        (
            ("clinical-apps", "Clinical applications", TeamKind.INTERNAL),
            ("ministry-it", "Ministry IT (supplier)", TeamKind.EXTERNAL),
        ),
        _STAFF,
        (
            DemoService(
                "patient-records",
                "Electronic patient records",
                "clinical-apps",
                "patient records for the region's hospitals",
            ),
            DemoService(
                "regional-network",
                "Regional care network",
                "clinical-apps",
                "network access between hospitals and GPs",
            ),
        ),
        "party:north-hospitals",
    ),
    DemoTenant(
        "health-south",
        "Health Region South",
        "health region",
        (("clinical-apps", "Clinical applications", TeamKind.INTERNAL),),
        _STAFF,
        (
            DemoService(
                "telecare", "Telecare", "clinical-apps", "remote monitoring of patients at home"
            ),
        ),
        "party:south-hospitals",
    ),
    DemoTenant(
        "health-east",
        "Health Region East",
        "health region",
        (("clinical-apps", "Clinical applications", TeamKind.INTERNAL),),
        _STAFF,
        (
            DemoService(
                "lab-results",
                "Laboratory results",
                "clinical-apps",
                "lab results delivered to clinicians",
            ),
        ),
        "party:east-hospitals",
    ),
)
