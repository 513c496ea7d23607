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
    """Drive the pacer at full demand and compare what started with R and B."""
    result = Result(key="pacing", title=TITLE)
    duration = settings.pick_float(10.0, 3.0)
    starts: list[float] = []
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
        async with (
            traced_session(starts) as session,
            B2BClient(
                server.token,
                base_url=server.url,
                session=session,
                rate_limit=RateLimit(rate=RATE, burst=BURST),
            ) as client,
        ):
            # A quiet spell first so the bucket is full, as the burst promise assumes.
            await asyncio.sleep(BURST / RATE + 0.1)
            deadline = time.monotonic() + duration

            async def caller() -> None:
                while time.monotonic() < deadline:
                    await client.users.get(user_id)

            await asyncio.gather(*(caller() for _ in range(CALLERS)))
    starts.sort()
    worst = max_in_window(starts, 1.0)
    span = starts[-1] - starts[0]
    achieved = (len(starts) - BURST) / span if span > 0 else 0.0
    share = achieved / RATE
    result.details = {
        "rate": RATE,
        "burst": BURST,
        "callers": CALLERS,
        "seconds": duration,
        "requests": len(starts),
        "worst_1s_window": worst,
        "achieved_rate": achieved,
    }
    result.add(
        Figure(
            name=f"worst 1-s window (R={RATE}, B={BURST})",
            value=worst,
            unit="calls",
            target=f"<= R+B = {RATE + BURST}",
            met=worst <= RATE + BURST,
        )
    )
    result.add(
        Figure(
            name="achieved rate / R",
            value=round(share, 4),
            target="within 3% of 1",
            met=abs(share - 1.0) <= 0.03,
            note=f"{achieved:.1f} calls/s over {span:.1f} s, {len(starts)} calls",
        )
    )
    return result
