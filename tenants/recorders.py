"""PostgreSQL recorders for tenant tables: one insert function per events table.

The library's own insert function is one per schema (so tenants would write into each
other's tables) and it does not lock the table, which the relay's gap-free reading of
the notification log needs. Ours is named after the table and keeps the library's lock:
one round trip per save instead of a pipelined BEGIN, LOCK, NOTIFY, INSERT, COMMIT.
"""

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import (
    PostgresApplicationRecorder,
    PostgresDatastore,
    PostgresProcessRecorder,
)
from psycopg.sql import SQL, Composed, Identifier


def _skip_schema_wide_function(recorder: PostgresApplicationRecorder) -> None:
    # eventsourcing 9.5.6 runs CREATE OR REPLACE FUNCTION <schema>.es_insert_events_<type>
    # on every create_table, even with DB functions off; concurrent provisioning then
    # fails with "tuple concurrently updated". We never call that function.
    recorder.sql_create_statements.remove(recorder.sql_create_pg_function_insert_events)


def insert_function_name(events_table_name: str) -> str:
    return f"{events_table_name}_insert"


def _create_insert_function(recorder: PostgresApplicationRecorder) -> Composed:
    schema = Identifier(recorder.datastore.schema)
    return SQL(
        "CREATE OR REPLACE FUNCTION {schema}.{function}(events {schema}.{event_type}[]) "
        "RETURNS SETOF bigint LANGUAGE plpgsql AS $BODY$ BEGIN "
        "SET LOCAL lock_timeout = '{lock_timeout}s'; "
        # Commit order must equal notification order, so writers to one table queue here.
        "LOCK TABLE {schema}.{table} IN EXCLUSIVE MODE; "
        "NOTIFY {channel}; "
        "RETURN QUERY INSERT INTO {schema}.{table} "
        "(originator_id, originator_version, topic, state) "
        "SELECT originator_id, originator_version, topic, state FROM unnest(events) "
        "RETURNING notification_id; "
        "END; $BODY$"
    ).format(
        schema=schema,
        function=Identifier(insert_function_name(recorder.events_table_name)),
        event_type=Identifier(recorder.stored_event_type_name),
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
        self.sql_create_statements.append(_create_insert_function(self))
        self._function_name = insert_function_name(events_table_name)
        self._invoke_insert = SQL("SELECT * FROM {schema}.{function}((%s))").format(
            schema=Identifier(datastore.schema), function=Identifier(self._function_name)
        )

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        # A tracking record (process applications) needs the library's transaction.
        if not stored_events or kwargs.get("tracking") is not None:
            fallback: Sequence[int] | None = super().insert_events(stored_events, **kwargs)
            return fallback
        self.datastore.register_type_adapters()
        rows = [
            self.construct_pg_stored_event(e.originator_id, e.originator_version, e.topic, e.state)
            for e in stored_events
        ]
        # Connections are in autocommit mode: the one SELECT is the whole transaction.
        with self.datastore.get_connection() as conn, conn.cursor() as cursor:
            cursor.execute(self._invoke_insert, (rows,), prepare=True)
            return [int(row[self._function_name]) for row in cursor.fetchall()]


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
