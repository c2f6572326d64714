"""The call queue's batch path writes exactly what applying event by event writes."""

from collections.abc import Callable, Sequence
from typing import Any

from gateway.demo.deployment import DemoTenant
from gateway.demo.driver import Desk
from gateway.demo.scenario import agree_first_service, drive_proactive, drive_reactive
from projections.envelope import EventEnvelope
from projections.feed import LogFeed, rebuild
from projections.projector import Projector
from projections.read_model import ReadModel
from projections.read_models.call_queue.model import CallQueueReadModel
from projections.storage import ReadStore, Tx
from tenants.runtime import TenantStores
from tenants.service_desk import ServiceDesk
from tests.integration.projections.call_work import rough_paths
from tests.integration.projections.support import dead_letters, dump


class _OneByOne(CallQueueReadModel):
    """The same model without its batch path."""

    def apply_many(self, tx: Tx, items: Sequence[tuple[EventEnvelope, Any]]) -> None:
        ReadModel.apply_many(self, tx, items)


def test_batches_of_any_size_give_the_rows_of_one_by_one(
    stores: TenantStores[ServiceDesk],
    read_store: ReadStore,
    seeded: Callable[[], tuple[DemoTenant, Desk]],
) -> None:
    tenant, desk = seeded()
    agree_first_service(desk, tenant)
    drive_reactive(desk, tenant)
    drive_proactive(desk, tenant)
    rough_paths(desk, tenant)
    one_by_one = Projector(read_store, [_OneByOne()])
    rebuild(stores, one_by_one, tenant=tenant.slug)
    expected = dump(read_store, CallQueueReadModel(), tenant.slug)
    assert sum(len(rows) for rows in expected.values()) > 20
    for batch_size in (1, 3, 50, 10_000):
        batched = Projector(read_store, [CallQueueReadModel()])
        rebuild(stores, batched, tenant=tenant.slug, batch_size=batch_size)
        assert dump(read_store, CallQueueReadModel(), tenant.slug) == expected, batch_size
    assert dead_letters(read_store) == []
    assert LogFeed(stores, batched).catch_up(tenant.slug).applied == 0
