"""Applies batches of tenant events to read models, exactly once, in one transaction.

Kafka consumers, the in-process feed and rebuilds all go through ``Projector.apply``. Per
read model and tenant it keeps the last notification id applied (the tracking record):
an event at or below it is a duplicate and is skipped, and the same number tells a
caller how far the read model has got (``position``, ``wait_for``).

An event that cannot be decoded, or that a read model fails on, is parked in
``projection_dead_letters`` (inside a savepoint, so the rest of the batch still commits)
and counts as seen: one bad event never stops a worker.
"""

import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import psycopg
from eventsourcing.persistence import Mapper

from projections.envelope import EventEnvelope
from projections.read_model import ReadModel
from projections.storage import ReadStore, Tx
from tenants.transcodings import event_mapper

log = logging.getLogger(__name__)

_BOOKKEEPING = (
    "CREATE TABLE IF NOT EXISTS projection_tracking ("
    " read_model TEXT NOT NULL, tenant TEXT NOT NULL, notification_id BIGINT NOT NULL,"
    " PRIMARY KEY (read_model, tenant))",
    "CREATE TABLE IF NOT EXISTS projection_dead_letters ("
    " id {serial}, source TEXT NOT NULL, position TEXT NOT NULL, tenant TEXT,"
    " notification_id BIGINT, headers TEXT NOT NULL, value {bytes}, error TEXT NOT NULL,"
    " parked_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS projection_offsets ("
    " consumer TEXT NOT NULL, topic TEXT NOT NULL, kafka_partition INTEGER NOT NULL,"
    " next_offset BIGINT NOT NULL, PRIMARY KEY (consumer, topic, kafka_partition))",
)

# The span around a batch applied to the read models: one per command trace in the batch.
PROJECT_SPAN = "project events"

_UPSERT_TRACKING = (
    "INSERT INTO projection_tracking (read_model, tenant, notification_id) VALUES (%s, %s, %s)"
    " ON CONFLICT (read_model, tenant) DO UPDATE SET notification_id = excluded.notification_id"
)


@dataclass(frozen=True)
class DeadLetter:
    """Something that could not be projected, kept for a person to look at."""

    source: str
    position: str
    error: str
    tenant: str | None = None
    notification_id: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    value: bytes | None = None


@dataclass
class BatchResult:
    applied: int = 0  # handled by at least one read model
    ignored: int = 0  # new, but no read model wants it
    skipped: int = 0  # seen before (a duplicate)
    parked: int = 0


