"""Who issues a command, when, and under which correlation."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from domain.shared.meta import EventMeta


@dataclass(frozen=True)
class CommandContext:
    """Supplied by the entry point (HTTP request, CLI, demo) with every command."""

    actor: str
    occurred_at: datetime
    correlation_id: UUID
    command_id: UUID
    traceparent: str | None = None  # W3C trace context of the request, if it is traced

    def meta(self, tenant_id: str, traceparent: str | None = None) -> EventMeta:
        """Metadata for the events this command causes in ``tenant_id``; ``traceparent``
        (the span the command runs in) replaces the context's own when given."""
        return EventMeta(
            tenant_id,
            self.actor,
            self.occurred_at,
            self.correlation_id,
            self.command_id,
            traceparent or self.traceparent,
        )
