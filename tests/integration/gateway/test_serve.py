"""``fundament serve`` as a real process over real HTTP, ``fundament token`` for its tokens,
and a production start without keys refused before anything listens."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.broker import free_port

FUNDAMENT = str(Path(sys.executable).with_name("fundament"))
STARTUP_SECONDS = 30.0


def cli_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The parent's environment without any FUNDAMENT_* setting, plus these."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FUNDAMENT_")}
    return {**env, "FUNDAMENT_STORE": "sqlite", "FUNDAMENT_DATA_DIR": str(data_dir), **extra}


def fundament(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [FUNDAMENT, *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def wait_until_serving(server: subprocess.Popen[str], base: str) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"fundament serve exited with {server.returncode} while starting")
        try:
            if httpx.get(f"{base}/openapi.json", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    pytest.fail(f"fundament serve did not answer within {STARTUP_SECONDS} s")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, dict[str, str], subprocess.Popen[str]]]:
    """A running ``fundament serve`` on a free port: its URL, environment and process."""
    env = cli_env(tmp_path / "data")
    port = free_port()
    server = subprocess.Popen(
        [FUNDAMENT, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_serving(server, base)
        yield base, env, server
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(timeout=10)
        if server.stdout is not None:
            server.stdout.close()


def test_serve_answers_over_http_and_stops_cleanly_on_sigterm(
    served: tuple[str, dict[str, str], subprocess.Popen[str]],
) -> None:
    base, env, server = served
    issued = fundament("token", "--sub", "ops-lead", "--platform-admin", env=env)
    assert issued.returncode == 0, issued.stderr
    token = issued.stdout.strip()
    headers = {"Authorization": f"Bearer {token}"}

    with httpx.Client(base_url=base, headers=headers, timeout=30.0) as client:
        created = client.post(
            "/tenants", json={"slug": "health-east", "name": "Health East", "kind": "health region"}
        )
        listed = client.get("/tenants")
        anonymous = httpx.get(f"{base}/tenants", timeout=10.0)

    assert created.status_code == 201, created.text
    assert created.headers["Location"] == "/t/health-east/organization"
    assert created.json()["registered_by"] == "ops-lead"
    assert "health-east" in [tenant["slug"] for tenant in listed.json()]
    assert anonymous.status_code == 401
    server.send_signal(signal.SIGTERM)
    # uvicorn shuts down gracefully, then re-raises the signal so the status tells why it ended
    assert server.wait(timeout=30) in (0, -signal.SIGTERM)
    assert server.stdout is not None
    output = server.stdout.read()
    assert "Traceback" not in output
    assert "Application shutdown complete" in output  # the lifespan closed the stores


def test_serve_in_production_without_keys_exits_2_saying_what_is_missing(tmp_path: Path) -> None:
    env = cli_env(tmp_path / "data", FUNDAMENT_ENVIRONMENT="production")

    refused = fundament("serve", "--port", str(free_port()), env=env)

    assert refused.returncode == 2
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1, refused.stderr
    assert lines[0].startswith("fundament: ")
    for missing in (
        "FUNDAMENT_JWT_PUBLIC_KEY_FILE",
        "FUNDAMENT_JWT_ISSUER",
        "FUNDAMENT_REPORTING_KEY",
    ):
        assert missing in lines[0]
    assert not (tmp_path / "data").exists()  # refused before opening any store
