"""Idempotency keys for the REST gateway, shared by every gateway process through the database.

A POST carrying an ``Idempotency-Key`` first reserves the key (a pending row), runs, then
stores its response on the row; a retry with the same key and body gets that response back
instead of running again. Each reservation carries a random token, and only its holder may
complete or release the row: a request that was slow enough to be declared abandoned and
taken over cannot then overwrite or delete the row of the request that took it over.

PostgreSQL: table ``idempotency_keys`` in the configured schema, through the shared pool.
SQLite: the file ``idempotency.db`` in the data directory, written in BEGIN IMMEDIATE
transactions, which serialize writers across threads and processes.
"""

import json
import os
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, Protocol

from eventsourcing.postgres import PostgresDatastore

from tenants.ddl import create_idempotently
from tenants.pool import SharedPoolFactory, ensure_schema
from tenants.settings import StorageSettings

SQLITE_FILE_NAME = "idempotency.db"
MAX_KEY_LENGTH = 255
_RESERVE_ATTEMPTS = 3
_SQLITE_BUSY_TIMEOUT_SECONDS = 30.0
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)

_CREATE_TABLE = (
    "CREATE TABLE IF NOT EXISTS {table} ("
    " scope TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL, token TEXT NOT NULL,"
    " reserved_at_us BIGINT NOT NULL, status INTEGER, headers TEXT, body {blob},"
    " PRIMARY KEY (scope, key))"
)
# What the purge reads; without it every purge would scan the whole table.
_CREATE_INDEX = "CREATE INDEX IF NOT EXISTS idempotency_keys_reserved ON {table} (reserved_at_us)"
_INSERT = (
    "INSERT INTO {table} (scope, key, fingerprint, token, reserved_at_us)"
    " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (scope, key) DO NOTHING"
)
_SELECT = (
    "SELECT fingerprint, token, reserved_at_us, status, headers, body"
    " FROM {table} WHERE scope = %s AND key = %s"
)
_TAKE_OVER = (
    "UPDATE {table} SET fingerprint = %s, token = %s, reserved_at_us = %s,"
    " status = NULL, headers = NULL, body = NULL WHERE scope = %s AND key = %s"
)
# Both only touch the row still pending under the caller's own reservation.
_COMPLETE = (
    "UPDATE {table} SET status = %s, headers = %s, body = %s"
    " WHERE scope = %s AND key = %s AND token = %s AND status IS NULL"
)
_RELEASE = "DELETE FROM {table} WHERE scope = %s AND key = %s AND token = %s AND status IS NULL"
_PURGE = "DELETE FROM {table} WHERE reserved_at_us <= %s"

ReservationKind = Literal["new", "replay", "mismatch", "in_progress"]


@dataclass(frozen=True)
class StoredResponse:
    """A response worth replaying: status, the headers that matter, the body bytes."""

    status: int
    headers: dict[str, str]
    body: bytes

    def __post_init__(self) -> None:
        if not 100 <= self.status <= 599:
            raise ValueError(f"HTTP status must be between 100 and 599, not {self.status}")


@dataclass(frozen=True)
class Reservation:
    """What ``reserve`` found: run the request (``new``), replay ``response``, or refuse."""

    kind: ReservationKind
    scope: str
    key: str
    response: StoredResponse | None = None
    token: str | None = None  # set for "new" only: proves ownership to complete/release
    # "new" in place of an earlier request that never completed nor released its key: that
    # request may have stored its result before its answer was lost.
    resumed: bool = False


class _Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...


# Runs one statement in the open transaction: (query, params) -> cursor.
_Run = Callable[[str, tuple[Any, ...]], _Cursor]
_Verdict = ReservationKind | Literal["take_over"]


