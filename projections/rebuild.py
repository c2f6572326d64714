"""Rebuilding read models over several processes: tenants are independent, so they split.

A rebuild is CPU-bound in Python (decoding events, folding rows), so threads would share
one core; processes each take a share of the tenants, with their own connections, into
the same read schema. The read models are cleared once, here, before any process starts.
On SQLite (one writer per file) the rebuild stays in this process.
"""

import multiprocessing
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor

from projections.feed import DEFAULT_BATCH, LogFeed, RebuildReport, clear_for_rebuild
from projections.projector import Projector
from projections.read_models.registry import all_read_models
from projections.storage import open_read_store
from tenants.runtime import TenantStores
from tenants.service_desk import ServiceDesk
from tenants.settings import StorageSettings


def rebuild_read_models(
    settings: StorageSettings,
    read_schema: str,
    names: Sequence[str],
    *,
    tenant: str | None = None,
    processes: int = 1,
    batch_size: int = DEFAULT_BATCH,
) -> RebuildReport:
    """Clear the named read models (for one tenant, or all) and replay them."""
    stores = TenantStores.open(settings, ServiceDesk)
    store = open_read_store(settings, read_schema)
    try:
        projector = Projector(store, all_read_models()).only(names)
        clear_for_rebuild(projector, tenant)
        tenants = [tenant] if tenant is not None else sorted(t.slug for t in stores.registry.list())
        if processes <= 1 or settings.backend == "sqlite" or len(tenants) < 2:
            events = _replay(stores, projector, tenants, batch_size)
        else:
            events = _replay_in_processes(
                settings, read_schema, names, tenants, processes, batch_size, (stores, projector)
            )
    finally:
        store.close()
        stores.close()
    return RebuildReport(tuple(names), tuple(tenants), events)


def _replay(
    stores: TenantStores[ServiceDesk], projector: Projector, tenants: Sequence[str], batch: int
) -> int:
    results = LogFeed(stores, projector, batch).catch_up_all(tenants)
    return sum(r.applied + r.ignored + r.skipped + r.parked for r in results.values())


def _replay_in_processes(
    settings: StorageSettings,
    read_schema: str,
    names: Sequence[str],
    tenants: Sequence[str],
    processes: int,
    batch_size: int,
    here: tuple[TenantStores[ServiceDesk], Projector],
) -> int:
    """This process replays one share while ``processes - 1`` spawned ones take the rest."""
    own, *others = [list(tenants[i::processes]) for i in range(processes)]
    # spawn, not fork: this process holds open pools and connections a fork would share.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(len(others), mp_context=context) as pool:
        futures = [
            pool.submit(_replay_share, settings, read_schema, tuple(names), share, batch_size)
            for share in others
            if share
        ]
        replayed = _replay(*here, own, batch_size)
        return replayed + sum(future.result() for future in futures)


def _replay_share(
    settings: StorageSettings,
    read_schema: str,
    names: tuple[str, ...],
    tenants: list[str],
    batch_size: int,
) -> int:
    """In a child process: replay some tenants into the (already cleared) read models."""
    stores = TenantStores.open(settings, ServiceDesk)
    store = open_read_store(settings, read_schema)
    try:
        projector = Projector(store, all_read_models()).only(names)
        return _replay(stores, projector, tenants, batch_size)
    finally:
        store.close()
        stores.close()
