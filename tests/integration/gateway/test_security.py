"""Tenants are invisible to each other, and only good tokens get in.

Two tenants seeded alike (same customer name, same service codes): a token of tenant A must
not read, list, change or even learn of B's calls, services, agreements or components, by
any route. A foreign id answers exactly as an id that exists nowhere.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi.testclient import TestClient
from httpx import Response

from gateway.api.settings import GatewaySettings
from gateway.api.tokens import issue_token, load_or_create_dev_key
from tests.integration.gateway.conftest import (
    ROLES,
    SeededTenant,
    TokenFactory,
    assert_problem,
    bearer,
    rows_of,
    submit_incident,
)
from tests.integration.gateway.test_permissions import Endpoint, api_routes, send, url_of
from tests.unit.gateway.test_tokens import forged_token


@dataclass(frozen=True)
class Records:
    """The real ids of one tenant's records, by the path parameter that names them."""

    call: dict[str, Any]
    ids: dict[str, str]  # call_id, service_id, agreement_id, mic_id


def records_of(api: TestClient, tenant: SeededTenant) -> Records:
    call = submit_incident(api, tenant, summary=f"only {tenant.slug} may know of this")
    reader = tenant.as_role("workflow-manager")
    at = {"min_position": call["position"]}
    agreements = rows_of(
        api.get(
            f"/t/{tenant.slug}/agreements",
            headers=reader,
            params={"customer": tenant.customer, **at},
        )
    )
    mics = rows_of(api.get(f"/t/{tenant.slug}/mir", headers=reader, params=at))
    return Records(
        call,
        {
            "call_id": call["id"],
            "service_id": tenant.service_id,
            "agreement_id": agreements[0]["agreement_id"],
            "mic_id": mics[0]["mic_id"],
        },
    )


def the_id_in(route: Endpoint, ids: dict[str, str]) -> str | None:
    return next((value for name, value in ids.items() if "{" + name + "}" in route.path), None)


def answer(response: Response) -> tuple[int, str | None]:
    """What a caller can tell from a response: the status and the problem code."""
    if response.status_code >= 400:
        return response.status_code, assert_problem(response, response.status_code)["code"]
    return response.status_code, None


@dataclass(frozen=True)
class TwoTenants:
    a: SeededTenant
    b: SeededTenant
    a_records: Records
    b_records: Records
    a_everything: dict[str, str]  # a token with every role in A (and none elsewhere)


@pytest.fixture
def two_tenants(
    api: TestClient, seed_tenant: Callable[[], SeededTenant], token: TokenFactory
) -> TwoTenants:
    a, b = seed_tenant(), seed_tenant()
    everything = bearer(token("a-everything", {a.slug: list(ROLES)}))
    return TwoTenants(a, b, records_of(api, a), records_of(api, b), everything)


def test_foreign_ids_look_exactly_like_ids_that_exist_nowhere(
    api: TestClient, two_tenants: TwoTenants
) -> None:
    t = two_tenants
    nowhere = {name: str(uuid4()) for name in t.b_records.ids}
    checked = 0
    for route in api_routes(api):
        foreign_id, unknown_id = the_id_in(route, t.b_records.ids), the_id_in(route, nowhere)
        if foreign_id is None or unknown_id is None:
            continue
        foreign = send(api, route, url_of(route, t.a.slug, foreign_id), t.a_everything)
        unknown = send(api, route, url_of(route, t.a.slug, unknown_id), t.a_everything)
        assert answer(foreign) == answer(unknown), f"{route.operation_id}: {foreign.text}"
        if "GET" in route.methods:
            assert answer(foreign) == (404, "not-found"), route.operation_id
        checked += 1
    assert checked >= 30


def test_foreign_ids_cannot_be_written_to_or_referred_to(
    api: TestClient, two_tenants: TwoTenants
) -> None:
    t = two_tenants
    a_calls = f"/t/{t.a.slug}/calls"
    b_call, b_ids, nowhere = t.b_records.call, t.b_records.ids, str(uuid4())
    writes = [
        (f"{a_calls}/{{id}}/accept", {}),
        (f"{a_calls}/{{id}}/abort", {"reason": "not yours"}),
        (f"/t/{t.a.slug}/services/{{id}}/retire", {"reason": "not yours"}),
    ]
    for template, body in writes:
        for foreign in (b_ids["call_id"], b_ids["service_id"]):
            attempts = [
                api.post(template.format(id=i), headers=t.a_everything, json=body)
                for i in (foreign, nowhere)
            ]
            assert answer(attempts[0]) == answer(attempts[1]) == (404, "not-found"), template
    for kind, name in (("call", "call_id"), ("service", "service_id"), ("mic", "mic_id")):
        link = f"{a_calls}/{t.a_records.call['id']}/links"
        linked = [
            api.post(link, headers=t.a_everything, json={"kind": kind, "target_id": target})
            for target in (b_ids[name], str(uuid4()))
        ]
        assert answer(linked[0]) == answer(linked[1]), linked[0].text
    submitted = [
        api.post(
            a_calls,
            headers=t.a_everything,
            json={
                "call_type": "incident",
                "summary": "Their service is down",
                "customer": t.a.customer,
                "service_ids": [service],
            },
        )
        for service in (b_ids["service_id"], str(uuid4()))
    ]
    assert answer(submitted[0]) == answer(submitted[1]), submitted[0].text
    still = api.get(f"/t/{t.b.slug}/calls/{b_call['id']}", headers=t.b.as_role("auditor"))
    assert still.json()["state"]["version"] == b_call["version"]


