"""The pacing state of one quota: the bucket, the pause, the adaptive rate — in this process.

:class:`PacingState` is what a :class:`~.pacer.Pacer` delegates every decision to, and the seam
for a shared backend: a backend that keeps the same three things somewhere else (Redis, for
several processes sharing one quota) implements :class:`PacingBackend` and is given to the
pacer instead of a :class:`LocalPacing`. The pacer keeps only what is per process: the FIFO
queue of waiters, the sleeping, and the ``max_wait`` bound.

All times are readings of the pacer's clock, passed in; nothing here sleeps or reads a clock.
"""

from __future__ import annotations

import math
from typing import Final, Protocol

from .._constants import (
    ADAPTIVE_MIN_RATE,
    ADAPTIVE_RECOVERY_SECONDS,
    GOODPUT_CUT,
    GOODPUT_LONG_SECONDS,
    GOODPUT_MIN_SECONDS,
    GOODPUT_WINDOW,
    LEARN_DOUBLING_SECONDS,
    LIMIT_FIT_CUT,
    LIMIT_FIT_FLOOR,
    LIMIT_FIT_SECONDS,
    LIMIT_FIT_SPAN,
    PROBE_MIN_SECONDS,
    PROBE_SPREAD,
    RECOVERY_MAX_SECONDS,
    RECOVERY_PER_PAUSE_SECOND,
)
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

    ``rate`` is None for a quota without a rate: only pauses then, until the first 429 — from
    which it learns one (``learns``): a bucket of one token starts at the rate of successful
    answers before that 429 (``successes``, counted by the caller), doubles until the next 429,
    and from then on follows the adaptive curve with no ceiling. So the end of a pause
    releases the waiters at a rate, never all at once.
    """

    __slots__ = (
        "_bucket",
        "_configured",
        "_cut",
        "_cut_at",
        "_earlier",
        "_earlier_at",
        "_event",
        "_fill",
        "_first_at",
        "_last_peak",
        "_lifted_at",
        "_mark",
        "_mark_at",
        "_meter",
        "_pause_from",
        "_pause_len",
        "_pause_mark",
        "_paused_until",
        "_peak",
        "_probe_at",
        "_probe_gap",
        "_probes",
        "_probing",
        "_recovery",
        "_refused",
        "_resumed",
        "_resumed_at",
        "_saved",
        "_slow_start",
        "_window_seen",
        "adaptive",
        "learns",
        "successes",
    )

    def __init__(
        self, rate: float | None, burst: int, *, adaptive: bool, now: float, learns: bool = False
    ) -> None:
        self._configured: Final = rate or math.inf
        self.adaptive = adaptive and rate is not None
        self.learns: Final = learns and rate is None
        self._bucket: TokenBucket | None = (
            TokenBucket(float(burst), now) if rate is not None else None
        )
        self._fill = self._configured
        self._paused_until = 0.0
        # A 429's pause is a probing one (see throttled): since ``_pause_from``, with
        # ``_pause_mark`` successful answers counted then, one call may go at ``_probe_at``
        # (``_probe_gap`` after the last), and the first success ends the pause.
        self._probing = False
        self._pause_from = 0.0
        self._pause_mark = 0
        self._probe_at = 0.0
        self._probe_gap = 0.0
        self._probes = 0
        # How many probes of this pause were refused, how long the pause was when set; when the
        # last probed pause ended, and whether a probe of it was refused (a window's reset).
        self._refused = 0
        self._pause_len = 0.0
        self._lifted_at: float | None = None
        self._window_seen = False
        # What the server saves up during a pause: (calls/s, at most) — spent when it ends.
        self._saved = (0.0, 0.0)
        # Adaptive state: the rate at the last cut (CUBIC's W_max), when sending resumed after
        # it, and the rate right after it. ``_cut_at`` is None once the rate is fully back.
        self._peak = self._configured
        self._last_peak = 0.0
        self._cut_at: float | None = None
        self._cut = self._configured
        self._meter = RateMeter(now)
        # CUBIC's K for the current cut: longer when a 429 costs a long pause (see throttled).
        self._recovery = ADAPTIVE_RECOVERY_SECONDS
        # A learned rate's slow start: when it began (None: not in one).
        self._slow_start: float | None = None
        #: Successful answers so far, counted by the caller; with ``_mark`` (the count when
        #: sending last resumed, at ``_mark_at``) it gives the rate the server let through.
        self.successes = 0
        self._mark = 0
        self._mark_at = now
        # The mark before that (None: none since sending resumed), so that the rate of answers
        # is read over the last GOODPUT_WINDOW or two, not since a slow start began.
        self._earlier = 0
        self._earlier_at: float | None = None
        self._resumed = 0
        self._resumed_at = now
        # The last congestion event: seconds from when sending resumed to its 429, and the
        # successful answers in between (None: none yet).
        self._event: tuple[float, int] | None = None
        # When the first call after that could start (a drained bucket gives its first token
        # one interval after the pause's end): where an event's time is counted from.
        self._first_at = now

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
                if now - self._mark_at >= GOODPUT_WINDOW:
                    self._roll(now)
            return True
        return False

    async def take_or_delay(self, now: float, due: float) -> float:
        """``due`` is when the caller's token was due (``now`` unless it slept and woke late):
        the token is accounted at that time, so the timer's lateness is not lost to the
        bucket's cap — with ``burst=1`` every late wake-up would otherwise lower the rate."""
        if now < self._paused_until:
            if not self._probing:
                return self._paused_until - now
            if self.successes == self._pause_mark:
                if now < self._probe_at:
                    # Look again soon: the last probe's answer ends the pause when it comes.
                    ask = now + max(PROBE_MIN_SECONDS, self._probe_gap / 8.0)
                    return min(self._probe_at, self._paused_until, ask) - now
                # A probe: this one call goes, to learn whether the server takes calls again.
                # Never more than an eighth of the pause apart: a window that resets during
                # it is found within that.
                most = (self._paused_until - self._pause_from) / PROBE_SPREAD
                self._probe_gap = max(self._probe_gap, min(2.0 * self._probe_gap, most))
                self._probe_at = now + self._probe_gap
                self._probes += 1
                return 0.0
            self._lift(now)  # a call was answered since the 429: the server takes calls again
        bucket = self._bucket
        if bucket is None:
            return 0.0
        self._refill(bucket, due)
        if bucket.take():
            if self.adaptive:
                self._meter.record(now)
                if now - self._mark_at >= GOODPUT_WINDOW:
                    self._roll(now)
            return 0.0
        start = max(now, bucket.updated)
        delay = start - now + (1.0 - bucket.tokens) / self._rate(start)
        if self._slow_start is not None and delay > LEARN_DOUBLING_SECONDS:
            # The rate doubles while this waiter sleeps: ask again when it has.
            return max(start - now, LEARN_DOUBLING_SECONDS)
        return delay

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
        paused = now < self._paused_until
        if paused and self._probing and sent_at is not None and sent_at >= self._pause_from:
            # A probe's 429: the server still refuses; the pause stands, the next probe waits
            # twice as long, and the rate is not cut again (nothing was sent at it).
            self._paused_until = max(self._paused_until, until)
            self._refused += 1
            lifted = self._lifted_at
            if self._window_seen and lifted is not None:
                # The last pause, too, outlasted its probes: a window, which resets once a
                # period (the pause it names). The next probe goes when it should have reset.
                period = self._pause_len
                due = lifted + math.ceil((now - lifted) / period) * period
                if now < due <= self._paused_until:
                    self._probe_at = due
            return
        if until > self._paused_until:
            self._paused_until = until
        if not rate_limited:
            self._probing = False  # a 5xx naming a time: the server is busy, not just counting
        bucket = self._bucket
        if bucket is None:
            # A 429 that asks for no wait at all (Retry-After: 0, or no pause configured)
            # says nothing about a rate: only one with a pause teaches one (the retry loop
            # spends an attempt on the other, so that it cannot come back at once, forever).
            if self.learns and rate_limited and pause > 0.0:
                self._learn(now, until)
                self._probe(now, paused)
            return
        self._refill(bucket, now)
        if self.learns:
            # A learned bucket holds the server's observed burst, saved up again by the
            # server during the pause (at the rate the client knows of, at most): it is sent
            # when the pause ends, then the rate.
            bucket.tokens = float(int(min(bucket.capacity, self._rate(now) * pause)))
            bucket.updated = max(bucket.updated, until)
        else:
            # No burst right after a throttle: tokens start accruing when the pause ends.
            bucket.drain_until(now, until)
            self._saved = (0.0, 0.0)
        if not (self.adaptive and rate_limited) or (self.learns and pause <= 0.0):
            if rate_limited:
                self._probe(now, paused)
            return
        if sent_at is not None and self._cut_at is not None and sent_at < self._cut_at:
            self._probe(now, paused)
            return  # sent before the last cut: that cut already answered this round trip
        self._cut_rate(now, pause, bucket)
        self._probe(now, paused)

    def _cut_rate(self, now: float, pause: float, bucket: TokenBucket) -> None:
        """One congestion event's cut, made at ``now`` by a 429 asking for ``pause``."""
        # One congestion event, one cut.
        in_force = self._rate(now)
        current = in_force
        measured = self._meter.rate
        if measured is not None and measured < current:
            current = measured
        goodput = self._goodput(now)
        fitted = None if self.learns else self._fit_limit(now)
        if fitted is not None and (goodput is None or fitted[0] >= LIMIT_FIT_FLOOR * goodput):
            # The server's own rate, fitted from this event and the one before: go just below
            # it and aim the curve at it; and spend, when the pause ends, the burst the server
            # has saved up during it (most of it: the fit is a measurement).
            limit, burst = fitted
            rate = max(min(ADAPTIVE_MIN_RATE, self._configured), limit * LIMIT_FIT_CUT)
            self._last_peak = limit
            self._cut, self._peak = rate, limit
            bucket.tokens = float(int(min(burst, limit * pause) * GOODPUT_CUT))
            self._saved = (limit * GOODPUT_CUT, burst * GOODPUT_CUT)
        elif goodput is not None:
            # What the server let through since sending resumed is its limit, as near as this
            # process can tell: cut just below it and aim the curve at it. When all that was
            # sent got through, the limit is about the rate in force: aim a little below it.
            limit = goodput if goodput < in_force else in_force * LIMIT_FIT_CUT
            rate = max(min(ADAPTIVE_MIN_RATE, self._configured), limit * GOODPUT_CUT)
            self._last_peak = limit
            self._cut, self._peak = rate, limit
        else:
            cut = cut_rate(current, configured=self._configured, last_peak=self._last_peak)
            self._last_peak = current
            self._cut, self._peak = cut.rate, cut.peak
        self._cut_at = max(now, self._paused_until)
        # Probing above the limit costs the client a whole pause each time it finds it: the
        # longer a pause, the slower the climb back, so that the time lost to pauses stays a
        # small share of the time sending (a 1 s Retry-After: back at the peak after 8 s, the
        # most it ever takes).
        self._recovery = _recovery_seconds(pause)
        # A learned rate that nothing was counted against yet knows no limit to aim at: when
        # calls got through since sending resumed, it starts its slow start again from the cut
        # instead of crawling up a curve from the floor; when none did, it only cuts, so that
        # a server refusing everything meets a rate that falls, never one that doubles.
        through = self.successes > self._resumed
        self._slow_start = self._cut_at if self.learns and goodput is None and through else None
        self._fill = self._cut
        self._resume(self._cut_at)
        self._first_at = self._cut_at + max(0.0, 1.0 - bucket.tokens) / self._cut

    def _probe(self, now: float, paused: bool) -> None:
        """Make the pause a 429 set a probing one (unless one already runs): a ``Retry-After``
        is the longest the server may need — a gateway rounds a token bucket's 10 ms up to a
        second — so one call goes when the rate in force would have sent its next (and again
        at twice the gap while the server refuses it, up to an eighth of the pause), and the
        first call answered ends the pause for everyone. A window's or a quota's 429 keeps
        refusing: the pause stands."""
        if paused and self._probing:
            return
        if now >= self._paused_until:
            return
        self._probing = True
        self._pause_from = now
        self._pause_len = self._paused_until - now
        self._pause_mark = self.successes
        self._probes = 0
        self._refused = 0
        self._probe_gap = max(PROBE_MIN_SECONDS, 1.0 / self._rate(now))
        self._probe_at = now + self._probe_gap

    def _lift(self, now: float) -> None:
        """End a probing pause at ``now``: sending resumes at the rate in force, with what the
        server saved up since the 429 (a fitted bucket's, or a learned one's)."""
        self._paused_until = 0.0
        self._probing = False
        self._lifted_at = now
        self._window_seen = self._refused > 0
        bucket = self._bucket
        if bucket is None:
            return
        rate, most = (self._rate(now), bucket.capacity) if self.learns else self._saved
        paused = now - self._pause_from
        # The probes took from what the server saved.
        saved = float(int(min(most, rate * paused))) - self._probes
        bucket.tokens = min(bucket.tokens, saved)
        if bucket.updated > now:
            bucket.updated = now
        cut_at = self._cut_at
        if cut_at is not None and cut_at > now:
            self._cut_at = now
            # The climb back is as slow as the pause this cut cost was long (see throttled).
            self._recovery = _recovery_seconds(paused)
            if self._slow_start is not None:
                self._slow_start = now
            self._resume(now)
            self._first_at = now + max(0.0, 1.0 - bucket.tokens) / self._rate(now)

    def _fit_limit(self, now: float) -> tuple[float, float] | None:
        """The rate and burst of a token bucket that answered both this congestion event and
        the last one, each since sending resumed (``answered = burst + rate * seconds``); None
        when the two do not tell (too close in time, or no bucket fits).

        Sending above a server's rate, a client sees every call answered until the server's
        burst is spent, so the answers alone measure what it sent; the burst is the same each
        time (the pause refills it), so two events tell it apart from the rate.
        """
        event = (now - self._first_at, self.successes - self._resumed)
        previous, self._event = self._event, event
        if (
            previous is None
            or abs(event[0] - previous[0]) < LIMIT_FIT_SECONDS
            or max(event[0], previous[0]) > LIMIT_FIT_SPAN
        ):
            return None  # too close to tell, or long enough to have sent below the rate
        (later, answered), (earlier, before) = sorted((event, previous), reverse=True)
        rate = (answered - before) / (later - earlier)
        burst = answered - rate * later
        if rate <= 0.0 or burst < 0.0 or rate >= self._rate(now):
            return None
        return rate, burst

    def _learn(self, now: float, until: float) -> None:
        """The first 429 of a quota without a rate: start a bucket of one token at the rate
        of the successful answers before it, in slow start from the pause's end."""
        answered = self.successes - self._mark
        span = max(now - self._mark_at, until - now, 1.0)
        start = max(ADAPTIVE_MIN_RATE, answered / span)
        # The bucket holds what the server let through before it refused: its own burst (or
        # its window's worth), which it will take again when the pause is over.
        bucket = self._bucket = TokenBucket(float(max(1, answered)), now)
        bucket.updated = until
        self.adaptive = True
        self._cut = self._peak = self._fill = start
        self._slow_start = self._cut_at = until
        self._resume(until)

    def _resume(self, at: float) -> None:
        """Sending resumes at ``at``: count the answers and the sending rate from there."""
        self._meter.restart(at)
        self._mark = self._resumed = self.successes
        self._mark_at = self._resumed_at = at
        self._earlier_at = None

    def _roll(self, now: float) -> None:
        self._earlier, self._earlier_at = self._mark, self._mark_at
        self._mark, self._mark_at = self.successes, now

    def _goodput(self, now: float) -> float | None:
        """Successful answers a second since sending resumed when that is a second or more
        (a bucket's burst or a window's worth then weighs little), else over the last window
        or two (a slow start's early, slower part left out)."""
        earlier_at = self._earlier_at
        if earlier_at is not None and earlier_at > self._resumed_at:
            # Past the first window after the pause, which holds the burst the server saved
            # up during it: the rate it passes once that burst is spent.
            mark, since = self._earlier, earlier_at
        elif now - self._resumed_at >= GOODPUT_LONG_SECONDS:
            mark, since = self._resumed, self._resumed_at
        elif self._earlier_at is not None:
            mark, since = self._earlier, self._earlier_at
        else:
            mark, since = self._mark, self._mark_at
        span = now - since
        answered = self.successes - mark
        if since <= self._resumed_at and self.learns and self._bucket is not None:
            # The burst sent when the pause ended is not the rate: leave it out.
            answered -= int(self._bucket.capacity)
        if span < GOODPUT_MIN_SECONDS or answered <= 0:
            return None  # too soon to tell, or nobody counts the answers (a fallback's quota)
        return answered / span

    def _rate(self, now: float) -> float:
        cut_at = self._cut_at
        if cut_at is None:
            return self._fill
        if self._slow_start is not None:
            doublings = max(0.0, now - self._slow_start) / LEARN_DOUBLING_SECONDS
            growth: float = 2.0 ** min(doublings, 60.0)
            return self._cut * growth
        return cubic_rate(
            now - cut_at,
            peak=self._peak,
            cut=self._cut,
            ceiling=self._configured,
            recovery=self._recovery,
        )

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


def _recovery_seconds(pause: float) -> float:
    """CUBIC's K after a cut that cost a pause of ``pause`` seconds: the longer the pause, the
    slower the climb back (RECOVERY_PER_PAUSE_SECOND per second of it, within the bounds)."""
    return min(
        RECOVERY_MAX_SECONDS, max(ADAPTIVE_RECOVERY_SECONDS, RECOVERY_PER_PAUSE_SECOND * pause)
    )
