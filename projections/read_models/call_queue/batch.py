"""The call queue's batch path: fold a batch's events per call in memory, write each row once.

Applying event by event costs a read and a write per event, each a round trip on
PostgreSQL; a batch instead reads the rows of all its calls in one query per tenant, folds
every event into the states with the same ``evolve`` as the one-by-one path, and writes
the results with one statement per kind. A service event in the middle (owners can move
open calls to another team) first writes what is folded so far, then runs one by one.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from domain.calls.call_intake import CallIntake
from domain.catalog import Service
from projections.envelope import EventEnvelope
from projections.read_models.call_lifecycle.rows import (
    STATE_COLUMNS,
    state_from_row,
    state_values,
)
from projections.read_models.call_lifecycle.state import CallState, evolve, submitted
from projections.storage import Tx

Key = tuple[str, str]  # (tenant, call_id)


@dataclass
class _Folded:
    state: CallState
    intake: tuple[str, ...] | None  # the intake columns' values of a new call, else None
    new_services: list[str] = field(default_factory=list)


class BatchFold:
    """One batch's calls, folded in memory until ``flush``."""

    def __init__(
        self,
        tx: Tx,
        tables: tuple[str, str, str],
        intake_columns: tuple[str, ...],
        intake_of: Callable[[CallIntake.Submitted], tuple[str, ...]],
    ) -> None:
        """``tables``: the calls, services and owners tables. A new call's row also gets
        the ``intake_columns``, valued by ``intake_of`` its submission."""
        self.tx = tx
        self.calls, self.services, self.owners = tables
        self.intake_columns, self.intake_of = intake_columns, intake_of
        self._folded: dict[Key, _Folded] = {}
        self._owner_cache: dict[str, dict[str, str]] = {}

    def prefetch(self, items: Sequence[tuple[EventEnvelope, Any]]) -> None:
        """Read the rows of every call the batch changes, one query per tenant."""
        wanted: dict[str, set[str]] = {}
        for envelope, event in items:
            if not isinstance(event, CallIntake.Submitted | Service.Registered | Service.Revised):
                wanted.setdefault(envelope.tenant, set()).add(str(envelope.originator_id))
        for tenant, call_ids in wanted.items():
            self._load(tenant, sorted(call_ids))

    def fold(self, envelope: EventEnvelope, event: Any) -> None:
        tenant, version = envelope.tenant, envelope.originator_version
        key = (tenant, str(envelope.originator_id))
        owner_of = self._owner_of(tenant)
        if isinstance(event, CallIntake.Submitted):
            state = submitted(event, version, owner_of)
            self._folded[key] = _Folded(state, self.intake_of(event), list(state.service_ids))
            return
        if key not in self._folded:
            self._load(tenant, [key[1]])
        folded = self._folded.get(key)
        if folded is None:
            raise LookupError(f"call {key[1]} was never submitted")
        before = folded.state
        folded.state = evolve(before, event, version, owner_of)
        folded.new_services += folded.state.service_ids[len(before.service_ids) :]

    def flush(self) -> None:
        """Write every folded call, then forget them (and the owners, which may change)."""
        new = [(f.state, f.intake) for f in self._folded.values() if f.intake is not None]
        old = [f for f in self._folded.values() if f.intake is None]
        tenant_of = {f.state.call_id: t for (t, _), f in self._folded.items()}
        if new:
            columns = ("tenant", *STATE_COLUMNS, "is_open", *self.intake_columns)
            self.tx.executemany(
                f"INSERT INTO {self.calls} ({', '.join(columns)})"
                f" VALUES ({', '.join(['%s'] * len(columns))})",
                [
                    (tenant_of[state.call_id], *state_values(state), int(state.is_open), *intake)
                    for state, intake in new
                ],
            )
        if old:
            settable = (*STATE_COLUMNS[1:], "is_open")
            self.tx.executemany(
                f"UPDATE {self.calls} SET {', '.join(f'{c} = %s' for c in settable)}"
                " WHERE tenant = %s AND call_id = %s",
                [
                    (
                        *state_values(f.state)[1:],
                        int(f.state.is_open),
                        tenant_of[f.state.call_id],
                        f.state.call_id,
                    )
                    for f in old
                ],
            )
        links = [
            (tenant_of[f.state.call_id], f.state.call_id, service_id)
            for f in self._folded.values()
            for service_id in f.new_services
        ]
        if links:
            self.tx.executemany(
                f"INSERT INTO {self.services} (tenant, call_id, service_id) VALUES (%s, %s, %s)"
                " ON CONFLICT (tenant, call_id, service_id) DO NOTHING",
                links,
            )
        self._folded.clear()
        self._owner_cache.clear()

    def _load(self, tenant: str, call_ids: list[str]) -> None:
        placeholders = ", ".join(["%s"] * len(call_ids))
        rows = self.tx.fetchall(
            f"SELECT {', '.join(STATE_COLUMNS)} FROM {self.calls}"
            f" WHERE tenant = %s AND call_id IN ({placeholders})",
            (tenant, *call_ids),
        )
        for row in rows:
            state = state_from_row(row)
            self._folded[(tenant, state.call_id)] = _Folded(state, None)

    def _owner_of(self, tenant: str) -> Callable[[str], str | None]:
        if tenant not in self._owner_cache:
            rows = self.tx.fetchall(
                f"SELECT service_id, owner_team FROM {self.owners} WHERE tenant = %s", (tenant,)
            )
            self._owner_cache[tenant] = {str(s): str(o) for s, o in rows}
        return self._owner_cache[tenant].get
