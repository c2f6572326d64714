"""LeanRoute answers exactly as FastAPI's own handler does, for good requests and bad ones.

The same endpoint is mounted twice, once per route class; every request below goes to
both, and the answers (status, content type, body) must be identical.
"""

import json
from typing import Annotated, Any
from uuid import UUID

import pytest
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Path, Query, Request, Response
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from pydantic import BaseModel, ConfigDict, Field

from gateway.api.lean_route import LeanRoute, _plan_of

Slug = Annotated[str, Path(min_length=1, max_length=12, pattern=r"^[a-z]+$")]
ITEM = "0b6bdbd6-1c8e-4f3a-9a53-3c0d8f1c2a11"


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=20)
    count: int = 1


async def access(request: Request, response: Response, tenant: Slug) -> str:
    if request.headers.get("x-refuse"):
        raise HTTPException(404, f"no tenant {tenant}")
    response.headers["X-Seen"] = "yes"  # ignored: the endpoint answers with its own response
    return tenant


Access = Annotated[str, Depends(access)]


async def write(tenant: Access, item_id: UUID, body: Body, request: Request) -> Response:
    seen = {"item": str(item_id), "body": body.model_dump(), "method": request.method}
    return Response(json.dumps(seen), 201, {"X-Tenant": tenant})


async def write_without_body(tenant: Access, item_id: UUID) -> Response:
    return Response(f"{tenant}/{item_id}", 200)


def app_with(route_class: type[APIRoute]) -> FastAPI:
    router = APIRouter(prefix="/t/{tenant}/items/{item_id}", route_class=route_class)
    router.add_api_route("/write", write, methods=["POST"])
    router.add_api_route("/touch", write_without_body, methods=["POST"])
    return FastAPI(routes=router.routes)


LEAN = TestClient(app_with(LeanRoute))
PLAIN = TestClient(app_with(APIRoute))

REQUESTS: list[tuple[str, dict[str, Any]]] = [
    ("valid", {"json": {"title": "printer", "count": 2}}),
    ("defaults", {"json": {"title": "printer"}}),
    ("extra field", {"json": {"title": "printer", "colour": "red"}}),
    ("wrong types", {"json": {"title": 5, "count": "many"}}),
    ("too long", {"json": {"title": "x" * 21}}),
    ("a list", {"json": [1, 2]}),
    ("null", {"content": b"null", "headers": {"content-type": "application/json"}}),
    ("no body", {}),
    ("not JSON", {"content": b"{title:", "headers": {"content-type": "application/json"}}),
    (
        "not UTF-8",
        {"content": b'{"title": "\xff"}', "headers": {"content-type": "application/json"}},
    ),
    ("plain text", {"content": b'{"title": "a"}', "headers": {"content-type": "text/plain"}}),
    ("no content type", {"content": b'{"title": "a"}'}),
    (
        "a +json type",
        {"content": b'{"title": "a"}', "headers": {"content-type": "application/merge-patch+json"}},
    ),
    (
        "charset",
        {
            "content": b'{"title": "a"}',
            "headers": {"content-type": "application/json; charset=utf-8"},
        },
    ),
    ("refused with a bad body", {"json": {"title": 5}, "headers": {"x-refuse": "1"}}),
    (
        "refused with no JSON",  # malformed JSON is answered before any dependency runs
        {"content": b"{", "headers": {"content-type": "application/json", "x-refuse": "1"}},
    ),
]
PATHS = [
    f"/t/acme/items/{ITEM}/write",
    "/t/acme/items/not-a-uuid/write",
    f"/t/Bad_Slug/items/{ITEM}/write",
    "/t/Bad_Slug/items/not-a-uuid/write",
]


def answer(client: TestClient, path: str, request: dict[str, Any]) -> tuple[int, str, Any]:
    reply = client.post(path, **request)
    return reply.status_code, reply.headers.get("content-type", ""), reply.text


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(("case", "request_"), REQUESTS, ids=[case for case, _ in REQUESTS])
def test_every_answer_is_the_one_fastapi_gives(
    path: str, case: str, request_: dict[str, Any]
) -> None:
    assert answer(LEAN, path, request_) == answer(PLAIN, path, request_), case


def test_the_answers_are_not_all_alike() -> None:
    # The comparison above means something only if the cases reach different outcomes.
    statuses = {answer(LEAN, PATHS[0], r)[0] for _, r in REQUESTS}
    assert statuses == {201, 400, 404, 422}


def test_the_endpoint_sees_validated_values_and_its_own_response_goes_out() -> None:
    reply = LEAN.post(PATHS[0], json={"title": "printer"})
    assert reply.status_code == 201
    assert reply.json() == {
        "item": ITEM,
        "body": {"title": "printer", "count": 1},
        "method": "POST",
    }
    assert reply.headers["X-Tenant"] == "acme"
    assert "X-Seen" not in reply.headers


def test_a_route_without_a_body_is_served_too() -> None:
    path = f"/t/acme/items/{ITEM}/touch"
    assert LEAN.post(path).text == f"acme/{ITEM}"
    assert answer(LEAN, path, {"json": {"x": 1}}) == answer(PLAIN, path, {"json": {"x": 1}})


def test_other_shapes_keep_fastapis_handler() -> None:
    async def with_query(tenant: Access, limit: Annotated[int, Query()] = 5) -> Response:
        return Response(str(limit))

    def blocking(tenant: Access) -> Response:
        return Response(tenant)

    for endpoint in (with_query, blocking):
        route = LeanRoute("/t/{tenant}/x", endpoint, methods=["POST"])
        assert _plan_of(route.dependant, False) is None


def test_a_lean_endpoint_must_answer_with_a_response() -> None:
    async def returns_a_model(tenant: Access) -> dict[str, str]:
        return {"tenant": tenant}

    router = APIRouter(route_class=LeanRoute)
    router.add_api_route("/t/{tenant}/model", returns_a_model, methods=["POST"])
    client = TestClient(FastAPI(routes=router.routes))
    with pytest.raises(TypeError, match="must answer with a Response"):
        client.post("/t/acme/model")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", f"/t/acme/items/{ITEM}/write/"),  # redirected to the route without the slash
        ("POST", f"/t/acme/items/{ITEM}/rewrite"),
        ("POST", f"/t/acme/items/{ITEM}"),
        ("POST", "/t/acme/write"),
        ("GET", f"/t/acme/items/{ITEM}/write"),  # the path matches, the method does not: 405
    ],
)
def test_paths_are_matched_as_fastapi_matches_them(method: str, path: str) -> None:
    lean = LEAN.request(method, path, json={"title": "a"}, follow_redirects=False)
    plain = PLAIN.request(method, path, json={"title": "a"}, follow_redirects=False)
    assert (lean.status_code, lean.headers.get("location"), lean.text) == (
        plain.status_code,
        plain.headers.get("location"),
        plain.text,
    )
    assert lean.status_code in (307, 404, 405)
