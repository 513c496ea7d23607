"""Pacers of several processes sharing one quota through a real redis-server.

Each "process" is a :class:`Pacer` with a :class:`RedisPacing` backend of its own (its own
connections, its own queue); they share only what Redis holds. Most tests drive a fake clock
that both the pacers and the shared quota read, so no test waits for real time to pass.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Callable

import pytest

from tests._redis import RedisServer
from yandex_b2b_async import RateLimit, SharedPacingError
from yandex_b2b_async._constants import ADAPTIVE_DECREASE, REDIS_PROBE_INTERVAL
from yandex_b2b_async.pacing import LocalPacing, Pacer
from yandex_b2b_async.pacing.redis_backend import RedisPacing
from yandex_b2b_async.pacing.shared_options import OnRedisDown, describe_redis_url


class FakeClock:
    """Time that passes only when someone sleeps; read by the pacers and the shared quota."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)


Process = tuple[Pacer, RedisPacing]
ProcessFactory = Callable[..., Process]


def local_for(config: RateLimit) -> Callable[[float], LocalPacing]:
    return lambda now: LocalPacing(
        config.rate / config.per, config.burst, adaptive=config.adaptive, now=now
    )


@pytest.fixture
async def processes(redis_server: RedisServer) -> AsyncIterator[ProcessFactory]:
    """Make "processes" on one fresh quota name; their backends are closed at the end."""
    name = f"test-{uuid.uuid4().hex}"
    made: list[RedisPacing] = []

    def make(
        config: RateLimit,
        *,
        clock: FakeClock | None = None,
        url: str | None = None,
        on_down: OnRedisDown = "local",
        timeout: float = 5.0,  # far above a busy host's round trip; outage tests set their own
        on_shared_pause: Callable[[float], None] | None = None,
        on_mode: Callable[[bool, str | None], None] | None = None,
    ) -> Process:
        backend = RedisPacing(
            url or redis_server.url,
            name,
            rate=config.rate / config.per,
            burst=config.burst,
            adaptive=config.adaptive,
            fallback=local_for(config),
            on_down=on_down,
            timeout=timeout,
            on_shared_pause=on_shared_pause,
            on_mode=on_mode,
            **({} if clock is None else {"clock": clock, "wall": clock}),
        )
        made.append(backend)
        if clock is None:
            return Pacer(config, backend=backend), backend
        return Pacer(config, backend=backend, clock=clock, sleep=clock.sleep), backend

    yield make
    for backend in made:
        await backend.aclose()


async def settle(backend: RedisPacing) -> None:
    """Let the backend's background publications reach Redis."""
    for _ in range(100):
        if not backend._tasks:
            return
        await asyncio.sleep(0.001)


# -- one quota for all ----------------------------------------------------------------------


async def test_two_processes_together_stay_within_rate_plus_burst(
    processes: ProcessFactory,
) -> None:
    """Two processes at full demand start at most R + B calls in any second, between them."""
    clock = FakeClock()
    config = RateLimit(rate=20, burst=4)
    pacers = [processes(config, clock=clock)[0] for _ in range(2)]
    starts: list[float] = []
    end = clock.now + 3.0

    async def caller(pacer: Pacer) -> None:
        while clock.now < end:
            await pacer.acquire()
            starts.append(clock.now)

    tasks = [asyncio.ensure_future(caller(pacer)) for pacer in pacers for _ in range(5)]
    await asyncio.wait(tasks, timeout=20)
    starts.sort()
    worst = max(sum(1 for t in starts if begin <= t < begin + 1.0 - 1e-9) for begin in starts)
    assert worst <= 20 + 4
    assert len(starts) <= 20 * 3 + 4 + 10  # the callers' last round may overrun the end


async def test_waiters_of_one_process_are_served_in_order(processes: ProcessFactory) -> None:
    """Inside a process the shared quota still serves waiters first come, first served."""
    clock = FakeClock()
    pacer, _ = processes(RateLimit(rate=10, burst=1), clock=clock)
    order: list[int] = []

    async def waiter(index: int) -> None:
        await pacer.acquire()
        order.append(index)

    tasks = [asyncio.ensure_future(waiter(index)) for index in range(6)]
    await asyncio.wait(tasks, timeout=10)
    assert order == list(range(6))


