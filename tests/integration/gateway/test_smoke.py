"""The gateway answers a whole incident intake through HTTP, on both backends."""

from fastapi.testclient import TestClient

from tests.integration.gateway.conftest import SeededTenant, submit_incident


def test_an_incident_is_submitted_accepted_and_read_back(api: TestClient, seed_tenant) -> None:
    tenant: SeededTenant = seed_tenant()
    submitted = submit_incident(api, tenant)
    accepted = api.post(
        f"/t/{tenant.slug}/calls/{submitted['id']}/accept",
        headers={**tenant.as_role("operator"), "If-Match": f'"{submitted["version"]}"'},
        json={},
    )
    assert accepted.status_code == 200, accepted.text
    version = accepted.json()["version"]
    read = api.get(
        f"/t/{tenant.slug}/calls/{submitted['id']}",
        params={"min_version": version},
        headers=tenant.as_role("requester"),
    )
    assert read.status_code == 200, read.text
    assert read.headers["ETag"] == f'"{version}"'
    assert read.json()["state"]["status"] == "accepted"
    assert read.json()["requester"] == "requester"
