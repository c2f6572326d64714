"""The MIR: one row per managed infrastructure component, its relations, and one history row
per event naming the Change call that caused it.

An attribute's old value is not in the event; it is the value the component row held just
before, which is the same on a rebuild because events arrive in log order.
"""

import json
from collections.abc import Sequence
from typing import Any, ClassVar

from domain.mir import ManagedInfrastructureComponent as Mic
from projections.envelope import EventEnvelope
from projections.read_model import ReadModel
from projections.storage import Tx

_EVENTS = tuple(
    f"ManagedInfrastructureComponent.{name}"
    for name in ("Registered", "AttributesChanged", "Related", "Retired")
)

REGISTERED, ATTRIBUTES_CHANGED, RELATED, RETIRED = (
    "registered",
    "attributes changed",
    "related",
    "retired",
)


class MirReadModel(ReadModel):
    name: ClassVar[str] = "mir"
    tables: ClassVar[tuple[str, ...]] = ("rm_mir_components", "rm_mir_relations", "rm_mir_changes")

    def ddl(self) -> list[str]:
        return [
            "CREATE TABLE IF NOT EXISTS rm_mir_components ("
            " tenant TEXT NOT NULL, mic_id TEXT NOT NULL, code TEXT NOT NULL,"
            " mic_class TEXT NOT NULL, name TEXT NOT NULL, owner TEXT NOT NULL,"
            " attributes TEXT NOT NULL, retired INTEGER NOT NULL, retirement_reason TEXT,"
            " registered_by_call TEXT NOT NULL, registered_at TEXT NOT NULL,"
            " updated_at TEXT NOT NULL, version INTEGER NOT NULL,"
            " PRIMARY KEY (tenant, mic_id))",
            "CREATE TABLE IF NOT EXISTS rm_mir_relations ("
            " tenant TEXT NOT NULL, mic_id TEXT NOT NULL, relation TEXT NOT NULL,"
            " target_id TEXT NOT NULL, change_call_id TEXT NOT NULL, related_at TEXT NOT NULL,"
            " PRIMARY KEY (tenant, mic_id, relation, target_id))",
            "CREATE TABLE IF NOT EXISTS rm_mir_changes ("
            " tenant TEXT NOT NULL, mic_id TEXT NOT NULL, version INTEGER NOT NULL,"
            " notification_id BIGINT NOT NULL, code TEXT NOT NULL, kind TEXT NOT NULL,"
            " details TEXT NOT NULL, change_call_id TEXT NOT NULL, actor TEXT NOT NULL,"
            " occurred_at TEXT NOT NULL, PRIMARY KEY (tenant, mic_id, version))",
            "CREATE INDEX IF NOT EXISTS rm_mir_changes_by_call"
            " ON rm_mir_changes (tenant, change_call_id)",
            # The MIR lists page by code.
            "CREATE INDEX IF NOT EXISTS rm_mir_components_by_code"
            " ON rm_mir_components (tenant, code)",
        ]

    def handles(self, envelope: EventEnvelope) -> bool:
        return envelope.event_type in _EVENTS

    def apply(self, tx: Tx, envelope: EventEnvelope, event: Any) -> None:
        if isinstance(event, Mic.Registered):
            _registered(tx, envelope, event)
            added = {name: {"old": None, "new": value} for name, value in event.attributes.items()}
            _history(tx, envelope, event, REGISTERED, {"attributes": added})
        elif isinstance(event, Mic.AttributesChanged):
            changed = _attributes_changed(tx, envelope, event)
            _history(tx, envelope, event, ATTRIBUTES_CHANGED, {"attributes": changed})
        elif isinstance(event, Mic.Related):
            _related(tx, envelope, event)
            relation = {"relation": event.relation, "target_id": str(event.target_id)}
            _history(tx, envelope, event, RELATED, relation)
        elif isinstance(event, Mic.Retired):
            _touch(tx, envelope, event, ", retired = 1, retirement_reason = %s", (event.reason,))
            _history(tx, envelope, event, RETIRED, {"reason": event.reason})


def _registered(tx: Tx, envelope: EventEnvelope, event: Any) -> None:
    at = event.meta.occurred_at.isoformat()
    tx.execute(
        "INSERT INTO rm_mir_components (tenant, mic_id, code, mic_class, name, owner,"
        " attributes, retired, registered_by_call, registered_at, updated_at, version)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, 0, %s, %s, %s, %s)",
        (
            *_key(envelope),
            event.code,
            event.mic_class,
            event.name,
            event.owner,
            _json(event.attributes),
            str(event.change_call_id),
            at,
            at,
            envelope.originator_version,
        ),
    )


def _attributes_changed(
    tx: Tx, envelope: EventEnvelope, event: Any
) -> dict[str, dict[str, str | None]]:
    """Apply the changes to the row; returns each attribute's old and new value."""
    attributes: dict[str, str] = json.loads(_column(tx, envelope, "attributes"))
    changed = {}
    for name, value in event.changes.items():
        changed[name] = {"old": attributes.get(name), "new": value}
        if value is None:
            attributes.pop(name, None)
        else:
            attributes[name] = value
    _touch(tx, envelope, event, ", attributes = %s", (_json(attributes),))
    return changed


def _related(tx: Tx, envelope: EventEnvelope, event: Any) -> None:
    tx.execute(
        "INSERT INTO rm_mir_relations (tenant, mic_id, relation, target_id, change_call_id,"
        " related_at) VALUES (%s, %s, %s, %s, %s, %s)",
        (
            *_key(envelope),
            event.relation,
            str(event.target_id),
            str(event.change_call_id),
            event.meta.occurred_at.isoformat(),
        ),
    )
    _touch(tx, envelope, event)


def _touch(
    tx: Tx, envelope: EventEnvelope, event: Any, assignments: str = "", values: Sequence[Any] = ()
) -> None:
    """Move the component row to this event's version and time (and set ``assignments``)."""
    tx.execute(
        f"UPDATE rm_mir_components SET updated_at = %s, version = %s{assignments}"
        " WHERE tenant = %s AND mic_id = %s",
        (
            event.meta.occurred_at.isoformat(),
            envelope.originator_version,
            *values,
            *_key(envelope),
        ),
    )


def _history(
    tx: Tx, envelope: EventEnvelope, event: Any, kind: str, details: dict[str, Any]
) -> None:
    tx.execute(
        "INSERT INTO rm_mir_changes (tenant, mic_id, version, notification_id, code, kind,"
        " details, change_call_id, actor, occurred_at)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (
            *_key(envelope),
            envelope.originator_version,
            envelope.notification_id,
            _column(tx, envelope, "code"),
            kind,
            _json(details),
            str(event.change_call_id),
            event.meta.actor,
            event.meta.occurred_at.isoformat(),
        ),
    )


def _column(tx: Tx, envelope: EventEnvelope, column: str) -> str:
    rows = tx.fetchall(
        f"SELECT {column} FROM rm_mir_components WHERE tenant = %s AND mic_id = %s",
        _key(envelope),
    )
    if not rows:
        raise LookupError(f"MIC {envelope.originator_id} changed before it was registered")
    return str(rows[0][0])


def _key(envelope: EventEnvelope) -> tuple[str, str]:
    return envelope.tenant, str(envelope.originator_id)


def _json(value: dict[str, Any]) -> str:
    return json.dumps(value, sort_keys=True)
