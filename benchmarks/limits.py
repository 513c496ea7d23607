"""Workload 10, server limits: N archive calls against every shape of limit a server keeps,
side by side with raw aiohttp, yandex-b2b-go and aiohttp + tenacity.

A server (:mod:`benchmarks._limit_server`, in a child process, answering at once) keeps one
limit at a time — a token bucket of 100 calls/s with a burst of 10 or of 100, a fixed
one-second window of 100, a bucket whose 429 carries no ``Retry-After`` or an HTTP date, a
bucket per connection — and every client sends the same N ``POST /users/archive`` calls from
``CONCURRENCY`` tasks, each with its defaults:

* raw aiohttp (absolute URLs) and yandex-b2b-go: one attempt each, a 429 is a failure;
* aiohttp + tenacity: 8 attempts, full-jitter exponential backoff (0.5 s doubling, up to 8 s),
  ``Retry-After`` not read — the loop a service engineer writes in ten lines;
* this library with no options at all, with ``RateLimit(rate=2R, adaptive=True)`` (a user
  who guessed the rate twice too high), and with the server's own rate and burst (a user who
  knows the limit: what the ideal looks like when nothing has to be found out);
* three processes sharing one adaptive quota through Redis (``redis-server`` on loopback),
  each sending a third of the calls.

For each: calls that succeeded out of N, the wall time against the ideal (the time the limit
itself imposes: ``(N - burst) / rate``), requests sent and 429s received (counted on the
server). The targets (issue 22): this library with its defaults gets N/N under every shape, in
at most 1.15 times the ideal, with fewer 429s than tenacity.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import json
import os
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import aiohttp
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt
from tenacity import wait_random_exponential as full_jitter

from yandex_b2b_async import B2BClient, RateLimit

from ._common import Figure, Result, Settings, gather_limited
from ._limit_server import LimitServer
from ._redis import RedisProcess
from ._server import NotRun

__all__ = ["run"]

TITLE: Final = "10. Server limits (archive calls against each shape of limit, side by side)"
CONCURRENCY: Final = 32
RATE: Final = 100
TOKEN: Final = "bench-token"

OURS: Final = "this library (defaults)"
ADAPTIVE: Final = "this library, RateLimit(2R, adaptive)"
KNOWN: Final = "this library, RateLimit(R, burst=B)"
SHARED: Final = "3 processes, one Redis quota, RateLimit(2R, adaptive)"
PROCESSES: Final = 3
_REPO: Final = Path(__file__).resolve().parent.parent
TENACITY: Final = "aiohttp + tenacity"


@dataclass(frozen=True)
class Shape:
    """One limit: what the server keeps and how its 429 says when to come back."""

    label: str
    shape: str
    burst: int
    retry_after: str
    quick: bool = False
    rate: float = RATE

    def ideal(self, n: int) -> float | None:
        """Seconds the limit itself imposes on ``n`` calls (None: depends on the client)."""
        if self.shape == "connection":
            return None
        return max(0, n - self.burst) / RATE


SHAPES: Final = (
    Shape("bucket 100/s, burst 10, Retry-After seconds", "bucket", 10, "seconds", quick=True),
    Shape("bucket 100/s, burst 100, Retry-After seconds", "bucket", 100, "seconds"),
    Shape("window of 100 per second, Retry-After seconds", "window", RATE, "seconds"),
    Shape("bucket 100/s, burst 10, no Retry-After", "bucket", 10, "none", quick=True),
    Shape("bucket 100/s, burst 10, Retry-After HTTP date", "bucket", 10, "date"),
    Shape("bucket 10/s per connection, burst 1", "connection", 1, "seconds", rate=10),
)


class _Throttled(Exception):
    """A 429 in the tenacity loop."""


Call = Callable[[str], Awaitable[None]]


async def run(settings: Settings) -> Result:
    """Every shape, every client, one after the other against one server."""
    result = Result(key="limits", title=TITLE)
    n = settings.pick(600, 200)
    shapes = [shape for shape in SHAPES if shape.quick or not settings.quick]
    ids = [f"user-{i:06d}" for i in range(n)]
    async with contextlib.AsyncExitStack() as stack:
        server = await stack.enter_async_context(LimitServer())
        redis: RedisProcess | None = None
        try:
            redis = await stack.enter_async_context(RedisProcess())
        except NotRun as reason:
            result.details["shared"] = f"not run: {reason}"
        for shape in shapes:
            rows: dict[str, dict[str, float]] = {}
            for name, make in _clients(server.url, shape):
                await server.limit(shape.shape, shape.rate, shape.burst, shape.retry_after)
                async with make() as call:

                    async def one(i: int, call: Call = call) -> None:
                        await call(ids[i])

                    elapsed, errors = await gather_limited(one, n, CONCURRENCY)
                stats = await server.stats()
                rows[name] = {
                    "ok": n - len(errors),
                    "wall": elapsed,
                    "requests": stats["requests"],
                    "throttled": stats["refused"],
                }
                await asyncio.sleep(0.2)  # connections wind down before the next client
            if redis is not None and shape.shape != "connection":
                await server.limit(shape.shape, shape.rate, shape.burst, shape.retry_after)
                elapsed, ok = await _shared(server.url, redis.url, shape, n)
                stats = await server.stats()
                rows[SHARED] = {
                    "ok": ok,
                    "wall": elapsed,
                    "requests": stats["requests"],
                    "throttled": stats["refused"],
                }
            result.details[shape.label] = rows
            _figures(result, shape, n, rows)
    return result


def _figures(result: Result, shape: Shape, n: int, rows: dict[str, dict[str, float]]) -> None:
    ideal = shape.ideal(n)
    tenacity_429 = rows[TENACITY]["throttled"]
    for name, row in rows.items():
        wall = row["wall"]
        ratio = None if ideal is None or ideal <= 0 else round(wall / ideal, 2)
        note = (
            f"{int(row['ok'])}/{n} ok in {wall:.1f} s"
            + ("" if ideal is None else f" (ideal {ideal:.1f} s)")
            + f", {int(row['requests'])} requests, {int(row['throttled'])} x 429"
        )
        ours = name == OURS
        adaptive = name in (ADAPTIVE, SHARED)
        met = None
        target = ""
        if ours and ideal is not None:
            target = "N/N, <= 1.15 x ideal, fewer 429s than tenacity"
            met = (
                row["ok"] == n
                and ratio is not None
                and ratio <= 1.15
                and row["throttled"] < max(tenacity_429, 1)
            )
        elif adaptive and ideal is not None:
            # Goodput against what the limit allows over the same time, and the 429 share.
            goodput = row["ok"] / max(wall, 1e-9)
            allowed = (shape.burst + shape.rate * wall) / max(wall, 1e-9)
            share_429 = row["throttled"] / max(row["requests"], 1)
            target = "goodput >= 0.9 of what the limit allows, <= 5% answered 429"
            met = row["ok"] == n and goodput >= 0.9 * allowed and share_429 <= 0.05
            note += f"; goodput {goodput / allowed:.2f} of the limit, {share_429:.1%} 429"
        result.add(
            Figure(
                name=f"{shape.label}: {name}",
                value=ratio,
                unit="x ideal" if ratio is not None else "",
                target=target,
                met=met,
                claim=bool(target),
                note=note,
            )
        )


class _Client:
    """An async context manager giving a client's one call (``call(user_id)``)."""

    def __init__(self, enter: Callable[[], Awaitable[tuple[Call, Callable[[], Awaitable[None]]]]]):
        self._enter = enter
        self._close: Callable[[], Awaitable[None]] | None = None

    async def __aenter__(self) -> Call:
        call, self._close = await self._enter()
        return call

    async def __aexit__(self, *exc: object) -> None:
        if self._close is not None:
            await self._close()


