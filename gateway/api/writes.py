"""Every write goes through here: idempotency, optimistic concurrency, the command, the answer.

``Idempotency-Key``: the first request with a key runs and its answer is kept (24 h); a retry
with the same key and the same body gets that answer again without running anything; the same
key with another body is refused (422); a retry while the first still runs gets 409. The
command id follows from the key and the body, and the command keeps a receipt under it in the
same transaction as its events (``tenants.receipts``). So when the first request stored its
events but its answer was lost (the process died, the database failed in between), a retry
after the pending timeout finds the receipt and answers what the first request would have
answered, without running the command again; and a command id can never be stored twice.
``If-Match: "<version>"`` makes a call task refuse to act on a call that changed meanwhile (412).

The write routes are coroutines that call :func:`run` directly, so a command runs on the
worker process's event loop, not in a thread. Its database work is a few short statements
(about 1 ms), and handing it to a thread cost 0.4 ms of CPU on top of about 1.5 ms for the
whole request. The thread also had to win the GIL back from the event loop after every
statement (benchmarks/http_api.py). A worker therefore runs one command at a time, as a
synchronous WSGI worker does; serve with at least one worker per core
(``fundament serve --workers N``). Reads, which can take tens of milliseconds, still run in
threads. A command stuck on a lock gives up after the store's lock timeout.
"""

import hashlib
import json
import re
from collections.abc import Callable
from typing import Annotated, Any, TypeAlias
from uuid import UUID, uuid4, uuid5

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, StringConstraints, TypeAdapter, ValidationError

from domain.shared import CommandContext
from gateway.api.access import TenantAccess
from gateway.api.problems import Problem
from gateway.api.runtime import GatewayRuntime
from tenants.errors import ConcurrencyConflictError
from tenants.idempotency import StoredResponse
from tenants.receipts import CommandResult
from tenants.tracing import current_traceparent

_ETAG = re.compile(r'^(?:W/)?"(\d{1,9})"$')
_IDEMPOTENCY_NAMESPACE = UUID("2f0d1a9c-6b43-4c8e-8a57-0e6f3c9d1b72")
_REPLAYED_HEADERS = ("location", "etag", "fundament-position")

# Runs the command under this id, keeping a receipt if asked; answers what it stored.
Execute: TypeAlias = Callable[[UUID, bool], Response]
# The answer a command stored under this id would have given; None if it never was stored.
Recall: TypeAlias = Callable[[UUID], Response | None]


class WriteHeader:
    """An optional header a write reads and validates itself, and its OpenAPI parameter.

    Not a FastAPI ``Header`` parameter: FastAPI analyses every declared parameter's type on
    every request, and for three headers on every write that cost more CPU than all of our
    access checks. A bad value is still a 422 naming ``/header/<name>``.
    """

    def __init__(self, name: str, description: str, schema: dict[str, Any], kind: Any) -> None:
        self.name = name
        self._description = description
        self._schema = schema
        self._adapter: TypeAdapter[Any] = TypeAdapter(kind)

    def read(self, request: Request) -> Any:
        raw = request.headers.get(self.name)
        if raw is None:
            return None
        try:
            return self._adapter.validate_python(raw)
        except ValidationError as error:
            located = [{**e, "loc": ("header", self.name)} for e in error.errors(include_url=False)]
            raise RequestValidationError(located) from None

    def parameter(self) -> dict[str, Any]:
        return {
            "description": self._description,
            "in": "header",
            "name": self.name,
            "required": False,
            "schema": {
                "anyOf": [dict(self._schema), {"type": "null"}],
                "description": self._description,
                "title": self.name,
            },
        }


IDEMPOTENCY_KEY = WriteHeader(
    "Idempotency-Key",
    "makes a retried POST safe: same key and body, same answer, nothing new",
    {"maxLength": 255, "minLength": 1, "type": "string"},
    Annotated[str, StringConstraints(min_length=1, max_length=255)],
)
IF_MATCH = WriteHeader(
    "If-Match",
    'the call version you saw, e.g. "7"',
    {"maxLength": 20, "type": "string"},
    Annotated[str, StringConstraints(max_length=20)],
)
CORRELATION_ID = WriteHeader(
    "Correlation-Id",
    "ties this command to a workflow you track",
    {"format": "uuid", "type": "string"},
    UUID,
)


def documented(*headers: WriteHeader) -> dict[str, Any]:
    """``openapi_extra`` declaring these headers on a route."""
    return {"parameters": [header.parameter() for header in headers]}


WRITE_HEADERS = (IDEMPOTENCY_KEY, CORRELATION_ID)
TASK_HEADERS = (IF_MATCH, *WRITE_HEADERS)


class CommandAccepted(BaseModel):
    """What a write stored: the record it acted on, its new version, the log position."""

    id: UUID
    version: int = Field(description="the record's version now; send it as If-Match next time")
    position: int | None = Field(
        description="the tenant's log position; ask reads for min_position=this to see it"
    )
    touched_ids: list[UUID]