def test_lists_in_a_never_hold_bs_rows(api: TestClient, two_tenants: TwoTenants) -> None:
    t = two_tenants
    at = {"min_position": t.a_records.call["position"]}
    base = f"/t/{t.a.slug}"

    def listed(url: str, **params: Any) -> str:
        response: Response = api.get(
            f"{base}{url}", headers=t.a_everything, params={**at, **params}
        )
        assert response.status_code == 200, response.text
        return response.text

    texts = [
        listed("/calls", include_closed="true"),
        listed("/calls", service_id=t.b.service_id),
        listed("/services", include_retired="true"),
        listed("/agreements", customer=t.b.customer),  # the same customer name in both
        listed("/agreements", service_id=t.b.service_id),
        listed("/mir", include_retired="true"),
    ]
    for own in t.a_records.ids.values():
        assert any(own in text for text in texts), f"A's own {own} is not listed: vacuous test"
    for text in texts:
        for foreign in (*t.b_records.ids.values(), t.b.slug):
            assert foreign not in text


def test_a_token_of_a_sees_no_tenant_b_at_all(api: TestClient, two_tenants: TwoTenants) -> None:
    t = two_tenants
    ghost = f"ghost-{uuid4().hex[:12]}"
    for route in api_routes(api):
        if not route.path.startswith("/t/{tenant}"):
            continue
        real_id = the_id_in(route, t.b_records.ids) or str(uuid4())
        for slug in (t.b.slug, ghost):
            response = send(api, route, url_of(route, slug, real_id), t.a_everything)
            assert_problem(response, 404, "unknown-tenant")
            assert slug in response.json()["detail"]  # names only what the caller sent
    not_json = {
        answer(
            api.post(
                f"/t/{slug}/calls",
                content=b'{"call_type": ',
                headers={**t.a_everything, "Content-Type": "application/json"},
            )
        )
        for slug in (t.b.slug, ghost)
    }
    assert len(not_json) == 1, "a body that is not JSON tells B from a tenant that is not there"


# -- bad tokens -------------------------------------------------------------------------


def wall_clock() -> datetime:
    return datetime.now(UTC)  # noqa: TID251 (the app checks tokens on the wall clock)


def bad_tokens(config: GatewaySettings, good_key: ec.EllipticCurvePrivateKey) -> dict[str, str]:
    """Every kind of token the gateway must refuse, made against the key the app trusts."""
    iss, aud = config.jwt_issuer, config.jwt_audience

    def made(key: Any = good_key, **overrides: Any) -> str:
        values: dict[str, Any] = {
            "issuer": iss,
            "audience": aud,
            "subject": "mallory",
            "tenant_roles": {"any": ["tenant-admin"]},
            "platform_roles": ["platform-admin"],
            "now": wall_clock(),
            **overrides,
        }
        return issue_token(key, **values)

    now = int(wall_clock().timestamp())
    claims = {
        "iss": iss,
        "aud": aud,
        "sub": "mallory",
        "exp": now + 600,
        "roles": ["platform-admin"],
    }
    public_pem = good_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    no_subject = {k: v for k, v in claims.items() if k != "sub"}
    return {
        "expired": made(now=wall_clock() - timedelta(hours=2), lifetime=timedelta(hours=1)),
        "signed by another key": made(key=ec.generate_private_key(ec.SECP256R1())),
        "wrong audience": made(audience="another-api"),
        "wrong issuer": made(issuer="https://evil.example"),
        "alg none": forged_token({"alg": "none", "typ": "JWT"}, claims),
        "HS256 with the public key": forged_token(
            {"alg": "HS256", "typ": "JWT"}, claims, public_pem
        ),
        "RS256 named": forged_token({"alg": "RS256", "typ": "JWT"}, claims) + "c2ln",
        "no subject": jwt.encode(no_subject, good_key, algorithm="ES256"),
        "garbage": "garbage",
        "dots": "...",
    }


def test_bad_tokens_are_refused_with_401_and_a_challenge(
    module_api: TestClient, module_gateway_config: GatewaySettings, module_token: TokenFactory
) -> None:
    key = load_or_create_dev_key(module_gateway_config.dev_key_file)
    url = "/patterns/workflows"
    good = bearer(module_token("alice", {"acme": ["operator"]}))
    assert module_api.get(url, headers=good).status_code == 200  # a 401 below is the token's
    for case, bad in bad_tokens(module_gateway_config, key).items():
        for target in (url, "/tenants", "/t/acme/calls"):
            response = module_api.get(target, headers=bearer(bad))
            problem = assert_problem(response, 401, "invalid-token")
            assert 'error="invalid_token"' in response.headers["WWW-Authenticate"], case
            assert bad not in problem["detail"], case


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer ", "Basic YWxpY2U6c2VjcmV0", "Token abc", "JWT abc"],
)
def test_no_bearer_token_is_refused_with_401_and_a_challenge(
    module_api: TestClient, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    response = module_api.get("/patterns/workflows", headers=headers)
    assert_problem(response, 401, "not-authenticated")
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="fundament"'


def test_the_scheme_name_is_case_insensitive(
    module_api: TestClient, module_token: TokenFactory
) -> None:
    token = module_token("alice", {"acme": ["operator"]})
    response = module_api.get("/patterns/workflows", headers={"Authorization": f"bearer {token}"})
    assert response.status_code == 200
