"""Workload 4, adaptive pacing: a server that throttles at R per second, a client that adapts.

The sandbox answers 429 beyond R requests a second (its own token bucket, one second's worth of
burst, ``Retry-After`` in whole seconds as it does by default). The client is configured at
twice R with ``adaptive=True`` (a user who does not know the server's limit) and kept busy by
many concurrent callers with the default retry policy. Every answer is timed where it ends on
the wire. The figures: goodput (successful answers per second over the run) / R, the share of
429 answers among all answers, and the time to settle — from the start until the last 1-second
window in which the goodput was under 0.9 R or more than 5% of the answers were 429 ("did not
settle" when that leaves less than 2 s of good windows before the run ends).
The chart shows the client's success rate and its pacer's current rate against the limit.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Final

import aiohttp

from yandex_b2b_async import B2BClient, RateLimit, UserCreate

from ._common import Figure, Result, Settings, phone
from ._server import ServerProcess

__all__ = ["run", "write_chart"]

TITLE: Final = "4. Adaptive pacing (server throttles at R/s; client configured at 2R)"
SERVER_RATE: Final = 100
CALLERS: Final = 32
BIN: Final = 0.25
# Settled means good 1-second windows for at least this long before the run ends.
SETTLED_FOR: Final = 2.0


async def run(settings: Settings) -> Result:
    """Run against the throttling sandbox; return goodput/R, the 429 share and the settle time."""
    result = Result(key="adaptive", title=TITLE)
    duration = settings.pick_float(10.0, 4.0)
    answers: list[tuple[float, int]] = []
    samples: list[tuple[float, float]] = []

    async def on_end(
        session: aiohttp.ClientSession,
        context: SimpleNamespace,
        params: aiohttp.TraceRequestEndParams,
    ) -> None:
        answers.append((time.monotonic(), params.response.status))

    trace = aiohttp.TraceConfig()
    trace.on_request_end.append(on_end)
    async with ServerProcess() as server:
        async with B2BClient(server.token, base_url=server.url) as seeder:
            user_id = (
                await seeder.users.create(
                    UserCreate(
                        fullname="Throttled",
                        phone=phone("44", 0),
                        is_active=True,
                        cost_centers_id=server.cost_center_id,
                    )
                )
            ).id
        await server.call("rate_limit", rate=SERVER_RATE)
        await asyncio.sleep(1.1)  # the server's bucket refills after the seeding call
        await server.call("reset_stats")
        async with (
            aiohttp.ClientSession(
                trace_configs=[trace], cookie_jar=aiohttp.DummyCookieJar()
            ) as session,
            B2BClient(
                server.token,
                base_url=server.url,
                session=session,
                rate_limit=RateLimit(rate=2 * SERVER_RATE, adaptive=True),
            ) as client,
        ):
            pacer = client.pacer
            started = time.monotonic()
            deadline = started + duration
            failures = 0

            async def caller() -> None:
                nonlocal failures
                while time.monotonic() < deadline:
                    try:
                        await client.users.get(user_id)
                    except Exception:
                        failures += 1

            async def sampler() -> None:
                while time.monotonic() < deadline:
                    rate = getattr(pacer, "current_rate", None)
                    if isinstance(rate, int | float):
                        samples.append((time.monotonic() - started, float(rate)))
                    await asyncio.sleep(0.1)

            await asyncio.gather(sampler(), *(caller() for _ in range(CALLERS)))
            ended = time.monotonic()
        server_stats = await server.stats()
    span = ended - started
    ok_times = [t - started for t, status in answers if status == 200 and t <= ended]
    throttled = sum(1 for _, status in answers if status == 429)
    goodput = len(ok_times) / span
    share_429 = throttled / len(answers) if answers else 0.0
    settle = _settle_time(answers, started, span)
    episodes = _episodes([t for t, status in answers if status == 429])
    bins = int(span / BIN) + 1
    ok_per_bin = [0] * bins
    throttled_per_bin = [0] * bins
    for t, status in answers:
        index = min(bins - 1, max(0, int((t - started) / BIN)))
        if status == 200:
            ok_per_bin[index] += 1
        elif status == 429:
            throttled_per_bin[index] += 1
    result.details = {
        "server_rate": SERVER_RATE,
        "client_rate": 2 * SERVER_RATE,
        "seconds": span,
        "answers": len(answers),
        "ok": len(ok_times),
        "throttled": throttled,
        "server_throttled": server_stats.get("throttled"),
        "failed_calls": failures,
        "bin_seconds": BIN,
        "ok_per_bin": ok_per_bin,
        "throttled_per_bin": throttled_per_bin,
        "pacer_rate_samples": samples,
    }
    result.add(
        Figure(
            name="goodput / R",
            value=round(goodput / SERVER_RATE, 3),
            target=">= 0.9",
            met=goodput / SERVER_RATE >= 0.9,
            note=f"{goodput:.1f} ok/s against R={SERVER_RATE}/s over {span:.1f} s",
        )
    )
    result.add(
        Figure(
            name="share of answers that were 429",
            value=round(share_429 * 100, 2),
            unit="%",
            target="<= 5%",
            met=share_429 <= 0.05,
            note=f"{throttled} of {len(answers)}; {failures} calls failed after retries",
        )
    )
    result.add(
        Figure(
            name="time to settle",
            value=None if settle is None else round(settle, 2),
            unit="s",
            note=(
                f"did not settle within the run: 429 in {episodes} separate episodes"
                if settle is None
                else f"429 in {episodes} separate episodes"
            ),
        )
    )
    return result


def _settle_time(answers: list[tuple[float, int]], started: float, span: float) -> float | None:
    """End of the last 1-second window (stepping by ``BIN``) that misses a target."""
    last_bad: float | None = None
    t = 0.0
    while t + 1.0 <= span + 1e-9:
        window = [status for moment, status in answers if t <= moment - started < t + 1.0]
        ok = sum(1 for status in window if status == 200)
        throttled = sum(1 for status in window if status == 429)
        if ok < 0.9 * SERVER_RATE or (window and throttled / len(window) > 0.05):
            last_bad = t + 1.0
        t += BIN
    if last_bad is None:
        return 0.0
    if last_bad > span - SETTLED_FOR:
        return None
    return last_bad


def _episodes(times: list[float], gap: float = 0.5) -> int:
    """How many clusters the 429 answers form (answers less than ``gap`` apart are one)."""
    times = sorted(times)
    return sum(1 for i, t in enumerate(times) if i == 0 or t - times[i - 1] >= gap)


def write_chart(result: Result, path: Path) -> bool:
    """Draw the adaptive run to ``path`` (PNG); False when matplotlib is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    details = result.details
    bin_seconds = float(details["bin_seconds"])  # type: ignore[arg-type]
    ok = list(details["ok_per_bin"])  # type: ignore[call-overload]
    throttled = list(details["throttled_per_bin"])  # type: ignore[call-overload]
    samples = list(details["pacer_rate_samples"])  # type: ignore[call-overload]
    xs = [(i + 0.5) * bin_seconds for i in range(len(ok))]
    figure, axes = plt.subplots(figsize=(8.5, 3.2), dpi=100)
    axes.plot(xs, [v / bin_seconds for v in ok], label="successful calls/s (client)", lw=1.5)
    if samples:
        axes.plot(
            [s[0] for s in samples], [s[1] for s in samples], label="pacer current_rate", lw=1.2
        )
    axes.bar(
        xs,
        [v / bin_seconds for v in throttled],
        width=bin_seconds * 0.8,
        color="tab:red",
        alpha=0.5,
        label="429 answers/s",
    )
    axes.axhline(SERVER_RATE, color="black", ls="--", lw=1, label=f"server limit R={SERVER_RATE}/s")
    axes.set_xlabel("seconds")
    axes.set_ylabel("calls per second")
    axes.set_title("Adaptive pacing against a server limit")
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    plt.close(figure)
    return True
