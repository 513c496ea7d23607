"""The shared quota's Lua scripts on a real redis-server: bucket, pause, adaptive rate, failures.

Each "process" is a :class:`RedisQuota` of its own on one quota name; the clock they pass is a
fake wall clock set against Redis's (as in production), so time moves only when a test says.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import AsyncIterator, Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests._redis import RedisServer
from yandex_b2b_async._constants import ADAPTIVE_DECREASE, GOODPUT_CUT
from yandex_b2b_async.pacing.redis_quota import (
    RedisQuota,
    RedisUnavailable,
    quota_keys,
    quota_name,
)
from yandex_b2b_async.pacing.state import LocalPacing

# Tests that are not about timeouts give Redis far more than the default 0.25 s, so that a busy
# host (a round trip descheduled for a moment) cannot turn into RedisUnavailable.
SLOW_HOST_TIMEOUT = 5.0


class Wall:
    """A shared clock that moves only when told."""

    def __init__(self) -> None:
        self.t = 1_700_000_000.0

    def __call__(self) -> float:
        return self.t


class SkewedWall(Wall):
    """The real wall clock of a host whose clock is ``skew`` seconds off."""

    def __init__(self, skew: float) -> None:
        super().__init__()
        self.skew = skew

    def __call__(self) -> float:
        return time.time() + self.skew


QuotaFactory = Callable[..., RedisQuota]


@pytest.fixture
async def quotas(redis_server: RedisServer) -> AsyncIterator[QuotaFactory]:
    """Make quotas on a fresh quota name that share one fake wall clock; all closed at the end."""
    name = f"test-{uuid.uuid4().hex}"
    made: list[RedisQuota] = []
    wall = Wall()

    def make(
        *, rate: float = 10.0, burst: int = 1, adaptive: bool = False, clock: Wall | None = None
    ) -> RedisQuota:
        quota = RedisQuota(
            redis_server.url,
            name,
            rate=rate,
            burst=burst,
            adaptive=adaptive,
            wall=clock or wall,
            sync_clock=clock is not None,
            timeout=SLOW_HOST_TIMEOUT,
        )
        made.append(quota)
        return quota

    make.wall = wall  # type: ignore[attr-defined]
    yield make
    if made:
        await made[0].forget()
    for quota in made:
        await quota.aclose()


def wall_of(make: QuotaFactory) -> Wall:
    wall = make.wall  # type: ignore[attr-defined]
    assert isinstance(wall, Wall)
    return wall


async def saturate(processes: list[RedisQuota], wall: Wall, seconds: float) -> list[float]:
    """Every process asks as often as it may for ``seconds`` of fake time; the grant times."""
    starts: list[float] = []
    end = wall.t + seconds
    while wall.t < end:
        waits = []
        for quota in processes:
            grant = await quota.acquire()
            if grant.granted:
                starts.append(wall.t)
            else:
                waits.append(grant.wait)
        if len(waits) == len(processes):
            wall.t += min(waits)
    return starts


def most_in_window(times: list[float], window: float) -> int:
    best, first = 0, 0
    for last, moment in enumerate(times):
        while moment - times[first] >= window - 1e-9:
            first += 1
        best = max(best, last - first + 1)
    return best


# -- the bucket ---------------------------------------------------------------------------------


async def test_processes_on_one_quota_share_one_bucket(quotas: QuotaFactory) -> None:
    """A burst taken by one process leaves the other to wait for the next token."""
    first, second = quotas(rate=10, burst=3), quotas(rate=10, burst=3)
    granted = [(await first.acquire()).granted for _ in range(3)]
    refused = await second.acquire()
    assert granted == [True, True, True]
    assert not refused.granted
    assert refused.wait == pytest.approx(0.1, abs=1e-6)


async def test_four_processes_together_hold_the_rate(quotas: QuotaFactory) -> None:
    """Four processes at full demand start rate x seconds + burst calls in all, not four times."""
    processes = [quotas(rate=20, burst=5) for _ in range(4)]
    starts = await saturate(processes, wall_of(quotas), 5.0)
    assert len(starts) == pytest.approx(20 * 5 + 5, abs=1)
    assert most_in_window(starts, 1.0) <= 20 + 5


@settings(max_examples=15, deadline=None)
@given(gaps=st.lists(st.floats(min_value=0.0, max_value=0.3), min_size=5, max_size=60))
async def test_no_arrival_pattern_beats_rate_plus_burst(
    redis_server: RedisServer, gaps: list[float]
) -> None:
    """Whatever the arrival times, from whichever process, a 1-second window holds at most R + B."""
    wall = Wall()
    name = f"test-{uuid.uuid4().hex}"
    processes = [
        RedisQuota(
            redis_server.url,
            name,
            rate=8,
            burst=3,
            adaptive=False,
            wall=wall,
            sync_clock=False,
            timeout=SLOW_HOST_TIMEOUT,
        )
        for _ in range(3)
    ]
    try:
        starts = []
        for index, gap in enumerate(gaps):
            wall.t += gap
            if (await processes[index % 3].acquire()).granted:
                starts.append(wall.t)
        assert most_in_window(starts, 1.0) <= 8 + 3
    finally:
        await processes[0].forget()
        for quota in processes:
            await quota.aclose()


async def test_a_waiter_that_wakes_late_keeps_its_token(quotas: QuotaFactory) -> None:
    """With burst 1, a waiter that wakes late but says when its token was due loses no rate."""
    quota = quotas(rate=10, burst=1)
    wall = wall_of(quotas)
    assert (await quota.acquire()).granted
    starts = 0
    due = None
    for _ in range(50):
        grant = await quota.acquire(due=due)
        if grant.granted:
            starts += 1
            due = None
        else:
            due = quota.now() + grant.wait
            wall.t += grant.wait * 1.3  # the timer fires 30% late
    elapsed_tokens = (wall.t - 1_700_000_000.0) * 10
    assert starts >= elapsed_tokens - 2


# -- the shared pause ---------------------------------------------------------------------------


async def test_a_pause_set_by_one_process_holds_every_process(quotas: QuotaFactory) -> None:
    """A 503's Retry-After met by one process makes every other process wait until it ends."""
    first, second = quotas(rate=100, burst=10), quotas(rate=100, burst=10)
    _, left, _ = await first.throttle(pause=2.0, rate_limited=False)
    held = await second.acquire()
    assert left == pytest.approx(2.0, abs=1e-3)
    assert not held.granted
    assert held.wait == pytest.approx(2.0, abs=1e-3)
    assert held.paused_for == pytest.approx(2.0, abs=1e-3)


