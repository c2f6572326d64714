"""A route class for the write endpoints: FastAPI's checks, without its general dependency solver.

On every request FastAPI's handler runs a general solver over the route's dependencies
(caching, scopes, security scopes, exit stacks, background tasks, telemetry hooks) and
re-inspects each parameter's type. In-process, with the command itself stubbed out, a call
task cost 160 µs of CPU through FastAPI's handler and 123 µs through this one; under the
HTTP benchmark (``benchmarks/http_api.py``) the gateway's CPU per command fell from 1.4 to
about 1.2 ms.

:class:`LeanRoute` runs the same steps for a route of a simple shape, in FastAPI's order and
with FastAPI's own functions for each check, so answers and validation errors are the same:

1. read the body as FastAPI does (JSON only for a JSON content type; malformed JSON is a
   ``json_invalid`` error before anything else);
2. each dependency: validate its path parameters; if they are valid, call it with them
   (and the request and a response, if it asks); it may refuse the request;
3. validate the endpoint's path parameters and body; all errors together are one 422;
4. call the endpoint, which must answer with a ``Response`` of its own.

The shape: a POST route; dependencies that are coroutines taking only path parameters, the
request and the response, with no dependencies of their own; no query, header or cookie
parameters (the write headers are read by :mod:`gateway.api.writes`); at most one body
parameter. A route of any other shape gets FastAPI's handler. Exception handlers and the
OpenAPI document stay FastAPI's; path matching too, after a check that turns a path away
without a regular expression when it cannot match (``matches``: about 10 % of a stubbed
request's CPU).
"""

import email.message
import inspect
import json
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

from fastapi import Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import request_body_to_args, request_params_to_args
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic_core import PydanticUndefined
from starlette.exceptions import HTTPException
from starlette.routing import Match
from starlette.types import Scope

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


@dataclass(frozen=True)
class _Dependency:
    name: str
    call: Callable[..., Coroutine[Any, Any, Any]]
    dependant: Dependant


@dataclass(frozen=True)
class _Plan:
    dependant: Dependant
    endpoint: Callable[..., Coroutine[Any, Any, Any]]
    dependencies: tuple[_Dependency, ...]
    embed_body_fields: bool


class LeanRoute(APIRoute):
    """An ``APIRoute`` answering through :func:`_lean_handler` when its shape allows."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        # Requests are matched against the routes one by one, and most of the routes on a
        # path ask a regular expression in vain. A path that does not end in this route's
        # last literal part (``/accept`` in ``/t/{tenant}/calls/{call_id}/accept``) cannot
        # match it, so it is turned away without asking.
        if not scope["path"].endswith(self._literal_tail):
            return Match.NONE, {}
        return super().matches(scope)

    @cached_property
    def _literal_tail(self) -> str:
        return self.path.rpartition("}")[2]

    def get_route_handler(self) -> Handler:
        plan = _plan_of(self.dependant, getattr(self, "_embed_body_fields", False))
        if plan is None or self.methods != {"POST"}:
            return super().get_route_handler()
        return _lean_handler(plan)


def _plan_of(dependant: Dependant, embed_body_fields: bool) -> _Plan | None:
    """The route's plan, or None when it is not of the simple shape."""
    if not _is_simple(dependant) or len(dependant.body_params) > 1 or dependant.call is None:
        return None
    dependencies = []
    for dependency in dependant.dependencies:
        if dependency.dependencies or dependency.body_params or not _is_simple(dependency):
            return None
        if dependency.name is None or dependency.call is None:
            return None
        dependencies.append(_Dependency(dependency.name, dependency.call, dependency))
    return _Plan(dependant, dependant.call, tuple(dependencies), embed_body_fields)


def _is_simple(dependant: Dependant) -> bool:
    return (
        dependant.call is not None
        and inspect.iscoroutinefunction(dependant.call)
        and not dependant.query_params
        and not dependant.header_params
        and not dependant.cookie_params
        and dependant.background_tasks_param_name is None
        and dependant.security_scopes_param_name is None
        and dependant.websocket_param_name is None
        and dependant.http_connection_param_name is None
    )


def _lean_handler(plan: _Plan) -> Handler:
    dependant, endpoint = plan.dependant, plan.endpoint

    async def handle(request: Request) -> Response:
        body = await _json_body(request) if dependant.body_params else PydanticUndefined
        values: dict[str, Any] = {}
        errors: list[Any] = []
        response = _blank_response()  # one per request, shared, as FastAPI does
        for dependency in plan.dependencies:
            needs = dependency.dependant
            arguments, refused = request_params_to_args(needs.path_params, request.path_params)
            if refused:
                errors.extend(refused)
                continue
            _add_request(needs, arguments, request, response)
            values[dependency.name] = await dependency.call(**arguments)
        path_values, path_errors = request_params_to_args(
            dependant.path_params, request.path_params
        )
        values.update(path_values)
        errors.extend(path_errors)
        if dependant.body_params:
            body_values, body_errors = await request_body_to_args(
                dependant.body_params, body, plan.embed_body_fields
            )
            values.update(body_values)
            errors.extend(body_errors)
        if errors:
            raise RequestValidationError(errors, body=None if body is PydanticUndefined else body)
        _add_request(dependant, values, request, response)
        answer = await endpoint(**values)
        if not isinstance(answer, Response):
            raise TypeError(f"{endpoint.__name__} must answer with a Response of its own")
        return answer

    return handle


def _add_request(
    dependant: Dependant, arguments: dict[str, Any], request: Request, response: Response
) -> None:
    if dependant.request_param_name is not None:
        arguments[dependant.request_param_name] = request
    if dependant.response_param_name is not None:
        arguments[dependant.response_param_name] = response


def _blank_response() -> Response:
    # What FastAPI hands a dependency that asks for the response: headers only.
    response = Response()
    del response.headers["content-length"]
    response.status_code = None  # type: ignore[assignment]
    return response


async def _json_body(request: Request) -> Any:
    """The body as FastAPI reads it: parsed only when its content type is JSON."""
    try:
        raw = await request.body()
    except HTTPException:
        raise
    except Exception as error:
        raise HTTPException(400, "There was an error parsing the body") from error
    if not raw:
        return PydanticUndefined
    if not _is_json(request.headers.get("content-type")):
        return raw
    try:
        return json.loads(raw)
    except json.JSONDecodeError as error:
        raise RequestValidationError(
            [
                {
                    "type": "json_invalid",
                    "loc": ("body", error.pos),
                    "msg": "JSON decode error",
                    "input": {},
                    "ctx": {"error": error.msg},
                }
            ],
            body=error.doc,
        ) from None
    except UnicodeDecodeError as error:
        raise HTTPException(400, "There was an error parsing the body") from error


@lru_cache(maxsize=64)
def _is_json(content_type: str | None) -> bool:
    if not content_type:
        return False
    message = email.message.Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json")
    )
