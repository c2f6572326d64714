"""One stored tenant event on its way to the read models, and its Kafka form.

The Kafka value is the stored event's state exactly as the tenant's store holds it; the
key is the tenant slug (so one tenant's events stay in one partition, in commit order);
everything else travels in headers.
"""

from dataclasses import dataclass
from uuid import UUID

from eventsourcing.persistence import Notification, StoredEvent

HEADER_TENANT = "fundament-tenant"
HEADER_TOPIC = "fundament-event-topic"
HEADER_TYPE = "fundament-event-type"
HEADER_AGGREGATE = "fundament-aggregate-id"
HEADER_VERSION = "fundament-originator-version"
HEADER_NOTIFICATION = "fundament-notification-id"
HEADER_CORRELATION = "fundament-correlation-id"
HEADER_TRACEPARENT = "traceparent"

Headers = list[tuple[str, bytes]]


class MalformedMessageError(ValueError):
    """A Kafka message that is not a Fundament event envelope."""


@dataclass(frozen=True)
class EventEnvelope:
    """A tenant's stored event with its position in the tenant's notification log."""

    tenant: str
    notification_id: int
    topic: str
    originator_id: UUID
    originator_version: int
    state: bytes
    correlation_id: str | None = None
    traceparent: str | None = None

    @classmethod
    def of(cls, tenant: str, notification: Notification) -> "EventEnvelope":
        return cls(
            tenant,
            notification.id,
            notification.topic,
            UUID(str(notification.originator_id)),
            notification.originator_version,
            notification.state,
        )

    @property
    def event_type(self) -> str:
        """The event class's qualified name, e.g. ``IncidentCall.Accepted``."""
        return self.topic.rpartition(":")[2]

    def stored_event(self) -> StoredEvent:
        return StoredEvent(self.originator_id, self.originator_version, self.topic, self.state)

    def kafka_key(self) -> bytes:
        return self.tenant.encode()

    def kafka_headers(self) -> Headers:
        headers = [
            (HEADER_TENANT, self.tenant.encode()),
            (HEADER_TOPIC, self.topic.encode()),
            (HEADER_TYPE, self.event_type.encode()),
            (HEADER_AGGREGATE, str(self.originator_id).encode()),
            (HEADER_VERSION, str(self.originator_version).encode()),
            (HEADER_NOTIFICATION, str(self.notification_id).encode()),
        ]
        if self.correlation_id:
            headers.append((HEADER_CORRELATION, self.correlation_id.encode()))
        if self.traceparent:
            headers.append((HEADER_TRACEPARENT, self.traceparent.encode()))
        return headers

    @classmethod
    def from_kafka(
        cls, key: bytes | None, headers: Headers, value: bytes | None
    ) -> "EventEnvelope":
        """Rebuild an envelope from a consumed message; MalformedMessageError if it is not one."""
        found = dict(headers or [])
        try:
            tenant = found[HEADER_TENANT].decode()
            if key is not None and key.decode() != tenant:
                raise MalformedMessageError(f"key {key!r} is not the tenant header {tenant!r}")
            if value is None:
                raise MalformedMessageError("the message has no value")
            return cls(
                tenant,
                int(found[HEADER_NOTIFICATION]),
                found[HEADER_TOPIC].decode(),
                UUID(found[HEADER_AGGREGATE].decode()),
                int(found[HEADER_VERSION]),
                value,
                _optional(found.get(HEADER_CORRELATION)),
                _optional(found.get(HEADER_TRACEPARENT)),
            )
        except KeyError as missing:
            raise MalformedMessageError(f"header {missing} is missing") from None
        except (ValueError, UnicodeDecodeError) as error:
            if isinstance(error, MalformedMessageError):
                raise
            raise MalformedMessageError(f"a header is malformed: {error}") from None


def _optional(raw: bytes | None) -> str | None:
    return raw.decode() if raw else None
