"""Call detail: each call with everything it says, its timeline, and its forks.

Three tables per tenant: the call (the shared :class:`CallState` plus the intake data,
personal data included: this read model is the tenant's own), one timeline row per call
event, and one fork row per child (parent, fork step, process, outcome), from which the
queries build a workflow tree. See :mod:`projections.read_models.call_lifecycle.state`
for how status, step and team are derived.
"""

import json
from typing import Any, ClassVar

from domain.calls import Call, ChildOutcome
from domain.calls.call_intake import CallIntake, LinkKind
from projections.envelope import EventEnvelope
from projections.read_model import ReadModel
from projections.read_models.call_detail.timeline import describe, payload
from projections.read_models.call_lifecycle.rows import (
    STATE_COLUMNS_DDL,
    ServiceOwners,
    apply_service_event,
    insert_state,
    is_call_or_service_event,
    load_state,
    save_state,
)
from projections.read_models.call_lifecycle.state import (
    CallState,
    evolve,
    iso,
    submitted,
)
from projections.storage import Tx

CALLS = "rm_call_detail_calls"
TIMELINE = "rm_call_detail_timeline"
FORKS = "rm_call_detail_forks"
OWNERS = "rm_call_detail_service_owners"

_LINK_COLUMNS = {LinkKind.MIC.value: "mic_ids", LinkKind.CALL.value: "linked_call_ids"}


class CallDetailReadModel(ReadModel):
    name: ClassVar[str] = "call_detail"
    tables: ClassVar[tuple[str, ...]] = (CALLS, TIMELINE, FORKS, OWNERS)

    def __init__(self) -> None:
        self._owners = ServiceOwners(OWNERS)

    def ddl(self) -> list[str]:
        return [
            f"CREATE TABLE IF NOT EXISTS {CALLS} (tenant TEXT NOT NULL, {STATE_COLUMNS_DDL},"
            " summary TEXT NOT NULL, description TEXT NOT NULL, requester TEXT NOT NULL,"
            " customer TEXT NOT NULL, channel TEXT NOT NULL, mic_ids TEXT NOT NULL,"
            " linked_call_ids TEXT NOT NULL, depth INTEGER NOT NULL,"
            " pattern_version TEXT NOT NULL, impact TEXT, urgency TEXT, end_reason TEXT,"
            " closed_at TEXT, PRIMARY KEY (tenant, call_id))",
            f"CREATE UNIQUE INDEX IF NOT EXISTS {CALLS}_by_tracking_number"
            f" ON {CALLS} (tenant, tracking_number)",
            f"CREATE INDEX IF NOT EXISTS {CALLS}_by_root ON {CALLS} (tenant, root_id)",
            f"CREATE INDEX IF NOT EXISTS {CALLS}_by_team_service"
            f" ON {CALLS} (tenant, team_service_id)",
            f"CREATE TABLE IF NOT EXISTS {TIMELINE} ("
            " tenant TEXT NOT NULL, call_id TEXT NOT NULL, version INTEGER NOT NULL,"
            " notification_id BIGINT NOT NULL, event_type TEXT NOT NULL,"
            " occurred_at TEXT NOT NULL, actor TEXT NOT NULL, correlation_id TEXT NOT NULL,"
            " description TEXT NOT NULL, data TEXT NOT NULL,"
            " PRIMARY KEY (tenant, call_id, version))",
            f"CREATE TABLE IF NOT EXISTS {FORKS} ("
            " tenant TEXT NOT NULL, child_id TEXT NOT NULL, parent_id TEXT NOT NULL,"
            " child_tracking_number TEXT NOT NULL, process TEXT NOT NULL,"
            " fork_step TEXT NOT NULL, forked_at TEXT NOT NULL, outcome TEXT,"
            " closed INTEGER NOT NULL, aborted INTEGER NOT NULL,"
            " PRIMARY KEY (tenant, child_id))",
            f"CREATE INDEX IF NOT EXISTS {FORKS}_by_parent ON {FORKS} (tenant, parent_id)",
            self._owners.ddl(),
        ]

    def handles(self, envelope: EventEnvelope) -> bool:
        return is_call_or_service_event(envelope)

    def apply(self, tx: Tx, envelope: EventEnvelope, event: Any) -> None:
        tenant = envelope.tenant
        if apply_service_event(tx, self._owners, CALLS, tenant, event):
            return
        owner_of = self._owners.lookup(tx, tenant)
        version = envelope.originator_version
        if isinstance(event, CallIntake.Submitted):
            state = submitted(event, version, owner_of)
            insert_state(tx, CALLS, tenant, state, **_intake(event))
        else:
            before = load_state(tx, CALLS, tenant, str(envelope.originator_id))
            state = evolve(before, event, version, owner_of)
            save_state(tx, CALLS, tenant, state, **_changes(tx, tenant, state, event))
            _record_fork(tx, tenant, before, event)
        _append_to_timeline(tx, envelope, event)


