"""The tenant registry: one small event-sourced aggregate per tenant, in the platform app."""

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, Notification
from eventsourcing.utils import get_topic

from domain.shared.ids import validate_tenant_slug
from tenants.apps import PLATFORM_APP_NAME, open_application
from tenants.errors import InvalidTenantDetailsError, TenantAlreadyExistsError, UnknownTenantError
from tenants.settings import StorageSettings

TENANT_REGISTRY_NAMESPACE = UUID("5d1f0c8e-3b7a-4e62-a9d4-7c20e1b6f9a3")
_PAGE = 500


def tenant_registry_id(slug: str) -> UUID:
    """The registry aggregate id of a tenant: a UUIDv5 of the slug in a fixed namespace."""
    return uuid5(TENANT_REGISTRY_NAMESPACE, validate_tenant_slug(slug))


class Tenant(Aggregate):
    """A tenant known to the platform: who registered it, when, and what kind it is."""

    class Registered(Aggregate.Created):
        """A tenant was registered under a slug nobody else holds."""

        slug: str
        display_name: str
        kind: str
        registered_at: datetime
        actor: str

    def __init__(
        self, slug: str, display_name: str, kind: str, registered_at: datetime, actor: str
    ) -> None:
        self.slug = slug
        self.display_name = display_name
        self.kind = kind
        self.registered_at = registered_at
        self.actor = actor

    @classmethod
    def register(
        cls, slug: str, display_name: str, kind: str, *, actor: str, at: datetime
    ) -> "Tenant":
        """Register a new tenant; ``at`` is business time given by the caller."""
        # Passing timestamp keeps the library from reading the clock for the event time.
        return cls._create(
            cls.Registered,
            id=tenant_registry_id(slug),
            timestamp=at,
            slug=slug,
            display_name=display_name,
            kind=kind,
            registered_at=at,
            actor=actor,
        )


_REGISTERED_TOPIC = get_topic(Tenant.Registered)


class PlatformApplication(Application[UUID]):
    """The platform's own application: holds the tenant registry (tables ``platform_*``)."""

    name = PLATFORM_APP_NAME


@dataclass(frozen=True)
class TenantRecord:
    """What the registry knows about one tenant."""

    tenant_id: UUID
    slug: str
    name: str
    kind: str
    registered_at: datetime
    actor: str


class TenantRegistry:
    """Registers tenants and answers who exists, reading from the platform event store."""

    def __init__(self, settings: StorageSettings) -> None:
        self._app = open_application(
            PlatformApplication, settings, settings.platform_db_path, create_tables=True
        )
        self._lock = threading.Lock()
        self._records: dict[str, TenantRecord] = {}
        self._position = 0

    def register(
        self, slug: str, name: str, kind: str, *, actor: str, at: datetime
    ) -> TenantRecord:
        """Record a new tenant; raise TenantAlreadyExistsError if the slug is taken."""
        validate_tenant_slug(slug)
        _check_details(name, kind, actor, at)
        if self.exists(slug):
            raise TenantAlreadyExistsError(slug)
        tenant = Tenant.register(slug, name, kind, actor=actor, at=at)
        try:
            self._app.save(tenant)
        except IntegrityError:
            # Another process registered the same slug between our check and our save.
            raise TenantAlreadyExistsError(slug) from None
        return self._remember(_record_of(tenant))

    def get(self, slug: str) -> TenantRecord:
        """The tenant registered as ``slug``; raise UnknownTenantError if there is none."""
        known = self._records.get(slug)
        if known is not None:
            return known
        try:
            tenant: Tenant = self._app.repository.get(tenant_registry_id(slug))
        except AggregateNotFoundError:
            raise UnknownTenantError(slug) from None
        return self._remember(_record_of(tenant))

    def exists(self, slug: str) -> bool:
        """Whether a tenant is registered as ``slug``."""
        try:
            self.get(slug)
        except UnknownTenantError:
            return False
        return True

    def list(self) -> list[TenantRecord]:
        """Every registered tenant, sorted by slug."""
        with self._lock:
            self._catch_up()
            records = list(self._records.values())
        return sorted(records, key=lambda record: record.slug)

    def close(self) -> None:
        """Release the platform application's store."""
        self._app.close()

    def _catch_up(self) -> None:
        while True:
            page = self._app.recorder.select_notifications(
                self._position + 1, _PAGE, topics=[_REGISTERED_TOPIC]
            )
            for notification in page:
                self._remember(self._decode(notification))
                self._position = notification.id
            if len(page) < _PAGE:
                return

    def _decode(self, notification: Notification) -> TenantRecord:
        event: Any = self._app.mapper.to_domain_event(notification)
        assert isinstance(event, Tenant.Registered)
        return TenantRecord(
            tenant_id=event.originator_id,
            slug=event.slug,
            name=event.display_name,
            kind=event.kind,
            registered_at=event.registered_at,
            actor=event.actor,
        )

    def _remember(self, record: TenantRecord) -> TenantRecord:
        self._records[record.slug] = record
        return record


def _record_of(tenant: Tenant) -> TenantRecord:
    return TenantRecord(
        tenant_id=tenant.id,
        slug=tenant.slug,
        name=tenant.display_name,
        kind=tenant.kind,
        registered_at=tenant.registered_at,
        actor=tenant.actor,
    )


def _check_details(name: str, kind: str, actor: str, at: datetime) -> None:
    for label, value in (("name", name), ("kind", kind), ("actor", actor)):
        if not value.strip():
            raise InvalidTenantDetailsError(f"tenant {label} must not be empty")
    if at.tzinfo is None:
        raise InvalidTenantDetailsError("registration time must be timezone-aware")
