"""Who is calling, in which tenant, and whether the permission table lets them.

The checks are coroutines: they only read memory (cached tokens, the tenant registry's cache,
the rate counters), and running them on the event loop saves a thread hand-off per request.
A caller with no role in a tenant gets 404 for everything under it, exactly as for a tenant
that does not exist: a token of tenant A cannot learn whether tenant B, or any of B's
records, exists. A member lacking the permission gets 403.
"""

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Path, Request, Response

from gateway.api.permissions import allowed_roles
from gateway.api.problems import Problem
from gateway.api.roles import Principal, Role
from gateway.api.runtime import GatewayRuntime
from gateway.api.tokens import InvalidTokenError, KeysUnavailableError
from tenants.service_desk import ServiceDesk

BEARER_SCHEME = "HTTPBearer"

TenantSlug = Annotated[
    str,
    Path(
        min_length=1,
        max_length=40,
        pattern=r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$",
        description="the tenant's slug",
        examples=["ministry-it"],
    ),
]


def runtime_of(request: Request) -> GatewayRuntime:
    runtime: GatewayRuntime = request.app.state.runtime
    return runtime


def authenticate(request: Request) -> Principal:
    """The caller of ``request``, from its bearer token.

    Read from the header here rather than through a FastAPI security dependency: each level
    of dependencies costs every request CPU, and this is on every request. The OpenAPI
    document still declares the scheme (:func:`document_bearer_auth`).
    """
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        raise Problem(
            401,
            "not-authenticated",
            "send a bearer token: Authorization: Bearer <JWT>",
            headers={"WWW-Authenticate": 'Bearer realm="fundament"'},
        )
    try:
        return runtime_of(request).verifier.verify(credentials.strip())
    except InvalidTokenError as error:
        raise Problem(
            401,
            "invalid-token",
            str(error),
            headers={"WWW-Authenticate": 'Bearer realm="fundament", error="invalid_token"'},
        ) from None
    except KeysUnavailableError as error:
        raise Problem(503, "keys-unavailable", str(error), headers={"Retry-After": "5"}) from None


def document_bearer_auth(app: FastAPI) -> None:
    """Declare the bearer scheme in the OpenAPI document, required by every operation."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        document = generate()
        if BEARER_SCHEME not in document.setdefault("components", {}).get("securitySchemes", {}):
            document["components"]["securitySchemes"] = {
                BEARER_SCHEME: {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A JWT from your identity provider",
                }
            }
            for operations in document.get("paths", {}).values():
                for operation in operations.values():
                    operation["security"] = [{BEARER_SCHEME: []}]
        return document

    app.openapi = openapi  # type: ignore[method-assign]


@dataclass(frozen=True)
class TenantAccess:
    """An authorized request in one tenant."""

    tenant: str
    principal: Principal
    roles: frozenset[Role]
    runtime: GatewayRuntime
    headers: dict[str, str]  # the rate limit's, for a route that builds its own response

    @property
    def actor(self) -> str:
        return self.principal.subject

    @property
    def own_calls_only(self) -> bool:
        return self.principal.only_requester_in(self.tenant)

    @property
    def app(self) -> ServiceDesk:
        """The tenant's application (its event store)."""
        return self.runtime.stores.runtime.app(self.tenant)

    def not_found(self, what: str) -> Problem:
        return Problem(404, "not-found", f"{what} not found in tenant {self.tenant}")


async def tenant_access(request: Request, response: Response, tenant: TenantSlug) -> TenantAccess:
    principal = authenticate(request)
    runtime = runtime_of(request)
    roles = principal.roles_in(tenant)
    if not roles or not runtime.stores.registry.exists(tenant):
        raise Problem(404, "unknown-tenant", f"there is no tenant {tenant!r} you can access")
    headers = _limit(runtime, response, tenant, principal.subject)
    if not roles & allowed_roles(_operation(request)):
        raise Problem(
            403,
            "forbidden",
            f"your roles in {tenant} ({', '.join(sorted(roles))}) do not allow this",
        )
    return TenantAccess(tenant, principal, roles, runtime, headers)


async def platform_access(request: Request, response: Response) -> Principal:
    principal = authenticate(request)
    runtime = runtime_of(request)
    _limit(runtime, response, "platform", principal.subject)
    if not principal.platform_roles & allowed_roles(_operation(request)):
        raise Problem(403, "forbidden", "this needs the platform-admin role")
    return principal


async def authenticated_access(request: Request, response: Response) -> Principal:
    """Any authenticated caller (the shared USM patterns are the same for everyone)."""
    principal = authenticate(request)
    _limit(runtime_of(request), response, "platform", principal.subject)
    return principal


async def authorize_before_body(request: Request) -> None:
    """The route's access checks, for the one answer FastAPI gives before any dependency
    runs: a body that is not JSON at all. Unauthorized callers get 401/403/404 for it too,
    never a 422 that tells them about the route's body."""
    tenant = request.scope.get("path_params", {}).get("tenant")
    if tenant is not None:
        await tenant_access(request, Response(), tenant)
    else:
        await platform_access(request, Response())


def _operation(request: Request) -> str:
    route = request.scope.get("route")
    operation = getattr(route, "operation_id", None)
    if not operation:
        raise RuntimeError(f"route {request.url.path} has no operation id")
    return str(operation)


def _limit(runtime: GatewayRuntime, response: Response, scope: str, client: str) -> dict[str, str]:
    allowance = runtime.limits.check(scope, client)
    if not allowance.allowed:
        raise Problem(
            429,
            "rate-limited",
            f"too many requests; try again in {allowance.reset_seconds} s",
            headers=allowance.headers(),
        )
    headers = allowance.headers()
    response.headers.update(headers)
    return headers


Tenant = Annotated[TenantAccess, Depends(tenant_access)]
Platform = Annotated[Principal, Depends(platform_access)]
Anyone = Annotated[Principal, Depends(authenticated_access)]