async def test_after_a_pause_the_bucket_starts_empty(quotas: QuotaFactory) -> None:
    """No burst right after a pause: the first start comes one token after it ends."""
    first, second = quotas(rate=10, burst=5), quotas(rate=10, burst=5)
    await first.throttle(pause=1.0, rate_limited=False)
    wall_of(quotas).t += 1.0
    grant = await second.acquire()
    assert not grant.granted
    assert grant.wait == pytest.approx(0.1, abs=1e-6)


async def test_a_shorter_pause_does_not_shorten_a_longer_one(quotas: QuotaFactory) -> None:
    """Two processes meeting Retry-After 5 and then 1: the pause lasts 5 seconds."""
    first, second = quotas(), quotas()
    await first.throttle(pause=5.0, rate_limited=True)
    _, left, _ = await second.throttle(pause=1.0, rate_limited=True)
    assert left == pytest.approx(5.0, abs=1e-3)


async def test_a_429s_pause_is_probed_by_one_start_from_any_process(quotas: QuotaFactory) -> None:
    """During a 429's shared pause one start goes at a time, from whichever process asks
    first once the gap the rate gives a call has passed (then twice that gap)."""
    first, second = quotas(rate=100, burst=10), quotas(rate=100, burst=10)
    _, _, probing = await first.throttle(pause=2.0, rate_limited=True)
    early = await second.acquire()
    wall_of(quotas).t += 0.01
    probe = await second.acquire()
    after = await first.acquire()
    assert probing
    assert (early.granted, early.probing) == (False, True)
    assert 0.0 < early.wait <= 0.01 + 1e-6  # asked again soon: a probe's answer ends it
    assert probe.granted
    assert not after.granted
    assert after.paused_for == pytest.approx(1.99, abs=1e-3)


