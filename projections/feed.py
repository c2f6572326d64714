"""Reads tenants' notification logs straight from their event stores into a projector.

This is how the embedded default delivers events (no Kafka), and how a rebuild replays a
read model. It reads from the lowest position any of the projector's read models has
reached for the tenant, in batches, so one transaction covers many events.
"""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from eventsourcing.persistence import Notification

from projections.envelope import EventEnvelope
from projections.projector import PROJECT_SPAN, BatchResult, Projector
from tenants import tracing
from tenants.runtime import TenantStores
from tenants.transcodings import traceparent_of

DEFAULT_BATCH = 5_000


class LogFeed:
    """Delivers each tenant's stored events, in log order, to a projector.

    When tracing, each batch is projected inside one span per command trace among its
    events (the traceparent read from their stored metadata), as the Kafka worker does.
    """

    def __init__(
        self,
        stores: TenantStores[Any],
        projector: Projector,
        batch_size: int = DEFAULT_BATCH,
        *,
        traced: bool = True,
    ) -> None:
        self.stores = stores
        self.projector = projector
        self.batch_size = batch_size
        # A rebuild replays old events: spans in their long-finished traces help no one.
        self.traced = traced
        self._span_attributes = {"fundament.delivery": "in-process"}

    def catch_up(self, tenant: str) -> BatchResult:
        """Apply everything ``tenant`` stored since the read models last looked."""
        total = BatchResult()
        recorder = self.stores.runtime.app(tenant).recorder
        start = self._start(tenant)
        while True:
            notifications = recorder.select_notifications(start=start, limit=self.batch_size)
            if not notifications:
                return total
            batch = self._apply(tenant, notifications)
            total.applied += batch.applied
            total.ignored += batch.ignored
            total.skipped += batch.skipped
            total.parked += batch.parked
            if len(notifications) < self.batch_size:
                return total
            start = notifications[-1].id + 1

    def _apply(self, tenant: str, notifications: Sequence[Notification]) -> BatchResult:
        envelopes = [EventEnvelope.of(tenant, n) for n in notifications]
        if not (self.traced and tracing.tracing_enabled()):
            return self.projector.apply(envelopes)
        envelopes = [replace(e, traceparent=traceparent_of(e.state)) for e in envelopes]
        with tracing.span_per_trace(PROJECT_SPAN, envelopes, attributes=self._span_attributes):
            return self.projector.apply(envelopes)

    def catch_up_all(self, tenants: Sequence[str] | None = None) -> dict[str, BatchResult]:
        """Catch up every registered tenant (or the ones named)."""
        slugs = tenants if tenants is not None else [t.slug for t in self.stores.registry.list()]
        return {slug: self.catch_up(slug) for slug in slugs}

    def _start(self, tenant: str) -> int:
        positions = [
            self.projector.position(model.name, tenant) for model in self.projector.read_models
        ]
        return min(positions, default=0) + 1


@dataclass(frozen=True)
class RebuildReport:
    read_models: tuple[str, ...]
    tenants: tuple[str, ...]
    events: int


def rebuild(
    stores: TenantStores[Any],
    projector: Projector,
    *,
    tenant: str | None = None,
    batch_size: int = DEFAULT_BATCH,
) -> RebuildReport:
    """Drop the projector's read models (for one tenant, or all) and replay them from the
    event stores. Stop the workers feeding these read models first."""
    clear_for_rebuild(projector, tenant)
    feed = LogFeed(stores, projector, batch_size, traced=False)
    tenants = [tenant] if tenant is not None else [t.slug for t in stores.registry.list()]
    results = feed.catch_up_all(tenants)
    return RebuildReport(
        tuple(model.name for model in projector.read_models),
        tuple(tenants),
        sum(r.applied + r.ignored + r.skipped + r.parked for r in results.values()),
    )


def clear_for_rebuild(projector: Projector, tenant: str | None) -> None:
    """Delete the rows and the tracking of the projector's read models, in one transaction."""
    with projector.store.transaction() as tx:
        for model in projector.read_models:
            model.clear(tx, tenant)
        projector.forget(tx, tenant)
