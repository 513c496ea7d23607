"""The pacer: a FIFO token bucket with a client-wide pause and adaptive rate, on a fake clock."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yandex_b2b_async import RateLimit, ValidationError
from yandex_b2b_async._constants import ADAPTIVE_DECREASE, ADAPTIVE_RECOVERY_SECONDS
from yandex_b2b_async.pacing import LocalPacing, Pacer, PacingTimeout
from yandex_b2b_async.pacing.cubic import cubic_rate, cut_rate


class FakeClock:
    """Time that passes only when someone sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)


def make_pacer(
    clock: FakeClock,
    config: RateLimit | None,
    *,
    max_pause: float = 60.0,
    default_pause: float = 0.5,
) -> Pacer:
    return Pacer(
        config, max_pause=max_pause, default_pause=default_pause, clock=clock, sleep=clock.sleep
    )


def finishes_without_suspending(coroutine: Coroutine[object, object, None]) -> bool:
    try:
        coroutine.send(None)
    except StopIteration:
        return True
    coroutine.close()
    return False


# -- configuration -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"rate": -1}, "RateLimit.rate"),
        ({"rate": 0}, "RateLimit.rate"),
        ({"rate": 5, "per": 0}, "RateLimit.per"),
        ({"rate": 5, "burst": 0}, "RateLimit.burst"),
        ({"rate": 5, "burst": 1.5}, "RateLimit.burst"),
        ({"rate": float("nan")}, "RateLimit.rate"),
        ({"rate": 5, "adaptive": "yes"}, "RateLimit.adaptive"),
    ],
)
def test_bad_rate_limit_is_refused_naming_the_field(options: dict[str, object], field: str) -> None:
    """A non-positive rate, period or burst is refused at construction, naming the field."""
    with pytest.raises(ValidationError) as caught:
        RateLimit(**options)  # type: ignore[arg-type]
    assert caught.value.field == field


# -- the bucket --------------------------------------------------------------------------------


async def test_a_free_token_is_granted_without_a_task_switch() -> None:
    """A call that finds a token and no queue gets it synchronously."""
    clock = FakeClock()
    pacer = make_pacer(clock, RateLimit(rate=10, burst=3))
    assert pacer.try_acquire()
    assert finishes_without_suspending(pacer.acquire())


async def test_a_gate_without_rate_never_holds_a_call() -> None:
    """Without a RateLimit the pacer lets every call through at once (until a throttle)."""
    clock = FakeClock()
    pacer = make_pacer(clock, None)
    assert all(pacer.try_acquire() for _ in range(10_000))
    assert pacer.current_rate is None


@pytest.mark.parametrize(("rate", "per", "burst"), [(5, 1.0, 1), (10, 1.0, 4), (3, 2.0, 2)])
async def test_any_window_holds_at_most_rate_plus_burst(
    rate: float, per: float, burst: int
) -> None:
    """Over many calls, no window of `per` seconds holds more than rate + burst starts."""
    clock = FakeClock()
    pacer = make_pacer(clock, RateLimit(rate=rate, per=per, burst=burst))
    starts: list[float] = []
    for _ in range(200):
        await pacer.acquire()
        starts.append(clock.now)
    for i, start in enumerate(starts):
        in_window = sum(1 for other in starts[i:] if other < start + per)
        assert in_window <= rate + burst
    elapsed = starts[-1] - starts[0]
    assert elapsed >= (200 - burst) / (rate / per) - 1e-6


@settings(max_examples=60, deadline=None)
@given(
    rate=st.floats(min_value=0.5, max_value=200),
    per=st.sampled_from([0.5, 1.0, 60.0]),
    burst=st.integers(min_value=1, max_value=20),
    gaps=st.lists(st.floats(min_value=0, max_value=2), min_size=1, max_size=120),
)
async def test_no_arrival_pattern_beats_rate_plus_burst(
    rate: float, per: float, burst: int, gaps: list[float]
) -> None:
    """Whatever the arrival pattern, no window of `per` seconds holds more than rate + burst."""
    clock = FakeClock()
    pacer = make_pacer(clock, RateLimit(rate=rate, per=per, burst=burst))
    starts: list[float] = []
    for gap in gaps:
        clock.now += gap
        await pacer.acquire()
        starts.append(clock.now)
    for i, start in enumerate(starts):
        in_window = sum(1 for other in starts[i:] if other < start + per - 1e-9)
        assert in_window <= rate + burst


