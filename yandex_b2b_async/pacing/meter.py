"""The rate meter: how fast a client actually sends, so that a cut starts from what reached the
server, not from a rate the client never used (botocore: 0.5 s buckets, smoothing 0.8)."""

from __future__ import annotations

from typing import Final

__all__ = ["RateMeter"]

_BUCKET: Final = 0.5
_SMOOTHING: Final = 0.8


class RateMeter:
    """A smoothed count of starts per second; ``rate`` is None until a bucket is full."""

    __slots__ = ("_count", "_start", "rate")

    def __init__(self, now: float) -> None:
        self._start = now
        self._count = 0
        self.rate: float | None = None

    def restart(self, at: float) -> None:
        """Count afresh from ``at`` (a pause's end): the time paused is not time sending, and
        counting it would make the rate measured after a pause far lower than was sent."""
        self._start = at
        self._count = 0

    def record(self, now: float) -> None:
        """Count one start at ``now``."""
        self._count += 1
        elapsed = now - self._start
        if elapsed > 4 * _BUCKET:
            # After an idle spell the bucket says nothing about the rate the server sees.
            self.rate = None
            self._start = now
            self._count = 0
        elif elapsed >= _BUCKET:
            sent = self._count / elapsed
            previous = self.rate
            self.rate = (
                sent if previous is None else _SMOOTHING * sent + (1 - _SMOOTHING) * previous
            )
            self._start = now
            self._count = 0
