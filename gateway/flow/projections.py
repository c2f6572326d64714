"""`fundament projections`: rebuild read models from the event stores, and show how far they got.

A rebuild drops a read model's rows (of one tenant, or of all) and replays them from the
tenants' event stores; the rows it gives equal the ones the live feed built. Stop the
workers that feed the read models while it runs.
"""

import argparse
import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from projections.projector import Projector
from projections.read_models.registry import all_read_models
from projections.rebuild import rebuild_read_models as rebuild_in_processes
from projections.settings import FlowSettings
from projections.storage import ReadStore, open_read_store
from tenants.runtime import TenantStores
from tenants.service_desk import ServiceDesk
from tenants.settings import StorageSettings


def register(commands: "argparse._SubParsersAction[Any]") -> None:
    """Add the `projections` command to the CLI."""
    projections = commands.add_parser(
        "projections", help="the read models: rebuild them, see how far they got"
    )
    actions = projections.add_subparsers(required=True, metavar="ACTION")
    rebuild_parser = actions.add_parser(
        "rebuild",
        help="drop read models and replay them from the event stores",
        description=__doc__,
    )
    rebuild_parser.add_argument("--tenant", help="only this tenant (default: every tenant)")
    rebuild_parser.add_argument(
        "name", nargs="?", metavar="NAME", help="only this read model (default: every one)"
    )
    rebuild_parser.add_argument(
        "--processes",
        type=int,
        default=os.cpu_count() or 1,
        help="replay tenants in this many processes (PostgreSQL; default: one per CPU)",
    )
    rebuild_parser.set_defaults(handler=rebuild_read_models)
    status = actions.add_parser(
        "status", help="each read model's position per tenant, against the tenant's log head"
    )
    status.add_argument("--tenant", help="only this tenant (default: every tenant)")
    status.set_defaults(handler=show_status)


def rebuild_read_models(args: argparse.Namespace) -> int:
    names = _read_model_names(args.name)
    with _opened() as (stores, _):
        tenants = _tenants(stores, args.tenant)  # an unknown tenant fails before any drop
    started = time.perf_counter()
    report = rebuild_in_processes(
        StorageSettings.from_env(os.environ),
        FlowSettings.from_env(os.environ).read_schema,
        names,
        tenant=args.tenant,
        processes=args.processes,
    )
    seconds = time.perf_counter() - started
    print(  # noqa: T201
        f"rebuilt {', '.join(report.read_models)} for {len(tenants)} tenant(s)"
        f" ({', '.join(tenants) or 'none'}): {report.events:,} events in {seconds:.1f} s"
    )
    return 0


def show_status(args: argparse.Namespace) -> int:
    with _opened() as (stores, store):
        projector = Projector(store, all_read_models())
        print(f"{'tenant':<24} {'read model':<16} {'position':>10} {'head':>10} {'lag':>8}")  # noqa: T201
        for tenant in _tenants(stores, args.tenant):
            head = stores.runtime.app(tenant).recorder.max_notification_id() or 0
            for model in projector.read_models:
                position = projector.position(model.name, tenant)
                print(  # noqa: T201
                    f"{tenant:<24} {model.name:<16} {position:>10} {head:>10} {head - position:>8}"
                )
    return 0


def _read_model_names(name: str | None) -> list[str]:
    known = [model.name for model in all_read_models()]
    if name is None:
        return known
    if name not in known:
        raise ValueError(f"no read model {name!r}; there are: {', '.join(known)}")
    return [name]


def _tenants(stores: TenantStores[ServiceDesk], tenant: str | None) -> Sequence[str]:
    """The one tenant named (UnknownTenantError if it is not registered), or every tenant."""
    if tenant is not None:
        return [stores.registry.get(tenant).slug]
    return sorted(record.slug for record in stores.registry.list())


@contextmanager
def _opened() -> Iterator[tuple[TenantStores[ServiceDesk], ReadStore]]:
    """The tenants' event stores and the read store, as the environment configures them."""
    settings = StorageSettings.from_env(os.environ)
    read_schema = FlowSettings.from_env(os.environ).read_schema
    stores = TenantStores.open(settings, ServiceDesk)
    try:
        store = open_read_store(settings, read_schema)
        try:
            yield stores, store
        finally:
            store.close()
    finally:
        stores.close()