def _clients(url: str, shape: Shape) -> list[tuple[str, Callable[[], _Client]]]:
    api = f"{url}/integration/2.0"
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}

    async def raw() -> tuple[Call, Callable[[], Awaitable[None]]]:
        session = aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar())

        async def call(user_id: str) -> None:
            async with session.post(
                f"{api}/users/archive?user_id={user_id}", headers=headers
            ) as reply:
                await reply.read()
                if reply.status != 200:
                    raise RuntimeError(f"HTTP {reply.status}")

        return call, session.close

    async def tenacious() -> tuple[Call, Callable[[], Awaitable[None]]]:
        session = aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar())

        async def once(user_id: str) -> None:
            async with session.post(
                f"{api}/users/archive?user_id={user_id}", headers=headers
            ) as reply:
                await reply.read()
                if reply.status == 429:
                    raise _Throttled
                if reply.status != 200:
                    raise RuntimeError(f"HTTP {reply.status}")

        async def call(user_id: str) -> None:
            async for attempt in AsyncRetrying(
                stop=stop_after_attempt(8),
                wait=full_jitter(multiplier=0.5, max=8),
                retry=retry_if_exception_type(_Throttled),
                reraise=True,
            ):
                with attempt:
                    await once(user_id)

        return call, session.close

    def ours(
        rate_limit: RateLimit | None,
    ) -> Callable[[], Awaitable[tuple[Call, Callable[[], Awaitable[None]]]]]:
        async def enter() -> tuple[Call, Callable[[], Awaitable[None]]]:
            client = B2BClient(TOKEN, base_url=url, rate_limit=rate_limit)

            async def call(user_id: str) -> None:
                await client.users.archive(user_id)

            return call, client.close

        return enter

    clients: list[tuple[str, Callable[[], _Client]]] = [("raw aiohttp", lambda: _Client(raw))]
    if importlib.util.find_spec("yandex_b2b_go") is not None:

        async def sdk() -> tuple[Call, Callable[[], Awaitable[None]]]:
            import yandex_b2b_go

            client = yandex_b2b_go.Client(TOKEN)
            # The SDK has no option for its host; a private attribute is the only way in.
            client._base_url = f"{api}/"
            users = yandex_b2b_go.UserManager(client)

            async def call(user_id: str) -> None:
                await users.archive(user_id)

            async def close() -> None:
                await client.__aexit__(None, None, None)

            return call, close

        clients.append(("yandex-b2b-go", lambda: _Client(sdk)))
    clients += [
        (TENACITY, lambda: _Client(tenacious)),
        (OURS, lambda: _Client(ours(None))),
        (ADAPTIVE, lambda: _Client(ours(RateLimit(rate=2 * RATE, adaptive=True)))),
    ]
    if shape.shape != "connection":
        known = RateLimit(rate=shape.rate, burst=shape.burst)
        clients.append((KNOWN, lambda: _Client(ours(known))))
    return clients


