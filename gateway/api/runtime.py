"""What one gateway process holds open: the tenants' stores, the read side, keys and limits.

Built by :func:`gateway.create_app` when the app starts (never at import) and closed when it
stops. With ``read_models_fed_by = "gateway"`` (the embedded default) the gateway feeds the
read models itself, in a background thread woken by each write; with ``"workers"`` the relay
and projection workers do it and the gateway only reads. Another thread deletes expired
idempotency keys, and rate counters kept in the database, every ``idempotency_purge_seconds``.
"""

import logging
import random
import threading
from collections.abc import Callable
from datetime import UTC, datetime

from gateway.api.limits import DatabaseRateLimits, Limiter, RateLimits, SharedLimitState
from gateway.api.settings import GatewaySettings
from gateway.api.tokens import TokenVerifier
from projections.embedded import InProcessDelivery
from projections.projector import Projector
from projections.read_models.registry import all_read_models
from projections.storage import ReadStore, open_query_store
from tenants.idempotency import IdempotencyStore
from tenants.rate_counters import RateCounters
from tenants.runtime import TenantStores
from tenants.service_desk import ServiceDesk

log = logging.getLogger("fundament.gateway")
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)  # noqa: TID251 (the gateway is the edge that owns the clock)


class GatewayRuntime:
    def __init__(
        self,
        settings: GatewaySettings,
        clock: Clock = utc_now,
        shared_limits: SharedLimitState | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.verifier = TokenVerifier(settings)
        self.counters = (
            RateCounters(settings.storage) if settings.rate_limit_store == "database" else None
        )
        self.limits: Limiter = (
            DatabaseRateLimits(
                settings.tenant_rate_limit, settings.client_rate_limit, self.counters
            )
            if self.counters is not None
            else RateLimits(
                settings.tenant_rate_limit, settings.client_rate_limit, shared=shared_limits
            )
        )
        self.stores = TenantStores.open(settings.storage, ServiceDesk)
        self.queries: ReadStore = open_query_store(settings.storage, settings.flow.read_schema)
        # Creates the read models' tables if no projector has yet, so a query never fails
        # on a fresh deployment; afterwards it only answers "how far has a read model got".
        self.positions = Projector(self.queries, all_read_models(settings.flow))
        self.idempotency = IdempotencyStore(settings.storage)
        self.purger = _Purger(self._purges(), settings.idempotency_purge_seconds)
        self.feeder = (
            _BackgroundFeeder(InProcessDelivery(self.stores))
            if settings.read_models_fed_by == "gateway"
            else None
        )

    def _purges(self) -> dict[str, Callable[[], int]]:
        jobs = {"idempotency keys": lambda: self.idempotency.purge_expired(self.clock())}
        if self.counters is not None:
            jobs["rate counters"] = self.counters.purge_expired
        return jobs

    def written(self, tenant: str) -> None:
        """A command stored events in ``tenant``: let the read models catch up."""
        if self.feeder is not None:
            self.feeder.wake(tenant)

    def close(self) -> None:
        if self.feeder is not None:
            self.feeder.stop()
        self.purger.stop()
        self.idempotency.close()
        self.queries.close()
        self.stores.close()


class _BackgroundFeeder:
    """Catches the read models up with every tenant that was written, off the request path.

    Tenants woken by a write go first; the catch-up of everything stored while no gateway
    ran (the backlog) goes one tenant at a time in between, so a restart never makes a
    fresh write wait behind the whole platform.
    """

    def __init__(self, delivery: InProcessDelivery) -> None:
        self._delivery = delivery
        self._written: dict[str, None] = {}  # insertion-ordered set
        self._backlog: list[str] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="read-model-feeder", daemon=True)
        self._thread.start()
        with self._lock:
            self._backlog = delivery.tenants()
        self._wake.set()

    def wake(self, tenant: str) -> None:
        with self._lock:
            self._written[tenant] = None
        self._wake.set()

    def _next(self) -> str | None:
        with self._lock:
            if self._written:
                tenant = next(iter(self._written))
                del self._written[tenant]
                return tenant
            return self._backlog.pop() if self._backlog else None

    def _run(self) -> None:
        while not self._stopping:
            tenant = self._next()
            if tenant is None:
                self._wake.wait()
                self._wake.clear()
                continue
            try:
                self._delivery.deliver(tenant)
            except Exception as error:  # the next write retries; the log says why
                log.warning("feeding the read models of %s failed: %s", tenant, error)

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        self._thread.join(timeout=10)
        self._delivery.close()


class _Purger:
    """Deletes what has expired now and then: idempotency keys (so the table holds about a
    day of them) and, when they are in the database, rate counters.

    Every gateway process runs one; the first round waits a random part of the interval,
    so processes started together do not purge together. A failed purge is logged and tried
    again next time.
    """

    def __init__(self, jobs: dict[str, Callable[[], int]], interval: float) -> None:
        self._jobs = jobs
        self._interval = interval
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="purge", daemon=True)
        if interval > 0:  # 0: purging is left to the operator
            self._thread.start()

    def purge(self) -> dict[str, int]:
        """Run every purge now; return how many rows each deleted."""
        deleted = {}
        for what, purge in self._jobs.items():
            try:
                deleted[what] = purge()
            except Exception as error:
                log.warning("deleting expired %s failed: %s", what, error)
                continue
            if deleted[what]:
                log.info("deleted %d expired %s", deleted[what], what)
        return deleted

    def _run(self) -> None:
        delay = random.uniform(0, self._interval)
        while not self._stopping.wait(delay):
            self.purge()
            delay = self._interval

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
