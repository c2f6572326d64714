"""The Kafka projection worker: events from the topic into read models, exactly once.

Each poll becomes one read-store transaction holding the read-model rows, the tracking
records (tenant, notification id) and the partitions' next offsets (``Projector.apply``
with ``also=``). So whenever a worker dies, the offsets it restarts from describe exactly
the rows already written; and an event the relay published twice is skipped by tracking.
Offsets go to Kafka only afterwards, and only when a group id is configured: they are a
courtesy for lag tooling, never read back.

Partitions are assigned explicitly (``WorkerSettings.partitions``, default all), not
through a consumer group: the positions live in the read store anyway, Tansu completes a
group join only after a ~3 s rebalance timeout, and a rebalance could hand a partition to
a second worker in the middle of a batch. Two workers given the same partitions are caught
by the offset guard in ``projections.worker_offsets`` (the second one stops).

A message that is not an event envelope is parked in ``projection_dead_letters`` in the
same transaction and its offset is passed; a broker that goes away only makes the worker
wait and retry (``run_forever``); a topic created anew (a memory broker that restarted
empty) is read again from its start.
"""

import logging
import random
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from kafka.errors import KafkaError, UnknownTopicOrPartitionError
from kafka.structs import OffsetAndMetadata
from opentelemetry.trace import SpanKind

from projections.projector import PROJECT_SPAN, BatchResult, Projector
from projections.read_model import ReadModel
from projections.settings import FlowSettings
from projections.storage import ReadStore
from projections.worker_batch import KafkaBatch
from projections.worker_offsets import (
    adopt_log,
    advance,
    as_moves,
    create_tables,
    stored_offsets,
)
from tenants import tracing

log = logging.getLogger(__name__)

DEFAULT_CONSUMER = "projections"
_BACKOFF_FIRST = 0.2
_BACKOFF_MAX = 10.0


@dataclass(frozen=True)
class WorkerSettings:
    """Which partitions of which topic a worker projects, and under which consumer name.

    ``name`` keys the stored offsets: workers that share a name share positions (and so
    must split the partitions between them); another name reads the topic independently.
    """

    bootstrap: str
    topic: str
    name: str = DEFAULT_CONSUMER
    partitions: tuple[int, ...] | None = None
    group_id: str | None = None
    max_records: int = 500
    poll_timeout: float = 1.0
    fetch_max_wait_ms: int = 50
    # How long one attempt to reach the brokers may take before run_forever backs off and
    # tries again (kafka-python's own default is 30 s, too long to notice a stop request).
    connect_timeout: float = 5.0

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ValueError("a projection worker needs a consumer name")
        if self.partitions is not None and (
            not self.partitions or any(p < 0 for p in self.partitions)
        ):
            raise ValueError("partitions must be a non-empty list of partition numbers")
        if self.max_records < 1:
            raise ValueError("a worker must take at least one record per poll")

    @classmethod
    def of(cls, flow: FlowSettings, **choices: Any) -> "WorkerSettings":
        return cls(bootstrap=flow.bootstrap, topic=flow.topic, **choices)


@dataclass(frozen=True)
class PollReport:
    """One poll: how many Kafka records came, and what the projector did with them."""

    records: int = 0
    projected: BatchResult = field(default_factory=BatchResult)


