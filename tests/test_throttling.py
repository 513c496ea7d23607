"""A 429 is the server asking to wait: what it costs a call, how a pause ends, how the rate
adapts — the mechanisms behind the server-limit benchmark (benchmarks/limits.py), each shown
without a timed assertion (a fake clock for the pacer, counts for the request path)."""

from __future__ import annotations

import asyncio
import itertools
import math
from collections.abc import AsyncIterator

import pytest

from tests._hostile import Answer as HostileAnswer
from tests._hostile import HostileServer
from tests.test_ratelimit import FakeClock, make_pacer
from yandex_b2b_async import (
    B2BClient,
    RateLimit,
    RateLimitError,
    RetryPolicy,
    ServerError,
    TransportError,
)
from yandex_b2b_async._constants import GOODPUT_CUT, LIMIT_FIT_CUT
from yandex_b2b_async._transport import AiohttpTransport
from yandex_b2b_async.pacing import Pacer
from yandex_b2b_async.retries import RetryBudget, RetryEvent
from yandex_b2b_async.sandbox import Reply, Sandbox

ARCHIVE = "/integration/2.0/users/archive"


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox() as running:
        yield running


def throttles(count: int, retry_after: float = 0.01) -> list[Reply]:
    return [Reply.rate_limited(retry_after) for _ in range(count)]


# -- a 429 spends no attempt, no budget ------------------------------------------------------


async def test_a_429_spends_no_attempt(sandbox: Sandbox) -> None:
    """Five 429s in a row do not use up two attempts: the call waits them out and succeeds."""
    sandbox.faults.script("POST", ARCHIVE, throttles(5))
    user_id = sandbox.add_user(phone="+79990000002")
    async with B2BClient(
        sandbox.token, base_url=sandbox.url, retry=RetryPolicy(max_attempts=2)
    ) as client:
        await client.users.archive(user_id)
    assert sandbox.stats.count("POST", ARCHIVE) == 6


async def test_a_429_that_pauses_nothing_spends_an_attempt(sandbox: Sandbox) -> None:
    """A server answering "429, Retry-After: 0" again and again, to a client that pauses for
    no time when none is named (backoff_initial=0), gets each call back only as often as any
    failure: no storm of immediate retries."""
    sandbox.faults.script("POST", ARCHIVE, throttles(10, retry_after=0))
    user_id = sandbox.add_user(phone="+79990000002")
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    policy = RetryPolicy(max_attempts=3, backoff_initial=0.0, backoff_max=0.0, sleep=sleep)
    async with B2BClient(sandbox.token, base_url=sandbox.url, retry=policy) as client:
        with pytest.raises(RateLimitError) as caught:
            await client.users.archive(user_id)
    assert caught.value.attempts == 3
    assert sandbox.stats.count("POST", ARCHIVE) == 3
    assert len(slept) == 2


async def test_whether_a_429_spends_an_attempt_follows_the_clients_pause_not_the_calls(
    sandbox: Sandbox,
) -> None:
    """A client that pauses for nothing after a 429 naming no time (backoff_initial=0) spends
    an attempt on each, even for a call whose own policy backs off: that call is not held by
    the pacer, so an attempt is what bounds it."""
    sandbox.faults.script("POST", ARCHIVE, throttles(10, retry_after=0))
    user_id = sandbox.add_user(phone="+79990000002")

    async def sleep(seconds: float) -> None:
        return None

    pauses_nothing = RetryPolicy(backoff_initial=0.0, backoff_max=0.0, sleep=sleep)
    call_policy = RetryPolicy(max_attempts=3, backoff_initial=0.2, sleep=sleep)
    async with B2BClient(sandbox.token, base_url=sandbox.url, retry=pauses_nothing) as client:
        with pytest.raises(RateLimitError):
            await client.users.archive(user_id, retry=call_policy)
    assert sandbox.stats.count("POST", ARCHIVE) == 3


async def test_a_429_with_retry_after_0_pauses_as_one_naming_no_time() -> None:
    """ "Retry-After: 0" on a 429 is a gateway rounding its milliseconds down: the client pauses
    for its default pause (probed), as after a 429 naming no time, and learns a rate."""
    clock = FakeClock()
    pacer = make_pacer(clock, None, default_pause=0.5)
    for _ in range(10):
        assert pacer.try_acquire()
        pacer.answers.successes += 1
    pacer.on_throttle(0.0)
    assert pacer.paused_for == pytest.approx(0.5)
    await pacer.acquire()  # a probe, one learned call's time after the 429
    assert clock.now - 1000.0 == pytest.approx(0.1)


