"""Commands/s and latency over HTTP (the gateway) against the direct application path.

Run: ``.venv/bin/python -m benchmarks.http_api [--quick] [--trials N] [--skip-reads]``. It
needs the local PostgreSQL and recreates its own database, ``fundament_bench_http``, on every
run. It seeds 50 tenants like the demo (an SA in force, so incidents are accepted), starts
the gateway with ``fundament serve`` (one worker process per CPU) and measures, on this
machine:

1. the mix (incident submit, accept, classify, analyze, prepare recovery) with the same
   number in flight over HTTP and directly on the tenant applications, trials interleaved;
2. an open loop over HTTP at a fixed rate, latency measured from when each command was due;
3. the call-queue list of one tenant holding 100,000 calls: first, filtered and deep pages.
"""

import argparse
import gc
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from psycopg import sql

from benchmarks._http_load import Trial, direct_trial, http_trial, open_loop_trial, shares
from benchmarks._http_reads import feed_call_queue, queries, read_trial, seed_calls
from benchmarks._http_report import (
    OPEN_LOOP_P99_TARGET,
    READ_P99_TARGET,
    THROUGHPUT_TARGET,
    cpu_per_command,
    median_rate,
    mix_and_failures,
    ms,
    open_loop_table,
    percentile,
    read_table,
    throughput_table,
    verdict,
)
from benchmarks._http_server import (
    Gateway,
    coordinator_token,
    gateway_settings,
    postgres_cpu_seconds,
    running_gateway,
)
from benchmarks._http_workflow import Target
from benchmarks._setup import BenchTenant, connect, seed, seed_all
from gateway.api.settings import GatewaySettings, RateLimitStore
from projections.storage import open_read_store
from tenants.pool import close_shared_datastores
from tenants.runtime import TenantStores
from tenants.service_desk import ServiceDesk
from tenants.settings import StorageSettings

DATABASE = "fundament_bench_http"
READ_SCHEMA = "bench_read"
TENANTS = 50
RESULTS = Path(__file__).parent / "results" / "http_api.md"


@dataclass(frozen=True)
class Plan:
    trials: int
    duration: float
    concurrency: int
    rate: float
    rate_seconds: float
    read_calls: int
    readers: int
    read_seconds: float
    client: str
    gateway_workers: int
    rate_limit_store: RateLimitStore


def parse_plan() -> Plan:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short trials, 20,000 read calls")
    parser.add_argument("--trials", type=int, help="trials per path (default 5, 3 with --quick)")
    parser.add_argument("--duration", type=float, help="seconds per trial (default 10)")
    parser.add_argument("--concurrency", type=int, default=8, help="commands in flight")
    parser.add_argument("--rate", type=float, default=300.0, help="open-loop commands/s")
    parser.add_argument("--rate-seconds", type=float, help="open-loop run length (default 20)")
    parser.add_argument("--read-calls", type=int, help="calls in the read tenant (100,000)")
    parser.add_argument("--readers", type=int, default=4, help="concurrent list requests")
    parser.add_argument(
        "--client", choices=("raw", "httpx"), default="raw", help="the HTTP client (raw)"
    )
    parser.add_argument("--skip-reads", action="store_true", help="no read benchmark")
    parser.add_argument(
        "--rate-limit-store",
        choices=("memory", "database"),
        default="memory",
        help="where the gateway counts its rate limits (memory)",
    )
    parser.add_argument(
        "--gateway-workers",
        type=int,
        default=os.cpu_count() or 1,
        help="gateway worker processes (default: one per CPU)",
    )
    args = parser.parse_args()
    quick = args.quick
    read_calls = 0 if args.skip_reads else args.read_calls or (20_000 if quick else 100_000)
    return Plan(
        trials=args.trials or (3 if quick else 5),
        duration=args.duration or (5.0 if quick else 10.0),
        concurrency=args.concurrency,
        rate=args.rate,
        rate_seconds=args.rate_seconds or (10.0 if quick else 20.0),
        read_calls=read_calls,
        readers=args.readers,
        read_seconds=5.0 if quick else 10.0,
        client=args.client,
        gateway_workers=args.gateway_workers,
        rate_limit_store=args.rate_limit_store,
    )


def recreate_database(storage: StorageSettings) -> None:
    with connect(storage, "postgres") as conn:
        name = sql.Identifier(storage.dbname)
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(name))


