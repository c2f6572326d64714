"""Opening a query store: which store each backend gets, and pool sizes that make sense."""

from pathlib import Path

import pytest

from projections.storage import PooledPostgresReadStore, SqliteReadStore, open_query_store
from tenants.settings import StorageSettings


def test_sqlite_queries_read_the_file_the_projector_writes(tmp_path: Path) -> None:
    store = open_query_store(StorageSettings(backend="sqlite", data_dir=tmp_path), "ignored")
    try:
        assert isinstance(store, SqliteReadStore)
        assert (tmp_path / "read_models.db").exists()
    finally:
        store.close()


@pytest.mark.parametrize(("min_size", "max_size"), [(0, 4), (5, 4), (1, 0)])
def test_a_pool_refuses_sizes_that_cannot_hold_a_connection(min_size: int, max_size: int) -> None:
    # Refused before connecting: nothing listens on port 1.
    settings = StorageSettings(backend="postgres", port=1)
    with pytest.raises(ValueError, match="min_size"):
        PooledPostgresReadStore(settings, "fundament_read", min_size=min_size, max_size=max_size)
