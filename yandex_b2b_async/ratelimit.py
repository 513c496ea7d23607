"""Client-side pacing: the gate every attempt of one client passes before it is sent.

:class:`RateLimit` is the configuration a user passes. Each :class:`B2BClient` builds one
:class:`Pacer`, which all of that client's attempts (every call of a bulk run, every retry) go
through. The pacer exists even without a ``RateLimit``: a 429 or a ``Retry-After`` pauses the
whole client, not just the call that met it.

What the pacer does:

* a token bucket of ``burst`` tokens refilled at ``rate`` per ``per`` seconds, so any window of
  ``per`` seconds holds at most ``rate + burst`` starts;
* a pause until the time a server named (``Retry-After``, bounded by ``max_pause``), or for
  ``default_pause`` after a 429 that names none;
* adaptive mode: a 429 cuts the rate to 70% of what the client was sending (the lower of the
  rate in force and the measured sending rate; CUBIC's multiplicative decrease, as botocore's
  adaptive mode), at most once per round trip and never below 0.5 calls/s; the rate then grows
  back along a cubic curve that reaches the rate of the cut after ``ADAPTIVE_RECOVERY_SECONDS``
  (2 s) and goes on, slowly at first, up to the configured rate. A server that throttles at R
  calls per second is met near R with a 429 every few seconds (the curve's probing).

Waiters are served first come, first served. A call that finds a token and no queue takes it
synchronously (no task switch, well under a microsecond). A cancelled waiter takes no token and
hands its place to the next one. The pacer does not limit how many calls are in flight: that is
``B2BClient(max_concurrency=…)``.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Final

import attrs

from ._constants import (
    ADAPTIVE_DECREASE,
    ADAPTIVE_MIN_RATE,
    ADAPTIVE_RECOVERY_SECONDS,
    DEFAULT_BACKOFF_INITIAL,
    DEFAULT_MAX_RETRY_AFTER,
)
from .errors import ValidationError

__all__ = ["Pacer", "PacingTimeout", "RateLimit"]

# A token short by float rounding only counts as whole; otherwise the wait for the missing
# 1e-16 of a token could be too small to move the clock, and a waiter would spin.
_WHOLE_TOKEN: Final = 1.0 - 1e-9
# Adaptive mode measures the rate it actually sends at (botocore: 0.5 s buckets, smoothing 0.8),
# so that a cut starts from what reached the server, not from a rate the client never used.
_MEASURE_BUCKET: Final = 0.5
_MEASURE_SMOOTHING: Final = 0.8


def _positive(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1e12:
        raise ValidationError(f"RateLimit.{attribute.name}", "must be a number > 0", value=value)


def _positive_int(_: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError(f"RateLimit.{attribute.name}", "must be an integer >= 1", value=value)


def _boolean(_: object, attribute: attrs.Attribute[bool], value: bool) -> None:
    if not isinstance(value, bool):
        raise ValidationError(f"RateLimit.{attribute.name}", "must be True or False", value=value)


@attrs.frozen(kw_only=True)
class RateLimit:
    """At most ``rate`` calls per ``per`` seconds, with bursts of up to ``burst`` calls.

    ``burst`` is the bucket's capacity: how many calls may start back to back after a quiet
    spell, so any window of ``per`` seconds holds at most ``rate + burst`` calls. Every attempt
    counts, retries included. ``adaptive=True`` cuts the rate to 70% on each 429 and grows it
    back to the configured rate within seconds (see :class:`Pacer`). A negative or zero rate,
    period or burst is refused with :class:`ValidationError`.
    """

    rate: float = attrs.field(validator=_positive)
    per: float = attrs.field(default=1.0, validator=_positive)
    burst: int = attrs.field(default=1, validator=_positive_int)
    adaptive: bool = attrs.field(default=False, validator=_boolean)

    def make_pacer(
        self,
        *,
        max_pause: float = DEFAULT_MAX_RETRY_AFTER,
        default_pause: float = DEFAULT_BACKOFF_INITIAL,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> Pacer:
        """A fresh pacer with this configuration (one per client)."""
        return Pacer(
            self, max_pause=max_pause, default_pause=default_pause, clock=clock, sleep=sleep
        )


class PacingTimeout(Exception):
    """The pacer would make a call wait longer than the call may (its retry deadline).

    Raised by :meth:`Pacer.acquire` with ``max_wait``; the retry policy turns it into giving up
    with the call's last error. ``wait`` is the estimated wait in seconds.
    """

    def __init__(self, wait: float) -> None:
        self.wait = wait
        super().__init__(f"the client is paced for {wait:.3f}s more")


class Pacer:
    """The live gate of one client: a FIFO token bucket (when configured) and a pause.

    ``config=None`` makes a gate with no rate: it only holds calls during a pause.
    ``max_pause`` bounds how long one ``Retry-After`` pauses the client; ``default_pause`` is
    the pause after a 429 that names no time. ``clock`` and ``sleep`` exist for tests.
    """

    __slots__ = (
        "_burst",
        "_clock",
        "_configured",
        "_cut_at",
        "_cut_rate",
        "_default_pause",
        "_fill",
        "_last_peak",
        "_max_pause",
        "_measure_count",
        "_measure_start",
        "_measured",
        "_paused_until",
        "_peak",
        "_sleep",
        "_tokens",
        "_updated",
        "_waiters",
        "adaptive",
        "config",
        "throttles",
    )

    def __init__(
        self,
        config: RateLimit | None = None,
        *,
        max_pause: float = DEFAULT_MAX_RETRY_AFTER,
        default_pause: float = DEFAULT_BACKOFF_INITIAL,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.config: Final = config
        self.adaptive: Final = config is not None and config.adaptive
        self._clock = clock
        self._sleep = sleep
        self._max_pause = max_pause
        self._default_pause = default_pause
        # Rates are kept in calls per second; ``config.per`` only matters at the edges.
        self._configured = config.rate / config.per if config is not None else 0.0
        self._fill = self._configured
        self._burst = float(config.burst) if config is not None else 0.0
        self._tokens = self._burst
        self._updated = clock()
        self._paused_until = 0.0
        self._waiters: deque[asyncio.Future[None]] = deque()
        # Adaptive state: the rate at the last cut (CUBIC's W_max), when sending resumed after
        # it, and the rate right after it. ``_cut_at`` is None once the rate is fully back.
        self._peak = self._configured
        self._last_peak = 0.0
        self._cut_at: float | None = None
        self._cut_rate = self._configured
        #: How many throttling answers (429, or any answer with Retry-After) the pacer has seen.
        self.throttles = 0
        self._measure_start = self._updated
        self._measure_count = 0
        self._measured: float | None = None

    # -- observation -------------------------------------------------------------------------

    @property
    def current_rate(self) -> float | None:
        """The rate in force now, in calls per ``config.per`` seconds (None without a rate)."""
        if self.config is None:
            return None
        return self._rate(self._clock()) * self.config.per

    @property
    def configured_rate(self) -> float | None:
        """The configured rate, in calls per ``config.per`` seconds (None without a rate)."""
        return None if self.config is None else self.config.rate

    @property
    def paused_for(self) -> float:
        """Seconds left of the current client-wide pause (0.0 when not paused)."""
        return max(0.0, self._paused_until - self._clock())

    @property
    def waiting(self) -> int:
        """How many calls are queued for a token or the end of a pause."""
        return len(self._waiters)

    # -- the gate ------------------------------------------------------------------------------

    def try_acquire(self) -> bool:
        """Take a start now if one is free and nobody is queued; never waits."""
        if self._waiters:
            return False
        if self._paused_until:
            if self._clock() < self._paused_until:
                return False
            self._paused_until = 0.0
        if self.config is None:
            return True
        now = self._clock()
        self._refill(now)
        if self._tokens >= _WHOLE_TOKEN:
            self._tokens -= 1.0
            if self.adaptive:
                self._measure(now)
            return True
        return False

    async def acquire(self, *, max_wait: float | None = None) -> None:
        """Wait for this call's turn, first come first served.

        With ``max_wait`` (seconds), raises :class:`PacingTimeout` at once instead of waiting
        when the turn would come later than that. A cancelled waiter takes no token and does
        not hold up the queue.
        """
        if self.try_acquire():
            return
        if max_wait is not None:
            estimate = self._estimate_wait(len(self._waiters) + 1)
            if estimate > max_wait:
                raise PacingTimeout(estimate)
            limit: float | None = self._clock() + max_wait
        else:
            limit = None
        ticket: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(ticket)
        try:
            if self._waiters[0] is not ticket:
                await ticket  # the waiter ahead hands over when it leaves
            due: float | None = None
            while True:
                now = self._clock()
                delay = self._take_or_delay(now, now if due is None or due > now else due)
                if delay <= 0.0:
                    return
                if limit is not None and now + delay > limit:
                    raise PacingTimeout(delay)
                due = now + delay
                await self._sleep(delay)
        finally:
            if self._waiters[0] is ticket:
                self._waiters.popleft()
                if self._waiters:
                    following = self._waiters[0]
                    if not following.done():
                        following.set_result(None)
            else:
                self._waiters.remove(ticket)

    # -- what the answers say ------------------------------------------------------------------

    def on_throttle(
        self, retry_after: float | None, *, rate_limited: bool = True, sent_at: float | None = None
    ) -> None:
        """Note a throttling answer: pause every call of the client, and adapt the rate.

        ``retry_after`` (seconds, bounded by ``max_pause``) pauses the client; a 429
        (``rate_limited``) without one pauses it for ``default_pause``. In adaptive mode a 429
        cuts the rate, once per round trip: a 429 to a call sent (``sent_at``, on the pacer's
        clock) before the last cut does not cut again.
        """
        if retry_after is not None:
            pause = min(max(0.0, retry_after), self._max_pause)
        elif rate_limited:
            pause = self._default_pause
        else:
            return
        now = self._clock()
        self.throttles += 1
        until = now + pause
        if until > self._paused_until:
            self._paused_until = until
        if self.config is None:
            return
        # No burst right after a throttle: tokens start accruing when the pause ends.
        self._refill(now)
        self._tokens = min(self._tokens, 0.0)
        self._updated = max(self._updated, until)
        if self.adaptive and rate_limited:
            if sent_at is not None and self._cut_at is not None and sent_at < self._cut_at:
                return
            current = self._rate(now)
            if self._measured is not None and self._measured < current:
                current = self._measured
            floor = min(ADAPTIVE_MIN_RATE, self._configured)
            self._cut_rate = max(floor, current * ADAPTIVE_DECREASE)
            peak = current
            if current < self._last_peak:
                # CUBIC's fast convergence (RFC 8312, 4.6): throttled below the last peak, the
                # limit is lower than that peak was, so aim the recovery lower. Without it the
                # curve climbs back to the old peak and meets a 429 every few seconds.
                peak = current * (1.0 + ADAPTIVE_DECREASE) / 2.0
            self._last_peak = current
            if self._cut_rate > current * ADAPTIVE_DECREASE:
                # The curve must rise even when the floor held the cut up: it aims at least at
                # the rate the cut would have come from.
                peak = max(peak, self._cut_rate / ADAPTIVE_DECREASE)
            self._peak = peak
            self._cut_at = max(now, self._paused_until)
            self._fill = self._cut_rate

    # -- internals -----------------------------------------------------------------------------

    def _measure(self, now: float) -> None:
        """Count a start towards the measured sending rate."""
        self._measure_count += 1
        elapsed = now - self._measure_start
        if elapsed > 4 * _MEASURE_BUCKET:
            # After an idle spell the bucket says nothing about the rate the server sees.
            self._measured = None
            self._measure_start = now
            self._measure_count = 0
        elif elapsed >= _MEASURE_BUCKET:
            sent = self._measure_count / elapsed
            previous = self._measured
            self._measured = (
                sent
                if previous is None
                else _MEASURE_SMOOTHING * sent + (1 - _MEASURE_SMOOTHING) * previous
            )
            self._measure_start = now
            self._measure_count = 0

    def _rate(self, now: float) -> float:
        """The fill rate at ``now`` in calls per second (the CUBIC curve after a cut)."""
        cut_at = self._cut_at
        if cut_at is None:
            return self._fill
        elapsed = now - cut_at
        if elapsed <= 0.0:
            return self._cut_rate
        # W(t) = W_max + C (t - K)^3 with K fixed: back at W_max after K seconds, whatever W_max.
        k = ADAPTIVE_RECOVERY_SECONDS
        scale = (self._peak - self._cut_rate) / k**3
        rate = self._peak + scale * (elapsed - k) ** 3
        return min(self._configured, max(rate, self._cut_rate))

    def _refill(self, now: float) -> None:
        elapsed = now - self._updated
        if elapsed > 0.0:
            if self._cut_at is None:
                rate = self._fill
            else:
                rate = self._rate(now)
                if rate >= self._configured:
                    self._cut_at = None
                self._fill = rate
            tokens = self._tokens + elapsed * rate
            self._tokens = tokens if tokens < self._burst else self._burst
            self._updated = now

    def _take_or_delay(self, now: float, due: float) -> float:
        """Take a start and return 0.0, or return how long to wait before trying again.

        ``due`` is when the caller's token was due (``now`` unless it slept and woke late): the
        token is accounted at that time, so the timer's lateness is not lost to the bucket's
        cap — with ``burst=1`` every late wake-up would otherwise lower the rate.
        """
        if now < self._paused_until:
            return self._paused_until - now
        if self.config is None:
            return 0.0
        self._refill(due)
        if self._tokens >= _WHOLE_TOKEN:
            self._tokens -= 1.0
            if self.adaptive:
                self._measure(now)
            return 0.0
        start = max(now, self._updated)
        return start - now + (1.0 - self._tokens) / self._rate(start)

    def _estimate_wait(self, position: int) -> float:
        """Roughly how long the ``position``-th caller in the queue will wait for its turn."""
        now = self._clock()
        pause = max(0.0, self._paused_until - now)
        if self.config is None:
            return pause
        self._refill(now)
        missing = position - self._tokens
        if missing <= 0.0:
            return pause
        start = max(now, self._updated)
        return max(pause, start - now) + missing / self._rate(start)