async def test_the_first_answer_any_process_counts_ends_a_429s_pause(
    quotas: QuotaFactory,
) -> None:
    """A probe's success, told by the process that sent it, ends the pause for every process:
    the next start is the bucket's next token (the probe took the one the server had)."""
    first, second = quotas(rate=100, burst=10), quotas(rate=100, burst=10)
    await first.throttle(pause=2.0, rate_limited=True)
    wall_of(quotas).t += 0.01
    assert (await second.acquire()).granted  # the probe
    told = await second.acquire(answered=1)
    wall_of(quotas).t += 0.02
    go = await first.acquire()
    assert (told.granted, told.paused_for) == (False, 0.0)
    assert told.wait == pytest.approx(0.02, abs=1e-6)
    assert go.granted


async def test_a_windows_next_pause_is_probed_where_it_last_reset(quotas: QuotaFactory) -> None:
    """Once a shared pause outlasted a probe and was then ended (a window's reset), a probe
    refused in the next pause is followed by one only when the window should reset again, a
    period (the pause named) after the last end."""
    quota = quotas(rate=100, burst=10)
    wall = wall_of(quotas)
    start = wall.t

    async def refused_probe() -> None:
        sent = quota.now()
        assert (await quota.acquire()).granted
        await quota.throttle(pause=1.0, rate_limited=True, sent_at=sent)

    await quota.throttle(pause=1.0, rate_limited=True)
    wall.t = start + 0.01
    await refused_probe()
    wall.t = start + 0.5
    assert (await quota.acquire()).granted  # a probe the window, reset, answers
    assert (await quota.acquire(answered=1)).paused_for == 0.0  # ...which ends the pause
    wall.t = start + 0.8
    await quota.throttle(pause=1.0, rate_limited=True)
    wall.t = start + 0.81
    await refused_probe()
    wall.t = start + 1.4
    early = await quota.acquire()
    wall.t = start + 1.5
    due = await quota.acquire()
    assert not early.granted
    assert due.granted


async def test_a_probes_429_in_redis_does_not_cut_the_shared_rate(quotas: QuotaFactory) -> None:
    """A 429 to a probe sent during the shared pause leaves the rate where the cut put it."""
    first, second = quotas(rate=100, adaptive=True), quotas(rate=100, adaptive=True)
    cut, _, _ = await first.throttle(pause=2.0, rate_limited=True)
    wall_of(quotas).t += 1.0
    sent = second.now()
    assert (await second.acquire()).granted  # a probe
    again, _, _ = await second.throttle(pause=2.0, rate_limited=True, sent_at=sent)
    assert again == pytest.approx(cut)


# -- the adaptive rate --------------------------------------------------------------------------


async def test_a_cut_by_one_process_is_seen_by_all(quotas: QuotaFactory) -> None:
    """A 429 met by one process cuts the rate every process is paced at."""
    first, second = quotas(rate=40, adaptive=True), quotas(rate=40, adaptive=True)
    rate, _, _ = await first.throttle(pause=0.0, rate_limited=True)
    seen = await second.acquire()
    assert rate == pytest.approx(40 * ADAPTIVE_DECREASE)
    assert seen.rate == pytest.approx(40 * ADAPTIVE_DECREASE)


async def test_a_429_to_a_call_sent_before_the_cut_does_not_cut_again(
    quotas: QuotaFactory,
) -> None:
    """Several processes throttled in the same round trip cut the shared rate once."""
    first, second = quotas(rate=40, adaptive=True), quotas(rate=40, adaptive=True)
    sent = first.now()
    wall_of(quotas).t += 0.01
    await first.throttle(pause=0.0, rate_limited=True, sent_at=sent)
    rate, _, _ = await second.throttle(pause=0.0, rate_limited=True, sent_at=sent)
    assert rate == pytest.approx(40 * ADAPTIVE_DECREASE)


