"""Live per-tenant applications: provisioned at runtime, each reading only its own event store."""

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Generic

from domain.shared.ids import validate_tenant_slug
from tenants.apps import TApp, open_application, tenant_app_class
from tenants.errors import TenantAlreadyExistsError
from tenants.pool import ensure_schema
from tenants.registry import TenantRecord, TenantRegistry
from tenants.settings import StorageSettings


class TenantRuntime(Generic[TApp]):
    """Opens one ``app_class`` application per registered tenant and keeps the recent ones live.

    On PostgreSQL a tenant's events live in ``t_<slug>_events`` (one table per tenant, all on
    the process-wide shared pool); on SQLite in ``<data_dir>/tenants/<slug>.db``.
    """

    def __init__(
        self, settings: StorageSettings, app_class: type[TApp], registry: TenantRegistry
    ) -> None:
        self._settings = settings
        self._app_class = app_class
        self._registry = registry
        self._lock = threading.Lock()
        self._apps: OrderedDict[str, TApp] = OrderedDict()

    @property
    def registry(self) -> TenantRegistry:
        """The registry this runtime checks tenants against."""
        return self._registry

    @property
    def settings(self) -> StorageSettings:
        """The storage settings the tenants' event stores use."""
        return self._settings

    def app_class_for(self, slug: str) -> type[TApp]:
        """The application class that stores only ``slug``'s events."""
        return tenant_app_class(self._app_class, slug)

    def provision(self, slug: str) -> TApp:
        """Create the tenant's tables if missing (idempotent) and return its live application."""
        app = open_application(
            self.app_class_for(slug),
            self._settings,
            self._settings.tenant_db_path(slug),
            create_tables=True,
        )
        return self._keep(slug, app)

    def app(self, slug: str) -> TApp:
        """The live application of a registered tenant; raise UnknownTenantError otherwise."""
        with self._lock:
            live = self._apps.get(slug)
            if live is not None:
                self._apps.move_to_end(slug)
                return live
        self._registry.get(slug)
        # Tables exist for every registered tenant (create_tenant provisions before it
        # registers), so skip the DDL round trips when reopening.
        app = open_application(
            self.app_class_for(slug),
            self._settings,
            self._settings.tenant_db_path(slug),
            create_tables=False,
        )
        return self._keep(slug, app)

    def create_tenant(
        self, slug: str, name: str, kind: str, *, actor: str, at: datetime
    ) -> TenantRecord:
        """Provision and register a new tenant while the process keeps running."""
        validate_tenant_slug(slug)
        if self._registry.exists(slug):
            raise TenantAlreadyExistsError(slug)
        # Provision first: a registered tenant then always has its tables, and a failed
        # registration leaves only empty tables that nothing can reach.
        self.provision(slug)
        return self._registry.register(slug, name, kind, actor=actor, at=at)

    def live_count(self) -> int:
        """How many tenant applications are cached right now."""
        with self._lock:
            return len(self._apps)

    def close(self) -> None:
        """Close every cached application (PostgreSQL's shared pool stays open)."""
        with self._lock:
            apps = list(self._apps.values())
            self._apps.clear()
        for app in apps:
            app.close()

    def _keep(self, slug: str, app: TApp) -> TApp:
        with self._lock:
            live = self._apps.get(slug)
            if live is not None:
                self._apps.move_to_end(slug)
                return live
            self._apps[slug] = app
            while len(self._apps) > self._settings.app_cache_size:
                # Evicted applications are not closed here: a request may still hold one.
                # When the last reference goes, Application.__del__ closes it.
                self._apps.popitem(last=False)
            return app


@dataclass
class TenantStores(Generic[TApp]):
    """The registry and runtime of one process, opened together from settings."""

    settings: StorageSettings
    registry: TenantRegistry
    runtime: TenantRuntime[TApp]

    @classmethod
    def open(cls, settings: StorageSettings, app_class: type[TApp]) -> "TenantStores[TApp]":
        """Open the platform registry and a runtime for ``app_class`` tenants."""
        ensure_schema(settings)
        registry = TenantRegistry(settings)
        return cls(settings, registry, TenantRuntime(settings, app_class, registry))

    def close(self) -> None:
        """Close the runtime's applications and the registry."""
        self.runtime.close()
        self.registry.close()