async def test_a_503_still_spends_an_attempt_between_429s(sandbox: Sandbox) -> None:
    """Attempts answered 429 are not counted; the others are, and bound the call as before."""
    sandbox.faults.script(
        "POST", ARCHIVE, [*throttles(2), Reply(status=503), *throttles(2), Reply(status=503)]
    )
    user_id = sandbox.add_user(phone="+79990000002")
    policy = RetryPolicy(max_attempts=2, backoff_initial=0, backoff_max=0)
    async with B2BClient(sandbox.token, base_url=sandbox.url, retry=policy) as client:
        with pytest.raises(ServerError) as caught:
            await client.users.archive(user_id)
    assert caught.value.status == 503
    assert sandbox.stats.count("POST", ARCHIVE) == 6


async def test_the_deadline_bounds_the_wait_for_a_429(sandbox: Sandbox) -> None:
    """A Retry-After that would end past the deadline ends the call at once with the 429."""
    sandbox.faults.script("POST", ARCHIVE, [Reply.rate_limited(5)])
    user_id = sandbox.add_user(phone="+79990000002")
    give_ups: list[RetryEvent] = []
    policy = RetryPolicy(deadline=1.0, on_give_up=give_ups.append)
    async with B2BClient(sandbox.token, base_url=sandbox.url, retry=policy) as client:
        with pytest.raises(RateLimitError):
            await client.users.archive(user_id)
    assert sandbox.stats.count("POST", ARCHIVE) == 1
    assert [event.reason for event in give_ups] == ["deadline"]


async def test_a_429_costs_no_retry_budget(sandbox: Sandbox) -> None:
    """Retries after a 429 are not paid from the retry budget, which stays full."""
    sandbox.faults.script("POST", ARCHIVE, throttles(3))
    user_id = sandbox.add_user(phone="+79990000002")
    budget = RetryBudget(capacity=5, retry_cost=5)
    async with B2BClient(sandbox.token, base_url=sandbox.url, retry_budget=budget) as client:
        await client.users.archive(user_id)
    assert (budget.available, budget.spent, budget.denied) == (5, 0, 0)


async def test_a_throttled_call_waits_in_the_pacer_not_in_a_sleep_of_its_own(
    sandbox: Sandbox,
) -> None:
    """After a 429 the policy's sleep is not used: the pacer's queue holds the call."""
    sandbox.faults.script("POST", ARCHIVE, throttles(2))
    user_id = sandbox.add_user(phone="+79990000002")
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    async with B2BClient(
        sandbox.token, base_url=sandbox.url, retry=RetryPolicy(sleep=sleep)
    ) as client:
        await client.users.archive(user_id)
    assert slept == []
    assert client.pacer.throttles == 2


# -- a pause ends without a stampede ---------------------------------------------------------


async def _starts_after_a_pause(pacer_config: RateLimit | None, waiters: int) -> list[float]:
    clock = FakeClock()
    pacer = make_pacer(clock, pacer_config)
    for _ in range(10):
        assert pacer.try_acquire()
        pacer.answers.successes += 1
    pacer.on_throttle(1.0)
    starts: list[float] = []

    async def waiter() -> None:
        await pacer.acquire()
        starts.append(clock.now - 1000.0)

    await asyncio.gather(*(waiter() for _ in range(waiters)))
    return starts


def after_the_pause(starts: list[float]) -> list[float]:
    """The starts from the pause's end on (the probes before it left out: nobody answered)."""
    return [start for start in starts if start >= 1.0 - 1e-9]


async def test_a_pause_is_probed_by_one_call_at_doubling_gaps() -> None:
    """While a server refuses, one call at a time goes during a 429's pause: after the gap the
    rate gives a call (10 ms at 100 a second), then after twice that, and so on up to an
    eighth of the pause; the others wait for the pause to end."""
    starts = await _starts_after_a_pause(RateLimit(rate=100, burst=10), 12)
    probes = [start for start in starts if start < 1.0]
    assert probes[:5] == pytest.approx([0.01, 0.03, 0.07, 0.15, 0.275])
    gaps = [later - earlier for earlier, later in itertools.pairwise(probes[4:])]
    assert gaps == pytest.approx([0.125] * len(gaps))
    assert len(starts) > len(probes)


async def test_the_first_call_answered_ends_the_pause_for_everyone() -> None:
    """A probe that gets through ends a 429's pause: a second's Retry-After is often a
    gateway's rounding of a few milliseconds, and the calls waiting go on at the rate."""
    clock = FakeClock()
    pacer = make_pacer(clock, RateLimit(rate=100, burst=10))
    pacer.on_throttle(1.0, sent_at=clock.now)
    starts: list[float] = []

    async def call() -> None:
        await pacer.acquire()
        starts.append(clock.now - 1000.0)
        pacer.answers.successes += 1  # the server takes it

    await asyncio.gather(*(call() for _ in range(5)))
    assert starts[0] == pytest.approx(0.01)
    assert starts[-1] < 0.1
    assert pacer.paused_for == 0.0


