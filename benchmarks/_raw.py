"""The raw psycopg baseline: one-row INSERTs, one commit per row, one connection per thread."""

import time
from uuid import UUID, uuid4

import psycopg
from psycopg import sql

from benchmarks._setup import RAW_TABLE, connect
from benchmarks._workload import run_threads
from tenants.settings import StorageSettings

_TOPIC = "domain.calls.service_request:ServiceRequestCall.ActivitiesPlanned"
# About the size of one stored call event's state (JSON of the event and its meta).
_STATE = b'{"meta":{"tenant_id":"bench"},"section":"dynamic"}' + bytes(180)


def create_raw_table(settings: StorageSettings) -> None:
    ddl = sql.SQL(
        "CREATE TABLE {} (id bigserial PRIMARY KEY, stream uuid, version int, "
        "topic text, state bytea)"
    ).format(sql.Identifier(RAW_TABLE))
    with connect(settings) as conn:
        conn.execute(ddl)


def _insert_rows(
    conn: psycopg.Connection, stream: UUID, start: float, deadline: float
) -> tuple[int, float]:
    statement = sql.SQL("INSERT INTO {} (stream, version, topic, state) VALUES (%s, %s, %s, %s)")
    query = statement.format(sql.Identifier(RAW_TABLE))
    rows = 0
    time.sleep(max(0.0, start - time.perf_counter()))
    while time.perf_counter() < deadline:
        rows += 1
        conn.execute(query, (stream, rows, _TOPIC, _STATE))  # autocommit: one commit per row
    return rows, time.perf_counter()


def raw_trial(settings: StorageSettings, threads: int, duration: float) -> tuple[int, float]:
    """One trial of the baseline; return the rows inserted and the elapsed seconds."""
    connections = [connect(settings) for _ in range(threads)]
    try:
        jobs = [lambda s, d, c=c: _insert_rows(c, uuid4(), s, d) for c in connections]
        counts, elapsed = run_threads(jobs, duration)
    finally:
        for conn in connections:
            conn.close()
    return sum(counts), elapsed