async def test_late_timers_do_not_lower_the_rate() -> None:
    """A sleep that wakes late costs no tokens: with burst 1 the rate still holds."""
    clock = FakeClock()

    async def late_sleep(seconds: float) -> None:
        await clock.sleep(seconds + 0.001)  # an event loop's timer is always a little late

    pacer = Pacer(RateLimit(rate=200, burst=1), clock=clock, sleep=late_sleep)
    starts: list[float] = []
    for _ in range(401):
        await pacer.acquire()
        starts.append(clock.now)
    assert starts[-1] - starts[0] == pytest.approx(2.0, rel=0.01)
    for i, start in enumerate(starts):
        assert sum(1 for other in starts[i:] if other < start + 1.0) <= 200 + 1


async def test_waiters_are_served_first_come_first_served() -> None:
    """Calls that queue for a token start in the order they asked."""
    clock = FakeClock()
    pacer = make_pacer(clock, RateLimit(rate=10, burst=1))
    assert pacer.try_acquire()
    order: list[int] = []

    async def call(number: int) -> None:
        await pacer.acquire()
        order.append(number)

    tasks = []
    for number in range(8):
        tasks.append(asyncio.create_task(call(number)))
        await asyncio.sleep(0)
    await asyncio.gather(*tasks)
    assert order == list(range(8))


async def test_a_newcomer_does_not_jump_the_queue() -> None:
    """While calls are queued, a new call waits behind them even if a token has come."""
    clock = FakeClock()
    pacer = make_pacer(clock, RateLimit(rate=10, burst=1))
    assert pacer.try_acquire()
    waiter = asyncio.create_task(pacer.acquire())
    await asyncio.sleep(0)
    clock.now += 10  # tokens are due, but the queued call has not taken its turn yet
    assert pacer.waiting == 1
    assert not pacer.try_acquire()
    await waiter


async def test_a_cancelled_waiter_takes_no_token_and_does_not_block_the_queue() -> None:
    """Cancelling queued calls leaves the queue empty and the coming token for the next caller."""
    pacer = Pacer(RateLimit(rate=50, burst=1))  # real clock: a token every 20 ms
    assert pacer.try_acquire()
    first = asyncio.create_task(pacer.acquire())
    await asyncio.sleep(0)
    second = asyncio.create_task(pacer.acquire())
    await asyncio.sleep(0)
    second.cancel()
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    with pytest.raises(asyncio.CancelledError):
        await second
    assert pacer.waiting == 0
    await asyncio.sleep(0.03)
    assert pacer.try_acquire()  # the token that came meanwhile is still there


async def test_cancelling_the_head_hands_the_turn_to_the_next_waiter() -> None:
    """When the call at the head of the queue is cancelled, the one behind it proceeds."""
    pacer = Pacer(None)  # real clock
    pacer.on_throttle(0.03)
    head = asyncio.create_task(pacer.acquire())
    await asyncio.sleep(0)
    behind = asyncio.create_task(pacer.acquire())
    await asyncio.sleep(0)
    head.cancel()
    await asyncio.wait_for(behind, timeout=5)
    assert head.cancelled()
    assert pacer.waiting == 0


# -- the pause -----------------------------------------------------------------------------------


@pytest.mark.parametrize("config", [None, RateLimit(rate=100, burst=10)])
async def test_a_throttle_pauses_every_call_until_the_time_given(config: RateLimit | None) -> None:
    """After a 503's Retry-After of 2 s no call starts for 2 s, with or without a rate limit
    (a 429's pause is probed: tests/test_throttling.py)."""
    clock = FakeClock()
    pacer = make_pacer(clock, config)
    pacer.on_throttle(2.0, rate_limited=False)
    assert not pacer.try_acquire()
    assert pacer.paused_for == pytest.approx(2.0)
    before = clock.now
    await pacer.acquire()
    assert clock.now - before >= 2.0


async def test_a_429_without_a_time_pauses_for_the_default_pause() -> None:
    """A 429 that names no time pauses the client for `default_pause`."""
    clock = FakeClock()
    pacer = make_pacer(clock, None, default_pause=0.25)
    pacer.on_throttle(None)
    assert pacer.paused_for == pytest.approx(0.25)


async def test_a_server_error_without_a_time_does_not_pause() -> None:
    """Only a 429, or an answer naming a time, pauses the client."""
    clock = FakeClock()
    pacer = make_pacer(clock, None)
    pacer.on_throttle(None, rate_limited=False)
    assert pacer.try_acquire()


