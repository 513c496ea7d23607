"""The shared pacing backend: the pacer's quota kept in Redis, with a local fallback.

:class:`RedisPacing` is a :class:`~yandex_b2b_async.pacing.PacingBackend`: the
:class:`~yandex_b2b_async.pacing.Pacer` in front of it still queues this process's callers first
come, first served and does the sleeping, so only the head of the queue talks to Redis — one
round trip (:class:`~.redis_quota.RedisQuota`'s acquire script) per start, and a waiter sleeps
exactly as long as the script says (no polling). Every process on the same quota name shares
the bucket, the pause after a 429 or a ``Retry-After``, and the adaptive rate.

What it does when Redis does not answer (refused, timed out, an error reply):

* ``on_down="local"`` (the default): it says so once in the log, and paces this process alone
  with a :class:`~yandex_b2b_async.pacing.LocalPacing` at the configured rate — so N processes
  may together send up to N times the rate until Redis is back; a pause already known carries
  over. Once a second (``REDIS_PROBE_INTERVAL``) a probe in the background asks Redis again;
  when it answers the process returns to the shared quota (and says so).
* ``on_down="fail"``: every call fails with :class:`~yandex_b2b_async.errors.SharedPacingError`
  before anything is sent, until Redis answers again.

A throttle is noted at once in this process (its callers hold at once) and published to Redis
in the background, so the request path never waits on Redis to report a 429.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncGenerator, Callable, Coroutine
from typing import TYPE_CHECKING, Final, Protocol

from .._constants import DEFAULT_REDIS_TIMEOUT, PROBE_MIN_SECONDS, REDIS_PROBE_INTERVAL
from ..errors import SharedPacingError
from .redis_quota import RedisQuota, RedisUnavailable, quota_name
from .shared_options import OnRedisDown, describe_redis_url

if TYPE_CHECKING:
    from .limit import RateLimit

__all__ = ["OnRedisDown", "RedisPacing", "shared_backend"]

logger: Final = logging.getLogger("yandex_b2b_async.pacing")


class _Backend(Protocol):
    """What the fallback offers: :class:`~yandex_b2b_async.pacing.PacingBackend`."""

    def try_take(self, now: float) -> bool: ...

    async def take_or_delay(self, now: float, due: float) -> float: ...

    def estimate_wait(self, now: float, position: int) -> float: ...

    def throttled(
        self, now: float, pause: float, *, rate_limited: bool, sent_at: float | None
    ) -> None: ...

    def rate(self, now: float) -> float | None: ...

    def paused_until(self) -> float: ...


async def _closes_with_the_loop(quota: RedisQuota) -> AsyncGenerator[None, None]:
    """Suspended while the quota is in use. A loop closes the async generators it started when
    it shuts down (``asyncio.run`` does), so the quota's connections close with their loop even
    when the client is never closed."""
    try:
        yield
    finally:
        await quota.aclose()


class RedisPacing:
    """A quota named ``name`` in the Redis at ``url``, shared by every process that uses it.

    ``rate`` (calls/s), ``burst`` and ``adaptive`` are the quota's; every process sharing it
    should use the same. ``fallback(now)`` builds the local backend used while Redis is away
    (``on_down="local"``). ``timeout`` bounds each round trip. ``clock`` is the pacer's clock;
    ``wall``, for tests that drive time, replaces the shared clock (Redis's, read through this
    host's wall clock). ``on_shared_pause(seconds)`` is called when an acquire learns of a pause
    another process set; ``on_mode(shared, reason)`` when the process falls back to local pacing
    (``shared`` False, ``reason`` the failure) or returns to the shared quota (True, None).
    Connections are made on first use, in the running loop; :meth:`aclose` ends them.
    """

    def __init__(
        self,
        url: str,
        name: str,
        *,
        rate: float,
        burst: int,
        adaptive: bool,
        fallback: Callable[[float], _Backend],
        on_down: OnRedisDown = "local",
        timeout: float = DEFAULT_REDIS_TIMEOUT,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] | None = None,
        on_shared_pause: Callable[[float], None] | None = None,
        on_mode: Callable[[bool, str | None], None] | None = None,
    ) -> None:
        self.url: Final = url
        self.name: Final = name
        self.where: Final = describe_redis_url(url)
        self._rate_conf = rate
        self._burst = burst
        self._adaptive = adaptive
        self._timeout = timeout
        self._fallback = fallback
        self._on_down: Final = on_down
        self._clock = clock
        self._wall = wall
        self._quota: RedisQuota | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._keeper: AsyncGenerator[None, None] | None = None
        self._local: _Backend | None = None
        self._down_logged = False
        self._next_probe = 0.0
        self._probing = False
        self._rate = rate
        self._paused_until = 0.0
        # The latest end of a shared pause this process knows of (set or learnt).
        self._known_pause = 0.0
        self._tasks: set[asyncio.Task[None]] = set()
        self._on_shared_pause = on_shared_pause
        self._on_mode = on_mode
        #: How many times this process fell back to local pacing, and came back.
        self.fallbacks = 0
        self.recoveries = 0
        #: Successful answers counted by the request path; those not yet told to Redis are
        #: added to the shared count on the next round trip (the shared goodput).
        self.successes = 0
        self._told = 0

    # -- observation ---------------------------------------------------------------------------

    @property
    def shared(self) -> bool:
        """True while the quota is kept in Redis, False while this process paces alone."""
        return self._local is None

    # -- PacingBackend -------------------------------------------------------------------------

    def try_take(self, now: float) -> bool:
        local = self._local
        if local is None:
            return False  # every shared start is a round trip, made in take_or_delay
        self._maybe_probe(now)
        return local.try_take(now)

    async def take_or_delay(self, now: float, due: float) -> float:
        local = self._local
        if local is None:
            if now < self._paused_until:
                return self._paused_until - now
            quota = await self._get_quota()
            answered = self._answered()
            try:
                grant = await quota.acquire(due=quota.now() - (now - due), answered=answered)
            except RedisUnavailable as exc:
                self._told -= answered
                now = self._clock()
                local = self._fall_back(exc, now)
                return await local.take_or_delay(now, now)
            if self._local is not None:  # fell back while this round trip ran: stay local
                return await self._local.take_or_delay(self._clock(), due)
            if self._down_logged:  # on_down="fail": Redis answers again
                self._down_logged = False
                self.recoveries += 1
                if self._on_mode is not None:
                    self._on_mode(True, None)
                logger.warning("shared pacing: Redis at %s answers again", self.where)
            self._note(grant.rate, grant.paused_for, now, probing=grant.probing)
            if not grant.granted:
                return grant.wait
            later = self._clock()
            if later < self._paused_until:
                # A throttle arrived while the round trip ran: the start it won is given up
                # rather than sent into the pause.
                return self._paused_until - later
            return 0.0
        self._maybe_probe(now)
        return await local.take_or_delay(now, due)

    def estimate_wait(self, now: float, position: int) -> float:
        local = self._local
        if local is not None:
            return local.estimate_wait(now, position)
        pause = max(0.0, self._paused_until - now)
        return pause + max(0, position - 1) / self._rate

    def throttled(
        self, now: float, pause: float, *, rate_limited: bool, sent_at: float | None
    ) -> None:
        until = now + pause
        self._known_pause = max(self._known_pause, until)
        # Held here until Redis has the pause. A 429's is probed there (see _note), its first
        # probe due one call's time after the 429: this process holds only that long itself,
        # so that a waiter does not sleep through the probes.
        hold = now + min(pause, max(PROBE_MIN_SECONDS, 1.0 / self._rate)) if rate_limited else until
        if hold > self._paused_until:
            self._paused_until = hold
        local = self._local
        if local is not None:
            local.throttled(now, pause, rate_limited=rate_limited, sent_at=sent_at)
            return
        self._spawn(self._publish(now, pause, rate_limited, sent_at))

    def rate(self, now: float) -> float | None:
        local = self._local
        return self._rate if local is None else local.rate(now)

    def paused_until(self) -> float:
        local = self._local
        return self._paused_until if local is None else local.paused_until()

    # -- lifecycle -----------------------------------------------------------------------------

    async def aclose(self) -> None:
        """Stop the background probes and publications, close the connections; never waits
        on Redis longer than one timeout."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=self._timeout)
        self._quota = None
        keeper, self._keeper = self._keeper, None
        if keeper is not None:
            await keeper.aclose()

    # -- internals -----------------------------------------------------------------------------

    async def _get_quota(self) -> RedisQuota:
        """This loop's quota: made on first use, and again under a new loop (a client reused
        by a second ``asyncio.run``), since connections belong to the loop they were made on."""
        quota = self._quota
        loop = asyncio.get_running_loop()
        if quota is not None and self._loop is loop:
            return quota
        quota = self._quota = RedisQuota(
            self.url,
            self.name,
            rate=self._rate_conf,
            burst=self._burst,
            adaptive=self._adaptive,
            timeout=self._timeout,
            wall=self._wall or time.time,
            sync_clock=self._wall is None,
        )
        self._loop = loop
        keeper = _closes_with_the_loop(quota)
        await keeper.asend(None)
        self._keeper = keeper
        return quota

    def _note(
        self, rate: float, paused_for: float, now: float, *, learnt: bool = True, probing: bool
    ) -> None:
        self._rate = rate
        # A pause that ends later than any this process knew of was set by another process
        # (our own are noted before they are published); a millisecond absorbs clock rounding.
        if paused_for > 0.0 and now + paused_for > self._known_pause + 1e-3:
            self._known_pause = now + paused_for
            if learnt and self._on_shared_pause is not None:
                self._on_shared_pause(paused_for)
        if probing:
            # A 429's pause, probed in Redis: each acquire is told when it may go, so this
            # process holds nothing of its own (its own hold, until the pause was published,
            # ends here).
            self._paused_until = min(self._paused_until, now)
        elif paused_for > 0.0:
            self._paused_until = max(self._paused_until, now + paused_for)

    def _fall_back(self, exc: RedisUnavailable, now: float) -> _Backend:
        """Go local (or fail) after Redis did not answer."""
        if self._on_down == "fail":
            if not self._down_logged:
                self._down_logged = True
                if self._on_mode is not None:
                    self._on_mode(False, str(exc))
                logger.warning(
                    "shared pacing: Redis at %s is unavailable (%s); calls fail until it "
                    "answers (on_redis_down='fail')",
                    self.where,
                    exc,
                )
                self._next_probe = now
            raise SharedPacingError(
                f"the shared pacer (Redis at {self.where}) did not answer: {exc}; nothing was "
                "sent (the rate limit says to fail rather than pace this process alone)"
            ) from exc
        local = self._local
        if local is None:
            local = self._local = self._fallback(now)
            if self._paused_until > now:
                local.throttled(now, self._paused_until - now, rate_limited=False, sent_at=None)
            self.fallbacks += 1
            self._next_probe = now + REDIS_PROBE_INTERVAL
            if self._on_mode is not None:
                self._on_mode(False, str(exc))
            logger.warning(
                "shared pacing: Redis at %s is unavailable (%s); this process paces itself "
                "alone at %g calls/s until Redis answers again",
                self.where,
                exc,
                self._rate_conf,
            )
        return local

    def _maybe_probe(self, now: float) -> None:
        if self._probing or now < self._next_probe:
            return
        self._probing = True
        self._next_probe = now + REDIS_PROBE_INTERVAL
        self._spawn(self._probe())

    async def _probe(self) -> None:
        try:
            await (await self._get_quota()).ping()
        except RedisUnavailable:
            return
        finally:
            self._probing = False
        local, self._local = self._local, None
        self._down_logged = False
        if local is None:
            return
        self.recoveries += 1
        now = self._clock()
        if self._on_mode is not None:
            self._on_mode(True, None)
        logger.warning(
            "shared pacing: Redis at %s answers again; back to the shared quota", self.where
        )
        left = local.paused_until() - now
        if left > 0.0:
            self._paused_until = max(self._paused_until, now + left)
            await self._publish(now, left, False, None)

    async def _publish(
        self, now: float, pause: float, rate_limited: bool, sent_at: float | None
    ) -> None:
        quota = await self._get_quota()
        shared_now = quota.now()
        answered = self._answered()
        try:
            rate, left, probing = await quota.throttle(
                pause=pause - (self._clock() - now),
                rate_limited=rate_limited,
                sent_at=None if sent_at is None else shared_now - (now - sent_at),
                answered=answered,
            )
        except RedisUnavailable as exc:
            self._told -= answered
            if self._on_down == "fail":
                logger.warning(
                    "shared pacing: could not publish a pause to Redis at %s (%s)", self.where, exc
                )
                return
            current = self._clock()
            local = self._fall_back(exc, current)
            remaining = now + pause - current
            local.throttled(
                current, max(0.0, remaining), rate_limited=rate_limited, sent_at=sent_at
            )
            return
        self._note(rate, left, self._clock(), learnt=False, probing=probing)

    def _answered(self) -> int:
        """The successful answers not yet told to Redis, now counted as told."""
        answered = self.successes - self._told
        self._told = self.successes
        return answered

    def _spawn(self, work: Coroutine[object, object, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def shared_backend(
    limit: RateLimit,
    *,
    base_url: str,
    client_id: str | None,
    token: str,
    on_shared_pause: Callable[[float], None] | None = None,
    on_mode: Callable[[bool, str | None], None] | None = None,
) -> RedisPacing:
    """The backend of a client whose ``limit`` names a Redis: its quota named ``limit.key``, or
    by default after the account (:func:`~.redis_quota.quota_name`: never the token itself).
    ``on_shared_pause`` is told of each pause learnt from another process, ``on_mode`` of each
    time Redis stops or starts answering (the client's observers)."""
    from .state import LocalPacing

    assert limit.redis_url is not None
    rate = limit.rate / limit.per

    def local(now: float) -> LocalPacing:
        return LocalPacing(rate, limit.burst, adaptive=limit.adaptive, now=now)

    return RedisPacing(
        limit.redis_url,
        limit.key or quota_name(base_url=base_url, client_id=client_id, token=token),
        rate=rate,
        burst=limit.burst,
        adaptive=limit.adaptive,
        fallback=local,
        on_down=limit.on_redis_down,
        timeout=limit.redis_timeout,
        on_shared_pause=on_shared_pause,
        on_mode=on_mode,
    )
