"""How long a full garbage collection pauses a process whose caches are full.

Run: ``.venv/bin/python -m benchmarks.gc_pause [--tenants N] [--calls N]``. It opens N
tenants on SQLite in a temporary directory (default: ``FUNDAMENT_APP_CACHE_SIZE``, 256, all
kept open) and submits ``--calls`` incidents to each (default: the aggregate cache size, 500),
so every call stays cached, as in a gateway worker serving that many busy tenants. It then
times ``gc.collect()`` five times and reports the median and the number of objects the
collector tracks, against the same figures taken right after seeding, in the same run.
"""

import argparse
import gc
import statistics
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from domain.commands import SubmitCall
from domain.patterns import CallType
from gateway.demo.deployment import TENANTS
from gateway.demo.driver import Desk
from gateway.demo.scenario import agree_first_service, seed_tenant, service_id
from tenants.runtime import TenantStores
from tenants.service_desk import ServiceDesk
from tenants.settings import StorageSettings

START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
COLLECTIONS = 5


def full_collection() -> tuple[float, int]:
    """Median seconds of a full collection, and how many objects the collector tracks."""
    seconds = []
    for _ in range(COLLECTIONS):
        started = time.perf_counter()
        gc.collect()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), len(gc.get_objects())


def fill(desk: Desk, slug: str, customer: str, service: str, calls: int) -> None:
    sid = service_id(slug, service)
    for number in range(calls):
        desk.run(
            SubmitCall(
                call_type=CallType.INCIDENT,
                summary=f"incident {number}",
                requester="key-user",
                customer=customer,
                service_ids=[sid],
            )
        )


def main() -> None:
    defaults = StorageSettings()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=defaults.app_cache_size)
    parser.add_argument("--calls", type=int, default=defaults.aggregate_cache_size)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fundament-gc-") as directory:
        settings = StorageSettings(
            backend="sqlite",
            data_dir=Path(directory),
            app_cache_size=max(args.tenants, 1),
            aggregate_cache_size=args.calls,
        )
        stores = TenantStores.open(settings, ServiceDesk)
        try:
            desks = []
            for number in range(args.tenants):
                tenant = replace(TENANTS[0], slug=f"gc-{number}")
                desk = seed_tenant(stores, tenant, START)
                agree_first_service(desk, tenant)
                desks.append((tenant, desk))
            seeded, seeded_objects = full_collection()
            started = time.perf_counter()
            for tenant, desk in desks:
                fill(desk, tenant.slug, tenant.customer, tenant.services[0].code, args.calls)
            filled_in = time.perf_counter() - started
            full, full_objects = full_collection()
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


if __name__ == "__main__":
    main()
