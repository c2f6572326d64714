"""``POST /tenants``: a creation that failed between registering the tenant and founding its
organization is completed by a retry, while a tenant that really exists stays a 409."""

from collections.abc import Callable
from datetime import UTC, datetime

from fastapi.testclient import TestClient

from domain.organization import organization_id
from tests.integration.gateway.conftest import TokenFactory, bearer


def admin(token: TokenFactory) -> dict[str, str]:
    return bearer(token("ops-lead", {}, platform=["platform-admin"]))


def register_without_organization(api: TestClient, slug: str, name: str) -> None:
    """The state a crash leaves after the registration and before the founding."""
    stores = api.app.state.runtime.stores  # type: ignore[attr-defined]
    at = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    stores.runtime.create_tenant(slug, name, "health region", actor="ops-lead", at=at)


def has_organization(api: TestClient, slug: str) -> bool:
    app = api.app.state.runtime.stores.runtime.app(slug)  # type: ignore[attr-defined]
    return bool(app.exists(organization_id(slug)))


def test_a_retry_founds_the_organization_of_a_half_created_tenant(
    api: TestClient, token: TokenFactory, fresh_slug: Callable[..., str]
) -> None:
    slug = fresh_slug("half")
    register_without_organization(api, slug, "Health West")
    body = {"slug": slug, "name": "Health West", "kind": "health region"}

    retried = api.post("/tenants", json=body, headers=admin(token))
    again = api.post("/tenants", json=body, headers=admin(token))

    assert retried.status_code == 201, retried.text
    assert retried.json()["slug"] == slug
    assert has_organization(api, slug)
    assert again.status_code == 409
    assert again.json()["code"] == "tenant-already-exists"


def test_a_half_created_tenant_is_not_taken_over_by_another_name_or_kind(
    api: TestClient, token: TokenFactory, fresh_slug: Callable[..., str]
) -> None:
    slug = fresh_slug("half")
    register_without_organization(api, slug, "Health West")

    other_name = api.post(
        "/tenants",
        json={"slug": slug, "name": "Somebody Else", "kind": "health region"},
        headers=admin(token),
    )
    other_kind = api.post(
        "/tenants",
        json={"slug": slug, "name": "Health West", "kind": "ministry"},
        headers=admin(token),
    )

    assert (other_name.status_code, other_kind.status_code) == (409, 409)
    assert not has_organization(api, slug)
