"""Storing a :class:`CallState` in a read model's call table, and the service owners the
team rule needs. Each call read model has its own tables (so each rebuilds alone); these
helpers take the table names."""

import json
from dataclasses import fields
from typing import Any

from domain.catalog import Service
from domain.patterns import Status
from projections.envelope import EventEnvelope
from projections.read_models.call_lifecycle.state import CALL_TOPIC_PREFIX, CallState, OwnerOf, iso
from projections.storage import Row, Tx

STATE_COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(CallState))

STATE_COLUMNS_DDL = (
    "call_id TEXT NOT NULL, tracking_number TEXT NOT NULL, call_type TEXT NOT NULL,"
    " process TEXT NOT NULL, status TEXT NOT NULL, step TEXT NOT NULL, priority TEXT,"
    " category TEXT, workflow TEXT, team TEXT, team_service_id TEXT, service_ids TEXT NOT NULL,"
    " parent_id TEXT, root_id TEXT NOT NULL, submitted_at TEXT NOT NULL,"
    " updated_at TEXT NOT NULL, version INTEGER NOT NULL, working_children INTEGER NOT NULL,"
    " fork_fulfilled INTEGER NOT NULL"
)

_TERMINAL = tuple(status.value for status in Status if status.is_terminal)


def state_values(state: CallState) -> tuple[Any, ...]:
    """The state as column values, in STATE_COLUMNS order."""
    # Not dataclasses.astuple: it deep-copies every value, a fifth of a rebuild's time.
    values = [getattr(state, column) for column in STATE_COLUMNS]
    values[STATE_COLUMNS.index("service_ids")] = json.dumps(list(state.service_ids))
    values[STATE_COLUMNS.index("fork_fulfilled")] = int(state.fork_fulfilled)
    return tuple(values)


def state_from_row(row: Row) -> CallState:
    """A CallState from a row selected as STATE_COLUMNS."""
    values = dict(zip(STATE_COLUMNS, row, strict=True))
    values["service_ids"] = tuple(json.loads(values["service_ids"]))
    values["fork_fulfilled"] = bool(values["fork_fulfilled"])
    values["version"] = int(values["version"])
    values["working_children"] = int(values["working_children"])
    return CallState(**values)


def load_state(tx: Tx, table: str, tenant: str, call_id: str) -> CallState:
    """The stored state of a call; LookupError if it was never submitted."""
    rows = tx.fetchall(
        f"SELECT {', '.join(STATE_COLUMNS)} FROM {table} WHERE tenant = %s AND call_id = %s",
        (tenant, call_id),
    )
    if not rows:
        raise LookupError(f"call {call_id} was never submitted")
    return state_from_row(rows[0])


def insert_state(tx: Tx, table: str, tenant: str, state: CallState, **extra: Any) -> None:
    """Insert a new call row: the state columns and the ``extra`` columns named."""
    columns = ("tenant", *STATE_COLUMNS, *extra)
    tx.execute(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})",
        (tenant, *state_values(state), *extra.values()),
    )


def save_state(tx: Tx, table: str, tenant: str, state: CallState, **extra: Any) -> None:
    """Write the state columns of an existing row (and the ``extra`` columns named)."""
    settable = (*STATE_COLUMNS[1:], *extra)
    assignments = ", ".join(f"{column} = %s" for column in settable)
    tx.execute(
        f"UPDATE {table} SET {assignments} WHERE tenant = %s AND call_id = %s",
        (*state_values(state)[1:], *extra.values(), tenant, state.call_id),
    )


class ServiceOwners:
    """Each service's owner team, kept from the catalog events in one table."""

    def __init__(self, table: str) -> None:
        self.table = table

    def ddl(self) -> str:
        return (
            f"CREATE TABLE IF NOT EXISTS {self.table} ("
            " tenant TEXT NOT NULL, service_id TEXT NOT NULL, owner_team TEXT NOT NULL,"
            " PRIMARY KEY (tenant, service_id))"
        )

    def record(self, tx: Tx, tenant: str, event: Service.Registered | Service.Revised) -> None:
        tx.execute(
            f"INSERT INTO {self.table} (tenant, service_id, owner_team) VALUES (%s, %s, %s)"
            " ON CONFLICT (tenant, service_id) DO UPDATE SET owner_team = excluded.owner_team",
            (tenant, str(event.originator_id), event.owner_team),
        )

    def lookup(self, tx: Tx, tenant: str) -> OwnerOf:
        def owner_of(service_id: str) -> str | None:
            rows = tx.fetchall(
                f"SELECT owner_team FROM {self.table} WHERE tenant = %s AND service_id = %s",
                (tenant, service_id),
            )
            return str(rows[0][0]) if rows else None

        return owner_of


def follow_owner(tx: Tx, table: str, tenant: str, event: Service.Revised) -> None:
    """Open calls whose team is a service's owner follow a change of that owner."""
    at = iso(event.meta.occurred_at)
    placeholders = ", ".join(["%s"] * len(_TERMINAL))
    tx.execute(
        f"UPDATE {table} SET team = %s,"
        " updated_at = CASE WHEN updated_at < %s THEN %s ELSE updated_at END"
        " WHERE tenant = %s AND team_service_id = %s"
        f" AND (team IS NULL OR team <> %s) AND status NOT IN ({placeholders})",
        (event.owner_team, at, at, tenant, str(event.originator_id), event.owner_team, *_TERMINAL),
    )


_SERVICE_EVENTS = ("Service.Registered", "Service.Revised")


def is_call_or_service_event(envelope: EventEnvelope) -> bool:
    """What a call read model reads: every call event, and the services' owner changes."""
    return envelope.topic.startswith(CALL_TOPIC_PREFIX) or envelope.event_type in _SERVICE_EVENTS


def apply_service_event(
    tx: Tx, owners: ServiceOwners, calls_table: str, tenant: str, event: Any
) -> bool:
    """Record a service's owner (open calls follow a new one); False if not a service event."""
    if not isinstance(event, Service.Registered | Service.Revised):
        return False
    owners.record(tx, tenant, event)
    if isinstance(event, Service.Revised):
        follow_owner(tx, calls_table, tenant, event)
    return True
