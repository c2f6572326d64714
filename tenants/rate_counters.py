"""Rate-limit counters in PostgreSQL, so gateways on several machines enforce one limit.

A counter is a generic cell rate algorithm cell: per key, the "theoretical arrival time"
of the next request, moved forward by one emission interval per request let through. One
call takes several cells at once (a client's and its tenant's), in order: the first cell
without room refuses the request and nothing is counted; otherwise every cell is moved on.
The whole decision is one function call, so one round trip and one transaction, timed by
the database's clock, which is the one clock every gateway machine shares. Rows are locked
in key order, so two requests sharing a tenant can never deadlock.
"""

import os
from collections.abc import Sequence
from dataclasses import dataclass

from eventsourcing.postgres import PostgresDatastore
from psycopg.rows import tuple_row

from tenants.ddl import create_idempotently
from tenants.pool import SharedPoolFactory, ensure_schema
from tenants.settings import StorageSettings

# Unlogged: no write-ahead log and no flush per request. A crash of the database empties it,
# which only gives every client a fresh allowance.
_CREATE_TABLE = (
    "CREATE UNLOGGED TABLE IF NOT EXISTS {table}"
    " (key TEXT PRIMARY KEY, arrival DOUBLE PRECISION NOT NULL)"
)
# Returns the index of the cell that refused (NULL: all were taken), each cell's arrival
# time after this request, and the database's time, as seconds since the epoch.
_CREATE_FUNCTION = """
CREATE OR REPLACE FUNCTION {function}(keys TEXT[], intervals FLOAT8[], periods FLOAT8[])
RETURNS TABLE (refused INT, arrivals FLOAT8[], now FLOAT8) LANGUAGE plpgsql AS $BODY$
DECLARE
    moment FLOAT8 := extract(epoch FROM clock_timestamp());
    known FLOAT8;
    afters FLOAT8[] := '{{}}';
BEGIN
    INSERT INTO {table} (key, arrival)
        SELECT k, 0 FROM unnest(keys) AS k ORDER BY k ON CONFLICT (key) DO NOTHING;
    PERFORM 1 FROM {table} WHERE key = ANY(keys) ORDER BY key FOR UPDATE;
    FOR i IN 1 .. array_length(keys, 1) LOOP
        SELECT c.arrival INTO known FROM {table} AS c WHERE c.key = keys[i];
        afters := afters || (greatest(known, moment) + intervals[i]);
        IF afters[i] - moment > periods[i] THEN
            RETURN QUERY SELECT i - 1, afters, moment;
            RETURN;
        END IF;
    END LOOP;
    UPDATE {table} AS c SET arrival = a.after
        FROM unnest(keys, afters) AS a(key, after) WHERE c.key = a.key;
    RETURN QUERY SELECT NULL::INT, afters, moment;
END;
$BODY$
"""
_PURGE = "DELETE FROM {table} WHERE arrival < extract(epoch FROM clock_timestamp())"


@dataclass(frozen=True)
class Cell:
    """One limit on one key: ``interval`` seconds per request, bursts up to ``period``."""

    key: str
    interval: float
    period: float


@dataclass(frozen=True)
class Taken:
    """What :meth:`RateCounters.take` decided, in the database's time."""

    refused: int | None  # the index of the cell that had no room; None: all were taken
    arrivals: tuple[float, ...]  # each cell checked, its arrival time with this request
    now: float


class RateCounters:
    """The cells of every gateway that shares this database, in its configured schema."""

    def __init__(self, settings: StorageSettings) -> None:
        if settings.backend != "postgres":
            raise ValueError("rate counters in the database need FUNDAMENT_STORE=postgres")
        ensure_schema(settings)
        env = {**os.environ, **settings.postgres_env()}
        self._datastore: PostgresDatastore = SharedPoolFactory(env).datastore
        self._table = f'"{settings.schema}".rate_counters'
        self._function = f'"{settings.schema}".rate_counters_take'
        self._take = f"SELECT * FROM {self._function}(%s, %s, %s)"
        self._create()

    def take(self, cells: Sequence[Cell]) -> Taken:
        """Count one request against every cell, or against none if one has no room."""
        if not cells:
            raise ValueError("take at least one cell")
        params = (
            [cell.key for cell in cells],
            [cell.interval for cell in cells],
            [cell.period for cell in cells],
        )
        # The pool's connections are in autocommit mode: the one SELECT is the transaction.
        with self._datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as cur:
            cur.execute(self._take, params, prepare=True)
            refused, arrivals, now = cur.fetchone() or (None, (), 0.0)
        return Taken(refused, tuple(arrivals), now)

    def purge_expired(self) -> int:
        """Delete the cells whose arrival time has passed (by the database's clock): they
        hold no information, a missing cell counts the same."""
        with self._datastore.transaction(commit=True) as cursor:
            cursor.execute(_PURGE.format(table=self._table))
            return int(cursor.rowcount)

    def _create(self) -> None:
        create_idempotently(
            self._datastore,
            (
                _CREATE_TABLE.format(table=self._table),
                _CREATE_FUNCTION.format(table=self._table, function=self._function),
            ),
        )
