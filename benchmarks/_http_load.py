"""How the mix is driven: closed loops (N in flight, direct or HTTP) and an open loop (HTTP).

Closed loop: each of N workers owns some tenants, one workflow each, and sends one command
at a time, going round its tenants, so consecutive commands hit different tenants. Over HTTP
every tenant is a client of its own with its own keep-alive connection, as federated tenants
are; the gateway's workers share the connections out, not the requests. Open loop:
commands are due at a fixed rate whatever the gateway does; a command's latency is measured
from when it was due, so time spent waiting behind a slow gateway (or in the client's
connection pool) counts, and coordinated omission cannot hide queueing.
"""

import asyncio
import itertools
import time
from collections import deque
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import uvloop

from benchmarks._http_client import Client, open_client
from benchmarks._http_workflow import Outcome, Target, Workflow, run_direct, run_http

Share = list[Workflow]


@dataclass(frozen=True)
class Trial:
    """One measured trial: what it did, its wall time and CPU seconds spent on each side."""

    outcome: Outcome
    seconds: float
    client_cpu: float = 0.0  # this process (the client, or the whole direct path)
    server_cpu: float = 0.0  # the gateway processes (HTTP trials only)
    database_cpu: float = 0.0  # the PostgreSQL processes

    @property
    def rate(self) -> float:
        return sum(self.outcome.commands.values()) / self.seconds if self.seconds else 0.0


def shares(targets: Sequence[Target], workers: int) -> list[Share]:
    """One workflow per tenant, the tenants dealt round-robin to ``workers``."""
    return [[Workflow(t) for t in targets[w::workers]] for w in range(workers)]


def _direct_worker(share: Share, start: float, deadline: float) -> tuple[Outcome, float]:
    outcome = Outcome()
    time.sleep(max(0.0, start - time.perf_counter()))
    for workflow in itertools.cycle(share):
        began = time.perf_counter()
        if began >= deadline:
            break
        run_direct(workflow, outcome, began, time.perf_counter)
    return outcome, time.perf_counter()


def direct_trial(work: Sequence[Share], duration: float) -> Trial:
    """Every share in its own thread of this process, calling the tenant apps directly."""
    start = time.perf_counter() + 0.05
    with ThreadPoolExecutor(len(work)) as pool:
        futures = [pool.submit(_direct_worker, s, start, start + duration) for s in work]
        results = [future.result() for future in futures]
    total = Outcome()
    for outcome, _ in results:
        total.add(outcome)
    ended = max(end for _, end in results)
    return Trial(total, ended - start)


Clients = dict[str, Client]


async def _open_clients(kind: str, base_url: str, slugs: Sequence[str], each: int) -> Clients:
    """A client per tenant with up to ``each`` connections, one already open."""
    clients = {slug: open_client(kind, base_url, each) for slug in slugs}
    await asyncio.gather(*(c.get("/patterns/workflows", headers={}) for c in clients.values()))
    return clients


async def _close(clients: Clients) -> None:
    await asyncio.gather(*(client.aclose() for client in clients.values()))


async def _http_worker(clients: Clients, share: Share, deadline: float) -> Outcome:
    outcome = Outcome()
    for workflow in itertools.cycle(share):
        began = time.perf_counter()
        if began >= deadline:
            break
        client = clients[workflow.target.slug]
        await run_http(client, workflow, outcome, began, time.perf_counter)
    return outcome


async def _http_closed(kind: str, base_url: str, work: Sequence[Share], duration: float) -> Trial:
    slugs = [workflow.target.slug for share in work for workflow in share]
    clients = await _open_clients(kind, base_url, slugs, 1)
    try:
        start = time.perf_counter()
        outcomes = await asyncio.gather(
            *(_http_worker(clients, share, start + duration) for share in work)
        )
        seconds = time.perf_counter() - start
    finally:
        await _close(clients)
    total = Outcome()
    for outcome in outcomes:
        total.add(outcome)
    return Trial(total, seconds)


def http_trial(kind: str, base_url: str, work: Sequence[Share], duration: float) -> Trial:
    """Every share as a task of one event loop, each tenant on its own connection.

    The load generator runs on uvloop, as the gateway does: it spends about 15 µs less CPU
    per command than on asyncio's own loop, CPU it would otherwise take from the gateway
    and PostgreSQL on this shared machine."""
    return uvloop.run(_http_closed(kind, base_url, work, duration))


async def _http_open(
    kind: str,
    base_url: str,
    targets: Sequence[Target],
    rate: float,
    duration: float,
    connections: int,
) -> Trial:
    idle: deque[Workflow] = deque(Workflow(t) for t in targets)
    tenants = itertools.cycle(targets)
    outcome, tasks = Outcome(), set()

    async def send(workflow: Workflow, due: float) -> None:
        client = clients[workflow.target.slug]
        await run_http(client, workflow, outcome, due, time.perf_counter)
        idle.append(workflow)

    clients = await _open_clients(kind, base_url, [t.slug for t in targets], connections)
    try:
        start, count = time.perf_counter(), int(rate * duration)
        for index in range(count):
            due = start + index / rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            workflow = idle.popleft() if idle else Workflow(next(tenants))
            task = asyncio.create_task(send(workflow, due))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        await asyncio.gather(*tasks)
        seconds = time.perf_counter() - start
    finally:
        await _close(clients)
    return Trial(outcome, seconds)


def open_loop_trial(
    kind: str,
    base_url: str,
    targets: Sequence[Target],
    rate: float,
    duration: float,
    connections: int = 4,
) -> Trial:
    """Commands due at ``rate`` per second for ``duration`` seconds, each of an idle workflow
    (a new incident when none is idle); up to ``connections`` connections per tenant."""
    return uvloop.run(_http_open(kind, base_url, targets, rate, duration, connections))