class IdempotencyStore:
    """Reserves idempotency keys and keeps the responses to replay, per ``scope``."""

    def __init__(
        self,
        settings: StorageSettings,
        ttl: timedelta = timedelta(hours=24),
        pending_timeout: timedelta = timedelta(seconds=60),
    ) -> None:
        if ttl <= timedelta(0) or pending_timeout <= timedelta(0):
            raise ValueError("ttl and pending_timeout must be positive")
        self._ttl = ttl
        self._pending_timeout = pending_timeout
        self._db: _Postgres | _Sqlite = (
            _Postgres(settings) if settings.backend == "postgres" else _Sqlite(settings)
        )

    def reserve(self, scope: str, key: str, fingerprint: str, now: datetime) -> Reservation:
        """Claim ``key`` for a request with ``fingerprint``, or say why it may not run."""
        validate_idempotency_key(key)
        if not scope or not fingerprint:
            raise ValueError("idempotency scope and fingerprint must not be empty")
        now_us = _micros(now)
        token = uuid.uuid4().hex
        for _ in range(_RESERVE_ATTEMPTS):
            with self._db.transaction() as run:
                inserted = run(self._db.sql(_INSERT), (scope, key, fingerprint, token, now_us))
                if inserted.rowcount == 1:
                    return Reservation("new", scope, key, token=token)
                row = run(self._db.sql(_SELECT, locking=True), (scope, key)).fetchone()
                if row is None:
                    continue  # released between our insert and our read: try again
                kind = self._classify(row, fingerprint, now_us)
                if kind == "take_over":
                    run(self._db.sql(_TAKE_OVER), (fingerprint, token, now_us, scope, key))
                    resumed = row["status"] is None
                    return Reservation("new", scope, key, token=token, resumed=resumed)
                response = _response_of(row) if kind == "replay" else None
                return Reservation(kind, scope, key, response=response)
        raise RuntimeError(f"idempotency key {key!r} kept vanishing while being reserved")

    def complete(self, reservation: Reservation, response: StoredResponse) -> bool:
        """Store the response of a ``new`` reservation; False if it was taken over since."""
        token = _owned_token(reservation)
        headers = json.dumps(response.headers, sort_keys=True)
        params = (response.status, headers, response.body, reservation.scope, reservation.key)
        with self._db.transaction() as run:
            return run(self._db.sql(_COMPLETE), (*params, token)).rowcount == 1

    def release(self, reservation: Reservation) -> bool:
        """Forget a ``new`` reservation whose request failed, so a retry runs afresh."""
        token = _owned_token(reservation)
        with self._db.transaction() as run:
            params = (reservation.scope, reservation.key, token)
            return run(self._db.sql(_RELEASE), params).rowcount == 1

    def purge_expired(self, now: datetime) -> int:
        """Delete every key reserved more than ``ttl`` before ``now``; return how many."""
        with self._db.transaction() as run:
            return run(self._db.sql(_PURGE), (_micros(now - self._ttl),)).rowcount

    def close(self) -> None:
        """Release the SQLite connection (the PostgreSQL pool is shared and stays open)."""
        self._db.close()

    def _classify(self, row: Any, fingerprint: str, now_us: int) -> _Verdict:
        age_us = now_us - int(row["reserved_at_us"])
        if age_us >= self._ttl // _MICROSECOND:
            return "take_over"  # expired: as good as absent, whatever its request was
        if row["fingerprint"] != fingerprint:
            return "mismatch"
        if row["status"] is not None:
            return "replay"
        if age_us >= self._pending_timeout // _MICROSECOND:
            return "take_over"  # its request died without completing or releasing
        return "in_progress"


def validate_idempotency_key(key: str) -> str:
    """Return ``key`` if it is 1 to 255 printable ASCII characters; raise ValueError if not."""
    if not 1 <= len(key) <= MAX_KEY_LENGTH:
        raise ValueError(
            f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters long, not {len(key)}"
        )
    if not (key.isascii() and key.isprintable()):
        raise ValueError("Idempotency-Key must contain only printable ASCII characters")
    return key


class _Postgres:
    def __init__(self, settings: StorageSettings) -> None:
        ensure_schema(settings)
        # The env an application sees, so the tenants' shared pool is reused, not a new one.
        env = {**os.environ, **settings.postgres_env()}
        self._datastore: PostgresDatastore = SharedPoolFactory(env).datastore
        self._table = f'"{settings.schema}".idempotency_keys'
        create_idempotently(
            self._datastore,
            (
                _CREATE_TABLE.format(table=self._table, blob="BYTEA"),
                _CREATE_INDEX.format(table=self._table),
            ),
        )

    def sql(self, template: str, *, locking: bool = False) -> str:
        return template.format(table=self._table) + (" FOR UPDATE" if locking else "")

    @contextmanager
    def transaction(self) -> Iterator[_Run]:
        with self._datastore.transaction(commit=True) as cursor:

            def run(query: str, params: tuple[Any, ...]) -> _Cursor:
                return cursor.execute(query, params)

            yield run

    def close(self) -> None:
        """Nothing to do: the shared pool outlives this store."""


class _Sqlite:
    def __init__(self, settings: StorageSettings) -> None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: the transactions are ours (BEGIN IMMEDIATE), not the module's.
        self._connection = sqlite3.connect(
            settings.data_dir / SQLITE_FILE_NAME,
            timeout=_SQLITE_BUSY_TIMEOUT_SECONDS,
            isolation_level=None,
            check_same_thread=False,
        )
        self._connection.row_factory = sqlite3.Row
        self._lock = threading.Lock()
        with self._lock:
            self._connection.execute("PRAGMA journal_mode=WAL")
            self._connection.execute(_CREATE_TABLE.format(table="idempotency_keys", blob="BLOB"))
            self._connection.execute(_CREATE_INDEX.format(table="idempotency_keys"))

    def sql(self, template: str, *, locking: bool = False) -> str:  # noqa: ARG002
        # No row locks in SQLite; BEGIN IMMEDIATE already holds the whole database.
        return template.format(table="idempotency_keys").replace("%s", "?")

    @contextmanager
    def transaction(self) -> Iterator[_Run]:
        with self._lock:
            self._connection.execute("BEGIN IMMEDIATE")
            try:
                yield self._connection.execute
            except BaseException:
                self._connection.execute("ROLLBACK")
                raise
            self._connection.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._connection.close()


def _owned_token(reservation: Reservation) -> str:
    if reservation.kind != "new" or reservation.token is None:
        raise ValueError(
            f"only a 'new' reservation can be completed or released, not {reservation.kind!r}"
        )
    return reservation.token


def _response_of(row: Any) -> StoredResponse:
    headers: dict[str, str] = json.loads(row["headers"])
    return StoredResponse(status=int(row["status"]), headers=headers, body=bytes(row["body"]))


def _micros(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("idempotency times must be timezone-aware")
    return (moment - _EPOCH) // _MICROSECOND
