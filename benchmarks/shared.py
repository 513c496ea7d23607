"""Workload 9, shared pacing: one quota for several processes, through Redis.

Side by side, in one run, against one sandbox (a child process) and one ``redis-server`` on
loopback:

* **rate**: 4 worker processes, each configured ``RateLimit(rate=R, burst=B)`` and kept busy by
  many callers, first sharing the quota through Redis, then each pacing itself alone. Requests
  are timed where they start on the wire, on the host's monotonic clock (one clock for every
  process). Figures: the aggregate rate against R — counting the first B requests as the burst:
  ``(count - B) / (last start - first start)`` — and the worst count in any 1-second window
  against R + B; unshared, the same figures against 4R.
* **pause**: 4 workers sharing the quota; one request meets a 503 with ``Retry-After: 2`` (a
  busy server: its pause holds every call; a 429's is probed — one call at a time goes and the
  first answered ends it — which workload 10's three processes measure). Figure: how many
  requests any process started within the 2 seconds after that answer arrived (target 0),
  against the same with 4 unshared workers.
* **cost**: one process's acquire on the shared quota, with a rate far above what it can reach:
  microseconds per acquire and the calls/s ceiling of one process (64 concurrent callers), each
  against the local pacer's, measured in the same run.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
import uuid
from pathlib import Path
from typing import Final

import attrs

from yandex_b2b_async import B2BClient, RateLimit, UserCreate

from ._common import Figure, Result, Settings, max_in_window, phone
from ._redis import RedisProcess
from ._server import NotRun, ServerProcess

__all__ = ["run"]

TITLE: Final = "9. Shared pacing (4 processes, one quota through Redis)"
PROCESSES: Final = 4
RATE: Final = 100
BURST: Final = 10
CALLERS: Final = 16
PAUSE: Final = 2.0
_REPO: Final = Path(__file__).resolve().parent.parent


async def run(settings: Settings) -> Result:
    """Measure the shared quota's rate, its pause and its cost, beside the unshared ones."""
    result = Result(key="shared", title=TITLE)
    if "redis_url" not in attrs.fields_dict(RateLimit):
        raise NotRun("RateLimit has no redis_url option yet")
    seconds = 6.0
    async with RedisProcess() as redis, ServerProcess() as server:
        async with B2BClient(server.token, base_url=server.url) as seeder:
            user_id = (
                await seeder.users.create(
                    UserCreate(
                        fullname="Shared",
                        phone=phone("44", 0),
                        is_active=True,
                        cost_centers_id=server.cost_center_id,
                    )
                )
            ).id
        base: dict[str, object] = {"url": server.url, "token": server.token, "user_id": user_id}
        if settings.quick:
            # One run of the 4 sharing processes (interpreters take seconds to start on a busy
            # machine): the rate before the 503, then the pause. The unshared side: full runs.
            await _pause(result, base, redis.url, server, settings, shared_only=True)
        else:
            await _rate(result, base, redis.url, seconds)
            await _pause(result, base, redis.url, server, settings)
        await _cost(result, settings, redis.url)
    return result


async def _workers(
    base: dict[str, object],
    redis_url: str | None,
    seconds: float,
    *,
    during: object = None,
) -> list[dict[str, list[float]]]:
    """Start the worker processes together; their starts and 503 arrival times."""
    key = f"bench-{uuid.uuid4().hex}"
    config = {
        **base,
        "rate": RATE,
        "burst": BURST,
        "callers": CALLERS,
        "redis_url": redis_url,
        "key": key,
        "seconds": seconds,
    }
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "benchmarks._shared_worker",
            json.dumps(config),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            cwd=str(_REPO),
        )
        for _ in range(PROCESSES)
    ]
    for process in processes:
        assert process.stdout is not None
        if (await process.stdout.readline()).strip() != b"ready":
            raise RuntimeError("a worker did not start")
    start_at = time.monotonic() + 0.2
    for process in processes:
        assert process.stdin is not None
        process.stdin.write(f"{start_at!r}\n".encode())
        await process.stdin.drain()
    if during is not None:
        assert asyncio.iscoroutine(during)
        await during
    outputs = [await process.communicate() for process in processes]
    reports = []
    for process, (out, _) in zip(processes, outputs, strict=True):
        if process.returncode != 0 or not out:
            raise RuntimeError(f"a worker failed (exit {process.returncode})")
        reports.append(json.loads(out))
    return reports


async def _rate(result: Result, base: dict[str, object], redis_url: str, seconds: float) -> None:
    for label, url in (("shared", redis_url), ("unshared", None)):
        reports = await _workers(base, url, seconds)
        _rate_figures(result, label, reports, shared=url is not None)


def _rate_figures(
    result: Result,
    label: str,
    reports: list[dict[str, list[float]]],
    *,
    shared: bool,
    until: float | None = None,
) -> None:
    """The aggregate rate and the worst window of the starts (those before ``until``)."""
    starts = sorted(t for report in reports for t in report["starts"] if until is None or t < until)
    span = starts[-1] - starts[0]
    bursts = BURST if shared else BURST * PROCESSES
    achieved = (len(starts) - bursts) / span if span > 0 else 0.0
    worst = max_in_window(starts, 1.0)
    result.details[f"rate_{label}"] = {
        "processes": PROCESSES,
        "rate": RATE,
        "burst": BURST,
        "requests": len(starts),
        "seconds": span,
        "achieved": achieved,
        "worst_1s_window": worst,
        "per_process": [len(report["starts"]) for report in reports],
    }
    share = achieved / (RATE if shared else RATE * PROCESSES)
    result.add(
        Figure(
            name=f"{label}: aggregate rate / {'R' if shared else '4R'}",
            value=round(share, 4),
            target="within 3% of 1" if shared else "~1 (each process alone)",
            met=abs(share - 1.0) <= 0.03 if shared else None,
            note=f"{achieved:.1f} calls/s from {PROCESSES} processes, R={RATE}, "
            f"{len(starts)} calls over {span:.1f} s",
        )
    )
    limit = RATE + BURST if shared else PROCESSES * (RATE + BURST)
    result.add(
        Figure(
            name=f"{label}: worst 1-s window",
            value=worst,
            unit="calls",
            target=f"<= {'R+B' if shared else '4(R+B)'} = {limit}",
            met=worst <= limit,
        )
    )


