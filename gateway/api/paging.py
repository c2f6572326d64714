"""Keyset pages: the size a client may ask for, opaque cursors, RFC 8288 ``Link`` headers."""

import base64
import binascii
from collections.abc import Callable
from typing import Annotated, Generic, TypeVar
from urllib.parse import urlencode

from fastapi import Query, Request, Response
from pydantic import BaseModel

from gateway.api.access import TenantAccess
from gateway.api.problems import Problem

T = TypeVar("T")

Limit = Annotated[
    int | None,
    Query(
        ge=1,
        le=500,
        description="page size; default FUNDAMENT_DEFAULT_PAGE_SIZE (25), at most "
        "FUNDAMENT_MAX_PAGE_SIZE (100): a larger limit is refused, never cut silently",
    ),
]
After = Annotated[
    str | None, Query(max_length=400, description="the next_cursor of the previous page")
]


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None


def page_size(access: TenantAccess, limit: int | None) -> int:
    settings = access.runtime.settings
    size = limit or settings.default_page_size
    if size > settings.max_page_size:
        raise Problem(
            422,
            "page-too-large",
            f"limit may be at most {settings.max_page_size}",
            errors=[{"pointer": "/query/limit", "detail": f"at most {settings.max_page_size}"}],
        )
    return size


def encode_cursor(key: str) -> str:
    return base64.urlsafe_b64encode(key.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> str | None:
    if cursor is None:
        return None
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise Problem(422, "invalid-cursor", "the after cursor is not one this API gave") from None


def link_next(request: Request, response: Response, cursor: str | None, size: int) -> None:
    """Point the ``next`` link at the following page, with the same filters."""
    if cursor is None:
        return
    query = {k: v for k, v in request.query_params.items() if k not in ("after", "limit")}
    query |= {"after": cursor, "limit": str(size)}
    response.headers["Link"] = f'<{request.url.path}?{urlencode(query)}>; rel="next"'


def keyset_page(
    request: Request, response: Response, rows: list[T], size: int, key_of: Callable[[T], str]
) -> Page[T]:
    """A page from ``size + 1`` fetched rows: the extra one only says there is more."""
    more = len(rows) > size
    items = rows[:size]
    cursor = encode_cursor(key_of(items[-1])) if more else None
    link_next(request, response, cursor, size)
    return Page[T](items=items, next_cursor=cursor)
