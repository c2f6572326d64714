"""Rate limits per tenant and per client, kept in memory: the process's or the workers' shared.

Each limit ("600/minute") is a generic cell rate algorithm: one timestamp per key, the
"theoretical arrival time", moved forward by one emission interval per allowed request. It
answers allowed / remaining / reset in constant time without timers (the ``limits`` library's
memory storage starts a timer thread every few milliseconds, which measurably slowed every
request). The worker processes of one ``fundament serve --workers N`` share their counters in
shared memory (:class:`SharedLimitState`), so the limits hold for the machine. Behind a load
balancer with M such machines, ``FUNDAMENT_RATE_LIMIT_STORE=database`` counts in PostgreSQL
instead (:class:`DatabaseRateLimits`), one round trip per request; in memory, a client could
get up to M times the limit.
"""

import contextlib
import hashlib
import logging
import math
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.context import BaseContext
from typing import Any, Protocol

from tenants.rate_counters import Cell, RateCounters

_RATE = re.compile(r"^\s*(\d+)\s*/\s*(second|minute|hour|day)\s*$")
_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_PRUNE_EVERY = 10_000
_SHARED_SLOTS = 1 << 16  # 1 MiB: room for tens of thousands of clients active per window
_PROBES = 8
_HASH_CACHE = 100_000
_TAKEOVER_SECONDS = 1.0

log = logging.getLogger("fundament.gateway")


@dataclass(frozen=True)
class Allowance:
    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int
    window_seconds: int

    def headers(self) -> dict[str, str]:
        headers = {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_seconds),
            "RateLimit-Policy": f"{self.limit};w={self.window_seconds}",
        }
        if not self.allowed:
            headers["Retry-After"] = str(max(1, self.reset_seconds))
        return headers


def parse_rate(text: str) -> tuple[int, int]:
    """``"600/minute"`` → (600, 60); ValueError for anything else."""
    match = _RATE.match(text)
    if match is None or int(match.group(1)) < 1:
        raise ValueError(f"a rate limit looks like 600/minute, not {text!r}")
    return int(match.group(1)), _SECONDS[match.group(2)]


class _LocalTable:
    """Arrival times in this process's memory, pruned now and then."""

    def __init__(self) -> None:
        self._arrival: dict[str, float] = {}
        self._writes = 0

    def get(self, key: str) -> float | None:
        return self._arrival.get(key)

    def put(self, key: str, arrival: float, now: float) -> None:
        self._arrival[key] = arrival
        self._writes += 1
        if self._writes % _PRUNE_EVERY == 0:
            self._arrival = {k: v for k, v in self._arrival.items() if v > now}


@dataclass(frozen=True)
class SharedLimitState:
    """Arrival times in shared memory, for every worker process of one ``fundament serve``.

    Created by the supervisor and handed to each worker when it starts; ``fundament serve
    --workers N`` then enforces each limit once, not N times. A fixed table of ``slots``
    entries (a 64-bit hash of the key, its arrival time), found by linear probing; time is
    ``time.monotonic``, one clock for all processes of the machine.
    """

    keys: Any  # RawArray of unsigned 64-bit hashes, 0 for a free slot
    arrivals: Any  # RawArray of doubles
    lock: Any  # a multiprocessing lock

    @classmethod
    def create(cls, context: BaseContext, slots: int = _SHARED_SLOTS) -> "SharedLimitState":
        if slots < _PROBES:
            raise ValueError(f"a shared limit table needs at least {_PROBES} slots")
        return cls(context.RawArray("Q", slots), context.RawArray("d", slots), context.Lock())


class _TakeoverLock:
    """The workers' shared lock, taken over when it is held for more than a second.

    A check holds it for microseconds; only a worker killed inside one holds it longer, and
    without a takeover every other worker would wait on it for ever. A takeover from a
    worker that was merely stalled can miscount one request, no more.
    """

    def __init__(self, lock: Any) -> None:
        self._lock = lock

    def __enter__(self) -> None:
        if not self._lock.acquire(timeout=_TAKEOVER_SECONDS):
            log.warning(
                "the shared rate-limit lock was held for %ss; taking it over", _TAKEOVER_SECONDS
            )

    def __exit__(self, *_: object) -> None:
        with contextlib.suppress(ValueError):  # the other holder released it meanwhile
            self._lock.release()


