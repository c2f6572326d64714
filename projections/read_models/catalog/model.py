"""The service catalog: one row per service, as registered, revised and retired."""

import json
from typing import Any, ClassVar

from domain.catalog import Service
from projections.envelope import EventEnvelope
from projections.read_model import ReadModel
from projections.storage import Tx

_SERVICE_EVENTS = ("Service.Registered", "Service.Revised", "Service.Retired")


class CatalogReadModel(ReadModel):
    name: ClassVar[str] = "catalog"
    tables: ClassVar[tuple[str, ...]] = ("rm_catalog_services",)

    def ddl(self) -> list[str]:
        return [
            "CREATE TABLE IF NOT EXISTS rm_catalog_services ("
            " tenant TEXT NOT NULL, service_id TEXT NOT NULL, code TEXT NOT NULL,"
            " name TEXT NOT NULL, owner_team TEXT NOT NULL, specification TEXT NOT NULL,"
            " status TEXT NOT NULL, retirement_reason TEXT, registered_at TEXT NOT NULL,"
            " updated_at TEXT NOT NULL, version INTEGER NOT NULL,"
            " PRIMARY KEY (tenant, service_id))",
            "CREATE INDEX IF NOT EXISTS rm_catalog_services_by_code"
            " ON rm_catalog_services (tenant, code)",
        ]

    def handles(self, envelope: EventEnvelope) -> bool:
        return envelope.event_type in _SERVICE_EVENTS

    def apply(self, tx: Tx, envelope: EventEnvelope, event: Any) -> None:
        at = event.meta.occurred_at.isoformat()
        key = (envelope.tenant, str(envelope.originator_id))
        if isinstance(event, Service.Registered):
            tx.execute(
                "INSERT INTO rm_catalog_services (tenant, service_id, code, name, owner_team,"
                " specification, status, registered_at, updated_at, version)"
                " VALUES (%s, %s, %s, %s, %s, %s, 'active', %s, %s, %s)",
                (
                    *key,
                    event.code,
                    event.name,
                    event.owner_team,
                    _json(event.specification),
                    at,
                    at,
                    envelope.originator_version,
                ),
            )
        elif isinstance(event, Service.Revised):
            tx.execute(
                "UPDATE rm_catalog_services SET name = %s, owner_team = %s, specification = %s,"
                " updated_at = %s, version = %s WHERE tenant = %s AND service_id = %s",
                (
                    event.name,
                    event.owner_team,
                    _json(event.specification),
                    at,
                    envelope.originator_version,
                    *key,
                ),
            )
        elif isinstance(event, Service.Retired):
            tx.execute(
                "UPDATE rm_catalog_services SET status = 'retired', retirement_reason = %s,"
                " updated_at = %s, version = %s WHERE tenant = %s AND service_id = %s",
                (event.reason, at, envelope.originator_version, *key),
            )


def _json(value: dict[str, str]) -> str:
    return json.dumps(value, sort_keys=True)
