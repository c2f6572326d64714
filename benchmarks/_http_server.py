"""The gateway under test: ``fundament serve`` in its own processes, configured through
``FUNDAMENT_*``.

By default one worker process per CPU, as the gateway is deployed: a worker runs one command
at a time on its event loop, so a single worker can use only one core. The rate limits are
set far above anything the benchmark sends, so they never answer 429 (the limiter still
counts every request, as in production). ``read_models_fed_by = "workers"``: the gateway
only serves; in production the relay and the projection workers feed the read models, so
the write path here is what a production gateway does per request.
"""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from gateway.api.roles import Role
from gateway.api.settings import GatewaySettings, RateLimitStore
from gateway.serve import dev_token
from projections.settings import FlowSettings
from tenants.settings import StorageSettings

UNLIMITED = "10000000/minute"
ACTOR = "coordinator"
_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Gateway:
    """A running gateway process: where it listens and its process id."""

    base_url: str
    pid: int

    def cpu_seconds(self) -> float:
        """User plus system CPU time the gateway's processes (supervisor and workers) used."""
        return sum(_cpu_of(pid) for pid in (self.pid, *_children(self.pid)))


def postgres_cpu_seconds() -> float:
    """CPU time of every PostgreSQL process on this machine (the benchmark's server is local)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() == "postgres":
                total += _cpu_of(int(entry.name))
        except OSError:  # exited meanwhile
            continue
    return total


def _stat(pid: int) -> list[str]:
    # The fields after the command name, which is in parentheses and may hold spaces.
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def _cpu_of(pid: int) -> float:
    try:
        fields = _stat(pid)
    except FileNotFoundError:  # exited meanwhile
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICKS


def _children(parent: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if int(_stat(int(entry.name))[1]) == parent:
                pids.append(int(entry.name))
        except (FileNotFoundError, ProcessLookupError):
            continue
    return pids


def gateway_settings(
    storage: StorageSettings, read_schema: str, rate_limit_store: RateLimitStore = "memory"
) -> GatewaySettings:
    """The settings the gateway process runs with (the benchmark signs its tokens with them)."""
    return GatewaySettings(
        rate_limit_store=rate_limit_store,
        environment="development",
        storage=storage,
        flow=FlowSettings(read_schema=read_schema),
        read_models_fed_by="workers",
        tenant_rate_limit=UNLIMITED,
        client_rate_limit=UNLIMITED,
    )


def coordinator_token(settings: GatewaySettings, slug: str) -> str:
    """A development token of the workflow coordinator of one tenant."""
    return dev_token(settings, ACTOR, {slug: [Role.WORKFLOW_COORDINATOR.value]})


def _environment(settings: GatewaySettings) -> dict[str, str]:
    storage = settings.storage
    return {
        **os.environ,
        "FUNDAMENT_ENVIRONMENT": settings.environment,
        "FUNDAMENT_STORE": storage.backend,
        "FUNDAMENT_DATA_DIR": str(storage.data_dir),
        "FUNDAMENT_PG_HOST": storage.host,
        "FUNDAMENT_PG_PORT": str(storage.port),
        "FUNDAMENT_PG_DBNAME": storage.dbname,
        "FUNDAMENT_PG_USER": storage.user,
        "FUNDAMENT_PG_PASSWORD": storage.password,
        "FUNDAMENT_PG_POOL_SIZE": str(storage.pool_size),
        "FUNDAMENT_PG_MAX_OVERFLOW": str(storage.max_overflow),
        "FUNDAMENT_PG_APPLICATION_NAME": "fundament-bench-http-gateway",
        "FUNDAMENT_READ_SCHEMA": settings.flow.read_schema,
        "FUNDAMENT_READ_MODELS_FED_BY": settings.read_models_fed_by,
        "FUNDAMENT_TENANT_RATE_LIMIT": settings.tenant_rate_limit,
        "FUNDAMENT_CLIENT_RATE_LIMIT": settings.client_rate_limit,
        "FUNDAMENT_RATE_LIMIT_STORE": settings.rate_limit_store,
    }


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_until_serving(process: subprocess.Popen[bytes], base_url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the gateway exited with {process.returncode} before serving")
        try:
            if httpx.get(f"{base_url}/openapi.json", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the gateway did not answer within {timeout:g} s")


@contextmanager
def running_gateway(settings: GatewaySettings, log: Path, workers: int = 1) -> Iterator[Gateway]:
    """Start ``fundament serve`` with ``workers`` worker processes; stop it after."""
    port = _free_port()
    command = [
        str(Path(sys.executable).with_name("fundament")),
        "serve",
        "--host=127.0.0.1",
        f"--port={port}",
        f"--workers={workers}",
        "--no-access-log",
    ]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, env=_environment(settings), stdout=output, stderr=subprocess.STDOUT
        )
        base_url = f"http://127.0.0.1:{port}"
        try:
            _wait_until_serving(process, base_url, timeout=60.0)
            yield Gateway(base_url, process.pid)
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
