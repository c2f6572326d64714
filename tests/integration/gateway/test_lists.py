"""The call queue through HTTP: keyset pages, RFC 8288 Link headers, filters, and refusals,
on both backends, with a page size small enough to need several pages."""

import re
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from fastapi.testclient import TestClient

from gateway.api.settings import GatewaySettings
from tenants.settings import StorageSettings
from tests.integration.gateway.conftest import SeededTenant, gateway_settings, submit_incident

PAGE = 5
Seed = Callable[[], SeededTenant]
_NEXT = re.compile(r'^<([^>]+)>; rel="next"$')


@pytest.fixture
def gateway_config(settings: StorageSettings) -> GatewaySettings:
    return gateway_settings(settings, max_page_size=PAGE, default_page_size=PAGE)


def queue(tenant: SeededTenant) -> str:
    return f"/t/{tenant.slug}/calls"


def next_link(response: Any) -> str | None:
    header = response.headers.get("Link")
    if header is None:
        return None
    match = _NEXT.match(header)
    assert match is not None, header
    return match.group(1)


def listed(api: TestClient, tenant: SeededTenant, **params: Any) -> list[dict[str, Any]]:
    """Every call the queue lists with these filters, one page after the other."""
    response = api.get(queue(tenant), params=params, headers=tenant.as_role("auditor"))
    items: list[dict[str, Any]] = []
    while True:
        assert response.status_code == 200, response.text
        items += response.json()["items"]
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return items
        response = api.get(
            queue(tenant), params={**params, "after": cursor}, headers=tenant.as_role("auditor")
        )


def test_the_queue_pages_with_next_links_until_the_last_page(
    api: TestClient, seed_tenant: Seed
) -> None:
    tenant = seed_tenant()
    submitted = [submit_incident(api, tenant, summary=f"Outage {n}") for n in range(12)]
    auditor = tenant.as_role("auditor")

    pages = [
        api.get(queue(tenant), params={"min_position": submitted[-1]["position"]}, headers=auditor)
    ]
    while (link := next_link(pages[-1])) is not None:
        assert link.startswith(queue(tenant) + "?")
        pages.append(api.get(link, headers=auditor))

    assert all(page.status_code == 200 for page in pages)
    assert [len(page.json()["items"]) for page in pages] == [5, 5, 2]
    assert [page.json()["next_cursor"] is None for page in pages] == [False, False, True]
    walked = [item["call_id"] for page in pages for item in page.json()["items"]]
    assert walked == [call["id"] for call in submitted]  # submission order, no gaps or repeats
    by_cursor = listed(api, tenant, limit=4)
    assert [item["call_id"] for item in by_cursor] == walked


def test_page_sizes_and_cursors_the_queue_did_not_hand_out_are_refused(
    api: TestClient, seed_tenant: Seed
) -> None:
    tenant = seed_tenant()
    auditor = tenant.as_role("auditor")
    submit_incident(api, tenant)
    last = submit_incident(api, tenant)
    # Both calls must be in the queue before a page of one can have a next cursor.
    first = api.get(
        queue(tenant), params={"limit": 1, "min_position": last["position"]}, headers=auditor
    )
    cursor = first.json()["next_cursor"]
    assert cursor is not None

    too_large = api.get(queue(tenant), params={"limit": PAGE + 1}, headers=auditor)
    garbage = api.get(queue(tenant), params={"after": "not-a-cursor"}, headers=auditor)
    other_order = api.get(
        queue(tenant), params={"after": cursor, "order": "updated_at"}, headers=auditor
    )
    naive = api.get(queue(tenant), params={"updated_since": "2026-01-01T00:00:00"}, headers=auditor)

    assert too_large.status_code == 422
    assert too_large.headers["content-type"] == "application/problem+json"
    assert too_large.json()["errors"][0]["pointer"] == "/query/limit"
    for refused in (garbage, other_order):
        assert refused.status_code == 422
        assert refused.json()["code"] == "invalid-cursor"
    assert naive.status_code == 422
    assert (
        api.get(queue(tenant), params={"limit": 0}, headers=auditor).json()["errors"][0]["pointer"]
        == "/query/limit"
    )


