"""One poll's Kafka records, decoded into envelopes and dead letters, in partition order.

A tenant's events all share one key and so one partition; keeping each partition's
records in offset order (and the partitions one after another) hands the projector every
tenant's events in the order of its notification log.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from projections.envelope import HEADER_TENANT, EventEnvelope, MalformedMessageError
from projections.projector import DeadLetter


@dataclass(frozen=True)
class KafkaBatch:
    """What one poll brought: decoded envelopes, parked messages, offsets to move to."""

    envelopes: list[EventEnvelope] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)
    next_offsets: dict[int, int] = field(default_factory=dict)

    @property
    def records(self) -> int:
        return len(self.envelopes) + len(self.dead_letters)

    @classmethod
    def of(cls, polled: Mapping[Any, Sequence[Any]]) -> "KafkaBatch":
        """Decode ``KafkaConsumer.poll()`` output (TopicPartition → ConsumerRecords)."""
        batch = cls()
        for partition in sorted(polled, key=lambda tp: (tp.topic, tp.partition)):
            for record in sorted(polled[partition], key=lambda r: r.offset):
                batch._add(record)
                batch.next_offsets[record.partition] = record.offset + 1
        return batch

    def _add(self, record: Any) -> None:
        headers: list[tuple[str, bytes]] = list(record.headers or [])
        try:
            self.envelopes.append(EventEnvelope.from_kafka(record.key, headers, record.value))
        except MalformedMessageError as error:
            self.dead_letters.append(_dead_letter(record, headers, error))


def _dead_letter(
    record: Any, headers: list[tuple[str, bytes]], error: MalformedMessageError
) -> DeadLetter:
    readable = {name: _text(raw) for name, raw in headers}
    return DeadLetter(
        source="kafka",
        position=f"{record.topic}/{record.partition}@{record.offset}",
        error=f"{type(error).__name__}: {error}",
        tenant=readable.get(HEADER_TENANT),
        headers=readable,
        value=record.value,
    )


def _text(raw: bytes | None) -> str:
    return raw.decode(errors="replace") if raw is not None else ""
