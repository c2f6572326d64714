"""The call queue: every call of a tenant with what a desk filters and sorts it by.

One row per call. Open calls make the queue; closed, aborted and rejected calls stay
with ``is_open = 0`` so a late event still finds its row and a desk can look back, but
the desk's indexes start with ``(tenant, is_open)`` so they cost the open queue nothing.
A requester's index puts ``is_open`` right after the requester instead: their open calls
are still one range in order, and all their calls (open or not, which a requester does
ask for) one range to sort, never a scan of the tenant. Service links live in their own
table for "filter by service". See :mod:`projections.read_models.call_lifecycle.state`
for how the team is derived.

Requester and customer come from the call's ``Submitted`` event and never change.
"""

from collections.abc import Sequence
from typing import Any, ClassVar

from domain.calls.call_intake import CallIntake
from domain.catalog import Service
from projections.envelope import EventEnvelope
from projections.read_model import ReadModel
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
    submitted,
)
from projections.read_models.call_queue.batch import BatchFold
from projections.storage import ReadStore, Tx, column_names

CALLS = "rm_call_queue_calls"
SERVICES = "rm_call_queue_services"
OWNERS = "rm_call_queue_service_owners"

INTAKE_COLUMNS = ("requester", "customer")


def intake_values(event: CallIntake.Submitted) -> tuple[str, str]:
    """The INTAKE_COLUMNS of a call, from its submission."""
    return event.requester, event.customer


class CallQueueReadModel(ReadModel):
    name: ClassVar[str] = "call_queue"
    tables: ClassVar[tuple[str, ...]] = (CALLS, SERVICES, OWNERS)

    def __init__(self) -> None:
        self._owners = ServiceOwners(OWNERS)

    def ddl(self) -> list[str]:
        return [
            _CALLS_DDL,
            f"CREATE INDEX IF NOT EXISTS {CALLS}_by_submitted"
            f" ON {CALLS} (tenant, is_open, submitted_at, call_id)",
            f"CREATE INDEX IF NOT EXISTS {CALLS}_by_updated"
            f" ON {CALLS} (tenant, is_open, updated_at, call_id)",
            f"CREATE INDEX IF NOT EXISTS {CALLS}_by_team"
            f" ON {CALLS} (tenant, is_open, team, submitted_at, call_id)",
            f"CREATE INDEX IF NOT EXISTS {CALLS}_by_team_service"
            f" ON {CALLS} (tenant, team_service_id)",
            f"CREATE INDEX IF NOT EXISTS {CALLS}_by_requester"
            f" ON {CALLS} (tenant, requester, is_open, submitted_at, call_id)",
            f"CREATE TABLE IF NOT EXISTS {SERVICES} ("
            " tenant TEXT NOT NULL, call_id TEXT NOT NULL, service_id TEXT NOT NULL,"
            " PRIMARY KEY (tenant, call_id, service_id))",
            f"CREATE INDEX IF NOT EXISTS {SERVICES}_by_service"
            f" ON {SERVICES} (tenant, service_id, call_id)",
            self._owners.ddl(),
        ]

    def create(self, store: ReadStore, tx: Tx) -> None:
        tx.execute(store.ddl(_CALLS_DDL))
        _add_intake_columns(tx)
        super().create(store, tx)

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
            requester, customer = intake_values(event)
            insert_state(
                tx,
                CALLS,
                tenant,
                state,
                is_open=int(state.is_open),
                requester=requester,
                customer=customer,
            )
            self._add_services(tx, tenant, state, state.service_ids)
            return
        before = load_state(tx, CALLS, tenant, str(envelope.originator_id))
        after = evolve(before, event, version, owner_of)
        save_state(tx, CALLS, tenant, after, is_open=int(after.is_open))
        self._add_services(tx, tenant, after, after.service_ids[len(before.service_ids) :])

    def apply_many(self, tx: Tx, items: Sequence[tuple[EventEnvelope, Any]]) -> None:
        """Fold the batch per call and write each row once (see ``batch``)."""
        fold = BatchFold(tx, (CALLS, SERVICES, OWNERS), INTAKE_COLUMNS, intake_values)
        fold.prefetch(items)
        for envelope, event in items:
            if isinstance(event, Service.Registered | Service.Revised):
                fold.flush()
                self.apply(tx, envelope, event)
            else:
                fold.fold(envelope, event)
        fold.flush()

    def _add_services(
        self, tx: Tx, tenant: str, state: CallState, service_ids: tuple[str, ...]
    ) -> None:
        if service_ids:
            tx.executemany(
                f"INSERT INTO {SERVICES} (tenant, call_id, service_id) VALUES (%s, %s, %s)"
                " ON CONFLICT (tenant, call_id, service_id) DO NOTHING",
                [(tenant, state.call_id, service_id) for service_id in service_ids],
            )


_CALLS_DDL = (
    f"CREATE TABLE IF NOT EXISTS {CALLS} (tenant TEXT NOT NULL, {STATE_COLUMNS_DDL},"
    " is_open INTEGER NOT NULL, requester TEXT NOT NULL, customer TEXT NOT NULL,"
    " PRIMARY KEY (tenant, call_id))"
)


def _add_intake_columns(tx: Tx) -> None:
    """Give a calls table made before the queue kept requester and customer those columns.

    Its rows then say '' for both (no requester's filter finds them) until the call queue
    is rebuilt. Checked first: ALTER TABLE locks the table even when it changes nothing.
    """
    present = column_names(tx, CALLS)
    for column in (c for c in INTAKE_COLUMNS if c not in present):
        if_absent = "IF NOT EXISTS " if tx.dialect == "postgres" else ""  # a racing creator
        tx.execute(f"ALTER TABLE {CALLS} ADD COLUMN {if_absent}{column} TEXT NOT NULL DEFAULT ''")
