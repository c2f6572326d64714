"""Writes through the gateway: Idempotency-Key, ETag/If-Match, strict bodies, size limits,
domain refusals, and reading one's own writes, on both backends."""

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from gateway.api.settings import GatewaySettings
from tenants.settings import StorageSettings
from tests.integration.gateway.conftest import SeededTenant, gateway_settings, submit_incident

PROBLEM_JSON = "application/problem+json"
Seed = Callable[[], SeededTenant]


@pytest.fixture
def gateway_config(settings: StorageSettings, request: pytest.FixtureRequest) -> GatewaySettings:
    """The default test settings, or a test's own through indirect parametrization."""
    return gateway_settings(settings, **getattr(request, "param", {}))


def calls_url(tenant: SeededTenant) -> str:
    return f"/t/{tenant.slug}/calls"


def incident(tenant: SeededTenant, **changes: Any) -> dict[str, Any]:
    return {
        "call_type": "incident",
        "summary": "Mail is down",
        "customer": tenant.customer,
        "service_ids": [tenant.service_id],
        **changes,
    }


def log_head(api: TestClient, tenant: SeededTenant) -> int:
    """The tenant's log position: it moves with every event stored, and only then."""
    app = api.app.state.runtime.stores.runtime.app(tenant.slug)  # type: ignore[attr-defined]
    head: int = app.recorder.max_notification_id() or 0
    return head


