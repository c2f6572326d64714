"""Read-your-writes on eventually consistent read models.

A write answers with the record's version and the tenant's log position. A read may ask for
``min_version`` (one record) or ``min_position`` (a list): the gateway waits briefly for the
read model to get there and then answers with fresh data, or with 202 and ``Retry-After`` –
never with older data than the client asked for.
"""

import time
from collections.abc import Callable
from typing import Annotated, Any, TypeVar
from uuid import UUID

from fastapi import FastAPI, Query, Request
from fastapi.responses import JSONResponse

from gateway.api.access import TenantAccess

T = TypeVar("T")

MinVersion = Annotated[
    int | None, Query(ge=1, le=10**9, description="wait for at least this record version")
]
MinPosition = Annotated[
    int | None,
    Query(ge=1, le=10**15, description="wait until the list includes this log position"),
]
_POLL_SECONDS = 0.02


class NotYetProjectedError(Exception):
    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def fresh(
    access: TenantAccess,
    fetch: Callable[[], T | None],
    version_of: Callable[[T], int],
    *,
    min_version: int | None,
    record_id: UUID,
    what: str,
) -> T:
    """The row ``fetch`` finds, at ``min_version`` or later; 404 if the record does not exist."""
    deadline = time.monotonic() + access.runtime.settings.freshness_wait_seconds
    while True:
        row = fetch()
        if row is not None and (min_version is None or version_of(row) >= min_version):
            return row
        if min_version is None or time.monotonic() >= deadline:
            break
        time.sleep(_POLL_SECONDS)
    # Stored but not yet projected is a 202; never stored (in this tenant) is a 404.
    if row is None and (min_version is None or not access.app.exists(record_id)):
        raise access.not_found(what)
    raise NotYetProjectedError(
        f"{what} is stored but not yet at version {min_version} in the read model; retry"
    )


def wait_for_position(access: TenantAccess, read_model: str, min_position: int | None) -> None:
    """Return once ``read_model`` holds the tenant's log up to ``min_position``, else 202."""
    if min_position is None:
        return
    positions = access.runtime.positions
    wait = access.runtime.settings.freshness_wait_seconds
    if not positions.wait_for(read_model, access.tenant, min_position, wait):
        raise NotYetProjectedError(
            f"the {read_model} read model has not reached position {min_position} yet; retry"
        )


def install_freshness_handler(app: FastAPI) -> None:
    async def on_not_yet(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, NotYetProjectedError)
        return JSONResponse(
            {"status": "pending", "detail": error.detail, "retry_after_seconds": 1},
            status_code=202,
            headers={"Retry-After": "1"},
        )

    app.add_exception_handler(NotYetProjectedError, on_not_yet)


PENDING_RESPONSE: dict[int | str, dict[str, Any]] = {
    202: {
        "description": "the read model has not caught up with min_version / min_position yet;"
        " retry after Retry-After seconds",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "status": {"type": "string", "enum": ["pending"]},
                        "detail": {"type": "string"},
                        "retry_after_seconds": {"type": "integer"},
                    },
                    "required": ["status", "detail", "retry_after_seconds"],
                }
            }
        },
    }
}