def target_of(tenant: BenchTenant, settings: GatewaySettings) -> Target:
    token = coordinator_token(settings, tenant.slug)
    return Target(tenant.slug, tenant.app, token, tenant.customer, tenant.service_ids[0])


def settle_heap() -> None:
    """Collect, then freeze what is left, before a trial.

    This process holds the direct path's tenant apps and their caches. A full garbage
    collection walked all of them, pausing this process for up to 300 ms (measured with a
    ``gc.callbacks`` hook), and during an HTTP trial that pause is the client's: requests
    go out late and the gateway is blamed. Frozen, the collections during a trial walk only
    what the trial created. The gateway's workers freeze their start-up objects likewise.
    """
    gc.collect()
    gc.freeze()


def with_cpu(gateway: Gateway, run: Callable[[], Trial]) -> Trial:
    """Run a trial, adding the CPU seconds this process, the gateway and PostgreSQL spent."""
    settle_heap()
    client, server, database = time.process_time(), gateway.cpu_seconds(), postgres_cpu_seconds()
    trial = run()
    return replace(
        trial,
        client_cpu=time.process_time() - client,
        server_cpu=gateway.cpu_seconds() - server,
        database_cpu=postgres_cpu_seconds() - database,
    )


def compare_paths(plan: Plan, gateway: Gateway, targets: list[Target]) -> list[str]:
    """Warm both paths up, then interleave their trials: direct, HTTP, direct, HTTP, …"""
    direct_work, http_work = shares(targets, plan.concurrency), shares(targets, plan.concurrency)
    direct_trial(direct_work, 3.0)
    http_trial(plan.client, gateway.base_url, http_work, 3.0)
    direct: list[Trial] = []
    http: list[Trial] = []
    for number in range(1, plan.trials + 1):
        direct.append(with_cpu(gateway, lambda: direct_trial(direct_work, plan.duration)))
        http.append(
            with_cpu(
                gateway, lambda: http_trial(plan.client, gateway.base_url, http_work, plan.duration)
            )
        )
        print(
            f"  trial {number}: direct {direct[-1].rate:6,.0f}/s   HTTP {http[-1].rate:6,.0f}/s",
            flush=True,
        )
    ratio = median_rate(http) / median_rate(direct)
    direct_cpu, http_cpu = cpu_per_command(direct), cpu_per_command(http)
    return [
        f"## Throughput: the mix with {plan.concurrency} commands in flight, 50 tenants",
        "",
        throughput_table(direct, http, plan.client),
        "",
        f"{plan.trials} trials of {plan.duration:g} s per path, interleaved (after a 3 s"
        " warm-up of each); latencies are per command, closed loop.",
        f"Direct: {mix_and_failures(direct)}.",
        f"HTTP: {mix_and_failures(http)}.",
        "",
        f"CPU per command, all processes (client, gateway, PostgreSQL): direct"
        f" {ms(direct_cpu)} ms, HTTP {ms(http_cpu)} ms. Were both paths bound by these two"
        f" CPUs alone, HTTP would reach {direct_cpu / http_cpu:.0%} of the direct rate.",
        "",
        verdict(
            "HTTP throughput ≥ 60 % of direct",
            ratio >= THROUGHPUT_TARGET,
            f"{ratio:.0%} (median {median_rate(http):,.0f} vs {median_rate(direct):,.0f} cmds/s)",
        ),
    ]


def fixed_rate(plan: Plan, gateway: Gateway, targets: list[Target]) -> list[str]:
    trial = with_cpu(
        gateway,
        lambda: open_loop_trial(
            plan.client, gateway.base_url, targets, plan.rate, plan.rate_seconds
        ),
    )
    p99 = percentile(trial.outcome.latencies, 0.99)
    return [
        f"## Fixed rate over HTTP (open loop): {plan.rate:g} cmds/s for {plan.rate_seconds:g} s",
        "",
        open_loop_table(trial, plan.rate),
        "",
        "Latency from the moment each command was due, not when it was sent. "
        f"CPU: gateway {trial.server_cpu / trial.seconds:.0%} of a core, this process "
        f"{trial.client_cpu / trial.seconds:.0%}.",
        "",
        verdict(
            f"p99 < 100 ms at {plan.rate:g}/s",
            p99 < OPEN_LOOP_P99_TARGET and trial.rate >= 0.95 * plan.rate,
            f"p99 {ms(p99)} ms, achieved {trial.rate:,.0f}/s",
        ),
    ]