class _SharedTable:
    """A :class:`SharedLimitState` seen as a table from key to arrival time.

    A key whose arrival time has passed is as good as absent, so its slot is free for
    another. When all slots a key may use hold live keys, the one that frees soonest is
    taken over: that client starts afresh, which only errs in its favour.
    """

    def __init__(self, state: SharedLimitState) -> None:
        self._keys = state.keys
        self._arrivals = state.arrivals
        self._slots = len(state.keys)
        self._hashes: dict[str, int] = {}

    def get(self, key: str) -> float | None:
        wanted = self._hash(key)
        for slot in self._probe(wanted):
            if self._keys[slot] == wanted:
                arrival: float = self._arrivals[slot]
                return arrival
        return None

    def put(self, key: str, arrival: float, now: float) -> None:
        wanted = self._hash(key)
        chosen = None
        for slot in self._probe(wanted):
            if self._keys[slot] == wanted:
                chosen = slot
                break
            if chosen is None and (self._keys[slot] == 0 or self._arrivals[slot] <= now):
                chosen = slot
        if chosen is None:
            chosen = min(self._probe(wanted), key=lambda slot: self._arrivals[slot])
        self._keys[chosen] = wanted
        self._arrivals[chosen] = arrival

    def _probe(self, wanted: int) -> range:
        start = wanted % (self._slots - _PROBES + 1)
        return range(start, start + _PROBES)

    def _hash(self, key: str) -> int:
        # A hash that is the same in every process (str's hash is salted per process).
        known = self._hashes.get(key)
        if known is None:
            if len(self._hashes) >= _HASH_CACHE:
                self._hashes.clear()
            digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
            known = self._hashes[key] = int.from_bytes(digest, "little") or 1
        return known


class Limiter(Protocol):
    def check(self, tenant: str, client: str) -> Allowance: ...


class _Table(Protocol):
    def get(self, key: str) -> float | None: ...

    def put(self, key: str, arrival: float, now: float) -> None: ...


class _Rate:
    """One limit ("600/minute") and what it tells a request."""

    def __init__(self, rate: str) -> None:
        self.amount, self.period = parse_rate(rate)
        self.interval = self.period / self.amount

    def allowance(self, after: float, now: float) -> Allowance:
        """The answer to a request that would move its key's arrival time to ``after``."""
        if after - now > self.period:  # one more would exceed the burst of a whole window
            wait = after - self.period - now
            return Allowance(False, self.amount, 0, math.ceil(wait), self.period)
        remaining = int((self.period - (after - now)) / self.interval)
        return Allowance(True, self.amount, remaining, math.ceil(after - now), self.period)


class _Limit(_Rate):
    def __init__(self, rate: str, table: _Table, kind: str) -> None:
        super().__init__(rate)
        self._table = table
        self._kind = kind

    def _next_arrival(self, key: str, now: float) -> float:
        known = self._table.get(self._kind + key)
        return max(known if known is not None else now, now) + self.interval

    def has_room(self, key: str, now: float) -> bool:
        return self.allowance(self._next_arrival(key, now), now).allowed

    def take(self, key: str, now: float) -> Allowance:
        after = self._next_arrival(key, now)
        allowance = self.allowance(after, now)
        if allowance.allowed:
            self._table.put(self._kind + key, after, now)
        return allowance


class RateLimits:
    def __init__(
        self,
        per_tenant: str,
        per_client: str,
        clock: Callable[[], float] = time.monotonic,
        shared: SharedLimitState | None = None,
    ) -> None:
        table: _Table = _SharedTable(shared) if shared is not None else _LocalTable()
        self._tenant = _Limit(per_tenant, table, "tenant\0")
        self._client = _Limit(per_client, table, "client\0")
        self._clock = clock
        self._lock: Any = _TakeoverLock(shared.lock) if shared is not None else threading.Lock()

    def check(self, tenant: str, client: str) -> Allowance:
        """Count one request of ``client`` in ``tenant``; the tighter of both limits answers.

        A refused request uses up nothing, so a client over its limit does not also eat
        its tenant's allowance.
        """
        key = f"{tenant}\0{client}"
        with self._lock:
            now = self._clock()
            if not self._client.has_room(key, now):
                return self._client.take(key, now)  # refused, and says when to retry
            tenant_state = self._tenant.take(tenant, now)
            if not tenant_state.allowed:
                return tenant_state
            client_state = self._client.take(key, now)
        return min(tenant_state, client_state, key=lambda a: a.remaining)


class DatabaseRateLimits:
    """The same limits, counted in the database, so gateways on several machines share them.

    One round trip per request (``tenants.rate_counters``), in the database's time.
    """

    def __init__(self, per_tenant: str, per_client: str, counters: RateCounters) -> None:
        self._tenant = _Rate(per_tenant)
        self._client = _Rate(per_client)
        self._counters = counters

    def check(self, tenant: str, client: str) -> Allowance:
        """As :meth:`RateLimits.check`: the client's room first, then the tenant's."""
        rates = (self._client, self._tenant)
        # Slugs never hold a "/"; the client's repr escapes anything PostgreSQL text cannot.
        cells = [
            Cell(f"client/{tenant}/{client!r}", self._client.interval, self._client.period),
            Cell(f"tenant/{tenant}", self._tenant.interval, self._tenant.period),
        ]
        taken = self._counters.take(cells)
        if taken.refused is not None:
            return rates[taken.refused].allowance(taken.arrivals[taken.refused], taken.now)
        client_state = self._client.allowance(taken.arrivals[0], taken.now)
        tenant_state = self._tenant.allowance(taken.arrivals[1], taken.now)
        return min(tenant_state, client_state, key=lambda a: a.remaining)
