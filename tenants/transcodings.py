"""How Fundament's own value types are written into stored events."""

from typing import Any

from eventsourcing.persistence import Transcoding

from domain.shared import EventMeta


class EventMetaAsDict(Transcoding):
    """EventMeta as a plain object, so every stored event shows its metadata readably."""

    type = EventMeta
    name = "event_meta"

    def encode(self, obj: EventMeta) -> dict[str, Any]:
        return {
            "tenant_id": obj.tenant_id,
            "actor": obj.actor,
            "occurred_at": obj.occurred_at,
            "correlation_id": obj.correlation_id,
            "causation_id": obj.causation_id,
        }

    def decode(self, data: dict[str, Any]) -> EventMeta:
        return EventMeta(**data)
