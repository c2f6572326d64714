"""Where read models live: SQLite for the embedded default, PostgreSQL otherwise.

Read-model SQL is written once with ``%s`` placeholders and portable types; the SQLite
store turns the placeholders into ``?``. DDL may use ``{bytes}`` and ``{serial}``, which
each dialect fills in.

Writers (projectors, rebuilds) use :func:`open_read_store`: one connection. Readers that
serve many requests at once (the HTTP gateway) use :func:`open_query_store`: a pool.
"""

import contextlib
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal, Protocol

import psycopg
from psycopg import IsolationLevel, sql
from psycopg_pool import ConnectionPool

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


def _connection_kwargs(settings: StorageSettings, application_name: str) -> dict[str, Any]:
    # autocommit: conn.transaction() is then a real BEGIN/COMMIT, never a savepoint
    # inside an implicit transaction that nobody commits.
    return {
        "host": settings.host,
        "port": settings.port,
        "dbname": settings.dbname,
        "user": settings.user,
        "password": settings.password or None,
        "autocommit": True,
        "application_name": application_name,
    }


def _set_search_path(connection: psycopg.Connection[Row], schema: str) -> None:
    connection.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))


def _create_schema(connection: psycopg.Connection[Row], schema: str) -> None:
    # Two processes starting at once: PostgreSQL fails the loser instead of waiting.
    with contextlib.suppress(psycopg.errors.UniqueViolation):
        connection.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))


@contextmanager
def _transaction_on(connection: psycopg.Connection[Row], pipelined: bool) -> Iterator[Tx]:
    if not pipelined:
        with connection.transaction():
            yield _PostgresTx(connection)
        return
    with connection.pipeline(), connection.transaction():
        yield _PostgresTx(connection)


class PostgresReadStore:
    """Read models in their own PostgreSQL schema (one connection, one writer at a time)."""

    dialect: Dialect = "postgres"

    def __init__(self, settings: StorageSettings, schema: str) -> None:
        self.schema = schema
        self._connection: psycopg.Connection[Row] = psycopg.connect(
            **_connection_kwargs(settings, "fundament-projections")
        )
        _create_schema(self._connection, schema)
        _set_search_path(self._connection, schema)
        self._lock = threading.RLock()

    @contextmanager
    def transaction(self, *, pipelined: bool = False) -> Iterator[Tx]:
        with self._lock, _transaction_on(self._connection, pipelined) as tx:
            yield tx

    def ddl(self, statement: str) -> str:
        return statement.format(**_DDL_TYPES["postgres"])

    def close(self) -> None:
        self._connection.close()


class PooledPostgresReadStore:
    """Read models in their own PostgreSQL schema, read by many threads at once: each
    transaction takes a connection of a pool for its duration.

    Transactions are REPEATABLE READ: a query that reads several statements (a call, then
    its timeline) sees one snapshot, never a projector's batch half applied between them.
    A read-only transaction never fails to serialize, and one statement costs the same
    as under READ COMMITTED. Meant for reads; projectors write through PostgresReadStore.
    """

    dialect: Dialect = "postgres"

    def __init__(
        self, settings: StorageSettings, schema: str, *, min_size: int = 1, max_size: int = 10
    ) -> None:
        if not 1 <= min_size <= max_size:
            raise ValueError(f"need 1 <= min_size <= max_size, got {min_size} and {max_size}")
        self.schema = schema
        kwargs = _connection_kwargs(settings, "fundament-queries")
        with psycopg.connect(**kwargs) as connection:
            _create_schema(connection, schema)
        self._pool: ConnectionPool[psycopg.Connection[Row]] = ConnectionPool(
            kwargs=kwargs,
            min_size=min_size,
            max_size=max_size,
            configure=self._configure,
            name=f"fundament-queries-{schema}",
            open=True,
        )

    def _configure(self, connection: psycopg.Connection[Row]) -> None:
        _set_search_path(connection, self.schema)  # autocommit: no transaction left open
        connection.isolation_level = IsolationLevel.REPEATABLE_READ

    @contextmanager
    def transaction(self, *, pipelined: bool = False) -> Iterator[Tx]:
        with self._pool.connection() as connection, _transaction_on(connection, pipelined) as tx:
            yield tx

    def ddl(self, statement: str) -> str:
        return statement.format(**_DDL_TYPES["postgres"])

    def close(self) -> None:
        self._pool.close()


def column_names(tx: Tx, table: str) -> set[str]:
    """The columns ``table`` has now (none if there is no such table)."""
    if tx.dialect == "sqlite":
        rows = tx.fetchall("SELECT name FROM pragma_table_info(%s)", (table,))
    else:
        rows = tx.fetchall(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = %s",
            (table,),
        )
    return {str(name) for (name,) in rows}


def open_read_store(settings: StorageSettings, schema: str = "fundament_read") -> ReadStore:
    """The read store beside the configured event store, for a projector (one writer)."""
    if settings.backend == "postgres":
        return PostgresReadStore(settings, schema)
    return _sqlite_store(settings)


def open_query_store(settings: StorageSettings, schema: str, max_size: int = 10) -> ReadStore:
    """The read store for many concurrent readers (the HTTP gateway): up to ``max_size``
    pooled connections on PostgreSQL; on SQLite the file's store, whose reads take turns
    on its one connection. Its tables may not exist yet: see ``ensure_read_tables``."""
    if settings.backend == "postgres":
        return PooledPostgresReadStore(settings, schema, max_size=max_size)
    return _sqlite_store(settings)


def _sqlite_store(settings: StorageSettings) -> SqliteReadStore:
    return SqliteReadStore(Path(settings.data_dir) / "read_models.db")
