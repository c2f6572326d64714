"""Kafka offsets of projection workers, kept in the read store (``projection_offsets``).

The read store, not Kafka, is where a worker's position is authoritative: the next offset
of each partition is written in the same transaction as the read-model rows it covers, so
the two can never disagree, whatever moment a worker dies at.

Each write names the offset the worker believes is stored (``expected``). If another
process moved it meanwhile (two workers given the same partitions), the write matches no
row and ``OffsetConflictError`` rolls the whole batch back: the second worker stops
instead of projecting the same records a second time.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from projections.storage import ReadStore, Tx

# ``= NULL`` is never true: a worker that expected no row fails if one appeared meanwhile.
_ADVANCE = (
    "INSERT INTO projection_offsets (consumer, topic, kafka_partition, next_offset)"
    " VALUES (%s, %s, %s, %s)"
    " ON CONFLICT (consumer, topic, kafka_partition) DO UPDATE"
    " SET next_offset = excluded.next_offset WHERE projection_offsets.next_offset = %s"
    " RETURNING next_offset"
)


class OffsetConflictError(RuntimeError):
    """Another worker moved this consumer's offsets: two workers share partitions."""


@dataclass(frozen=True)
class OffsetMove:
    """A partition's next offset goes from ``expected`` (None: never stored) to ``next``."""

    partition: int
    expected: int | None
    next: int


def stored_offsets(
    store: ReadStore, consumer: str, topic: str, partitions: Iterable[int]
) -> dict[int, int]:
    """The next offset stored for each of these partitions that has one."""
    wanted = set(partitions)
    with store.transaction() as tx:
        rows = tx.fetchall(
            "SELECT kafka_partition, next_offset FROM projection_offsets"
            " WHERE consumer = %s AND topic = %s",
            (consumer, topic),
        )
    return {int(p): int(offset) for p, offset in rows if int(p) in wanted}


def advance(tx: Tx, consumer: str, topic: str, moves: Iterable[OffsetMove]) -> None:
    """Store the next offsets in ``tx``; OffsetConflictError if one was moved by another."""
    for move in moves:
        rows = tx.fetchall(_ADVANCE, (consumer, topic, move.partition, move.next, move.expected))
        if not rows:
            raise OffsetConflictError(
                f"consumer {consumer!r} on {topic}/{move.partition}: the stored offset is no"
                f" longer {move.expected}; another worker is projecting this partition"
            )


def as_moves(
    expected: Mapping[int, int | None], next_offsets: Mapping[int, int]
) -> list[OffsetMove]:
    return [OffsetMove(p, expected.get(p), offset) for p, offset in sorted(next_offsets.items())]
