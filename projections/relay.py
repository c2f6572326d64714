"""The relay: publishes every tenant's notification log, in order, to the shared topic family.

The event store is the source of truth and its notification log is the outbox. Commands
never wait for Kafka; the relay reads each tenant's log from where it last got, sends a
round of events (pages of several tenants, then one flush), and records a tenant's new
position only for the records the broker acknowledged. A crash therefore re-publishes at
most the unacknowledged tail (at-least-once; the projector drops the duplicates by
notification id) and never skips an event.

What to read comes from PostgreSQL notifications (see ``relay_listener``): the relay
reads only tenants that stored something, plus every tenant on a slow sweep as a safety
net. A notification on the registry's channel means a tenant was registered, so new
tenants are picked up without a restart.

When the broker does not acknowledge a tenant's events, that tenant's position stays
where the acknowledgements left it and the tenant is tried again after a growing pause
(``relay_backoff``); the other tenants keep flowing. A broker outage stalls them all, the
relay stays up, and commands keep succeeding meanwhile.

PostgreSQL is not retried: without it there is nothing to publish nor anywhere to record
progress, so the relay ends with an error and is safe to restart.
"""

import logging
import threading
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from eventsourcing.persistence import Mapper, Notification
from eventsourcing.postgres import PostgresApplicationRecorder

from projections.envelope import EventEnvelope
from projections.relay_backoff import TenantBackoff
from projections.relay_listener import ChangeListener
from projections.relay_positions import RelayPositions, acknowledged_prefixes
from projections.relay_publisher import ProducerOptions, Publisher
from projections.settings import FlowSettings
from projections.storage import PostgresReadStore
from tenants.apps import PLATFORM_APP_NAME
from tenants.runtime import TenantStores
from tenants.service_desk import ServiceDesk
from tenants.settings import StorageSettings
from tenants.transcodings import event_mapper

log = logging.getLogger(__name__)

# eventsourcing names an application's events table (and so its NOTIFY channel) after
# the application: "<name>_events".
REGISTRY_CHANNEL = f"{PLATFORM_APP_NAME}_events"
_LISTEN_SLICE = 0.5  # seconds: how often a waiting relay checks whether it should stop


class RelayBusyError(RuntimeError):
    """Another relay already publishes this topic."""


class PublishFailedError(RuntimeError):
    """The broker did not acknowledge some tenants' events; their positions stop at what it
    did acknowledge. ``published`` counts what went through in the same run."""

    def __init__(
        self, stalled: Mapping[str, Exception], published: Mapping[str, int] | None = None
    ) -> None:
        self.stalled = dict(stalled)
        self.published = dict(published or {})
        tenant, error = next(iter(self.stalled.items()))
        super().__init__(
            f"the broker did not acknowledge the events of {len(self.stalled)} tenant(s),"
            f" e.g. {tenant}: {type(error).__name__}: {error}"
        )


@dataclass(frozen=True)
class RelayOptions:
    """How the relay paces itself; the defaults suit production."""

    batch_size: int = 500  # events per tenant page, and roughly per flush
    sweep_seconds: float = 30.0
    max_backoff_seconds: float = 30.0
    standby_poll_seconds: float = 2.0
    producer: ProducerOptions = field(default_factory=ProducerOptions)

    def __post_init__(self) -> None:
        if self.batch_size < 1:
            raise ValueError("the relay's batch size must be at least 1")
        if self.sweep_seconds <= 0:
            raise ValueError("the relay's sweep interval must be positive")


