"""The bench database and its tenants: created fresh, seeded like the demo, calls submitted."""

import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from uuid import UUID, uuid4

import psycopg
from psycopg import sql

from domain.commands import SubmitCall
from domain.patterns import CallType
from domain.shared import CommandContext
from gateway.demo.deployment import TENANTS, DemoTenant
from gateway.demo.scenario import agree_first_service, seed_tenant, service_id
from tenants.receipts import CommandResult
from tenants.runtime import TenantStores
from tenants.service_desk import ServiceDesk
from tenants.settings import StorageSettings

BENCH_DB = "fundament_bench"
SEED_AT = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
# Tables of earlier runs: bench tenants (t_bench_*), the registry (platform_*), the baseline.
_STALE_PATTERNS = (r"t\_bench\_%", r"platform\_%")
RAW_TABLE = "bench_raw"
# health-south: one team, the four staff profiles, one service, one customer.
_TEMPLATE = TENANTS[3]


def bench_settings(pool_size: int) -> StorageSettings:
    """Storage settings of the bench database, with a shared pool of ``pool_size``."""
    return StorageSettings(
        backend="postgres",
        dbname=BENCH_DB,
        pool_size=pool_size,
        max_overflow=2,
        application_name="fundament-bench",
    )


def connect(settings: StorageSettings, dbname: str | None = None) -> psycopg.Connection:
    """A plain autocommit connection to the bench server (another database if given)."""
    return psycopg.connect(
        host=settings.host,
        port=settings.port,
        user=settings.user,
        password=settings.password,
        dbname=dbname or settings.dbname,
        autocommit=True,
    )


def ensure_database(settings: StorageSettings) -> None:
    """Create the bench database if missing."""
    with connect(settings, "postgres") as conn:
        query = "SELECT 1 FROM pg_database WHERE datname = %s"
        if conn.execute(query, (settings.dbname,)).fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(settings.dbname)))


def drop_stale_tables(settings: StorageSettings) -> int:
    """Drop every table an earlier bench run left behind; return how many."""
    with connect(settings) as conn:
        query = (
            "SELECT tablename FROM pg_tables WHERE schemaname = %s"
            " AND (tablename LIKE ANY(%s) OR tablename = %s)"
        )
        params = (settings.schema, list(_STALE_PATTERNS), RAW_TABLE)
        names = [row[0] for row in conn.execute(query, params)]
        for name in names:
            conn.execute(
                sql.SQL("DROP TABLE {}.{}").format(*map(sql.Identifier, (settings.schema, name)))
            )
        return len(names)


@dataclass
class CallSlot:
    """One call a worker is driving; ``call_id`` None means: submit a fresh call next."""

    call_id: UUID | None
    step: int = 0
    correlation_id: UUID = field(default_factory=uuid4)


@dataclass(frozen=True)
class BenchTenant:
    """A seeded tenant: its live application, what calls are about, and its call slots."""

    slug: str
    app: ServiceDesk
    service_ids: tuple[UUID, ...]
    customer: str
    slots: list[CallSlot]

    def submit_call(self) -> SubmitCall:
        return SubmitCall(
            call_type=CallType.SERVICE_REQUEST,
            summary="New user account",
            requester="key-user",
            customer=self.customer,
            service_ids=list(self.service_ids),
        )

    def execute(self, command: object, correlation_id: UUID, at: datetime) -> CommandResult:
        context = CommandContext("coordinator", at, correlation_id, uuid4())
        return self.app.execute(command, context)


def demo_tenant(slug: str, index: int) -> DemoTenant:
    return replace(_TEMPLATE, slug=slug, name=f"Bench tenant {index}")


def seed(stores: TenantStores[ServiceDesk], slug: str, index: int, calls: int) -> BenchTenant:
    """Seed one tenant like the demo (organization, catalog, SA in force), submit ``calls``."""
    template = demo_tenant(slug, index)
    desk = seed_tenant(stores, template, SEED_AT)
    agree_first_service(desk, template)
    sid = service_id(slug, template.services[0].code)
    tenant = BenchTenant(slug, stores.runtime.app(slug), (sid,), template.customer, [])
    for _ in range(calls):
        slot = CallSlot(None)
        result = tenant.execute(tenant.submit_call(), slot.correlation_id, desk.now)
        slot.call_id = result.aggregate_id
        tenant.slots.append(slot)
    return tenant


def seed_all(
    stores: TenantStores[ServiceDesk], count: int, calls: int, workers: int = 4
) -> tuple[list[BenchTenant], float]:
    """Seed ``count`` tenants with fresh random slugs (``workers`` at a time); return them
    and the seconds it took."""
    run_id = secrets.token_hex(3)
    started = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        futures = [
            pool.submit(seed, stores, f"bench-{run_id}-{i:02d}", i, calls) for i in range(count)
        ]
        tenants = [future.result() for future in futures]
    return tenants, time.perf_counter() - started
