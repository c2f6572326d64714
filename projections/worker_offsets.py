"""Kafka offsets of projection workers, kept in the read store (``projection_offsets``).

The read store, not Kafka, is where a worker's position is authoritative: the next offset
of each partition is written in the same transaction as the read-model rows it covers, so
the two can never disagree, whatever moment a worker dies at.

Each write names the offset the worker believes is stored (``expected``). If another
process moved it meanwhile (two workers given the same partitions), the write matches no
row and ``OffsetConflictError`` rolls the whole batch back: the second worker stops
instead of projecting the same records a second time.

An offset only means something in the log it was read from. Beside each partition's
offset the store keeps the topic's id (KIP-516), which changes when the topic is created
anew, as when a memory broker (Tansu) restarts with an empty log. A worker that finds
another id moves those partitions back to the start (``adopt_log``); the tracking records
then skip whatever the read models already hold. Tansu answers a fetch past the end of
its log with nothing rather than OFFSET_OUT_OF_RANGE, so without this the worker would
wait at its old offset for ever.
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

_LOGS = (
    "CREATE TABLE IF NOT EXISTS projection_offset_logs ("
    " consumer TEXT NOT NULL, topic TEXT NOT NULL, kafka_partition INTEGER NOT NULL,"
    " topic_id TEXT NOT NULL, PRIMARY KEY (consumer, topic, kafka_partition))"
)

_RECORD_LOG = (
    "INSERT INTO projection_offset_logs (consumer, topic, kafka_partition, topic_id)"
    " VALUES (%s, %s, %s, %s)"
    " ON CONFLICT (consumer, topic, kafka_partition) DO UPDATE SET topic_id = excluded.topic_id"
)


class OffsetConflictError(RuntimeError):
    """Another worker moved this consumer's offsets: two workers share partitions."""


@dataclass(frozen=True)
class OffsetMove:
    """A partition's next offset goes from ``expected`` (None: never stored) to ``next``."""

    partition: int
    expected: int | None
    next: int


def create_tables(store: ReadStore) -> None:
    """``projection_offset_logs``; the projector creates ``projection_offsets`` itself."""
    with store.transaction() as tx:
        tx.execute(_LOGS)


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


def adopt_log(
    store: ReadStore,
    consumer: str,
    topic: str,
    topic_id: str,
    expected: Mapping[int, int | None],
) -> list[int]:
    """Record that these partitions are read from the topic with ``topic_id``.

    Partitions last read from another incarnation of the topic go back to offset 0 (in
    the same transaction, guarded like any move); they are returned.
    """
    with store.transaction() as tx:
        rows = tx.fetchall(
            "SELECT kafka_partition, topic_id FROM projection_offset_logs"
            " WHERE consumer = %s AND topic = %s",
            (consumer, topic),
        )
        known = {int(p): str(found) for p, found in rows}
        replaced = sorted(p for p in expected if known.get(p, topic_id) != topic_id)
        moves = [OffsetMove(p, expected[p], 0) for p in replaced if expected[p] != 0]
        advance(tx, consumer, topic, moves)
        tx.executemany(_RECORD_LOG, [(consumer, topic, p, topic_id) for p in sorted(expected)])
    return replaced
