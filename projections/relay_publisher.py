"""The relay's side of Kafka: one producer that keeps each tenant's order and says what landed.

Ordering is the contract downstream depends on: a projector skips any notification id at
or below the last one it applied, so if event 6 of a tenant reached the topic before event
5, event 5 would be skipped for good. Two producer settings rule that out. With idempotence
the broker refuses a batch whose sequence number does not follow the last one it stored,
so up to five requests may be in flight per connection and a retried batch still lands in
order. A broker without idempotence gets one request in flight, so a retry can never
overtake a later batch.

``acks="all"`` makes an acknowledgement mean the record is on every in-sync replica; only
then may the relay record that it got that far.

A record the client refuses outright (larger than ``max_request_size``) stops its tenant
in this publish: none of the tenant's later events is sent ahead of it. Keep
``max_request_size`` at or below the broker's ``message.max.bytes``, so that the client,
not the broker, is the one to refuse an oversized record.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from kafka import KafkaAdminClient, KafkaProducer
from kafka.errors import (
    KafkaConfigurationError,
    KafkaError,
    MessageSizeTooLargeError,
    TopicAlreadyExistsError,
)
from opentelemetry.trace import SpanKind

from projections.envelope import EventEnvelope
from projections.settings import FlowSettings
from tenants import tracing

log = logging.getLogger(__name__)

Outcome = Exception | None  # None: the broker acknowledged the record


@dataclass(frozen=True)
class ProducerOptions:
    """Timeouts bound how long a stalled broker can hold one batch before it counts as failed."""

    linger_ms: int = 5
    delivery_timeout_ms: int = 30_000
    request_timeout_ms: int = 10_000
    max_block_ms: int = 10_000
    compression_type: str | None = "gzip"
    max_request_size: int = 1_048_576

    def producer_config(self) -> dict[str, Any]:
        return {
            "acks": "all",
            "linger_ms": self.linger_ms,
            "delivery_timeout_ms": self.delivery_timeout_ms,
            "request_timeout_ms": self.request_timeout_ms,
            "max_block_ms": self.max_block_ms,
            "bootstrap_timeout_ms": self.max_block_ms,
            "compression_type": self.compression_type,
            "batch_size": 256 * 1024,
            "max_request_size": self.max_request_size,
        }


class Publisher:
    """Sends envelopes to the topic family and reports, per record, whether it was stored.

    The producer is created on first use and dropped after any failure: an idempotent
    producer whose batch expired may hold sequence numbers the broker never saw, and a
    fresh producer (new producer id) starts clean. The topic is created with the
    configured partition count the first time the producer is made.
    """

    def __init__(self, flow: FlowSettings, options: ProducerOptions | None = None) -> None:
        self.flow = flow
        self.options = options or ProducerOptions()
        self._producer: Any = None
        self.idempotent: bool | None = None
        self.topic_id: str | None = None  # the broker's id of the topic, learnt on connect

    def publish(self, envelopes: Sequence[EventEnvelope]) -> list[Outcome]:
        """Send all, flush once, and return one outcome per envelope (same order).

        Traced as one producer span per command trace among the envelopes (a child of the
        traceparent its events carry), failed if any of its events was not acknowledged.
        """
        if not envelopes:
            return []
        attributes = {
            "messaging.system": "kafka",
            "messaging.operation.type": "send",
            "messaging.destination.name": self.flow.topic,
        }
        with tracing.span_per_trace(
            "publish events", envelopes, kind=SpanKind.PRODUCER, attributes=attributes
        ) as spans:
            outcomes = self._publish(envelopes)
            if spans:
                for key, error in _first_failures(envelopes, outcomes).items():
                    tracing.failed(spans[key], error)
        return outcomes

    def _publish(self, envelopes: Sequence[EventEnvelope]) -> list[Outcome]:
        try:
            producer = self._producer_ready()
        except KafkaError as error:
            return [error] * len(envelopes)
        pending: list[Any] = []  # a future per record sent, or the error that stopped it
        refused: dict[str, Exception] = {}
        for envelope in envelopes:
            if envelope.tenant in refused:  # sending its later events would overtake it
                pending.append(refused[envelope.tenant])
                continue
            try:
                pending.append(self._send(producer, envelope))
            except MessageSizeTooLargeError as error:  # this tenant only; others go on
                refused[envelope.tenant] = error
                pending.append(error)
            except KafkaError as error:  # e.g. no metadata within max_block_ms: all fail
                pending += [error] * (len(envelopes) - len(pending))
                break
        outcomes = self._settle(producer, pending)
        if any(outcome is not None for outcome in outcomes):
            self.reset()
        return outcomes

    def connect(self) -> str | None:
        """Make sure a producer is ready; the topic's id, or None if the broker is away."""
        try:
            self._producer_ready()
        except KafkaError as error:
            log.warning("broker not reachable: %s", error)
            return None
        return self.topic_id

    def reset(self) -> None:
        """Drop the producer; the next publish makes a new one."""
        producer, self._producer = self._producer, None
        if producer is not None:
            producer.close(timeout=0)

    def close(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            producer.close(timeout=self.options.delivery_timeout_ms / 1000)

    def _send(self, producer: Any, envelope: EventEnvelope) -> Any:
        return producer.send(
            self.flow.topic,
            key=envelope.kafka_key(),
            value=envelope.state,
            headers=envelope.kafka_headers(),
        )

    def _settle(self, producer: Any, pending: list[Any]) -> list[Outcome]:
        try:
            producer.flush(timeout=self.options.delivery_timeout_ms / 1000 + 5)
        except KafkaError as error:
            log.warning("flush did not complete: %s", error)
        return [_outcome(item) for item in pending]

    def _producer_ready(self) -> Any:
        if self._producer is None:
            self._ensure_topic()
            self._producer = self._new_producer()
        return self._producer

    def _new_producer(self) -> Any:
        config = self.options.producer_config()
        try:
            producer = KafkaProducer(
                bootstrap_servers=self.flow.bootstrap, enable_idempotence=True, **config
            )
            self.idempotent = True
        except KafkaConfigurationError as error:  # a broker older than 0.11
            log.warning(
                "the broker refuses idempotent producers (%s): one request in flight", error
            )
            producer = KafkaProducer(
                bootstrap_servers=self.flow.bootstrap,
                enable_idempotence=False,
                max_in_flight_requests_per_connection=1,
                **config,
            )
            self.idempotent = False
        return producer

    def _ensure_topic(self) -> None:
        admin = KafkaAdminClient(
            bootstrap_servers=self.flow.bootstrap,
            request_timeout_ms=self.options.request_timeout_ms,
            bootstrap_timeout_ms=self.options.max_block_ms,
        )
        try:
            admin.create_topics(
                {self.flow.topic: {"num_partitions": self.flow.partitions}},
                timeout_ms=self.options.request_timeout_ms,
            )
            log.info("created topic %s (%d partitions)", self.flow.topic, self.flow.partitions)
        except TopicAlreadyExistsError:
            pass
        try:
            [described] = admin.describe_topics([self.flow.topic])
            self.topic_id = str(described["topic_id"]) if described.get("topic_id") else None
        finally:
            admin.close()


def _first_failures(
    envelopes: Sequence[EventEnvelope], outcomes: Sequence[Outcome]
) -> dict[tracing.TraceKey, Exception]:
    """Per (tenant, traceparent), the first error among its envelopes' outcomes."""
    failures: dict[tracing.TraceKey, Exception] = {}
    for envelope, outcome in zip(envelopes, outcomes, strict=True):
        if outcome is not None:
            failures.setdefault((envelope.tenant, envelope.traceparent), outcome)
    return failures


def _outcome(future: Any) -> Outcome:
    if isinstance(future, Exception):
        return future
    if not future.is_done:
        unsettled: Exception = KafkaError("no acknowledgement before the flush timed out")
        return unsettled
    error: object = future.exception
    return error if isinstance(error, Exception) else None
