"""Where read models live: SQLite for the embedded default, PostgreSQL otherwise.

Read-model SQL is written once with ``%s`` placeholders and portable types; the SQLite
store turns the placeholders into ``?``. DDL may use ``{bytes}`` and ``{serial}``, which
each dialect fills in.
"""

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal, Protocol

import psycopg
from psycopg import sql

from tenants.settings import StorageSettings

Dialect = Literal["sqlite", "postgres"]
Row = tuple[Any, ...]

_DDL_TYPES: dict[Dialect, dict[str, str]] = {
    "sqlite": {"bytes": "BLOB", "serial": "INTEGER PRIMARY KEY AUTOINCREMENT"},
    "postgres": {"bytes": "BYTEA", "serial": "BIGSERIAL PRIMARY KEY"},
}


class Tx(Protocol):
    """One open read-store transaction."""

    dialect: Dialect

    def execute(self, query: str, params: Sequence[Any] = ()) -> None: ...

    def executemany(self, query: str, rows: Sequence[Sequence[Any]]) -> None: ...

    def fetchall(self, query: str, params: Sequence[Any] = ()) -> list[Row]: ...

    def savepoint(self) -> Any:
        """A context manager: changes inside are undone if it exits with an exception."""
        ...


class ReadStore(Protocol):
    dialect: Dialect

    def transaction(self, *, pipelined: bool = False) -> Any:
        """A context manager yielding a Tx, committed on a clean exit.

        ``pipelined``: statements are sent without waiting for each result (PostgreSQL),
        for batches that mostly write; an error then surfaces at the next read or at commit.
        """
        ...

    def ddl(self, statement: str) -> str: ...

    def close(self) -> None: ...


class _SqliteTx:
    dialect: Dialect = "sqlite"

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection
        self._depth = 0

    def execute(self, query: str, params: Sequence[Any] = ()) -> None:
        self._connection.execute(query.replace("%s", "?"), tuple(params))

    def executemany(self, query: str, rows: Sequence[Sequence[Any]]) -> None:
        self._connection.executemany(query.replace("%s", "?"), [tuple(r) for r in rows])

    def fetchall(self, query: str, params: Sequence[Any] = ()) -> list[Row]:
        return list(self._connection.execute(query.replace("%s", "?"), tuple(params)).fetchall())

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        self._depth += 1
        name = f"sp{self._depth}"
        self._connection.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            self._connection.execute(f"ROLLBACK TO {name}")
            self._connection.execute(f"RELEASE {name}")
            raise
        else:
            self._connection.execute(f"RELEASE {name}")
        finally:
            self._depth -= 1


class SqliteReadStore:
    """Read models in one SQLite file beside the tenants' event stores."""

    dialect: Dialect = "sqlite"

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: transactions are ours (BEGIN/COMMIT), not the module's.
        self._connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._connection.execute("PRAGMA journal_mode=WAL")
        self._lock = threading.RLock()

    @contextmanager
    def transaction(self, *, pipelined: bool = False) -> Iterator[Tx]:  # noqa: ARG002 (in-process)
        with self._lock:
            self._connection.execute("BEGIN IMMEDIATE")
            try:
                yield _SqliteTx(self._connection)
            except BaseException:
                self._connection.execute("ROLLBACK")
                raise
            self._connection.execute("COMMIT")

    def ddl(self, statement: str) -> str:
        return statement.format(**_DDL_TYPES["sqlite"])

    def close(self) -> None:
        self._connection.close()


class _PostgresTx:
    dialect: Dialect = "postgres"

    def __init__(self, connection: psycopg.Connection[Row]) -> None:
        self._connection = connection

    def execute(self, query: str, params: Sequence[Any] = ()) -> None:
        self._connection.execute(query, tuple(params), prepare=True)

    def executemany(self, query: str, rows: Sequence[Sequence[Any]]) -> None:
        with self._connection.cursor() as cursor:
            cursor.executemany(query, [tuple(r) for r in rows])

    def fetchall(self, query: str, params: Sequence[Any] = ()) -> list[Row]:
        return self._connection.execute(query, tuple(params), prepare=True).fetchall()

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        with self._connection.transaction():
            yield


class PostgresReadStore:
    """Read models in their own PostgreSQL schema (one connection, one writer at a time)."""

    dialect: Dialect = "postgres"

    def __init__(self, settings: StorageSettings, schema: str) -> None:
        self.schema = schema
        # autocommit: conn.transaction() is then a real BEGIN/COMMIT, never a savepoint
        # inside an implicit transaction that nobody commits.
        self._connection: psycopg.Connection[Row] = psycopg.connect(
            host=settings.host,
            port=settings.port,
            dbname=settings.dbname,
            user=settings.user,
            password=settings.password or None,
            autocommit=True,
            application_name="fundament-projections",
        )
        self._connection.execute(
            sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema))
        )
        self._connection.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
        self._lock = threading.RLock()

    @contextmanager
    def transaction(self, *, pipelined: bool = False) -> Iterator[Tx]:
        with self._lock:
            if not pipelined:
                with self._connection.transaction():
                    yield _PostgresTx(self._connection)
                return
            with self._connection.pipeline(), self._connection.transaction():
                yield _PostgresTx(self._connection)

    def ddl(self, statement: str) -> str:
        return statement.format(**_DDL_TYPES["postgres"])

    def close(self) -> None:
        self._connection.close()


def open_read_store(settings: StorageSettings, schema: str = "fundament_read") -> ReadStore:
    """The read store beside the configured event store."""
    if settings.backend == "postgres":
        return PostgresReadStore(settings, schema)
    return SqliteReadStore(Path(settings.data_dir) / "read_models.db")
