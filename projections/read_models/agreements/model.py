"""Agreements: one row per agreement, the services it covers, and every status it went through.

Times come from the events (``meta.occurred_at``), never from a clock, so a rebuild gives
the same rows as the live feed.
"""

import json
from typing import Any, ClassVar

from domain.agreements import Agreement, AgreementStatus
from projections.envelope import EventEnvelope
from projections.read_model import ReadModel
from projections.storage import Tx

_EVENTS = ("Agreement.Drafted", "Agreement.Transitioned", "Agreement.Superseded")
# Statuses after which an agreement no longer applies (it may have been in force before).
_ENDED = (AgreementStatus.TERMINATED.value, AgreementStatus.SUPERSEDED.value)


class AgreementsReadModel(ReadModel):
    name: ClassVar[str] = "agreements"
    tables: ClassVar[tuple[str, ...]] = (
        "rm_agreements",
        "rm_agreement_services",
        "rm_agreement_statuses",
    )

    def ddl(self) -> list[str]:
        return [
            "CREATE TABLE IF NOT EXISTS rm_agreements ("
            " tenant TEXT NOT NULL, agreement_id TEXT NOT NULL, code TEXT NOT NULL,"
            " kind TEXT NOT NULL, title TEXT NOT NULL, provider TEXT NOT NULL,"
            " customer TEXT NOT NULL, status TEXT NOT NULL, agreement_version INTEGER NOT NULL,"
            " supersedes TEXT, superseded_by TEXT, wish_call_id TEXT NOT NULL,"
            " handling_targets TEXT NOT NULL, specification TEXT NOT NULL,"
            " drafted_at TEXT NOT NULL, in_force_from TEXT, in_force_until TEXT,"
            " updated_at TEXT NOT NULL, version INTEGER NOT NULL,"
            " PRIMARY KEY (tenant, agreement_id))",
            "CREATE INDEX IF NOT EXISTS rm_agreements_by_code ON rm_agreements (tenant, code)",
            "CREATE INDEX IF NOT EXISTS rm_agreements_by_customer"
            " ON rm_agreements (tenant, customer)",
            "CREATE TABLE IF NOT EXISTS rm_agreement_services ("
            " tenant TEXT NOT NULL, agreement_id TEXT NOT NULL, service_id TEXT NOT NULL,"
            " PRIMARY KEY (tenant, agreement_id, service_id))",
            "CREATE INDEX IF NOT EXISTS rm_agreement_services_by_service"
            " ON rm_agreement_services (tenant, service_id)",
            "CREATE TABLE IF NOT EXISTS rm_agreement_statuses ("
            " tenant TEXT NOT NULL, agreement_id TEXT NOT NULL, version INTEGER NOT NULL,"
            " status TEXT NOT NULL, call_id TEXT NOT NULL, note TEXT NOT NULL,"
            " actor TEXT NOT NULL, occurred_at TEXT NOT NULL,"
            " PRIMARY KEY (tenant, agreement_id, version))",
        ]

    def handles(self, envelope: EventEnvelope) -> bool:
        return envelope.event_type in _EVENTS

    def apply(self, tx: Tx, envelope: EventEnvelope, event: Any) -> None:
        if isinstance(event, Agreement.Drafted):
            _drafted(tx, envelope, event)
            _status(tx, envelope, event, AgreementStatus.DRAFT.value, event.wish_call_id, "drafted")
        elif isinstance(event, Agreement.Transitioned):
            _moved(tx, envelope, event, event.to_status)
            _status(tx, envelope, event, event.to_status, event.call_id, event.note)
        elif isinstance(event, Agreement.Superseded):
            successor = str(event.superseded_by)
            _moved(tx, envelope, event, AgreementStatus.SUPERSEDED.value, successor)
            note = f"superseded by {_code(tx, envelope.tenant, successor) or successor}"
            _status(tx, envelope, event, AgreementStatus.SUPERSEDED.value, event.call_id, note)


def _drafted(tx: Tx, envelope: EventEnvelope, event: Any) -> None:
    at = event.meta.occurred_at.isoformat()
    supersedes = str(event.supersedes) if event.supersedes else None
    tx.execute(
        "INSERT INTO rm_agreements (tenant, agreement_id, code, kind, title, provider, customer,"
        " status, agreement_version, supersedes, wish_call_id, handling_targets, specification,"
        " drafted_at, updated_at, version)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (
            *_key(envelope),
            event.code,
            event.kind,
            event.title,
            event.provider,
            event.customer,
            AgreementStatus.DRAFT.value,
            _agreement_version(tx, envelope.tenant, supersedes),
            supersedes,
            str(event.wish_call_id),
            json.dumps(event.handling_targets, sort_keys=True),
            event.specification,
            at,
            at,
            envelope.originator_version,
        ),
    )
    tx.executemany(
        "INSERT INTO rm_agreement_services (tenant, agreement_id, service_id) VALUES (%s, %s, %s)",
        [(*_key(envelope), str(service_id)) for service_id in event.service_ids],
    )


def _agreement_version(tx: Tx, tenant: str, supersedes: str | None) -> int:
    """1 for a first agreement; one more than its predecessor's for a new version."""
    if supersedes is None:
        return 1
    rows = tx.fetchall(
        "SELECT agreement_version FROM rm_agreements WHERE tenant = %s AND agreement_id = %s",
        (tenant, supersedes),
    )
    return int(rows[0][0]) + 1 if rows else 2


def _code(tx: Tx, tenant: str, agreement_id: str) -> str | None:
    rows = tx.fetchall(
        "SELECT code FROM rm_agreements WHERE tenant = %s AND agreement_id = %s",
        (tenant, agreement_id),
    )
    return str(rows[0][0]) if rows else None


def _moved(
    tx: Tx, envelope: EventEnvelope, event: Any, status: str, superseded_by: str | None = None
) -> None:
    at = event.meta.occurred_at.isoformat()
    in_force_from = at if status == AgreementStatus.IN_FORCE.value else None
    in_force_until = at if status in _ENDED else None
    tx.execute(
        "UPDATE rm_agreements SET status = %s, in_force_from = COALESCE(%s, in_force_from),"
        " in_force_until = COALESCE(%s, in_force_until),"
        " superseded_by = COALESCE(%s, superseded_by), updated_at = %s, version = %s"
        " WHERE tenant = %s AND agreement_id = %s",
        (
            status,
            in_force_from,
            in_force_until,
            superseded_by,
            at,
            envelope.originator_version,
            *_key(envelope),
        ),
    )


def _status(
    tx: Tx, envelope: EventEnvelope, event: Any, status: str, call_id: object, note: str
) -> None:
    tx.execute(
        "INSERT INTO rm_agreement_statuses (tenant, agreement_id, version, status, call_id,"
        " note, actor, occurred_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
        (
            *_key(envelope),
            envelope.originator_version,
            status,
            str(call_id),
            note,
            event.meta.actor,
            event.meta.occurred_at.isoformat(),
        ),
    )


def _key(envelope: EventEnvelope) -> tuple[str, str]:
    return envelope.tenant, str(envelope.originator_id)
