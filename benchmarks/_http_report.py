"""Percentiles and the Markdown tables of the HTTP benchmark."""

import math
import statistics
from collections.abc import Sequence

from benchmarks._http_load import Trial
from benchmarks._http_reads import ReadOutcome
from benchmarks._http_workflow import Outcome

THROUGHPUT_TARGET = 0.60
OPEN_LOOP_P99_TARGET = 0.100
READ_P99_TARGET = 0.050


def percentile(values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile (``fraction`` 0.99 for p99); NaN without values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def _merged(trials: Sequence[Trial]) -> Outcome:
    total = Outcome()
    for trial in trials:
        total.add(trial.outcome)
    return total


def _commands(trials: Sequence[Trial]) -> int:
    return sum(sum(t.outcome.commands.values()) for t in trials)


def _cpu_column(trials: Sequence[Trial], seconds: float) -> str:
    commands = _commands(trials)
    return ms(seconds / commands) if commands else "–"


def cpu_per_command(trials: Sequence[Trial]) -> float:
    """CPU seconds per command of every process involved: client, gateway, PostgreSQL."""
    seconds = sum(t.client_cpu + t.server_cpu + t.database_cpu for t in trials)
    return seconds / max(1, _commands(trials))


def median_rate(trials: Sequence[Trial]) -> float:
    return statistics.median(t.rate for t in trials)


def throughput_table(direct: Sequence[Trial], http: Sequence[Trial], client: str) -> str:
    rows = [
        "| path | median cmds/s | [min–max] | ratio to direct | p50 ms | p99 ms"
        " | CPU ms/cmd: this process | gateway | PostgreSQL |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    base = median_rate(direct)
    for label, trials in (
        ("direct: `app.execute` in threads", direct),
        (f"HTTP: `fundament serve`, {client} client, keep-alive", http),
    ):
        rates = [t.rate for t in trials]
        latencies = _merged(trials).latencies
        rows.append(
            f"| {label} | {median_rate(trials):,.0f} | [{min(rates):,.0f}–{max(rates):,.0f}]"
            f" | {median_rate(trials) / base:.0%} | {ms(percentile(latencies, 0.5))}"
            f" | {ms(percentile(latencies, 0.99))}"
            f" | {_cpu_column(trials, sum(t.client_cpu for t in trials))}"
            f" | {_cpu_column(trials, sum(t.server_cpu for t in trials))}"
            f" | {_cpu_column(trials, sum(t.database_cpu for t in trials))} |"
        )
    return "\n".join(rows)


def mix_and_failures(trials: Sequence[Trial]) -> str:
    merged = _merged(trials)
    total = sum(merged.commands.values())
    mix = ", ".join(f"{name} {count / total:.0%}" for name, count in merged.commands.most_common())
    return f"{total:,} commands ({mix}); failures: {dict(merged.failures) or 'none'}"


def open_loop_table(trial: Trial, rate: float) -> str:
    latencies = trial.outcome.latencies
    return "\n".join(
        [
            "| due rate | achieved | commands | p50 ms | p90 ms | p99 ms | max ms | failures |",
            "|---:|---:|---:|---:|---:|---:|---:|---|",
            f"| {rate:,.0f}/s | {trial.rate:,.0f}/s | {len(latencies):,}"
            f" | {ms(percentile(latencies, 0.5))} | {ms(percentile(latencies, 0.9))}"
            f" | {ms(percentile(latencies, 0.99))} | {ms(max(latencies, default=math.nan))}"
            f" | {dict(trial.outcome.failures) or 'none'} |",
        ]
    )


def read_table(outcome: ReadOutcome, duration: float) -> str:
    rows = ["| GET /t/…/calls?limit=25 … | requests | p50 ms | p99 ms |", "|---|---:|---:|---:|"]
    for name, latencies in outcome.latencies.items():
        rows.append(
            f"| {name} | {len(latencies):,} | {ms(percentile(latencies, 0.5))}"
            f" | {ms(percentile(latencies, 0.99))} |"
        )
    every = outcome.all_latencies
    rows.append(
        f"| **all** ({len(every) / duration:,.0f} requests/s) | {len(every):,}"
        f" | {ms(percentile(every, 0.5))} | {ms(percentile(every, 0.99))} |"
    )
    return "\n".join(rows)


def verdict(name: str, met: bool, detail: str) -> str:
    return f"- {name}: **{'MET' if met else 'NOT MET'}** — {detail}"
