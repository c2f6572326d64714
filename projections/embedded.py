"""The embedded default's delivery: no relay and no Kafka, the same read models fed in-process.

After a tenant's commands, ``deliver(tenant)`` reads what the tenant stored since the read
models last looked, straight from its event store, and applies it with the same projector
the Kafka workers use: same tracking, same dead letters, same rows.
"""

import os
from collections.abc import Sequence
from typing import Any

from projections.feed import LogFeed
from projections.projector import BatchResult, Projector
from projections.read_model import ReadModel
from projections.read_models.registry import all_read_models
from projections.settings import FlowSettings
from projections.storage import ReadStore, open_read_store
from tenants.runtime import TenantStores


class InProcessDelivery:
    """Feeds every read model from the tenants' event stores in this process."""

    def __init__(
        self,
        stores: TenantStores[Any],
        store: ReadStore | None = None,
        read_models: Sequence[ReadModel] | None = None,
    ) -> None:
        settings = stores.runtime.settings
        self._stores = stores
        self.store = store or open_read_store(
            settings, FlowSettings.from_env(os.environ).read_schema
        )
        self._owns_store = store is None
        self.projector = Projector(self.store, read_models or all_read_models())
        self._feed = LogFeed(stores, self.projector)

    def deliver(self, tenant: str) -> BatchResult:
        """Bring every read model up to date with ``tenant``'s log."""
        return self._feed.catch_up(tenant)

    def tenants(self) -> list[str]:
        """Every registered tenant's slug."""
        return [tenant.slug for tenant in self._stores.registry.list()]

    def deliver_all(self) -> BatchResult:
        total = BatchResult()
        for result in self._feed.catch_up_all().values():
            total.applied += result.applied
            total.ignored += result.ignored
            total.skipped += result.skipped
            total.parked += result.parked
        return total

    def close(self) -> None:
        if self._owns_store:
            self.store.close()