async def test_a_probes_429_does_not_cut_the_rate_again() -> None:
    """A probe refused during the pause is not a new congestion event: nothing was sent at
    the rate the last cut set, so the rate stays where that cut put it."""
    clock = FakeClock()
    pacer = make_pacer(clock, RateLimit(rate=100, adaptive=True))
    pacer.on_throttle(1.0, sent_at=clock.now)
    cut = pacer.current_rate
    await pacer.acquire()  # the probe
    pacer.on_throttle(1.0, sent_at=clock.now)
    assert pacer.current_rate == cut


async def test_a_5xx_naming_a_time_pauses_the_client_without_probes() -> None:
    """A 503 with Retry-After is a busy server, not a counted limit: nothing goes before the
    time it named."""
    clock = FakeClock()
    pacer = make_pacer(clock, RateLimit(rate=100, burst=10))
    pacer.on_throttle(2.0, rate_limited=False)
    await pacer.acquire()
    assert clock.now - 1000.0 == pytest.approx(2.0, abs=0.011)  # then a token at the rate


async def test_a_pause_ends_without_a_stampede_on_a_client_without_a_rate() -> None:
    """A client with no RateLimit releases the calls held by a 429 no faster than the server
    took them before it: after the probes, as many at once as it answered (10 here), then
    one by one."""
    starts = after_the_pause(await _starts_after_a_pause(None, 24))
    assert starts[:10] == [pytest.approx(1.0)] * 10
    later = starts[10:]
    assert later[0] > 1.0
    assert len(set(later)) == len(later)
    assert later == sorted(later)


async def test_a_pause_ends_without_a_stampede_with_a_rate() -> None:
    """A client with a RateLimit releases the held calls at its rate, with no burst."""
    starts = after_the_pause(await _starts_after_a_pause(RateLimit(rate=100, burst=10), 15))
    assert starts[0] == pytest.approx(1.0, abs=0.011)
    gaps = [later - earlier for earlier, later in itertools.pairwise(starts)]
    assert gaps == pytest.approx([0.01] * 4)


async def test_the_learned_rate_starts_at_what_the_server_let_through() -> None:
    """Without a RateLimit, the first 429 starts a rate from the answers before it (ten in
    the second before: 10 a second), and the rate grows while no 429 comes."""
    starts = after_the_pause(await _starts_after_a_pause(None, 48))
    assert starts[10] - 1.0 == pytest.approx(1 / 10, rel=0.3)
    paced = starts[10:]
    assert paced[-1] - paced[-6] < paced[5] - paced[0]  # the last five came faster


# -- one decrease per congestion event -------------------------------------------------------


async def test_a_learned_rate_is_shown_as_the_pacers_current_rate() -> None:
    """A client without a RateLimit shows no rate until a 429 teaches it one, then that rate
    (calls a second), as a configured client shows its own."""
    clock = FakeClock()
    pacer = make_pacer(clock, None)
    for _ in range(10):
        assert pacer.try_acquire()
        pacer.answers.successes += 1
    assert pacer.current_rate is None
    pacer.on_throttle(1.0)
    assert pacer.current_rate == pytest.approx(10.0)


async def test_a_burst_of_429s_cuts_the_rate_once() -> None:
    """Ten 429s to calls sent before the cut lower the adaptive rate once, not ten times."""
    clock = FakeClock()
    pacer = make_pacer(clock, RateLimit(rate=100, adaptive=True), default_pause=0.0)
    sent = clock.now
    clock.now += 0.01
    pacer.on_throttle(None, sent_at=sent)
    once = pacer.current_rate
    for _ in range(9):
        pacer.on_throttle(None, sent_at=sent)
    assert pacer.current_rate == once
    assert once is not None
    assert once < 100


async def test_a_cut_goes_just_below_what_the_server_let_through() -> None:
    """Sending 200 a second of which the server answers every other one, a 429 cuts the rate
    to 90% of the 100 a second that got through, not to 70% of the 200 sent."""
    clock = FakeClock()
    pacer = make_pacer(clock, RateLimit(rate=200, adaptive=True), default_pause=0.0)
    sent = 0
    while clock.now < 1002.0:
        await pacer.acquire()
        sent += 1
        if sent % 2:
            pacer.answers.successes += 1
    pacer.on_throttle(None, sent_at=clock.now)
    assert pacer.current_rate == pytest.approx(100 * GOODPUT_CUT, rel=0.06)


