"""Where one command's time goes: cProfile, and timers around the phases of the live path.

The phase timers wrap the methods ``ServiceDesk.execute`` calls on one application
instance (``load``, ``exists``, ``save`` and the recorder's database calls), so the measured
path is the real one; the wrappers are removed afterwards and no project code changes.
"""

import cProfile
import io
import pstats
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from benchmarks._setup import BenchTenant, CallSlot
from benchmarks._workload import OPERATE_PATH, WorkStats, business_now, next_command, step_once

# (owner attribute path, method) pairs timed on each tenant application.
_TIMED = (
    ("", "load"),
    ("", "exists"),
    ("recorder", "select_events"),
    ("recorder", "select_notifications"),
    ("recorder", "insert_events"),
    ("", "save"),
)
PHASES = (
    ("load: DB read (select_events)", "select_events"),
    ("load: cache, decode + replay events", "load-py"),
    ("agreement lookup: notification scan (AcceptCall)", "select_notifications"),
    ("decide: handler + domain", "decide"),
    ("save: encode events", "save-py"),
    ("save: DB write (lock, insert, notify, commit)", "insert_events"),
)


def whole_calls(
    tenants: Sequence[BenchTenant], count: int
) -> Iterator[tuple[BenchTenant, CallSlot]]:
    """About ``count`` commands that take fresh calls from submission to closure, round-robin
    over the tenants, so every command of the Operate path weighs the same (1 in 8)."""
    per_call = len(OPERATE_PATH) + 1
    work = [(tenants[i % len(tenants)], CallSlot(None)) for i in range(max(1, count // per_call))]
    for _ in range(per_call):
        yield from work


def profile_commands(tenants: Sequence[BenchTenant], count: int, top: int = 15) -> str:
    """Run ``count`` commands in one thread under cProfile; the top functions by cumtime."""
    stats = WorkStats()
    profiler = cProfile.Profile()
    profiler.enable()
    for tenant, slot in whole_calls(tenants, count):
        step_once(tenant, slot, stats)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("cumulative").print_stats(top)
    lines = out.getvalue().strip().splitlines()
    start = next(i for i, line in enumerate(lines) if "ncalls" in line)
    return "\n".join([lines[0].strip(), "", *lines[start:]])


class PhaseClock:
    """Seconds spent in each timed method, per command type (filled by the wrappers)."""

    def __init__(self) -> None:
        self.seconds: defaultdict[str, defaultdict[str, float]] = defaultdict(
            lambda: defaultdict(float)
        )
        self.counts: defaultdict[str, int] = defaultdict(int)
        self.loads: defaultdict[str, int] = defaultdict(int)
        self.current = ""

    def wrap(self, name: str, method: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                self.seconds[self.current][name] += time.perf_counter() - started
                if name in ("load", "exists"):
                    self.loads[self.current] += 1

        return timed


@contextmanager
def _instrumented(tenants: Sequence[BenchTenant], clock: PhaseClock) -> Iterator[None]:
    patched: list[tuple[object, str]] = []
    try:
        for tenant in {t.slug: t for t in tenants}.values():
            for owner_path, name in _TIMED:
                owner = getattr(tenant.app, owner_path) if owner_path else tenant.app
                setattr(owner, name, clock.wrap(name, getattr(owner, name)))
                patched.append((owner, name))
        yield
    finally:
        for owner, name in patched:
            delattr(owner, name)  # the class's own method shows through again


def measure_phases(tenants: Sequence[BenchTenant], count: int) -> PhaseClock:
    """Run ``count`` commands in one thread with the phase timers on."""
    clock = PhaseClock()
    stats = WorkStats()
    with _instrumented(tenants, clock):
        for tenant, slot in whole_calls(tenants, count):
            clock.current = type(next_command(tenant, slot, business_now())).__name__
            started = time.perf_counter()
            step_once(tenant, slot, stats)
            clock.seconds[clock.current]["total"] += time.perf_counter() - started
            clock.counts[clock.current] += 1
    return clock


def _derived(seconds: dict[str, float]) -> dict[str, float]:
    load = seconds["load"] + seconds["exists"]
    save, total = seconds["save"], seconds["total"]
    lookup = seconds["select_notifications"]
    return {
        "select_events": seconds["select_events"],
        "load-py": load - seconds["select_events"],
        "select_notifications": lookup,
        "decide": total - load - lookup - save,
        "save-py": save - seconds["insert_events"],
        "insert_events": seconds["insert_events"],
        "total": total,
    }


def phase_report(clock: PhaseClock) -> str:
    """A breakdown over all commands, then the mean time of each command type."""
    n = sum(clock.counts.values())
    overall: defaultdict[str, float] = defaultdict(float)
    for seconds in clock.seconds.values():
        for key, value in _derived(seconds).items():
            overall[key] += value
    lines = [f"{n} commands, mean {overall['total'] / n * 1000:.2f} ms per command:"]
    for label, key in PHASES:
        share = overall[key] / overall["total"]
        lines.append(f"  {label:<50} {overall[key] / n * 1000:6.2f} ms  {share:6.1%}")
    lines += ["", "  command              n   mean ms  loads/cmd  DB read+write ms"]
    for kind, count in sorted(clock.counts.items(), key=lambda item: -item[1]):
        d = _derived(clock.seconds[kind])
        db = d["select_events"] + d["select_notifications"] + d["insert_events"]
        loads = clock.loads[kind] / count
        lines.append(
            f"  {kind:<18} {count:4d} {d['total'] / count * 1000:9.2f} {loads:10.1f}"
            f" {db / count * 1000:17.2f}"
        )
    return "\n".join(lines)


def lookup_scaling(tenants: Sequence[BenchTenant], repeats: int = 20) -> str:
    """AcceptCall's SA lookup reads only the log added since its last look: its time on the
    big shared tenant and on a small one should be alike."""
    parts = []
    for tenant in tenants[:2]:
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            tenant.app.service_agreements_of(tenant.customer)
            times.append(time.perf_counter() - started)
        events = tenant.app.recorder.max_notification_id() or 0
        parts.append(f"{statistics.median(times) * 1000:.2f} ms at {events:,} events")
    return "ServiceDesk.service_agreements_of() (AcceptCall's lookup), median: " + " vs ".join(
        parts
    )
