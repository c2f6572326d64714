"""Metadata that every Fundament event carries."""

from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID


@dataclass(frozen=True)
class EventMeta:
    """Who did what, for which tenant, when, and why.

    ``occurred_at`` is business time supplied by the caller (the domain never reads a
    clock); ``correlation_id`` ties all events of one request or workflow together and
    ``causation_id`` names the command (or event) that directly caused this one.
    ``traceparent`` is the W3C trace context of the command's span, if it ran in a trace,
    so the relay and the projections can continue that trace; events stored before it
    existed have none.
    """

    tenant_id: str
    actor: str
    occurred_at: datetime
    correlation_id: UUID
    causation_id: UUID
    traceparent: str | None = None

    def __post_init__(self) -> None:
        if self.occurred_at.tzinfo is None:
            raise ValueError("occurred_at must be timezone-aware")

    def caused_by(self, causation_id: UUID) -> "EventMeta":
        """The same metadata, caused by another command or event."""
        return replace(self, causation_id=causation_id)
