"""Agreements and the MIR: read-only here (they change only through calls)."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response

from domain.agreements import AgreementStatus
from domain.mir import MicClass
from gateway.api.access import Tenant
from gateway.api.freshness import (
    PENDING_RESPONSE,
    MinPosition,
    MinVersion,
    fresh,
    wait_for_position,
)
from gateway.api.paging import After, Limit, Page, decode_cursor, keyset_page, page_size
from gateway.api.problems import COMMON_PROBLEMS
from projections.read_models.agreements import queries as agreements
from projections.read_models.mir import queries as mir

router = APIRouter(prefix="/t/{tenant}", tags=["agreements and MIR"], responses=COMMON_PROBLEMS)


@router.get(
    "/agreements",
    operation_id="listAgreements",
    response_model=Page[agreements.AgreementRow],
    responses=PENDING_RESPONSE,
    summary="The tenant's agreements by code; filter by customer, service or status",
)
def list_agreements(
    access: Tenant,
    request: Request,
    response: Response,
    customer: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    service_id: UUID | None = None,
    status: AgreementStatus | None = None,
    limit: Limit = None,
    after: After = None,
    min_position: MinPosition = None,
) -> Page[agreements.AgreementRow]:
    size = page_size(access, limit)
    wait_for_position(access, "agreements", min_position)
    rows = agreements.agreements_page(
        access.runtime.queries,
        access.tenant,
        customer=customer,
        service_id=None if service_id is None else str(service_id),
        status=status,
        after_code=decode_cursor(after),
        limit=size + 1,
    )
    return keyset_page(request, response, rows, size, lambda row: row.code)


@router.get(
    "/agreements/{agreement_id}",
    operation_id="getAgreement",
    response_model=agreements.AgreementDetail,
    responses=PENDING_RESPONSE,
    summary="One agreement with every status it went through",
)
def get_agreement(
    access: Tenant, agreement_id: UUID, response: Response, min_version: MinVersion = None
) -> agreements.AgreementDetail:
    found = fresh(
        access,
        lambda: agreements.agreement(access.runtime.queries, access.tenant, str(agreement_id)),
        lambda row: row.agreement.version,
        min_version=min_version,
        record_id=agreement_id,
        what=f"agreement {agreement_id}",
    )
    response.headers["ETag"] = f'"{found.agreement.version}"'
    return found


@router.get(
    "/mir",
    operation_id="listMics",
    response_model=Page[mir.ComponentRow],
    responses=PENDING_RESPONSE,
    summary="The managed infrastructure components (MIR), by code",
)
def list_mics(
    access: Tenant,
    request: Request,
    response: Response,
    include_retired: bool = False,
    mic_class: MicClass | None = None,
    limit: Limit = None,
    after: After = None,
    min_position: MinPosition = None,
) -> Page[mir.ComponentRow]:
    size = page_size(access, limit)
    wait_for_position(access, "mir", min_position)
    rows = mir.components(
        access.runtime.queries,
        access.tenant,
        include_retired=include_retired,
        mic_class=mic_class,
        after_code=decode_cursor(after),
        limit=size + 1,
    )
    return keyset_page(request, response, rows, size, lambda row: row.code)


@router.get(
    "/mir/{mic_id}",
    operation_id="getMic",
    response_model=mir.ComponentRow,
    responses=PENDING_RESPONSE,
    summary="One component with its relations",
)
def get_mic(
    access: Tenant, mic_id: UUID, response: Response, min_version: MinVersion = None
) -> mir.ComponentRow:
    found = fresh(
        access,
        lambda: mir.component(access.runtime.queries, access.tenant, str(mic_id)),
        lambda row: row.version,
        min_version=min_version,
        record_id=mic_id,
        what=f"component {mic_id}",
    )
    response.headers["ETag"] = f'"{found.version}"'
    return found


@router.get(
    "/mir/{mic_id}/history",
    operation_id="getMicHistory",
    response_model=list[mir.ChangeRow],
    summary="Everything that happened to a component, and which change call did it",
)
def get_mic_history(access: Tenant, mic_id: UUID) -> list[mir.ChangeRow]:
    if mir.component(access.runtime.queries, access.tenant, str(mic_id)) is None:
        raise access.not_found(f"component {mic_id}")
    return mir.history(access.runtime.queries, access.tenant, str(mic_id))
