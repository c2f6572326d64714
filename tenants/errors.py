"""Errors raised by the tenant registry and runtime."""

from eventsourcing.persistence import PersistenceError


class TenantError(Exception):
    """A tenant operation failed; ``message`` says why in plain words."""

    code = "tenant-error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TenantAlreadyExistsError(TenantError):
    """A tenant with this slug is already registered."""

    code = "tenant-already-exists"

    def __init__(self, slug: str) -> None:
        super().__init__(f"tenant {slug!r} already exists; choose another slug")
        self.slug = slug


class UnknownTenantError(TenantError):
    """No tenant with this slug is registered."""

    code = "unknown-tenant"

    def __init__(self, slug: str) -> None:
        super().__init__(f"tenant {slug!r} is not registered")
        self.slug = slug


class InvalidTenantDetailsError(TenantError):
    """A registration was missing a name, kind or actor, or had a naive timestamp."""

    code = "invalid-tenant-details"


class RecordNotFoundError(TenantError):
    """A command or query named an aggregate this tenant does not have."""

    code = "not-found"


class StaleVersionError(TenantError):
    """The client acted on an older version than the one stored (optimistic concurrency)."""

    code = "stale-version"


class ConcurrencyConflictError(TenantError):
    """Another writer saved the same aggregate first; nothing of this command was stored."""

    code = "concurrency-conflict"


class TableLockTimeoutError(PersistenceError):
    """A save waited the lock timeout for its tenant's table and gave up.

    Not an ``OperationalError``, so the recorder does not retry it: ten more waits of the
    lock timeout would hold the caller (a gateway worker runs one command at a time) for
    minutes. The caller may retry later.
    """
