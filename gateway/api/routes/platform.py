"""The platform: tenants (platform admins) and the shared USM patterns (everyone, read-only)."""

from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from domain.commands import FoundOrganization
from domain.organization import organization_id
from domain.patterns import CURRENT_VERSION, export_workflow_templates
from domain.shared import CommandContext
from gateway.api.access import Anyone, Platform, runtime_of
from gateway.api.models.admin import CreateTenantBody
from gateway.api.problems import COMMON_PROBLEMS, WRITE_PROBLEMS
from gateway.api.runtime import GatewayRuntime
from gateway.api.writes import IDEMPOTENCY_KEY, documented, once
from tenants.errors import TenantAlreadyExistsError, UnknownTenantError
from tenants.registry import TenantRecord
from tenants.tracing import current_traceparent

router = APIRouter(tags=["platform"], responses=COMMON_PROBLEMS)


class TenantOut(BaseModel):
    slug: str
    name: str
    kind: str
    registered_at: datetime
    registered_by: str


@router.post(
    "/tenants",
    operation_id="createTenant",
    status_code=201,
    response_model=TenantOut,
    responses=WRITE_PROBLEMS,
    openapi_extra=documented(IDEMPOTENCY_KEY),
    summary="Create a tenant (a service organization) while the platform keeps running",
)
def create_tenant(
    principal: Platform,
    body: CreateTenantBody,
    request: Request,
) -> TenantOut | Response:
    runtime = runtime_of(request)

    def create(command_id: UUID, keep_receipt: bool) -> Response:
        now = runtime.clock()
        record = _register(runtime, body, principal.subject, now)
        context = CommandContext(principal.subject, now, uuid4(), command_id, current_traceparent())
        app = runtime.stores.runtime.app(body.slug)
        app.execute(FoundOrganization(name=body.name), context, keep_receipt=keep_receipt)
        runtime.written(body.slug)
        return _created(record)

    def recall(command_id: UUID) -> Response | None:
        """The answer if this key's request founded the tenant's organization."""
        try:
            record = runtime.stores.registry.get(body.slug)
        except UnknownTenantError:
            return None
        if runtime.stores.runtime.app(body.slug).receipt(command_id) is None:
            return None
        return _created(record)

    scope = f"platform/{principal.subject}"
    return once(runtime, request, body, scope, create, recall)


def _tenant_out(record: TenantRecord) -> TenantOut:
    return TenantOut(
        slug=record.slug,
        name=record.name,
        kind=record.kind,
        registered_at=record.registered_at,
        registered_by=record.actor,
    )


def _created(record: TenantRecord) -> Response:
    return Response(
        _tenant_out(record).model_dump_json(),
        201,
        {"Location": f"/t/{record.slug}/organization"},
        media_type="application/json",
    )


def _register(
    runtime: GatewayRuntime, body: CreateTenantBody, actor: str, at: datetime
) -> TenantRecord:
    """Register the tenant, or take up an earlier creation of the very same tenant that was
    registered but failed before its organization was founded (a retry then completes it)."""
    try:
        return runtime.stores.runtime.create_tenant(
            body.slug, body.name, body.kind, actor=actor, at=at
        )
    except TenantAlreadyExistsError:
        record = runtime.stores.registry.get(body.slug)
        unfinished = not runtime.stores.runtime.app(body.slug).exists(organization_id(body.slug))
        if unfinished and (record.name, record.kind) == (body.name, body.kind):
            return record
        raise


@router.get(
    "/tenants",
    operation_id="listTenants",
    response_model=list[TenantOut],
    summary="Every tenant of this platform",
)
def list_tenants(principal: Platform, request: Request) -> list[TenantOut]:
    return [_tenant_out(record) for record in runtime_of(request).stores.registry.list()]


@router.get(
    "/patterns/workflows",
    operation_id="listWorkflowTemplates",
    response_model=list[dict[str, Any]],
    summary="The eight USM workflow templates every tenant shares (USM-WIF JSON)",
)
def list_workflow_templates(principal: Anyone, version: str = CURRENT_VERSION) -> Any:
    return export_workflow_templates(version)
