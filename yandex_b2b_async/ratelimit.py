"""Client-side pacing: a token bucket shared by every call of one client.

:class:`RateLimit` is the configuration a user passes; each :class:`B2BClient` builds one
:class:`Pacer` from it, which all of that client's calls (a bulk run's included) go through.
A 429 or a ``Retry-After`` pauses the whole pacer, not just the call that met it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Final

import attrs

__all__ = ["Pacer", "RateLimit"]


def _positive(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise ValueError(f"RateLimit.{attribute.name} must be a number > 0, got {value!r}")


def _positive_int(_: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"RateLimit.{attribute.name} must be an integer >= 1, got {value!r}")


@attrs.frozen(kw_only=True)
class RateLimit:
    """At most ``rate`` calls per ``per`` seconds, with bursts of up to ``burst`` calls.

    ``burst`` is the bucket's capacity: how many calls may start back to back after a quiet
    spell, so any window of ``per`` seconds holds at most ``rate + burst`` calls.
    ``adaptive=True`` lowers the rate when the server answers 429 and recovers it on success.
    """

    rate: float = attrs.field(validator=_positive)
    per: float = attrs.field(default=1.0, validator=_positive)
    burst: int = attrs.field(default=1, validator=_positive_int)
    adaptive: bool = False

    def make_pacer(self, *, clock: Callable[[], float] = time.monotonic) -> Pacer:
        """A fresh pacer with this configuration (one per client)."""
        return Pacer(self, clock=clock)


class Pacer:
    """The live token bucket of one client. Waiters are served first come, first served."""

    _MIN_RATE_SHARE: Final = 0.05  # adaptive mode never paces below 5% of the configured rate

    def __init__(self, config: RateLimit, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._config = config
        self._clock = clock
        self._rate = config.rate / config.per  # tokens per second
        self._tokens = float(config.burst)
        self._updated = clock()
        self._paused_until = 0.0
        self._lock = asyncio.Lock()

    @property
    def current_rate(self) -> float:
        """The rate in force now, in calls per ``per`` seconds."""
        return self._rate * self._config.per

    async def acquire(self) -> None:
        """Wait until a call may start."""
        now = self._clock()
        if not self._lock.locked() and now >= self._paused_until:
            self._refill(now)
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return
        async with self._lock:
            while True:
                now = self._clock()
                if now < self._paused_until:
                    await asyncio.sleep(self._paused_until - now)
                    continue
                self._refill(now)
                if self._tokens >= 1.0:
                    self._tokens -= 1.0
                    return
                await asyncio.sleep((1.0 - self._tokens) / self._rate)

    def on_success(self) -> None:
        """Note a call that was not throttled (adaptive mode recovers the rate)."""
        if self._config.adaptive:
            target = self._config.rate / self._config.per
            if self._rate < target:
                self._rate = min(target, self._rate + target * 0.02)

    def on_throttle(self, retry_after: float | None) -> None:
        """Note a 429: pause every call until ``retry_after`` has passed; adapt the rate."""
        now = self._clock()
        if retry_after is not None:
            self._paused_until = max(self._paused_until, now + retry_after)
        if self._config.adaptive:
            floor = self._config.rate / self._config.per * self._MIN_RATE_SHARE
            self._rate = max(floor, self._rate * 0.7)
        self._tokens = min(self._tokens, 0.0)

    def _refill(self, now: float) -> None:
        elapsed = now - self._updated
        if elapsed > 0:
            self._tokens = min(float(self._config.burst), self._tokens + elapsed * self._rate)
            self._updated = now
