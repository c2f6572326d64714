"""Cross-organization reporting: personal-data-free facts about every call of every tenant.

What is kept, per call (``rm_reporting_calls``, under a keyed pseudonym of the call id):
its process, the workflow its tree runs, the UTC month it was opened, first fulfilled and
closed, and its cycle time; beside it the services it names, the months in which the
requester sent it back for rework, each tenant's service codes and each tenant's
reporting consent. Never kept: requester, customer, summary, description, feedback or
any other free text from the events, nor the call id or tracking number themselves.

Definitions (all times are the events' ``meta.occurred_at``; a month is its UTC year-month):

- opened: the call was submitted (``Submitted``; rejected calls were opened too);
- fulfilled: the requester agreed at review (``Fulfilled``; a call is fulfilled at most
  once; a wish that ended without agreement is closed without being fulfilled);
- closed: ``Closed``; the cycle time is submitted -> closed and belongs to the month of
  closure;
- rework: each ``ReworkRequested`` (the requester disagreed at review), in its own month.
  The domain has no way to reopen a closed call, so rework is the only "reopen" there is.

Every call counts, roots and the calls forked from them alike, under its own process and
under the workflow of its tree ("unresolved" until the tree's first fork decides it: an
incident or a risk whose workflow is resolved later moves to that workflow). A call that
names several services counts once under each of them.

Facts are kept whether or not the tenant consented; consent is applied when the report is
read (``queries.py``), so consent given later includes the tenant's earlier calls and
withdrawn consent excludes them at once, without a replay.
"""

import hashlib
import hmac
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from uuid import UUID

from domain.calls import CALL_CLASSES, Call, LinkKind
from domain.calls.call_intake import CallIntake
from domain.catalog import Service
from domain.organization import ServiceOrganization
from domain.patterns import WorkflowType
from projections.envelope import EventEnvelope
from projections.read_model import ReadModel
from projections.storage import Tx

UNRESOLVED = "unresolved"
# Only an obfuscation: a deployment passes its own secret, so that nobody holding the
# reporting tables and a tracking number can find that call's row.
DEFAULT_PSEUDONYM_KEY = b"fundament-reporting-v1"

# Each call class has its own Submitted event (the library redefines the created event per
# aggregate class), which is how a call's process is told from its first event.
_PROCESS_OF_SUBMITTED = {
    cls.Submitted.__qualname__: call_type.process.value for call_type, cls in CALL_CLASSES.items()
}
_MICROSECOND = timedelta(microseconds=1)

_DDL = [
    "CREATE TABLE IF NOT EXISTS rm_reporting_calls ("
    " tenant TEXT NOT NULL, call_key TEXT NOT NULL, process TEXT NOT NULL,"
    " workflow TEXT NOT NULL, opened_month TEXT NOT NULL, fulfilled_month TEXT,"
    " closed_month TEXT, submitted_at TEXT, cycle_us BIGINT,"
    " PRIMARY KEY (tenant, call_key))",
    "CREATE INDEX IF NOT EXISTS rm_reporting_calls_opened ON rm_reporting_calls (opened_month)",
    "CREATE INDEX IF NOT EXISTS rm_reporting_calls_fulfilled"
    " ON rm_reporting_calls (fulfilled_month)",
    "CREATE INDEX IF NOT EXISTS rm_reporting_calls_closed ON rm_reporting_calls (closed_month)",
    "CREATE TABLE IF NOT EXISTS rm_reporting_call_services ("
    " tenant TEXT NOT NULL, call_key TEXT NOT NULL, service_id TEXT NOT NULL,"
    " PRIMARY KEY (tenant, call_key, service_id))",
    "CREATE TABLE IF NOT EXISTS rm_reporting_reworks ("
    " tenant TEXT NOT NULL, call_key TEXT NOT NULL, month TEXT NOT NULL,"
    " reworks INTEGER NOT NULL, PRIMARY KEY (tenant, call_key, month))",
    "CREATE TABLE IF NOT EXISTS rm_reporting_services ("
    " tenant TEXT NOT NULL, service_id TEXT NOT NULL, code TEXT NOT NULL,"
    " PRIMARY KEY (tenant, service_id))",
    "CREATE TABLE IF NOT EXISTS rm_reporting_consent ("
    " tenant TEXT NOT NULL, consent INTEGER NOT NULL, changed_at TEXT NOT NULL,"
    " PRIMARY KEY (tenant))",
]

_ADD_SERVICE = (
    "INSERT INTO rm_reporting_call_services (tenant, call_key, service_id) VALUES (%s, %s, %s)"
    " ON CONFLICT (tenant, call_key, service_id) DO NOTHING"
)

Handler = Callable[[Tx, str, str, Any], None]


