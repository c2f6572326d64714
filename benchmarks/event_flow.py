"""Event-flow benchmark: rebuild, relay and consumer throughput, and end-to-end lag.

Run: ``.venv/bin/python -m benchmarks.event_flow [--quick]`` (PostgreSQL on 127.0.0.1, a
Tansu broker started here). It seeds 20 tenants in the database ``fundament_flow_bench``,
runs commands to fill their logs, then measures on this machine, medians of the trials:

- rebuild of the call-queue read model from the event stores (events/s);
- the relay publishing every stored event to a fresh topic (events/s);
- a projection worker applying that topic to a fresh read schema (events/s);
- end-to-end lag, command commit to call-queue row, at a steady 200 commands/s over the
  20 tenants with `fundament relay` and `fundament project` running as processes.
"""

import argparse
import statistics
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from uuid import uuid4

import psycopg
from psycopg import sql

from benchmarks._flow_lag import LagProbe, drive_at_rate, flow_processes
from benchmarks._setup import BenchTenant, connect, drop_stale_tables, ensure_database, seed_all
from benchmarks._workload import application_trial
from projections.read_models.call_queue.model import CallQueueReadModel
from projections.rebuild import rebuild_read_models
from projections.relay import Relay
from projections.settings import FlowSettings
from projections.storage import PostgresReadStore
from projections.worker import Worker, WorkerSettings
from tenants.pool import close_shared_datastores
from tenants.runtime import TenantStores
from tenants.service_desk import ServiceDesk
from tenants.settings import StorageSettings
from tests.support.broker import LocalBroker

TENANTS = 20
LAG_RATE = 200.0
LAG_TARGET_P99 = 0.5
REBUILD_TARGET = 20_000
RESULTS = Path(__file__).parent / "results" / "event_flow.md"
_SCHEMA_PREFIX = "flow_bench_"


@dataclass(frozen=True)
class Plan:
    fill_seconds: float
    trials: int
    lag_seconds: float


def parse_plan() -> Plan:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller logs, shorter lag run")
    args = parser.parse_args()
    return Plan(8.0, 3, 15.0) if args.quick else Plan(30.0, 3, 60.0)


def bench_settings() -> StorageSettings:
    return StorageSettings(
        backend="postgres",
        dbname="fundament_flow_bench",
        pool_size=4,
        max_overflow=2,
        application_name="fundament-flow-bench",
    )


def drop_read_schemas(settings: StorageSettings) -> None:
    with connect(settings) as conn:
        rows = conn.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE %s", (_SCHEMA_PREFIX + "%",)
        ).fetchall()
        for (name,) in rows:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(name)))


def fresh_flow(broker: LocalBroker, name: str) -> FlowSettings:
    return FlowSettings(
        bootstrap=broker.bootstrap,
        topic=f"bench-{name}-{uuid4().hex[:6]}",
        partitions=6,
        read_schema=f"{_SCHEMA_PREFIX}{name}_{uuid4().hex[:6]}",
    )


def measure_rebuild(settings: StorageSettings, trials: int, processes: int) -> list[float]:
    """Rebuild the call queue for every tenant, ``processes`` at a time; events/s per trial."""
    rates = []
    for _ in range(trials):
        started = time.perf_counter()
        report = rebuild_read_models(
            settings, f"{_SCHEMA_PREFIX}rebuild", ["call_queue"], processes=processes
        )
        rates.append(report.events / (time.perf_counter() - started))
    return rates


def measure_relay_and_worker(
    settings: StorageSettings, stores: TenantStores[ServiceDesk], broker: LocalBroker, trials: int
) -> tuple[list[float], list[float], int]:
    relay_rates, worker_rates, events = [], [], 0
    for _ in range(trials):
        flow = fresh_flow(broker, "throughput")
        relay = Relay.open(settings, flow, stores=stores)
        started = time.perf_counter()
        events = sum(relay.run_once().values())
        relay_rates.append(events / (time.perf_counter() - started))
        relay.close()
        store = PostgresReadStore(settings, flow.read_schema + "_w")
        worker = Worker(WorkerSettings.of(flow, name="bench"), store, [CallQueueReadModel()])
        worker.run_once(max_records=1, timeout=10.0)  # connect and assign outside the clock
        consumed, started = 1, time.perf_counter()
        while consumed < events:
            consumed += worker.run_once(max_records=1000, timeout=2.0).records
        worker_rates.append((consumed - 1) / (time.perf_counter() - started))
        worker.close()
        store.close()
    return relay_rates, worker_rates, events


def measure_lag(
    settings: StorageSettings, tenants: list[BenchTenant], broker: LocalBroker, seconds: float
) -> tuple[list[float], int, int]:
    flow = fresh_flow(broker, "lag")
    processes = flow_processes(settings, flow)
    store = PostgresReadStore(settings, flow.read_schema)
    probe = LagProbe(store, "call_queue")
    try:
        _wait_caught_up(store, tenants, timeout=120)
        stop = threading.Event()
        watcher = threading.Thread(target=probe.watch, args=(stop,))
        watcher.start()
        done = drive_at_rate(tenants, probe, LAG_RATE, seconds)
        stop.set()
        watcher.join()
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)
        store.close()
    return probe.lags, done, probe.waiting()


