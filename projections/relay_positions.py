"""How far the relay got: per topic and tenant, the last notification id the broker stored.

The table lives in the read schema, beside the projections' own bookkeeping, but read
models never touch it: a rebuild drops read models, not what has been published. A
position only ever moves forward, and only after the broker acknowledged every record up
to it, so after a crash the relay re-publishes at most the unacknowledged tail and never
skips an event.

One relay per topic publishes at a time: two would interleave re-published tails with
new events. A session-level advisory lock (released by PostgreSQL when the holder's
connection ends, a SIGKILL included) makes a second relay wait as a standby.
"""

from collections import Counter
from collections.abc import Mapping, Sequence

from projections.envelope import EventEnvelope
from projections.relay_publisher import Outcome
from projections.storage import PostgresReadStore

_DDL = (
    "CREATE TABLE IF NOT EXISTS relay_positions ("
    " topic TEXT NOT NULL, tenant TEXT NOT NULL, notification_id BIGINT NOT NULL,"
    " PRIMARY KEY (topic, tenant))"
)
_LOGS_DDL = (
    "CREATE TABLE IF NOT EXISTS relay_topic_logs (topic TEXT PRIMARY KEY, topic_id TEXT NOT NULL)"
)
_ADVANCE = (
    "INSERT INTO relay_positions (topic, tenant, notification_id) VALUES (%s, %s, %s)"
    " ON CONFLICT (topic, tenant) DO UPDATE"
    " SET notification_id = GREATEST(relay_positions.notification_id, excluded.notification_id)"
)
# A stable 64-bit lock key from the topic name (hashtext is not guaranteed stable).
_TRY_LOCK = "SELECT pg_try_advisory_lock(('x' || substr(md5(%s), 1, 16))::bit(64)::bigint)"


class RelayPositions:
    """The relay's published positions for one topic, and the lock that makes it the only one."""

    def __init__(self, store: PostgresReadStore, topic: str) -> None:
        self._store = store
        self.topic = topic
        with store.transaction() as tx:
            tx.execute(_DDL)
            tx.execute(_LOGS_DDL)

    def claim(self) -> bool:
        """Try to become the topic's only relay; True if this connection now holds the lock."""
        with self._store.transaction() as tx:
            rows = tx.fetchall(_TRY_LOCK, (f"fundament-relay:{self.topic}",))
        return bool(rows[0][0])

    def load(self) -> dict[str, int]:
        """Every tenant's position (tenants never published are absent: position 0)."""
        with self._store.transaction() as tx:
            rows = tx.fetchall(
                "SELECT tenant, notification_id FROM relay_positions WHERE topic = %s",
                (self.topic,),
            )
        return {str(tenant): int(position) for tenant, position in rows}

    def advance(self, positions: Mapping[str, int]) -> None:
        """Record acknowledged positions, all in one transaction."""
        if not positions:
            return
        with self._store.transaction() as tx:
            tx.executemany(
                _ADVANCE, [(self.topic, tenant, nid) for tenant, nid in sorted(positions.items())]
            )

    def adopt_log(self, topic_id: str) -> bool:
        """Remember which log of the topic the positions count in; True if it is a new log.

        A broker that lost its log (a memory broker restarted) gives the recreated topic a
        new id: nothing published before is there any more, so every position goes back to
        0 and the relay publishes everything again (the projections skip what they have)."""
        with self._store.transaction() as tx:
            rows = tx.fetchall(
                "SELECT topic_id FROM relay_topic_logs WHERE topic = %s", (self.topic,)
            )
            if rows and rows[0][0] == topic_id:
                return False
            tx.execute(
                "INSERT INTO relay_topic_logs (topic, topic_id) VALUES (%s, %s)"
                " ON CONFLICT (topic) DO UPDATE SET topic_id = excluded.topic_id",
                (self.topic, topic_id),
            )
            if not rows:
                return False  # the first log this relay has seen: positions stand
            tx.execute("DELETE FROM relay_positions WHERE topic = %s", (self.topic,))
        return True

    def close(self) -> None:
        self._store.close()


def acknowledged_prefixes(
    envelopes: Sequence[EventEnvelope], outcomes: Sequence[Outcome]
) -> tuple[dict[str, int], Counter[str], dict[str, Exception]]:
    """Per tenant, the last notification id up to which every record was acknowledged,
    how many records that is, and the first error of each tenant that had one.

    A tenant's records after its first failure do not count even if they were stored:
    recording them would let the relay skip the failed one."""
    positions: dict[str, int] = {}
    published: Counter[str] = Counter()
    failed: dict[str, Exception] = {}
    for envelope, outcome in zip(envelopes, outcomes, strict=True):
        if envelope.tenant in failed:
            continue
        if outcome is None:
            positions[envelope.tenant] = envelope.notification_id
            published[envelope.tenant] += 1
        else:
            failed[envelope.tenant] = outcome
    return positions, published, failed
