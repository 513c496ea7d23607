"""A server that keeps a rate limit of a given shape, in a child process: ``python -m
benchmarks._limit_server``.

It answers every request at once — ``{"status": "ok"}`` (what an archive or an edit answers) or
a 429 — and does nothing else, so that what a run measures is how the client meets the limit,
not the sandbox's own cost. The shapes are those a real gateway keeps:

* ``bucket`` — a token bucket of ``rate`` a second holding ``burst`` (the most common);
* ``window`` — a fixed window: ``rate`` requests per whole second of the server's clock;
* ``connection`` — a token bucket per TCP connection (``rate`` and ``burst`` each);

and the ``Retry-After`` of its 429: ``seconds`` (whole seconds until a request would pass,
at least 1, as gateways round), ``date`` (an HTTP date: the same instant, to the second) or
``none`` (no header).

Protocol (as :mod:`benchmarks._server`): the child prints ``{"url": …}``; then for every
``{"op": NAME, "args": {…}}`` line on stdin it prints ``{"ok": true, "result": …}``. Ops:
``limit`` (set the shape: ``shape``, ``rate``, ``burst``, ``retry_after``; counters reset, the
buckets full), ``stats`` (requests, 429s). EOF on stdin stops it.
"""

from __future__ import annotations

import asyncio
import json
import math
import sys
import time
from email.utils import formatdate
from typing import Final, Self

from aiohttp import web

from ._child import ChildServer

__all__ = ["LimitServer"]

_OK: Final = b'{"status":"ok"}'
_REFUSED: Final = b'{"code":"too_many_requests","message":"Too many requests"}'


class _Bucket:
    __slots__ = ("burst", "rate", "stamp", "tokens")

    def __init__(self, rate: float, burst: int, now: float) -> None:
        self.rate = rate
        self.burst = burst
        self.tokens = float(burst)
        self.stamp = now

    def take(self, now: float) -> float:
        """0.0 when a token was there (taken), else the seconds until one will be."""
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / self.rate


class _Limit:
    """The shape in force and its counters."""

    def __init__(self, shape: str, rate: float, burst: int, retry_after: str) -> None:
        self.shape = shape
        self.rate = rate
        self.burst = burst
        self.retry_after = retry_after
        now = time.monotonic()
        self.bucket = _Bucket(rate, burst, now)
        self.per_connection: dict[int, _Bucket] = {}
        self.window = -1
        self.in_window = 0
        self.requests = 0
        self.refused = 0

    def wait(self, connection: int) -> float:
        """0.0 to let this request through, else the seconds until one would pass."""
        now = time.monotonic()
        if self.shape == "bucket":
            return self.bucket.take(now)
        if self.shape == "connection":
            bucket = self.per_connection.get(connection)
            if bucket is None:
                bucket = self.per_connection[connection] = _Bucket(self.rate, self.burst, now)
            return bucket.take(now)
        wall = time.time()
        window = int(wall)
        if window != self.window:
            self.window, self.in_window = window, 0
        if self.in_window < self.rate:
            self.in_window += 1
            return 0.0
        return window + 1 - wall

    def headers(self, wait: float) -> dict[str, str]:
        if self.retry_after == "none":
            return {}
        seconds = max(1, math.ceil(wait))
        if self.retry_after == "date":
            return {"Retry-After": formatdate(time.time() + seconds, usegmt=True)}
        return {"Retry-After": str(seconds)}


async def _child_main() -> None:
    limit = _Limit("bucket", 1e9, 1, "none")

    async def handle(request: web.BaseRequest) -> web.StreamResponse:
        limit.requests += 1
        await request.read()
        wait = limit.wait(id(request.transport))
        if wait > 0.0:
            limit.refused += 1
            return web.Response(
                status=429,
                body=_REFUSED,
                headers=limit.headers(wait),
                content_type="application/json",
            )
        return web.Response(body=_OK, content_type="application/json")

    server = web.Server(handle, access_log=None)
    loop = asyncio.get_running_loop()
    listener = await loop.create_server(server, "127.0.0.1", 0, backlog=1024)
    port = listener.sockets[0].getsockname()[1]

    def say(message: object) -> None:
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()

    say({"url": f"http://127.0.0.1:{port}"})
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while line := await reader.readline():
        command = json.loads(line)
        op, args = command["op"], command.get("args", {})
        if op == "limit":
            limit = _Limit(args["shape"], args["rate"], args["burst"], args["retry_after"])
            say({"ok": True, "result": None})
        elif op == "stats":
            say({"ok": True, "result": {"requests": limit.requests, "refused": limit.refused}})
        else:
            say({"ok": False, "error": f"unknown op {op!r}"})
    listener.close()
    await server.shutdown(1.0)


class LimitServer(ChildServer):
    """The parent's handle: ``async with LimitServer() as server: server.url …``."""

    url: str

    module = "benchmarks._limit_server"
    what = "limit server"

    async def __aenter__(self) -> Self:
        first = await self._start()
        if "url" not in first:
            await self.__aexit__(None, None, None)
            raise RuntimeError(f"the limit server did not start: {first.get('error', first)}")
        self.url = str(first["url"])
        return self

    async def limit(self, shape: str, rate: float, burst: int, retry_after: str) -> None:
        """Set the shape in force; the counters restart and the buckets are full."""
        await self.call("limit", shape=shape, rate=rate, burst=burst, retry_after=retry_after)

    async def stats(self) -> dict[str, int]:
        """Requests and 429s since the shape was set."""
        result = await self.call("stats")
        assert isinstance(result, dict)
        return {str(k): int(v) for k, v in result.items()}


if __name__ == "__main__":
    asyncio.run(_child_main())
