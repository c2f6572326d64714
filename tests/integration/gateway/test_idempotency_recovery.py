"""An idempotent submit whose answer was lost after its events were stored: the retry after
the pending timeout does not create the incident a second time, and says why."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from gateway import create_app
from gateway.api.settings import GatewaySettings
from tests.integration.gateway.conftest import assert_problem
from tests.integration.gateway.test_writes import Seed, calls_url, incident, log_head

KEY = {"Idempotency-Key": "submit-site-link-down"}


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def api(gateway_config: GatewaySettings, clock: Clock) -> Iterator[TestClient]:
    with TestClient(create_app(gateway_config, clock), raise_server_exceptions=False) as client:
        yield client


def lose_the_next_answer(api: TestClient) -> None:
    """The database fails right after the events were stored, before the answer is kept."""
    store = api.app.state.runtime.idempotency  # type: ignore[attr-defined]
    keep = store.complete

    def fail_once(*args: Any) -> bool:
        store.complete = keep
        raise ConnectionError("the database went away")

    store.complete = fail_once


def incidents_titled(api: TestClient, slug: str, summary: str) -> int:
    app = api.app.state.runtime.stores.runtime.app(slug)  # type: ignore[attr-defined]
    return sum(1 for call in app.calls() if call.summary == summary)


def test_a_retry_of_a_submit_whose_answer_was_lost_stores_no_second_incident(
    api: TestClient, seed_tenant: Seed, clock: Clock
) -> None:
    tenant = seed_tenant()
    headers = {**tenant.as_role("operator"), **KEY}
    body = incident(tenant, summary="Site link down")
    lose_the_next_answer(api)

    lost = api.post(calls_url(tenant), headers=headers, json=body)
    head = log_head(api, tenant)
    early = api.post(calls_url(tenant), headers=headers, json=body)
    clock.now += timedelta(seconds=61)  # past the pending timeout: the key is taken over
    retried = api.post(calls_url(tenant), headers=headers, json=body)

    assert lost.status_code == 500
    assert_problem(early, 409, "idempotent-request-in-progress")
    assert_problem(retried, 409, "idempotent-request-may-have-run")
    assert log_head(api, tenant) == head
    assert incidents_titled(api, tenant.slug, "Site link down") == 1


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
