"""A tiny tenant application for the tenant infrastructure tests (not a domain model)."""

from datetime import UTC, datetime
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate

from domain.shared.ids import aggregate_id

AT = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)


class Counter(Aggregate):
    """Counts; enough state to show whose events an application reads."""

    class Started(Aggregate.Created):
        tenant: str
        key: str

    class Incremented(Aggregate.Event):
        by: int

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Counter)
            aggregate.value += self.by

    def __init__(self, tenant: str, key: str) -> None:
        self.tenant = tenant
        self.key = key
        self.value = 0

    @classmethod
    def start(cls, tenant: str, key: str) -> "Counter":
        return cls._create(
            cls.Started,
            id=aggregate_id(tenant, "counter", key),
            timestamp=AT,
            tenant=tenant,
            key=key,
        )

    def increment(self, by: int = 1) -> None:
        self.trigger_event(self.Incremented, timestamp=AT, by=by)


class CounterDesk(Application[UUID]):
    """The per-tenant application class the runtime subclasses for each tenant."""

    def start(self, tenant: str, key: str) -> UUID:
        counter = Counter.start(tenant, key)
        self.save(counter)
        return counter.id

    def increment(self, counter_id: UUID, by: int = 1) -> int:
        counter: Counter = self.repository.get(counter_id)
        counter.increment(by)
        self.save(counter)
        return counter.value
