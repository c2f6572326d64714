"""Where tenant event stores live: the storage settings and the eventsourcing env they produce."""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TypeVar

Backend = Literal["sqlite", "postgres"]
BACKENDS: tuple[Backend, ...] = ("sqlite", "postgres")

SHARED_POOL_FACTORY_TOPIC = "tenants.pool:SharedPoolFactory"
SQLITE_MODULE_TOPIC = "eventsourcing.sqlite"
SQLITE_RECORDER_TOPIC = "tenants.receipts:SQLiteReceiptRecorder"

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_T = TypeVar("_T")


@dataclass(frozen=True)
class StorageSettings:
    """Which event store backend to use and how to reach it."""

    backend: Backend = "sqlite"
    data_dir: Path = Path(".fundament")
    host: str = "127.0.0.1"
    port: int = 5432
    dbname: str = "fundament"
    user: str = "postgres"
    password: str = field(default="", repr=False)
    schema: str = "public"
    pool_size: int = 5
    max_overflow: int = 5
    app_cache_size: int = 256
    aggregate_cache_size: int = 500
    application_name: str = "fundament"
    # Seconds a write waits for its tenant's table lock before it fails (0 waits forever).
    lock_timeout: int = 5

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise ValueError(
                f"storage backend must be 'sqlite' or 'postgres', not {self.backend!r}"
            )
        _check_range("port", self.port, 1, 65535)
        _check_range("pool_size", self.pool_size, 1, 1000)
        _check_range("max_overflow", self.max_overflow, 0, 1000)
        _check_range("app_cache_size", self.app_cache_size, 1, 1_000_000)
        _check_range("aggregate_cache_size", self.aggregate_cache_size, 0, 1_000_000)
        _check_range("lock_timeout", self.lock_timeout, 0, 3600)
        if not self.dbname or not self.user or not self.host:
            raise ValueError("PostgreSQL host, dbname and user must not be empty")
        if not _IDENTIFIER.match(self.schema):
            raise ValueError(
                f"PostgreSQL schema {self.schema!r} is not a plain lowercase identifier"
            )

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> "StorageSettings":
        """Read the settings from ``FUNDAMENT_*`` variables; raise ValueError on bad values."""
        env = _Reader(environ)
        return cls(
            backend=env.value("FUNDAMENT_STORE", "sqlite", _backend),
            data_dir=env.value("FUNDAMENT_DATA_DIR", str(Path.cwd() / ".fundament"), Path),
            host=env.value("FUNDAMENT_PG_HOST", "127.0.0.1", str),
            port=env.value("FUNDAMENT_PG_PORT", "5432", _integer),
            dbname=env.value("FUNDAMENT_PG_DBNAME", "fundament", str),
            user=env.value("FUNDAMENT_PG_USER", "postgres", str),
            password=env.value("FUNDAMENT_PG_PASSWORD", "", str),
            schema=env.value("FUNDAMENT_PG_SCHEMA", "public", str),
            pool_size=env.value("FUNDAMENT_PG_POOL_SIZE", "5", _integer),
            max_overflow=env.value("FUNDAMENT_PG_MAX_OVERFLOW", "5", _integer),
            app_cache_size=env.value("FUNDAMENT_APP_CACHE_SIZE", "256", _integer),
            aggregate_cache_size=env.value("FUNDAMENT_AGGREGATE_CACHE_SIZE", "500", _integer),
            application_name=env.value("FUNDAMENT_PG_APPLICATION_NAME", "fundament", str),
            lock_timeout=env.value("FUNDAMENT_PG_LOCK_TIMEOUT", "5", _integer),
        )

    @property
    def max_connections(self) -> int:
        """The most server connections one process opens for all its applications."""
        return self.pool_size + self.max_overflow

    @property
    def platform_db_path(self) -> Path:
        """The SQLite file holding the platform application (the tenant registry)."""
        return self.data_dir / "platform.db"

    def tenant_db_path(self, slug: str) -> Path:
        """The SQLite file holding one tenant's events."""
        return self.data_dir / "tenants" / f"{slug}.db"

    def postgres_env(self) -> dict[str, str]:
        """The eventsourcing env for an application on the shared PostgreSQL pool."""
        return {
            "PERSISTENCE_MODULE": SHARED_POOL_FACTORY_TOPIC,
            "POSTGRES_HOST": self.host,
            "POSTGRES_PORT": str(self.port),
            "POSTGRES_DBNAME": self.dbname,
            "POSTGRES_USER": self.user,
            "POSTGRES_PASSWORD": self.password,
            "POSTGRES_SCHEMA": self.schema,
            "POSTGRES_POOL_SIZE": str(self.pool_size),
            "POSTGRES_MAX_OVERFLOW": str(self.max_overflow),
            "POSTGRES_APPLICATION_NAME": self.application_name,
            "POSTGRES_LOCK_TIMEOUT": str(self.lock_timeout),
        }

    def sqlite_env(self, path: Path) -> dict[str, str]:
        """The eventsourcing env for an application stored in the SQLite file ``path``."""
        return {
            "PERSISTENCE_MODULE": SQLITE_MODULE_TOPIC,
            "APPLICATION_RECORDER_TOPIC": SQLITE_RECORDER_TOPIC,
            "SQLITE_DBNAME": str(path),
        }


def _check_range(name: str, value: int, low: int, high: int) -> None:
    if not low <= value <= high:
        raise ValueError(f"{name} must be between {low} and {high}, not {value}")


def _backend(raw: str) -> Backend:
    if raw not in BACKENDS:
        raise ValueError("expected 'sqlite' or 'postgres'")
    return raw


def _integer(raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise ValueError("expected an integer") from None


class _Reader:
    """Reads and converts environment values, naming the variable in any error."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ

    def value(self, key: str, default: str, convert: Callable[[str], _T]) -> _T:
        raw = self._environ.get(key, "").strip() or default
        try:
            return convert(raw)
        except ValueError as error:
            raise ValueError(f"{key}={raw!r} is invalid: {error}") from None
