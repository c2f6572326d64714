"""Command receipts: what a command stored, written in the same transaction as its events.

A client that retries a POST under the same ``Idempotency-Key`` must get the first request's
answer, even when that request stored its events and then lost its answer (the gateway died,
the connection dropped after the commit). The gateway derives the command id from the key and
asks the command to keep a receipt. Because the receipt commits or rolls back with the events,
finding it proves the command was stored, and it holds what the answer is made from. Its
primary key also turns a second run of the same command into a conflict, so a retry can never
store the command's events twice, not even for a task that may be repeated, like logging a
monitoring event.

Receipts are kept only for commands that ask for one. Tables of tenants made before receipts
existed get theirs on first use.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor, SQLiteDatastore


@dataclass(frozen=True)
class CommandResult:
    """What a command stored: the main aggregate's id and version, and its log position."""

    aggregate_id: UUID
    version: int
    notification_id: int | None
    touched_ids: tuple[UUID, ...]


@dataclass(frozen=True)
class Receipt:
    """What to record about a command besides its events; the store adds the log position."""

    command_id: UUID
    aggregate_id: UUID
    version: int
    touched_ids: tuple[UUID, ...]


@runtime_checkable
class ReceiptRecorder(Protocol):
    """A recorder that stores ``insert_events(..., receipt=...)`` with the events."""

    def select_receipt(self, command_id: UUID) -> CommandResult | None: ...


def receipts_table_name(events_table_name: str) -> str:
    """``t_acme_events`` keeps its receipts in ``t_acme_receipts``."""
    return events_table_name.removesuffix("_events") + "_receipts"


def create_receipts_table(table: str, *, uuid: str, ids: str) -> str:
    return (
        f"CREATE TABLE IF NOT EXISTS {table} ("
        f" command_id {uuid} PRIMARY KEY, aggregate_id {uuid} NOT NULL,"
        " version BIGINT NOT NULL, notification_id BIGINT NOT NULL,"
        f" touched_ids {ids} NOT NULL)"
    )


# Templates for ``psycopg.sql.SQL.format``: {schema}, {receipts} and the insert {function}.
POSTGRES_CREATE_RECEIPTS = create_receipts_table("{schema}.{receipts}", uuid="UUID", ids="UUID[]")
# One statement, so one transaction: the receipt commits exactly when the events do.
POSTGRES_INSERT_WITH_RECEIPT = (
    "WITH inserted AS (SELECT n FROM {schema}.{function}($1, $2, $3, $4) AS n),"
    " kept AS (INSERT INTO {schema}.{receipts}"
    " (command_id, aggregate_id, version, notification_id, touched_ids)"
    " SELECT $5::uuid, $6::uuid, $7::bigint, max(n), $8::uuid[] FROM inserted)"
    " SELECT n FROM inserted ORDER BY n"
)
POSTGRES_SELECT_RECEIPT = (
    "SELECT aggregate_id, version, notification_id, touched_ids"
    " FROM {schema}.{receipts} WHERE command_id = $1"
)


class SQLiteReceiptRecorder(SQLiteApplicationRecorder):
    """The library's SQLite application recorder, keeping receipts in the same transaction."""

    def __init__(self, datastore: SQLiteDatastore, events_table_name: str = "stored_events"):
        self._receipts = receipts_table_name(events_table_name)
        self._receipts_ready = False
        super().__init__(datastore, events_table_name)

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), self._create_receipts()]

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        if kwargs.get("receipt") is not None:
            self._ensure_receipts()
        return super().insert_events(stored_events, **kwargs)

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        notification_ids = super()._insert_events(c, stored_events, **kwargs)
        receipt: Receipt | None = kwargs.get("receipt")
        if receipt is not None and notification_ids:
            c.execute(
                f"INSERT INTO {self._receipts} VALUES (?, ?, ?, ?, ?)",
                (
                    receipt.command_id.hex,
                    receipt.aggregate_id.hex,
                    receipt.version,
                    max(notification_ids),
                    json.dumps([i.hex for i in receipt.touched_ids]),
                ),
            )
        return notification_ids

    def select_receipt(self, command_id: UUID) -> CommandResult | None:
        self._ensure_receipts()
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT aggregate_id, version, notification_id, touched_ids"
                f" FROM {self._receipts} WHERE command_id = ?",
                (command_id.hex,),
            )
            row = c.fetchone()
        if row is None:
            return None
        return CommandResult(
            UUID(row["aggregate_id"]),
            int(row["version"]),
            int(row["notification_id"]),
            tuple(UUID(i) for i in json.loads(row["touched_ids"])),
        )

    def _create_receipts(self) -> str:
        return create_receipts_table(self._receipts, uuid="TEXT", ids="TEXT")

    def _ensure_receipts(self) -> None:
        # In a transaction of its own, before the insert's: if the insert were rolled back,
        # a table created inside it would be too, and we would wrongly think it was there.
        if not self._receipts_ready:
            with self.datastore.transaction(commit=True) as c:
                c.execute(self._create_receipts())
            self._receipts_ready = True
