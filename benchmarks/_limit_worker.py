"""One process of the server-limits workload's shared run: ``python -m benchmarks._limit_worker
JSON``.

It builds a client on the quota shared through Redis (``RateLimit(rate, adaptive=True,
redis_url, key)``), prints ``ready``, reads the start time from stdin (``time.monotonic()``,
one clock for every process of a Linux host), sends its ``count`` archive calls from
``concurrency`` tasks, and prints one JSON line: how many succeeded and when the last ended.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

from yandex_b2b_async import B2BClient, RateLimit


async def work(config: dict[str, object]) -> dict[str, object]:
    limit = RateLimit(
        rate=float(config["rate"]),  # type: ignore[arg-type]
        adaptive=True,
        redis_url=str(config["redis_url"]),
        key=str(config["key"]),
    )
    count = int(config["count"])  # type: ignore[call-overload]
    concurrency = int(config["concurrency"])  # type: ignore[call-overload]
    prefix = str(config["prefix"])
    async with B2BClient("bench-token", base_url=str(config["url"]), rate_limit=limit) as client:
        print("ready", flush=True)
        start_at = float(await asyncio.to_thread(sys.stdin.readline))
        await asyncio.sleep(max(0.0, start_at - time.monotonic()))
        semaphore = asyncio.Semaphore(concurrency)

        async def one(i: int) -> bool:
            async with semaphore:
                try:
                    await client.users.archive(f"{prefix}{i:06d}")
                except Exception:
                    return False
                return True

        outcomes = await asyncio.gather(*(one(i) for i in range(count)))
        ended = time.monotonic()
    return {"ok": sum(outcomes), "ended": ended}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(work(json.loads(sys.argv[1])))), flush=True)
