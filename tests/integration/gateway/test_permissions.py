"""The permission table, walked: every role against every route, and what the narrow roles see.

The walk sends every route a dummy id and ``{}``. A role the table allows gets past
authorization (its answer may still be 404, 409 or 422: the ids and bodies are dummies); a
member the table does not allow gets exactly 403; a platform admin without tenant roles gets
404 for everything under ``/t/{tenant}``, as for a tenant that does not exist.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from httpx import Response

from gateway.api.permissions import PERMISSIONS
from gateway.api.roles import Role
from tests.integration.gateway.conftest import (
    ROLES,
    SeededTenant,
    TokenFactory,
    assert_problem,
    bearer,
    rows_of,
    seed_gateway_tenant,
    submit_incident,
)

DOCS = frozenset({"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"})
WALKERS = (*ROLES, "platform-admin")
DUMMY_ID = "00000000-0000-4000-8000-00000000d00d"
_PARAMETER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Endpoint:
    path: str
    methods: frozenset[str]
    operation_id: str | None


def api_routes(client: TestClient) -> list[Endpoint]:
    """Every APIRoute the app serves, with its full path (``app.routes`` holds the included
    routers since FastAPI 0.137, not their routes)."""
    routes = client.app.routes  # type: ignore[attr-defined]
    return [
        Endpoint(str(c.path), frozenset(c.methods or ()), c.operation_id)
        for c in iter_route_contexts(routes)
        if isinstance(c.original_route, APIRoute) and c.path not in DOCS
    ]


def url_of(route: Endpoint, tenant: str, any_id: str = DUMMY_ID) -> str:
    return _PARAMETER.sub(lambda m: tenant if m[1] == "tenant" else any_id, route.path)


def send(
    client: TestClient, route: Endpoint, url: str, headers: dict[str, str], body: Any = None
) -> Response:
    (method,) = route.methods - {"HEAD"}
    json = None if method == "GET" else ({} if body is None else body)
    response: Response = client.request(method, url, headers=headers, json=json)
    return response


def walker_token(token: TokenFactory, role: str, tenant: str) -> dict[str, str]:
    if role == "platform-admin":
        return bearer(token("platform-admin", platform=["platform-admin"]))
    return bearer(token(f"walker-{role}", {tenant: [role]}))


def problem_complaint(response: Response) -> str | None:
    if response.status_code < 400:
        return None
    try:
        assert_problem(response, response.status_code)
    except (AssertionError, KeyError, ValueError) as error:
        return f"not a problem document ({error})"
    return None


def verdict(route: Endpoint, role: str, response: Response) -> str | None:
    """What is wrong with ``response`` to ``role`` on ``route``, or None."""
    status, body = response.status_code, response.text[:200]
    allowed = Role(role) in PERMISSIONS[str(route.operation_id)]
    if status >= 500:
        return f"{status} {body}"
    if route.path.startswith("/t/{tenant}") and role == "platform-admin":
        if status != 404 or response.json().get("code") != "unknown-tenant":
            return f"expected 404 unknown-tenant (not a member), got {status} {body}"
    elif allowed and status in (401, 403):
        return f"allowed by the table, got {status} {body}"
    elif not allowed and (status != 403 or response.json().get("code") != "forbidden"):
        return f"not allowed by the table, expected 403 forbidden, got {status} {body}"
    return problem_complaint(response)


@pytest.fixture(scope="module")
def walk_tenant(module_api: TestClient, module_token: TokenFactory) -> SeededTenant:
    return seed_gateway_tenant(module_api, module_token, f"walk-{uuid4().hex[:12]}")


def test_the_table_has_exactly_one_row_per_route(module_api: TestClient) -> None:
    operations = [route.operation_id for route in api_routes(module_api)]
    assert None not in operations
    assert len(operations) == len(set(operations)), "an operation id is used twice"
    assert set(operations) - set(PERMISSIONS) == set(), "routes without a row"
    assert set(PERMISSIONS) - set(operations) == set(), "rows without a route"


@pytest.mark.parametrize("role", WALKERS)
def test_every_role_against_every_route(
    module_api: TestClient, module_token: TokenFactory, walk_tenant: SeededTenant, role: str
) -> None:
    headers = walker_token(module_token, role, walk_tenant.slug)
    complaints = []
    for route in api_routes(module_api):
        response = send(module_api, route, url_of(route, walk_tenant.slug), headers)
        complaint = verdict(route, role, response)
        if complaint:
            complaints.append(f"{route.operation_id} {route.path}: {complaint}")
    assert complaints == []


def test_no_route_answers_without_a_token(
    module_api: TestClient, walk_tenant: SeededTenant
) -> None:
    for route in api_routes(module_api):
        response = send(module_api, route, url_of(route, walk_tenant.slug), {})
        assert_problem(response, 401, "not-authenticated")
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_authorization_is_decided_before_the_request_is_validated(
    module_api: TestClient, module_token: TokenFactory, walk_tenant: SeededTenant
) -> None:
    """A forbidden caller learns nothing about ids or body schemas: not even a 422."""
    junk = {"call_type": 5, "summary": ["x"], "service_ids": "none", "agreed": "maybe"}
    auditor = walker_token(module_token, "auditor", walk_tenant.slug)
    stranger = bearer(module_token("stranger", {"elsewhere": ["tenant-admin"]}))
    for route in api_routes(module_api):
        if "POST" not in route.methods:
            continue
        url = url_of(route, walk_tenant.slug, any_id="not-a-uuid")
        forbidden = 404 if route.path.startswith("/t/") else 403
        assert_problem(send(module_api, route, url, auditor, junk), 403, "forbidden")
        assert_problem(send(module_api, route, url, stranger, junk), forbidden)
        assert_problem(send(module_api, route, url, {}, junk), 401, "not-authenticated")


def test_a_body_that_is_not_json_is_not_answered_before_authentication(
    module_api: TestClient, walk_tenant: SeededTenant, module_token: Any
) -> None:
    """FastAPI parses JSON before any dependency runs; the gateway still checks access first."""
    url = f"/t/{walk_tenant.slug}/calls"
    junk = {"content": b'{"call_type": ', "headers": {"Content-Type": "application/json"}}
    assert_problem(module_api.post(url, **junk), 401, "not-authenticated")
    auditor = {**junk["headers"], **walk_tenant.as_role("auditor")}
    assert_problem(module_api.post(url, content=junk["content"], headers=auditor), 403, "forbidden")
    stranger = {
        **junk["headers"],
        "Authorization": "Bearer " + module_token("x", {"other": ["operator"]}),
    }
    response = module_api.post(url, content=junk["content"], headers=stranger)
    assert_problem(response, 404, "unknown-tenant")
    operator = {**junk["headers"], **walk_tenant.as_role("operator")}
    assert_problem(module_api.post(url, content=junk["content"], headers=operator), 422)


# -- the auditor reads everything and writes nothing --------------------------------------


def _list(api: TestClient, url: str, headers: dict[str, str], **params: Any) -> list[Any]:
    return rows_of(api.get(url, headers=headers, params=params))


def test_the_auditor_reads_calls_timelines_mir_and_agreements_but_writes_nothing(
    api: TestClient, seed_tenant: Callable[[], SeededTenant]
) -> None:
    tenant = seed_tenant()
    call = submit_incident(api, tenant)
    auditor = tenant.as_role("auditor")
    base = f"/t/{tenant.slug}"
    at = {"min_position": call["position"]}
    (agreement,) = _list(api, f"{base}/agreements", auditor, customer=tenant.customer, **at)
    mics = _list(api, f"{base}/mir", auditor, **at)
    assert mics
    mic = mics[0]["mic_id"]
    for url in (
        f"{base}/calls/{call['id']}?min_version={call['version']}",
        f"{base}/calls/{call['id']}/timeline?min_version={call['version']}",
        f"{base}/calls/{call['id']}/tree?min_version={call['version']}",
        f"{base}/calls?include_closed=true",
        f"{base}/mir/{mic}",
        f"{base}/mir/{mic}/history",
        f"{base}/agreements/{agreement['agreement_id']}",
        f"{base}/services/{tenant.service_id}",
        f"{base}/organization",
    ):
        assert api.get(url, headers=auditor).status_code == 200, url

    posts = [route for route in api_routes(api) if "POST" in route.methods]
    for route in posts:
        response = send(api, route, url_of(route, tenant.slug, call["id"]), auditor)
        assert_problem(response, 403, "forbidden")
    after = api.get(f"{base}/calls/{call['id']}", headers=auditor)
    assert after.json()["state"]["version"] == call["version"]


# -- a requester sees and acts on their own calls only ------------------------------------


@pytest.fixture
def requesters(
    api: TestClient, seed_tenant: Callable[[], SeededTenant], token: TokenFactory
) -> tuple[SeededTenant, dict[str, str]]:
    """A tenant, and the headers of a second requester ("someone-else")."""
    tenant = seed_tenant()
    return tenant, bearer(token("someone-else", {tenant.slug: ["requester"]}))


def _submit(
    api: TestClient, tenant: SeededTenant, headers: dict[str, str], **fields: Any
) -> Response:
    body = {
        "call_type": "service_request",
        "summary": "New user account",
        "customer": tenant.customer,
        "service_ids": [tenant.service_id],
        **fields,
    }
    response: Response = api.post(f"/t/{tenant.slug}/calls", headers=headers, json=body)
    return response


def test_a_requester_lists_only_their_own_calls_whatever_the_filters(
    api: TestClient, requesters: tuple[SeededTenant, dict[str, str]]
) -> None:
    tenant, someone_else = requesters
    mine = submit_incident(api, tenant, "requester")
    theirs = _submit(api, tenant, someone_else).json()
    for_a_third = submit_incident(api, tenant, "operator")
    latest = max(mine["position"], theirs["position"], for_a_third["position"])
    url = f"/t/{tenant.slug}/calls"
    for filters in (
        {},
        {"include_closed": "true"},
        {"service_id": tenant.service_id},
        {"process": "recover"},
        {"order": "updated_at", "limit": "1"},
    ):
        page = api.get(
            url,
            headers=tenant.as_role("requester"),
            params={**filters, "min_position": latest},
        )
        assert page.status_code == 200, page.text
        assert [c["call_id"] for c in page.json()["items"]] == [mine["id"]], filters
    staff = api.get(url, headers=tenant.as_role("operator"), params={"min_position": latest})
    assert {c["call_id"] for c in staff.json()["items"]} == {
        mine["id"],
        theirs["id"],
        for_a_third["id"],
    }


def test_a_requester_cannot_read_or_verify_someone_elses_call(
    api: TestClient, requesters: tuple[SeededTenant, dict[str, str]]
) -> None:
    tenant, someone_else = requesters
    theirs = _submit(api, tenant, someone_else).json()
    api.get(  # let the read model get there, so a 404 is not just a read model lagging
        f"/t/{tenant.slug}/calls/{theirs['id']}?min_version={theirs['version']}",
        headers=someone_else,
    ).raise_for_status()
    me = tenant.as_role("requester")
    base = f"/t/{tenant.slug}/calls"
    for call_id in (theirs["id"], str(uuid4())):
        for suffix in ("", "/timeline"):
            assert_problem(api.get(f"{base}/{call_id}{suffix}", headers=me), 404, "not-found")
        verify = api.post(f"{base}/{call_id}/verify", headers=me, json={"agreed": True})
        assert_problem(verify, 404, "not-found")
    assert_problem(api.get(f"{base}/{theirs['id']}/tree", headers=me), 403, "forbidden")


def test_a_requester_submits_in_their_own_name_only_and_raises_no_risks(
    api: TestClient, requesters: tuple[SeededTenant, dict[str, str]]
) -> None:
    tenant, _ = requesters
    me = tenant.as_role("requester")
    assert_problem(_submit(api, tenant, me, requester="someone-else"), 403, "forbidden")
    assert_problem(_submit(api, tenant, me, call_type="risk"), 403, "forbidden")
    assert _submit(api, tenant, me, requester="requester").status_code == 201
    raised = _submit(api, tenant, tenant.as_role("workflow-manager"), call_type="risk")
    assert raised.status_code == 201, raised.text


def test_a_requester_verifies_their_own_delivered_call(
    api: TestClient, requesters: tuple[SeededTenant, dict[str, str]]
) -> None:
    tenant, _ = requesters
    submitted = _submit(api, tenant, tenant.as_role("requester"))
    assert submitted.status_code == 201, submitted.text
    call = f"/t/{tenant.slug}/calls/{submitted.json()['id']}"
    operator = tenant.as_role("operator")
    for task, body in (
        ("accept", {}),
        ("classify", {"category": "access", "impact": "low", "urgency": "low"}),
        (
            "plan-activities",
            {
                "section": "dynamic",
                "planned_for": "2030-01-01T09:00:00+00:00",
                "activities": ["create the account"],
            },
        ),
        ("execute", {"result": "account created"}),
    ):
        assert api.post(f"{call}/{task}", headers=operator, json=body).status_code == 200, task
    verified = api.post(
        f"{call}/verify", headers=tenant.as_role("requester"), json={"agreed": True}
    )
    assert verified.status_code == 200, verified.text
    read = api.get(
        call,
        headers=tenant.as_role("requester"),
        params={"min_version": verified.json()["version"]},
    )
    assert read.json()["state"]["status"] != "in_progress", read.json()["state"]