async def _shared(url: str, redis_url: str, shape: Shape, n: int) -> tuple[float, int]:
    """Three processes on one adaptive Redis quota, a third of the calls each: the wall time
    from their common start to the last call's end, and how many calls succeeded."""
    key = f"limits-{shape.shape}-{shape.burst}-{shape.retry_after}-{time.time_ns()}"
    env = {**os.environ, "PYTHONPATH": str(_REPO)}
    workers = []
    for index in range(PROCESSES):
        config = {
            "url": url,
            "redis_url": redis_url,
            "key": key,
            "rate": 2 * RATE,
            "count": n // PROCESSES + (1 if index < n % PROCESSES else 0),
            "concurrency": CONCURRENCY // PROCESSES,
            "prefix": f"p{index}-",
        }
        workers.append(
            await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "benchmarks._limit_worker",
                json.dumps(config),
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                cwd=str(_REPO),
                env=env,
            )
        )
    for worker in workers:
        assert worker.stdout is not None
        ready = await worker.stdout.readline()
        if ready.strip() != b"ready":
            raise RuntimeError(f"a limits worker did not start: {ready!r}")
    start = time.monotonic() + 0.2
    for worker in workers:
        assert worker.stdin is not None
        worker.stdin.write(f"{start}\n".encode())
        await worker.stdin.drain()
    ok = 0
    ended = start
    for worker in workers:
        out, _ = await worker.communicate()
        report = json.loads(out.decode().strip().splitlines()[-1])
        ok += int(report["ok"])
        ended = max(ended, float(report["ended"]))
    return ended - start, ok
