"""Rate limits whose counters live in shared memory: every process using one
SharedLimitState counts against the same limit, and a full table never refuses wrongly."""

import multiprocessing
import time
from multiprocessing.connection import Connection

import pytest

from gateway.api import limits
from gateway.api.limits import RateLimits, SharedLimitState

SPAWN = multiprocessing.get_context("spawn")


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def test_two_limiters_on_one_state_share_the_allowance() -> None:
    state = SharedLimitState.create(SPAWN)
    clock = Clock()
    first = RateLimits("1000/minute", "4/minute", clock, shared=state)
    second = RateLimits("1000/minute", "4/minute", clock, shared=state)

    answers = [limiter.check("acme", "ana") for limiter in (first, second) * 3]

    assert [a.allowed for a in answers] == [True, True, True, True, False, False]
    assert [a.remaining for a in answers[:4]] == [3, 2, 1, 0]
    assert first.check("acme", "bob").remaining == 3  # another client, its own allowance
    clock.now += 15  # one emission interval later, one more request is allowed
    assert second.check("acme", "ana").allowed


def _count_allowed(state: SharedLimitState, requests: int, answer: Connection) -> None:
    limiter = RateLimits("1000/hour", "10/hour", shared=state)
    answer.send(sum(limiter.check("acme", "ana").allowed for _ in range(requests)))


def test_processes_on_one_state_enforce_the_limit_once() -> None:
    state = SharedLimitState.create(SPAWN)
    pipes = [SPAWN.Pipe(duplex=False) for _ in range(3)]
    workers = [SPAWN.Process(target=_count_allowed, args=(state, 8, sender)) for _, sender in pipes]
    for worker in workers:
        worker.start()
    allowed = [receiver.recv() for receiver, _ in pipes]
    for worker in workers:
        worker.join(30)

    assert sum(allowed) == 10  # 24 requests in three processes; alone each would allow 8


def test_a_full_table_takes_over_the_slot_that_frees_soonest() -> None:
    clock = Clock()
    limiter = RateLimits(
        "100000/minute", "2/minute", clock, shared=SharedLimitState.create(SPAWN, slots=16)
    )

    for client in range(200):  # far more live clients than slots
        assert limiter.check("acme", f"client-{client}").allowed

    assert limiter.check("acme", "ana").allowed
    assert limiter.check("acme", "ana").allowed
    assert not limiter.check("acme", "ana").allowed  # a fresh key keeps its own count


def test_an_expired_key_frees_its_slot() -> None:
    clock = Clock()
    limiter = RateLimits(
        "1000/minute", "1/minute", clock, shared=SharedLimitState.create(SPAWN, slots=8)
    )
    assert limiter.check("acme", "ana").allowed
    assert not limiter.check("acme", "ana").allowed
    clock.now += 61

    assert limiter.check("acme", "ana").allowed


def _hold_and_wait(state: SharedLimitState, held: Connection) -> None:
    state.lock.acquire()
    held.send(True)
    multiprocessing.Event().wait(60)  # until killed


def test_a_worker_killed_holding_the_lock_does_not_stop_the_others(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(limits, "_TAKEOVER_SECONDS", 0.2)
    state = SharedLimitState.create(SPAWN)
    receiver, sender = SPAWN.Pipe(duplex=False)
    holder = SPAWN.Process(target=_hold_and_wait, args=(state, sender))
    holder.start()
    assert receiver.recv()
    holder.kill()
    holder.join(10)
    limiter = RateLimits("1000/minute", "2/minute", shared=state)

    started = time.monotonic()
    answers = [limiter.check("acme", "ana").allowed for _ in range(3)]

    assert answers == [True, True, False]
    assert time.monotonic() - started < 2.0  # taken over once, then the lock works again
