"""Workload 7, event-loop health: how late does the loop run while calls queue in the pacer?

10,000 calls are started at once (``asyncio.gather``, as a user would) against a client paced
far below that demand, so almost all of them wait in the pacer. A probe task asks for a 1 ms
sleep over and over; how much later than asked it wakes is the loop's lag. The claim is the worst
lag once every call has entered the pacer; the one-off spike while the 10,000 tasks are created
and take their first step is printed apart (mostly asyncio scheduling 10,000 tasks, paid whatever
the pacer does), with the CPU time of that first step (process time, steadier than the spike on
a shared machine). A control run with 10,000 bare tasks waiting on an ``asyncio.Event`` shows
what the loop and the machine do without the library.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Final

from yandex_b2b_async import B2BClient, RateLimit, UserCreate

from ._common import Figure, Result, Settings, phone
from ._server import ServerProcess

__all__ = ["run"]

TITLE: Final = "7. Event-loop health (10,000 calls waiting in the pacer)"
RATE: Final = 100
PROBE_INTERVAL: Final = 0.001


class _Probe:
    def __init__(self) -> None:
        self.lags: list[float] = []
        self.stopped = False

    async def run(self) -> None:
        while not self.stopped:
            asked = time.perf_counter()
            await asyncio.sleep(PROBE_INTERVAL)
            self.lags.append(time.perf_counter() - asked - PROBE_INTERVAL)

    def take(self) -> list[float]:
        lags, self.lags = self.lags, []
        return lags


async def run(settings: Settings) -> Result:
    """Queue 10,000 calls in the pacer and watch the loop's lag."""
    result = Result(key="loop_lag", title=TITLE)
    calls = 10_000
    watch = settings.pick_float(5.0, 2.0)
    async with (
        ServerProcess() as server,
        B2BClient(
            server.token, base_url=server.url, rate_limit=RateLimit(rate=RATE, burst=1)
        ) as client,
    ):
        user_id = (
            await client.users.create(
                UserCreate(
                    fullname="Waiting",
                    phone=phone("77", 0),
                    is_active=True,
                    cost_centers_id=server.cost_center_id,
                )
            )
        ).id
        probe = _Probe()
        probe_task = asyncio.create_task(probe.run())
        await asyncio.sleep(0.2)
        idle = probe.take()
        completed = 0

        async def call() -> None:
            nonlocal completed
            await client.users.get(user_id)
            completed += 1

        cpu = time.process_time()
        everything = asyncio.gather(*(call() for _ in range(calls)), return_exceptions=True)
        await asyncio.sleep(0)  # one loop iteration: every call takes its first step
        first_step = time.process_time() - cpu
        await asyncio.sleep(0.5)  # every call takes its first step and queues in the pacer
        entering = probe.take()
        await asyncio.sleep(watch)
        waiting = probe.take()
        everything.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await everything
        probe.stopped = True
        await probe_task
    control_entering, control, control_first_step = await _control(calls, watch)
    worst = max(waiting) * 1e3
    waiting.sort()
    p99 = waiting[int(len(waiting) * 0.99)] * 1e3
    result.details = {
        "calls": calls,
        "rate": RATE,
        "watched_seconds": watch,
        "completed_before_cancel": completed,
        "idle_worst_ms": max(idle) * 1e3,
        "entering_worst_ms": max(entering) * 1e3,
        "waiting_worst_ms": worst,
        "waiting_p99_ms": p99,
        "probes": len(waiting),
        "control_worst_ms": max(control) * 1e3,
        "control_entering_worst_ms": max(control_entering) * 1e3,
        "first_step_cpu_ms": first_step * 1e3,
        "control_first_step_cpu_ms": control_first_step * 1e3,
    }
    result.add(
        Figure(
            name="worst loop lag while 10,000 calls wait",
            value=round(worst, 2),
            unit="ms",
            target="< 10 ms",
            met=worst < 10.0,
            note=f"p99 {p99:.2f} ms over {len(waiting)} probes in {watch:.0f} s",
        )
    )
    result.add(
        Figure(
            name="control: worst lag, 10,000 tasks on an asyncio.Event",
            value=round(max(control) * 1e3, 2),
            unit="ms",
            claim=False,
            note="no library: what this loop and machine do on their own",
        )
    )
    result.add(
        Figure(
            name="one-off spike while 10,000 tasks start",
            value=round(max(entering) * 1e3, 1),
            unit="ms",
            claim=False,
            note=f"control (bare tasks): {max(control_entering) * 1e3:.0f} ms; "
            f"idle loop worst {max(idle) * 1e3:.2f} ms",
        )
    )
    result.add(
        Figure(
            name="CPU of the 10,000 calls' first step (to the pacer's queue)",
            value=round(first_step * 1e3, 1),
            unit="ms",
            claim=False,
            note=f"control (bare tasks): {control_first_step * 1e3:.0f} ms, ratio "
            f"{first_step / control_first_step:.2f}",
        )
    )
    return result


async def _control(calls: int, watch: float) -> tuple[list[float], list[float], float]:
    """The same probe while ``calls`` bare tasks wait on one event: the loop without us."""
    event = asyncio.Event()
    probe = _Probe()
    probe_task = asyncio.create_task(probe.run())
    cpu = time.process_time()
    waiters = asyncio.gather(*(event.wait() for _ in range(calls)))
    await asyncio.sleep(0)
    first_step = time.process_time() - cpu
    await asyncio.sleep(0.5)
    entering = probe.take()
    await asyncio.sleep(watch)
    lags = probe.take()
    event.set()
    await waiters
    probe.stopped = True
    await probe_task
    return entering, lags, first_step
