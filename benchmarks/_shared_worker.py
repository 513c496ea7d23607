"""One worker process of the shared-pacing workload: ``python -m benchmarks._shared_worker JSON``.

Once its client is ready it prints ``ready`` and reads the start time from stdin (so that every
worker starts together however long the interpreters took to import); then it reads employees
from the sandbox as fast as its pacer lets it, from that time for ``seconds`` (both on
``time.monotonic()``, one clock for every process of a Linux host), and prints one JSON line:
when each request started on the wire, when each 429 or 503 answer arrived, and (sharing) when the
pause it caused could first be read from Redis. With ``redis_url`` its rate limit is the quota
shared through Redis under ``key``; without, it paces itself alone.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from types import SimpleNamespace

import aiohttp
from redis.asyncio import Redis

from yandex_b2b_async import B2BClient, RateLimit
from yandex_b2b_async.pacing.redis_quota import quota_keys


async def _watch_pause(client: Redis, key: str, seen: list[float]) -> None:
    """Note when the quota's pause key first exists (polled every 0.2 ms, for 2 s at most)."""
    pause_key = quota_keys(key)[1]
    for _ in range(10_000):
        if await client.exists(pause_key):
            seen.append(time.monotonic())
            return
        await asyncio.sleep(0.0002)


async def work(config: dict[str, object]) -> dict[str, object]:
    starts: list[float] = []
    throttled: list[float] = []
    visible: list[float] = []
    watchers: list[asyncio.Task[None]] = []
    redis_url = config.get("redis_url")
    # Connected before the start: a connection made when the 429 comes would be late.
    watcher = Redis.from_url(str(redis_url)) if redis_url else None
    if watcher is not None:
        await watcher.ping()

    async def on_start(
        session: aiohttp.ClientSession,
        context: SimpleNamespace,
        params: aiohttp.TraceRequestStartParams,
    ) -> None:
        starts.append(time.monotonic())

    async def on_end(
        session: aiohttp.ClientSession,
        context: SimpleNamespace,
        params: aiohttp.TraceRequestEndParams,
    ) -> None:
        if params.response.status in (429, 503):
            throttled.append(time.monotonic())
            if watcher is not None and not watchers:
                watch = _watch_pause(watcher, str(config["key"]), visible)
                watchers.append(asyncio.ensure_future(watch))

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(on_start)
    trace.on_request_end.append(on_end)
    shared: dict[str, object] = (
        {"redis_url": str(redis_url), "key": str(config["key"])} if redis_url else {}
    )
    limit = RateLimit(
        rate=float(config["rate"]),  # type: ignore[arg-type]
        burst=int(config["burst"]),  # type: ignore[call-overload]
        **shared,  # type: ignore[arg-type]
    )
    user_id = str(config["user_id"])
    async with (
        aiohttp.ClientSession(
            trace_configs=[trace],
            cookie_jar=aiohttp.DummyCookieJar(),
            connector=aiohttp.TCPConnector(limit=64),
        ) as session,
        B2BClient(
            str(config["token"]), base_url=str(config["url"]), session=session, rate_limit=limit
        ) as client,
    ):
        print("ready", flush=True)
        line = await asyncio.to_thread(sys.stdin.readline)
        start_at = float(line)
        deadline = start_at + float(config["seconds"])  # type: ignore[arg-type]
        await asyncio.sleep(max(0.0, start_at - time.monotonic()))

        async def caller() -> None:
            while time.monotonic() < deadline:
                await client.users.get(user_id)

        await asyncio.gather(*(caller() for _ in range(int(config["callers"]))))  # type: ignore[call-overload]
    for watch in watchers:
        await watch
    if watcher is not None:
        await watcher.aclose()
    return {"starts": starts, "throttled": throttled, "pause_visible": visible}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(work(json.loads(sys.argv[1])))), flush=True)
