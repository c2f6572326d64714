"""Summaries of trials: median [min–max], ratios to the raw baseline, the Markdown table."""

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

from benchmarks._workload import WorkStats

RAW_PATH = "raw psycopg one-row INSERT, 1 commit/row (rows/s)"
APP_PATH = "ServiceDesk.execute (load, decide, save)"


@dataclass(frozen=True)
class Cell:
    """One point of the matrix: the application path over some tenants, or the baseline."""

    threads: int
    tenants: int | None = None  # None: the raw baseline

    @property
    def is_raw(self) -> bool:
        return self.tenants is None

    @property
    def label(self) -> str:
        if self.tenants is None:
            return f"raw       {self.threads} thread(s)"
        return f"app       {self.threads} thread(s), {self.tenants:2d} tenant(s)"


@dataclass
class CellResult:
    rates: list[float] = field(default_factory=list)
    stats: WorkStats = field(default_factory=WorkStats)

    @property
    def median(self) -> float:
        return statistics.median(self.rates)

    @property
    def spread(self) -> str:
        return f"[{min(self.rates):,.0f}–{max(self.rates):,.0f}]"


def ratio(results: dict[Cell, CellResult], cell: Cell) -> float:
    return results[cell].median / results[Cell(cell.threads)].median


def markdown_table(results: dict[Cell, CellResult]) -> str:
    rows = [
        "| path | threads | tenants | median cmds/s | [min–max] | ratio to raw |",
        "|---|---:|---:|---:|---|---:|",
    ]
    for cell in sorted(
        results, key=lambda c: (c.threads, c.tenants is not None, -(c.tenants or 0))
    ):
        result = results[cell]
        path = RAW_PATH if cell.is_raw else APP_PATH
        tenants = "–" if cell.tenants is None else str(cell.tenants)
        rows.append(
            f"| {path} | {cell.threads} | {tenants} | {result.median:,.0f} | "
            f"{result.spread} | {ratio(results, cell):.0%} |"
        )
    return "\n".join(rows)


def mix_line(stats: WorkStats) -> str:
    total = stats.done
    parts = [f"{name} {count / total:.1%}" for name, count in stats.commands.most_common()]
    return f"{total:,} commands: " + ", ".join(parts)


def notes(results: dict[Cell, CellResult], duration: float, trials: int) -> list[str]:
    """Conflicts, errors and the command mix, for the lines under the table."""
    app = WorkStats()
    lines = [f"{trials} trials of {duration:g} s per cell; cells interleaved per trial round."]
    for cell, result in results.items():
        if cell.is_raw:
            continue
        app.add(result.stats)
        errors = dict(result.stats.errors) or "none"
        lines.append(
            f"{cell.threads} thread(s), {cell.tenants} tenant(s): "
            f"{result.stats.conflicts} conflicts (none retried), other errors: {errors}"
        )
    lines.append("Command mix (all application trials): " + mix_line(app))
    return lines


def verdict(results: dict[Cell, CellResult], target: float, threads: int, tenants: int) -> str:
    got = ratio(results, Cell(threads, tenants))
    met = "MET" if got >= target else "NOT MET"
    return (
        f"Target {met}: the application path reaches {got:.0%} of the raw baseline at "
        f"{threads} threads over {tenants} tenants (target: at least {target:.0%})."
    )


def summary_line(cell: Cell, result: CellResult) -> str:
    rates = ", ".join(f"{rate:,.0f}" for rate in result.rates)
    return f"{cell.label}: {result.median:,.0f} {result.spread}  (trials: {rates})"


def rate_of(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else 0.0


def summaries(results: dict[Cell, CellResult], order: Sequence[Cell]) -> list[str]:
    return [summary_line(cell, results[cell]) for cell in order]