class ReportingReadModel(ReadModel):
    name: ClassVar[str] = "reporting"
    tables: ClassVar[tuple[str, ...]] = (
        "rm_reporting_calls",
        "rm_reporting_call_services",
        "rm_reporting_reworks",
        "rm_reporting_services",
        "rm_reporting_consent",
    )

    def __init__(self, pseudonym_key: bytes = DEFAULT_PSEUDONYM_KEY) -> None:
        if not pseudonym_key:
            raise ValueError("the reporting pseudonym key must not be empty")
        self._pseudonym_key = pseudonym_key
        handlers: dict[type, Handler] = {
            CallIntake.Linked: self._linked,  # recorded as such; Call.Linked is an unused copy
            Call.WorkflowResolved: self._workflow_resolved,
            Call.Fulfilled: self._fulfilled,
            Call.ReworkRequested: self._rework_requested,
            Call.Closed: self._closed,
            Service.Registered: self._service_registered,
            ServiceOrganization.ReportingConsentChanged: self._consent_changed,
        }
        # Keyed by event type (the class's qualified name), as envelopes name them.
        self._handlers = {kind.__qualname__: handler for kind, handler in handlers.items()}
        self._handlers.update(dict.fromkeys(_PROCESS_OF_SUBMITTED, self._submitted))

    def ddl(self) -> list[str]:
        return list(_DDL)

    def handles(self, envelope: EventEnvelope) -> bool:
        return envelope.event_type in self._handlers

    def apply(self, tx: Tx, envelope: EventEnvelope, event: Any) -> None:
        handler = self._handlers[envelope.event_type]
        handler(tx, envelope.tenant, envelope.event_type, event)

    def call_key(self, call_id: UUID) -> str:
        """The pseudonym under which a call's facts are kept."""
        return hmac.new(self._pseudonym_key, call_id.bytes, hashlib.sha256).hexdigest()[:32]

    # -- calls -------------------------------------------------------------------------

    def _submitted(self, tx: Tx, tenant: str, event_type: str, event: Any) -> None:
        key = self.call_key(event.originator_id)
        process = _PROCESS_OF_SUBMITTED[event_type]
        at = event.meta.occurred_at
        tx.execute(
            "INSERT INTO rm_reporting_calls (tenant, call_key, process, workflow, opened_month,"
            " submitted_at) VALUES (%s, %s, %s, %s, %s, %s)",
            (tenant, key, process, _workflow(event.workflow), month_of(at), at.isoformat()),
        )
        services = sorted({str(service) for service in event.service_ids})
        if services:
            tx.executemany(_ADD_SERVICE, [(tenant, key, service) for service in services])

    def _linked(self, tx: Tx, tenant: str, _type: str, event: Any) -> None:
        if event.kind == LinkKind.SERVICE.value:
            key = self.call_key(event.originator_id)
            tx.execute(_ADD_SERVICE, (tenant, key, str(event.target_id)))

    def _workflow_resolved(self, tx: Tx, tenant: str, _type: str, event: Any) -> None:
        tx.execute(
            "UPDATE rm_reporting_calls SET workflow = %s WHERE tenant = %s AND call_key = %s",
            (_workflow(event.workflow), tenant, self.call_key(event.originator_id)),
        )

    def _fulfilled(self, tx: Tx, tenant: str, _type: str, event: Any) -> None:
        tx.execute(
            "UPDATE rm_reporting_calls SET fulfilled_month = %s"
            " WHERE tenant = %s AND call_key = %s AND fulfilled_month IS NULL",
            (month_of(event.meta.occurred_at), tenant, self.call_key(event.originator_id)),
        )

    def _rework_requested(self, tx: Tx, tenant: str, _type: str, event: Any) -> None:
        tx.execute(
            "INSERT INTO rm_reporting_reworks (tenant, call_key, month, reworks)"
            " VALUES (%s, %s, %s, 1) ON CONFLICT (tenant, call_key, month)"
            " DO UPDATE SET reworks = rm_reporting_reworks.reworks + 1",
            (tenant, self.call_key(event.originator_id), month_of(event.meta.occurred_at)),
        )

    def _closed(self, tx: Tx, tenant: str, _type: str, event: Any) -> None:
        key = self.call_key(event.originator_id)
        rows = tx.fetchall(
            "SELECT submitted_at FROM rm_reporting_calls WHERE tenant = %s AND call_key = %s",
            (tenant, key),
        )
        if not rows or rows[0][0] is None:
            raise LookupError(f"call {event.originator_id} closed without an open reporting row")
        closed_at = event.meta.occurred_at
        cycle = closed_at - datetime.fromisoformat(rows[0][0])
        # The exact submission time is needed only until the call closes: drop it then.
        tx.execute(
            "UPDATE rm_reporting_calls SET closed_month = %s, cycle_us = %s, submitted_at = NULL"
            " WHERE tenant = %s AND call_key = %s",
            (month_of(closed_at), cycle // _MICROSECOND, tenant, key),
        )

    # -- catalog and consent -----------------------------------------------------------

    def _service_registered(self, tx: Tx, tenant: str, _type: str, event: Any) -> None:
        tx.execute(
            "INSERT INTO rm_reporting_services (tenant, service_id, code) VALUES (%s, %s, %s)"
            " ON CONFLICT (tenant, service_id) DO NOTHING",
            (tenant, str(event.originator_id), event.code),
        )

    def _consent_changed(self, tx: Tx, tenant: str, _type: str, event: Any) -> None:
        tx.execute(
            "INSERT INTO rm_reporting_consent (tenant, consent, changed_at) VALUES (%s, %s, %s)"
            " ON CONFLICT (tenant) DO UPDATE"
            " SET consent = excluded.consent, changed_at = excluded.changed_at",
            (tenant, 1 if event.consent else 0, event.meta.occurred_at.isoformat()),
        )


def month_of(moment: datetime) -> str:
    """The UTC year-month a moment falls in, e.g. ``2026-11``."""
    return moment.astimezone(UTC).strftime("%Y-%m")


def _workflow(workflow: str | None) -> str:
    return WorkflowType(workflow).value if workflow else UNRESOLVED