def assert_problem(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    problem: dict[str, Any] = response.json()
    assert problem["status"] == status
    assert problem["type"].endswith("/" + problem["code"])
    if code is not None:
        assert problem["code"] == code, problem
    return problem


# Idempotency-Key


def test_a_retried_submit_gets_the_first_answer_and_stores_nothing_new(
    api: TestClient, seed_tenant: Seed
) -> None:
    tenant = seed_tenant()
    headers = {**tenant.as_role("operator"), "Idempotency-Key": "submit-mail-outage"}
    first = api.post(calls_url(tenant), headers=headers, json=incident(tenant))
    assert first.status_code == 201, first.text
    assert "Idempotent-Replayed" not in first.headers
    head = log_head(api, tenant)

    again = api.post(calls_url(tenant), headers=headers, json=incident(tenant))

    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    for name in ("ETag", "Location", "Fundament-Position"):
        assert again.headers[name] == first.headers[name], name
    assert log_head(api, tenant) == head
    call = first.json()
    timeline = api.get(
        f"{calls_url(tenant)}/{call['id']}/timeline",
        params={"min_version": call["version"]},
        headers=tenant.as_role("operator"),
    )
    assert len(timeline.json()) == 1
    assert submit_incident(api, tenant, "operator")["position"] == call["position"] + 1


def test_an_idempotency_key_reused_for_another_body_or_too_long_is_refused(
    api: TestClient, seed_tenant: Seed
) -> None:
    tenant = seed_tenant()
    headers = {**tenant.as_role("operator"), "Idempotency-Key": "k" * 255}
    assert api.post(calls_url(tenant), headers=headers, json=incident(tenant)).status_code == 201
    head = log_head(api, tenant)

    other = api.post(calls_url(tenant), headers=headers, json=incident(tenant, summary="Other"))
    too_long = api.post(
        calls_url(tenant),
        headers={**headers, "Idempotency-Key": "k" * 256},
        json=incident(tenant),
    )

    assert_problem(other, 422, "idempotency-key-reused")
    problem = assert_problem(too_long, 422)
    assert [e["pointer"] for e in problem["errors"]] == ["/header/Idempotency-Key"]
    assert log_head(api, tenant) == head


def test_a_bad_correlation_id_or_if_match_header_is_a_422_naming_the_header(
    api: TestClient, seed_tenant: Seed
) -> None:
    tenant = seed_tenant()
    call = submit_incident(api, tenant, "operator")
    head = log_head(api, tenant)
    operator = tenant.as_role("operator")

    not_uuid = api.post(
        calls_url(tenant), headers={**operator, "Correlation-Id": "w4-run"}, json=incident(tenant)
    )
    too_long = api.post(
        f"{calls_url(tenant)}/{call['id']}/accept",
        headers={**operator, "If-Match": '"' + "1" * 30 + '"'},
        json={},
    )

    for answer, header in ((not_uuid, "Correlation-Id"), (too_long, "If-Match")):
        problem = assert_problem(answer, 422, "validation-failed")
        assert [e["pointer"] for e in problem["errors"]] == [f"/header/{header}"]
    assert log_head(api, tenant) == head


def test_a_refused_command_keeps_no_answer_so_a_retry_with_its_key_runs(
    api: TestClient, seed_tenant: Seed
) -> None:
    tenant = seed_tenant()
    call = submit_incident(api, tenant)
    classify = f"{calls_url(tenant)}/{call['id']}/classify"
    headers = {**tenant.as_role("operator"), "Idempotency-Key": "classify-once"}
    body = {"category": "application", "impact": "high", "urgency": "high"}

    refused = api.post(classify, headers=headers, json=body)  # not accepted yet
    assert_problem(refused, 409)
    accepted = api.post(
        f"{calls_url(tenant)}/{call['id']}/accept", headers=tenant.as_role("operator"), json={}
    )
    assert accepted.status_code == 200, accepted.text
    retried = api.post(classify, headers=headers, json=body)
    replayed = api.post(classify, headers=headers, json=body)

    assert retried.status_code == 200, retried.text
    assert "Idempotent-Replayed" not in retried.headers
    assert retried.json()["version"] == accepted.json()["version"] + 1
    assert replayed.headers["Idempotent-Replayed"] == "true"
    assert replayed.json() == retried.json()


# ETag and If-Match


def test_a_call_task_with_a_stale_or_malformed_if_match_is_refused_and_stores_nothing(
    api: TestClient, seed_tenant: Seed
) -> None:
    tenant = seed_tenant()
    call = submit_incident(api, tenant)
    url = f"{calls_url(tenant)}/{call['id']}"
    operator = tenant.as_role("operator")
    read = api.get(url, params={"min_version": 1}, headers=operator)
    assert read.headers["ETag"] == '"1"'
    accepted = api.post(f"{url}/accept", headers={**operator, "If-Match": '"1"'}, json={})
    assert accepted.status_code == 200, accepted.text
    assert accepted.headers["ETag"] == '"2"'
    head = log_head(api, tenant)
    body = {"category": "application", "impact": "low", "urgency": "low"}

    stale = api.post(f"{url}/classify", headers={**operator, "If-Match": '"1"'}, json=body)
    malformed = api.post(f"{url}/classify", headers={**operator, "If-Match": "2"}, json=body)

    assert_problem(stale, 412, "stale-version")
    assert_problem(malformed, 400, "bad-if-match")
    assert log_head(api, tenant) == head
    current = api.post(f"{url}/classify", headers={**operator, "If-Match": 'W/"2"'}, json=body)
    assert current.status_code == 200, current.text
    assert current.headers["ETag"] == '"3"'


# Strict bodies, size limits, domain refusals


def test_bodies_are_strict_and_each_refusal_points_at_the_field(
    api: TestClient, seed_tenant: Seed
) -> None:
    tenant = seed_tenant()
    call = submit_incident(api, tenant)
    head = log_head(api, tenant)
    cases = [
        (calls_url(tenant), incident(tenant, urgent=True), "/body/urgent"),
        (calls_url(tenant), incident(tenant, summary="x" * 201), "/body/summary"),
        (calls_url(tenant), incident(tenant, service_ids=[]), "/body/service_ids"),
        (f"{calls_url(tenant)}/{call['id']}/verify", {"agreed": "true"}, "/body/agreed"),
        (
            f"{calls_url(tenant)}/{call['id']}/evaluate",
            {"executed_properly": 1, "recorded_for_reporting": True},
            "/body/executed_properly",
        ),
    ]
    for url, body, pointer in cases:
        refused = api.post(url, headers=tenant.as_role("workflow-coordinator"), json=body)
        problem = assert_problem(refused, 422, "validation-failed")
        assert [e["pointer"] for e in problem["errors"]] == [pointer], body
    assert api.post(calls_url(tenant), headers=tenant.as_role("operator"), json=incident(tenant))
    assert log_head(api, tenant) == head + 1  # only the valid submit stored anything


@pytest.mark.parametrize("gateway_config", [{"max_body_bytes": 1024}], indirect=True)
def test_a_body_over_the_limit_is_refused_announced_or_streamed(
    api: TestClient, seed_tenant: Seed
) -> None:
    tenant = seed_tenant()
    head = log_head(api, tenant)
    raw = json.dumps(incident(tenant, description="d" * 1200)).encode()
    headers = {**tenant.as_role("operator"), "Content-Type": "application/json"}

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(raw), 100):
            yield raw[start : start + 100]

    announced = api.post(calls_url(tenant), headers=headers, content=raw)
    streamed = api.build_request("POST", calls_url(tenant), headers=headers, content=chunks())
    assert "content-length" not in streamed.headers
    assert streamed.headers["transfer-encoding"] == "chunked"

    assert_problem(announced, 413, "request-too-large")
    assert_problem(api.send(streamed), 413, "request-too-large")
    assert log_head(api, tenant) == head


