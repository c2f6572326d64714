"""The projection worker on a real broker and PostgreSQL: rows appear once, whatever the
topic holds — duplicates, garbage, or partitions split between workers."""

from collections.abc import Iterator

import pytest

from projections.envelope import HEADER_NOTIFICATION, EventEnvelope
from projections.worker_offsets import OffsetConflictError
from tenants.settings import StorageSettings
from tests.integration.flow.helpers_worker import PARTITIONS, WorkerFlow, wait_until, worker_flow
from tests.support.broker import LocalBroker

pytestmark = [pytest.mark.postgres, pytest.mark.kafka]


@pytest.fixture
def flow(broker: LocalBroker, pg_settings: StorageSettings) -> Iterator[WorkerFlow]:
    with worker_flow(broker, pg_settings) as made:
        yield made


def test_published_events_become_catalog_rows_tracking_and_offsets(flow: WorkerFlow) -> None:
    tenant, _ = flow.seed()
    envelopes = flow.envelopes(tenant.slug)
    flow.publish(envelopes)
    worker = flow.worker()
    flow.drain(worker, lambda: flow.caught_up(tenant.slug))
    assert flow.service_codes(tenant.slug) == sorted(s.code for s in tenant.services)
    assert flow.counted(tenant.slug) == len(envelopes)
    assert flow.position("test_event_counter", tenant.slug) == flow.last_id(tenant.slug)
    assert sum(flow.offsets().values()) == len(envelopes)
    assert flow.dead_letters() == []


def test_events_published_twice_change_nothing_the_second_time(flow: WorkerFlow) -> None:
    tenant, _ = flow.seed()
    envelopes = flow.envelopes(tenant.slug)
    flow.publish(envelopes)
    flow.publish(envelopes[len(envelopes) // 2 :])  # a relay that re-sent after a crash
    flow.publish(envelopes)  # and a full re-relay
    worker = flow.worker()
    published = 2 * len(envelopes) + len(envelopes) - len(envelopes) // 2
    flow.drain(worker, lambda: sum(flow.offsets().values()) == published)
    assert flow.counted(tenant.slug) == len(envelopes)
    assert flow.service_codes(tenant.slug) == sorted(s.code for s in tenant.services)
    assert flow.dead_letters() == []


def test_malformed_messages_are_parked_and_later_events_still_land(flow: WorkerFlow) -> None:
    tenant, _ = flow.seed()
    good = flow.envelopes(tenant.slug)
    bad_header = [
        (name, b"not-a-number" if name == HEADER_NOTIFICATION else raw)
        for name, raw in good[0].kafka_headers()
    ]
    flow.publish_raw(b"someone", b"hello", [])
    flow.publish_raw(good[0].kafka_key(), good[0].state, bad_header)
    flow.publish_raw(good[0].kafka_key(), b"\xff\x00garbage", good[0].kafka_headers()[:2])
    flow.publish(good)
    worker = flow.worker()
    flow.drain(worker, lambda: flow.caught_up(tenant.slug))
    parked = flow.dead_letters()
    assert [(source, tenant_) for source, _, tenant_, _, _ in parked] == [
        ("kafka", None),
        ("kafka", tenant.slug),
        ("kafka", tenant.slug),
    ]
    assert parked[0][1] == f"{flow.topic}/0@0" and parked[0][4] == b"hello"
    assert "header" in parked[0][3] and "malformed" in parked[1][3]
    assert flow.counted(tenant.slug) == len(good)
    assert flow.service_codes(tenant.slug) == sorted(s.code for s in tenant.services)


def test_an_event_the_read_models_cannot_decode_is_parked_not_fatal(flow: WorkerFlow) -> None:
    tenant, _ = flow.seed()
    good = flow.envelopes(tenant.slug)
    first = next(e for e in good if e.event_type == "Service.Registered")
    corrupt = EventEnvelope(
        first.tenant,
        first.notification_id,
        first.topic,
        first.originator_id,
        first.originator_version,
        b"{not json",
    )
    flow.publish([corrupt if e is first else e for e in good])
    worker = flow.worker()
    flow.drain(worker, lambda: flow.caught_up(tenant.slug))
    assert [source for source, *_ in flow.dead_letters()] == ["decode"]
    assert flow.counted(tenant.slug) == len(good) - 1
    assert len(flow.service_codes(tenant.slug)) == len(tenant.services) - 1


def test_workers_splitting_the_partitions_project_every_tenant_once(flow: WorkerFlow) -> None:
    tenants = [flow.seed()[0] for _ in range(PARTITIONS)]
    for partition, tenant in enumerate(tenants):
        flow.publish(flow.envelopes(tenant.slug), partition=partition)
    low = flow.worker(partitions=(0,))
    high = flow.worker(partitions=tuple(range(1, PARTITIONS)))
    polled = {"low": 0, "high": 0}

    def both_polled() -> None:
        polled["low"] += low.run_once().records
        polled["high"] += high.run_once().records

    wait_until(lambda: flow.caught_up(*(t.slug for t in tenants)), 30, step=both_polled)
    sizes = [len(flow.envelopes(t.slug)) for t in tenants]
    assert polled == {"low": sizes[0], "high": sum(sizes[1:])}
    assert flow.offsets() == dict(enumerate(sizes))
    for tenant, size in zip(tenants, sizes, strict=True):
        assert flow.counted(tenant.slug) == size


def test_a_second_worker_on_the_same_partitions_is_stopped_by_the_offset_guard(
    flow: WorkerFlow,
) -> None:
    tenant, _ = flow.seed()
    envelopes = flow.envelopes(tenant.slug)
    first, second = flow.worker(), flow.worker()
    first.run_once(timeout=0.1)  # both connect and read the (still empty) stored offsets
    second.run_once(timeout=0.1)
    flow.publish(envelopes)
    flow.drain(first, lambda: flow.caught_up(tenant.slug))
    with pytest.raises(OffsetConflictError):
        flow.drain(second, lambda: False, timeout=10)
    assert flow.counted(tenant.slug) == len(envelopes)
    assert sum(flow.offsets().values()) == len(envelopes)
