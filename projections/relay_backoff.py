"""When the relay tries a tenant again after the broker did not acknowledge its events.

Backing off per tenant, not for the whole relay: a broker outage stalls every tenant and
they all wait, but one tenant whose record the broker refuses (too large, say) waits
alone while everyone else keeps flowing. A stalled tenant is never skipped past; it is
retried, with pauses doubling up to a cap, until its events are acknowledged.
"""

from collections import Counter
from collections.abc import Iterable

_FIRST_PAUSE = 0.25  # seconds


class TenantBackoff:
    """The retry schedule of stalled tenants (times are ``time.monotonic()`` seconds)."""

    def __init__(self, cap: float) -> None:
        self._cap = cap
        self._failures: Counter[str] = Counter()
        self._retry_at: dict[str, float] = {}

    def failed(self, tenant: str, now: float) -> float:
        """Schedule the tenant's next attempt; return the pause."""
        self._failures[tenant] += 1
        pause = min(self._cap, _FIRST_PAUSE * 2.0 ** min(self._failures[tenant] - 1, 16))
        self._retry_at[tenant] = now + pause
        return pause

    def succeeded(self, tenants: Iterable[str]) -> None:
        for tenant in tenants:
            self._failures.pop(tenant, None)
            self._retry_at.pop(tenant, None)

    def waiting(self, now: float) -> set[str]:
        """Stalled tenants whose pause has not ended yet."""
        return {tenant for tenant, at in self._retry_at.items() if at > now}

    def due(self, now: float) -> set[str]:
        """Stalled tenants whose pause has ended: try them again."""
        return {tenant for tenant, at in self._retry_at.items() if at <= now}

    def next_retry(self) -> float | None:
        return min(self._retry_at.values(), default=None)

    def stalled(self) -> int:
        return len(self._retry_at)