class Worker:
    """Consumes the assigned partitions and projects them into the read models."""

    def __init__(
        self, settings: WorkerSettings, store: ReadStore, read_models: Sequence[ReadModel]
    ) -> None:
        self.settings = settings
        self.projector = Projector(store, read_models)
        self._span_attributes = {
            "messaging.system": "kafka",
            "messaging.operation.type": "process",
            "messaging.destination.name": settings.topic,
        }
        create_tables(store)
        self._consumer: Any = None
        self._topic_id: str | None = None  # of the topic incarnation the consumer reads
        # Per partition, the next offset this worker stored (None: none yet); read from the
        # store once, then kept here so the guard notices another writer.
        self._expected: dict[int, int | None] | None = None

    def run_once(self, max_records: int | None = None, timeout: float | None = None) -> PollReport:
        """Poll once and project what came; KafkaError when the broker cannot be reached."""
        consumer = self._connected()
        polled = consumer.poll(
            timeout_ms=int(1000 * (self.settings.poll_timeout if timeout is None else timeout)),
            max_records=max_records or self.settings.max_records,
        )
        if self._log_replaced(consumer):
            # Nothing of this poll is stored: reconnecting starts the new log from its start.
            self._disconnect()
            return PollReport()
        batch = KafkaBatch.of(polled)
        if not batch.records:
            return PollReport()
        try:
            projected = self._project(batch)
        except BaseException:
            # The consumer is past records that were not stored: start again from the store.
            self._disconnect()
            raise
        self._commit_kafka_offsets(batch.next_offsets)
        return PollReport(batch.records, projected)

    def run_forever(self, stop: threading.Event) -> None:
        """Project until ``stop`` is set (the batch in hand is finished first).

        A broker error never ends the loop: the worker reconnects with a growing pause and
        resumes from the offsets in the store. Anything else (the read store failing, an
        offset conflict) is raised: a supervisor should restart the worker.
        """
        failures = 0
        while not stop.is_set():
            try:
                self.run_once()
            except KafkaError as error:
                failures += 1
                delay = _backoff(failures)
                log.warning("broker unavailable (%s); retrying in %.1f s", error, delay)
                self._disconnect()
                stop.wait(delay)
            else:
                failures = 0

    def close(self) -> None:
        self._disconnect()

    def _project(self, batch: KafkaBatch) -> BatchResult:
        assert self._expected is not None  # set when the consumer connected
        moves = as_moves(self._expected, batch.next_offsets)
        with tracing.span_per_trace(
            PROJECT_SPAN, batch.envelopes, kind=SpanKind.CONSUMER, attributes=self._span_attributes
        ):
            projected = self.projector.apply(
                batch.envelopes,
                dead_letters=batch.dead_letters,
                also=lambda tx: advance(tx, self.settings.name, self.settings.topic, moves),
            )
        self._expected.update(batch.next_offsets)
        return projected

    def _commit_kafka_offsets(self, next_offsets: dict[int, int]) -> None:
        """Tell Kafka (for lag tooling) what the store already holds; a failure is harmless."""
        if self.settings.group_id is None or self._consumer is None:
            return
        offsets = {
            TopicPartition(self.settings.topic, partition): OffsetAndMetadata(offset, "", -1)
            for partition, offset in next_offsets.items()
        }
        try:
            self._consumer.commit(offsets)
        except KafkaError as error:
            log.warning("could not commit offsets to Kafka (the store has them): %s", error)

    def _connected(self) -> Any:
        if self._consumer is not None:
            return self._consumer
        consumer = KafkaConsumer(
            bootstrap_servers=self.settings.bootstrap.split(","),
            client_id=f"fundament-{self.settings.name}",
            group_id=self.settings.group_id,
            enable_auto_commit=False,
            # Used when Kafka reports a stored offset out of range (its log was lost):
            # reading from the start is safe, tracking skips. Tansu reports nothing in that
            # case; the topic-id check (worker_offsets.adopt_log) covers it.
            auto_offset_reset="earliest",
            max_poll_records=self.settings.max_records,
            # The broker answers a fetch at once when records are there; when none are,
            # it holds the fetch this long. The default 500 ms was most of the end-to-end lag.
            fetch_max_wait_ms=self.settings.fetch_max_wait_ms,
            # Only the relay creates the topic, with the configured partitions; a consumer
            # asking for metadata must not create it with the broker's defaults.
            allow_auto_create_topics=False,
            bootstrap_timeout_ms=int(1000 * self.settings.connect_timeout),
            reconnect_backoff_max_ms=2_000,
        )
        try:
            self._assign(consumer)
        except BaseException:
            consumer.close()
            raise
        self._consumer = consumer
        return consumer

    def _assign(self, consumer: Any) -> None:
        partitions = self._partitions(consumer)
        if self._expected is None:
            stored = stored_offsets(
                self.projector.store, self.settings.name, self.settings.topic, partitions
            )
            self._expected = {p: stored.get(p) for p in partitions}
        self._adopt_log(consumer)
        assignment = [TopicPartition(self.settings.topic, p) for p in partitions]
        consumer.assign(assignment)
        for tp in assignment:
            offset = self._expected.get(tp.partition)
            if offset is None:
                consumer.seek_to_beginning(tp)
            else:
                consumer.seek(tp, offset)
        log.info(
            "consumer %r projecting %s from offsets %s",
            self.settings.name,
            self.settings.topic,
            {p: self._expected.get(p) for p in partitions},
        )

    def _adopt_log(self, consumer: Any) -> None:
        assert self._expected is not None
        self._topic_id = _topic_id(consumer, self.settings.topic)
        if self._topic_id is None:
            return  # a broker without topic ids: trust the stored offsets
        replaced = adopt_log(
            self.projector.store,
            self.settings.name,
            self.settings.topic,
            self._topic_id,
            self._expected,
        )
        if replaced:
            log.warning(
                "topic %s was created anew (id %s): partitions %s are read again from the"
                " start; tracking skips what the read models already hold",
                self.settings.topic,
                self._topic_id,
                replaced,
            )
            self._expected.update(dict.fromkeys(replaced, 0))

    def _log_replaced(self, consumer: Any) -> bool:
        now = _topic_id(consumer, self.settings.topic)
        return now is not None and self._topic_id is not None and now != self._topic_id

    def _partitions(self, consumer: Any) -> list[int]:
        available = consumer.partitions_for_topic(self.settings.topic)
        if not available:
            raise UnknownTopicOrPartitionError(f"topic {self.settings.topic} does not exist yet")
        if self.settings.partitions is None:
            return sorted(available)
        missing = sorted(set(self.settings.partitions) - set(available))
        if missing:
            raise ValueError(
                f"topic {self.settings.topic} has no partition(s) {missing};"
                f" it has {sorted(available)}"
            )
        return sorted(set(self.settings.partitions))

    def _disconnect(self) -> None:
        consumer, self._consumer = self._consumer, None
        if consumer is not None:
            try:
                consumer.close(autocommit=False)
            except KafkaError as error:
                log.debug("closing the consumer failed: %s", error)


def _topic_id(consumer: Any, topic: str) -> str | None:
    """The topic's id in the consumer's latest metadata (None if the broker gives none).

    kafka-python keeps it in its cluster metadata and has no public accessor on the
    consumer; the dependency is pinned to 3.0.x, and a missing attribute only turns the
    recreation check off.
    """
    cluster = getattr(consumer, "_cluster", None)
    found = cluster.topic_id(topic) if cluster is not None else None
    return str(found) if found and found.int != 0 else None


def _backoff(failures: int) -> float:
    """Exponential, capped, with jitter so that restarted workers do not retry in step."""
    ceiling = min(_BACKOFF_MAX, _BACKOFF_FIRST * 2 ** (failures - 1))
    return random.uniform(ceiling / 2, ceiling)