async def test_a_pause_met_by_one_process_holds_the_other(processes: ProcessFactory) -> None:
    """A 503's Retry-After: 2 met by one process keeps every other process from starting for
    2 s (a 429's pause is probed: tests/test_redis_quota.py)."""
    clock = FakeClock()
    config = RateLimit(rate=50, burst=5)
    (first, first_backend), (second, _) = (
        processes(config, clock=clock),
        processes(config, clock=clock),
    )
    await first.acquire()
    paused_at = clock.now
    first.on_throttle(2.0, rate_limited=False)
    await settle(first_backend)
    await second.acquire()
    assert clock.now - paused_at >= 2.0


async def test_a_process_is_told_of_a_pause_another_set(processes: ProcessFactory) -> None:
    """A pause learnt from Redis is reported once to the process that did not set it."""
    clock = FakeClock()
    config = RateLimit(rate=50, burst=5)
    learnt: list[float] = []
    first, _ = processes(config, clock=clock, on_shared_pause=learnt.append)
    second, second_backend = processes(config, clock=clock)
    await second.acquire()
    second.on_throttle(2.0)
    await settle(second_backend)
    await first.acquire()
    assert learnt == [pytest.approx(2.0, abs=1e-3)]


async def test_a_cut_in_one_process_slows_the_other(processes: ProcessFactory) -> None:
    """In adaptive mode a 429 met by one process lowers the rate the other is paced at."""
    clock = FakeClock()
    config = RateLimit(rate=40, adaptive=True)
    (first, first_backend), (second, _) = (
        processes(config, clock=clock),
        processes(config, clock=clock),
    )
    await first.acquire()
    first.on_throttle(None)
    await settle(first_backend)
    await second.acquire()
    assert second.current_rate == pytest.approx(40 * ADAPTIVE_DECREASE, rel=0.05)


# -- Redis away, slow, back ----------------------------------------------------------------


