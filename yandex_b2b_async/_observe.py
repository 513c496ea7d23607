"""Delivering events to a client's observers: the fan-out, its isolation, and the async queues.

:class:`Observers` is built by a client only when it was given observers (a client without any
holds ``None`` and its request path pays one ``is None`` test per step). :meth:`Observers.call`
starts a :class:`CallTracker`, the handle the request path reports a call's steps to; it builds
the events of :mod:`yandex_b2b_async.events` and measures the durations.

Synchronous observers run inline, one after the other; one that raises is logged once (later
failures are counted in :attr:`Observers.failures`) and the others still run. Each asynchronous
observer has a bounded queue drained by one task, started when an event arrives in a running
loop and ended when the queue is empty; :meth:`Observers.drain` waits for the queues (the
client's ``close``), and events that find a full queue are dropped and counted.
"""

from __future__ import annotations

import asyncio
import inspect
import itertools
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from typing import Final, Literal, cast

from .errors import ValidationError
from .events import (
    AttemptEnded,
    AttemptStarted,
    BudgetRefused,
    BulkProgressed,
    CallEnded,
    CallInfo,
    CallStarted,
    ClientClosed,
    ClientOpened,
    Event,
    GaveUp,
    GiveUpReason,
    ObservedClient,
    Observer,
    PacerWaited,
    RetryScheduled,
    SharedPacingChanged,
    Throttled,
)

__all__ = [
    "OBSERVER_DRAIN_TIMEOUT",
    "OBSERVER_QUEUE_LIMIT",
    "CallTracker",
    "Observers",
    "check_observers",
]

logger: Final = logging.getLogger("yandex_b2b_async.observers")

# An async observer that falls this far behind is not keeping up with the calls (a bulk run at
# 100 calls/s makes ~400 events/s): dropping beats holding an unbounded backlog in memory.
OBSERVER_QUEUE_LIMIT: Final = 10_000
# Seconds ``close()`` waits for async observers to catch up; an exporter stuck on a dead
# collector must not hold the caller's shutdown for long.
OBSERVER_DRAIN_TIMEOUT: Final = 5.0

_call_ids: Final = itertools.count(1)


def check_observers(observers: object) -> tuple[Observer, ...]:
    """The observers as a tuple, each checked to be callable (``ValidationError`` otherwise)."""
    if isinstance(observers, str | bytes) or not isinstance(observers, Iterable):
        raise ValidationError("observers", "must be a list of callables", value=observers)
    checked = tuple(observers)
    for index, observer in enumerate(checked):
        if not callable(observer):
            raise ValidationError(f"observers[{index}]", "must be callable", value=observer)
    return cast(tuple[Observer, ...], checked)


def _is_async(observer: Observer) -> bool:
    if inspect.iscoroutinefunction(observer):
        return True
    call = getattr(type(observer), "__call__", None)  # noqa: B004 - the class's, not a lookup
    return call is not None and inspect.iscoroutinefunction(call)


class _Guard:
    """An observer and what it cost us: how many of its calls raised."""

    __slots__ = ("failures", "observer")

    def __init__(self, observer: Observer) -> None:
        self.observer = observer
        self.failures = 0

    def failed(self, event: Event) -> None:
        self.failures += 1
        if self.failures == 1:
            logger.exception(
                "observer %r raised on %s; ignored (its later failures are not logged)",
                self.observer,
                type(event).__name__,
            )


class _Queue(_Guard):
    """An async observer's queue and the task that drains it."""

    __slots__ = ("dropped", "pending", "task")

    def __init__(self, observer: Observer) -> None:
        super().__init__(observer)
        self.pending: deque[Event] = deque()
        self.task: asyncio.Task[None] | None = None
        self.dropped = 0

    def put(self, event: Event) -> None:
        if len(self.pending) >= OBSERVER_QUEUE_LIMIT:
            self.dropped += 1
            if self.dropped == 1:
                logger.warning(
                    "observer %r is %d events behind; dropping events until it catches up",
                    self.observer,
                    OBSERVER_QUEUE_LIMIT,
                )
            return
        self.pending.append(event)
        if self.task is None or self.task.done():
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                return  # built outside a loop (ClientOpened): delivered with the next event
            self.task = loop.create_task(self._drain())

    async def _drain(self) -> None:
        observer = cast(Callable[[Event], Awaitable[object]], self.observer)
        pending = self.pending
        while pending:
            event = pending.popleft()
            try:
                await observer(event)
            except Exception:
                self.failed(event)

    async def wait(self, limit: float) -> None:
        if self.pending and (self.task is None or self.task.done()):
            self.task = asyncio.get_running_loop().create_task(self._drain())
        task = self.task
        if task is None or task.done():
            return
        done, _ = await asyncio.wait([task], timeout=limit)
        if not done:
            left = len(self.pending) + 1
            task.cancel()
            self.pending.clear()
            logger.warning(
                "observer %r did not catch up within %gs; %d event(s) not delivered",
                self.observer,
                limit,
                left,
            )