def _wait_caught_up(store: PostgresReadStore, tenants: list[BenchTenant], timeout: float) -> None:
    """Until the worker has projected every tenant's existing log."""
    heads = {t.slug: t.app.recorder.max_notification_id() or 0 for t in tenants}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with store.transaction() as tx:
                rows = tx.fetchall(
                    "SELECT tenant, notification_id FROM projection_tracking"
                    " WHERE read_model = 'call_queue'"
                )
        except psycopg.Error:
            rows = []  # the worker has not created its tables yet
        seen = {tenant: int(nid) for tenant, nid in rows}
        if all(seen.get(slug, 0) >= head for slug, head in heads.items()):
            return
        time.sleep(0.2)
    raise TimeoutError("the relay and worker did not catch up with the seeded logs")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def summary(label: str, rates: list[float]) -> str:
    return f"| {label} | {statistics.median(rates):,.0f} | [{min(rates):,.0f}–{max(rates):,.0f}] |"


def main() -> None:
    plan = parse_plan()
    settings = bench_settings()
    ensure_database(settings)
    drop_stale_tables(settings)
    drop_read_schemas(settings)
    broker = LocalBroker(Path("/tmp") / f"fundament-bench-tansu-{uuid4().hex[:6]}.log").start()
    stores = TenantStores.open(settings, ServiceDesk)
    started = time.perf_counter()
    try:
        tenants, _ = seed_all(stores, TENANTS, 8)
        filled, _ = application_trial(tenants, 2, plan.fill_seconds)
        events = sum(t.app.recorder.max_notification_id() or 0 for t in tenants)
        print(
            f"Seeded {TENANTS} tenants, ran {filled.done:,} commands: {events:,} events", flush=True
        )
        serial_rates = measure_rebuild(settings, plan.trials, 1)
        rebuild_rates = measure_rebuild(settings, plan.trials, 2)
        print(summary("rebuild 1", serial_rates), summary("rebuild 2", rebuild_rates), flush=True)
        relay_rates, worker_rates, published = measure_relay_and_worker(
            settings, stores, broker, plan.trials
        )
        print(summary("relay", relay_rates), summary("worker", worker_rates), flush=True)
        lags, commands, lost = measure_lag(settings, tenants, broker, plan.lag_seconds)
    finally:
        stores.close()
        close_shared_datastores()
        broker.stop()
    rebuilds = (serial_rates, rebuild_rates)
    text = report(
        plan, events, rebuilds, relay_rates, worker_rates, published, lags, commands, lost
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(f"# Event-flow benchmark ({time.strftime('%Y-%m-%d %H:%M')})\n\n{text}\n")
    print(f"\n{text}\n\nWritten to {RESULTS}; total run time {time.perf_counter() - started:.0f} s")


def report(
    plan: Plan,
    events: int,
    rebuilds: tuple[list[float], list[float]],
    relay_rates: list[float],
    worker_rates: list[float],
    published: int,
    lags: list[float],
    commands: int,
    lost: int,
) -> str:
    p50, p99 = percentile(lags, 0.50) * 1000, percentile(lags, 0.99) * 1000
    serial_rates, rebuild_rates = rebuilds
    rebuild_median = statistics.median(rebuild_rates)
    return "\n".join(
        [
            "| what | median events/s | [min–max] |",
            "|---|---:|---|",
            summary(f"rebuild of the call queue, 1 process ({events:,} events)", serial_rates),
            summary(f"rebuild of the call queue, 2 processes ({events:,} events)", rebuild_rates),
            summary(f"relay: store to Kafka, acks=all ({published:,} events)", relay_rates),
            summary(f"worker: Kafka to the call queue ({published:,} events)", worker_rates),
            "",
            f"End-to-end lag at {LAG_RATE:.0f} commands/s over {TENANTS} tenants for "
            f"{plan.lag_seconds:.0f} s ({commands:,} commands, {len(lags):,} seen, {lost} not seen "
            f"within 30 s): p50 {p50:.0f} ms, p99 {p99:.0f} ms, max {max(lags) * 1000:.0f} ms.",
            f"{plan.trials} trials each for the throughputs.",
            "",
            f"Rebuild target {REBUILD_TARGET:,} events/s: "
            + ("MET" if rebuild_median >= REBUILD_TARGET else "NOT MET")
            + " (2 processes)"
            + f"; lag p99 target {LAG_TARGET_P99 * 1000:.0f} ms: "
            + ("MET" if p99 <= LAG_TARGET_P99 * 1000 and lost == 0 else "NOT MET")
            + ".",
        ]
    )


if __name__ == "__main__":
    main()
