"""How long garbage collection pauses a process whose caches are full, with and without the
gateway's heap freezer.

Run: ``.venv/bin/python -m benchmarks.gc_pause [--tenants N] [--calls N] [--churn N]``. It
opens N tenants on SQLite in a temporary directory (default: ``FUNDAMENT_APP_CACHE_SIZE``,
256, all kept open) and submits ``--calls`` incidents to each (default: the aggregate cache
size, 500), so every call stays cached, as in a gateway worker serving that many busy
tenants. It then measures, in the same run:

1. ``gc.collect()`` timed five times (median) right after seeding;
2. ``--churn`` more incidents (default 50,000) over a quarter of the tenants, which replace
   cached calls, every collection's pause recorded through ``gc.callbacks``, with the
   collector as CPython runs it; then ``gc.collect()`` timed again, the caches full;
3. the same churn again with :class:`gateway.heap.HeapFreezer` started as ``fundament
   serve`` starts it (``--freeze-seconds``, default the gateway's), after which a full
   collection is timed again, walking only what the freezer left unfrozen.

How often CPython runs a full collection depends on how the heap grows, so the churn
phases show what happened in this run; the timed collections show what one costs.
"""

import argparse
import gc
import statistics
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from domain.commands import SubmitCall
from domain.patterns import CallType
from gateway.api.settings import GatewaySettings
from gateway.demo.deployment import TENANTS, DemoTenant
from gateway.demo.driver import Desk
from gateway.demo.scenario import agree_first_service, seed_tenant, service_id
from gateway.heap import HeapFreezer
from tenants.runtime import TenantStores
from tenants.service_desk import ServiceDesk
from tenants.settings import StorageSettings

START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
COLLECTIONS = 5

Desks = Sequence[tuple[DemoTenant, Desk]]


def full_collection() -> tuple[float, int]:
    """Median seconds of a full collection, and how many objects the collector tracks."""
    seconds = []
    for _ in range(COLLECTIONS):
        started = time.perf_counter()
        gc.collect()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), len(gc.get_objects())


def fill(desk: Desk, tenant: DemoTenant, calls: int) -> None:
    sid = service_id(tenant.slug, tenant.services[0].code)
    for number in range(calls):
        desk.run(
            SubmitCall(
                call_type=CallType.INCIDENT,
                summary=f"incident {number}",
                requester="key-user",
                customer=tenant.customer,
                service_ids=[sid],
            )
        )


@dataclass
class Pauses:
    """Every collection's pause (s) and generation while recording."""

    seconds: list[float] = field(default_factory=list)
    generations: list[int] = field(default_factory=list)
    _started: float = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
            return
        self.seconds.append(time.perf_counter() - self._started)
        self.generations.append(info["generation"])

    def row(self, name: str, commands: int, elapsed: float) -> str:
        full = self.generations.count(2)
        top = max(self.seconds, default=0.0)
        return (
            f"  {name:<14} {commands:>7,} commands in {elapsed:4.0f} s: {len(self.seconds):>4}"
            f" collections, {full} full; longest {top * 1000:6.1f} ms,"
            f" all together {sum(self.seconds) * 1000:5.0f} ms"
        )


@contextmanager
def recording() -> Iterator[Pauses]:
    pauses = Pauses()
    gc.callbacks.append(pauses)
    try:
        yield pauses
    finally:
        gc.callbacks.remove(pauses)


def churn(desks: Desks, commands: int) -> float:
    """Submit ``commands`` incidents over the first quarter of the tenants; seconds taken."""
    busy = desks[: max(1, len(desks) // 4)]
    started = time.perf_counter()
    for tenant, desk in busy:
        fill(desk, tenant, commands // len(busy))
    return time.perf_counter() - started


def seeded_desks(stores: TenantStores[ServiceDesk], count: int) -> list[tuple[DemoTenant, Desk]]:
    desks = []
    for number in range(count):
        tenant = replace(TENANTS[0], slug=f"gc-{number}")
        desk = seed_tenant(stores, tenant, START)
        agree_first_service(desk, tenant)
        desks.append((tenant, desk))
    return desks


def main() -> None:
    defaults, gateway = StorageSettings(), GatewaySettings()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=defaults.app_cache_size)
    parser.add_argument("--calls", type=int, default=defaults.aggregate_cache_size)
    parser.add_argument("--churn", type=int, default=50_000)
    parser.add_argument("--freeze-seconds", type=float, default=gateway.gc_freeze_seconds)
    args = parser.parse_args()
    lines = []
    with tempfile.TemporaryDirectory(prefix="fundament-gc-") as directory:
        settings = StorageSettings(
            backend="sqlite",
            data_dir=Path(directory),
            app_cache_size=max(args.tenants, 1),
            aggregate_cache_size=args.calls,
        )
        stores = TenantStores.open(settings, ServiceDesk)
        try:
            desks = seeded_desks(stores, args.tenants)
            seeded, seeded_objects = full_collection()
            started = time.perf_counter()
            for tenant, desk in desks:
                fill(desk, tenant, args.calls)
            filled_in = time.perf_counter() - started
            with recording() as pauses:  # as in a worker whose caches have just filled
                lines.append(pauses.row("as is", args.churn, churn(desks, args.churn)))
            full, full_objects = full_collection()
            freezer = HeapFreezer(args.freeze_seconds, 0)
            freezer.start()  # at a worker's start: one full collection, then the first freeze
            with recording() as pauses:
                elapsed = churn(desks, args.churn)
            freezer.stop()
            lines.append(pauses.row("heap freezer", args.churn, elapsed))
            frozen, frozen_objects = full_collection()
            gc.unfreeze()
        finally:
            stores.close()
    cached = args.tenants * args.calls
    print(f"{args.tenants} tenants, {args.calls} calls each ({cached:,} cached calls,")
    print(f"submitted in {filled_in:.0f} s); median of {COLLECTIONS} full collections:")
    print(f"  seeded only:  {seeded_objects:>9,} objects  {seeded * 1000:7.1f} ms")
    print(f"  caches full:  {full_objects:>9,} objects  {full * 1000:7.1f} ms")
    added = (full_objects - seeded_objects) / cached
    ratio = full / seeded if seeded else float("inf")
    print(f"  {added:.1f} objects per cached call; the pause is {ratio:.1f}x the seeded one")
    print(
        f"  with the heap freezer, after the churn below: {frozen_objects:,} objects"
        f"  {frozen * 1000:.1f} ms"
    )
    print(f"Churn at the bounds (the freezer's rounds every {args.freeze_seconds:g} s):")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
