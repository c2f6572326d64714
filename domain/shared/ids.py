"""Identifiers: tenant slugs and aggregate ids that never collide across tenants.

Every aggregate id is a UUIDv5 inside its tenant's own namespace, so the same natural
key (``call/INC-…``, ``service/passport``) in two tenants gives two different ids, and an
id can be recomputed from the key without an index.
"""

import re
from uuid import UUID, uuid5

from domain.shared.errors import DomainError

FUNDAMENT_NAMESPACE = UUID("0b9c3f52-5a7e-4f21-9d0e-6f1c2a8b7d34")
_SLUG = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
MAX_SLUG_LENGTH = 40


class InvalidTenantSlugError(DomainError):
    code = "invalid-tenant-slug"


def validate_tenant_slug(slug: str) -> str:
    """Return the slug if it is a valid tenant slug, else raise."""
    if len(slug) > MAX_SLUG_LENGTH or not _SLUG.match(slug):
        raise InvalidTenantSlugError(
            f"tenant slug {slug!r} is invalid: use 1-{MAX_SLUG_LENGTH} lowercase letters, "
            "digits and single hyphens, starting with a letter"
        )
    return slug


def tenant_namespace(tenant_id: str) -> UUID:
    """The UUID namespace in which all of one tenant's aggregate ids live."""
    return uuid5(FUNDAMENT_NAMESPACE, f"tenant/{validate_tenant_slug(tenant_id)}")


def aggregate_id(tenant_id: str, kind: str, key: str) -> UUID:
    """A stable aggregate id for ``kind``/``key`` inside ``tenant_id``."""
    return uuid5(tenant_namespace(tenant_id), f"{kind}/{key}")
