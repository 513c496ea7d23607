"""The token bucket: ``capacity`` tokens, refilled at a rate the caller gives on each refill.

Plain arithmetic over a clock reading the caller passes; it neither sleeps nor knows about the
adaptive rate (the rate of each refill comes from :mod:`.cubic` through the state that owns it).
"""

from __future__ import annotations

from typing import Final

__all__ = ["WHOLE_TOKEN", "TokenBucket"]

# A token short by float rounding only counts as whole; otherwise the wait for the missing
# 1e-16 of a token could be too small to move the clock, and a waiter would spin.
WHOLE_TOKEN: Final = 1.0 - 1e-9


class TokenBucket:
    """``tokens`` of ``capacity``, last refilled at ``updated`` (which may lie in the future:
    no token accrues before then, as after a throttle's pause)."""

    __slots__ = ("capacity", "tokens", "updated")

    def __init__(self, capacity: float, now: float) -> None:
        self.capacity: Final = capacity
        self.tokens = capacity
        self.updated = now

    def refill(self, now: float, rate: float) -> None:
        """Add what ``rate`` calls/s accrued since the last refill, up to the capacity (tokens
        given above it, as a server's saved burst after a pause, are spent, not taken away)."""
        elapsed = now - self.updated
        if elapsed > 0.0:
            tokens = self.tokens + elapsed * rate
            if tokens < self.capacity:
                self.tokens = tokens
            elif self.tokens < self.capacity:
                self.tokens = self.capacity
            self.updated = now

    def take(self) -> bool:
        """Take one token if a whole one is there."""
        if self.tokens >= WHOLE_TOKEN:
            self.tokens -= 1.0
            return True
        return False

    def drain_until(self, now: float, until: float) -> None:
        """Empty the bucket and accrue nothing before ``until`` (no burst after a pause)."""
        self.tokens = min(self.tokens, 0.0)
        self.updated = max(self.updated, until)

    def delay(self, now: float, rate: float, missing: float = 1.0) -> float:
        """Seconds from ``now`` until ``missing`` more tokens than the bucket holds have accrued."""
        start = max(now, self.updated)
        return start - now + (missing - self.tokens) / rate
