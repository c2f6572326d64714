"""Checks shared by the call read-model tests: facts to compare, table dumps, dead letters."""

from collections import defaultdict
from uuid import UUID

from domain.calls import Call
from projections.envelope import EventEnvelope
from projections.read_models.call_lifecycle.state import CallState
from projections.read_models.call_queue.queries import QueuedCall
from projections.storage import ReadStore
from tenants.runtime import TenantStores
from tenants.service_desk import ServiceDesk


def call_events(stores: TenantStores[ServiceDesk], tenant: str) -> dict[UUID, list[EventEnvelope]]:
    """Each call's stored events, in log order."""
    recorder = stores.runtime.app(tenant).recorder
    by_call: dict[UUID, list[EventEnvelope]] = defaultdict(list)
    for notification in recorder.select_notifications(1, 100_000):
        envelope = EventEnvelope.of(tenant, notification)
        if envelope.topic.startswith("domain.calls."):
            by_call[envelope.originator_id].append(envelope)
    return dict(by_call)


def call_facts(call: Call) -> tuple[object, ...]:
    """What the call read models must say about a call, as the aggregate says it."""
    return (
        str(call.id),
        call.tracking_number,
        call.status.value,
        call.step,
        call.priority,
        call.category,
        call.workflow.value if call.workflow else None,
        tuple(str(service) for service in call.service_ids),
        str(call.parent_id) if call.parent_id else None,
        str(call.root_id),
        call.version,
        len(call.working_children()),
    )


def row_facts(row: CallState | QueuedCall) -> tuple[object, ...]:
    """The same facts from a read model's row."""
    return (
        row.call_id,
        row.tracking_number,
        row.status,
        row.step,
        row.priority,
        row.category,
        row.workflow,
        row.service_ids,
        row.parent_id,
        row.root_id,
        row.version,
        row.working_children,
    )


def dump(store: ReadStore, tables: tuple[str, ...]) -> dict[str, list[tuple[object, ...]]]:
    """Every row of these tables, in a fixed order (all columns, left to right)."""
    dumped: dict[str, list[tuple[object, ...]]] = {}
    with store.transaction() as tx:
        for table in tables:
            rows = tx.fetchall(f"SELECT * FROM {table}")
            dumped[table] = sorted(rows, key=lambda row: [str(value) for value in row])
    return dumped


def dead_letters(store: ReadStore) -> list[tuple[object, ...]]:
    with store.transaction() as tx:
        parked: list[tuple[object, ...]] = tx.fetchall(
            "SELECT source, position, error FROM projection_dead_letters"
        )
    return parked
