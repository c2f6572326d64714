"""Commands/s of the application path against a raw psycopg baseline, on PostgreSQL.

Run: ``.venv/bin/python -m benchmarks.commands [--quick] [--trials N]``. It needs the local
PostgreSQL (``bash deploy/local/ensure-postgres.sh``) and uses its own database,
``fundament_bench``; tables of earlier runs are dropped at the start.
"""

import argparse
import os
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks._profile import lookup_scaling, measure_phases, phase_report, profile_commands
from benchmarks._raw import create_raw_table, raw_trial
from benchmarks._report import (
    Cell,
    CellResult,
    markdown_table,
    notes,
    rate_of,
    summaries,
    verdict,
)
from benchmarks._setup import (
    BenchTenant,
    bench_settings,
    drop_stale_tables,
    ensure_database,
    seed_all,
)
from benchmarks._workload import application_trial
from tenants.pool import close_shared_datastores
from tenants.runtime import TenantStores
from tenants.service_desk import ServiceDesk
from tenants.settings import StorageSettings

TENANTS = 50
CALLS_PER_TENANT = 8  # divisible by every thread count, so workers own whole shares
THREADS = (1, 4)
TARGET = 0.25
RESULTS = Path(__file__).parent / "results" / "commands.md"
CELLS = [cell for t in THREADS for cell in (Cell(t), Cell(t, TENANTS), Cell(t, 1))]


@dataclass(frozen=True)
class Plan:
    trials: int
    duration: float
    warmup: float
    profiled: int


def parse_plan() -> Plan:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 s trials, 3 trials by default")
    parser.add_argument("--trials", type=int, help="trials per cell (default 5, 3 with --quick)")
    args = parser.parse_args()
    if args.quick:
        return Plan(args.trials or 3, 2.0, 1.5, 100)
    return Plan(args.trials or 5, 5.0, 4.0, 300)


def run_cell(
    cell: Cell, settings: StorageSettings, tenants: list[BenchTenant], duration: float
) -> CellResult:
    """One trial of one cell."""
    result = CellResult()
    if cell.tenants is None:
        rows, elapsed = raw_trial(settings, cell.threads, duration)
        result.rates.append(rate_of(rows, elapsed))
        return result
    stats, elapsed = application_trial(tenants[: cell.tenants], cell.threads, duration)
    result.rates.append(rate_of(stats.done, elapsed))
    result.stats = stats
    return result


def run_matrix(
    plan: Plan, settings: StorageSettings, tenants: list[BenchTenant]
) -> dict[Cell, CellResult]:
    """Warm every cell up, then run the trial rounds, each round going over every cell."""
    for cell in CELLS:
        run_cell(cell, settings, tenants, plan.warmup)
    results = {cell: CellResult() for cell in CELLS}
    for trial in range(1, plan.trials + 1):
        for cell in CELLS:
            one = run_cell(cell, settings, tenants, plan.duration)
            results[cell].rates += one.rates
            results[cell].stats.add(one.stats)
            print(f"  trial {trial}  {cell.label}: {one.rates[0]:8,.0f}/s", flush=True)
    return results


def setup(settings: StorageSettings) -> tuple[TenantStores[ServiceDesk], list[BenchTenant]]:
    ensure_database(settings)
    dropped = drop_stale_tables(settings)
    create_raw_table(settings)
    stores = TenantStores.open(settings, ServiceDesk)
    tenants, seconds = seed_all(stores, TENANTS, CALLS_PER_TENANT)
    print(
        f"Setup: dropped {dropped} tables of earlier runs; seeded {TENANTS} tenants "
        f"({tenants[0].slug} …) with {CALLS_PER_TENANT} calls each in {seconds:.1f} s",
        flush=True,
    )
    return stores, tenants


def profile(tenants: list[BenchTenant], count: int) -> str:
    top = profile_commands(tenants, count)
    phases = phase_report(measure_phases(tenants, count))
    scaling = lookup_scaling(tenants)
    header = (
        f"cProfile, ~{count} commands (whole fresh calls, submit to close), 1 thread,"
        f" round-robin over {TENANTS} tenants:"
    )
    return f"{header}\n\n{top}\n\nPhase timers:\n{phases}\n\n{scaling}"


def table_size(tenant: BenchTenant) -> int:
    return tenant.app.recorder.max_notification_id() or 0


def load_average() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.1f} (1 min), {five:.1f} (5 min)"


def report(
    plan: Plan, results: dict[Cell, CellResult], tenants: list[BenchTenant], load: str
) -> str:
    lines = [
        markdown_table(results),
        "",
        *notes(results, plan.duration, plan.trials),
        f"Events table rows at the end: shared 1-tenant cells' tenant {table_size(tenants[0]):,},"
        f" another tenant {table_size(tenants[1]):,}.",
        f"Load average on this {os.cpu_count()}-CPU box: {load} at the start,"
        f" {load_average()} at the end (other processes share the CPUs).",
        "",
        verdict(results, TARGET, max(THREADS), TENANTS),
    ]
    return "\n".join(lines)


def main() -> None:
    plan = parse_plan()
    settings = bench_settings(pool_size=max(THREADS) + 2)
    started, load = time.perf_counter(), load_average()
    print(f"Load average at the start: {load}", flush=True)
    stores, tenants = setup(settings)
    try:
        print(f"Matrix: {plan.trials} trials x {plan.duration:g} s per cell", flush=True)
        results = run_matrix(plan, settings, tenants)
        print("\nSummary, median [min–max] per second:")
        print("\n".join(summaries(results, CELLS)))
        print("\n" + profile(tenants, plan.profiled))
        text = report(plan, results, tenants, load)
    finally:
        stores.close()
        close_shared_datastores()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(f"# Commands benchmark ({time.strftime('%Y-%m-%d %H:%M')})\n\n{text}\n")
    print(f"\n{text}\n\nWritten to {RESULTS}; total run time {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