def test_the_queue_filters_combine_and_ended_calls_need_include_closed(
    api: TestClient, seed_tenant: Seed
) -> None:
    tenant = seed_tenant()
    coordinator = tenant.as_role("workflow-coordinator")
    waiting = submit_incident(api, tenant, summary="Printer jams")
    change = api.post(
        queue(tenant),
        headers=tenant.as_role("operator"),
        json={
            "call_type": "rfc",
            "summary": "Add a mailbox",
            "customer": tenant.customer,
            "service_ids": [tenant.service_id],
        },
    ).json()
    aborted = submit_incident(api, tenant, summary="Duplicate report")
    urgent = submit_incident(api, tenant, summary="Mail is down")
    assert (
        api.post(
            f"{queue(tenant)}/{aborted['id']}/abort",
            headers=coordinator,
            json={"reason": "duplicate"},
        ).status_code
        == 200
    )
    assert (
        api.post(f"{queue(tenant)}/{urgent['id']}/accept", headers=coordinator, json={}).status_code
        == 200
    )
    classified = api.post(
        f"{queue(tenant)}/{urgent['id']}/classify",
        headers=coordinator,
        json={"category": "application", "impact": "high", "urgency": "high"},
    ).json()
    caught_up = listed(api, tenant, min_position=classified["position"])
    [urgent_row] = [row for row in caught_up if row["call_id"] == urgent["id"]]
    since = datetime.fromisoformat(urgent_row["updated_at"]).astimezone(
        timezone(timedelta(hours=-5))
    )

    def ids(**params: Any) -> set[str]:
        return {row["call_id"] for row in listed(api, tenant, **params)}

    open_calls = {waiting["id"], change["id"], urgent["id"]}
    assert ids() == open_calls
    assert ids(status="submitted") == {waiting["id"], change["id"]}
    assert ids(process="change") == {change["id"]}
    assert ids(process="recover", status="submitted") == {waiting["id"]}
    assert ids(priority="P1") == {urgent["id"]}
    assert ids(team=urgent_row["team"]) >= {urgent["id"]}
    assert ids(team="no-such-team") == set()
    assert ids(service_id=tenant.service_id) == open_calls
    assert ids(service_id="0b7c3a52-4a43-4f0e-9a3e-0d5f2e0c1a11") == set()
    assert ids(updated_since=since.isoformat()) == {urgent["id"]}
    assert ids(updated_since=(since + timedelta(microseconds=1)).isoformat()) == set()
    with_ended = ids(include_closed=True)
    assert aborted["id"] in with_ended
    assert with_ended > open_calls
    assert ids(include_closed=True, process="recover", status="aborted") == {aborted["id"]}


@pytest.mark.parametrize("resource", ["agreements", "mir", "services"])
def test_the_catalog_lists_page_by_code_through_their_links(
    api: TestClient, seed_tenant: Seed, resource: str
) -> None:
    tenant = seed_tenant()
    auditor = tenant.as_role("auditor")
    position = submit_incident(api, tenant)["position"]  # everything seeded is before it
    whole = api.get(
        f"/t/{tenant.slug}/{resource}", params={"min_position": position}, headers=auditor
    )
    assert whole.status_code == 200, whole.text
    codes = [row["code"] for row in whole.json()["items"]]
    assert len(codes) >= 2, f"the seeded tenant should have several {resource}"

    walked: list[str] = []
    url: str | None = f"/t/{tenant.slug}/{resource}?limit=1"
    while url is not None:
        page = api.get(url, headers=auditor)
        assert page.status_code == 200, page.text
        assert len(page.json()["items"]) == 1
        walked += [row["code"] for row in page.json()["items"]]
        url = next_link(page)
    assert walked == sorted(codes) == codes


def test_agreements_filter_by_customer_service_and_status(
    api: TestClient, seed_tenant: Seed
) -> None:
    tenant = seed_tenant()
    auditor = tenant.as_role("auditor")
    position = submit_incident(api, tenant)["position"]
    base = f"/t/{tenant.slug}/agreements"

    def codes(**params: Any) -> list[str]:
        response = api.get(base, params={"min_position": position, **params}, headers=auditor)
        assert response.status_code == 200, response.text
        return [row["code"] for row in response.json()["items"]]

    everything = codes()
    with_customer = codes(customer=tenant.customer)
    for_service = codes(service_id=tenant.service_id)
    in_force = codes(status="in force")
    assert with_customer and set(with_customer) < set(everything)
    assert set(for_service) <= set(everything) and for_service
    assert set(in_force) == set(everything)  # W1 put its whole offer in force
    assert codes(customer="nobody") == []