async def test_a_shared_cut_goes_below_the_goodput_of_every_process_as_a_local_one(
    quotas: QuotaFactory,
) -> None:
    """Two processes sending 200 a second between them, of which the server answers every
    other call: a 429 cuts the shared rate to 90% of the 100 a second that got through, the
    rate a quota kept in one process cuts to from the same answers."""
    first, second = quotas(rate=200, adaptive=True), quotas(rate=200, adaptive=True)
    wall = wall_of(quotas)
    local = LocalPacing(200, 1, adaptive=True, now=wall.t)
    for call in range(400):
        answered = call % 2  # every other call got through, told with the next acquire
        assert (await (first, second)[call % 2].acquire(answered=answered)).granted
        assert local.try_take(wall.t)
        local.successes += answered
        wall.t += 1 / 200
    shared, _, _ = await first.throttle(pause=0.0, rate_limited=True)
    local.throttled(wall.t, 0.0, rate_limited=True, sent_at=None)
    assert shared == pytest.approx(100 * GOODPUT_CUT, rel=0.03)
    assert shared == pytest.approx(local.rate(wall.t), rel=1e-6)


async def test_the_shared_rate_recovers_within_seconds(quotas: QuotaFactory) -> None:
    """After a cut the shared rate is back to the configured one within a few seconds."""
    quota = quotas(rate=40, adaptive=True)
    await quota.throttle(pause=0.0, rate_limited=True)
    wall_of(quotas).t += 6.0
    assert (await quota.acquire()).rate == pytest.approx(40)


async def test_a_fixed_rate_is_not_cut(quotas: QuotaFactory) -> None:
    """Without adaptive mode a 429 pauses but never lowers the rate."""
    quota = quotas(rate=40)
    rate, _, _ = await quota.throttle(pause=0.0, rate_limited=True)
    assert rate == pytest.approx(40)


# -- names and clocks ---------------------------------------------------------------------------


def test_the_default_quota_name_holds_host_and_client_but_never_the_token() -> None:
    """The default name tells accounts apart by a hash of the token, not the token."""
    token = "y0_" + "secret-token-value"
    name = quota_name(base_url="https://b2b-api.go.yandex.ru", client_id="acme", token=token)
    other = quota_name(base_url="https://b2b-api.go.yandex.ru", client_id="acme", token=token + "x")
    assert name.startswith("b2b-api.go.yandex.ru/acme/")
    assert token not in name
    assert "secret" not in name
    assert name != other


def test_a_name_cannot_break_out_of_its_hash_tag() -> None:
    """Braces in a quota name are replaced, so both keys stay in one cluster slot."""
    bucket, pause = quota_keys("a}b{c")
    assert bucket == "yandex_b2b:{a_b_c}:bucket"
    assert pause == "yandex_b2b:{a_b_c}:pause"


async def test_processes_with_skewed_clocks_agree_on_the_shared_clock(
    quotas: QuotaFactory,
) -> None:
    """Two hosts whose clocks differ by 100 s read the same shared clock (Redis's)."""
    ahead = quotas(clock=SkewedWall(100.0))
    behind = quotas(clock=SkewedWall(-100.0))
    await ahead.ping()
    await ahead.acquire()
    await behind.acquire()
    assert ahead.clock_offset - behind.clock_offset == pytest.approx(-200.0, abs=0.05)
    assert ahead.now() == pytest.approx(behind.now(), abs=0.05)


# -- Redis away, slow, or cancelled mid-command ----------------------------------------------


