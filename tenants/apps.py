"""Building eventsourcing applications on the configured store: the platform and each tenant."""

import threading
from pathlib import Path
from typing import Any, TypeVar

from eventsourcing.application import Application
from eventsourcing.persistence import IntegrityError, InternalError, ProgrammingError

from domain.shared.ids import validate_tenant_slug
from tenants.settings import StorageSettings

TApp = TypeVar("TApp", bound=Application[Any])

PLATFORM_APP_NAME = "platform"
_DDL_ATTEMPTS = 3
_DDL_RACES = (IntegrityError, InternalError, ProgrammingError)

_class_lock = threading.Lock()
_tenant_classes: dict[tuple[type[Any], str], type[Any]] = {}


def tenant_app_name(slug: str) -> str:
    """A tenant's application name, env prefix and PostgreSQL table prefix: ``t_<slug>``."""
    # Slugs never contain underscores, so mapping hyphens to underscores stays one-to-one.
    return "t_" + validate_tenant_slug(slug).replace("-", "_")


def tenant_app_class(app_class: type[TApp], slug: str) -> type[TApp]:
    """The subclass of ``app_class`` that stores only ``slug``'s events (built once per process)."""
    name = tenant_app_name(slug)
    with _class_lock:
        cls = _tenant_classes.get((app_class, name))
        if cls is None:
            cls = type(f"{app_class.__name__}_{name[2:]}", (app_class,), {"name": name})
            _tenant_classes[(app_class, name)] = cls
    return cls


def storage_env(
    settings: StorageSettings, sqlite_path: Path, *, create_tables: bool
) -> dict[str, str]:
    """The eventsourcing env for one application; ``sqlite_path`` is used only on SQLite."""
    if settings.backend == "postgres":
        env = settings.postgres_env()
    else:
        env = settings.sqlite_env(sqlite_path)
    env["CREATE_TABLE"] = "yes" if create_tables else "no"
    if settings.aggregate_cache_size:
        # Commands then replay only events newer than the cached copy (fast-forward),
        # so a call or the organization is not decoded from its first event every time.
        env["AGGREGATE_CACHE_MAXSIZE"] = str(settings.aggregate_cache_size)
    return env


def open_application(
    app_class: type[TApp], settings: StorageSettings, sqlite_path: Path, *, create_tables: bool
) -> TApp:
    """Construct ``app_class`` on the configured store, creating its tables if asked."""
    env = storage_env(settings, sqlite_path, create_tables=create_tables)
    if not create_tables:
        return app_class(env)
    if settings.backend == "sqlite":
        sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    for attempt in range(1, _DDL_ATTEMPTS + 1):
        try:
            return app_class(env)
        except _DDL_RACES:
            # Two processes creating the same table or composite type at once: PostgreSQL
            # fails the loser with a unique violation or "already exists" even under
            # IF NOT EXISTS. The DDL is idempotent, so trying again succeeds.
            if attempt == _DDL_ATTEMPTS:
                raise
    raise AssertionError("unreachable")
