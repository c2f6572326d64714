"""PostgreSQL recorders for tenant tables: one insert function per events table.

The library's own insert function is one per schema (so tenants would write into each
other's tables) and it does not lock the table, which the relay's gap-free reading of
the notification log needs. Ours is named after the table and keeps the library's lock:
one round trip per save instead of a pipelined BEGIN, LOCK, NOTIFY, INSERT, COMMIT.

The two statements every command runs (read an aggregate's events, insert new ones) are
rendered once per recorder with PostgreSQL's own ``$n`` placeholders and run through a
raw cursor: psycopg then neither renders nor parses the query on each call, which with
hundreds of tenant tables overflows its small parse cache and costs more CPU than the
database spends on the statement.
"""

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import (
    InterfaceError,
    Notification,
    OperationalError,
    StoredEvent,
)
from eventsourcing.postgres import (
    PostgresApplicationRecorder,
    PostgresDatastore,
    PostgresProcessRecorder,
)
from eventsourcing.utils import retry
from psycopg import RawCursor
from psycopg.errors import LockNotAvailable
from psycopg.rows import TupleRow, tuple_row
from psycopg.sql import SQL, Composed, Identifier

from tenants.ddl import create_idempotently
from tenants.errors import TableLockTimeoutError
from tenants.receipts import (
    POSTGRES_CREATE_RECEIPTS,
    POSTGRES_INSERT_WITH_RECEIPT,
    POSTGRES_SELECT_RECEIPT,
    CommandResult,
    Receipt,
    receipts_table_name,
)


def _skip_schema_wide_function(recorder: PostgresApplicationRecorder) -> None:
    # eventsourcing 9.5.6 runs CREATE OR REPLACE FUNCTION <schema>.es_insert_events_<type>
    # on every create_table, even with DB functions off; concurrent provisioning then
    # fails with "tuple concurrently updated". We never call that function.
    recorder.sql_create_statements.remove(recorder.sql_create_pg_function_insert_events)


def insert_function_name(events_table_name: str, *, single: bool = False) -> str:
    return f"{events_table_name}_insert{'_one' if single else ''}"


def _create_insert_function(recorder: PostgresApplicationRecorder, *, single: bool) -> Composed:
    """The table's insert function: for one event (scalar parameters, the common save) or
    for several (plain arrays, not an array of the composite type: psycopg dumps those in
    C). Array parameters cost about 70 µs more client CPU than scalars, hence two."""
    parameters, rows = (
        (
            "p_id uuid, p_version bigint, p_topic text, p_state bytea",
            "VALUES (p_id, p_version, p_topic, p_state)",
        )
        if single
        else (
            "ids uuid[], versions bigint[], topics text[], states bytea[]",
            "SELECT * FROM unnest(ids, versions, topics, states)",
        )
    )
    schema = Identifier(recorder.datastore.schema)
    return SQL(
        "CREATE OR REPLACE FUNCTION {schema}.{function}(" + parameters + ") "
        "RETURNS SETOF bigint LANGUAGE plpgsql AS $BODY$ BEGIN "
        "SET LOCAL lock_timeout = '{lock_timeout}s'; "
        # Commit order must equal notification order, so writers to one table queue here.
        "LOCK TABLE {schema}.{table} IN EXCLUSIVE MODE; "
        "NOTIFY {channel}; "
        "RETURN QUERY INSERT INTO {schema}.{table} "
        "(originator_id, originator_version, topic, state) " + rows + " "
        "RETURNING notification_id; "
        "END; $BODY$"
    ).format(
        schema=schema,
        function=Identifier(insert_function_name(recorder.events_table_name, single=single)),
        lock_timeout=recorder.datastore.lock_timeout,
        table=Identifier(recorder.events_table_name),
        channel=Identifier(recorder.channel_name),
    )


