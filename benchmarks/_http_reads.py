"""The read benchmark: one tenant with many calls in its call queue, listed over HTTP.

The calls are submitted through the tenant application (threads of this process), every
tenth one also accepted and classified with a rotating impact and urgency, so status and
priority filters have something to select; then the call-queue read model is fed from the
tenant's log, as the projection workers would.
"""

import asyncio
import itertools
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from uuid import uuid4

import uvloop

from benchmarks._http_client import Client, open_client
from benchmarks._http_server import ACTOR
from benchmarks._http_workflow import Target
from domain.commands import AcceptCall, ClassifyCall
from domain.patterns import Impact, Urgency
from domain.shared import CommandContext
from gateway.api.runtime import utc_now
from projections.feed import LogFeed
from projections.projector import Projector
from projections.read_models.call_queue import queries as queue
from projections.read_models.call_queue.model import CALLS
from projections.read_models.registry import all_read_models
from projections.settings import FlowSettings
from projections.storage import ReadStore
from tenants.runtime import TenantStores
from tenants.service_desk import ServiceDesk

CLASSIFIED_EVERY = 10
_GRADES = list(itertools.product((Impact.HIGH, Impact.MEDIUM, Impact.LOW), tuple(Urgency)))


def _submit_share(target: Target, indexes: range) -> None:
    app = target.app
    for index in indexes:
        context = CommandContext(ACTOR, utc_now(), uuid4(), uuid4())
        call = app.execute(target.submit_command(), context).aggregate_id
        if index % CLASSIFIED_EVERY:
            continue
        impact, urgency = _GRADES[(index // CLASSIFIED_EVERY) % len(_GRADES)]
        app.execute(AcceptCall(call_id=call), context)
        classify = ClassifyCall(
            call_id=call, category="application", impact=impact, urgency=urgency
        )
        app.execute(classify, context)
        if index and index % 10_000 == 0:
            print(f"    … {index:,} calls", flush=True)


def seed_calls(target: Target, calls: int, threads: int = 4) -> float:
    """Submit ``calls`` incidents in ``target`` (every 10th accepted and classified); seconds."""
    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        shares = [range(w, calls, threads) for w in range(threads)]
        for future in [pool.submit(_submit_share, target, share) for share in shares]:
            future.result()
    return time.perf_counter() - started


def feed_call_queue(
    stores: TenantStores[ServiceDesk], store: ReadStore, read_schema: str, slug: str
) -> tuple[int, float]:
    """Project the tenant's whole log into the call queue; events and seconds."""
    models = all_read_models(FlowSettings(read_schema=read_schema))
    projector = Projector(store, models).only(["call_queue"])
    started = time.perf_counter()
    result = LogFeed(stores, projector, traced=False).catch_up(slug)
    events = result.applied + result.ignored + result.skipped + result.parked
    return events, time.perf_counter() - started


def _values(store: ReadStore, slug: str, column: str) -> list[tuple[str, int]]:
    """The column's values among the tenant's open calls, most common first."""
    with store.transaction() as tx:
        rows = tx.fetchall(
            f"SELECT {column}, COUNT(*) FROM {CALLS} WHERE tenant = %s AND {column} IS NOT NULL"
            f" AND is_open = 1 GROUP BY {column} ORDER BY COUNT(*) DESC",
            (slug,),
        )
    return [(str(value), int(count)) for value, count in rows]


def _cursors(store: ReadStore, slug: str, depths: Sequence[float]) -> dict[float, str]:
    """Cursors of the default order at the given fractions of the queue (walked in-process)."""
    cursors: list[str] = []
    after: str | None = None
    while True:
        page = queue.open_calls(store, slug, after=after, limit=queue.MAX_PAGE_SIZE)
        if page.next_cursor is None:
            break
        cursors.append(page.next_cursor)
        after = page.next_cursor
    return {depth: cursors[min(len(cursors) - 1, int(depth * len(cursors)))] for depth in depths}


def queries(store: ReadStore, slug: str) -> dict[str, str]:
    """The list requests to time, by name: first pages, filtered pages and deep pages."""
    path = f"/t/{slug}/calls?limit=25"
    statuses, priorities = _values(store, slug, "status"), _values(store, slug, "priority")
    team = _values(store, slug, "team")[0][0]
    rare_priority = priorities[-1]
    named = {
        "first page": path,
        f"status={statuses[0][0]} ({statuses[0][1]:,} calls)": f"{path}&status={statuses[0][0]}",
        f"status={statuses[-1][0]} ({statuses[-1][1]:,} calls)": f"{path}&status={statuses[-1][0]}",
        f"priority={rare_priority[0]} ({rare_priority[1]:,} calls)": (
            f"{path}&priority={rare_priority[0]}"
        ),
        f"team={team}, priority={priorities[0][0]}": (
            f"{path}&team={team}&priority={priorities[0][0]}"
        ),
    }
    for depth, cursor in _cursors(store, slug, (0.5, 0.99)).items():
        named[f"page at {depth:.0%} depth (after cursor)"] = f"{path}&after={cursor}"
    return named


@dataclass
class ReadOutcome:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    failures: int = 0

    @property
    def all_latencies(self) -> list[float]:
        return [value for values in self.latencies.values() for value in values]


async def _reader(
    client: Client,
    named: list[tuple[str, str]],
    headers: dict[str, str],
    deadline: float,
    outcome: ReadOutcome,
) -> None:
    for name, path in itertools.cycle(named):
        began = time.perf_counter()
        if began >= deadline:
            return
        response = await client.get(path, headers=headers)
        if response.status_code != 200 or len(response.json()["items"]) == 0:
            outcome.failures += 1
            continue
        outcome.latencies.setdefault(name, []).append(time.perf_counter() - began)


async def _read_load(
    kind: str, base_url: str, target: Target, named: dict[str, str], readers: int, duration: float
) -> ReadOutcome:
    outcome = ReadOutcome()
    client = open_client(kind, base_url, readers)
    try:
        items = list(named.items())
        for path in named.values():  # warm each query once, outside the clock
            await client.get(path, headers=target.headers)
        deadline = time.perf_counter() + duration
        await asyncio.gather(
            *(
                _reader(client, items[r:] + items[:r], target.headers, deadline, outcome)
                for r in range(readers)
            )
        )
    finally:
        await client.aclose()
    return outcome


def read_trial(
    kind: str, base_url: str, target: Target, named: dict[str, str], readers: int, duration: float
) -> ReadOutcome:
    """``readers`` clients listing calls back to back, each going round every query."""
    return uvloop.run(_read_load(kind, base_url, target, named, readers, duration))
