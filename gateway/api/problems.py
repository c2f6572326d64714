"""Every error as RFC 9457 problem details (``application/problem+json``).

Domain and tenant errors carry a stable ``code``; it becomes the problem ``type`` and picks the
status: a refused state transition is a 409, a value the domain rejects is a 422. An event
store that cannot be reached, or a write that waited out the lock timeout, is a 503 with
Retry-After: the client may simply retry. Anything unexpected is a 500 that names only an
error id (also in the log), never the exception.
"""

import logging
from collections.abc import Mapping, Sequence
from typing import Any
from uuid import uuid4

from eventsourcing.persistence import InterfaceError as StoreInterfaceError
from eventsourcing.persistence import OperationalError as StoreOperationalError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from domain.shared import DomainError
from tenants.errors import TableLockTimeoutError, TenantError

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://fundament.dev/problems/"
log = logging.getLogger("fundament.gateway")
STORE_RETRY_AFTER_SECONDS = 2

# Domain codes that mean "this value is not acceptable" rather than "not now, in this state".
_UNPROCESSABLE = frozenset(
    {
        "agree-call-required",
        "change-window-invalid",
        "classification-scheme-invalid",
        "evaluation-invalid",
        "incomplete-agreement-composition",
        "invalid-handling-target",
        "invalid-tenant-details",
        "invalid-tenant-slug",
        "measure-invalid",
        "mic-not-registered",
        "recovery-route-invalid",
        "service-link-required",
        "unknown-category",
        "unknown-link-kind",
        "unknown-pattern-version",
        "wrong-classification",
    }
)
_STATUS_BY_CODE = {
    "not-found": 404,
    "unknown-tenant": 404,
    "stale-version": 412,
    "concurrency-conflict": 409,
    "tenant-already-exists": 409,
}
_TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    412: "Precondition failed",
    413: "Request too large",
    415: "Unsupported media type",
    422: "Unprocessable request",
    428: "Precondition required",
    429: "Too many requests",
    500: "Internal error",
    503: "Service unavailable",
}


_HTTP_CODES = {404: "not-found", 405: "method-not-allowed", 413: "request-too-large"}

_PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string", "description": "stable; the last part of type"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"pointer": {"type": "string"}, "detail": {"type": "string"}},
                "required": ["pointer", "detail"],
            },
        },
    },
    "required": ["type", "title", "status", "detail", "code"],
}
_WHEN = {
    400: "a body that is not JSON text, or a malformed If-Match header",
    401: "no bearer token, or one that does not verify",
    403: "your roles do not allow this",
    404: "no such tenant (or none you can access), or no such record",
    409: (
        "refused in the record's current state, or the same Idempotency-Key is still running"
        " or may already have run"
    ),
    412: "If-Match names an older version of the call",
    413: "the request body is too large",
    422: "the request is not acceptable; errors[].pointer names each field",
    429: "too many requests; retry after Retry-After seconds",
    503: (
        "the identity provider's signing keys cannot be fetched, or the event store cannot be"
        " reached or is busy; retry after Retry-After"
    ),
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` documenting these statuses as problem documents."""
    return {
        status: {
            "description": _WHEN[status],
            "content": {PROBLEM_JSON: {"schema": _PROBLEM_SCHEMA}},
        }
        for status in statuses
    }


# What any operation may answer, what any write may add, and what a call task may add.
COMMON_PROBLEMS = problem_responses(401, 403, 404, 413, 422, 429, 503)
WRITE_PROBLEMS = problem_responses(400, 409)
TASK_PROBLEMS = problem_responses(400, 409, 412)


class Problem(Exception):
    """Raise to answer with a problem document."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        headers: Mapping[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.headers = dict(headers or {})
        self.extensions = extensions


def problem_response(
    status: int,
    code: str,
    detail: str,
    *,
    instance: str | None = None,
    headers: Mapping[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + code,
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "code": code,
    }
    if instance:
        body["instance"] = instance
    body.update(extensions)
    return JSONResponse(
        body, status_code=status, headers=dict(headers or {}), media_type=PROBLEM_JSON
    )


def status_for(error: DomainError | TenantError) -> int:
    if error.code in _STATUS_BY_CODE:
        return _STATUS_BY_CODE[error.code]
    return 422 if error.code in _UNPROCESSABLE else 409


def field_errors(errors: Sequence[Any]) -> list[dict[str, str]]:
    """Pydantic's errors as JSON pointers into the request (``/body/service_ids/0``)."""
    found = []
    for error in errors:
        pointer = "/" + "/".join(str(part) for part in error.get("loc", ()))
        found.append({"pointer": pointer, "detail": str(error.get("msg", "invalid"))})
    return found


def _allowed_methods(request: Request) -> str:
    """Every method the path answers to, from the API's own document: Starlette's 405
    names only one route's methods when a path has several (``GET``/``POST /tenants``)."""
    methods: set[str] = set()
    for template, operations in request.app.openapi()["paths"].items():
        if compile_path(template)[0].match(request.url.path):
            methods |= {method.upper() for method in operations}
    return ", ".join(sorted(methods))


def validation_problem(request: Request, error: RequestValidationError) -> JSONResponse:
    """A 422 naming every invalid field by its JSON pointer."""
    errors = field_errors(error.errors())
    first = errors[0] if errors else {"pointer": "/", "detail": "invalid"}
    return problem_response(
        422,
        "validation-failed",
        f"{first['pointer']}: {first['detail']}",
        instance=request.url.path,
        errors=errors,
    )


def answer_problem(request: Request, problem: Problem) -> JSONResponse:
    """The response for a raised :class:`Problem`."""
    return problem_response(
        problem.status,
        problem.code,
        problem.detail,
        instance=request.url.path,
        headers=problem.headers,
        **problem.extensions,
    )


def install_problem_handlers(app: FastAPI) -> None:
    async def on_problem(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, Problem)
        return answer_problem(request, error)

    async def on_domain(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, DomainError | TenantError)
        return problem_response(
            status_for(error), error.code, error.message, instance=request.url.path
        )

    async def on_http(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, StarletteHTTPException)
        code = _HTTP_CODES.get(error.status_code, "http-error")
        headers = dict(error.headers or {})
        if error.status_code == 405:
            headers["Allow"] = _allowed_methods(request) or headers.get("Allow", "")
        return problem_response(
            error.status_code,
            code,
            str(error.detail),
            instance=request.url.path,
            headers=headers,
        )

    async def on_store_unavailable(request: Request, error: Exception) -> JSONResponse:
        log.warning("event store unavailable on %s %s: %s", request.method, request.url.path, error)
        return problem_response(
            503,
            "store-unavailable",
            "the event store cannot be reached or is busy; retry later, with the same"
            " Idempotency-Key if this was a write",
            instance=request.url.path,
            headers={"Retry-After": str(STORE_RETRY_AFTER_SECONDS)},
        )

    async def on_unexpected(request: Request, error: Exception) -> JSONResponse:
        error_id = str(uuid4())
        log.exception("error %s on %s %s", error_id, request.method, request.url.path)
        return problem_response(
            500,
            "internal-error",
            "the request failed because of a fault on our side; it has been logged",
            instance=request.url.path,
            error_id=error_id,
        )

    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(DomainError, on_domain)
    app.add_exception_handler(TenantError, on_domain)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(StoreOperationalError, on_store_unavailable)
    app.add_exception_handler(TableLockTimeoutError, on_store_unavailable)
    app.add_exception_handler(StoreInterfaceError, on_store_unavailable)
    app.add_exception_handler(Exception, on_unexpected)
