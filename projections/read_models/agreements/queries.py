"""Reads of the agreements: by customer, by service, and one agreement with its history."""

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from domain.agreements import AgreementStatus
from projections.storage import ReadStore, Tx

_COLUMNS = (
    "a.agreement_id, a.code, a.kind, a.title, a.provider, a.customer, a.status,"
    " a.agreement_version, a.supersedes, a.superseded_by, a.wish_call_id, a.handling_targets,"
    " a.specification, a.drafted_at, a.in_force_from, a.in_force_until, a.updated_at, a.version"
)


@dataclass(frozen=True)
class AgreementRow:
    agreement_id: str
    code: str
    kind: str
    title: str
    provider: str
    customer: str
    status: str
    agreement_version: int  # 1, then one more per agreement that supersedes the previous
    supersedes: str | None
    superseded_by: str | None
    wish_call_id: str
    handling_targets: dict[str, dict[str, int]]
    specification: str
    drafted_at: str
    in_force_from: str | None
    in_force_until: str | None
    updated_at: str
    version: int
    service_ids: tuple[str, ...]


@dataclass(frozen=True)
class StatusChange:
    version: int
    status: str
    call_id: str
    note: str
    actor: str
    occurred_at: str


@dataclass(frozen=True)
class AgreementDetail:
    agreement: AgreementRow
    history: tuple[StatusChange, ...]


def agreements_page(
    store: ReadStore,
    tenant: str,
    *,
    customer: str | None = None,
    service_id: str | None = None,
    status: AgreementStatus | str | None = None,
    after_code: str | None = None,
    limit: int | None = None,
) -> list[AgreementRow]:
    """The tenant's agreements by code, optionally with one customer, covering one service
    or in one status; ``after_code`` and ``limit`` read one keyset page of that order."""
    where, params = ["a.tenant = %s"], [tenant]
    for condition, value in (
        ("a.customer = %s", customer),
        ("a.status = %s", None if status is None else str(status)),
        ("a.code > %s", after_code),
        (
            "EXISTS (SELECT 1 FROM rm_agreement_services s WHERE s.tenant = a.tenant"
            " AND s.agreement_id = a.agreement_id AND s.service_id = %s)",
            service_id,
        ),
    ):
        if value is not None:
            where.append(condition)
            params.append(value)
    page = "" if limit is None else f" LIMIT {int(limit)}"
    with store.transaction() as tx:
        return _select(
            tx, tenant, f"FROM rm_agreements a WHERE {' AND '.join(where)}", params, page
        )


def agreement(store: ReadStore, tenant: str, agreement_id: str) -> AgreementDetail | None:
    """One agreement with every status it went through, oldest first."""
    with store.transaction() as tx:
        found = _select(
            tx,
            tenant,
            "FROM rm_agreements a WHERE a.tenant = %s AND a.agreement_id = %s",
            [tenant, agreement_id],
        )
        if not found:
            return None
        rows = tx.fetchall(
            "SELECT version, status, call_id, note, actor, occurred_at FROM rm_agreement_statuses"
            " WHERE tenant = %s AND agreement_id = %s ORDER BY version",
            (tenant, agreement_id),
        )
    history = tuple(StatusChange(int(r[0]), *r[1:]) for r in rows)
    return AgreementDetail(found[0], history)


def _select(
    tx: Tx, tenant: str, source: str, params: Sequence[Any], page: str = ""
) -> list[AgreementRow]:
    rows = tx.fetchall(f"SELECT {_COLUMNS} {source} ORDER BY a.code{page}", params)
    services = _services(tx, tenant, [r[0] for r in rows])
    return [_row(r, services[r[0]]) for r in rows]


def _services(tx: Tx, tenant: str, agreement_ids: list[str]) -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = defaultdict(list)
    if agreement_ids:
        rows = tx.fetchall(
            "SELECT agreement_id, service_id FROM rm_agreement_services WHERE tenant = %s"
            f" AND agreement_id IN ({', '.join(['%s'] * len(agreement_ids))})"
            " ORDER BY agreement_id, service_id",
            [tenant, *agreement_ids],
        )
        for agreement_id, service_id in rows:
            found[agreement_id].append(service_id)
    return {agreement_id: tuple(found[agreement_id]) for agreement_id in agreement_ids}


def _row(row: tuple[Any, ...], service_ids: tuple[str, ...]) -> AgreementRow:
    values = list(row)
    values[7] = int(values[7])
    values[11] = json.loads(values[11])
    values[17] = int(values[17])
    values.append(service_ids)
    return AgreementRow(*values)
