"""CLI commands of the REST gateway: ``serve`` and ``token`` (development tokens)."""

import argparse
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from gateway.api.roles import PLATFORM_ROLES, Role
from gateway.api.settings import GatewaySettings
from gateway.api.tokens import issue_token, load_or_create_dev_key
from gateway.workers import Supervisor, reuse_port_supported, start_heap_freezer

DEMO_TENANT = "ministry-it"
# Who holds each role in the demo tenant (the demo's own people where it has them).
DEMO_SUBJECTS = {
    Role.REQUESTER: "key-user",
    Role.OPERATOR: "operator",
    Role.WORKFLOW_COORDINATOR: "coordinator",
    Role.WORKFLOW_MANAGER: "wf-manager",
    Role.SERVICE_MANAGER: "service-manager",
    Role.TENANT_ADMIN: "tenant-admin",
    Role.AUDITOR: "auditor",
    Role.PLATFORM_ADMIN: "platform-admin",
}


def register(commands: "argparse._SubParsersAction[Any]") -> None:
    serve = commands.add_parser("serve", help="serve the REST API (uvicorn)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="worker processes; a worker runs one command at a time, so use at least one per core",
    )
    serve.add_argument(
        "--no-access-log",
        dest="access_log",
        action="store_false",
        help="no log line per request (the traces still record every request)",
    )
    serve.set_defaults(handler=run_serve)
    token = commands.add_parser("token", help="issue a development bearer token")
    token.add_argument("--sub", required=True, help="the subject (who the caller is)")
    token.add_argument(
        "--tenant",
        action="append",
        default=[],
        metavar="SLUG:ROLE[,ROLE]",
        help="roles in a tenant, e.g. ministry-it:operator,auditor (repeatable)",
    )
    token.add_argument("--platform-admin", action="store_true")
    token.add_argument("--hours", type=float, default=8.0, help="lifetime in hours")
    token.set_defaults(handler=run_token)


def gateway_settings() -> GatewaySettings:
    try:
        return GatewaySettings()
    except Exception as error:  # pydantic's ValidationError: say what is wrong in one line
        raise ValueError(_one_line(error)) from None


def _one_line(error: Exception) -> str:
    errors = getattr(error, "errors", None)
    if callable(errors):
        return "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ())) or 'settings'}: {e.get('msg')}"
            for e in errors()
        )
    return str(error)


# Keep-alive longer than a load balancer's idle timeout (60 s on most), so the gateway never
# closes a connection a client is about to reuse.
SERVER_OPTIONS: dict[str, Any] = {
    "http": "httptools",
    "loop": "uvloop",
    "timeout_keep_alive": 75,
    "log_level": "info",
}


def run_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from gateway.api.app import create_app

    settings = gateway_settings()  # refuse bad settings here, before any worker starts
    if args.workers < 1:
        raise ValueError("--workers must be at least 1")
    options = {**SERVER_OPTIONS, "host": args.host, "port": args.port}
    options["access_log"] = args.access_log
    if args.workers == 1:
        app = create_app(settings)
        start_heap_freezer(settings)
        uvicorn.run(app, **options)
    elif reuse_port_supported():
        return Supervisor(args.host, args.port, args.workers, options).run()
    else:  # no SO_REUSEPORT: uvicorn's workers, which share one socket
        uvicorn.run("gateway.api.app:create_app", factory=True, workers=args.workers, **options)
    return 0


def run_token(args: argparse.Namespace) -> int:
    settings = gateway_settings()
    tenants = dict(_tenant_roles(spec) for spec in args.tenant)
    platform = [Role.PLATFORM_ADMIN.value] if args.platform_admin else []
    if not tenants and not platform:
        raise ValueError("give at least one --tenant SLUG:ROLE or --platform-admin")
    print(dev_token(settings, args.sub, tenants, platform, timedelta(hours=args.hours)))  # noqa: T201
    return 0


def dev_token(
    settings: GatewaySettings,
    subject: str,
    tenant_roles: dict[str, list[str]],
    platform_roles: Sequence[str] = (),
    lifetime: timedelta = timedelta(hours=8),
) -> str:
    """A token signed with the local development key (refused outside development)."""
    if settings.environment != "development":
        raise ValueError("development tokens exist only with FUNDAMENT_ENVIRONMENT=development")
    return issue_token(
        load_or_create_dev_key(settings.dev_key_file),
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        subject=subject,
        tenant_roles=tenant_roles,
        platform_roles=platform_roles,
        now=datetime.now(UTC),  # noqa: TID251 (a CLI edge)
        lifetime=lifetime,
    )


def demo_tokens(settings: GatewaySettings) -> dict[Role, str]:
    """One ready-to-use token per role for the demo tenant."""
    tokens = {}
    for role, subject in DEMO_SUBJECTS.items():
        if role in PLATFORM_ROLES:
            tokens[role] = dev_token(settings, subject, {}, [role.value])
        else:
            tokens[role] = dev_token(settings, subject, {DEMO_TENANT: [role.value]})
    return tokens


def _tenant_roles(spec: str) -> tuple[str, list[str]]:
    slug, _, roles = spec.partition(":")
    names = [r.strip() for r in roles.split(",") if r.strip()]
    known = {r.value for r in Role} - {r.value for r in PLATFORM_ROLES}
    unknown = [r for r in names if r not in known]
    if not slug or not names or unknown:
        raise ValueError(
            f"--tenant {spec!r}: use SLUG:ROLE[,ROLE] with roles from {', '.join(sorted(known))}"
        )
    return slug, names