class Observers:
    """The observers of one client (at least one)."""

    __slots__ = ("_async", "_sync", "client", "observers")

    def __init__(self, observers: Iterable[Observer], client: ObservedClient) -> None:
        self.client: Final = client
        #: The observers, in the order given.
        self.observers: Final = tuple(observers)
        sync: list[_Guard] = []
        queued: list[_Queue] = []
        for observer in self.observers:
            if _is_async(observer):
                queued.append(_Queue(observer))
            else:
                sync.append(_Guard(observer))
        self._sync: Final = tuple(sync)
        self._async: Final = tuple(queued)

    @property
    def failures(self) -> int:
        """How many times an observer raised (each observer is logged at its first)."""
        return sum(guard.failures for guard in (*self._sync, *self._async))

    @property
    def dropped(self) -> int:
        """Events not delivered to an async observer whose queue was full."""
        return sum(queue.dropped for queue in self._async)

    def emit(self, event: Event) -> None:
        """Deliver ``event`` to every observer: sync ones now, async ones to their queues."""
        for guard in self._sync:
            try:
                guard.observer(event)
            except Exception:
                guard.failed(event)
        for queue in self._async:
            queue.put(event)

    def opened(self) -> None:
        self.emit(ClientOpened(client=self.client))

    async def close(self, limit: float = OBSERVER_DRAIN_TIMEOUT) -> None:
        """Send :class:`ClientClosed` and wait for the async observers' queues to empty."""
        self.emit(ClientClosed(client=self.client))
        await self.drain(limit)

    async def drain(self, limit: float = OBSERVER_DRAIN_TIMEOUT) -> None:
        """Wait (up to ``limit`` seconds each) until every async observer has its events."""
        for queue in self._async:
            await queue.wait(limit)

    def call(self, method: str, url_template: str, name: str | None = None) -> CallTracker:
        """Start observing one call (sends :class:`CallStarted`)."""
        # Fields by position: attrs' keyword __init__ costs half as much again, on every call.
        info = CallInfo(
            next(_call_ids), name or f"{method} {url_template}", method, url_template, self.client
        )
        tracker = CallTracker(self, info)
        self.emit(CallStarted(info))
        return tracker

    def bulk_progressed(
        self,
        operation: str,
        index: int,
        outcome: Literal["succeeded", "failed", "skipped"],
        *,
        done: int,
        failed: int,
        skipped: int,
        total: int | None,
        elapsed: float,
    ) -> None:
        self.emit(
            BulkProgressed(
                operation=operation,
                index=index,
                outcome=outcome,
                done=done,
                failed=failed,
                skipped=skipped,
                total=total,
                elapsed=elapsed,
            )
        )

    def shared_throttle(
        self, retry_after: float | None, pause: float, status: int | None = None
    ) -> None:
        """A pause learnt from the quota shared with other processes."""
        event = Throttled(
            call=None, status=status, retry_after=retry_after, pause=pause, scope="shared"
        )
        self.emit(event)

    def shared_pacing(self, shared: bool, redis: str, reason: str | None) -> None:
        """The shared quota's Redis stopped (``shared`` False) or started answering."""
        self.emit(SharedPacingChanged(shared=shared, redis=redis, reason=reason))


class CallTracker:
    """What the request path reports about one call; it numbers the attempts and times them."""

    __slots__ = (
        "_attempt_started",
        "_gave_up",
        "_observers",
        "_reconciled",
        "_started",
        "attempts",
        "info",
        "status",
    )

    def __init__(self, observers: Observers, info: CallInfo) -> None:
        self._observers = observers
        self.info: Final = info
        self._started = time.monotonic()
        self._attempt_started = 0.0
        #: Attempts started so far, and the last answer's status.
        self.attempts = 0
        self.status: int | None = None
        self._gave_up: GaveUp | None = None
        self._reconciled = False

    def pacer_waited(self, seconds: float) -> None:
        """The next attempt waited ``seconds`` for the pacer."""
        event = PacerWaited(self.info, self.attempts + 1, seconds)
        self._observers.emit(event)

    def attempt_started(self) -> dict[str, str]:
        """An attempt is being sent; returns the headers observers added for it."""
        self.attempts += 1
        event = AttemptStarted(self.info, self.attempts, {})
        self._observers.emit(event)
        self._attempt_started = time.monotonic()
        return event.headers

    def attempt_ended(self, status: int | None, error: BaseException | None = None) -> None:
        """The attempt ended with ``status`` (None: no answer) and ``error`` (None: success)."""
        duration = time.monotonic() - self._attempt_started
        if status is not None:
            self.status = status
        self._observers.emit(AttemptEnded(self.info, self.attempts, duration, status, error))

    def throttled(self, status: int, retry_after: float | None, pause: float) -> None:
        """This call's answer paused the client for ``pause`` seconds."""
        self._observers.emit(
            Throttled(call=self.info, status=status, retry_after=retry_after, pause=pause)
        )

    def retry_scheduled(self, attempt: int, wait: float, reason: str, error: BaseException) -> None:
        self._observers.emit(
            RetryScheduled(call=self.info, attempt=attempt, wait=wait, reason=reason, error=error)
        )

    def budget_refused(self, attempt: int, error: BaseException) -> None:
        self._observers.emit(BudgetRefused(call=self.info, attempt=attempt, error=error))

    def gave_up(self, attempts: int, reason: GiveUpReason, error: BaseException) -> None:
        """The retries stopped on ``error``. Told when the call ends, and only if it ends in an
        error: a give-up the caller then settles (a create's conflict found to be its own lost
        work) is no failure."""
        self._gave_up = GaveUp(call=self.info, attempts=attempts, reason=reason, error=error)

    def reconciled(self) -> None:
        """The call's result is a lost attempt's work, found instead of an answer."""
        self._reconciled = True

    def ended(self, error: BaseException | None = None) -> None:
        """The call returned (``error`` None) or raised ``error``."""
        duration = time.monotonic() - self._started
        gave_up = self._gave_up
        if gave_up is not None and error is not None:
            self._observers.emit(gave_up)
        self._observers.emit(
            CallEnded(self.info, duration, self.attempts, self.status, error, self._reconciled)
        )
