"""The composition root: ``create_app(settings)`` builds the whole HTTP gateway.

Nothing connects at import or at ``create_app``; the stores, keys and read side open when the
server starts the app (its lifespan) and close when it stops.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError

from gateway.api.access import authorize_before_body, document_bearer_auth
from gateway.api.freshness import install_freshness_handler
from gateway.api.limits import SharedLimitState
from gateway.api.middleware import BodySizeLimit
from gateway.api.problems import (
    Problem,
    answer_problem,
    install_problem_handlers,
    validation_problem,
)
from gateway.api.routes import call_tasks, calls, catalog, organization, platform, records
from gateway.api.runtime import Clock, GatewayRuntime, utc_now
from gateway.api.settings import GatewaySettings
from gateway.telemetry import configure_tracing, shutdown_tracing

DESCRIPTION = """
Fundament's REST API: every tenant is a service organization on the USM method.
Everything tenant-scoped lives under `/t/{tenant}`. Errors are RFC 9457 problem documents.
Writes accept `Idempotency-Key`; call tasks accept `If-Match` with the call's version.
Lists page with `after` cursors and RFC 8288 `Link: <…>; rel="next"` headers.
"""


async def _validation_after_access(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    if any(e.get("type") == "json_invalid" for e in error.errors()):
        try:
            await authorize_before_body(request)
        except Problem as refused:
            return answer_problem(request, refused)
    return validation_problem(request, error)


def create_app(
    settings: GatewaySettings | None = None,
    clock: Clock = utc_now,
    shared_limits: SharedLimitState | None = None,
) -> FastAPI:
    """The gateway app for ``settings`` (read from the environment when omitted).

    ``shared_limits``: rate-limit counters shared with the other worker processes of
    ``fundament serve --workers N``; without them the limits count in this process.
    """
    settings = settings or GatewaySettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_tracing(settings.otel_exporter, "fundament-gateway", settings.otel_endpoint)
        runtime = GatewayRuntime(settings, clock, shared_limits)
        app.state.runtime = runtime
        try:
            yield
        finally:
            runtime.close()
            shutdown_tracing()

    app = FastAPI(
        title="Fundament",
        version="1",
        description=DESCRIPTION,
        lifespan=lifespan,
        # FastAPI's own server span per request (continuing a caller's traceparent) once
        # configure_tracing installed a provider; the command, store, relay and projection
        # spans hang below it. No spans per dependency, no metrics or logs of its own.
        telemetry={
            "tracing": True,
            "operation_spans": False,
            "metrics": False,
            "logs": False,
            "auto_configure": False,
        },
        # Every route sits on the app's own router, so a request is matched in one pass over
        # the list. Routers added by include_router are matched twice per request (FastAPI
        # 0.16x), which cost more CPU than any of our access checks. The busiest first.
        routes=[
            *call_tasks.router.routes,
            *calls.router.routes,
            *records.router.routes,
            *catalog.router.routes,
            *organization.router.routes,
            *platform.router.routes,
        ],
        openapi_tags=[
            {"name": "calls", "description": "wishes, RFCs, incidents, service requests, risks"},
            {"name": "call tasks", "description": "one POST per task of the USM processes"},
        ],
    )
    app.state.settings = settings
    document_bearer_auth(app)
    install_problem_handlers(app)
    app.add_exception_handler(RequestValidationError, _validation_after_access)
    install_freshness_handler(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    return app
