"""The measured work: advance service-request calls one Operate step per command."""

import itertools
import random
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar
from uuid import UUID

from benchmarks._setup import SEED_AT, BenchTenant, CallSlot
from domain.calls import CalendarSection, Evaluation
from domain.commands import (
    AcceptCall,
    ClassifyCall,
    CloseCall,
    EvaluateCall,
    ExecuteActivities,
    PlanActivities,
    VerifyWithRequester,
)
from domain.patterns import Impact, Urgency
from domain.shared.errors import DomainError
from tenants.errors import ConcurrencyConflictError, TenantError

StepBuilder = Callable[[UUID, datetime], object]
T = TypeVar("T")

# OPERATE(1-6) of a service request, one command per entry, as gateway.demo.driver runs it.
OPERATE_PATH: tuple[StepBuilder, ...] = (
    lambda call, _: AcceptCall(call_id=call),
    lambda call, _: ClassifyCall(
        call_id=call, category="access", impact=Impact.MEDIUM, urgency=Urgency.MEDIUM
    ),
    lambda call, now: PlanActivities(
        call_id=call,
        section=CalendarSection.DYNAMIC,
        planned_for=now + timedelta(hours=2),
        activities=["create the account"],
    ),
    lambda call, _: ExecuteActivities(call_id=call, result="account created as planned"),
    lambda call, _: VerifyWithRequester(call_id=call, agreed=True, feedback="works"),
    lambda call, _: EvaluateCall(call_id=call, evaluation=Evaluation(True, True, "none")),
    lambda call, _: CloseCall(call_id=call),
)

# One business-clock tick per command, shared by all workers (next() on a count is atomic).
_TICKS = itertools.count()
_WORK_STARTS_AT = SEED_AT + timedelta(days=30)


def business_now() -> datetime:
    return _WORK_STARTS_AT + timedelta(seconds=next(_TICKS))


@dataclass
class WorkStats:
    """What one worker (or a whole trial) did: commands by type, conflicts, other errors."""

    commands: Counter[str] = field(default_factory=Counter)
    conflicts: int = 0
    errors: Counter[str] = field(default_factory=Counter)

    @property
    def done(self) -> int:
        return sum(self.commands.values())

    def add(self, other: "WorkStats") -> None:
        self.commands.update(other.commands)
        self.conflicts += other.conflicts
        self.errors.update(other.errors)


def next_command(tenant: BenchTenant, slot: CallSlot, now: datetime) -> object:
    if slot.call_id is None:
        return tenant.submit_call()
    return OPERATE_PATH[slot.step](slot.call_id, now)


def advance(slot: CallSlot, aggregate_id: UUID) -> None:
    """Move the slot to its call's next step; after CloseCall a fresh call is due."""
    if slot.call_id is None:
        slot.call_id, slot.step = aggregate_id, 0
        return
    slot.step += 1
    if slot.step == len(OPERATE_PATH):
        slot.call_id = None


def step_once(tenant: BenchTenant, slot: CallSlot, stats: WorkStats) -> None:
    """Execute the slot's next command through ServiceDesk.execute; count, never retry."""
    now = business_now()
    command = next_command(tenant, slot, now)
    try:
        result = tenant.execute(command, slot.correlation_id, now)
    except ConcurrencyConflictError:
        stats.conflicts += 1  # nothing stored: the same step comes round again later
        return
    except (DomainError, TenantError) as error:
        stats.errors[type(error).__name__] += 1
        slot.call_id = None  # the call's state is unknown: start over with a fresh call
        return
    stats.commands[type(command).__name__] += 1
    advance(slot, result.aggregate_id)


Assignment = list[tuple[BenchTenant, CallSlot]]


def assign(tenants: Sequence[BenchTenant], threads: int) -> list[Assignment]:
    """Give each worker its own calls, ordered round-robin over the tenants.

    A call belongs to exactly one worker, so workers sharing a tenant share its table and
    its organization and agreements, but never a call.
    """
    width = max(len(tenant.slots) for tenant in tenants)
    ordered = [
        (index, tenant, tenant.slots[index])
        for index in range(width)
        for tenant in tenants
        if index < len(tenant.slots)
    ]
    return [[(t, s) for i, t, s in ordered if i % threads == w] for w in range(threads)]


def rotated(assignment: Assignment) -> Assignment:
    """The assignment from a random starting call, so short trials do not keep advancing
    only the first calls of the round."""
    offset = random.randrange(len(assignment))
    return assignment[offset:] + assignment[:offset]


def drive(assignment: Assignment, start: float, deadline: float) -> tuple[WorkStats, float]:
    """Work through the assigned calls round-robin until ``deadline``; return when it ended."""
    stats = WorkStats()
    order = rotated(assignment)
    time.sleep(max(0.0, start - time.perf_counter()))
    for tenant, slot in itertools.cycle(order):
        if time.perf_counter() >= deadline:
            break
        step_once(tenant, slot, stats)
    return stats, time.perf_counter()


def run_threads(
    jobs: Sequence[Callable[[float, float], tuple[T, float]]], duration: float
) -> tuple[list[T], float]:
    """Start every job at the same instant, stop at ``duration``; return results and seconds."""
    start = time.perf_counter() + 0.05
    deadline = start + duration
    with ThreadPoolExecutor(len(jobs)) as pool:
        futures = [pool.submit(job, start, deadline) for job in jobs]
        outcomes = [future.result() for future in futures]
    return [result for result, _ in outcomes], max(end for _, end in outcomes) - start


def application_trial(
    tenants: Sequence[BenchTenant], threads: int, duration: float
) -> tuple[WorkStats, float]:
    """One trial of the application path; return the summed stats and elapsed seconds."""
    assignments = assign(tenants, threads)
    jobs = [lambda s, d, a=a: drive(a, s, d) for a in assignments]
    results, elapsed = run_threads(jobs, duration)
    total = WorkStats()
    for stats in results:
        total.add(stats)
    return total, elapsed
