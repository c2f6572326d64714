"""Reads of cross-organization reporting: one row per tenant, service, process, workflow
and month, over the tenants that consent, with small counts suppressed.

Each measure falls in the month of its own event: opened in the month of submission,
fulfilled in the month of fulfilment, closed (with the cycle times) in the month of
closure, reworks in the month the requester disagreed. A call naming several services
counts under each, so rows of different services of one tenant may not be summed.

Suppression: a count from 1 to ``threshold - 1`` is shown as None (0 is shown: it singles
out nobody), and so are the median and 90th percentile of a bucket with fewer than
``threshold`` closed calls. Percentiles interpolate linearly between the closest ranks,
as PostgreSQL's ``percentile_cont`` does.
"""

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from domain.patterns import Process, WorkflowType
from projections.read_models.reporting.model import UNRESOLVED
from projections.storage import ReadStore, Row, Tx

DEFAULT_THRESHOLD = 5
_YEAR_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")

Bucket = tuple[str, str, str, str, str]  # tenant, service id, process, workflow, month

_CONSENTING_CALLS = (
    " FROM rm_reporting_calls c"
    " JOIN rm_reporting_consent k ON k.tenant = c.tenant AND k.consent = 1"
    " JOIN rm_reporting_call_services s ON s.tenant = c.tenant AND s.call_key = c.call_key"
)
_BUCKET = "c.tenant, s.service_id, c.process, c.workflow"


@dataclass(frozen=True)
class ReportRow:
    """One bucket. None means suppressed (too few calls to show)."""

    tenant: str
    service_id: str
    service_code: str | None
    process: str
    workflow: str
    month: str
    opened: int | None
    fulfilled: int | None
    closed: int | None
    reworks: int | None
    median_cycle_seconds: float | None
    p90_cycle_seconds: float | None


@dataclass(frozen=True)
class _Filters:
    month: str | None
    process: str | None
    workflow: str | None
    tenant: str | None

    @classmethod
    def checked(
        cls, month: str | None, process: str | None, workflow: str | None, tenant: str | None
    ) -> "_Filters":
        """The filters, or ValueError naming the one that cannot match anything."""
        if month is not None and not _YEAR_MONTH.fullmatch(month):
            raise ValueError(f"month {month!r} is not a year-month such as 2026-11")
        if workflow is not None and workflow != UNRESOLVED:
            workflow = WorkflowType(workflow).value
        return cls(month, None if process is None else Process(process).value, workflow, tenant)

    def where(self, month_column: str) -> tuple[str, list[str]]:
        """A WHERE clause on the bucket's columns, the month being ``month_column``."""
        clauses, params = [f"{month_column} IS NOT NULL"], []
        for column, value in (
            (month_column, self.month),
            ("c.process", self.process),
            ("c.workflow", self.workflow),
            ("c.tenant", self.tenant),
        ):
            if value is not None:
                clauses.append(f"{column} = %s")
                params.append(value)
        return " WHERE " + " AND ".join(clauses), params


@dataclass
class _Tally:
    opened: int = 0
    fulfilled: int = 0
    reworks: int = 0
    cycles_us: list[int] = field(default_factory=list)


def report(
    store: ReadStore,
    *,
    month: str | None = None,
    process: str | None = None,
    workflow: str | None = None,
    tenant: str | None = None,
    threshold: int = DEFAULT_THRESHOLD,
) -> list[ReportRow]:
    """Counts and cycle times per bucket of the consenting tenants, small counts suppressed.

    ``month`` is a UTC year-month (``2026-11``); ``process`` a process (``recover``);
    ``workflow`` a workflow type (``W3``) or ``unresolved``.
    """
    if threshold < 1:
        raise ValueError(f"the suppression threshold must be at least 1, not {threshold}")
    filters = _Filters.checked(month, process, workflow, tenant)
    with store.transaction() as tx:
        tallies = _tallies(tx, filters)
        codes = _service_codes(tx)
    return [
        _row(bucket, tally, codes.get(bucket[:2]), threshold)
        for bucket, tally in sorted(tallies.items())
    ]


def consenting_tenants(store: ReadStore) -> list[str]:
    """The tenants whose calls the report includes."""
    with store.transaction() as tx:
        rows = tx.fetchall(
            "SELECT tenant FROM rm_reporting_consent WHERE consent = 1 ORDER BY tenant"
        )
    return [str(row[0]) for row in rows]


def percentile(ordered: Sequence[float], fraction: float) -> float:
    """The ``fraction`` percentile of ascending values, interpolating between ranks."""
    if not ordered:
        raise ValueError("no values")
    position = (len(ordered) - 1) * fraction
    lower, upper = math.floor(position), math.ceil(position)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def _tallies(tx: Tx, filters: _Filters) -> dict[Bucket, _Tally]:
    tallies: dict[Bucket, _Tally] = {}

    def at(row: Row) -> _Tally:
        bucket: Bucket = (str(row[0]), str(row[1]), str(row[2]), str(row[3]), str(row[4]))
        return tallies.setdefault(bucket, _Tally())

    for row in _counts(tx, filters, "c.opened_month"):
        at(row).opened = int(row[5])
    for row in _counts(tx, filters, "c.fulfilled_month"):
        at(row).fulfilled = int(row[5])
    for row in _reworks(tx, filters):
        at(row).reworks = int(row[5])
    for row in _cycles(tx, filters):
        at(row).cycles_us.append(int(row[5]))
    return tallies


def _counts(tx: Tx, filters: _Filters, month_column: str) -> list[Row]:
    where, params = filters.where(month_column)
    return tx.fetchall(
        f"SELECT {_BUCKET}, {month_column}, COUNT(*){_CONSENTING_CALLS}{where}"
        f" GROUP BY {_BUCKET}, {month_column}",
        params,
    )


def _reworks(tx: Tx, filters: _Filters) -> list[Row]:
    where, params = filters.where("r.month")
    return tx.fetchall(
        f"SELECT {_BUCKET}, r.month, SUM(r.reworks){_CONSENTING_CALLS}"
        " JOIN rm_reporting_reworks r ON r.tenant = c.tenant AND r.call_key = c.call_key"
        f"{where} GROUP BY {_BUCKET}, r.month",
        params,
    )


def _cycles(tx: Tx, filters: _Filters) -> list[Row]:
    where, params = filters.where("c.closed_month")
    return tx.fetchall(
        f"SELECT {_BUCKET}, c.closed_month, c.cycle_us{_CONSENTING_CALLS}{where}", params
    )


def _service_codes(tx: Tx) -> dict[tuple[str, str], str]:
    rows = tx.fetchall("SELECT tenant, service_id, code FROM rm_reporting_services")
    return {(str(tenant), str(service)): str(code) for tenant, service, code in rows}


def _row(bucket: Bucket, tally: _Tally, code: str | None, threshold: int) -> ReportRow:
    tenant, service_id, process, workflow, month = bucket
    cycles = sorted(us / 1_000_000 for us in tally.cycles_us)
    enough = len(cycles) >= threshold
    return ReportRow(
        tenant=tenant,
        service_id=service_id,
        service_code=code,
        process=process,
        workflow=workflow,
        month=month,
        opened=_shown(tally.opened, threshold),
        fulfilled=_shown(tally.fulfilled, threshold),
        closed=_shown(len(cycles), threshold),
        reworks=_shown(tally.reworks, threshold),
        median_cycle_seconds=percentile(cycles, 0.5) if enough else None,
        p90_cycle_seconds=percentile(cycles, 0.9) if enough else None,
    )


def _shown(count: int, threshold: int) -> int | None:
    return None if 0 < count < threshold else count
