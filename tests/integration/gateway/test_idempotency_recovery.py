"""Idempotent writes whose first request stored its events and lost its answer: a retry after
the pending timeout gets that request's answer, and nothing is stored twice, on both backends.
A first request that died before storing anything is run afresh by the retry."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from domain.patterns import CallType
from gateway import create_app
from gateway.api.settings import GatewaySettings
from gateway.demo.driver import Desk, plan_operate, submit
from tests.integration.gateway.conftest import SeededTenant, TokenFactory, bearer
from tests.integration.gateway.test_writes import Seed, calls_url, incident, log_head

KEY = {"Idempotency-Key": "retry-me-4711"}
PENDING_TIMEOUT = timedelta(seconds=60)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def past_the_pending_timeout(self) -> None:
        self.now += PENDING_TIMEOUT + timedelta(seconds=1)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def api(gateway_config: GatewaySettings, clock: Clock) -> Iterator[TestClient]:
    with TestClient(create_app(gateway_config, clock), raise_server_exceptions=False) as client:
        yield client


def _runtime(api: TestClient) -> Any:
    return api.app.state.runtime  # type: ignore[attr-defined]


def lose_the_next_answer(api: TestClient) -> None:
    """The database fails right after the events were stored, before the answer is kept."""
    store = _runtime(api).idempotency
    keep = store.complete

    def fail_once(*args: Any) -> bool:
        store.complete = keep
        raise ConnectionError("the database went away")

    store.complete = fail_once


def die_before_storing(api: TestClient, slug: str) -> None:
    """The next request's process dies before the command stores anything: the key stays
    reserved, neither completed nor released."""
    runtime = _runtime(api)
    app, store = runtime.stores.runtime.app(slug), runtime.idempotency
    execute, release = app.execute, store.release

    def crash(*args: Any, **kwargs: Any) -> Any:
        app.execute = execute
        raise RuntimeError("killed")

    def never_released(reservation: Any) -> bool:
        store.release = release
        return True

    app.execute, store.release = crash, never_released


def incidents_titled(api: TestClient, slug: str, summary: str) -> int:
    app = _runtime(api).stores.runtime.app(slug)
    return sum(1 for call in app.calls() if call.summary == summary)


def request_being_executed(api: TestClient, tenant: SeededTenant) -> UUID:
    """A service request at the Operate step where any number of monitoring events may be
    logged: a task whose rerun the domain would not refuse."""
    app = _runtime(api).stores.runtime.app(tenant.slug)
    desk = Desk(app, datetime(2026, 12, 3, 8, 0, tzinfo=UTC))
    service = [UUID(tenant.service_id)]
    request = submit(
        desk, CallType.SERVICE_REQUEST, "New laptop", "key-user", tenant.customer, service
    )
    plan_operate(desk, request, "hardware", "hand it over")
    return request


def test_a_retried_submit_whose_answer_was_lost_gets_that_answer(
    api: TestClient, seed_tenant: Seed, clock: Clock
) -> None:
    tenant = seed_tenant()
    headers = {**tenant.as_role("operator"), **KEY}
    body = incident(tenant, summary="Site link down")
    lose_the_next_answer(api)

    lost = api.post(calls_url(tenant), headers=headers, json=body)
    head = log_head(api, tenant)
    early = api.post(calls_url(tenant), headers=headers, json=body)
    clock.past_the_pending_timeout()
    retried = api.post(calls_url(tenant), headers=headers, json=body)
    again = api.post(calls_url(tenant), headers=headers, json=body)

    assert lost.status_code == 500
    assert early.status_code == 409
    assert retried.status_code == 201, retried.text
    assert retried.headers["Idempotent-Replayed"] == "true"
    stored = _runtime(api).stores.runtime.app(tenant.slug).call(UUID(retried.json()["id"]))
    assert stored.summary == "Site link down"
    assert retried.json()["position"] == head
    assert retried.headers["Location"].endswith(retried.json()["id"])
    assert (again.status_code, again.content) == (201, retried.content)
    assert log_head(api, tenant) == head
    assert incidents_titled(api, tenant.slug, "Site link down") == 1


@dataclass(frozen=True)
class LostTask:
    """A monitoring event logged with a key whose answer was lost; the call's version now."""

    url: str
    headers: dict[str, str]
    body: dict[str, str]
    request: UUID
    version: int


def log_and_lose_the_answer(api: TestClient, tenant: SeededTenant, observation: str) -> LostTask:
    request = request_being_executed(api, tenant)
    url = f"{calls_url(tenant)}/{request}/monitoring-events"
    headers = {**tenant.as_role("operator"), **KEY}
    body = {"observation": observation, "signal": "information"}
    lose_the_next_answer(api)
    lost = api.post(url, headers=headers, json=body)
    assert lost.status_code == 500
    version = _runtime(api).stores.runtime.app(tenant.slug).call(request).version
    return LostTask(url, headers, body, request, version)


def test_a_retried_task_whose_answer_was_lost_is_not_done_twice(
    api: TestClient, seed_tenant: Seed, clock: Clock
) -> None:
    tenant = seed_tenant()
    lost = log_and_lose_the_answer(api, tenant, "disk at 91 %")
    clock.past_the_pending_timeout()

    retried = api.post(lost.url, headers=lost.headers, json=lost.body)

    assert retried.status_code == 200, retried.text
    assert retried.json()["version"] == lost.version
    assert retried.headers["ETag"] == f'"{lost.version}"'
    assert _runtime(api).stores.runtime.app(tenant.slug).call(lost.request).version == lost.version


