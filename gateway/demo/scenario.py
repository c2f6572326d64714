"""Seed the national deployment and drive all eight USM workflows through it."""

from collections.abc import Callable
from datetime import datetime
from uuid import UUID

from domain.agreements import HandlingTarget
from domain.calls import RecoveryRoute
from domain.commands import AddTeam, AssignProfile, FoundOrganization, RegisterService
from domain.mir import MicClass
from domain.organization import TeamKind
from domain.patterns import AgreementKind, CallType, Process
from domain.shared import aggregate_id
from domain.workflow import AgreementDraft, ChangeMicAttributes, RegisterMic
from gateway.demo.deployment import TENANTS, DemoTenant, specification
from gateway.demo.driver import (
    Desk,
    drive_agree,
    drive_change,
    drive_improve,
    drive_operate,
    drive_recover,
    submit,
)
from tenants.runtime import TenantStores
from tenants.service_desk import ServiceDesk

TARGETS = {
    "P1": HandlingTarget(15, 240),
    "P2": HandlingTarget(30, 480),
    "P3": HandlingTarget(60, 1440),
    "P4": HandlingTarget(240, 4320),
    "P5": HandlingTarget(480, 10080),
}


def service_id(tenant: str, code: str) -> UUID:
    return aggregate_id(tenant, "service", code)


def mic_id(tenant: str, code: str) -> UUID:
    return aggregate_id(tenant, "mic", code)


def seed_tenant(stores: TenantStores[ServiceDesk], tenant: DemoTenant, at: datetime) -> Desk:
    """Create the tenant at runtime and set up its organization and catalog."""
    stores.runtime.create_tenant(
        tenant.slug, tenant.name, tenant.kind, actor="platform-admin", at=at
    )
    desk = Desk(stores.runtime.app(tenant.slug), at, actor="tenant-admin")
    desk.run(FoundOrganization(name=tenant.name))
    for code, name, kind in tenant.teams:
        desk.run(AddTeam(code=code, name=name, kind=kind))
    for person, profile in tenant.people:
        desk.run(AssignProfile(person=person, profile=profile))
    for service in tenant.services:
        desk.run(
            RegisterService(
                code=service.code,
                name=service.name,
                owner_team=service.owner_team,
                specification=specification(service),
            )
        )
    desk.actor = "coordinator"
    return desk


def make_offer(
    tenant: DemoTenant, version: str = "", supersedes: UUID | None = None
) -> tuple[list[AgreementDraft], list[str]]:
    """An SA for the tenant's first service, underpinned by an OLA/UC per solution team."""
    service = tenant.services[0]
    sid = service_id(tenant.slug, service.code)
    offer = [
        AgreementDraft(
            f"SA-{service.code}{version}",
            AgreementKind.SA,
            f"SA {service.name}",
            tenant.slug,
            tenant.customer,
            [sid],
            TARGETS,
            service.facility,
            supersedes,
        )
    ]
    for code, name, kind in tenant.teams[:2]:
        underpinning = AgreementKind.OLA if kind is TeamKind.INTERNAL else AgreementKind.UC
        offer.append(
            AgreementDraft(
                f"{underpinning.value}-{code}{version}",
                underpinning,
                f"{underpinning.value} {name}",
                code,
                tenant.slug,
                [sid],
                TARGETS,
            )
        )
    return offer, [code for code, _, _ in tenant.teams[:2]]


def agree_first_service(desk: Desk, tenant: DemoTenant) -> None:
    """W1: a wish from the tenant's main customer becomes an SA (with OLA/UC) in force."""
    service = tenant.services[0]
    offer, teams = make_offer(tenant)
    wish = submit(
        desk,
        CallType.WISH,
        f"Agree {service.name}",
        "customer-contact",
        tenant.customer,
        [service_id(tenant.slug, service.code)],
    )
    mir = [
        RegisterMic(
            f"{service.code}-app",
            MicClass.SOFTWARE,
            f"{service.name} application",
            service.owner_team,
            {"version": "1.0"},
        ),
        RegisterMic(
            f"SA-{service.code}",
            MicClass.AGREEMENT,
            f"SA {service.name}",
            "service-manager",
            {"customer": tenant.customer},
        ),
    ]
    drive_agree(desk, wish, offer, teams, mir)


def _upgrade(desk: Desk, tenant: str, code: str, version: str) -> Callable[[UUID], None]:
    operation = ChangeMicAttributes(mic_id(tenant, f"{code}-app"), {"version": version})
    return lambda change: drive_change(desk, change, "application", [operation])


def _operate(desk: Desk, work: str) -> Callable[[UUID], None]:
    return lambda request: drive_operate(desk, request, "service delivery", work)


def drive_reactive(desk: Desk, tenant: DemoTenant) -> None:
    """W2-W5 for the customer of the tenant's first service."""
    code = tenant.services[0].code
    sid, slug = service_id(tenant.slug, code), tenant.slug
    rfc = submit(desk, CallType.RFC, "Add a reporting export", "key-user", tenant.customer, [sid])
    _upgrade(desk, slug, code, "1.1")(rfc)
    incident = submit(
        desk, CallType.INCIDENT, "Application fails at login", "key-user", tenant.customer, [sid]
    )
    drive_recover(
        desk,
        incident,
        "application",
        RecoveryRoute.CHANGE,
        [mic_id(slug, f"{code}-app")],
        _upgrade(desk, slug, code, "1.1.1"),
    )
    incident = submit(
        desk, CallType.INCIDENT, "Queue stuck overnight", "key-user", tenant.customer, [sid]
    )
    drive_recover(
        desk,
        incident,
        "application",
        RecoveryRoute.OPERATE,
        [],
        _operate(desk, "restart the queue worker"),
    )
    request = submit(
        desk, CallType.SERVICE_REQUEST, "New user account", "key-user", tenant.customer, [sid]
    )
    drive_operate(desk, request, "access", "create the account")


def drive_proactive(desk: Desk, tenant: DemoTenant) -> None:
    """W6-W8: the provider's own risks, handled via Agree, Change and Operate."""
    code = tenant.services[0].code
    sid, slug = service_id(tenant.slug, code), tenant.slug
    risk = submit(
        desk, CallType.RISK, "Capacity will run out in winter", "wf-manager", tenant.customer, [sid]
    )
    offer, teams = make_offer(tenant, "-v2", aggregate_id(slug, "agreement", f"SA-{code}"))
    mir = [ChangeMicAttributes(mic_id(slug, f"SA-{code}"), {"capacity": "winter peak"})]
    drive_improve(
        desk, risk, Process.AGREE, lambda wish: drive_agree(desk, wish, offer, teams, mir)
    )
    risk = submit(desk, CallType.RISK, "Unpatched library", "wf-manager", tenant.customer, [sid])
    drive_improve(desk, risk, Process.CHANGE, _upgrade(desk, slug, code, "1.2"))
    risk = submit(desk, CallType.RISK, "Backups not verified", "wf-manager", tenant.customer, [sid])
    drive_improve(desk, risk, Process.OPERATE, _operate(desk, "run a restore test"))


def run_scenario(stores: TenantStores[ServiceDesk], start: datetime) -> list[str]:
    """Seed every demo tenant and drive all eight workflows; returns the tenant slugs."""
    for index, tenant in enumerate(TENANTS):
        desk = seed_tenant(stores, tenant, start)
        agree_first_service(desk, tenant)
        if index % 2 == 0:
            drive_reactive(desk, tenant)
        else:
            drive_proactive(desk, tenant)
    return [tenant.slug for tenant in TENANTS]
