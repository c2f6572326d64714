"""How Fundament's own value types are written into stored events."""

import re
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
        encoded = {
            "tenant_id": obj.tenant_id,
            "actor": obj.actor,
            "occurred_at": obj.occurred_at,
            "correlation_id": obj.correlation_id,
            "causation_id": obj.causation_id,
        }
        # Only when present (and last), so an untraced event is stored exactly as before
        # and ``traceparent_of`` can find it without decoding the event.
        if obj.traceparent is not None:
            encoded["traceparent"] = obj.traceparent
        return encoded

    def decode(self, data: dict[str, Any]) -> EventMeta:
        return EventMeta(**data)


# What ``EventMetaAsDict`` writes, as the JSON transcoder lays it out: the traceparent
# right after the causation id, then the ends of the "_data_" and "event_meta" objects.
_META = b'"_type_":"event_meta","_data_":{'
_CAUSATION = b'"causation_id":{"_type_":"uuid_hex","_data_":"'
_TRACE_KEY = b'"},"traceparent":"'
_TRACEPARENT = re.compile(rb"00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}")
_TRACEPARENT_LENGTH = 55


def traceparent_of(state: bytes) -> str | None:
    """The traceparent in a stored event's metadata, found without decoding the event
    (some fifty times cheaper than the mapper, for callers that need nothing else)."""
    meta = state.find(_META)
    causation = state.find(_CAUSATION, meta) if meta >= 0 else -1
    if causation < 0:
        return None
    key = causation + len(_CAUSATION) + 32  # the causation id's 32 hex digits
    value = key + len(_TRACE_KEY)
    end = value + _TRACEPARENT_LENGTH
    if not state.startswith(_TRACE_KEY, key) or not state.startswith(b'"}}', end):
        return None
    found = _TRACEPARENT.fullmatch(state, value, end)
    return found.group().decode() if found else None


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
