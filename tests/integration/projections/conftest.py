"""Fixtures: a read store on both backends, a fresh schema or file per test."""

from collections.abc import Iterator
from uuid import uuid4

import psycopg
import pytest
from psycopg import sql

from projections.storage import PostgresReadStore, ReadStore, SqliteReadStore
from tenants.settings import StorageSettings


@pytest.fixture
def read_store(settings: StorageSettings) -> Iterator[ReadStore]:
    """An empty read store: a fresh schema on PostgreSQL, a fresh file on SQLite."""
    if settings.backend == "sqlite":
        sqlite_store = SqliteReadStore(settings.data_dir / f"read-{uuid4().hex[:8]}.db")
        yield sqlite_store
        sqlite_store.close()
        return
    schema = f"rm_{uuid4().hex[:10]}"
    pg_store = PostgresReadStore(settings, schema)
    yield pg_store
    pg_store.close()
    with psycopg.connect(
        host=settings.host,
        port=settings.port,
        dbname=settings.dbname,
        user=settings.user,
        autocommit=True,
    ) as connection:
        connection.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
