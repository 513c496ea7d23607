"""The fan-out engine: run one operation over many inputs, lazily, at most ``concurrency`` at
a time, and deliver one :class:`~.report.BulkItem` per input.

What it guarantees:

- every input pulled from the iterable ends in exactly one delivered item — a result, an
  error, a skip (it succeeded in an earlier run recorded in the journal),
  :class:`~.report.ItemCancelledError` or :class:`~.report.NotAttemptedError`;
- one failing call never stops the others (any ``Exception`` a call raises is its item's
  error) — except the two failures that can only repeat: a 401/403 stops the run at once, and
  so does a run of consecutive connection failures (``stop_after_connection_failures``). The
  run then pulls no new input for sending; the inputs left are delivered as not attempted, and
  the stop (:class:`~.report.BulkStop`) is in the last progress and the report;
- inputs that failed with a retryable error (a 429, a 5xx, a connection failure) get one more
  call at the end of the run (the *final pass*), after ``final_pass_delay``, unless there are
  more than the bound of them (an outage, not a burst). An input whose first call may have been
  carried out (a lost reply) is resent only through the operation's ``call_if_unsure``, which
  recognises its own earlier work; without one it keeps its first error;
- on cancellation no new input is pulled; calls in flight get ``cancel_grace`` seconds to end
  (so a create that reached the server is journaled, not repeated on the next run) and are then
  cancelled and reported as such; the cancellation is then re-raised;
- with a journal each item is recorded as it ends (flushed at once), and inputs an earlier run
  recorded as succeeded are skipped.

It knows nothing about HTTP beyond the error classes, nor about any endpoint: see
:mod:`.operation` for how an operation is declared.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Coroutine,
    Iterable,
    Iterator,
)
from typing import Final, Generic, Literal, Protocol, TypeVar

from ..errors import (
    AuthenticationError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    TransportError,
    ValidationError,
)
from ..events import BulkProgressed, Event
from ..pacing.pacer import cancel_waiting
from ..retries import caller_handles_failures
from .journal import Journal, outcome_unknown
from .options import BulkSettings
from .report import BulkItem, BulkProgress, BulkStop, ItemCancelledError, NotAttemptedError

__all__ = ["Run", "is_retryable"]

logger: Final = logging.getLogger("yandex_b2b_async.bulk")

_In = TypeVar("_In")
_Out = TypeVar("_Out")

_END: Final = object()
# How often a stopping run looks for calls that went on to wait in the pacer (seconds).
_GRACE_CHECK: Final = 0.05


def is_retryable(error: BaseException) -> bool:
    """Whether a failure may go away by itself: a 429, a 5xx or a connection failure."""
    return isinstance(error, RateLimitError | ServerError | TransportError)


def _stop_for(error: Exception, connection_failures: int, limit: int | None) -> BulkStop | None:
    if isinstance(error, AuthenticationError | PermissionDeniedError):
        what = "the token was refused" if error.status == 401 else "access was refused"
        return BulkStop(
            kind="authentication",
            message=f"{what} (HTTP {error.status} {error.code or ''}".rstrip() + "): "
            "every other row would fail the same way; fix the token or client id and rerun",
            error=error,
        )
    if limit is not None and connection_failures >= limit:
        return BulkStop(
            kind="unreachable",
            message=f"the API is unreachable: {connection_failures} connection failures in a "
            f"row ({error})",
            error=error,
        )
    return None


_In_contra = TypeVar("_In_contra", contravariant=True)


class Operation(Protocol[_In_contra, _Out]):
    """What a run needs of an operation: :class:`~.operation.BulkOperation` is the one there is.

    A protocol, so that the engine does not import the declaration that imports it.
    """

    @property
    def name(self) -> str: ...
    @property
    def call(self) -> Callable[[_In_contra], Awaitable[_Out]]: ...
    @property
    def call_if_unsure(self) -> Callable[[_In_contra], Awaitable[_Out]] | None: ...
    @property
    def id_of(self) -> Callable[[_In_contra, _Out], str | None] | None: ...
    @property
    def key(self) -> Callable[[_In_contra], str]: ...
    @property
    def notify(self) -> Callable[[Event], None] | None: ...


class Run(Generic[_In, _Out]):
    """One bulk run: a pool of workers pulling from one lazy source.

    ``deliver`` receives every item once; ``slots`` (the streaming form) bounds the items
    delivered but not yet consumed: a worker takes a slot before it pulls an input, and the
    consumer gives it back.
    """

    def __init__(
        self,
        operation: Operation[_In, _Out],
        inputs: Iterable[_In] | AsyncIterable[_In],
        settings: BulkSettings,
        deliver: Callable[[BulkItem[_In, _Out]], None],
        *,
        slots: asyncio.Semaphore | None = None,
    ) -> None:
        self._operation = operation
        self._settings = settings
        self._sync_source: Iterator[_In] | None = None
        self._async_source: AsyncIterator[_In] | None = None
        if isinstance(inputs, AsyncIterable):
            self._async_source = aiter(inputs)
        elif isinstance(inputs, Iterable) and not isinstance(inputs, str | bytes):
            self._sync_source = iter(inputs)
        else:
            raise ValidationError("inputs", "must be an iterable or an async iterable")
        self._total = _total_of(inputs, settings.total)
        notify = operation.notify
        self._deliver = deliver if notify is None else self._notifying(deliver, notify)
        self._slots = slots
        self._journal: Journal | None = None
        self._pull_lock = asyncio.Lock()
        self._next_index = 0
        self._stopping = False
        self.stopped: BulkStop | None = None
        self._connection_failures = 0
        # Items whose first call failed retryably, held back (not delivered) for the final pass.
        self._held: list[tuple[str | None, BulkItem[_In, _Out]]] = []
        self._final_pass = settings.final_pass
        self._in_call: set[asyncio.Task[object]] = set()
        self._done = 0
        self._failed = 0
        self._skipped = 0
        self._started = time.monotonic()

    def _notifying(
        self,
        deliver: Callable[[BulkItem[_In, _Out]], None],
        notify: Callable[[Event], None],
    ) -> Callable[[BulkItem[_In, _Out]], None]:
        """``deliver``, also telling ``notify`` of each item it delivers (an item held for the
        final pass is told of once, when its last call ends)."""
        name = self._operation.name

        def deliver_and_notify(item: BulkItem[_In, _Out]) -> None:
            deliver(item)
            if item.skipped:
                outcome: Literal["succeeded", "failed", "skipped"] = "skipped"
            else:
                outcome = "failed" if item.error is not None else "succeeded"
            event = BulkProgressed(
                operation=name,
                index=item.index,
                outcome=outcome,
                done=self._done,
                failed=self._failed,
                skipped=self._skipped,
                total=self._total,
                elapsed=time.monotonic() - self._started,
            )
            try:
                notify(event)
            except Exception:
                logger.exception("bulk: notifying the observers failed (ignored)")

        return deliver_and_notify

    @property
    def progress(self) -> BulkProgress:
        """The counts so far."""
        return BulkProgress(
            done=self._done,
            failed=self._failed,
            skipped=self._skipped,
            total=self._total,
            elapsed=time.monotonic() - self._started,
            stopped=self.stopped,
        )

    async def run(self) -> BulkProgress:
        """Run to the end; returns the last progress. See the module for what is guaranteed."""
        if self._settings.journal is not None:
            self._journal = Journal(self._settings.journal, self._operation.name)
        try:
            await self._pool(self._first_calls)
            if self.stopped is not None:
                await self._drain_not_attempted()
            elif self._held:
                await self._run_final_pass()
        finally:
            self._release_held()
            if self._journal is not None:
                self._journal.close()
        return self.progress

    # -- the pool ---------------------------------------------------------------------------

    async def _pool(self, work: Callable[[], Coroutine[object, object, None]]) -> None:
        self._stopping = False
        workers = [asyncio.create_task(work()) for _ in range(self._settings.concurrency)]
        try:
            # asyncio.wait, unlike gather, leaves the workers running when this task is
            # cancelled: the calls in flight get their grace period below.
            done, _ = await asyncio.wait(workers, return_when=asyncio.FIRST_EXCEPTION)
            failure = next((t.exception() for t in done if t.exception() is not None), None)
            if failure is not None:
                self._stopping = True
                await self._stop(workers)
                raise failure
        except asyncio.CancelledError:
            self._stopping = True
            await self._stop(workers)
            raise

    async def _stop(self, workers: list[asyncio.Task[None]]) -> None:
        # Workers waiting for an input or for the consumer stop at once; those in a call get
        # the grace period, so that a call the server may already be processing can end.
        for task in workers:
            if task not in self._in_call:
                task.cancel()
        pending = [task for task in workers if not task.done()]
        calling = [task for task in pending if task in self._in_call]
        grace = self._settings.cancel_grace
        if calling and grace > 0:
            # A call waiting in the client's pacer has sent nothing for that attempt: it is
            # cancelled at once rather than sent in the grace period (so Ctrl-C does not wait
            # for the quota); checked again as calls in flight move on to a retry's wait.
            loop = asyncio.get_running_loop()
            end = loop.time() + grace
            while calling:
                cancel_waiting(calling)
                left = end - loop.time()
                if left <= 0:
                    break
                await asyncio.wait(calling, timeout=min(left, _GRACE_CHECK))
                calling = [task for task in calling if not task.done()]
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending)

    async def _pull(self) -> tuple[int, object]:
        """The next input and its index, or ``_END``; two workers never interleave here."""
        if self._sync_source is not None:
            # next() does not yield to the loop: no lock needed.
            value: object = next(self._sync_source, _END)
        else:
            assert self._async_source is not None
            async with self._pull_lock:
                if self._stopping:
                    return -1, _END
                value = await anext(self._async_source, _END)
        if value is _END or self._stopping:
            self._stopping = True
            return -1, _END
        index = self._next_index
        self._next_index += 1
        return index, value

    async def _take_slot(self) -> bool:
        if self._slots is not None:
            await self._slots.acquire()
        if self._stopping:
            self._give_slot()
            return False
        return True

    def _give_slot(self) -> None:
        if self._slots is not None:
            self._slots.release()

    # -- first calls ------------------------------------------------------------------------

    async def _first_calls(self) -> None:
        while not self._stopping:
            if not await self._take_slot():
                return
            index, value = await self._pull()
            if value is _END:
                self._give_slot()
                return
            await self._process(index, value)  # type: ignore[arg-type]

    async def _process(self, index: int, value: _In) -> None:
        key: str | None = None
        unsure = False
        journal = self._journal
        if journal is not None:
            try:
                key = self._operation.key(value)
            except Exception as exc:
                self._finish(None, BulkItem(index=index, input=value, error=exc))
                return
            if key in journal.done:
                self._skipped += 1
                skipped: BulkItem[_In, _Out] = BulkItem(
                    index=index, input=value, id=journal.done[key], skipped=True
                )
                self._finish(None, skipped)
                return
            unsure = key in journal.unsure
        item = await self._call(index, value, key, unsure=unsure)
        if item is not None:
            self._finish(key, item)

    async def _call(
        self, index: int, value: _In, key: str | None, *, unsure: bool, final_pass: bool = False
    ) -> BulkItem[_In, _Out] | None:
        """Call the operation for one input; None when the call was cancelled (recorded)."""
        operation = self._operation
        call = operation.call
        if unsure and operation.call_if_unsure is not None:
            call = operation.call_if_unsure
        task: asyncio.Task[object] | None = asyncio.current_task()
        if task is not None:
            self._in_call.add(task)
        try:
            # The run reports every failure itself: a give-up is no log line per row.
            with caller_handles_failures():
                result = await call(value)
        except asyncio.CancelledError:
            cancelled: BulkItem[_In, _Out] = BulkItem(
                index=index, input=value, error=ItemCancelledError(), final_pass=final_pass
            )
            self._finish(key, cancelled)
            raise
        except Exception as exc:
            return BulkItem(index=index, input=value, error=exc, final_pass=final_pass)
        finally:
            self._in_call.discard(task)
        found = operation.id_of(value, result) if operation.id_of is not None else None
        return BulkItem(index=index, input=value, result=result, id=found, final_pass=final_pass)

    # -- ending an item ---------------------------------------------------------------------

    def _finish(self, key: str | None, item: BulkItem[_In, _Out]) -> None:
        """Record an ended item everywhere, without awaiting: nothing can interrupt it."""
        self._done += 1
        error = item.error
        if error is not None:
            self._failed += 1
        if key is not None and self._journal is not None:
            self._journal.record(key, item)  # type: ignore[arg-type]
        if error is not None:
            self._watch(error)
        elif not item.skipped:
            self._connection_failures = 0  # an answer: the API is reachable
        if error is not None and self._hold(key, item):
            self._give_slot()  # held, not delivered: the consumer will not give this one back
        else:
            self._deliver(item)
        self._report_progress()

    def _watch(self, error: Exception) -> None:
        """Count consecutive connection failures and decide whether the run must stop."""
        if isinstance(error, TransportError):
            self._connection_failures += 1
        elif not isinstance(error, ValidationError | ItemCancelledError | NotAttemptedError):
            self._connection_failures = 0
        if self.stopped is None:
            stop = _stop_for(
                error,
                self._connection_failures,
                self._settings.stop_after_connection_failures,
            )
            if stop is not None:
                self.stopped = stop
                self._stopping = True
                self._final_pass = False

    def _hold(self, key: str | None, item: BulkItem[_In, _Out]) -> bool:
        """Keep a retryable failure back for the final pass, while that pass is possible."""
        if not self._final_pass or item.final_pass or self.stopped is not None:
            return False
        assert item.error is not None
        if not is_retryable(item.error):
            return False
        if outcome_unknown(item.error) and self._operation.call_if_unsure is None:
            return False  # resending could do it twice, and nothing would recognise that
        if len(self._held) >= self._settings.final_pass_limit:
            # More than a burst: the run reports these failures instead of resending them.
            self._final_pass = False
            self._release_held()
            return False
        self._held.append((key, item))
        return True

    def _release_held(self) -> None:
        """Deliver the held items as they failed (the final pass will not run for them)."""
        held, self._held = self._held, []
        for _, item in held:
            self._deliver(item)

    def _report_progress(self) -> None:
        if self._settings.on_progress is None:
            return
        try:
            self._settings.on_progress(self.progress)
        except Exception:
            logger.exception("bulk: the on_progress callback failed (ignored)")

    # -- after a stop -----------------------------------------------------------------------

    async def _drain_not_attempted(self) -> None:
        """Deliver every input left in the source as not attempted (nothing is sent)."""
        assert self.stopped is not None
        error = NotAttemptedError(self.stopped)
        self._stopping = False
        while True:
            if self._slots is not None:
                await self._slots.acquire()
            index, value = await self._pull()
            if value is _END:
                self._give_slot()
                return
            self._done += 1
            self._failed += 1
            self._deliver(BulkItem(index=index, input=value, error=error))  # type: ignore[arg-type]
            self._report_progress()

    # -- the final pass ---------------------------------------------------------------------

    async def _run_final_pass(self) -> None:
        await asyncio.sleep(self._settings.final_pass_delay)
        queue = list(reversed(self._held))

        async def resend() -> None:
            while queue and self.stopped is None:
                if self._slots is not None:
                    await self._slots.acquire()
                if not queue:
                    self._give_slot()
                    return
                key, first = queue.pop()
                self._held.remove((key, first))
                assert first.error is not None
                unsure = outcome_unknown(first.error)
                try:
                    item = await self._call(
                        first.index, first.input, key, unsure=unsure, final_pass=True
                    )
                except asyncio.CancelledError:
                    self._failed -= 1  # the first failure is replaced by the cancellation
                    self._done -= 1
                    raise
                if item is None:
                    continue
                self._done -= 1  # the first call was counted; this item replaces it
                if first.error is not None:
                    self._failed -= 1
                self._finish(key, item)

        await self._pool(resend)


def _total_of(inputs: object, total: int | None) -> int | None:
    if total is not None:
        return total
    if hasattr(inputs, "__len__"):
        try:
            return len(inputs)
        except TypeError:
            return None
    return None
