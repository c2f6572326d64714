"""Shared fixtures: storage settings for both backends and fresh tenant slugs."""

import os
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from uuid import uuid4

import psycopg
import pytest

from tenants.pool import close_shared_datastores
from tenants.settings import StorageSettings

PG_TEST_DBNAME = os.environ.get("FUNDAMENT_TEST_PG_DBNAME", "fundament_test")


def postgres_test_settings(data_dir: Path, **overrides: Any) -> StorageSettings:
    """Settings for the test database on the local PostgreSQL server."""
    environ = {**os.environ, "FUNDAMENT_STORE": "postgres", "FUNDAMENT_PG_DBNAME": PG_TEST_DBNAME}
    return replace(StorageSettings.from_env(environ), data_dir=data_dir, **overrides)


@pytest.fixture(scope="session")
def _postgres_reachable() -> None:
    settings = postgres_test_settings(Path())
    try:
        psycopg.connect(
            host=settings.host,
            port=settings.port,
            dbname=settings.dbname,
            user=settings.user,
            password=settings.password,
            connect_timeout=3,
        ).close()
    except psycopg.OperationalError as error:
        pytest.fail(
            f"PostgreSQL test database unreachable ({error}); run deploy/local/ensure-postgres.sh "
            "or deselect with -m 'not postgres'"
        )


@pytest.fixture(scope="session", autouse=True)
def _close_shared_pools() -> Iterator[None]:
    yield
    close_shared_datastores()


@pytest.fixture
def pg_settings(_postgres_reachable: None, tmp_path: Path) -> StorageSettings:
    """PostgreSQL settings pointing at the test database (schema public)."""
    return postgres_test_settings(tmp_path)


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> StorageSettings:
    """SQLite settings with a data directory private to the test."""
    return StorageSettings(backend="sqlite", data_dir=tmp_path / "data")


@pytest.fixture
def fresh_slug() -> Callable[..., str]:
    """Make tenant slugs no other test (or earlier run) has used: ``fresh_slug("acme")``."""

    def make(prefix: str = "t") -> str:
        return f"{prefix}-{uuid4().hex[:12]}"

    return make