async def test_calls_go_on_locally_while_redis_is_down_and_it_is_said_once(
    processes: ProcessFactory, own_redis: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    """With Redis gone the pacer keeps granting on a local bucket, and logs that once."""
    clock = FakeClock()
    modes: list[tuple[bool, str | None]] = []
    pacer, backend = processes(
        RateLimit(rate=100, burst=10),
        clock=clock,
        url=own_redis.url,
        on_mode=lambda *m: modes.append(m),
    )
    await pacer.acquire()
    own_redis.stop()
    with caplog.at_level(logging.WARNING, logger="yandex_b2b_async.pacing"):
        for _ in range(20):
            await asyncio.wait_for(pacer.acquire(), 5)
    assert not backend.shared
    assert [shared for shared, _ in modes] == [False]
    warnings = [r for r in caplog.records if "unavailable" in r.getMessage()]
    assert len(warnings) == 1
    assert own_redis.url.split("//")[1].split("/")[0] in warnings[0].getMessage()


async def test_the_process_goes_back_to_redis_when_it_answers(
    processes: ProcessFactory, own_redis: RedisServer
) -> None:
    """After an outage, a probe finds Redis again and the process shares the quota again."""
    clock = FakeClock()
    pacer, backend = processes(RateLimit(rate=100, burst=10), clock=clock, url=own_redis.url)
    await pacer.acquire()
    own_redis.stop()
    await pacer.acquire()
    assert not backend.shared
    own_redis.start()
    clock.now += REDIS_PROBE_INTERVAL
    for _ in range(200):
        await pacer.acquire()
        await asyncio.sleep(0.001)
        if backend.shared:
            break
    assert backend.shared
    assert backend.recoveries == 1


async def test_a_slow_redis_counts_as_down(
    processes: ProcessFactory, own_redis: RedisServer
) -> None:
    """A Redis that does not answer within the timeout sends the process to local pacing."""
    pacer, backend = processes(RateLimit(rate=100, burst=10), url=own_redis.url, timeout=0.1)
    await pacer.acquire()
    own_redis.pause(2.0)
    await asyncio.wait_for(pacer.acquire(), 1.0)
    assert not backend.shared


async def test_fail_mode_refuses_calls_while_redis_is_down(
    processes: ProcessFactory, own_redis: RedisServer
) -> None:
    """With on_down="fail", an acquire fails with SharedPacingError instead of pacing alone."""
    pacer, _ = processes(RateLimit(rate=100, burst=10), url=own_redis.url, on_down="fail")
    await pacer.acquire()
    own_redis.stop()
    with pytest.raises(SharedPacingError, match="did not answer"):
        await asyncio.wait_for(pacer.acquire(), 2.0)


async def test_a_cancelled_waiter_leaves_at_once_even_mid_round_trip(
    processes: ProcessFactory, own_redis: RedisServer
) -> None:
    """A call cancelled while its acquire waits on a hung Redis ends at once."""
    pacer, _ = processes(RateLimit(rate=100, burst=10), url=own_redis.url, timeout=5.0)
    await pacer.acquire()
    own_redis.pause(3.0)
    waiter = asyncio.ensure_future(pacer.acquire())
    await asyncio.sleep(0.05)
    waiter.cancel()
    done, _ = await asyncio.wait([waiter], timeout=0.2)
    assert waiter in done
    assert waiter.cancelled()
    assert pacer.waiting == 0


async def test_closing_with_a_hung_redis_ends_at_once(
    processes: ProcessFactory, own_redis: RedisServer
) -> None:
    """Closing the backend while Redis answers nothing returns promptly."""
    pacer, backend = processes(RateLimit(rate=100, burst=10), url=own_redis.url, timeout=5.0)
    await pacer.acquire()
    own_redis.pause(3.0)
    waiter = asyncio.ensure_future(pacer.acquire())
    await asyncio.sleep(0.05)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await backend.aclose()
    await asyncio.wait([waiter], timeout=1.0)
    assert loop.time() - started < 1.0
    assert waiter.done()
    waiter.cancel()


def test_log_lines_name_the_redis_without_its_password() -> None:
    """The Redis a log line names shows host, port and database, never the credentials."""
    assert describe_redis_url("redis://user:s3cret@cache.internal:6380/2") == (
        "cache.internal:6380/2"
    )
    assert "s3cret" not in describe_redis_url("rediss://:s3cret@cache.internal")


def test_a_backend_reused_under_a_new_event_loop_still_shares(redis_server: RedisServer) -> None:
    """Two asyncio.run calls on one pacer: the second makes its own connections and shares."""
    config = RateLimit(rate=100, burst=10)
    backend = RedisPacing(
        redis_server.url,
        f"test-{uuid.uuid4().hex}",
        rate=config.rate,
        burst=config.burst,
        adaptive=False,
        fallback=local_for(config),
        timeout=5.0,  # as the fixture's: far above a busy host's round trip (not a timeout test)
    )
    pacer = Pacer(config, backend=backend)

    async def use() -> bool:
        for _ in range(3):
            await pacer.acquire()
        return backend.shared

    assert asyncio.run(use())
    assert asyncio.run(use())
    asyncio.run(backend.aclose())


async def test_a_start_won_while_a_503_arrives_waits_for_the_pause(
    processes: ProcessFactory, own_redis: RedisServer
) -> None:
    """A call whose round trip was in flight when the process met a 503's Retry-After is not
    sent into the pause (a 429's is probed: one call may go)."""
    pacer, _ = processes(RateLimit(rate=100, burst=10), url=own_redis.url, timeout=2.0)
    await pacer.acquire()
    own_redis.pause(0.3)  # the next round trip hangs until the 503 has been noted
    waiter = asyncio.ensure_future(pacer.acquire())
    await asyncio.sleep(0.05)
    pacer.on_throttle(1.0, rate_limited=False)
    await asyncio.sleep(0.5)
    assert not waiter.done()
    await asyncio.wait_for(waiter, 2.0)
