"""``fundament serve --workers N``: N uvicorn processes, each with its own listening socket.

uvicorn's own ``--workers`` shares one socket between the processes, and whichever wakes
first accepts every connection waiting: 45 of 50 connections opened at once landed on one of
two workers here. Keep-alive clients then pin the whole load on one process while the
others idle. Here every worker binds the address with ``SO_REUSEPORT``, and the kernel deals
new connections out across the workers by a hash of each connection's addresses.

The supervisor creates the rate-limit counters in shared memory and hands them to every
worker, so a limit holds for all of them together. It restarts a worker that dies after it
has served a while. A worker that dies within its first seconds is a start-up fault, not a
crash: the supervisor then stops the others and exits non-zero, so the host's supervisor
sees it. SIGINT and SIGTERM stop the workers gracefully.
"""

import multiprocessing
import signal
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import Any

from gateway.api.limits import SharedLimitState
from gateway.api.settings import GatewaySettings
from gateway.heap import HeapFreezer

STARTUP_GRACE_SECONDS = 10.0
STOP_SECONDS = 30.0
BACKLOG = 2048


def reuse_port_supported() -> bool:
    return hasattr(socket, "SO_REUSEPORT")


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` with SO_REUSEPORT, not listening yet."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise ValueError(f"cannot listen on {host}:{port}: {error.strerror}") from None
    return sock


def start_heap_freezer(settings: GatewaySettings) -> HeapFreezer:
    """Freeze what start-up built, then keep long-lived objects out of full collections."""
    freezer = HeapFreezer(settings.gc_freeze_seconds, settings.gc_reclaim_seconds)
    freezer.start()
    return freezer


def serve_one(
    host: str, port: int, options: dict[str, Any], shared_limits: SharedLimitState
) -> None:
    """One worker: its own SO_REUSEPORT socket, the app (limits shared with the others)."""
    import uvicorn

    from gateway.api.app import create_app

    sock = listening_socket(host, port)
    sock.listen(BACKLOG)
    settings = GatewaySettings()
    config = uvicorn.Config(create_app(settings, shared_limits=shared_limits), **options)
    start_heap_freezer(settings)
    uvicorn.Server(config).run(sockets=[sock])


@dataclass
class _Worker:
    process: BaseProcess
    started: float = field(default_factory=time.monotonic)


class Supervisor:
    """Starts ``count`` workers, restarts crashed ones, stops them all on a signal."""

    def __init__(self, host: str, port: int, count: int, options: dict[str, Any]) -> None:
        self._args = (host, port, options)
        self._count = count
        self._context = multiprocessing.get_context("spawn")
        self._shared_limits = SharedLimitState.create(self._context)
        self._stopping = threading.Event()
        self._workers: list[_Worker] = []

    def run(self) -> int:
        # Holding a bound (not listening) socket reserves the port for the workers and
        # fails fast, in one line, when another program has it.
        reservation = listening_socket(self._args[0], self._args[1])
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._on_signal)
        try:
            self._workers = [self._start() for _ in range(self._count)]
            return self._watch()
        finally:
            self._stop_all()
            reservation.close()

    def _on_signal(self, _signum: int, _frame: FrameType | None) -> None:
        self._stopping.set()

    def _start(self) -> _Worker:
        process = self._context.Process(
            target=serve_one, args=(*self._args, self._shared_limits), name="fundament-api"
        )
        process.start()
        return _Worker(process)

    def _watch(self) -> int:
        while not self._stopping.wait(0.5):
            for index, worker in enumerate(self._workers):
                if worker.process.is_alive():
                    continue
                code = worker.process.exitcode
                if time.monotonic() - worker.started < STARTUP_GRACE_SECONDS:
                    _say(f"a worker exited with code {code} while starting; stopping")
                    return 1
                _say(f"worker {worker.process.pid} exited with code {code}; starting another")
                self._workers[index] = self._start()
        return 0

    def _stop_all(self) -> None:
        for worker in self._workers:
            if worker.process.is_alive():
                worker.process.terminate()  # SIGTERM: uvicorn finishes what is in flight
        deadline = time.monotonic() + STOP_SECONDS
        for worker in self._workers:
            worker.process.join(max(0.0, deadline - time.monotonic()))
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()


def _say(message: str) -> None:
    print(f"fundament serve: {message}", file=sys.stderr, flush=True)  # noqa: T201
