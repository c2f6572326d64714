"""Fixtures of the REST gateway tests: the app on each backend, tokens, seeded tenants.

``api`` is a TestClient over ``create_app`` (real ASGI app, real stores, read models fed by
the gateway itself). ``token(...)`` signs a token with the development key the app trusts.
``seed_tenant()`` sets up a tenant like the demo's first one, with an SA in force.
"""

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from gateway import create_app
from gateway.api.settings import GatewaySettings
from gateway.api.tokens import issue_token, load_or_create_dev_key
from gateway.demo.deployment import TENANTS
from gateway.demo.scenario import agree_first_service, service_id
from gateway.demo.scenario import seed_tenant as seed_demo_tenant
from tenants.settings import StorageSettings
from tests.integration.service_desk.conftest import START

TokenFactory = Callable[..., str]


def gateway_settings(storage: StorageSettings, **overrides: Any) -> GatewaySettings:
    values: dict[str, Any] = {
        "storage": storage,
        "tenant_rate_limit": "100000/minute",
        "client_rate_limit": "100000/minute",
        "freshness_wait_seconds": 5.0,
        # Tests share the key table; a purge by the real clock would delete the keys of
        # tests that run on a fixed business date.
        "idempotency_purge_seconds": 0,
        **overrides,
    }
    return GatewaySettings(**values)


@pytest.fixture
def gateway_config(settings: StorageSettings) -> GatewaySettings:
    """Override in a module to change limits or page sizes."""
    return gateway_settings(settings)


@pytest.fixture
def api(gateway_config: GatewaySettings) -> Iterator[TestClient]:
    with TestClient(create_app(gateway_config), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def token(gateway_config: GatewaySettings) -> TokenFactory:
    """``token("alice", {"acme": ["operator"]}, platform=["platform-admin"])``."""
    return token_factory(gateway_config)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass(frozen=True)
class SeededTenant:
    slug: str
    service_id: str
    customer: str  # has an SA in force for the service: its calls are accepted
    staff: dict[str, str]  # a token per role, each for a person holding only that role

    def as_role(self, role: str) -> dict[str, str]:
        return bearer(self.staff[role])


ROLES = (
    "requester",
    "operator",
    "workflow-coordinator",
    "workflow-manager",
    "service-manager",
    "tenant-admin",
    "auditor",
)


@pytest.fixture
def seed_tenant(
    api: TestClient, token: TokenFactory, fresh_slug: Callable[..., str]
) -> Callable[[], SeededTenant]:
    """A fresh copy of the first demo tenant: organization, catalog and an SA in force (W1),
    set up on the app's own stores as the demo does it; then read through HTTP."""
    return lambda: seed_gateway_tenant(api, token, fresh_slug("gw"))


def submit_incident(
    api: TestClient, tenant: SeededTenant, role: str = "requester", summary: str = "Mail is down"
) -> dict[str, Any]:
    """Submit an incident as ``role`` and return the write's answer (id, version, position)."""
    response = api.post(
        f"/t/{tenant.slug}/calls",
        headers=tenant.as_role(role),
        json={
            "call_type": "incident",
            "summary": summary,
            "customer": tenant.customer,
            "service_ids": [tenant.service_id],
        },
    )
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


def token_factory(config: GatewaySettings) -> TokenFactory:
    """What the ``token`` fixture returns, for ``config``'s development key."""
    key = load_or_create_dev_key(config.dev_key_file)

    def make(
        subject: str,
        tenant_roles: Mapping[str, Sequence[str]] | None = None,
        *,
        platform: Sequence[str] = (),
        lifetime: timedelta = timedelta(hours=1),
        now: datetime | None = None,
    ) -> str:
        return issue_token(
            key,
            issuer=config.jwt_issuer,
            audience=config.jwt_audience,
            subject=subject,
            tenant_roles=tenant_roles or {},
            platform_roles=platform,
            now=now or datetime.now(UTC),  # noqa: TID251 (the app checks tokens on the wall clock)
            lifetime=lifetime,
        )

    return make


def seed_gateway_tenant(api: TestClient, token: TokenFactory, slug: str) -> SeededTenant:
    """What ``seed_tenant()`` does, on any app and token factory."""
    runtime = api.app.state.runtime  # type: ignore[attr-defined]
    template = replace(TENANTS[0], slug=slug)
    desk = seed_demo_tenant(runtime.stores, template, START)
    agree_first_service(desk, template)
    runtime.written(template.slug)
    staff = {role: token(role, {template.slug: [role]}) for role in ROLES}
    sid = str(service_id(template.slug, template.services[0].code))
    return SeededTenant(template.slug, sid, template.customer, staff)


# Module-scoped, SQLite only: for tests that send hundreds of requests to one seeded app.


@pytest.fixture(scope="module")
def module_gateway_config(tmp_path_factory: pytest.TempPathFactory) -> GatewaySettings:
    data_dir = tmp_path_factory.mktemp("gateway") / "data"
    return gateway_settings(StorageSettings(backend="sqlite", data_dir=data_dir))


@pytest.fixture(scope="module")
def module_api(module_gateway_config: GatewaySettings) -> Iterator[TestClient]:
    with TestClient(create_app(module_gateway_config), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture(scope="module")
def module_token(module_gateway_config: GatewaySettings) -> TokenFactory:
    return token_factory(module_gateway_config)


def assert_problem(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """``response`` is an RFC 9457 problem document with ``status`` (and ``code``), no trace."""
    assert response.status_code == status, f"{status} expected, got: {response.text}"
    assert response.headers["content-type"].startswith("application/problem+json")
    problem: dict[str, Any] = response.json()
    assert {"type", "title", "status", "detail"} <= problem.keys(), problem
    assert problem["status"] == status
    assert "Traceback" not in response.text and 'File "' not in response.text
    if code is not None:
        assert problem["code"] == code, problem
    return problem


def rows_of(response: Any) -> list[Any]:
    """The rows of a successful list answer, whether it is a page (``items``) or a bare list."""
    assert response.status_code == 200, response.text
    body = response.json()
    rows: list[Any] = body["items"] if isinstance(body, dict) else body
    return rows