async def test_a_pause_is_bounded_by_max_pause() -> None:
    """A Retry-After longer than `max_pause` pauses the client only for `max_pause`."""
    clock = FakeClock()
    pacer = make_pacer(clock, None, max_pause=30.0)
    pacer.on_throttle(3600.0)
    assert pacer.paused_for == pytest.approx(30.0)


async def test_no_burst_right_after_a_pause() -> None:
    """Tokens do not pile up during a pause: calls resume at the rate, not in a burst."""
    clock = FakeClock()
    pacer = make_pacer(clock, RateLimit(rate=10, burst=5))
    pacer.on_throttle(3.0, rate_limited=False)
    starts = []
    for _ in range(3):
        await pacer.acquire()
        starts.append(clock.now)
    assert starts[1] - starts[0] == pytest.approx(0.1)
    assert starts[2] - starts[1] == pytest.approx(0.1)


async def test_a_wait_longer_than_max_wait_fails_at_once() -> None:
    """With max_wait, a turn that would come too late raises PacingTimeout without waiting."""
    clock = FakeClock()
    pacer = make_pacer(clock, None)
    pacer.on_throttle(10.0)
    before = clock.now
    with pytest.raises(PacingTimeout):
        await pacer.acquire(max_wait=5.0)
    assert clock.now == before
    assert pacer.waiting == 0
    await pacer.acquire(max_wait=11.0)


# -- adaptive mode -------------------------------------------------------------------------------


async def test_adaptive_mode_cuts_the_rate_on_a_429() -> None:
    """A 429 cuts the adaptive rate to 70% of what it was."""
    clock = FakeClock()
    pacer = make_pacer(clock, RateLimit(rate=100, adaptive=True), default_pause=0.0)
    pacer.on_throttle(None)
    assert pacer.current_rate == pytest.approx(100 * ADAPTIVE_DECREASE)


async def test_a_fixed_rate_is_not_cut() -> None:
    """Without adaptive=True a 429 pauses but leaves the rate alone."""
    clock = FakeClock()
    pacer = make_pacer(clock, RateLimit(rate=100), default_pause=0.0)
    pacer.on_throttle(None)
    assert pacer.current_rate == 100


async def test_adaptive_rate_is_back_within_seconds() -> None:
    """After a cut the rate is back at the configured one within ADAPTIVE_RECOVERY_SECONDS."""
    clock = FakeClock()
    pacer = make_pacer(clock, RateLimit(rate=50, adaptive=True), default_pause=0.0)
    pacer.on_throttle(None)
    clock.now += ADAPTIVE_RECOVERY_SECONDS / 2
    halfway = pacer.current_rate
    assert halfway is not None
    assert 50 * ADAPTIVE_DECREASE < halfway < 50
    clock.now += ADAPTIVE_RECOVERY_SECONDS / 2 + 0.01
    assert pacer.current_rate == pytest.approx(50)


async def test_a_cut_from_the_floor_still_recovers() -> None:
    """Even a cut to the minimum rate climbs back to the configured rate within seconds."""
    clock = FakeClock()
    pacer = make_pacer(clock, RateLimit(rate=100, adaptive=True), default_pause=0.0)
    for _ in range(30):  # one 429 per round trip, long enough to reach the floor
        clock.now += 0.01
        pacer.on_throttle(None, sent_at=clock.now)
    assert pacer.current_rate == pytest.approx(0.5)
    clock.now += 30
    assert pacer.current_rate == pytest.approx(100)


async def test_the_cut_starts_from_the_rate_actually_sent() -> None:
    """A client configured far above what it sends cuts from its measured sending rate."""
    clock = FakeClock()
    pacer = make_pacer(clock, RateLimit(rate=1000, adaptive=True), default_pause=0.0)
    for _ in range(200):  # 20 calls a second for 10 s
        clock.now += 0.05
        await pacer.acquire()
    pacer.on_throttle(None, sent_at=clock.now)
    assert pacer.current_rate == pytest.approx(20 * ADAPTIVE_DECREASE, rel=0.05)


async def test_a_burst_of_429s_to_one_round_trip_cuts_once() -> None:
    """429s to calls sent before the last cut do not cut the rate again."""
    clock = FakeClock()
    pacer = make_pacer(clock, RateLimit(rate=100, adaptive=True), default_pause=0.0)
    sent = clock.now
    clock.now += 0.01
    for _ in range(8):
        pacer.on_throttle(None, sent_at=sent)
    assert pacer.current_rate == pytest.approx(100 * ADAPTIVE_DECREASE)
    clock.now += 0.01
    pacer.on_throttle(None, sent_at=clock.now)
    assert pacer.current_rate == pytest.approx(100 * ADAPTIVE_DECREASE**2, rel=0.02)