def test_a_task_the_domain_refuses_is_a_409_problem(api: TestClient, seed_tenant: Seed) -> None:
    tenant = seed_tenant()
    call = submit_incident(api, tenant)
    head = log_head(api, tenant)

    refused = api.post(
        f"{calls_url(tenant)}/{call['id']}/close",
        headers=tenant.as_role("workflow-coordinator"),
        json={},
    )

    problem = assert_problem(refused, 409)
    assert problem["instance"] == f"{calls_url(tenant)}/{call['id']}/close"
    assert log_head(api, tenant) == head


# Reading one's own writes


def test_a_read_waits_for_the_version_or_position_a_write_answered(
    api: TestClient, seed_tenant: Seed
) -> None:
    tenant = seed_tenant()
    operator = tenant.as_role("operator")
    call = submit_incident(api, tenant)
    url = f"{calls_url(tenant)}/{call['id']}"
    accepted = api.post(f"{url}/accept", headers=operator, json={}).json()

    read = api.get(url, params={"min_version": accepted["version"]}, headers=operator)
    listed = api.get(
        calls_url(tenant), params={"min_position": accepted["position"]}, headers=operator
    )

    assert read.status_code == 200, read.text
    assert read.json()["state"]["version"] == accepted["version"]
    assert read.headers["ETag"] == f'"{accepted["version"]}"'
    assert listed.status_code == 200, listed.text
    [row] = [c for c in listed.json()["items"] if c["call_id"] == call["id"]]
    assert row["status"] == "accepted"


@pytest.mark.parametrize("gateway_config", [{"freshness_wait_seconds": 0.2}], indirect=True)
def test_a_read_ahead_of_the_read_model_is_202_and_an_unknown_record_404(
    api: TestClient, seed_tenant: Seed
) -> None:
    tenant = seed_tenant()
    operator = tenant.as_role("operator")
    call = submit_incident(api, tenant)

    ahead = api.get(
        f"{calls_url(tenant)}/{call['id']}", params={"min_version": 99}, headers=operator
    )
    list_ahead = api.get(calls_url(tenant), params={"min_position": 10**9}, headers=operator)
    unknown = api.get(
        f"{calls_url(tenant)}/0b7c3a52-4a43-4f0e-9a3e-0d5f2e0c1a11",
        params={"min_version": 1},
        headers=operator,
    )

    for pending in (ahead, list_ahead):
        assert pending.status_code == 202, pending.text
        assert int(pending.headers["Retry-After"]) >= 1
        assert pending.json()["status"] == "pending"
    assert_problem(unknown, 404, "not-found")
