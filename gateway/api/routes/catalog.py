"""The tenant's service catalog."""

from uuid import UUID

from fastapi import APIRouter, Request, Response

from domain.catalog import ServiceSpecification
from domain.commands import RegisterService, RetireService
from gateway.api.access import Tenant
from gateway.api.freshness import (
    PENDING_RESPONSE,
    MinPosition,
    MinVersion,
    fresh,
    wait_for_position,
)
from gateway.api.models import admin as m
from gateway.api.paging import After, Limit, Page, decode_cursor, keyset_page, page_size
from gateway.api.problems import COMMON_PROBLEMS, WRITE_PROBLEMS
from gateway.api.writes import WRITE_HEADERS, CommandAccepted, documented, run
from projections.read_models.catalog import queries

router = APIRouter(prefix="/t/{tenant}/services", tags=["services"], responses=COMMON_PROBLEMS)


@router.get(
    "",
    operation_id="listServices",
    response_model=Page[queries.ServiceRow],
    responses=PENDING_RESPONSE,
    summary="The service catalog, by code",
)
def list_services(
    access: Tenant,
    request: Request,
    response: Response,
    include_retired: bool = False,
    limit: Limit = None,
    after: After = None,
    min_position: MinPosition = None,
) -> Page[queries.ServiceRow]:
    size = page_size(access, limit)
    wait_for_position(access, "catalog", min_position)
    rows = queries.services(
        access.runtime.queries,
        access.tenant,
        include_retired=include_retired,
        after_code=decode_cursor(after),
        limit=size + 1,
    )
    return keyset_page(request, response, rows, size, lambda row: row.code)


@router.get(
    "/{service_id}",
    operation_id="getService",
    response_model=queries.ServiceRow,
    responses=PENDING_RESPONSE,
    summary="One service",
)
def get_service(
    access: Tenant,
    service_id: UUID,
    response: Response,
    min_version: MinVersion = None,
) -> queries.ServiceRow:
    row = fresh(
        access,
        lambda: queries.service(access.runtime.queries, access.tenant, str(service_id)),
        lambda found: found.version,
        min_version=min_version,
        record_id=service_id,
        what=f"service {service_id}",
    )
    response.headers["ETag"] = f'"{row.version}"'
    return row


@router.post(
    "",
    operation_id="registerService",
    status_code=201,
    response_model=CommandAccepted,
    responses=WRITE_PROBLEMS,
    openapi_extra=documented(*WRITE_HEADERS),
    summary="Register a service in the catalog",
)
async def register_service(
    access: Tenant,
    body: m.RegisterServiceBody,
    request: Request,
) -> CommandAccepted | Response:
    spec = body.specification
    command = RegisterService(
        code=body.code,
        name=body.name,
        owner_team=body.owner_team,
        specification=ServiceSpecification(
            spec.facility_functionality,
            spec.facility_functioning,
            spec.support_functionality,
            spec.support_functioning,
        ),
    )
    return run(
        access,
        request,
        command,
        body=body,
        status=201,
        location="/t/{tenant}/services/{id}",
    )


@router.post(
    "/{service_id}/retire",
    operation_id="retireService",
    response_model=CommandAccepted,
    responses=WRITE_PROBLEMS,
    openapi_extra=documented(*WRITE_HEADERS),
    summary="Retire a service",
)
async def retire_service(
    access: Tenant,
    service_id: UUID,
    body: m.RetireServiceBody,
    request: Request,
) -> CommandAccepted | Response:
    command = RetireService(service_id=service_id, reason=body.reason)
    return run(
        access,
        request,
        command,
        body=body,
    )