async def test_adaptive_mode_settles_near_the_servers_rate() -> None:
    """Against a server throttling at R/s, an adaptive client configured at 4R sends near R."""
    clock = FakeClock()
    server_rate = 20.0
    pacer = make_pacer(clock, RateLimit(rate=80, adaptive=True), default_pause=0.0)
    server_tokens, server_stamp = 1.0, clock.now
    answered = throttled = 0
    round_trip = 0.005
    start = clock.now
    while clock.now - start < 120:
        await pacer.acquire()
        sent = clock.now
        server_tokens = min(1.0, server_tokens + (clock.now - server_stamp) * server_rate)
        server_stamp = clock.now
        await clock.sleep(round_trip)
        if server_tokens >= 1.0:
            server_tokens -= 1.0
            answered += 1
            pacer.answers.successes += 1  # as the request path counts them
        else:
            throttled += 1
            pacer.on_throttle(None, sent_at=sent)
    assert 0.75 * server_rate <= answered / 120 <= server_rate
    assert throttled < 0.05 * answered


async def test_a_429_below_the_last_peak_aims_the_recovery_lower() -> None:
    """Throttled below the last peak, the rate recovers toward 85% of it (fast convergence)."""
    clock = FakeClock()
    pacer = make_pacer(clock, RateLimit(rate=100, adaptive=True), default_pause=0.0)
    pacer.on_throttle(None, sent_at=clock.now)  # first cut, from 100: the curve aims at 100
    clock.now += ADAPTIVE_RECOVERY_SECONDS / 2
    below_peak = pacer.current_rate
    assert below_peak is not None
    assert below_peak < 100
    pacer.on_throttle(None, sent_at=clock.now)
    clock.now += ADAPTIVE_RECOVERY_SECONDS
    aimed = below_peak * (1 + ADAPTIVE_DECREASE) / 2
    assert pacer.current_rate == pytest.approx(aimed, rel=0.01)


# -- the parts: CUBIC as pure functions, and the backend seam ----------------------------------


def test_the_cubic_curve_is_back_at_the_peak_after_the_recovery_time() -> None:
    """W(K) is the rate the cut came from, W(0) the cut, and the curve never passes the ceiling."""
    assert cubic_rate(0.0, peak=100.0, cut=70.0, ceiling=200.0) == 70.0
    assert cubic_rate(ADAPTIVE_RECOVERY_SECONDS, peak=100.0, cut=70.0, ceiling=200.0) == 100.0
    assert cubic_rate(60.0, peak=100.0, cut=70.0, ceiling=200.0) == 200.0


def test_a_cut_takes_the_rate_to_seventy_percent_and_aims_back_at_it() -> None:
    """A first 429 at 100 calls/s cuts to 70 and aims the recovery at 100."""
    cut = cut_rate(100.0, configured=100.0, last_peak=0.0)
    assert cut.rate == pytest.approx(100.0 * ADAPTIVE_DECREASE)
    assert cut.peak == 100.0


def test_a_cut_below_the_last_peak_aims_lower() -> None:
    """Throttled below the previous peak, the curve aims below where it was throttled."""
    cut = cut_rate(80.0, configured=100.0, last_peak=100.0)
    assert cut.peak < 80.0


async def test_the_pacer_asks_its_backend_for_every_decision() -> None:
    """A pacer given a backend takes its tokens from it and tells it of throttles."""
    clock = FakeClock()

    class Backend(LocalPacing):
        def __init__(self) -> None:
            super().__init__(10.0, 1, adaptive=False, now=clock())
            self.throttles: list[float] = []

        def throttled(
            self, now: float, pause: float, *, rate_limited: bool, sent_at: float | None
        ) -> None:
            self.throttles.append(pause)
            super().throttled(now, pause, rate_limited=rate_limited, sent_at=sent_at)

    backend = Backend()
    pacer = Pacer(
        RateLimit(rate=10), clock=clock, sleep=clock.sleep, backend=backend, default_pause=0.5
    )
    assert pacer.try_acquire()
    assert not pacer.try_acquire()
    pacer.on_throttle(None)
    assert backend.throttles == [0.5]
    assert pacer.paused_for == 0.5
