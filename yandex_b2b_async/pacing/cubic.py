"""CUBIC, as pure functions: the adaptive rate after a throttle and the cut a throttle makes.

The shape of botocore's ``throttling.py``: no clock, no state, no I/O — the caller passes the
times and rates and keeps the results. Rates are in calls per second.

* a 429 cuts the rate to ``ADAPTIVE_DECREASE`` (70%) of what the client was sending (CUBIC's
  multiplicative decrease, as botocore's adaptive mode), never below ``ADAPTIVE_MIN_RATE``;
* the rate then grows back along ``W(t) = W_max + C (t - K)^3`` with K fixed at
  ``ADAPTIVE_RECOVERY_SECONDS``: back at the rate of the cut after K seconds, whatever it was,
  then on, slowly at first, up to the configured rate.
"""

from __future__ import annotations

import attrs

from .._constants import ADAPTIVE_DECREASE, ADAPTIVE_MIN_RATE, ADAPTIVE_RECOVERY_SECONDS

__all__ = ["Cut", "cubic_rate", "cut_rate"]


@attrs.frozen
class Cut:
    """What one throttle does to the rate: where it drops to and where the curve aims."""

    rate: float
    peak: float


def cubic_rate(
    elapsed: float,
    *,
    peak: float,
    cut: float,
    ceiling: float,
    recovery: float = ADAPTIVE_RECOVERY_SECONDS,
) -> float:
    """The rate ``elapsed`` seconds after a cut to ``cut`` that aims at ``peak``, capped at
    ``ceiling`` (the configured rate) and never below the cut; back at the peak after
    ``recovery`` seconds (CUBIC's K)."""
    if elapsed <= 0.0:
        return cut
    k = recovery
    scale = (peak - cut) / k**3
    rate = peak + scale * (elapsed - k) ** 3
    return min(ceiling, max(rate, cut))


def cut_rate(current: float, *, configured: float, last_peak: float) -> Cut:
    """The cut a 429 makes to a client sending at ``current`` calls/s.

    ``last_peak`` is the rate the previous cut came from (0.0 before the first one).
    """
    floor = min(ADAPTIVE_MIN_RATE, configured)
    rate = max(floor, current * ADAPTIVE_DECREASE)
    peak = current
    if current < last_peak:
        # CUBIC's fast convergence (RFC 8312, 4.6): throttled below the last peak, the limit is
        # lower than that peak was, so aim the recovery lower. Without it the curve climbs back
        # to the old peak and meets a 429 every few seconds.
        peak = current * (1.0 + ADAPTIVE_DECREASE) / 2.0
    if rate > current * ADAPTIVE_DECREASE:
        # The curve must rise even when the floor held the cut up: it aims at least at the
        # rate the cut would have come from.
        peak = max(peak, rate / ADAPTIVE_DECREASE)
    return Cut(rate=rate, peak=peak)
