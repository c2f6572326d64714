"""What a read model is: its tables, the events it handles, and how one event changes it.

A read model is fed each tenant's events in notification order, exactly once (the
projector skips what its tracking says it has seen). Every table has a ``tenant`` column,
so a read model can be cleared and rebuilt for one tenant or for all.
"""

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar

from projections.envelope import EventEnvelope
from projections.storage import ReadStore, Tx


class ReadModel(ABC):
    """One read model. Subclasses live in ``projections/read_models/<name>/model.py``."""

    name: ClassVar[str]
    tables: ClassVar[tuple[str, ...]]

    @abstractmethod
    def ddl(self) -> list[str]:
        """CREATE TABLE / INDEX IF NOT EXISTS statements (``{bytes}``, ``{serial}`` allowed)."""

    def handles(self, envelope: EventEnvelope) -> bool:  # noqa: ARG002 (a hook)
        """Cheap filter on the envelope, before the event is decoded (default: all)."""
        return True

    @abstractmethod
    def apply(self, tx: Tx, envelope: EventEnvelope, event: Any) -> None:
        """Change the read model for one decoded domain event."""

    def apply_many(self, tx: Tx, items: Sequence[tuple[EventEnvelope, Any]]) -> None:
        """Apply a batch's events for this model, in log order. Override to fold a batch in
        memory and write each row once (rebuild speed); it must equal applying one by one."""
        for envelope, event in items:
            self.apply(tx, envelope, event)

    def create(self, store: ReadStore, tx: Tx) -> None:
        for statement in self.ddl():
            tx.execute(store.ddl(statement))

    def clear(self, tx: Tx, tenant: str | None) -> None:
        """Delete the rows of one tenant, or all rows."""
        for table in self.tables:
            if tenant is None:
                tx.execute(f"DELETE FROM {table}")
            else:
                tx.execute(f"DELETE FROM {table} WHERE tenant = %s", (tenant,))
