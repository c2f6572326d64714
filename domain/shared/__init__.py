"""Shared kernel: identifiers, event metadata, the domain error base."""

from domain.shared.authority import CallAuthority
from domain.shared.context import CommandContext
from domain.shared.errors import DomainError
from domain.shared.ids import aggregate_id, tenant_namespace, validate_tenant_slug
from domain.shared.meta import EventMeta

__all__ = [
    "CallAuthority",
    "CommandContext",
    "DomainError",
    "EventMeta",
    "aggregate_id",
    "tenant_namespace",
    "validate_tenant_slug",
]
