"""The ``fundament`` command line: demo, tenants, calls and the shared USM patterns."""

import argparse
import json
import os
import shutil
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from domain.patterns import CURRENT_VERSION, export_workflow_templates
from domain.shared import DomainError
from gateway import flow, serve
from tenants.errors import TenantError
from tenants.runtime import TenantStores
from tenants.service_desk import ServiceDesk
from tenants.settings import StorageSettings

if TYPE_CHECKING:
    from gateway.api.settings import GatewaySettings

_DEMO_MARKER = ".fundament-demo"


def main(argv: Sequence[str] | None = None) -> int:
    """Run one CLI command; errors become a one-line message and exit status 2."""
    args = _parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except (DomainError, TenantError, ValueError, OSError) as error:
        print(f"fundament: {getattr(error, 'message', error)}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fundament", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    demo = commands.add_parser("demo", help="seed a national deployment and run all 8 workflows")
    demo.add_argument("--data-dir", type=Path, help="embedded data directory (replaced)")
    demo.add_argument(
        "--serve", action="store_true", help="then serve the REST API on the demo's data"
    )
    demo.add_argument("--port", type=int, default=8000, help="port for --serve")
    demo.set_defaults(handler=run_demo)
    tenants = commands.add_parser("tenants", help="tenants of this deployment")
    tenants.add_subparsers(required=True, metavar="ACTION").add_parser(
        "list", help="list the registered tenants"
    ).set_defaults(handler=list_tenants)
    calls = commands.add_parser("calls", help="calls of one tenant")
    calls_list = calls.add_subparsers(required=True, metavar="ACTION").add_parser(
        "list", help="list a tenant's calls"
    )
    calls_list.add_argument("--tenant", required=True)
    calls_list.set_defaults(handler=list_calls)
    patterns = commands.add_parser("patterns", help="the shared USM patterns")
    export = patterns.add_subparsers(required=True, metavar="ACTION").add_parser(
        "export", help="export the 8 workflow templates as USM-WIF JSON"
    )
    export.add_argument("--version", default=CURRENT_VERSION)
    export.add_argument("--out", type=Path, help="directory for one file per template")
    export.set_defaults(handler=export_patterns)
    flow.register(commands)
    serve.register(commands)
    return parser


def _settings(data_dir: Path | None = None) -> StorageSettings:
    settings = StorageSettings.from_env(os.environ)
    if data_dir is not None:
        settings = StorageSettings(**{**vars(settings), "data_dir": data_dir.resolve()})
    return settings


def run_demo(args: argparse.Namespace) -> int:
    from gateway.demo.deployment import TENANTS
    from gateway.demo.scenario import run_scenario
    from gateway.demo.summary import completed_workflows, tenant_summary
    from projections.embedded import InProcessDelivery

    settings = _settings(args.data_dir)
    if settings.backend == "sqlite":
        _prepare_demo_dir(settings.data_dir)
    started = time.perf_counter()
    stores = TenantStores.open(settings, ServiceDesk)
    try:
        if any(stores.registry.exists(tenant.slug) for tenant in TENANTS):
            raise ValueError(
                f"the demo tenants already exist in database {settings.dbname}; "
                "run the demo against an empty database"
            )
        run_scenario(stores, datetime(2026, 11, 2, 8, 0, tzinfo=UTC))
        delivery = InProcessDelivery(stores)
        try:
            projected = delivery.deliver_all()
        finally:
            delivery.close()
        completed: set[str] = set()
        for tenant in TENANTS:
            app = stores.runtime.app(tenant.slug)
            print("\n".join(tenant_summary(app, tenant.name)), end="\n\n")
            completed |= completed_workflows(app)
    finally:
        stores.close()
    print(
        f"Read models fed in-process: {projected.applied:,} events applied, "
        f"{projected.parked} parked"
    )
    print(
        f"Workflows completed: {', '.join(sorted(completed))} ({len(completed)} of 8) "
        f"in {time.perf_counter() - started:.1f} s; data in {_where(settings)}"
    )
    if len(completed) != 8:
        return 1
    _print_demo_tokens(settings)
    if args.serve:
        return _serve_demo(settings, args.port)
    return 0


def _print_demo_tokens(settings: StorageSettings) -> None:
    tokens = serve.demo_tokens(_gateway_settings(settings))
    print(f"\nBearer tokens for the REST API (tenant {serve.DEMO_TENANT}, 8 hours):")
    for role, token in tokens.items():
        print(f"  {role.value:<21} {token}")
    print(
        "Serve the API on this data with `fundament demo --serve` (or `fundament serve` with "
        f"FUNDAMENT_DATA_DIR={settings.data_dir}), then e.g.\n"
        '  curl -H "Authorization: Bearer <operator token>" '
        f"http://127.0.0.1:8000/t/{serve.DEMO_TENANT}/calls"
    )


def _gateway_settings(settings: StorageSettings) -> "GatewaySettings":
    from gateway.api.settings import GatewaySettings

    return GatewaySettings(storage=settings)


def _serve_demo(settings: StorageSettings, port: int) -> int:
    import uvicorn

    from gateway.api.app import create_app

    uvicorn.run(
        create_app(_gateway_settings(settings)),
        host="127.0.0.1",
        port=port,
        **serve.SERVER_OPTIONS,
    )
    return 0


def _where(settings: StorageSettings) -> str:
    if settings.backend == "postgres":
        return f"PostgreSQL database {settings.dbname} on {settings.host}:{settings.port}"
    return str(settings.data_dir)


def _prepare_demo_dir(data_dir: Path) -> None:
    """Replace a previous demo's data, but never a directory the demo did not create."""
    if data_dir.exists() and any(data_dir.iterdir()):
        if not (data_dir / _DEMO_MARKER).exists():
            raise ValueError(
                f"{data_dir} holds data that is not from the demo; choose another --data-dir"
            )
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / _DEMO_MARKER).write_text("created by `fundament demo`; replaced on each run\n")


def list_tenants(_args: argparse.Namespace) -> int:
    stores = TenantStores.open(_settings(), ServiceDesk)
    try:
        for tenant in stores.registry.list():
            print(f"{tenant.slug:<20} {tenant.kind:<16} {tenant.name}")
    finally:
        stores.close()
    return 0


def list_calls(args: argparse.Namespace) -> int:
    stores = TenantStores.open(_settings(), ServiceDesk)
    try:
        app = stores.runtime.app(args.tenant)
        print(
            f"{'tracking':<15} {'type':<16} {'status':<19} {'step':<19} {'prio':<8} "
            f"{'wf':<3} summary"
        )
        for call in app.calls():
            print(
                f"{call.tracking_number:<15} {call.call_type.value:<16} "
                f"{call.status.value:<19} {call.step:<19} {call.priority or '-':<8} "
                f"{call.workflow.value if call.workflow else '-':<3} {call.summary}"
            )
    finally:
        stores.close()
    return 0


def export_patterns(args: argparse.Namespace) -> int:
    documents = export_workflow_templates(args.version)
    if args.out is None:
        print(json.dumps(documents, indent=2, sort_keys=True, default=str))
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    for document in documents:
        path = args.out / f"{document['slug']}.workflow-template.json"
        path.write_text(json.dumps(document, indent=2, sort_keys=True, default=str) + "\n")
    print(f"wrote {len(documents)} workflow templates to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
