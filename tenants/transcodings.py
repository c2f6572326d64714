"""How Fundament's own value types are written into stored events."""

from typing import Any

from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    Mapper,
    Transcoding,
    UUIDAsHex,
)

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


def register_transcodings(transcoder: JSONTranscoder) -> None:
    """Every transcoding a tenant application's stored events use (the library's own too)."""
    transcoder.register(UUIDAsHex())
    transcoder.register(DecimalAsStr())
    transcoder.register(DatetimeAsISO())
    transcoder.register(EventMetaAsDict())


def event_mapper() -> Mapper[Any]:
    """Decodes stored tenant events outside their application (relay, projections)."""
    transcoder = JSONTranscoder()
    register_transcodings(transcoder)
    return Mapper(transcoder=transcoder)
