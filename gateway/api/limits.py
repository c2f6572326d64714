"""Rate limits per tenant and per client, kept in this process.

Each limit ("600/minute") is a generic cell rate algorithm: one timestamp per key, the
"theoretical arrival time", moved forward by one emission interval per allowed request. It
answers allowed / remaining / reset in constant time without timers (the ``limits`` library's
memory storage starts a timer thread every few milliseconds, which measurably slowed every
request). Limits are per gateway process: behind a load balancer with N gateways a client gets
up to N times the limit until the counters move to a shared store.
"""

import math
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

_RATE = re.compile(r"^\s*(\d+)\s*/\s*(second|minute|hour|day)\s*$")
_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_PRUNE_EVERY = 10_000


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


class _Limit:
    def __init__(self, rate: str) -> None:
        self.amount, self.period = parse_rate(rate)
        self.interval = self.period / self.amount
        self._arrival: dict[str, float] = {}

    def _next_arrival(self, key: str, now: float) -> float:
        return max(self._arrival.get(key, now), now) + self.interval

    def has_room(self, key: str, now: float) -> bool:
        # One more must not exceed the burst of a whole window.
        return self._next_arrival(key, now) - now <= self.period

    def take(self, key: str, now: float) -> Allowance:
        after = self._next_arrival(key, now)
        if after - now > self.period:
            wait = after - self.period - now
            return Allowance(False, self.amount, 0, math.ceil(wait), self.period)
        self._arrival[key] = after
        remaining = int((self.period - (after - now)) / self.interval)
        return Allowance(True, self.amount, remaining, math.ceil(after - now), self.period)

    def prune(self, now: float) -> None:
        self._arrival = {k: v for k, v in self._arrival.items() if v > now}


class RateLimits:
    def __init__(
        self, per_tenant: str, per_client: str, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._tenant = _Limit(per_tenant)
        self._client = _Limit(per_client)
        self._clock = clock
        self._lock = threading.Lock()
        self._hits = 0

    def check(self, tenant: str, client: str) -> Allowance:
        """Count one request of ``client`` in ``tenant``; the tighter of both limits answers.

        A refused request uses up nothing, so a client over its limit does not also eat
        its tenant's allowance.
        """
        key = f"{tenant}\0{client}"
        with self._lock:
            now = self._clock()
            self._hits += 1
            if self._hits % _PRUNE_EVERY == 0:
                self._tenant.prune(now)
                self._client.prune(now)
            if not self._client.has_room(key, now):
                return self._client.take(key, now)  # refused, and says when to retry
            tenant_state = self._tenant.take(tenant, now)
            if not tenant_state.allowed:
                return tenant_state
            client_state = self._client.take(key, now)
        return min(tenant_state, client_state, key=lambda a: a.remaining)
