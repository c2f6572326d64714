"""One PostgreSQL connection pool per process, shared by every application (tenant) in it.

eventsourcing's ``PostgresFactory`` gives each application its own ``PostgresDatastore``
and so its own pool: with 500 tenant applications that is thousands of server connections.
``SharedPoolFactory`` hands every application built with the same connection settings the
same datastore instead. Select it with ``PERSISTENCE_MODULE=tenants.pool:SharedPoolFactory``.
"""

import contextlib
import os
import threading
from collections import deque
from types import TracebackType
from typing import Any, Self

from eventsourcing.persistence import BaseInfrastructureFactory, IntegrityError
from eventsourcing.postgres import PostgresDatastore, PostgresFactory
from eventsourcing.utils import Environment, EnvType, strtobool

from tenants.recorders import TenantApplicationRecorder, TenantProcessRecorder
from tenants.settings import StorageSettings

# Our own env key (not the library's): tags the pool's server sessions in pg_stat_activity.
POSTGRES_APPLICATION_NAME = "POSTGRES_APPLICATION_NAME"

_F = PostgresFactory
# Every env key that changes how the datastore connects or behaves; equal values share.
_DATASTORE_KEYS = (
    _F.POSTGRES_DBNAME,
    _F.POSTGRES_HOST,
    _F.POSTGRES_PORT,
    _F.POSTGRES_USER,
    _F.POSTGRES_PASSWORD,
    _F.POSTGRES_GET_PASSWORD_TOPIC,
    _F.POSTGRES_CONNECT_TIMEOUT,
    _F.POSTGRES_CONN_MAX_AGE,
    _F.POSTGRES_PRE_PING,
    _F.POSTGRES_MAX_WAITING,
    _F.POSTGRES_LOCK_TIMEOUT,
    _F.POSTGRES_POOL_SIZE,
    _F.POSTGRES_MAX_OVERFLOW,
    _F.POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT,
    _F.POSTGRES_SCHEMA,
    _F.POSTGRES_SINGLE_ROW_TRACKING,
    _F.ORIGINATOR_ID_TYPE,
    POSTGRES_APPLICATION_NAME,
)

_lock = threading.Lock()
_shared: dict[tuple[str | None, ...], PostgresDatastore] = {}


class SharedPoolFactory(PostgresFactory):
    """A PostgresFactory whose applications share one datastore (one pool) per settings."""

    application_recorder_class = TenantApplicationRecorder
    process_recorder_class = TenantProcessRecorder

    def __init__(self, env: Environment | EnvType | None) -> None:
        # The base class parses and validates the env into a fresh, unopened datastore;
        # it is kept only if no datastore with the same settings exists yet.
        super().__init__(env)
        if strtobool(self.env.get(self.POSTGRES_ENABLE_DB_FUNCTIONS) or "no"):
            raise OSError(
                "POSTGRES_ENABLE_DB_FUNCTIONS must stay off with shared pools: its insert "
                "function is per schema, so tenant applications would write to each other's table"
            )
        key = tuple(self.env.get(name) for name in _DATASTORE_KEYS)
        self.datastore = _share(key, self.datastore, self.env.get(POSTGRES_APPLICATION_NAME))

    def close(self) -> None:
        """Do nothing: the shared datastore outlives any one application."""

    def __enter__(self) -> Self:
        BaseInfrastructureFactory.__enter__(self)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> None:
        BaseInfrastructureFactory.__exit__(self, exc_type, exc_val, exc_tb)


def _share(
    key: tuple[str | None, ...], fresh: PostgresDatastore, application_name: str | None
) -> PostgresDatastore:
    with _lock:
        existing = _shared.get(key)
        if existing is not None:
            return existing
        if application_name:
            _set_application_name(fresh, application_name)
        _keep_prepared_statements(fresh)
        _reuse_warm_connections(fresh)
        _shared[key] = fresh
        return fresh


def _set_application_name(datastore: PostgresDatastore, application_name: str) -> None:
    kwargs = datastore.pool.kwargs
    assert isinstance(kwargs, dict), "PostgresDatastore passes its pool a kwargs dict"
    kwargs["application_name"] = application_name


# Every tenant table has its own statements (select, insert function, lock), so one
# connection serving many tenants needs far more than psycopg's default of 100 prepared
# statements; past it psycopg would deallocate and re-prepare on nearly every command.
PREPARED_STATEMENTS_PER_CONNECTION = 20_000


def _keep_prepared_statements(datastore: PostgresDatastore) -> None:
    pool: Any = datastore.pool
    configure = pool._configure  # psycopg_pool keeps the configure callback here

    def configure_connection(conn: Any) -> None:
        if configure is not None:
            configure(conn)
        conn.prepared_max = PREPARED_STATEMENTS_PER_CONNECTION

    pool._configure = configure_connection


class _MostRecentFirst(deque[Any]):
    """psycopg_pool takes idle connections with ``popleft`` and returns them with
    ``append``; answering ``popleft`` from the right makes the pool last-in, first-out."""

    def popleft(self) -> Any:
        return self.pop()


def _reuse_warm_connections(datastore: PostgresDatastore) -> None:
    # A first-in, first-out pool rotates every command over all its connections, so each
    # one (and its server backend) is cold in the CPU caches when its turn comes; handing
    # out the connection returned last measured about a tenth less CPU per command
    # (benchmarks/commands.py). Idle extra connections also age out sooner.
    pool: Any = datastore.pool
    pool._pool = _MostRecentFirst(pool._pool)


def close_shared_datastores() -> int:
    """Close every shared datastore (at shutdown or between tests); return how many."""
    with _lock:
        datastores = list(_shared.values())
        _shared.clear()
    for datastore in datastores:
        datastore.close()
    return len(datastores)


def close_shared_datastores_of_schema(schema: str) -> int:
    """Close the shared datastores serving ``schema`` (one being dropped, say); return how
    many. Applications still holding one must not be used afterwards."""
    position = _DATASTORE_KEYS.index(_F.POSTGRES_SCHEMA)
    with _lock:
        keys = [key for key in _shared if key[position] == schema]
        datastores = [_shared.pop(key) for key in keys]
    for datastore in datastores:
        datastore.close()
    return len(datastores)


def shared_datastore_count() -> int:
    """How many distinct shared datastores (pools) this process holds."""
    with _lock:
        return len(_shared)


def ensure_schema(settings: StorageSettings) -> None:
    """Create the configured PostgreSQL schema if missing (eventsourcing assumes it exists)."""
    if settings.backend != "postgres" or settings.schema == "public":
        return
    # Through the shared pool (with the env an application sees, so no extra pool opens)
    # rather than psycopg itself: the gateway may not import psycopg, even via tenants.
    env = {**os.environ, **settings.postgres_env()}
    datastore = SharedPoolFactory(env).datastore
    # StorageSettings admits only plain lowercase identifiers, so quoting is enough.
    statement = f'CREATE SCHEMA IF NOT EXISTS "{settings.schema}"'
    # A concurrent creator can still win the race and fail us with a unique violation.
    with contextlib.suppress(IntegrityError), datastore.transaction(commit=True) as cursor:
        cursor.execute(statement)
