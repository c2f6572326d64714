"""A minimal HTTP/1.1 keep-alive client on asyncio streams, the benchmark's default client.

httpx spends about 4 ms of CPU per request on this box, more than the gateway spends on
many requests; with client and gateway sharing two CPUs that would measure the client. This
one only writes the request and reads a ``Content-Length`` answer (all the gateway sends),
so nearly all the CPU left goes to the gateway. ``--client httpx`` measures with httpx.
"""

import asyncio
import json as jsonlib
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx

CLIENT_ERRORS = (OSError, asyncio.IncompleteReadError, httpx.HTTPError)


class Answer(Protocol):
    @property
    def status_code(self) -> int: ...

    def json(self) -> Any: ...


class Client(Protocol):
    async def post(self, path: str, *, json: Any, headers: dict[str, str]) -> Answer: ...

    async def get(self, path: str, *, headers: dict[str, str]) -> Answer: ...

    async def aclose(self) -> None: ...


class RawAnswer:
    def __init__(self, status_code: int, body: bytes) -> None:
        self.status_code = status_code
        self.body = body

    def json(self) -> Any:
        return jsonlib.loads(self.body)


Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]


class RawClient:
    """Up to ``connections`` keep-alive connections; a request waits for a free one."""

    def __init__(self, base_url: str, connections: int) -> None:
        parts = urlsplit(base_url)
        self._host, self._port = parts.hostname or "127.0.0.1", parts.port or 80
        self._slots = asyncio.Semaphore(connections)
        self._idle: list[Connection] = []

    async def post(self, path: str, *, json: Any, headers: dict[str, str]) -> RawAnswer:
        return await self._request("POST", path, jsonlib.dumps(json).encode(), headers)

    async def get(self, path: str, *, headers: dict[str, str]) -> RawAnswer:
        return await self._request("GET", path, None, headers)

    async def aclose(self) -> None:
        for _, writer in self._idle:
            writer.close()
        self._idle.clear()

    async def _request(
        self, method: str, path: str, body: bytes | None, headers: dict[str, str]
    ) -> RawAnswer:
        async with self._slots:
            if self._idle:
                connection = self._idle.pop()
            else:
                connection = await asyncio.open_connection(self._host, self._port)
            try:
                answer = await self._exchange(connection, method, path, body, headers)
            except BaseException:
                connection[1].close()
                raise
            self._idle.append(connection)
            return answer

    async def _exchange(
        self,
        connection: Connection,
        method: str,
        path: str,
        body: bytes | None,
        headers: dict[str, str],
    ) -> RawAnswer:
        reader, writer = connection
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self._host}:{self._port}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        if body is not None:
            lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b""))
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        length = 0
        for line in head[1:]:
            name, _, value = line.partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "transfer-encoding":
                raise ValueError("chunked answers are not supported by this client")
        return RawAnswer(int(head[0].split(" ", 2)[1]), await reader.readexactly(length))


def open_client(kind: str, base_url: str, connections: int) -> Client:
    """The ``raw`` client above or an ``httpx`` AsyncClient, with ``connections`` connections."""
    if kind == "raw":
        return RawClient(base_url, connections)
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    return httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60.0)
