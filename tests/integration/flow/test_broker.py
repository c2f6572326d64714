"""The local broker answers the Kafka protocol: a produced message comes back."""

from uuid import uuid4

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from tests.support.broker import LocalBroker

pytestmark = pytest.mark.kafka


def test_a_message_produced_with_acks_all_is_consumed_with_its_headers(
    broker: LocalBroker,
) -> None:
    topic = f"probe-{uuid4().hex[:8]}"
    producer = KafkaProducer(bootstrap_servers=broker.bootstrap, acks="all")
    producer.send(topic, key=b"t1", value=b"v1", headers=[("h", b"1")]).get(timeout=10)
    producer.close()
    consumer = KafkaConsumer(bootstrap_servers=broker.bootstrap, enable_auto_commit=False)
    partitions = consumer.partitions_for_topic(topic)
    assert partitions
    consumer.assign([TopicPartition(topic, p) for p in partitions])
    consumer.seek_to_beginning()
    records = [r for batch in consumer.poll(timeout_ms=5000).values() for r in batch]
    consumer.close()
    assert [(r.key, r.value, r.headers) for r in records] == [(b"t1", b"v1", [("h", b"1")])]
