"""The pacing state of one quota: the bucket, the pause, the adaptive rate — in this process.

:class:`PacingState` is what a :class:`~.pacer.Pacer` delegates every decision to, and the seam
for a shared backend: a backend that keeps the same three things somewhere else (Redis, for
several processes sharing one quota) implements :class:`PacingBackend` and is given to the
pacer instead of a :class:`LocalPacing`. The pacer keeps only what is per process: the FIFO
queue of waiters, the sleeping, and the ``max_wait`` bound.

All times are readings of the pacer's clock, passed in; nothing here sleeps or reads a clock.
"""

from __future__ import annotations

from typing import Final, Protocol

from .bucket import WHOLE_TOKEN, TokenBucket
from .cubic import cubic_rate, cut_rate
from .meter import RateMeter

__all__ = ["LocalPacing", "PacingBackend"]


class PacingBackend(Protocol):
    """Who owns a quota's bucket, pause-until and adaptive rate (rates in calls per second).

    ``try_take`` is the success path: synchronous, it must not wait (a shared backend may answer
    from a local lease of tokens, or False to send the caller down the waiting path).
    ``take_or_delay`` is that waiting path: it takes a start and returns 0.0, or returns how
    long to wait before asking again. ``throttled`` records a throttling answer (a shared
    backend records it locally at once and publishes it as it can).
    """

    def try_take(self, now: float) -> bool: ...

    async def take_or_delay(self, now: float, due: float) -> float: ...

    def estimate_wait(self, now: float, position: int) -> float: ...

    def throttled(
        self, now: float, pause: float, *, rate_limited: bool, sent_at: float | None
    ) -> None: ...

    def rate(self, now: float) -> float | None: ...

    def paused_until(self) -> float: ...


class LocalPacing:
    """A quota kept in this process: :class:`PacingBackend` over a :class:`TokenBucket`, the
    pause-until, and the CUBIC curve of :mod:`.cubic` fed by a :class:`RateMeter`.

    ``rate`` is None for a quota without a rate: only pauses then.
    """

    __slots__ = (
        "_bucket",
        "_configured",
        "_cut",
        "_cut_at",
        "_fill",
        "_last_peak",
        "_meter",
        "_paused_until",
        "_peak",
        "adaptive",
    )

    def __init__(self, rate: float | None, burst: int, *, adaptive: bool, now: float) -> None:
        self._configured: Final = rate or 0.0
        self.adaptive: Final = adaptive and rate is not None
        self._bucket: TokenBucket | None = (
            TokenBucket(float(burst), now) if rate is not None else None
        )
        self._fill = self._configured
        self._paused_until = 0.0
        # Adaptive state: the rate at the last cut (CUBIC's W_max), when sending resumed after
        # it, and the rate right after it. ``_cut_at`` is None once the rate is fully back.
        self._peak = self._configured
        self._last_peak = 0.0
        self._cut_at: float | None = None
        self._cut = self._configured
        self._meter = RateMeter(now)

    def paused_until(self) -> float:
        return self._paused_until

    def rate(self, now: float) -> float | None:
        return None if self._bucket is None else self._rate(now)

    def try_take(self, now: float) -> bool:
        if self._paused_until:
            if now < self._paused_until:
                return False
            self._paused_until = 0.0
        bucket = self._bucket
        if bucket is None:
            return True
        # The success path of every call: TokenBucket.refill and take, inlined (each method
        # call is a measurable part of a call's own cost).
        elapsed = now - bucket.updated
        if elapsed > 0.0:
            if self._cut_at is None:
                tokens = bucket.tokens + elapsed * self._fill
                bucket.tokens = tokens if tokens < bucket.capacity else bucket.capacity
                bucket.updated = now
            else:
                self._refill(bucket, now)
        if bucket.tokens >= WHOLE_TOKEN:
            bucket.tokens -= 1.0
            if self.adaptive:
                self._meter.record(now)
            return True
        return False

    async def take_or_delay(self, now: float, due: float) -> float:
        """``due`` is when the caller's token was due (``now`` unless it slept and woke late):
        the token is accounted at that time, so the timer's lateness is not lost to the
        bucket's cap — with ``burst=1`` every late wake-up would otherwise lower the rate."""
        if now < self._paused_until:
            return self._paused_until - now
        bucket = self._bucket
        if bucket is None:
            return 0.0
        self._refill(bucket, due)
        if bucket.take():
            if self.adaptive:
                self._meter.record(now)
            return 0.0
        start = max(now, bucket.updated)
        return start - now + (1.0 - bucket.tokens) / self._rate(start)

    def estimate_wait(self, now: float, position: int) -> float:
        pause = max(0.0, self._paused_until - now)
        bucket = self._bucket
        if bucket is None:
            return pause
        self._refill(bucket, now)
        missing = position - bucket.tokens
        if missing <= 0.0:
            return pause
        start = max(now, bucket.updated)
        return max(pause, start - now) + missing / self._rate(start)

    def throttled(
        self, now: float, pause: float, *, rate_limited: bool, sent_at: float | None
    ) -> None:
        until = now + pause
        if until > self._paused_until:
            self._paused_until = until
        bucket = self._bucket
        if bucket is None:
            return
        # No burst right after a throttle: tokens start accruing when the pause ends.
        self._refill(bucket, now)
        bucket.drain_until(now, until)
        if not (self.adaptive and rate_limited):
            return
        if sent_at is not None and self._cut_at is not None and sent_at < self._cut_at:
            return  # sent before the last cut: that cut already answered this round trip
        current = self._rate(now)
        measured = self._meter.rate
        if measured is not None and measured < current:
            current = measured
        cut = cut_rate(current, configured=self._configured, last_peak=self._last_peak)
        self._last_peak = current
        self._cut, self._peak = cut.rate, cut.peak
        self._cut_at = max(now, self._paused_until)
        self._fill = cut.rate

    def _rate(self, now: float) -> float:
        cut_at = self._cut_at
        if cut_at is None:
            return self._fill
        return cubic_rate(now - cut_at, peak=self._peak, cut=self._cut, ceiling=self._configured)

    def _refill(self, bucket: TokenBucket, now: float) -> None:
        if now - bucket.updated > 0.0:
            if self._cut_at is None:
                rate = self._fill
            else:
                rate = self._rate(now)
                if rate >= self._configured:
                    self._cut_at = None
                self._fill = rate
            bucket.refill(now, rate)