class Relay:
    """Publishes tenants' stored events to Kafka; see the module docstring."""

    def __init__(
        self,
        stores: TenantStores[Any],
        publisher: Publisher,
        positions: RelayPositions,
        listener: ChangeListener,
        options: RelayOptions | None = None,
        mapper: Mapper[Any] | None = None,
    ) -> None:
        self.stores = stores
        self.publisher = publisher
        self.positions = positions
        self.listener = listener
        self.options = options or RelayOptions()
        self.failures = 0  # passes in which some tenant stalled, since the relay started
        self._backoff = TenantBackoff(self.options.max_backoff_seconds)
        self._mapper = mapper or event_mapper()
        self._channels: dict[str, str] = {}  # NOTIFY channel -> tenant slug
        self._published: dict[str, int] | None = None  # None until this relay holds the lock

    @classmethod
    def open(
        cls,
        settings: StorageSettings,
        flow: FlowSettings,
        options: RelayOptions | None = None,
        stores: TenantStores[Any] | None = None,
    ) -> "Relay":
        """A relay for the PostgreSQL event store ``settings`` names."""
        if settings.backend != "postgres":
            raise ValueError(
                "the relay reads the PostgreSQL event store; set FUNDAMENT_STORE=postgres"
            )
        options = options or RelayOptions()
        positions = RelayPositions(PostgresReadStore(settings, flow.read_schema), flow.topic)
        return cls(
            stores or TenantStores.open(settings, ServiceDesk),
            Publisher(flow, options.producer),
            positions,
            ChangeListener(settings),
            options,
        )

    def close(self) -> None:
        """Flush and close the producer and the relay's connections (not shared stores)."""
        self.publisher.close()
        self.listener.close()
        self.positions.close()

    def run_once(self) -> dict[str, int]:
        """Publish everything pending for every tenant; return events published per tenant.

        Raises RelayBusyError if another relay holds the topic, PublishFailedError if the
        broker did not acknowledge (what it did acknowledge is recorded)."""
        if not self._claimed() and not self._claim():
            raise RelayBusyError(f"another relay is publishing topic {self.positions.topic}")
        published, stalled = self._publish_pending(self._all_tenants())
        if stalled:
            raise PublishFailedError(stalled, published)
        return dict(published)

    def run_forever(self, stop: threading.Event) -> None:
        """Publish as tenants store events until ``stop`` is set; the current round ends first."""
        if not self._standby_until_claimed(stop):
            return
        due = self._all_tenants()
        next_sweep = time.monotonic() + self.options.sweep_seconds
        while not stop.is_set():
            now = time.monotonic()
            if now >= next_sweep:
                due |= self._all_tenants()
                next_sweep = now + self.options.sweep_seconds
            due = (due | self._backoff.due(now)) - self._backoff.waiting(now)
            self._publish_and_schedule(due, stop)
            wake = min(next_sweep, self._backoff.next_retry() or next_sweep)
            due = self._wait_for_changes(stop, wake)

    def _publish_and_schedule(self, due: set[str], stop: threading.Event) -> None:
        """Publish; a tenant the broker did not acknowledge is tried again after a pause."""
        _, stalled = self._publish_pending(due, stop)
        self._backoff.succeeded(due - stalled.keys())
        if not stalled:
            return
        self.failures += 1
        now = time.monotonic()
        pause = min(self._backoff.failed(tenant, now) for tenant in stalled)
        log.warning("%s; retrying in %.2f s or later", PublishFailedError(stalled), pause)

    def _standby_until_claimed(self, stop: threading.Event) -> bool:
        announced = False
        while not self._claim():
            if not announced:
                log.info("another relay publishes %s; standing by", self.positions.topic)
                announced = True
            if stop.wait(self.options.standby_poll_seconds):
                return False
        return True

    def _claimed(self) -> bool:
        return self._published is not None

    def _claim(self) -> bool:
        if not self.positions.claim():
            return False
        self._published = self.positions.load()
        return True

    def _all_tenants(self) -> set[str]:
        self._discover_tenants()
        return set(self._channels.values())

    def _discover_tenants(self) -> set[str]:
        """LISTEN on newly registered tenants' channels (before reading them); return them."""
        self.listener.listen([REGISTRY_CHANNEL])
        slugs = {record.slug for record in self.stores.registry.list()}
        new = slugs - set(self._channels.values())
        channels = {self._channel_of(slug): slug for slug in new}
        self.listener.listen(channels)
        self._channels.update(channels)
        return new

    def _channel_of(self, slug: str) -> str:
        recorder = self.stores.runtime.app(slug).recorder
        if not isinstance(recorder, PostgresApplicationRecorder):
            raise TypeError(f"tenant {slug} is not stored in PostgreSQL")
        return str(recorder.channel_name)

    def _wait_for_changes(self, stop: threading.Event, until: float) -> set[str]:
        while not stop.is_set():
            remaining = until - time.monotonic()
            if remaining <= 0:
                return set()
            channels = self.listener.wait(min(_LISTEN_SLICE, remaining))
            if channels:
                new = self._discover_tenants() if REGISTRY_CHANNEL in channels else set()
                return new | {self._channels[c] for c in channels if c in self._channels}
        return set()

    def _publish_pending(
        self, tenants: Iterable[str], stop: threading.Event | None = None
    ) -> tuple[Counter[str], dict[str, Exception]]:
        """Publish round after round until the tenants have nothing pending or stalled.

        Returns the events published per tenant, and the first error of each tenant the
        broker did not acknowledge (read no further in this pass)."""
        published: Counter[str] = Counter()
        stalled: dict[str, Exception] = {}
        due = sorted(tenants)
        if due and self._log_was_lost():
            due = sorted(self._all_tenants())
        while due and not (stop is not None and stop.is_set()):
            pages, due = self._read_round(due)
            acknowledged, failed = self._publish_round([e for p in pages.values() for e in p])
            published.update(acknowledged)
            stalled.update(failed)
            full = [slug for slug, page in pages.items() if len(page) == self.options.batch_size]
            due += [slug for slug in full if slug not in failed]
        return published, stalled

    def _log_was_lost(self) -> bool:
        """Whether the topic is a new log (broker lost the old one): then start over."""
        topic_id = self.publisher.connect()
        if topic_id is None or not self.positions.adopt_log(topic_id):
            return False
        log.warning("topic %s is a new log; publishing every tenant again", self.positions.topic)
        self._published = {}
        return True

    def _read_round(self, due: Sequence[str]) -> tuple[dict[str, list[EventEnvelope]], list[str]]:
        """One page per tenant until the round holds a batch; the rest wait for the next."""
        pages: dict[str, list[EventEnvelope]] = {}
        total = 0
        for index, slug in enumerate(due):
            if total >= self.options.batch_size:
                return pages, list(due[index:])
            pages[slug] = self._read_page(slug)
            total += len(pages[slug])
        return pages, []

    def _read_page(self, slug: str) -> list[EventEnvelope]:
        assert self._published is not None, "read only while holding the relay lock"
        start = self._published.get(slug, 0) + 1
        recorder = self.stores.runtime.app(slug).recorder
        notifications = recorder.select_notifications(start=start, limit=self.options.batch_size)
        return [self._envelope(slug, notification) for notification in notifications]

    def _publish_round(
        self, envelopes: Sequence[EventEnvelope]
    ) -> tuple[Counter[str], dict[str, Exception]]:
        outcomes = self.publisher.publish(envelopes)
        positions, published, failed = acknowledged_prefixes(envelopes, outcomes)
        self.positions.advance(positions)
        assert self._published is not None
        self._published.update(positions)
        return published, failed

    def _envelope(self, tenant: str, notification: Notification) -> EventEnvelope:
        envelope = EventEnvelope.of(tenant, notification)
        try:
            event: Any = self._mapper.to_domain_event(envelope.stored_event())
            meta = event.meta
        except Exception as error:  # an event this code cannot decode still gets published
            log.warning("%s#%d: no correlation id (%s)", tenant, notification.id, error)
            return envelope
        return replace(
            envelope,
            correlation_id=str(meta.correlation_id),
            traceparent=getattr(meta, "traceparent", None),
        )

    def position(self, tenant: str) -> int:
        """The last notification id of ``tenant`` this relay has published (0: none)."""
        return (self._published or {}).get(tenant, 0)
