"""Rate limits per client and per tenant: RateLimit-* headers on every answer, and a 429
problem with Retry-After once a limit is used up. Counted in memory (shown on SQLite) or in
the database every gateway machine shares (PostgreSQL), with the same answers."""

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from gateway.api.settings import GatewaySettings
from tenants.settings import StorageSettings
from tests.integration.gateway.conftest import SeededTenant, TokenFactory, bearer, gateway_settings

Seed = Callable[[], SeededTenant]


@pytest.fixture(params=["memory", pytest.param("database", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest) -> str:
    """Where the limits count: this process's memory, or the shared PostgreSQL database."""
    value: str = request.param
    return value


@pytest.fixture
def settings(store: str, request: pytest.FixtureRequest) -> StorageSettings:
    fixture = "pg_settings" if store == "database" else "sqlite_settings"
    value: StorageSettings = request.getfixturevalue(fixture)
    return value


@pytest.fixture
def gateway_config(
    settings: StorageSettings, store: str, request: pytest.FixtureRequest
) -> GatewaySettings:
    limits = getattr(request, "param", {"client_rate_limit": "5/minute"})
    return gateway_settings(settings, rate_limit_store=store, **limits)


def test_a_client_gets_its_limit_then_a_429_with_retry_after(
    api: TestClient, seed_tenant: Seed
) -> None:
    tenant = seed_tenant()
    url = f"/t/{tenant.slug}/calls"

    answers = [api.get(url, headers=tenant.as_role("operator")) for _ in range(6)]

    for left, answer in zip((4, 3, 2, 1, 0), answers, strict=False):
        assert answer.status_code == 200, answer.text
        assert answer.headers["RateLimit-Limit"] == "5"
        assert answer.headers["RateLimit-Remaining"] == str(left)
        assert 0 < int(answer.headers["RateLimit-Reset"]) <= 60
        assert answer.headers["RateLimit-Policy"] == "5;w=60"
    refused = answers[5]
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["code"] == "rate-limited"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["RateLimit-Limit"] == "5"
    assert refused.headers["RateLimit-Remaining"] == "0"
    assert 0 < int(refused.headers["RateLimit-Reset"]) <= 60
    other_client = api.get(url, headers=tenant.as_role("auditor"))
    assert other_client.status_code == 200
    assert other_client.headers["RateLimit-Remaining"] == "4"


@pytest.mark.parametrize(
    "gateway_config",
    [{"tenant_rate_limit": "5/minute", "client_rate_limit": "100/minute"}],
    indirect=True,
)
def test_a_tenant_limit_counts_all_its_clients_and_no_other_tenant(
    api: TestClient, seed_tenant: Seed, token: TokenFactory
) -> None:
    busy, quiet = seed_tenant(), seed_tenant()
    url = f"/t/{busy.slug}/calls"
    for role in ("operator", "operator", "auditor", "auditor", "requester"):
        assert api.get(url, headers=busy.as_role(role)).status_code == 200

    refused = api.get(url, headers=busy.as_role("service-manager"))
    elsewhere = api.get(
        f"/t/{quiet.slug}/calls",
        headers=bearer(token("operator", {quiet.slug: ["operator"]})),
    )

    assert refused.status_code == 429
    assert refused.json()["code"] == "rate-limited"
    assert refused.headers["RateLimit-Limit"] == "5"
    assert int(refused.headers["Retry-After"]) >= 1
    assert elsewhere.status_code == 200
    assert elsewhere.headers["RateLimit-Remaining"] == "4"