async def _pause(
    result: Result,
    base: dict[str, object],
    redis_url: str,
    server: ServerProcess,
    settings: Settings,
    *,
    shared_only: bool = False,
) -> None:
    lead = 1.0  # seconds of calls before the 503
    seconds = lead + PAUSE + (0.3 if shared_only else 1.0)
    sides = (("shared", redis_url),) if shared_only else (("shared", redis_url), ("unshared", None))
    for label, url in sides:

        async def throttle_one_request() -> None:
            await asyncio.sleep(0.2 + lead)  # the workers' start, then calls at the full rate
            await server.call(
                "script_503", method="GET", path="/integration/2.0/users", retry_after=PAUSE
            )

        reports = await _workers(base, url, seconds, during=throttle_one_request())
        answers = sorted(t for report in reports for t in report["throttled"])
        if not answers:
            raise RuntimeError("no worker met the scripted 503")
        met_at = answers[0]
        if shared_only:
            _rate_figures(result, label, reports, shared=True, until=met_at)
        starts = sorted(t for report in reports for t in report["starts"])
        inside = [t for t in starts if met_at < t < met_at + PAUSE]
        visible = sorted(t for report in reports for t in report.get("pause_visible", []))
        known_at = visible[0] if visible else None
        after_known = [t for t in inside if known_at is not None and t > known_at]
        after = [t for t in starts if t > met_at]
        gap = (after[0] - met_at) if after else None
        result.details[f"pause_{label}"] = {
            "retry_after": PAUSE,
            "requests_in_pause": len(inside),
            "requests_in_pause_after_it_reached_redis": len(after_known) if url else None,
            "pause_reached_redis_after": None if known_at is None else known_at - met_at,
            "in_pause_at": [round(t - met_at, 4) for t in inside[:20]],
            "first_request_after": gap,
            "requests": len(starts),
        }
        if url:
            propagation = f"{(known_at - met_at) * 1e3:.1f} ms" if known_at else "unknown"
            result.add(
                Figure(
                    name="shared: requests in the pause once it reached Redis",
                    value=len(after_known),
                    unit="calls",
                    target="0",
                    met=len(after_known) == 0 and known_at is not None,
                    note=f"the pause was in Redis {propagation} after the 503 arrived",
                )
            )
        result.add(
            Figure(
                name=f"{label}: requests within Retry-After: 2 of a 503",
                value=len(inside),
                unit="calls",
                target="0" if url else "",
                met=len(inside) == 0 if url else None,
                note=(
                    f"first request {gap:.3f} s after the 503, from any of {PROCESSES} processes"
                    if gap is not None
                    else "no request after the 503"
                ),
            )
        )


async def _cost(result: Result, settings: Settings, redis_url: str) -> None:
    from yandex_b2b_async.pacing import LocalPacing, Pacer
    from yandex_b2b_async.pacing.redis_backend import RedisPacing

    n = settings.pick(20_000, 2_000)
    fast = RateLimit(rate=1e9, burst=10**9)
    backend = RedisPacing(
        redis_url,
        f"bench-cost-{uuid.uuid4().hex}",
        rate=fast.rate,
        burst=fast.burst,
        adaptive=False,
        fallback=lambda now: LocalPacing(fast.rate, fast.burst, adaptive=False, now=now),
    )
    shared = Pacer(fast, backend=backend)
    local = Pacer(fast)
    try:
        await shared.acquire()  # connect and load the script first
        figures = {}
        for label, pacer in (("local", local), ("shared", shared)):
            started = time.perf_counter()
            for _ in range(n):
                if not pacer.try_acquire():
                    await pacer.acquire()
            sequential = (time.perf_counter() - started) / n
            started = time.perf_counter()

            async def caller(pacer: Pacer = pacer) -> None:
                for _ in range(n // 64):
                    if not pacer.try_acquire():
                        await pacer.acquire()

            await asyncio.gather(*(caller() for _ in range(64)))
            ceiling = (n // 64 * 64) / (time.perf_counter() - started)
            figures[label] = (sequential, ceiling)
        assert backend.shared, "the shared quota fell back to local pacing"
    finally:
        await backend.aclose()
    (local_us, local_ceiling), (shared_us, shared_ceiling) = (
        (figures["local"][0] * 1e6, figures["local"][1]),
        (figures["shared"][0] * 1e6, figures["shared"][1]),
    )
    result.details["cost"] = {
        "n": n,
        "local_us": local_us,
        "shared_us": shared_us,
        "local_ceiling": local_ceiling,
        "shared_ceiling": shared_ceiling,
    }
    result.add(
        Figure(
            name="shared acquire: time per call",
            value=round(shared_us, 1),
            unit="us",
            claim=False,
            note=f"local pacer {local_us:.2f} us in the same run; Redis on loopback",
        )
    )
    result.add(
        Figure(
            name="shared acquire: calls/s ceiling of one process",
            value=round(shared_ceiling),
            unit="calls/s",
            claim=False,
            note=f"64 concurrent callers; local pacer {local_ceiling:,.0f} calls/s",
        )
    )