class Projector:
    """Feeds read models from event envelopes, tracking what each has seen per tenant."""

    def __init__(
        self,
        store: ReadStore,
        read_models: Sequence[ReadModel],
        mapper: Mapper[Any] | None = None,
    ) -> None:
        self.store = store
        self.read_models = list(read_models)
        self._mapper = mapper or event_mapper()
        self._create_tables()

    def _create_tables(self, attempts: int = 3) -> None:
        for attempt in range(1, attempts + 1):
            try:
                with self.store.transaction() as tx:
                    for statement in _BOOKKEEPING:
                        tx.execute(self.store.ddl(statement))
                    for model in self.read_models:
                        model.create(self.store, tx)
                return
            except (
                psycopg.errors.UniqueViolation,
                psycopg.errors.DuplicateObject,
                psycopg.errors.DuplicateTable,
            ):
                # Another process ran the same CREATE ... IF NOT EXISTS at the same moment;
                # PostgreSQL fails the loser instead of waiting. Now the tables exist.
                if attempt == attempts:
                    raise

    def only(self, names: Sequence[str]) -> "Projector":
        """A projector over some of these read models (same store)."""
        unknown = set(names) - {model.name for model in self.read_models}
        if unknown:
            raise KeyError(f"unknown read model(s): {', '.join(sorted(unknown))}")
        return Projector(self.store, [m for m in self.read_models if m.name in names], self._mapper)

    def apply(
        self,
        envelopes: Sequence[EventEnvelope],
        *,
        dead_letters: Sequence[DeadLetter] = (),
        also: Callable[[Tx], None] | None = None,
    ) -> BatchResult:
        """Apply a batch in one transaction; ``also`` runs in it too (e.g. Kafka offsets).

        The batch first runs pipelined, without savepoints. Only if a read model fails
        somewhere is it rolled back and run again event by event, each in a savepoint, so
        the failing event is parked and the rest still lands.
        """
        try:
            return self._apply(envelopes, dead_letters, also, careful=False)
        except Exception as error:  # in a pipeline a failure cannot be told apart: redo it
            # A read model's failure is parked on the careful pass; anything else (the
            # store, the ``also`` callback) fails again there and reaches the caller.
            log.info("batch of %d failed (%s); applying it event by event", len(envelopes), error)
            return self._apply(envelopes, dead_letters, also, careful=True)

    def _apply(
        self,
        envelopes: Sequence[EventEnvelope],
        dead_letters: Sequence[DeadLetter],
        also: Callable[[Tx], None] | None,
        *,
        careful: bool,
    ) -> BatchResult:
        result = BatchResult()
        with self.store.transaction(pipelined=not careful) as tx:
            positions = self._positions(tx, {e.tenant for e in envelopes})
            seen = dict(positions)
            for letter in dead_letters:
                park(tx, letter)
                result.parked += 1
            pending: dict[str, list[tuple[EventEnvelope, Any]]] = {}
            for envelope in envelopes:
                self._apply_one(tx, envelope, seen, result, pending if not careful else None)
            for model in self.read_models:
                if pending.get(model.name):
                    model.apply_many(tx, pending[model.name])
            changed = [(key, pos) for key, pos in seen.items() if positions.get(key) != pos]
            if changed:
                tx.executemany(_UPSERT_TRACKING, [(m, t, pos) for (m, t), pos in changed])
            if also is not None:
                also(tx)
        return result

    def _apply_one(
        self,
        tx: Tx,
        envelope: EventEnvelope,
        seen: dict[tuple[str, str], int],
        result: BatchResult,
        pending: dict[str, list[tuple[EventEnvelope, Any]]] | None,
    ) -> None:
        """Decode one envelope and apply it: collected into ``pending`` per read model
        (fast path, applied after the loop), or at once in a savepoint (careful path)."""
        due = [
            model
            for model in self.read_models
            if envelope.notification_id > seen.get((model.name, envelope.tenant), 0)
        ]
        if not due:
            result.skipped += 1
            return
        for model in due:
            seen[(model.name, envelope.tenant)] = envelope.notification_id
        wanted = [model for model in due if model.handles(envelope)]
        if not wanted:
            result.ignored += 1
            return
        try:
            event = self._mapper.to_domain_event(envelope.stored_event())
        except Exception as error:  # an unknown or corrupt event: park it, go on
            park(tx, _letter(envelope, "decode", error))
            result.parked += 1
            return
        for model in wanted:
            if pending is not None:
                pending.setdefault(model.name, []).append((envelope, event))
                continue
            try:
                with tx.savepoint():
                    model.apply(tx, envelope, event)
            except Exception as error:  # a read-model bug must not stop the other models
                park(tx, _letter(envelope, f"read model {model.name}", error))
                result.parked += 1
        result.applied += 1

    def _positions(self, tx: Tx, tenants: set[str]) -> dict[tuple[str, str], int]:
        if not tenants:
            return {}
        rows = tx.fetchall(
            "SELECT read_model, tenant, notification_id FROM projection_tracking"
            f" WHERE tenant IN ({', '.join(['%s'] * len(tenants))})",
            sorted(tenants),
        )
        names = {model.name for model in self.read_models}
        return {(m, t): int(n) for m, t, n in rows if m in names}

    def position(self, read_model: str, tenant: str) -> int:
        """The last notification id of ``tenant`` that ``read_model`` has processed (0: none)."""
        with self.store.transaction() as tx:
            rows = tx.fetchall(
                "SELECT notification_id FROM projection_tracking"
                " WHERE read_model = %s AND tenant = %s",
                (read_model, tenant),
            )
        return int(rows[0][0]) if rows else 0

    def wait_for(self, read_model: str, tenant: str, at_least: int, timeout: float) -> bool:
        """Wait until ``read_model`` has processed ``tenant``'s log up to ``at_least``."""
        deadline = time.monotonic() + timeout
        while self.position(read_model, tenant) < at_least:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)
        return True

    def forget(self, tx: Tx, tenant: str | None) -> None:
        """Drop the tracking of these read models (for a rebuild)."""
        for model in self.read_models:
            if tenant is None:
                tx.execute("DELETE FROM projection_tracking WHERE read_model = %s", (model.name,))
            else:
                tx.execute(
                    "DELETE FROM projection_tracking WHERE read_model = %s AND tenant = %s",
                    (model.name, tenant),
                )


def park(tx: Tx, letter: DeadLetter) -> None:
    log.warning("parked %s at %s: %s", letter.source, letter.position, letter.error)
    tx.execute(
        "INSERT INTO projection_dead_letters (source, position, tenant, notification_id,"
        " headers, value, error, parked_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
        (
            letter.source,
            letter.position,
            letter.tenant,
            letter.notification_id,
            json.dumps(letter.headers, sort_keys=True),
            letter.value,
            letter.error,
            _wall_clock().isoformat(),
        ),
    )


def _wall_clock() -> datetime:
    # When a person parked something is operational data, not domain time.
    return datetime.now(UTC)  # noqa: TID251


def _letter(envelope: EventEnvelope, source: str, error: Exception) -> DeadLetter:
    return DeadLetter(
        source=source,
        position=f"{envelope.tenant}#{envelope.notification_id}",
        error=f"{type(error).__name__}: {error}",
        tenant=envelope.tenant,
        notification_id=envelope.notification_id,
        headers={name: raw.decode(errors="replace") for name, raw in envelope.kafka_headers()},
        value=envelope.state,
    )
