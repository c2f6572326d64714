"""End-to-end lag: commands at a steady rate, relay and worker as their own processes.

The lag of one command is the time from its commit to the moment the call-queue read model's
tracking record for its tenant reaches the command's notification id (polled every few ms
from this process, one query for all tenants).
"""

import itertools
import os
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from benchmarks._setup import BenchTenant, CallSlot
from benchmarks._workload import advance, business_now, next_command
from projections.settings import FlowSettings
from projections.storage import PostgresReadStore
from tenants.errors import ConcurrencyConflictError
from tenants.settings import StorageSettings

POLL_SECONDS = 0.005


@dataclass
class LagProbe:
    """Commits waiting to be seen, and the lags of those that were."""

    store: PostgresReadStore
    read_model: str
    pending: dict[str, list[tuple[int, float]]] = field(default_factory=dict)
    lags: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def committed(self, tenant: str, notification_id: int, at: float) -> None:
        with self.lock:
            self.pending.setdefault(tenant, []).append((notification_id, at))

    def watch(self, stop: threading.Event, grace: float = 30.0) -> None:
        """Record lags until ``stop``, then until nothing is pending (at most ``grace`` s);
        what is still pending then counts as lost."""
        deadline: float | None = None
        while True:
            self._sweep()
            if stop.is_set():
                deadline = deadline or time.perf_counter() + grace
                if not self.waiting() or time.perf_counter() > deadline:
                    return
            time.sleep(POLL_SECONDS)

    def _sweep(self) -> None:
        positions = self._positions()
        now = time.perf_counter()
        with self.lock:
            for tenant, items in self.pending.items():
                seen = positions.get(tenant, 0)
                self.lags += [now - at for nid, at in items if nid <= seen]
                self.pending[tenant] = [(nid, at) for nid, at in items if nid > seen]

    def waiting(self) -> int:
        with self.lock:
            return sum(len(items) for items in self.pending.values())

    def _positions(self) -> dict[str, int]:
        with self.store.transaction() as tx:
            rows = tx.fetchall(
                "SELECT tenant, notification_id FROM projection_tracking WHERE read_model = %s",
                (self.read_model,),
            )
        return {tenant: int(nid) for tenant, nid in rows}


def flow_processes(settings: StorageSettings, flow: FlowSettings) -> list[subprocess.Popen[bytes]]:
    """`fundament relay` and `fundament project`, as a deployment runs them."""
    env = {
        **os.environ,
        "FUNDAMENT_STORE": "postgres",
        "FUNDAMENT_PG_DBNAME": settings.dbname,
        "FUNDAMENT_PG_POOL_SIZE": "2",
        "FUNDAMENT_KAFKA_BOOTSTRAP": flow.bootstrap,
        "FUNDAMENT_KAFKA_TOPIC": flow.topic,
        "FUNDAMENT_KAFKA_PARTITIONS": str(flow.partitions),
        "FUNDAMENT_READ_SCHEMA": flow.read_schema,
    }
    cli = "from gateway.cli import main; import sys; sys.exit(main(sys.argv[1:]))"
    return [
        subprocess.Popen([sys.executable, "-c", cli, *args], env=env, stderr=subprocess.DEVNULL)
        for args in (["relay", "--sweep-seconds", "5"], ["project"])
    ]


def drive_at_rate(
    tenants: Sequence[BenchTenant], probe: LagProbe, rate: float, seconds: float
) -> int:
    """Run commands round-robin over the tenants' calls at ``rate`` per second."""
    work = [
        (tenant, slot)
        for slot_index in range(8)
        for tenant in tenants
        for slot in tenant.slots[slot_index : slot_index + 1]
    ]
    started, done = time.perf_counter(), 0
    for tenant, slot in itertools.cycle(work):
        due = started + done / rate
        if due - started >= seconds:
            return done
        time.sleep(max(0.0, due - time.perf_counter()))
        done += _one_command(tenant, slot, probe)
    return done


def _one_command(tenant: BenchTenant, slot: CallSlot, probe: LagProbe) -> int:
    now = business_now()
    try:
        result = tenant.execute(next_command(tenant, slot, now), slot.correlation_id, now)
    except ConcurrencyConflictError:
        return 0
    if result.notification_id is not None:
        probe.committed(tenant.slug, result.notification_id, time.perf_counter())
    advance(slot, result.aggregate_id)
    return 1
