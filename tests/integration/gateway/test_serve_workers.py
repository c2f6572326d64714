"""``fundament serve --workers N`` as real processes: every worker takes connections (the
kernel deals them out over the workers' SO_REUSEPORT sockets), a worker that dies is
replaced, a port another program holds is refused in one line, and SIGTERM stops them all."""

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from gateway.workers import STARTUP_GRACE_SECONDS
from tests.integration.gateway.test_serve import FUNDAMENT, cli_env, fundament, wait_until_serving
from tests.support.broker import free_port

CONNECTIONS = 24
CLIENT_LIMIT = 10


def children_of(parent: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
            found.add(int(entry.name))
    return found


def socket_inodes(pid: int) -> set[int]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[8:-1]))
    return inodes


def server_inode_by_client_port(server_port: int) -> dict[int, int]:
    """For each established connection to ``server_port``: the client port → the inode of
    the server's end of it (from /proc/net/tcp, so no extra tools are needed)."""
    found = {}
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local_port = int(fields[1].split(":")[1], 16)
        remote_port = int(fields[2].split(":")[1], 16)
        if local_port == server_port and fields[3] == "01":  # 01: ESTABLISHED
            found[remote_port] = int(fields[9])
    return found


def workers_holding(connections: list[socket.socket], port: int, workers: set[int]) -> set[int]:
    by_client_port = server_inode_by_client_port(port)
    inodes = {pid: socket_inodes(pid) for pid in workers}
    holders = set()
    for conn in connections:
        inode = by_client_port[conn.getsockname()[1]]
        holders |= {pid for pid, held in inodes.items() if inode in held}
    return holders


def read_status(conn: socket.socket) -> int:
    """Read one whole answer (head and Content-Length body) and return its status."""
    received = b""
    while b"\r\n\r\n" not in received:
        received += conn.recv(65536)
    head, _, body = received.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    length = next(
        int(v) for n, _, v in (h.partition(":") for h in lines) if n.lower() == "content-length"
    )
    while len(body) < length:
        body += conn.recv(65536)
    return int(lines[0].split(" ", 2)[1])


def open_connections(port: int, count: int) -> list[socket.socket]:
    """``count`` keep-alive connections, each with one answered request (so accepted)."""
    connections = []
    for _ in range(count):
        conn = socket.create_connection(("127.0.0.1", port), timeout=10)
        conn.sendall(b"GET /patterns/workflows HTTP/1.1\r\nHost: test\r\n\r\n")
        assert read_status(conn) == 401
        connections.append(conn)
    return connections


def workers_of(parent: int) -> set[int]:
    return {pid for pid in children_of(parent) if not _is_tracker(pid)}


def wait_for_workers(parent: int, count: int, timeout: float = 20.0) -> set[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        workers = workers_of(parent)
        if len(workers) == count:
            return workers
        time.sleep(0.1)
    pytest.fail(f"expected {count} worker processes, found {workers_of(parent)}")


def _is_tracker(pid: int) -> bool:
    # multiprocessing's resource tracker is a child too, but serves nothing.
    try:
        return b"resource_tracker" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


@pytest.fixture
def two_workers(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], int]]:
    port = free_port()
    server = subprocess.Popen(
        [FUNDAMENT, "serve", "--port", str(port), "--workers", "2", "--no-access-log"],
        env=cli_env(tmp_path / "data", FUNDAMENT_CLIENT_RATE_LIMIT=f"{CLIENT_LIMIT}/hour"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_until_serving(server, f"http://127.0.0.1:{port}")
        yield server, port
    finally:
        left = children_of(server.pid)
        if server.poll() is None:
            server.kill()
            server.wait(timeout=10)
        for pid in left:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if server.stdout is not None:
            server.stdout.close()


def test_connections_spread_over_both_workers_and_sigterm_stops_them_all(
    two_workers: tuple[subprocess.Popen[str], int],
) -> None:
    server, port = two_workers
    workers = wait_for_workers(server.pid, 2)
    connections = open_connections(port, CONNECTIONS)
    try:
        # All 24 on one worker by chance: 2 in 2**24 runs.
        assert workers_holding(connections, port, workers) == workers
    finally:
        for conn in connections:
            conn.close()

    server.send_signal(signal.SIGTERM)

    assert server.wait(timeout=40) == 0
    assert server.stdout is not None
    output = server.stdout.read()
    assert output.count("Application shutdown complete") == 2, output
    assert "Traceback" not in output
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers)


def status_of_request(conn: socket.socket, token: str) -> int:
    conn.sendall(
        b"GET /patterns/workflows HTTP/1.1\r\nHost: test\r\n"
        + f"Authorization: Bearer {token}\r\n\r\n".encode()
    )
    return read_status(conn)


def test_the_workers_enforce_one_rate_limit_between_them(
    two_workers: tuple[subprocess.Popen[str], int], tmp_path: Path
) -> None:
    server, port = two_workers
    workers = wait_for_workers(server.pid, 2)
    issued = fundament(
        "token", "--sub", "busy-client", "--tenant", "acme:auditor", env=cli_env(tmp_path / "data")
    )
    assert issued.returncode == 0, issued.stderr
    connections = open_connections(port, CONNECTIONS)
    try:
        assert workers_holding(connections, port, workers) == workers
        statuses = [status_of_request(conn, issued.stdout.strip()) for conn in connections]
    finally:
        for conn in connections:
            conn.close()

    # Counted per worker, both workers would each let CLIENT_LIMIT through.
    assert statuses[:CLIENT_LIMIT] == [200] * CLIENT_LIMIT
    assert statuses[CLIENT_LIMIT:] == [429] * (CONNECTIONS - CLIENT_LIMIT)


def test_a_worker_that_dies_is_replaced(two_workers: tuple[subprocess.Popen[str], int]) -> None:
    server, port = two_workers
    workers = wait_for_workers(server.pid, 2)
    time.sleep(STARTUP_GRACE_SECONDS)  # a death before this counts as a start-up fault
    victim = min(workers)

    os.kill(victim, signal.SIGKILL)

    deadline = time.monotonic() + 20
    while workers_of(server.pid) & {victim} or len(workers_of(server.pid)) < 2:
        assert time.monotonic() < deadline, "the dead worker was not replaced"
        time.sleep(0.2)
    wait_until_serving(server, f"http://127.0.0.1:{port}")
    answered = [httpx.get(f"http://127.0.0.1:{port}/patterns/workflows") for _ in range(10)]
    assert {a.status_code for a in answered} == {401}
    assert server.poll() is None


def test_a_port_another_program_holds_is_refused_in_one_line(tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]

        refused = fundament(
            "serve", "--port", str(port), "--workers", "2", env=cli_env(tmp_path / "data")
        )

    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines() == [
        f"fundament: cannot listen on 127.0.0.1:{port}: Address already in use"
    ]