def test_a_retried_accept_whose_answer_was_lost_gets_that_answer_not_a_refusal(
    api: TestClient, seed_tenant: Seed, clock: Clock
) -> None:
    tenant = seed_tenant()
    call_id = api.post(calls_url(tenant), headers=tenant.as_role("operator"), json=incident(tenant))
    url = f"{calls_url(tenant)}/{call_id.json()['id']}/accept"
    headers = {**tenant.as_role("operator"), **KEY}
    lose_the_next_answer(api)

    lost = api.post(url, headers=headers, json={})
    head = log_head(api, tenant)
    clock.past_the_pending_timeout()
    retried = api.post(url, headers=headers, json={})

    assert lost.status_code == 500
    # Run again, the accept would be refused: the call is no longer waiting for intake.
    assert retried.status_code == 200, retried.text
    assert retried.json()["position"] == head
    assert log_head(api, tenant) == head


def test_a_retry_that_races_the_first_request_to_the_store_gets_its_answer(
    api: TestClient, seed_tenant: Seed, clock: Clock
) -> None:
    tenant = seed_tenant()
    lost = log_and_lose_the_answer(api, tenant, "fan noise")
    # The retry looks before the first request has committed, then runs into its commit.
    app = _runtime(api).stores.runtime.app(tenant.slug)
    receipt, looks = app.receipt, []

    def first_look_too_early(command_id: UUID) -> Any:
        looks.append(command_id)
        return None if len(looks) == 1 else receipt(command_id)

    app.receipt = first_look_too_early
    clock.past_the_pending_timeout()

    retried = api.post(lost.url, headers=lost.headers, json=lost.body)

    assert retried.status_code == 200, retried.text
    assert retried.headers["Idempotent-Replayed"] == "true"
    assert retried.json()["version"] == lost.version
    assert app.call(lost.request).version == lost.version
    assert len(looks) == 2  # before running, and after colliding with the stored command


def test_a_retry_after_a_request_that_died_before_storing_runs_the_command(
    api: TestClient, seed_tenant: Seed, clock: Clock
) -> None:
    tenant = seed_tenant()
    headers = {**tenant.as_role("operator"), **KEY}
    body = incident(tenant, summary="Badge reader offline")
    die_before_storing(api, tenant.slug)

    died = api.post(calls_url(tenant), headers=headers, json=body)
    early = api.post(calls_url(tenant), headers=headers, json=body)
    clock.past_the_pending_timeout()
    retried = api.post(calls_url(tenant), headers=headers, json=body)

    assert died.status_code == 500
    assert early.status_code == 409  # still reserved by the request that died
    assert retried.status_code == 201, retried.text
    assert "Idempotent-Replayed" not in retried.headers
    assert incidents_titled(api, tenant.slug, "Badge reader offline") == 1


def test_a_retried_tenant_creation_whose_answer_was_lost_gets_that_answer(
    api: TestClient, token: TokenFactory, fresh_slug: Any, clock: Clock
) -> None:
    slug = fresh_slug("lost")
    # The platform's keys are not per tenant, so this one must be new in a reused database.
    key = {"Idempotency-Key": f"create-{slug}"}
    admin = {**bearer(token("ops-lead", {}, platform=["platform-admin"])), **key}
    body = {"slug": slug, "name": "Health North", "kind": "health region"}
    lose_the_next_answer(api)

    lost = api.post("/tenants", json=body, headers=admin)
    clock.past_the_pending_timeout()
    retried = api.post("/tenants", json=body, headers=admin)

    assert lost.status_code == 500
    assert retried.status_code == 201, retried.text
    assert retried.json()["slug"] == body["slug"]
    assert retried.headers["Location"] == f"/t/{body['slug']}/organization"


def test_a_key_reused_for_another_request_after_it_expired_runs_that_request(
    api: TestClient, seed_tenant: Seed, clock: Clock
) -> None:
    tenant = seed_tenant()
    headers = {**tenant.as_role("operator"), **KEY}
    first = api.post(calls_url(tenant), headers=headers, json=incident(tenant, summary="Fax"))
    clock.now += timedelta(hours=24, seconds=1)

    second = api.post(calls_url(tenant), headers=headers, json=incident(tenant, summary="Scanner"))

    assert (first.status_code, second.status_code) == (201, 201), second.text
    assert "Idempotent-Replayed" not in second.headers
    assert second.json()["id"] != first.json()["id"]
    assert incidents_titled(api, tenant.slug, "Scanner") == 1


def test_without_a_key_two_identical_submits_are_two_incidents(
    api: TestClient, seed_tenant: Seed
) -> None:
    tenant = seed_tenant()
    body = incident(tenant, summary="Printer jam")

    first = api.post(calls_url(tenant), headers=tenant.as_role("operator"), json=body)
    second = api.post(calls_url(tenant), headers=tenant.as_role("operator"), json=body)

    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["id"] != second.json()["id"]
    assert incidents_titled(api, tenant.slug, "Printer jam") == 2
