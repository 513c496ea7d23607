"""The Pacer: the gate every attempt of one client passes before it is sent.

It serves waiters first come, first served, sleeps for them, and bounds a wait by a call's
deadline (:class:`PacingTimeout`); every decision about the quota itself — a token, a pause, the
adaptive rate — is its backend's (:mod:`.state`).
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from typing import Final, Protocol, runtime_checkable

from .._constants import DEFAULT_BACKOFF_INITIAL, DEFAULT_MAX_RETRY_AFTER
from .limit import RateLimit
from .state import LocalPacing, PacingBackend

__all__ = ["Pacer", "PacingTimeout", "cancel_waiting"]

# The tasks now waiting in a pacer, any pacer: such a task has sent nothing for the attempt it
# waits for, so a bulk run that stops cancels it at once instead of letting it send in its grace
# period (and making Ctrl-C wait for the quota).
_WAITING: Final[weakref.WeakSet[asyncio.Task[object]]] = weakref.WeakSet()


def cancel_waiting(tasks: Iterable[asyncio.Task[object]]) -> int:
    """Cancel those of ``tasks`` that are waiting in a pacer (for a token, a pause's end, or a
    shared quota's answer); returns how many. Nothing is sent for an attempt that waits."""
    cancelled = 0
    for task in tasks:
        if task in _WAITING and task.cancel():
            cancelled += 1
    return cancelled


class PacingTimeout(Exception):
    """The pacer would make a call wait longer than the call may (its deadline).

    Raised by :meth:`Pacer.acquire` with ``max_wait``; the request path turns it into giving up
    with the call's last error. ``wait`` is the estimated wait in seconds.
    """

    def __init__(self, wait: float) -> None:
        self.wait = wait
        super().__init__(f"the client is paced for {wait:.3f}s more")


@runtime_checkable
class _Counting(Protocol):
    """A quota that counts successful answers (to estimate the server's limit from them)."""

    successes: int


class _Answers:
    """A count of successful answers that nothing reads (a quota kept elsewhere)."""

    __slots__ = ("successes",)

    def __init__(self) -> None:
        self.successes = 0


class Pacer:
    """The live gate of one client: a FIFO queue in front of a quota (a token bucket when
    configured) and a client-wide pause.

    ``config=None`` makes a gate with no rate: it only holds calls during a pause.
    ``max_pause`` bounds how long one ``Retry-After`` pauses the client; ``default_pause`` is
    the pause after a 429 that names no time. ``backend`` keeps the quota elsewhere (see
    :mod:`yandex_b2b_async.pacing`); by default it is kept in this process. ``clock`` and
    ``sleep`` exist for tests.
    """

    __slots__ = (
        "_backend",
        "_clock",
        "_default_pause",
        "_max_pause",
        "_sleep",
        "_waiters",
        "adaptive",
        "answers",
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
        backend: PacingBackend | None = None,
    ) -> None:
        self.config: Final = config
        self.adaptive: Final = config is not None and config.adaptive
        self._clock = clock
        self._sleep = sleep
        self._max_pause = max_pause
        self._default_pause = default_pause
        if backend is None:
            # Rates are kept in calls per second; ``config.per`` only matters at the edges.
            backend = LocalPacing(
                config.rate / config.per if config is not None else None,
                config.burst if config is not None else 0,
                adaptive=self.adaptive,
                now=clock(),
                learns=True,
            )
        self._backend: Final[PacingBackend] = backend
        #: Where the request path counts successful answers (``answers.successes += 1``): the
        #: quota itself when it is kept here, which estimates the server's limit from them.
        self.answers: Final[_Counting] = backend if isinstance(backend, _Counting) else _Answers()
        self._waiters: deque[asyncio.Future[None]] = deque()
        #: How many throttling answers (429, or any answer with Retry-After) the pacer has seen.
        self.throttles = 0

    # -- observation -------------------------------------------------------------------------

    @property
    def current_rate(self) -> float | None:
        """The rate in force now, in calls per ``config.per`` seconds — or, without a
        ``RateLimit``, per second once a 429 has taught one (None before)."""
        rate = self._backend.rate(self._clock())
        if rate is None:
            return None
        return rate if self.config is None else rate * self.config.per

    @property
    def pauses_unnamed(self) -> bool:
        """Whether a 429 naming no time (or ``Retry-After: 0``) pauses the client: a
        ``default_pause`` above 0. When it does not, such a 429 makes nobody wait."""
        return self._default_pause > 0.0

    @property
    def successes(self) -> int:
        """How many successful answers the request path has counted."""
        return self.answers.successes

    @property
    def configured_rate(self) -> float | None:
        """The configured rate, in calls per ``config.per`` seconds (None without a rate)."""
        return None if self.config is None else self.config.rate

    @property
    def paused_for(self) -> float:
        """Seconds left of the current client-wide pause (0.0 when not paused)."""
        return max(0.0, self._backend.paused_until() - self._clock())

    @property
    def waiting(self) -> int:
        """How many calls are queued for a token or the end of a pause."""
        return len(self._waiters)

    # -- the gate ------------------------------------------------------------------------------

    def try_acquire(self) -> bool:
        """Take a start now if one is free and nobody is queued; never waits."""
        if self._waiters:
            return False
        return self._backend.try_take(self._clock())

    async def acquire(self, *, max_wait: float | None = None) -> None:
        """Wait for this call's turn, first come first served.

        With ``max_wait`` (seconds), raises :class:`PacingTimeout` at once instead of waiting
        when the turn would come later than that. A cancelled waiter takes no token and does
        not hold up the queue.
        """
        if self.try_acquire():
            return
        backend = self._backend
        if max_wait is not None:
            estimate = backend.estimate_wait(self._clock(), len(self._waiters) + 1)
            if estimate > max_wait:
                raise PacingTimeout(estimate)
            limit: float | None = self._clock() + max_wait
        else:
            limit = None
        ticket: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(ticket)
        task = asyncio.current_task()
        if task is not None:
            _WAITING.add(task)
        try:
            if self._waiters[0] is not ticket:
                await ticket  # the waiter ahead hands over when it leaves
            due: float | None = None
            while True:
                now = self._clock()
                delay = await backend.take_or_delay(now, now if due is None or due > now else due)
                if delay <= 0.0:
                    return
                if limit is not None and now + delay > limit:
                    raise PacingTimeout(delay)
                due = now + delay
                await self._sleep(delay)
        finally:
            if task is not None:
                _WAITING.discard(task)
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
        (``rate_limited``) without one, or with ``Retry-After: 0`` (a gateway rounding its
        milliseconds down), pauses it for ``default_pause``. In adaptive mode a 429
        cuts the rate, once per round trip: a 429 to a call sent (``sent_at``, on the pacer's
        clock) before the last cut does not cut again.
        """
        if retry_after is not None and retry_after > 0.0:
            pause = min(retry_after, self._max_pause)
        elif rate_limited:
            pause = self._default_pause
        else:
            return
        self.throttles += 1
        self._backend.throttled(self._clock(), pause, rate_limited=rate_limited, sent_at=sent_at)
