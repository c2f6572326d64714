"""Reads of the call queue: filtered pages with keyset cursors, and counts for an overview.

Pages are ordered by ``(submitted_at, call_id)`` (stable: a call never moves between
pages) or by ``(updated_at, call_id)`` (a change feed with ``updated_since``), oldest
first or newest first. A cursor is opaque to callers; it names the order and direction it
belongs to and the last row's key.
"""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from projections.read_models.call_lifecycle.rows import STATE_COLUMNS, state_from_row
from projections.read_models.call_lifecycle.state import iso
from projections.read_models.call_queue.model import CALLS, INTAKE_COLUMNS, SERVICES
from projections.storage import ReadStore

MAX_PAGE_SIZE = 500


class QueueOrder(StrEnum):
    SUBMITTED = "submitted_at"
    UPDATED = "updated_at"


class InvalidCursorError(ValueError):
    """A cursor this query did not hand out (or one of another order)."""


@dataclass(frozen=True)
class QueuedCall:
    call_id: str
    tracking_number: str
    call_type: str
    process: str
    status: str
    step: str
    priority: str | None
    category: str | None
    workflow: str | None
    team: str | None
    service_ids: tuple[str, ...]
    parent_id: str | None
    root_id: str
    submitted_at: str
    updated_at: str
    version: int
    working_children: int
    is_open: bool
    requester: str  # '' on a row kept before the queue had requesters, until a rebuild
    customer: str


@dataclass(frozen=True)
class Page:
    calls: list[QueuedCall]
    next_cursor: str | None  # None: this is the last page


@dataclass(frozen=True)
class QueueCount:
    process: str
    status: str
    calls: int


def open_calls(
    store: ReadStore,
    tenant: str,
    *,
    process: str | None = None,
    status: str | None = None,
    priority: str | None = None,
    team: str | None = None,
    requester: str | None = None,
    customer: str | None = None,
    service_id: str | None = None,
    updated_since: datetime | None = None,
    after: str | None = None,
    limit: int = 50,
    order: QueueOrder = QueueOrder.SUBMITTED,
    newest_first: bool = False,
    include_closed: bool = False,
) -> Page:
    """One page of the tenant's open calls (all calls with ``include_closed``).

    Filters combine with AND; ``updated_since`` is inclusive; ``after`` is the
    ``next_cursor`` of the previous page. Exactly ``limit`` calls unless it is the last page.
    Ended calls (closed, aborted, rejected) are found only with ``include_closed``.
    A ``requester``'s open calls by submission, either direction, are one index range in
    order; with ``include_closed`` their range is sorted (one requester's calls are few).
    ``customer`` has no index of its own: it narrows the pages like ``process`` does.
    """
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise ValueError(f"limit must be between 1 and {MAX_PAGE_SIZE}, got {limit}")
    where, params = ["q.tenant = %s"], [tenant]
    if not include_closed:
        where.append("q.is_open = 1")
    for column, value in (
        ("process", process),
        ("status", status),
        ("priority", priority),
        ("team", team),
        ("requester", requester),
        ("customer", customer),
    ):
        if value is not None:
            where.append(f"q.{column} = %s")
            params.append(value)
    if service_id is not None:
        where.append(
            f"EXISTS (SELECT 1 FROM {SERVICES} s WHERE s.tenant = q.tenant"
            " AND s.call_id = q.call_id AND s.service_id = %s)"
        )
        params.append(service_id)
    if updated_since is not None:
        where.append("q.updated_at >= %s")
        params.append(iso(updated_since))
    beyond, direction = ("<", " DESC") if newest_first else (">", "")
    if after is not None:
        key, call_id = _decode(after, order, newest_first)
        # A row-value comparison is an index range on both engines; the equivalent
        # "a > x OR (a = x AND b > y)" is a filter that reads every row before the page.
        where.append(f"(q.{order.value}, q.call_id) {beyond} (%s, %s)")
        params.extend((key, call_id))
    with store.transaction() as tx:
        rows = tx.fetchall(
            f"SELECT {_COLUMNS} FROM {CALLS} q WHERE {' AND '.join(where)}"
            f" ORDER BY q.{order.value}{direction}, q.call_id{direction} LIMIT %s",
            (*params, limit + 1),
        )
    calls = [_queued(row) for row in rows[:limit]]
    more = len(rows) > limit
    return Page(calls, _encode(order, newest_first, calls[-1]) if more else None)


def queue_counts(store: ReadStore, tenant: str) -> list[QueueCount]:
    """How many open calls each process has in each status (for a desk overview)."""
    with store.transaction() as tx:
        rows = tx.fetchall(
            f"SELECT process, status, COUNT(*) FROM {CALLS} WHERE tenant = %s AND is_open = 1"
            " GROUP BY process, status ORDER BY process, status",
            (tenant,),
        )
    return [QueueCount(str(process), str(status), int(n)) for process, status, n in rows]


_COLUMNS = ", ".join(f"q.{column}" for column in (*STATE_COLUMNS, "is_open", *INTAKE_COLUMNS))


def _queued(row: tuple[Any, ...]) -> QueuedCall:
    state = state_from_row(row[: len(STATE_COLUMNS)])
    is_open, requester, customer = row[len(STATE_COLUMNS) :]
    return QueuedCall(
        call_id=state.call_id,
        tracking_number=state.tracking_number,
        call_type=state.call_type,
        process=state.process,
        status=state.status,
        step=state.step,
        priority=state.priority,
        category=state.category,
        workflow=state.workflow,
        team=state.team,
        service_ids=state.service_ids,
        parent_id=state.parent_id,
        root_id=state.root_id,
        submitted_at=state.submitted_at,
        updated_at=state.updated_at,
        version=state.version,
        working_children=state.working_children,
        is_open=bool(is_open),
        requester=str(requester),
        customer=str(customer),
    )


def _sort_name(order: QueueOrder, newest_first: bool) -> str:
    return f"-{order.value}" if newest_first else order.value


def _encode(order: QueueOrder, newest_first: bool, last: QueuedCall) -> str:
    key = last.submitted_at if order is QueueOrder.SUBMITTED else last.updated_at
    raw = json.dumps([_sort_name(order, newest_first), key, last.call_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str, order: QueueOrder, newest_first: bool) -> tuple[str, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        cursor_order, key, call_id = json.loads(raw)
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError) as error:
        raise InvalidCursorError(f"not a queue cursor: {cursor!r}") from error
    if (
        cursor_order != _sort_name(order, newest_first)
        or not isinstance(key, str)
        or not isinstance(call_id, str)
    ):
        raise InvalidCursorError(f"the cursor belongs to another order or query: {cursor!r}")
    return key, call_id
