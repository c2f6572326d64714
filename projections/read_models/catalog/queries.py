"""Reads of the service catalog."""

import json
from dataclasses import dataclass
from typing import Any

from projections.storage import ReadStore

_COLUMNS = (
    "service_id, code, name, owner_team, specification, status, retirement_reason,"
    " registered_at, updated_at, version"
)


@dataclass(frozen=True)
class ServiceRow:
    service_id: str
    code: str
    name: str
    owner_team: str
    specification: dict[str, str]
    status: str
    retirement_reason: str | None
    registered_at: str
    updated_at: str
    version: int


def services(
    store: ReadStore,
    tenant: str,
    *,
    include_retired: bool = False,
    after_code: str | None = None,
    limit: int | None = None,
) -> list[ServiceRow]:
    """The tenant's services by code; ``after_code`` and ``limit`` read one keyset page."""
    where, params = "tenant = %s", [tenant]
    if not include_retired:
        where += " AND status = 'active'"
    if after_code is not None:
        where, params = f"{where} AND code > %s", [*params, after_code]
    page = "" if limit is None else f" LIMIT {int(limit)}"
    with store.transaction() as tx:
        rows = tx.fetchall(
            f"SELECT {_COLUMNS} FROM rm_catalog_services WHERE {where} ORDER BY code{page}",
            params,
        )
    return [_row(r) for r in rows]


def service(store: ReadStore, tenant: str, service_id: str) -> ServiceRow | None:
    with store.transaction() as tx:
        rows = tx.fetchall(
            f"SELECT {_COLUMNS} FROM rm_catalog_services WHERE tenant = %s AND service_id = %s",
            (tenant, service_id),
        )
    return _row(rows[0]) if rows else None


def _row(row: tuple[Any, ...]) -> ServiceRow:
    values = list(row)
    values[4] = json.loads(values[4])
    values[9] = int(values[9])
    return ServiceRow(*values)
