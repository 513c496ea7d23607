"""Workload 3, pacing: does the client-side token bucket hold its rate and its burst?

A client configured with ``RateLimit(rate=R, burst=B)`` is kept busy for a fixed time by many
concurrent callers (far more demand than R). Requests are timed where they start on the wire.
The figures: the worst count in any 1-second window against R + B (the bound the interface
promises), and the achieved rate against R, counting the first B requests as the burst:
``(count - B) / (last start - first start)``, which is exactly R for a perfect bucket.
"""

from __future__ import annotations

import asyncio
import time
from typing import Final

from yandex_b2b_async import B2BClient, RateLimit, UserCreate

from ._common import Figure, Result, Settings, max_in_window, phone
from ._server import ServerProcess
from ._trace import traced_session

__all__ = ["run"]

TITLE: Final = "3. Pacing (client token bucket, rate R with burst B)"
RATE: Final = 200
BURST: Final = 20
CALLERS: Final = 64


async def run(settings: Settings) -> Result:
    """Drive the pacer at full demand and compare what started with R and B.

    Measured twice: with a burst of 20, and with the default burst of 1 (for half as long),
    where every start waits for its own token and any oversleep of the loop is lost rate.
    """
    result = Result(key="pacing", title=TITLE)
    duration = settings.pick_float(10.0, 3.0)
    async with ServerProcess() as server:
        async with B2BClient(server.token, base_url=server.url) as seeder:
            user_id = (
                await seeder.users.create(
                    UserCreate(
                        fullname="Paced",
                        phone=phone("33", 0),
                        is_active=True,
                        cost_centers_id=server.cost_center_id,
                    )
                )
            ).id
        for burst, seconds, claim in ((BURST, duration, True), (1, duration / 2, False)):
            starts = await _drive(server, user_id, burst, seconds)
            worst = max_in_window(starts, 1.0)
            span = starts[-1] - starts[0]
            achieved = (len(starts) - burst) / span if span > 0 else 0.0
            share = achieved / RATE
            result.details[f"burst_{burst}"] = {
                "rate": RATE,
                "burst": burst,
                "callers": CALLERS,
                "seconds": seconds,
                "requests": len(starts),
                "worst_1s_window": worst,
                "achieved_rate": achieved,
            }
            result.add(
                Figure(
                    name=f"R={RATE}, B={burst}: worst 1-s window",
                    value=worst,
                    unit="calls",
                    target=f"<= R+B = {RATE + burst}",
                    met=worst <= RATE + burst,
                    claim=claim,
                )
            )
            result.add(
                Figure(
                    name=f"R={RATE}, B={burst}: achieved rate / R",
                    value=round(share, 4),
                    target="within 3% of 1",
                    met=abs(share - 1.0) <= 0.03,
                    claim=claim,
                    note=f"{achieved:.1f} calls/s over {span:.1f} s, {len(starts)} calls",
                )
            )
    return result


async def _drive(server: ServerProcess, user_id: str, burst: int, seconds: float) -> list[float]:
    starts: list[float] = []
    async with (
        traced_session(starts) as session,
        B2BClient(
            server.token,
            base_url=server.url,
            session=session,
            rate_limit=RateLimit(rate=RATE, burst=burst),
        ) as client,
    ):
        # A quiet spell first so the bucket is full, as the burst promise assumes.
        await asyncio.sleep(burst / RATE + 0.1)
        deadline = time.monotonic() + seconds

        async def caller() -> None:
            while time.monotonic() < deadline:
                await client.users.get(user_id)

        await asyncio.gather(*(caller() for _ in range(CALLERS)))
    starts.sort()
    return starts