def expected_version(request: Request) -> int | None:
    """The version ``If-Match`` names, or None for no header or ``*``."""
    if_match = IF_MATCH.read(request)
    if if_match is None or if_match.strip() == "*":
        return None
    match = _ETAG.match(if_match.strip())
    if match is None:
        raise Problem(
            400, "bad-if-match", 'If-Match must be a version in quotes, e.g. If-Match: "7"'
        )
    return int(match.group(1))


def run(
    access: TenantAccess,
    request: Request,
    command: object,
    *,
    body: BaseModel | None,
    status: int = 200,
    location: str | None = None,
) -> Response:
    """Run ``command`` in the caller's tenant once per idempotency key; answer what it stored."""
    scope = f"{access.tenant}/{access.actor}"
    correlation_id = CORRELATION_ID.read(request)

    def execute(command_id: UUID, keep_receipt: bool) -> Response:
        context = _context(access, correlation_id, command_id)
        result = access.app.execute(command, context, keep_receipt=keep_receipt)
        access.runtime.written(access.tenant)
        return _answer(access, result, status, location)

    def recall(command_id: UUID) -> Response | None:
        result = access.app.receipt(command_id)
        return None if result is None else _answer(access, result, status, location)

    return once(access.runtime, request, body, scope, execute, recall)


def once(
    runtime: GatewayRuntime,
    request: Request,
    body: BaseModel | None,
    scope: str,
    execute: Execute,
    recall: Recall,
) -> Response:
    """``execute`` at most once per ``scope`` and key; a retry gets the first answer."""
    idempotency_key: str | None = IDEMPOTENCY_KEY.read(request)
    if idempotency_key is None:
        return execute(uuid4(), False)
    store = runtime.idempotency
    fingerprint = _fingerprint(request, body)
    try:
        reservation = store.reserve(scope, idempotency_key, fingerprint, runtime.clock())
    except ValueError as error:
        raise Problem(422, "bad-idempotency-key", str(error)) from None
    if reservation.kind == "replay":
        assert reservation.response is not None
        return _replay(reservation.response)
    if reservation.kind == "mismatch":
        raise Problem(
            422,
            "idempotency-key-reused",
            "this Idempotency-Key was used with a different request; use a new key",
        )
    if reservation.kind == "in_progress":
        raise Problem(
            409,
            "idempotent-request-in-progress",
            "a request with this Idempotency-Key is still running; retry shortly",
            headers={"Retry-After": "1"},
        )
    # With the body in it, a key reused for another request after it expired names another
    # command, and so cannot recall the receipt of the first.
    command_id = uuid5(_IDEMPOTENCY_NAMESPACE, f"{scope}/{idempotency_key}/{fingerprint}")
    try:
        answer = _run_or_recall(command_id, reservation.resumed, execute, recall)
    except BaseException:
        store.release(reservation)
        raise
    stored = StoredResponse(
        answer.status_code,
        {k: v for k, v in answer.headers.items() if k.lower() in _REPLAYED_HEADERS},
        bytes(answer.body),
    )
    store.complete(reservation, stored)
    return answer


def _run_or_recall(command_id: UUID, resumed: bool, execute: Execute, recall: Recall) -> Response:
    # ``resumed``: an earlier request with this key ended without an answer, perhaps after
    # storing its command.
    recalled = recall(command_id) if resumed else None
    if recalled is None:
        try:
            return execute(command_id, True)
        except ConcurrencyConflictError:
            # Stored meanwhile under this id: by that earlier request, still running, or by
            # our own first attempt, whose commit outlived its connection.
            recalled = recall(command_id)
            if recalled is None:
                raise
    recalled.headers["Idempotent-Replayed"] = "true"
    return recalled


def _context(access: TenantAccess, correlation_id: UUID | None, command_id: UUID) -> CommandContext:
    return CommandContext(
        actor=access.actor,
        occurred_at=access.runtime.clock(),
        correlation_id=correlation_id or uuid4(),
        command_id=command_id,
        traceparent=current_traceparent(),
    )


def _answer(
    access: TenantAccess, result: CommandResult, status: int, location: str | None
) -> Response:
    # Serialized here, once: a returned model would be validated and encoded again.
    headers = {**access.headers, "ETag": f'"{result.version}"'}
    if result.notification_id is not None:
        headers["Fundament-Position"] = str(result.notification_id)
    if location is not None:
        headers["Location"] = location.format(tenant=access.tenant, id=result.aggregate_id)
    accepted = CommandAccepted(
        id=result.aggregate_id,
        version=result.version,
        position=result.notification_id,
        touched_ids=list(result.touched_ids),
    )
    return Response(accepted.model_dump_json(), status, headers, media_type="application/json")


def _replay(stored: StoredResponse) -> Response:
    headers = {**stored.headers, "Idempotent-Replayed": "true"}
    return Response(stored.body, stored.status, headers, media_type="application/json")


def _fingerprint(request: Request, body: BaseModel | None) -> str:
    canonical = json.dumps(
        body.model_dump(mode="json") if body is not None else None, sort_keys=True
    )
    seed = f"{request.method} {request.url.path}\n{canonical}"
    return hashlib.sha256(seed.encode()).hexdigest()
