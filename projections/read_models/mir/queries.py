"""Reads of the MIR: components, one component, its history, and what a Change call did."""

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from domain.mir import MicClass
from projections.storage import ReadStore, Tx

_COLUMNS = (
    "mic_id, code, mic_class, name, owner, attributes, retired, retirement_reason,"
    " registered_by_call, registered_at, updated_at, version"
)
_CHANGE_COLUMNS = (
    "mic_id, code, version, kind, details, change_call_id, actor, occurred_at, notification_id"
)


@dataclass(frozen=True)
class Relation:
    relation: str
    target_id: str
    change_call_id: str
    related_at: str


@dataclass(frozen=True)
class ComponentRow:
    mic_id: str
    code: str
    mic_class: str
    name: str
    owner: str
    attributes: dict[str, str]
    retired: bool
    retirement_reason: str | None
    registered_by_call: str
    registered_at: str
    updated_at: str
    version: int
    relations: tuple[Relation, ...]


@dataclass(frozen=True)
class ChangeRow:
    """One event in a component's life, and the Change call that caused it.

    ``details`` by kind: registered and attributes changed: ``{"attributes": {name: {"old",
    "new"}}}`` (None: absent); related: ``{"relation", "target_id"}``; retired: ``{"reason"}``.
    """

    mic_id: str
    code: str
    version: int
    kind: str
    details: dict[str, Any]
    change_call_id: str
    actor: str
    occurred_at: str
    notification_id: int


def components(
    store: ReadStore,
    tenant: str,
    *,
    include_retired: bool = False,
    mic_class: MicClass | str | None = None,
    after_code: str | None = None,
    limit: int | None = None,
) -> list[ComponentRow]:
    """The tenant's components by code (active ones only unless asked; optionally one class);
    ``after_code`` and ``limit`` read one keyset page of that order."""
    where, params = "tenant = %s", [tenant]
    if not include_retired:
        where += " AND retired = 0"
    if mic_class is not None:
        where, params = f"{where} AND mic_class = %s", [*params, str(mic_class)]
    if after_code is not None:
        where, params = f"{where} AND code > %s", [*params, after_code]
    with store.transaction() as tx:
        return _select(tx, tenant, where, params, limit)


def component(store: ReadStore, tenant: str, mic_id: str) -> ComponentRow | None:
    with store.transaction() as tx:
        found = _select(tx, tenant, "tenant = %s AND mic_id = %s", [tenant, mic_id])
    return found[0] if found else None


def history(store: ReadStore, tenant: str, mic_id: str) -> list[ChangeRow]:
    """Everything that happened to a component, oldest first."""
    return _changes(store, "tenant = %s AND mic_id = %s ORDER BY version", (tenant, mic_id))


def changes_by_call(store: ReadStore, tenant: str, change_call_id: str) -> list[ChangeRow]:
    """Every MIR change one Change call made, in the order it made them."""
    return _changes(
        store,
        "tenant = %s AND change_call_id = %s ORDER BY notification_id",
        (tenant, change_call_id),
    )


def _select(
    tx: Tx, tenant: str, where: str, params: Sequence[Any], limit: int | None = None
) -> list[ComponentRow]:
    page = "" if limit is None else f" LIMIT {int(limit)}"
    rows = tx.fetchall(
        f"SELECT {_COLUMNS} FROM rm_mir_components WHERE {where} ORDER BY code{page}", params
    )
    relations = _relations(tx, tenant, [r[0] for r in rows])
    return [_component(r, relations[r[0]]) for r in rows]


def _relations(tx: Tx, tenant: str, mic_ids: list[str]) -> dict[str, tuple[Relation, ...]]:
    found: dict[str, list[Relation]] = defaultdict(list)
    if mic_ids:
        rows = tx.fetchall(
            "SELECT mic_id, relation, target_id, change_call_id, related_at FROM rm_mir_relations"
            f" WHERE tenant = %s AND mic_id IN ({', '.join(['%s'] * len(mic_ids))})"
            " ORDER BY mic_id, related_at, relation, target_id",
            [tenant, *mic_ids],
        )
        for mic_id, *relation in rows:
            found[mic_id].append(Relation(*relation))
    return {mic_id: tuple(found[mic_id]) for mic_id in mic_ids}


def _component(row: tuple[Any, ...], relations: tuple[Relation, ...]) -> ComponentRow:
    values = list(row)
    values[5] = json.loads(values[5])
    values[6] = bool(values[6])
    values[11] = int(values[11])
    values.append(relations)
    return ComponentRow(*values)


def _changes(store: ReadStore, condition: str, params: Sequence[Any]) -> list[ChangeRow]:
    with store.transaction() as tx:
        rows = tx.fetchall(
            f"SELECT {_CHANGE_COLUMNS} FROM rm_mir_changes WHERE {condition}", params
        )
    return [_change(r) for r in rows]


def _change(row: tuple[Any, ...]) -> ChangeRow:
    values = list(row)
    values[2] = int(values[2])
    values[4] = json.loads(values[4])
    values[8] = int(values[8])
    return ChangeRow(*values)