class ServerBucket:
    """A server's token bucket on the test's clock: ``rate`` a second, holding ``burst``."""

    def __init__(self, clock: FakeClock, rate: float, burst: int) -> None:
        self.clock, self.rate, self.burst = clock, rate, burst
        self.tokens, self.stamp = float(burst), clock.now

    def admits(self) -> bool:
        now = self.clock.now
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


class ServerWindow:
    """A server's fixed window on the test's clock: ``count`` calls a second, the window
    resetting at a phase of its own (not the client's start)."""

    def __init__(self, clock: FakeClock, count: int, phase: float = 0.37) -> None:
        self.clock, self.count, self.phase = clock, count, phase
        self.window: int | None = None
        self.used = 0

    def admits(self) -> bool:
        window = math.floor(self.clock.now + self.phase)
        if window != self.window:
            self.window, self.used = window, 0
        if self.used < self.count:
            self.used += 1
            return True
        return False


async def send(pacer: Pacer, server: ServerBucket | ServerWindow, calls: int) -> list[float]:
    """Send ``calls`` calls one after the other through ``pacer`` to ``server``, each 429
    pausing the client for a second; the start time of each call that got through."""
    starts: list[float] = []
    while len(starts) < calls:
        await pacer.acquire()
        sent = server.clock.now
        if server.admits():
            pacer.answers.successes += 1
            starts.append(sent)
        else:
            pacer.on_throttle(1.0, sent_at=sent)
    return starts


async def test_a_bucket_that_hides_its_rate_behind_a_burst_is_found_in_a_few_events() -> None:
    """Sending twice too fast at a bucket of 100/s holding 10, every call gets through until its
    429, so the answers measure what was sent: within a few congestion events the rate settles
    just below the bucket's (the last fitted from two of them), and 600 calls take at most 2%
    longer than the bucket itself allows (on the test's clock)."""
    clock = FakeClock()
    pacer = make_pacer(clock, RateLimit(rate=200, adaptive=True))
    server = ServerBucket(clock, rate=100, burst=10)
    starts = await send(pacer, server, 600)
    assert pacer.throttles <= 5
    assert starts[-1] - starts[0] <= 1.02 * (600 - 10) / 100
    rate = pacer.current_rate
    assert rate is not None
    assert 100 * LIMIT_FIT_CUT * GOODPUT_CUT <= rate <= 110


async def test_a_client_without_a_rate_meets_a_bucket_near_its_own_time() -> None:
    """With no RateLimit at all, 600 calls through a bucket of 100/s holding 10 that answers
    429 with a whole second's Retry-After take at most 10% longer than the bucket allows
    (on the test's clock): the pauses are probed, the rate learned."""
    clock = FakeClock()
    pacer = make_pacer(clock, None)
    server = ServerBucket(clock, rate=100, burst=10)
    starts = await send(pacer, server, 600)
    assert starts[-1] - starts[0] <= 1.10 * (600 - 10) / 100
    assert pacer.throttles <= 10


async def test_a_windows_pauses_are_probed_where_it_last_reset() -> None:
    """Against a window of 100 a second, once a pause has outlasted its probes, the next
    pause's probe waits for when the window reset last time, a second on: 600 calls sent twice
    too fast meet at most 15 refusals (30 when every pause is probed at doubling gaps), and
    take at most 10% longer than the window allows (on the test's clock)."""
    clock = FakeClock()
    pacer = make_pacer(clock, RateLimit(rate=200, adaptive=True))
    starts = await send(pacer, ServerWindow(clock, 100), 600)
    assert pacer.throttles <= 15
    assert starts[-1] - starts[0] <= 1.10 * (600 - 100) / 100


# -- the timeout's meaning -------------------------------------------------------------------


async def test_a_timeout_waiting_for_a_connection_is_not_sent(hostile: HostileServer) -> None:
    """A call that times out before it holds a connection was not sent; one that times out
    waiting for its answer was."""
    hostile.answer(HostileAnswer(delay=30.0))
    transport = AiohttpTransport(connection_limit=1)
    patient = B2BClient("token", base_url=hostile.url, timeout=30, retry=None, transport=transport)
    hasty = B2BClient("token", base_url=hostile.url, timeout=0.3, retry=None, transport=transport)
    async with patient, hasty:
        holding = asyncio.create_task(patient.users.archive("u1"))  # holds the one connection
        await asyncio.sleep(0.05)
        with pytest.raises(TransportError) as waiting:
            await hasty.users.archive("u2")
        holding.cancel()
        with pytest.raises(asyncio.CancelledError):
            await holding
        with pytest.raises(TransportError) as answered:
            await hasty.users.archive("u3")
    assert waiting.value.sent is False
    assert answered.value.sent is True
    assert waiting.value.timeout
    assert answered.value.timeout
    assert "no answer within 0.3s" in str(answered.value)