def _intake(event: CallIntake.Submitted) -> dict[str, Any]:
    return {
        "summary": event.summary,
        "description": event.description,
        "requester": event.requester,
        "customer": event.customer,
        "channel": event.channel,
        "mic_ids": json.dumps([str(m) for m in event.mic_ids]),
        "linked_call_ids": json.dumps([]),
        "depth": event.depth,
        "pattern_version": event.pattern_version,
    }


def _changes(tx: Tx, tenant: str, state: CallState, event: Any) -> dict[str, Any]:
    """The intake columns an event changes (the state columns are written anyway)."""
    if isinstance(event, CallIntake.Classified):
        return {"impact": event.impact, "urgency": event.urgency}
    if isinstance(event, CallIntake.Rejected | CallIntake.Aborted):
        return {"end_reason": event.reason}
    if isinstance(event, Call.Closed):
        return {"closed_at": iso(event.meta.occurred_at)}
    if isinstance(event, CallIntake.Linked) and event.kind in _LINK_COLUMNS:
        column = _LINK_COLUMNS[event.kind]
        [(linked,)] = tx.fetchall(
            f"SELECT {column} FROM {CALLS} WHERE tenant = %s AND call_id = %s",
            (tenant, state.call_id),
        )
        return {column: json.dumps([*json.loads(linked), str(event.target_id)])}
    return {}


def _record_fork(tx: Tx, tenant: str, parent: CallState, event: Any) -> None:
    """Keep the parent → child links: opened at the parent's fork step, then the outcome."""
    if isinstance(event, Call.ForkOpened):
        tx.execute(
            f"INSERT INTO {FORKS} (tenant, child_id, parent_id, child_tracking_number, process,"
            " fork_step, forked_at, closed, aborted) VALUES (%s, %s, %s, %s, %s, %s, %s, 0, 0)",
            (
                tenant,
                str(event.child_id),
                parent.call_id,
                event.child_tracking_number,
                event.target,
                parent.step,
                iso(event.meta.occurred_at),
            ),
        )
        return
    assignments = _fork_change(event)
    if assignments:
        tx.execute(
            f"UPDATE {FORKS} SET {assignments[0]} WHERE tenant = %s AND child_id = %s",
            (*assignments[1], tenant, str(event.child_id)),
        )


def _fork_change(event: Any) -> tuple[str, tuple[Any, ...]] | None:
    if isinstance(event, Call.ChildFulfilled):
        return "outcome = %s", (ChildOutcome.FULFILLED.value,)
    if isinstance(event, Call.ChildUnfulfilled):
        done = int(event.outcome == ChildOutcome.ABORTED.value)
        return "outcome = %s, closed = %s, aborted = %s", (event.outcome, done, done)
    if isinstance(event, Call.ChildClosed):
        return "closed = 1", ()
    if isinstance(event, Call.ChildAborted):
        return "closed = 1, aborted = 1", ()
    return None


def _append_to_timeline(tx: Tx, envelope: EventEnvelope, event: Any) -> None:
    def child_name(child_id: Any) -> str:
        rows = tx.fetchall(
            f"SELECT child_tracking_number FROM {FORKS} WHERE tenant = %s AND child_id = %s",
            (envelope.tenant, str(child_id)),
        )
        return str(rows[0][0]) if rows else str(child_id)

    tx.execute(
        f"INSERT INTO {TIMELINE} (tenant, call_id, version, notification_id, event_type,"
        " occurred_at, actor, correlation_id, description, data)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (
            envelope.tenant,
            str(envelope.originator_id),
            envelope.originator_version,
            envelope.notification_id,
            envelope.event_type,
            iso(event.meta.occurred_at),
            event.meta.actor,
            str(event.meta.correlation_id),
            describe(event, child_name),
            payload(event),
        ),
    )
