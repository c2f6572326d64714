"""Reads of call detail: one call, its timeline, and the workflow tree it belongs to."""

import json
from dataclasses import dataclass, field
from typing import Any

from projections.read_models.call_detail.model import CALLS, FORKS, TIMELINE
from projections.read_models.call_lifecycle.rows import STATE_COLUMNS, state_from_row
from projections.read_models.call_lifecycle.state import CallState
from projections.storage import ReadStore

_INTAKE_COLUMNS = (
    "summary",
    "description",
    "requester",
    "customer",
    "channel",
    "mic_ids",
    "linked_call_ids",
    "depth",
    "pattern_version",
    "impact",
    "urgency",
    "end_reason",
    "closed_at",
)
_CALL_COLUMNS = ", ".join((*STATE_COLUMNS, *_INTAKE_COLUMNS))


@dataclass(frozen=True)
class CallDetail:
    state: CallState  # status, step, priority, team, workflow, parent/root, times, version
    summary: str
    description: str
    requester: str
    customer: str
    channel: str
    mic_ids: tuple[str, ...]
    linked_call_ids: tuple[str, ...]
    depth: int
    pattern_version: str
    impact: str | None
    urgency: str | None
    end_reason: str | None  # why it was rejected or aborted
    closed_at: str | None


@dataclass(frozen=True)
class TimelineEntry:
    version: int
    notification_id: int
    event_type: str
    occurred_at: str
    actor: str
    correlation_id: str
    description: str
    data: dict[str, Any]


@dataclass(frozen=True)
class TreeNode:
    """A call in a workflow tree; the root has no fork step and no outcome."""

    call_id: str
    tracking_number: str
    call_type: str
    process: str
    status: str
    step: str
    workflow: str | None
    fork_step: str | None = None  # the parent's step it was forked at
    outcome: str | None = None  # what it delivered to its parent, once reached
    done: bool = False  # closed or aborted, as its parent knows it
    children: tuple["TreeNode", ...] = field(default=())


def call(store: ReadStore, tenant: str, call_id: str) -> CallDetail | None:
    return _one(store, "tenant = %s AND call_id = %s", (tenant, call_id))


def by_tracking_number(store: ReadStore, tenant: str, tracking_number: str) -> CallDetail | None:
    return _one(store, "tenant = %s AND tracking_number = %s", (tenant, tracking_number))


def timeline(store: ReadStore, tenant: str, call_id: str) -> list[TimelineEntry]:
    """Everything that happened to the call, oldest first."""
    with store.transaction() as tx:
        rows = tx.fetchall(
            "SELECT version, notification_id, event_type, occurred_at, actor, correlation_id,"
            f" description, data FROM {TIMELINE} WHERE tenant = %s AND call_id = %s"
            " ORDER BY version",
            (tenant, call_id),
        )
    return [
        TimelineEntry(int(v), int(n), str(t), str(at), str(a), str(c), str(d), json.loads(data))
        for v, n, t, at, a, c, d, data in rows
    ]


def workflow_tree(store: ReadStore, tenant: str, root_id: str) -> TreeNode | None:
    """The tree of forked calls under ``root_id`` (any call of the tree finds its root)."""
    with store.transaction() as tx:
        found = tx.fetchall(
            f"SELECT root_id FROM {CALLS} WHERE tenant = %s AND call_id = %s", (tenant, root_id)
        )
        if not found:
            return None
        root = str(found[0][0])
        calls = tx.fetchall(
            f"SELECT {', '.join(STATE_COLUMNS)} FROM {CALLS} WHERE tenant = %s AND root_id = %s",
            (tenant, root),
        )
        forks = tx.fetchall(
            f"SELECT f.child_id, f.parent_id, f.fork_step, f.outcome, f.closed FROM {FORKS} f"
            f" JOIN {CALLS} c ON c.tenant = f.tenant AND c.call_id = f.child_id"
            " WHERE f.tenant = %s AND c.root_id = %s ORDER BY f.forked_at, f.child_id",
            (tenant, root),
        )
    states = {state.call_id: state for state in map(state_from_row, calls)}
    return _node(root, states, forks, None)


def _node(
    call_id: str,
    states: dict[str, CallState],
    forks: list[tuple[Any, ...]],
    fork: tuple[Any, ...] | None,
) -> TreeNode:
    state = states[call_id]
    children = tuple(
        _node(str(child[0]), states, forks, child)
        for child in forks
        if str(child[1]) == call_id and str(child[0]) in states
    )
    return TreeNode(
        call_id=state.call_id,
        tracking_number=state.tracking_number,
        call_type=state.call_type,
        process=state.process,
        status=state.status,
        step=state.step,
        workflow=state.workflow,
        fork_step=str(fork[2]) if fork else None,
        outcome=str(fork[3]) if fork and fork[3] is not None else None,
        done=bool(fork[4]) if fork else False,
        children=children,
    )


def _one(store: ReadStore, where: str, params: tuple[str, ...]) -> CallDetail | None:
    with store.transaction() as tx:
        rows = tx.fetchall(f"SELECT {_CALL_COLUMNS} FROM {CALLS} WHERE {where}", params)
    if not rows:
        return None
    state_part, intake = rows[0][: len(STATE_COLUMNS)], rows[0][len(STATE_COLUMNS) :]
    values = dict(zip(_INTAKE_COLUMNS, intake, strict=True))
    values["mic_ids"] = tuple(json.loads(values["mic_ids"]))
    values["linked_call_ids"] = tuple(json.loads(values["linked_call_ids"]))
    values["depth"] = int(values["depth"])
    return CallDetail(state=state_from_row(state_part), **values)
