"""One worker process of the shared-pacing workload: ``python -m benchmarks._shared_worker JSON``.

It reads employees from the sandbox as fast as its pacer lets it, from ``start_at`` for
``seconds`` (both on ``time.monotonic()``, which is one clock for every process of a Linux
host), and prints one JSON line: when each request started on the wire, and when each 429
answer arrived. With ``redis_url`` its rate limit is the quota shared through Redis under
``key``; without, it paces itself alone.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from types import SimpleNamespace

import aiohttp

from yandex_b2b_async import B2BClient, RateLimit


async def work(config: dict[str, object]) -> dict[str, object]:
    starts: list[float] = []
    throttled: list[float] = []

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
        if params.response.status == 429:
            throttled.append(time.monotonic())

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(on_start)
    trace.on_request_end.append(on_end)
    redis_url = config.get("redis_url")
    shared: dict[str, object] = (
        {"redis_url": str(redis_url), "key": str(config["key"])} if redis_url else {}
    )
    limit = RateLimit(
        rate=float(config["rate"]),  # type: ignore[arg-type]
        burst=int(config["burst"]),  # type: ignore[call-overload]
        **shared,  # type: ignore[arg-type]
    )
    start_at = float(config["start_at"])  # type: ignore[arg-type]
    deadline = start_at + float(config["seconds"])  # type: ignore[arg-type]
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
        await asyncio.sleep(max(0.0, start_at - time.monotonic()))

        async def caller() -> None:
            while time.monotonic() < deadline:
                await client.users.get(user_id)

        await asyncio.gather(*(caller() for _ in range(int(config["callers"]))))  # type: ignore[call-overload]
    return {"starts": starts, "throttled": throttled}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(work(json.loads(sys.argv[1])))), flush=True)
