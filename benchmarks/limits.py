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
  knows the limit: what the ideal looks like when nothing has to be found out).

For each: calls that succeeded out of N, the wall time against the ideal (the time the limit
itself imposes: ``(N - burst) / rate``), requests sent and 429s received (counted on the
server). The targets (issue 22): this library with its defaults gets N/N under every shape, in
at most 1.15 times the ideal, with fewer 429s than tenacity.
"""

from __future__ import annotations

import asyncio
import importlib.util
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Final

import aiohttp
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt
from tenacity import wait_random_exponential as full_jitter

from yandex_b2b_async import B2BClient, RateLimit

from ._common import Figure, Result, Settings, gather_limited
from ._limit_server import LimitServer

__all__ = ["run"]

TITLE: Final = "10. Server limits (archive calls against each shape of limit, side by side)"
CONCURRENCY: Final = 32
RATE: Final = 100
TOKEN: Final = "bench-token"

OURS: Final = "this library (defaults)"
ADAPTIVE: Final = "this library, RateLimit(2R, adaptive)"
KNOWN: Final = "this library, RateLimit(R, burst=B)"
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
    async with LimitServer() as server:
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
        met = None
        if ours:
            met = (
                row["ok"] == n
                and (ratio is None or ratio <= 1.15)
                and row["throttled"] < max(tenacity_429, 1)
            )
        result.add(
            Figure(
                name=f"{shape.label}: {name}",
                value=ratio,
                unit="x ideal" if ratio is not None else "",
                target="N/N, <= 1.15 x ideal, fewer 429s than tenacity" if ours else "",
                met=met,
                claim=ours,
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
