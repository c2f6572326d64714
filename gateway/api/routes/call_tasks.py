"""The tasks on a call, one task-shaped POST each: accept, classify, every process step,
fork, verify with the requester, evaluate, close, abort (the table is
:mod:`gateway.api.models.tasks`). ``If-Match`` carries the call version the client saw (412
when stale).
"""

import inspect
from collections.abc import Callable
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request, Response

from domain.calls import Call
from gateway.api.access import Tenant
from gateway.api.lean_route import LeanRoute
from gateway.api.models.tasks import TASKS, Task
from gateway.api.problems import COMMON_PROBLEMS, TASK_PROBLEMS
from gateway.api.writes import TASK_HEADERS, CommandAccepted, documented, expected_version, run

router = APIRouter(
    prefix="/t/{tenant}/calls/{call_id}",
    tags=["call tasks"],
    responses=COMMON_PROBLEMS,
    route_class=LeanRoute,
)


def _require_own_call(access: Tenant, call_id: UUID) -> None:
    """A requester acts only on their own calls; others' look like they do not exist."""
    if not access.own_calls_only:
        return
    app = access.app
    call = app.load(call_id, Call, "call", for_update=False)
    if call.requester != access.actor:
        raise access.not_found(f"call {call_id}")


def _endpoint(task: Task) -> Callable[..., Any]:
    async def endpoint(
        access: Tenant,
        call_id: UUID,
        body: Any,
        request: Request,
    ) -> CommandAccepted | Response:
        _require_own_call(access, call_id)
        command = task.build(body, call_id, expected_version(request))
        return run(access, request, command, body=body)

    signature = inspect.signature(endpoint)
    endpoint.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[
            p.replace(annotation=task.body) if p.name == "body" else p
            for p in signature.parameters.values()
        ]
    )
    endpoint.__name__ = task.operation_id
    return endpoint


for _task in TASKS:
    router.add_api_route(
        f"/{_task.path}",
        _endpoint(_task),
        methods=["POST"],
        operation_id=_task.operation_id,
        response_model=CommandAccepted,
        responses=TASK_PROBLEMS,
        summary=_task.summary,
        openapi_extra=documented(*TASK_HEADERS),
    )