def reads(
    plan: Plan,
    gateway: Gateway,
    stores: TenantStores[ServiceDesk],
    settings: GatewaySettings,
) -> list[str]:
    tenant = seed(stores, "bench-reads", TENANTS, 0)
    target = target_of(tenant, settings)
    print(f"Reads: submitting {plan.read_calls:,} calls in {target.slug} …", flush=True)
    seeded = seed_calls(target, plan.read_calls)
    store = open_read_store(settings.storage, READ_SCHEMA)
    try:
        events, fed = feed_call_queue(stores, store, READ_SCHEMA, target.slug)
        named = queries(store, target.slug)
    finally:
        store.close()
    print(f"  seeded in {seeded:.0f} s, projected {events:,} events in {fed:.1f} s", flush=True)
    settle_heap()
    outcome = read_trial(
        plan.client, gateway.base_url, target, named, plan.readers, plan.read_seconds
    )
    p99 = percentile(outcome.all_latencies, 0.99)
    return [
        f"## Reads: the call queue of a tenant with {plan.read_calls:,} calls",
        "",
        read_table(outcome, plan.read_seconds),
        "",
        f"{plan.readers} readers back to back for {plan.read_seconds:g} s, each going round"
        f" every query; failures: {outcome.failures}. Seeding: {plan.read_calls:,} incidents"
        f" submitted through the tenant app (every 10th also accepted and classified) in"
        f" {seeded:.0f} s; call queue fed from the log ({events:,} events) in {fed:.1f} s.",
        "",
        verdict("list p99 < 50 ms", p99 < READ_P99_TARGET, f"p99 {ms(p99)} ms over all queries"),
    ]


def run(plan: Plan, data_dir: Path) -> list[str]:
    storage = StorageSettings(
        backend="postgres",
        dbname=DATABASE,
        data_dir=data_dir,
        pool_size=plan.concurrency,
        max_overflow=2,
        application_name="fundament-bench-http",
    )
    settings = gateway_settings(storage, READ_SCHEMA, plan.rate_limit_store)
    recreate_database(storage)
    stores = TenantStores.open(storage, ServiceDesk)
    try:
        tenants, seconds = seed_all(stores, TENANTS, 0)
        print(f"Setup: {TENANTS} tenants seeded in {seconds:.1f} s", flush=True)
        targets = [target_of(t, settings) for t in tenants]
        with running_gateway(settings, data_dir / "gateway.log", plan.gateway_workers) as gateway:
            lines = compare_paths(plan, gateway, targets)
            print("\n".join(lines), flush=True)
            lines += ["", *fixed_rate(plan, gateway, targets)]
            print("\n".join(lines[-8:]), flush=True)
            if plan.read_calls:
                lines += ["", *reads(plan, gateway, stores, settings)]
        return lines
    finally:
        stores.close()
        close_shared_datastores()


def setting_notes(plan: Plan) -> list[str]:
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return [
        f"Gateway: `fundament serve --workers {plan.gateway_workers} --no-access-log` (uvicorn"
        " with uvloop and httptools in each worker; commands on the event loop, reads in its"
        " thread pool); read_models_fed_by=workers, so the gateway does not project (in"
        " production the relay and projection workers do); rate limits set to 10,000,000/minute"
        f" (still counted per request, in {plan.rate_limit_store}). Client: {plan.client}"
        " (asyncio on uvloop) in the benchmark process, one keep-alive connection per tenant"
        " (50), one development JWT (ES256) per tenant, a workflow coordinator;"
        f" {plan.concurrency} commands in flight. Direct: the same commands through"
        f" `TenantStores.runtime.app(slug).execute` in {plan.concurrency} threads of the"
        f" benchmark process. Both sides: PostgreSQL pool of {plan.concurrency} + 2 per"
        " process.",
        f"Machine: {os.cpu_count()} CPUs shared by client, gateway and PostgreSQL; load average"
        f" at the end {load}.",
    ]


def main() -> None:
    plan = parse_plan()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="fundament-bench-http-") as directory:
        lines = run(plan, Path(directory))
    text = "\n".join([*lines, "", *setting_notes(plan)])
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(f"# HTTP benchmark ({time.strftime('%Y-%m-%d %H:%M')})\n\n{text}\n")
    print(f"\n{text}\n\nWritten to {RESULTS}; total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
