"""The read tables a query-only process needs before its first query.

A projector creates its read models' tables (and its bookkeeping) when it is built. A
process that only reads them, like the HTTP gateway, may start before any projector
ever ran; its queries would then fail on a missing table rather than find no rows.
"""

from collections.abc import Sequence

from projections.projector import Projector
from projections.read_model import ReadModel
from projections.read_models.registry import all_read_models
from projections.storage import ReadStore


def ensure_read_tables(store: ReadStore, read_models: Sequence[ReadModel] | None = None) -> None:
    """Create the tables of ``read_models`` (default: every read model) and the projector's
    bookkeeping where missing; call it once after opening a query store."""
    # Exactly what a projector does when built, with its retry on a concurrent creator.
    Projector(store, all_read_models() if read_models is None else read_models)