async def test_a_stopped_redis_is_reported_at_once(own_redis: RedisServer) -> None:
    """With Redis gone, an acquire fails with RedisUnavailable instead of hanging."""
    quota = RedisQuota(own_redis.url, "down", rate=10, burst=1, adaptive=False)
    try:
        await quota.acquire()
        own_redis.stop()
        with pytest.raises(RedisUnavailable):
            await asyncio.wait_for(quota.acquire(), 2)
    finally:
        await quota.aclose()


async def test_a_slow_redis_is_reported_within_the_timeout(own_redis: RedisServer) -> None:
    """A Redis that does not answer within the timeout counts as unavailable."""
    quota = RedisQuota(own_redis.url, "slow", rate=10, burst=1, adaptive=False, timeout=0.1)
    try:
        await quota.acquire()
        own_redis.pause(1.0)
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(RedisUnavailable):
            await quota.acquire()
        assert loop.time() - started < 0.5
    finally:
        await quota.aclose()


async def test_a_cancellation_during_a_command_always_reaches_the_caller(
    redis_server: RedisServer,
) -> None:
    """Cancelled at any moment of a round trip, an acquire ends cancelled, never swallowed."""
    quota = RedisQuota(
        redis_server.url,
        f"cancel-{uuid.uuid4().hex}",
        rate=1e6,
        burst=1000,
        adaptive=False,
        timeout=SLOW_HOST_TIMEOUT,
    )
    rng = random.Random(7)
    try:
        await quota.acquire()
        for _ in range(200):
            task = asyncio.ensure_future(quota.acquire())
            await asyncio.sleep(rng.random() * 0.0004)
            if task.cancel():
                await asyncio.wait([task], timeout=1)
                assert task.cancelled()
    finally:
        await quota.forget()
        await quota.aclose()


async def test_a_command_whose_caller_left_before_it_was_sent_is_never_sent(
    own_redis: RedisServer,
) -> None:
    """Of the acquires cancelled while one command is in flight, only that one takes a start."""
    quota = RedisQuota(
        own_redis.url,
        "queued",
        rate=1,
        burst=10,
        adaptive=False,
        wall=Wall(),
        sync_clock=False,
        timeout=SLOW_HOST_TIMEOUT,
    )
    try:
        assert (await quota.acquire()).granted
        # Writes held (a script is one) until unpaused: the first command hangs in flight.
        own_redis.command("CLIENT PAUSE 60000 WRITE")
        callers = [asyncio.ensure_future(quota.acquire()) for _ in range(5)]
        await asyncio.sleep(0.01)
        for caller in callers:
            caller.cancel()
        await asyncio.wait(callers)
        own_redis.command("CLIENT UNPAUSE")
        left = 0
        while (await asyncio.wait_for(quota.acquire(), 10)).granted:
            left += 1
        assert left == 10 - 2
    finally:
        own_redis.command("CLIENT UNPAUSE")
        await quota.aclose()


async def test_a_cancelled_command_against_a_hung_redis_ends_at_once(
    own_redis: RedisServer,
) -> None:
    """An acquire waiting on a Redis that answers nothing ends as soon as it is cancelled."""
    quota = RedisQuota(own_redis.url, "hung", rate=10, burst=1, adaptive=False, timeout=5.0)
    try:
        await quota.acquire()
        own_redis.pause(3.0)
        task = asyncio.ensure_future(quota.acquire())
        await asyncio.sleep(0.05)
        task.cancel()
        done, _ = await asyncio.wait([task], timeout=0.2)
        assert task in done
        assert task.cancelled()
    finally:
        await quota.aclose()


async def test_closing_with_a_command_in_flight_ends_at_once(own_redis: RedisServer) -> None:
    """Closing the quota while Redis hangs ends the command in flight and returns promptly."""
    quota = RedisQuota(own_redis.url, "closing", rate=10, burst=1, adaptive=False, timeout=5.0)
    await quota.acquire()
    own_redis.pause(3.0)
    task = asyncio.ensure_future(quota.acquire())
    await asyncio.sleep(0.05)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await quota.aclose()
    done, _ = await asyncio.wait([task], timeout=0.5)
    assert loop.time() - started < 1.0
    assert task in done
    assert task.cancelled()
