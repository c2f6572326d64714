"""Helpers for read-model tests: whole-table dumps to compare, and the parked events."""

from projections.read_model import ReadModel
from projections.storage import ReadStore, Row


def dump(store: ReadStore, model: ReadModel, tenant: str | None = None) -> dict[str, list[Row]]:
    """Every row of the model's tables (one tenant's, or all), in a stable order."""
    where, params = ("", ()) if tenant is None else (" WHERE tenant = %s", (tenant,))
    with store.transaction() as tx:
        tables = {
            table: tx.fetchall(f"SELECT * FROM {table}{where}", params) for table in model.tables
        }
    return {table: sorted(rows, key=_sort_key) for table, rows in tables.items()}


def dead_letters(store: ReadStore) -> list[Row]:
    with store.transaction() as tx:
        rows: list[Row] = tx.fetchall("SELECT source, position, error FROM projection_dead_letters")
    return rows


def _sort_key(row: Row) -> list[tuple[bool, str]]:
    return [(value is None, str(value)) for value in row]
