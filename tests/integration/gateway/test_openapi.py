"""The OpenAPI document: stable operation ids that match the permission table, documented
errors, and a schemathesis run against the ASGI app that finds no 5xx and no answer the
document does not describe."""

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import hypothesis
import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi import checks
from starlette.types import Receive, Scope, Send

from gateway import create_app
from gateway.api.permissions import PERMISSIONS
from gateway.api.runtime import utc_now
from gateway.api.tokens import issue_token, load_or_create_dev_key
from gateway.demo.deployment import TENANTS
from gateway.demo.scenario import agree_first_service, service_id
from gateway.demo.scenario import seed_tenant as seed_demo_tenant
from tenants.settings import StorageSettings
from tests.integration.gateway.conftest import ROLES, bearer, gateway_settings
from tests.integration.service_desk.conftest import START

OPERATION_IDS = [
    "abortCall",
    "acceptCall",
    "addTeam",
    "analyzeIncident",
    "assessRisk",
    "assignProfile",
    "classifyCall",
    "closeCall",
    "createTenant",
    "determineCause",
    "draftOffer",
    "evaluateCall",
    "executeActivities",
    "failNegotiation",
    "forkCall",
    "getAgreement",
    "getCall",
    "getCallTimeline",
    "getMic",
    "getMicHistory",
    "getOrganization",
    "getService",
    "getWorkflowTree",
    "linkCall",
    "listAgreements",
    "listCalls",
    "listMics",
    "listServices",
    "listTenants",
    "listWorkflowTemplates",
    "logMonitoringEvent",
    "planActivities",
    "planChange",
    "prepareChange",
    "prepareRecovery",
    "publishClassificationScheme",
    "putAgreementsInForce",
    "reachAgreement",
    "recordNegotiationRound",
    "registerService",
    "retireService",
    "selectMeasure",
    "setReportingConsent",
    "specifyService",
    "submitCall",
    "testAndRelease",
    "updateMir",
    "verifyWithRequester",
]


@pytest.fixture
def settings(sqlite_settings: StorageSettings) -> StorageSettings:
    """The document and the fuzzing do not depend on the backend: SQLite only."""
    return sqlite_settings


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield method.upper(), path, operation


@pytest.fixture
def document(api: TestClient) -> dict[str, Any]:
    response = api.get("/openapi.json")
    assert response.status_code == 200
    found: dict[str, Any] = response.json()
    return found


def test_every_operation_has_a_stable_unique_id_that_the_permission_table_names(
    document: dict[str, Any],
) -> None:
    ids = [operation["operationId"] for _, _, operation in operations(document)]
    assert len(ids) == len(set(ids)), "operation ids must be unique"
    assert sorted(ids) == OPERATION_IDS
    assert set(ids) == set(PERMISSIONS)


def test_every_operation_requires_the_bearer_scheme_the_document_declares(
    document: dict[str, Any],
) -> None:
    schemes = document["components"]["securitySchemes"]
    assert schemes == {
        "HTTPBearer": {
            "type": "http",
            "scheme": "bearer",
            "description": "A JWT from your identity provider",
        }
    }
    for method, path, operation in operations(document):
        assert operation["security"] == [{"HTTPBearer": []}], (method, path)


def test_every_post_documents_its_problem_answers(document: dict[str, Any]) -> None:
    for method, path, operation in operations(document):
        if method != "POST":
            continue
        refused = operation["responses"].get("422")
        assert refused is not None, f"POST {path} does not document 422"
        assert "application/problem+json" in refused["content"], f"POST {path}: 422 is a problem"


class _Forward:
    """The ASGI app schemathesis calls: it passes requests on to the app a fixture started.

    Refusing the lifespan scope (before reading from it) tells the caller the app has none,
    so the started app's own lifespan, stores and read-model feeder serve every request.
    """

    def __init__(self) -> None:
        self.app: FastAPI | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            raise RuntimeError("the fuzzed app's lifespan belongs to its fixture")
        assert self.app is not None, "fuzz_token has not started the app"
        await self.app(scope, receive, send)


FUZZED = replace(TENANTS[0], slug="fuzzed")
_forward = _Forward()
schema = schemathesis.openapi.from_dict(
    create_app(gateway_settings(StorageSettings(backend="sqlite"))).openapi()
)
schema.app = _forward
schema.config.phases.update(phases=["examples", "fuzzing"])
schema.config.update(
    parameters={
        "tenant": FUZZED.slug,
        "service_id": str(service_id(FUZZED.slug, FUZZED.services[0].code)),
    }
)


@pytest.fixture(scope="module")
def fuzz_token(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A started app with the tenant ``fuzzed`` seeded; a token with every role in it."""
    storage = StorageSettings(backend="sqlite", data_dir=tmp_path_factory.mktemp("fuzz"))
    config = gateway_settings(storage, freshness_wait_seconds=0.0)
    with TestClient(create_app(config), raise_server_exceptions=False) as client:
        runtime = client.app.state.runtime  # type: ignore[attr-defined]
        desk = seed_demo_tenant(runtime.stores, FUZZED, START)
        agree_first_service(desk, FUZZED)
        runtime.written(FUZZED.slug)
        _forward.app = client.app  # type: ignore[assignment]
        yield issue_token(
            load_or_create_dev_key(config.dev_key_file),
            issuer=config.jwt_issuer,
            audience=config.jwt_audience,
            subject="fuzzer",
            tenant_roles={FUZZED.slug: ROLES},
            platform_roles=["platform-admin"],
            now=utc_now(),
        )
        _forward.app = None


# No 5xx, and every answer as the document describes it. Left out on purpose: that valid
# input is accepted (a random call id is a 404, a task out of turn a 409) and that every
# invalid input is refused (unknown query parameters are ignored, as most APIs do).
CHECKS = [
    not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
]


@schema.parametrize()
@hypothesis.settings(
    max_examples=15, deadline=None, suppress_health_check=list(hypothesis.HealthCheck)
)
def test_the_api_answers_as_documented_and_never_fails(case: Any, fuzz_token: str) -> None:
    case.call_and_validate(headers=bearer(fuzz_token), checks=CHECKS)


def test_a_method_the_path_lacks_is_a_405_that_allows_every_method_it_has(
    api: TestClient, document: dict[str, Any]
) -> None:
    for path in ("/tenants", "/t/acme/calls"):
        refused = api.delete(path)
        assert refused.status_code == 405
        assert refused.headers["content-type"] == "application/problem+json"
        allowed = {m.strip() for m in refused.headers["Allow"].split(",")}
        assert allowed == {"GET", "POST"}, path


def test_a_body_that_is_not_json_text_is_a_documented_400(
    api: TestClient, document: dict[str, Any]
) -> None:
    refused = api.post(
        "/tenants", content=b"\xff\xfe{", headers={"Content-Type": "application/json"}
    )
    assert refused.status_code == 400
    assert refused.headers["content-type"] == "application/problem+json"
    assert "400" in document["paths"]["/tenants"]["post"]["responses"]
