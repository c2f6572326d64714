"""One tenant's application: executes commands (load, decide, save) on its own event store."""

import pickle
import threading
from collections.abc import Iterator
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Recording
from eventsourcing.utils import get_topic

from domain.agreements import Agreement
from domain.calls import CALL_CLASSES, Call
from domain.organization import ServiceOrganization, organization_id
from domain.patterns import AgreementKind
from domain.shared import CommandContext
from tenants import ownership, tracing
from tenants.errors import ConcurrencyConflictError, RecordNotFoundError, StaleVersionError
from tenants.handlers import handler_for
from tenants.receipts import CommandResult, Receipt, ReceiptRecorder
from tenants.transcodings import register_transcodings

TAggregate = TypeVar("TAggregate", bound=Aggregate)

_CALL_CREATED_TOPICS = [get_topic(cls.Submitted) for cls in CALL_CLASSES.values()]
_AGREEMENT_CREATED_TOPICS = [get_topic(Agreement.Drafted)]


class ServiceDesk(Application[UUID]):
    """The event-sourced application of one tenant (one table, one notification log)."""

    name = "service_desk"

    def __init__(self, env: dict[str, str] | None = None) -> None:
        super().__init__(env)
        # Per-tenant subclasses are named t_<slug with underscores>; slugs have no underscores.
        self.tenant_id = self.name[2:].replace("_", "-") if self.name.startswith("t_") else "dev"
        self._sa_index: dict[str, list[UUID]] = {}
        self._sa_index_position = 0
        self._sa_index_lock = threading.Lock()

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        register_transcodings(transcoder)

    def execute(
        self, command: object, context: CommandContext, *, keep_receipt: bool = False
    ) -> CommandResult:
        """Run one command; every aggregate it touched is saved in one transaction.

        It runs in a span, a child of the current span or else of the context's
        traceparent; its events carry that span's traceparent, so what the relay and the
        projections do with them joins the same trace. With ``keep_receipt`` the result is
        also kept under the context's command id (see :meth:`receipt`), and a command id
        that was stored before is refused as a conflict.
        """
        if keep_receipt and not isinstance(self.recorder, ReceiptRecorder):
            raise TypeError(f"{type(self.recorder).__name__} cannot keep command receipts")
        name = type(command).__name__
        parent = None if tracing.in_span() else context.traceparent
        attributes = {tracing.TENANT: self.tenant_id, tracing.COMMAND: name}
        with tracing.span_in(f"command {name}", parent, attributes=attributes):
            meta = context.meta(self.tenant_id, tracing.current_traceparent())
            with ownership.command_scope() as taken:
                touched = handler_for(command)(self, command, meta)
                created = [aggregate for aggregate in touched if _is_new(aggregate)]
                receipt = _receipt_of(context, touched) if keep_receipt else None
                recordings = self._store(touched, receipt)
            ownership.give_back(self.repository, [*taken, *created])
        main = touched[0]
        return CommandResult(
            main.id,
            main.version,
            recordings[-1].notification.id if recordings else None,
            tuple(aggregate.id for aggregate in touched),
        )

    def receipt(self, command_id: UUID) -> CommandResult | None:
        """What the command ``command_id`` stored, if it ran with ``keep_receipt``; None if
        it was never stored (receipts commit with the events, so there is no in-between)."""
        if not isinstance(self.recorder, ReceiptRecorder):
            raise TypeError(f"{type(self.recorder).__name__} cannot keep command receipts")
        return self.recorder.select_receipt(command_id)

    def _store(self, touched: list[Any], receipt: Receipt | None) -> list[Recording[UUID]]:
        with tracing.span_in("store events", None) as span:
            try:
                recordings = self.save(*touched, receipt=receipt)
            except IntegrityError:
                raise ConcurrencyConflictError(
                    "another command changed the same record at the same time; nothing was "
                    "stored, reload and try again"
                ) from None
            span.set_attribute(tracing.EVENT_COUNT, len(recordings))
        return recordings

    # -- loading ------------------------------------------------------------------

    def load(
        self,
        aggregate_id: UUID,
        kind: type[TAggregate],
        what: str,
        expected_version: int | None = None,
        *,
        for_update: bool = True,
    ) -> TAggregate:
        """Load an aggregate of ``kind``, refusing a missing one or a stale expected version."""
        found = self._find(aggregate_id, kind, for_update)
        if found is None:
            raise RecordNotFoundError(
                f"{what} {aggregate_id} does not exist in tenant {self.tenant_id}"
            )
        if not isinstance(found, kind):
            raise RecordNotFoundError(f"{aggregate_id} is not a {what}")
        aggregate: TAggregate = found
        if expected_version is not None and aggregate.version != expected_version:
            raise StaleVersionError(
                f"{what} {aggregate_id} is at version {aggregate.version}, "
                f"not {expected_version}; reload it and try again"
            )
        if for_update and not _owned(kind):
            return _private_copy(aggregate)
        return aggregate

    def _find(self, aggregate_id: UUID, kind: type[Aggregate], for_update: bool) -> Any | None:
        if _owned(kind):
            if for_update:
                return ownership.take(self.repository, aggregate_id)
            return ownership.rebuild(self.repository, aggregate_id)
        try:
            return self.repository.get(
                aggregate_id, deepcopy_from_cache=False, projector_func=ownership.project
            )
        except AggregateNotFoundError:
            return None

    def exists(self, aggregate_id: UUID) -> bool:
        try:
            self.repository.get(
                aggregate_id, deepcopy_from_cache=False, projector_func=ownership.project
            )
        except AggregateNotFoundError:
            return False
        return True

    def call(self, call_id: UUID) -> Call:
        return self.load(call_id, Call, "call")

    def organization(self, *, for_update: bool = False) -> ServiceOrganization:
        """The tenant's organization; read-only unless ``for_update`` (then a private copy)."""
        return self.load(
            organization_id(self.tenant_id),
            ServiceOrganization,
            "organization",
            for_update=for_update,
        )

    def service_agreements_of(self, customer: str) -> list[Agreement]:
        """The SAs ever drafted for ``customer`` (read-only), found through an index that
        reads only the part of the log added since it last looked."""
        with self._sa_index_lock:
            self._catch_up_sa_index()
            ids = list(self._sa_index.get(customer, ()))
        return [self.load(i, Agreement, "agreement", for_update=False) for i in ids]

    def _catch_up_sa_index(self) -> None:
        # Read up to the head as it is now, and remember the head, not the last match:
        # otherwise every lookup rescans everything since the last SA was drafted. Writers
        # commit in notification order (the table lock), so nothing appears below the head.
        head = self.recorder.max_notification_id() or 0
        if head <= self._sa_index_position:
            return
        for notification in self.recorder.select_notifications(
            start=self._sa_index_position + 1,
            limit=head - self._sa_index_position,
            stop=head,
            topics=_AGREEMENT_CREATED_TOPICS,
        ):
            drafted = self.mapper.to_domain_event(notification)
            if isinstance(drafted, Agreement.Drafted) and drafted.kind == AgreementKind.SA.value:
                self._sa_index.setdefault(drafted.customer, []).append(drafted.originator_id)
        self._sa_index_position = head

    def iter_call_ids(self) -> Iterator[UUID]:
        """Ids of every call ever submitted in this tenant, in submission order."""
        return self._iter_created(_CALL_CREATED_TOPICS)

    def agreements(self) -> list[Agreement]:
        """Every agreement of this tenant (until the read models of the event flow exist)."""
        return [
            self.load(agreement_id, Agreement, "agreement")
            for agreement_id in self._iter_created(_AGREEMENT_CREATED_TOPICS)
        ]

    def _iter_created(self, topics: list[str], page: int = 500) -> Iterator[UUID]:
        start = 1
        while True:
            notifications = self.recorder.select_notifications(
                start=start, limit=page, topics=topics
            )
            for notification in notifications:
                yield UUID(str(notification.originator_id))
            if len(notifications) < page:
                return
            start = notifications[-1].id + 1

    def calls(self) -> list[Call]:
        """Every call of the tenant, read-only (until the read models exist)."""
        return [
            self.load(call_id, Call, "call", for_update=False) for call_id in self.iter_call_ids()
        ]

    def aggregates(self, ids: list[UUID], kind: type[TAggregate], what: str) -> list[TAggregate]:
        return [self.load(aggregate_id, kind, what) for aggregate_id in ids]

    def pending(self, *aggregates: Any) -> list[Any]:
        """Only the aggregates that have new events to save."""
        return [aggregate for aggregate in aggregates if aggregate.pending_events]


def _receipt_of(context: CommandContext, touched: list[Any]) -> Receipt:
    ids = tuple(aggregate.id for aggregate in touched)
    return Receipt(context.command_id, touched[0].id, touched[0].version, ids)


def _owned(kind: type[Aggregate]) -> bool:
    """Calls are taken out of the cache by the command that changes them (see ownership)."""
    return issubclass(kind, Call)


def _is_new(aggregate: Any) -> bool:
    """Whether the command created the aggregate (its first event is still pending)."""
    pending = aggregate.pending_events
    return bool(pending) and pending[0].originator_version == 1


def _private_copy(aggregate: TAggregate) -> TAggregate:
    """A command's own copy of a cached aggregate, so a refused command can never leave a
    half-changed aggregate in the cache (read-only loads share the cached one).

    A pickle round trip copies in C, several times cheaper than ``copy.deepcopy``. If
    another thread is fast-forwarding the cached aggregate meanwhile, the copy may be torn,
    but the library sets the version only after applying an event, so a torn copy is
    always behind the store and the command's save fails as a concurrency conflict.
    """
    copied: TAggregate = pickle.loads(pickle.dumps(aggregate, pickle.HIGHEST_PROTOCOL))
    return copied