class TenantApplicationRecorder(PostgresApplicationRecorder):
    """Saves a tenant's events through its own table's insert function."""

    def __init__(
        self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"
    ) -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        _skip_schema_wide_function(self)
        self.sql_create_statements.append(_create_insert_function(self, single=False))
        self.sql_create_statements.append(_create_insert_function(self, single=True))
        self._receipts_ready = False
        names = {
            "schema": Identifier(datastore.schema),
            "table": Identifier(events_table_name),
            "receipts": Identifier(receipts_table_name(events_table_name)),
            "many": Identifier(insert_function_name(events_table_name)),
            "one": Identifier(insert_function_name(events_table_name, single=True)),
        }
        select = (
            "SELECT originator_version, topic, state FROM {schema}.{table} "
            "WHERE originator_id = $1{after} ORDER BY originator_version ASC"
        )
        self._select_all = _render(select.replace("{after}", ""), names)
        self._select_after = _render(
            select.replace("{after}", " AND originator_version > $2"), names
        )
        self._page = _render(
            "SELECT notification_id, originator_id, originator_version, topic, state"
            " FROM {schema}.{table} WHERE notification_id >= $1"
            " ORDER BY notification_id LIMIT $2",
            names,
        )
        self._insert_many = _render("SELECT * FROM {schema}.{many}($1, $2, $3, $4)", names)
        self._insert_one = _render("SELECT * FROM {schema}.{one}($1, $2, $3, $4)", names)
        self._create_receipts = SQL(POSTGRES_CREATE_RECEIPTS).format(**names)
        self.sql_create_statements.append(self._create_receipts)
        receipted = POSTGRES_INSERT_WITH_RECEIPT
        self._insert_many_receipted = _render(receipted.replace("{function}", "{many}"), names)
        self._insert_one_receipted = _render(receipted.replace("{function}", "{one}"), names)
        self._select_receipt = _render(POSTGRES_SELECT_RECEIPT, names)

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        # A tracking record (process applications) needs the library's transaction.
        if not stored_events or kwargs.get("tracking") is not None:
            fallback: Sequence[int] | None = super().insert_events(stored_events, **kwargs)
            return fallback
        receipt: Receipt | None = kwargs.get("receipt")
        if receipt is not None:
            self._ensure_receipts()
        inserted: list[int] = self._insert_through_function(stored_events, receipt)
        return inserted

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def _insert_through_function(
        self, stored_events: Sequence[StoredEvent], receipt: Receipt | None
    ) -> list[int]:
        try:
            return self._insert_once(stored_events, receipt)
        except OperationalError as error:
            if isinstance(error.__cause__, LockNotAvailable):
                raise TableLockTimeoutError(str(error)) from error
            raise

    def _insert_once(
        self, stored_events: Sequence[StoredEvent], receipt: Receipt | None
    ) -> list[int]:
        single = len(stored_events) == 1
        params: tuple[Any, ...] = (
            _columns_of(stored_events[0]) if single else _arrays_of(stored_events)
        )
        if receipt is None:
            query = self._insert_one if single else self._insert_many
        else:
            query = self._insert_one_receipted if single else self._insert_many_receipted
            params += (
                receipt.command_id,
                receipt.aggregate_id,
                receipt.version,
                list(receipt.touched_ids),
            )
        # Connections are in autocommit mode: the one SELECT is the whole transaction.
        with self.datastore.get_connection() as conn, _raw_cursor(conn) as cursor:
            cursor.execute(query, params, prepare=True)
            return [int(row[0]) for row in cursor.fetchall()]

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def select_receipt(self, command_id: UUID) -> CommandResult | None:
        """What the command ``command_id`` stored, if it kept a receipt and was stored."""
        self._ensure_receipts()
        with self.datastore.get_connection() as conn, _raw_cursor(conn) as cursor:
            cursor.execute(self._select_receipt, (command_id,), prepare=True)
            row = cursor.fetchone()
        if row is None:
            return None
        aggregate_id, version, notification_id, touched_ids = row
        return CommandResult(aggregate_id, version, notification_id, tuple(touched_ids))

    def _ensure_receipts(self) -> None:
        # Tenants made before receipts existed open without DDL: create their table here.
        if not self._receipts_ready:
            create_idempotently(self.datastore, (self._create_receipts,))
            self._receipts_ready = True

    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> Sequence[Notification]:
        notifications: Sequence[Notification]
        if start is None or stop is not None or topics or not inclusive_of_start:
            notifications = super().select_notifications(
                start, limit, stop, topics, inclusive_of_start=inclusive_of_start
            )
        else:
            notifications = self._select_page(start, limit)
        return notifications

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def _select_page(self, start: int, limit: int) -> list[Notification]:
        """A page of the log from ``start``: what relays, feeds and rebuilds read."""
        with self.datastore.get_connection() as conn, _raw_cursor(conn) as cursor:
            cursor.execute(self._page, (start, limit), prepare=True)
            return [
                Notification(
                    id=notification_id,
                    originator_id=originator_id,
                    originator_version=version,
                    topic=topic,
                    state=bytes(state),
                )
                for notification_id, originator_id, version, topic, state in cursor.fetchall()
            ]

    def select_events(
        self,
        originator_id: UUID | str,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> Sequence[StoredEvent]:
        events: Sequence[StoredEvent]
        if lte is not None or desc or limit is not None:
            events = super().select_events(originator_id, gt=gt, lte=lte, desc=desc, limit=limit)
        else:
            events = self._select_forward(originator_id, gt)
        return events

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def _select_forward(self, originator_id: UUID | str, gt: int | None) -> list[StoredEvent]:
        """All events of one aggregate (after version ``gt``), oldest first: a load."""
        query, params = (
            (self._select_all, (originator_id,))
            if gt is None
            else (self._select_after, (originator_id, gt))
        )
        with self.datastore.get_connection() as conn, _raw_cursor(conn) as cursor:
            cursor.execute(query, params, prepare=True)
            return [
                StoredEvent(
                    originator_id=originator_id,
                    originator_version=version,
                    topic=topic,
                    state=bytes(state),
                )
                for version, topic, state in cursor.fetchall()
            ]


def _render(template: str, names: dict[str, Identifier]) -> bytes:
    return SQL(template).format(**names).as_bytes(None)


def _raw_cursor(conn: Any) -> RawCursor[TupleRow]:
    return RawCursor(conn, row_factory=tuple_row)


def _columns_of(event: StoredEvent) -> tuple[UUID, int, str, bytes]:
    return (_as_uuid(event.originator_id), event.originator_version, event.topic, event.state)


def _arrays_of(
    events: Sequence[StoredEvent],
) -> tuple[list[UUID], list[int], list[str], list[bytes]]:
    return (
        [_as_uuid(e.originator_id) for e in events],
        [e.originator_version for e in events],
        [e.topic for e in events],
        [e.state for e in events],
    )


def _as_uuid(originator_id: UUID | str) -> UUID:
    return originator_id if isinstance(originator_id, UUID) else UUID(originator_id)


class TenantProcessRecorder(PostgresProcessRecorder):
    """The library's process recorder, minus the schema-wide insert function DDL."""

    def __init__(
        self,
        datastore: PostgresDatastore,
        *,
        events_table_name: str = "stored_events",
        tracking_table_name: str = "notification_tracking",
    ) -> None:
        super().__init__(
            datastore, events_table_name=events_table_name, tracking_table_name=tracking_table_name
        )
        _skip_schema_wide_function(self)
