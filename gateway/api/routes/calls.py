"""Calls: submit one, list the queue, read one with its timeline and workflow tree."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel

from domain.commands import SubmitCall
from domain.patterns import CallType, Process
from gateway.api.access import Tenant
from gateway.api.freshness import (
    PENDING_RESPONSE,
    MinPosition,
    MinVersion,
    fresh,
    wait_for_position,
)
from gateway.api.lean_route import LeanRoute
from gateway.api.models.calls import SubmitCallBody
from gateway.api.paging import After, Limit, link_next, page_size
from gateway.api.problems import COMMON_PROBLEMS, WRITE_PROBLEMS, Problem
from gateway.api.writes import WRITE_HEADERS, CommandAccepted, documented, run
from projections.read_models.call_detail import queries as detail
from projections.read_models.call_queue import queries as queue

router = APIRouter(
    prefix="/t/{tenant}/calls", tags=["calls"], responses=COMMON_PROBLEMS, route_class=LeanRoute
)
CALL_LOCATION = "/t/{tenant}/calls/{id}"


class CallPage(BaseModel):
    items: list[queue.QueuedCall]
    next_cursor: str | None


@router.post(
    "",
    operation_id="submitCall",
    status_code=201,
    response_model=CommandAccepted,
    responses=WRITE_PROBLEMS,
    openapi_extra=documented(*WRITE_HEADERS),
    summary="Submit a wish, RFC, incident or service request (providers also raise risks)",
)
async def submit_call(
    access: Tenant,
    body: SubmitCallBody,
    request: Request,
) -> CommandAccepted | Response:
    requester = body.requester or access.actor
    if access.own_calls_only:
        if requester != access.actor:
            raise Problem(403, "forbidden", "requesters submit calls in their own name only")
        if body.call_type is CallType.RISK:
            raise Problem(403, "forbidden", "risks are raised by the provider's staff")
    command = SubmitCall(
        call_type=body.call_type,
        summary=body.summary,
        description=body.description,
        requester=requester,
        customer=body.customer,
        service_ids=list(body.service_ids),
        mic_ids=list(body.mic_ids),
        channel=body.channel,
        tracking_number=body.tracking_number,
    )
    return run(
        access,
        request,
        command,
        body=body,
        status=201,
        location=CALL_LOCATION,
    )


@router.get(
    "",
    operation_id="listCalls",
    response_model=CallPage,
    responses=PENDING_RESPONSE,
    summary="The call queue: open calls (or all), filtered, one keyset page at a time",
)
def list_calls(
    access: Tenant,
    request: Request,
    response: Response,
    status: Annotated[str | None, Query(max_length=40)] = None,
    process: Process | None = None,
    priority: Annotated[str | None, Query(max_length=40)] = None,
    team: Annotated[str | None, Query(max_length=64)] = None,
    service_id: UUID | None = None,
    updated_since: datetime | None = None,
    include_closed: bool = False,
    order: queue.QueueOrder = queue.QueueOrder.SUBMITTED,
    limit: Limit = None,
    after: After = None,
    min_position: MinPosition = None,
) -> CallPage:
    size = page_size(access, limit)
    if updated_since is not None and updated_since.tzinfo is None:
        raise Problem(422, "validation-failed", "updated_since needs a timezone offset")
    wait_for_position(access, "call_queue", min_position)
    try:
        page = queue.open_calls(
            access.runtime.queries,
            access.tenant,
            process=process.value if process else None,
            status=status,
            priority=priority,
            team=team,
            service_id=str(service_id) if service_id else None,
            updated_since=updated_since,
            after=after,
            limit=size,
            order=order,
            include_closed=include_closed,
            requester=access.actor if access.own_calls_only else None,
        )
    except queue.InvalidCursorError as error:
        raise Problem(422, "invalid-cursor", str(error)) from None
    link_next(request, response, page.next_cursor, size)
    return CallPage(items=page.calls, next_cursor=page.next_cursor)


def _own_call(access: Tenant, call_id: UUID, min_version: int | None) -> detail.CallDetail:
    found = fresh(
        access,
        lambda: detail.call(access.runtime.queries, access.tenant, str(call_id)),
        lambda row: row.state.version,
        min_version=min_version,
        record_id=call_id,
        what=f"call {call_id}",
    )
    if access.own_calls_only and found.requester != access.actor:
        raise access.not_found(f"call {call_id}")
    return found


@router.get(
    "/{call_id}",
    operation_id="getCall",
    response_model=detail.CallDetail,
    responses=PENDING_RESPONSE,
    summary="One call; its ETag is the call's version (send it back as If-Match)",
)
def get_call(
    access: Tenant, call_id: UUID, response: Response, min_version: MinVersion = None
) -> detail.CallDetail:
    found = _own_call(access, call_id, min_version)
    response.headers["ETag"] = f'"{found.state.version}"'
    return found


@router.get(
    "/{call_id}/timeline",
    operation_id="getCallTimeline",
    response_model=list[detail.TimelineEntry],
    responses=PENDING_RESPONSE,
    summary="Everything that happened to the call, in order, with who and when",
)
def get_call_timeline(
    access: Tenant, call_id: UUID, min_version: MinVersion = None
) -> list[detail.TimelineEntry]:
    _own_call(access, call_id, min_version)
    return detail.timeline(access.runtime.queries, access.tenant, str(call_id))


@router.get(
    "/{call_id}/tree",
    operation_id="getWorkflowTree",
    response_model=detail.TreeNode,
    responses=PENDING_RESPONSE,
    summary="The workflow tree the call belongs to, from its root call down",
)
def get_workflow_tree(
    access: Tenant, call_id: UUID, min_version: MinVersion = None
) -> detail.TreeNode:
    found = _own_call(access, call_id, min_version)
    tree = detail.workflow_tree(access.runtime.queries, access.tenant, found.state.root_id)
    if tree is None:
        raise Problem(404, "not-found", f"the workflow of call {call_id} is not projected")
    return tree
