"""The fan-out engine: run one async call over many inputs, and the report it produces.

:func:`bulk` runs ``call(input)`` for every input and returns a :class:`BulkReport` with one
:class:`BulkItem` per input, in input order; :func:`bulk_stream` yields the same items as they
finish. Both read the inputs lazily (any iterable or async iterable) with a fixed pool of
``concurrency`` worker tasks, so memory grows with ``concurrency``, not with the number of
inputs (the report form keeps the items it returns, and nothing else). Every call goes through
the client it belongs to, so the client's rate limit and retry policy apply to each of them.

What this module guarantees:

- every input pulled from the iterable ends in exactly one item — a result, an error, a skip
  (it succeeded in an earlier run recorded in the journal) or :class:`ItemCancelledError`;
- one failing call never stops the others (any ``Exception`` a call raises is its item's error);
- on cancellation no new input is pulled; calls in flight get ``cancel_grace`` seconds to end
  (so a create that reached the server is journaled, not repeated on the next run) and are then
  cancelled and reported as such; the cancellation is then re-raised;
- with ``journal=PATH`` each item is appended to a JSON-lines file as it ends (flushed at once),
  and a later run with the same journal skips the inputs that succeeded.

It knows nothing about HTTP or about any endpoint: :class:`~yandex_b2b_async.users.UsersAPI`
declares its ``bulk_*`` methods over it, and any other call can use it directly::

    report = await bulk(client.departments.archive, department_ids, concurrency=4)
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import os
import time
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
)
from typing import IO, Final, Generic, TypedDict, TypeVar

import attrs

from ._constants import DEFAULT_BULK_CANCEL_GRACE, DEFAULT_BULK_CONCURRENCY
from ._converter import unstructure
from .errors import APIError, B2BError, ServerError, TransportError, ValidationError

__all__ = [
    "BulkItem",
    "BulkProgress",
    "BulkReport",
    "ErrorSummary",
    "ItemCancelledError",
    "bulk",
    "bulk_stream",
    "error_summary",
    "input_key",
]

logger: Final = logging.getLogger("yandex_b2b_async.bulk")

_In = TypeVar("_In")
_Out = TypeVar("_Out")

JournalPath = str | os.PathLike[str]


class ItemCancelledError(B2BError):
    """The run was cancelled before this item's call ended.

    The call may or may not have reached the server; a rerun with the same journal repeats it
    (a create is then resolved by :meth:`UsersAPI.create_or_restore`'s conflict rules).
    """

    def __init__(self) -> None:
        super().__init__("cancelled before the call ended")


@attrs.frozen(kw_only=True)
class BulkItem(Generic[_In, _Out]):
    """The outcome of one input.

    ``index`` is the input's position (0-based); ``result`` what the call returned, ``error``
    what it raised (``None`` on success). ``id`` is the id the call produced or acted on when
    the bulk operation names one (the employee's id for users). ``skipped`` is True when the
    journal of an earlier run says this input already succeeded: it was not sent again and
    ``result`` is ``None`` (``id`` comes from the journal).
    """

    index: int
    input: _In
    result: _Out | None = None
    error: Exception | None = None
    id: str | None = None
    skipped: bool = False

    @property
    def ok(self) -> bool:
        """True when the call succeeded (now, or in the run the journal recorded)."""
        return self.error is None

    @property
    def cancelled(self) -> bool:
        """True when the run was cancelled before this item's call ended."""
        return isinstance(self.error, ItemCancelledError)


@attrs.frozen(kw_only=True)
class BulkReport(Generic[_In, _Out]):
    """Every item of a bulk run, one per input, in input order."""

    items: tuple[BulkItem[_In, _Out], ...] = ()

    @property
    def succeeded(self) -> list[BulkItem[_In, _Out]]:
        """The items whose call succeeded (skipped ones included), in input order."""
        return [item for item in self.items if item.error is None]

    @property
    def failed(self) -> list[BulkItem[_In, _Out]]:
        """The items whose call failed or was cancelled, in input order."""
        return [item for item in self.items if item.error is not None]

    @property
    def ok(self) -> bool:
        """True when every input succeeded."""
        return all(item.error is None for item in self.items)

    def __len__(self) -> int:
        return len(self.items)

    def errors_by_code(self) -> dict[str, int]:
        """How many items failed with each error code (see :func:`error_summary`)."""
        counts: dict[str, int] = {}
        for item in self.items:
            if item.error is not None:
                code = error_summary(item.error)["code"]
                counts[code] = counts.get(code, 0) + 1
        return counts


@attrs.frozen(kw_only=True)
class BulkProgress:
    """A snapshot of a run, passed to ``on_progress`` after every item.

    ``done`` counts every finished item (``failed`` and ``skipped`` included); ``total`` is the
    number of inputs when it is known (``len(inputs)`` or the ``total`` argument), else None.
    """

    done: int
    failed: int
    skipped: int
    total: int | None
    elapsed: float

    @property
    def succeeded(self) -> int:
        """Items that succeeded, skipped ones included."""
        return self.done - self.failed

    @property
    def rate(self) -> float:
        """Finished items per second since the start."""
        return self.done / self.elapsed if self.elapsed > 0 else 0.0


class ErrorSummary(TypedDict):
    """An item's error as reports and journals write it."""

    code: str
    message: str
    status: int | None


def error_summary(error: BaseException) -> ErrorSummary:
    """``{"code", "message", "status"}`` of an item's error, for reports and journals.

    ``code`` is the API's error code when it gave one, else a name for the kind of failure
    (``VALIDATION_ERROR``, ``TRANSPORT_ERROR``, ``HTTP_503``, ``CANCELLED``, the exception's
    class name). The message is the exception's, which never holds the token.
    """
    status: int | None = None
    if isinstance(error, APIError):
        status = error.status
        code = error.code or f"HTTP_{error.status}"
    elif isinstance(error, ValidationError):
        code = "VALIDATION_ERROR"
    elif isinstance(error, ItemCancelledError):
        code = "CANCELLED"
    elif isinstance(error, TransportError):
        code = "TRANSPORT_ERROR"
    else:
        code = type(error).__name__
    return {"code": code, "message": str(error), "status": status}


def input_key(value: object) -> str:
    """The journal key of an input: the input itself for a string, else a hash of its content.

    Request models are hashed on their wire form (canonical JSON), so an input that is edited
    between runs is a new input and is sent again, while reordering the inputs changes nothing.
    """
    if isinstance(value, str):
        return value
    try:
        wire: object = unstructure(value)
    except Exception:  # not a model: fall back to its repr, stable for plain data
        wire = repr(value)
    text = json.dumps(wire, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _check_concurrency(concurrency: object) -> int:
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise ValidationError("concurrency", "must be an integer >= 1", value=concurrency)
    return concurrency


def _check_grace(cancel_grace: object) -> float:
    if (
        isinstance(cancel_grace, bool)
        or not isinstance(cancel_grace, int | float)
        or not cancel_grace >= 0
    ):
        raise ValidationError(
            "cancel_grace", "must be a number of seconds >= 0", value=cancel_grace
        )
    return float(cancel_grace)


# ---------------------------------------------------------------------------------------------
# The journal


class _Journal:
    """An append-only JSON-lines record of finished items, keyed by operation and input key.

    Each line is written whole and flushed as its item ends, so a crash loses at most the line
    being written; a torn last line is ignored when the journal is read back.
    """

    def __init__(self, path: JournalPath, operation: str) -> None:
        self._operation = operation
        self.done: dict[str, str | None] = {}
        # Keys whose last call may have been processed although its answer was lost.
        self.unsure: set[str] = set()
        self._file: IO[str] | None = None
        self._path = os.fspath(path)
        needs_newline = False
        try:
            with open(self._path, encoding="utf-8", newline="") as existing:
                last = ""
                for last in existing:
                    self._load(last)
                needs_newline = bool(last) and not last.endswith("\n")
        except FileNotFoundError:
            pass
        self._file = open(self._path, "a", encoding="utf-8")  # noqa: SIM115 closed in close()
        if needs_newline:
            self._file.write("\n")

    def _load(self, line: str) -> None:
        try:
            record = json.loads(line)
        except ValueError:
            return  # a line torn by a crash
        if (
            not isinstance(record, dict)
            or record.get("op") != self._operation
            or not isinstance(record.get("key"), str)
        ):
            return
        key = record["key"]
        if record.get("ok") is True:
            found = record.get("id")
            self.done[key] = found if isinstance(found, str) else None
            self.unsure.discard(key)
        elif record.get("unknown_outcome") is True and key not in self.done:
            self.unsure.add(key)

    def record(self, key: str, item: BulkItem[object, object]) -> None:
        entry: dict[str, object] = {
            "op": self._operation,
            "key": key,
            "index": item.index,
            "ok": item.error is None,
        }
        if item.id is not None:
            entry["id"] = item.id
        if item.error is not None:
            entry["error"] = error_summary(item.error)
            if _outcome_unknown(item.error):
                entry["unknown_outcome"] = True
        assert self._file is not None
        self._file.write(json.dumps(entry, ensure_ascii=False) + "\n")
        self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def _outcome_unknown(error: Exception) -> bool:
    """Whether the failed call may have been carried out by the server all the same."""
    if isinstance(error, ItemCancelledError) or getattr(error, "after_unknown_outcome", False):
        return True
    if isinstance(error, TransportError):
        return error.sent
    return isinstance(error, ServerError)


# ---------------------------------------------------------------------------------------------
# The engine

_END: Final = object()


class _Run(Generic[_In, _Out]):
    """One bulk run: a pool of workers pulling from one lazy source."""

    def __init__(
        self,
        call: Callable[[_In], Awaitable[_Out]],
        inputs: Iterable[_In] | AsyncIterable[_In],
        *,
        concurrency: int,
        deliver: Callable[[BulkItem[_In, _Out]], None],
        on_progress: Callable[[BulkProgress], None] | None,
        total: int | None,
        journal: _Journal | None,
        key: Callable[[_In], str],
        id_of: Callable[[_In, _Out], str | None] | None,
        cancel_grace: float,
        slots: asyncio.Semaphore | None = None,
        call_if_unsure: Callable[[_In], Awaitable[_Out]] | None = None,
    ) -> None:
        self._call = call
        self._call_if_unsure = call_if_unsure
        self._sync_source: Iterator[_In] | None = None
        self._async_source: AsyncIterator[_In] | None = None
        if isinstance(inputs, AsyncIterable):
            self._async_source = aiter(inputs)
        elif isinstance(inputs, Iterable):
            self._sync_source = iter(inputs)
        else:
            raise ValidationError("inputs", "must be an iterable or an async iterable")
        self._pull_lock = asyncio.Lock()
        self._concurrency = concurrency
        self._deliver = deliver
        self._on_progress = on_progress
        self._total = total
        self._journal = journal
        self._key = key
        self._id_of = id_of
        self._grace = cancel_grace
        self._slots = slots
        self._next_index = 0
        self._stopping = False
        self._in_call: set[asyncio.Task[object]] = set()
        self._done = 0
        self._failed = 0
        self._skipped = 0
        self._started = time.monotonic()

    async def run(self) -> None:
        workers = [asyncio.create_task(self._work()) for _ in range(self._concurrency)]
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
        if calling and self._grace > 0:
            await asyncio.wait(calling, timeout=self._grace)
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

    async def _work(self) -> None:
        while not self._stopping:
            if self._slots is not None:
                await self._slots.acquire()
                if self._stopping:
                    return
            index, value = await self._pull()
            if value is _END:
                return
            await self._process(index, value)  # type: ignore[arg-type]

    async def _process(self, index: int, value: _In) -> None:
        key: str | None = None
        if self._journal is not None:
            try:
                key = self._key(value)
            except Exception as exc:
                self._finish(None, BulkItem(index=index, input=value, error=exc))
                return
            if key in self._journal.done:
                item: BulkItem[_In, _Out] = BulkItem(
                    index=index, input=value, id=self._journal.done[key], skipped=True
                )
                self._skipped += 1
                self._finish(None, item)
                return
        call = self._call
        if (
            self._call_if_unsure is not None
            and key is not None
            and self._journal is not None
            and key in self._journal.unsure
        ):
            call = self._call_if_unsure
        task: asyncio.Task[object] | None = asyncio.current_task()
        if task is not None:
            self._in_call.add(task)
        try:
            result = await call(value)
        except asyncio.CancelledError:
            cancelled: BulkItem[_In, _Out] = BulkItem(
                index=index, input=value, error=ItemCancelledError()
            )
            self._finish(key, cancelled)
            raise
        except Exception as exc:
            item = BulkItem(index=index, input=value, error=exc)
        else:
            found = self._id_of(value, result) if self._id_of is not None else None
            item = BulkItem(index=index, input=value, result=result, id=found)
        finally:
            self._in_call.discard(task)
        self._finish(key, item)

    def _finish(self, key: str | None, item: BulkItem[_In, _Out]) -> None:
        """Record an ended item everywhere, without awaiting: nothing can interrupt it."""
        self._done += 1
        if item.error is not None:
            self._failed += 1
        if key is not None and self._journal is not None:
            self._journal.record(key, item)  # type: ignore[arg-type]
        self._deliver(item)
        if self._on_progress is not None:
            progress = BulkProgress(
                done=self._done,
                failed=self._failed,
                skipped=self._skipped,
                total=self._total,
                elapsed=time.monotonic() - self._started,
            )
            try:
                self._on_progress(progress)
            except Exception:
                logger.exception("bulk: the on_progress callback failed (ignored)")


def _total_of(inputs: object, total: int | None) -> int | None:
    if total is not None:
        if isinstance(total, bool) or not isinstance(total, int) or total < 0:
            raise ValidationError("total", "must be an integer >= 0 or None", value=total)
        return total
    if hasattr(inputs, "__len__"):
        try:
            return len(inputs)
        except TypeError:
            return None
    return None


def _start(
    call: Callable[[_In], Awaitable[_Out]],
    inputs: Iterable[_In] | AsyncIterable[_In],
    deliver: Callable[[BulkItem[_In, _Out]], None],
    *,
    concurrency: int,
    on_progress: Callable[[BulkProgress], None] | None,
    total: int | None,
    journal: JournalPath | None,
    operation: str,
    key: Callable[[_In], str] | None,
    id_of: Callable[[_In, _Out], str | None] | None,
    cancel_grace: float,
    call_if_unsure: Callable[[_In], Awaitable[_Out]] | None,
    slots_for: Callable[[int], asyncio.Semaphore | None] = lambda _: None,
) -> tuple[_Run[_In, _Out], _Journal | None]:
    concurrency = _check_concurrency(concurrency)
    grace = _check_grace(cancel_grace)
    if not callable(call):
        raise ValidationError("call", "must be an async callable", value=call)
    known_total = _total_of(inputs, total)
    opened = _Journal(journal, operation) if journal is not None else None
    try:
        run = _Run(
            call,
            inputs,
            concurrency=concurrency,
            deliver=deliver,
            on_progress=on_progress,
            total=known_total,
            journal=opened,
            key=key or input_key,
            id_of=id_of,
            cancel_grace=grace,
            slots=slots_for(concurrency),
            call_if_unsure=call_if_unsure,
        )
    except BaseException:
        if opened is not None:
            opened.close()
        raise
    return run, opened


async def bulk(
    call: Callable[[_In], Awaitable[_Out]],
    inputs: Iterable[_In] | AsyncIterable[_In],
    *,
    concurrency: int = DEFAULT_BULK_CONCURRENCY,
    on_progress: Callable[[BulkProgress], None] | None = None,
    total: int | None = None,
    journal: JournalPath | None = None,
    operation: str | None = None,
    key: Callable[[_In], str] | None = None,
    id_of: Callable[[_In, _Out], str | None] | None = None,
    cancel_grace: float = DEFAULT_BULK_CANCEL_GRACE,
    call_if_unsure: Callable[[_In], Awaitable[_Out]] | None = None,
    on_item: Callable[[BulkItem[_In, _Out]], None] | None = None,
) -> BulkReport[_In, _Out]:
    """Run ``call(input)`` for every input, at most ``concurrency`` at a time.

    Returns a :class:`BulkReport` with one item per input, in input order; a call's exception
    is its item's error and never stops the others. ``on_progress`` is called with a
    :class:`BulkProgress` after every item. ``journal`` is a JSON-lines file: each finished
    item is appended to it, and inputs it records as succeeded for the same ``operation``
    (default: the call's qualified name) are skipped. ``key`` maps an input to its journal key
    (default :func:`input_key`); ``id_of(input, result)`` names the id an item produced.
    ``call_if_unsure`` replaces ``call`` for an input whose last journaled call may have been
    carried out although it failed (a lost reply, a 5xx, a cancellation mid-call), so that a
    rerun can recognise its own earlier work (a create answered 406 naming the employee it made).
    ``on_item`` is called with every item the moment it ends (a report file written as the run
    goes survives a crash or a cancellation).

    Raises :class:`ValidationError` for a bad ``concurrency``, ``total`` or ``cancel_grace``
    before any input is read. An exception raised by the *inputs* iterable itself stops the run
    (the calls in flight finish first) and is re-raised. On cancellation no new input is
    pulled, the calls in flight get ``cancel_grace`` seconds, the journal keeps what finished,
    and ``CancelledError`` is re-raised.
    """
    items: list[BulkItem[_In, _Out]] = []

    def deliver(item: BulkItem[_In, _Out]) -> None:
        items.append(item)
        if on_item is not None:
            on_item(item)

    run, opened = _start(
        call,
        inputs,
        deliver if on_item is not None else items.append,
        concurrency=concurrency,
        on_progress=on_progress,
        total=total,
        journal=journal,
        operation=operation or _operation_name(call),
        key=key,
        id_of=id_of,
        cancel_grace=cancel_grace,
        call_if_unsure=call_if_unsure,
    )
    try:
        await run.run()
    finally:
        if opened is not None:
            opened.close()
    items.sort(key=lambda item: item.index)
    return BulkReport(items=tuple(items))


async def bulk_stream(
    call: Callable[[_In], Awaitable[_Out]],
    inputs: Iterable[_In] | AsyncIterable[_In],
    *,
    concurrency: int = DEFAULT_BULK_CONCURRENCY,
    on_progress: Callable[[BulkProgress], None] | None = None,
    on_item: Callable[[BulkItem[_In, _Out]], None] | None = None,
    total: int | None = None,
    journal: JournalPath | None = None,
    operation: str | None = None,
    key: Callable[[_In], str] | None = None,
    id_of: Callable[[_In, _Out], str | None] | None = None,
    cancel_grace: float = DEFAULT_BULK_CANCEL_GRACE,
    call_if_unsure: Callable[[_In], Awaitable[_Out]] | None = None,
) -> AsyncGenerator[BulkItem[_In, _Out], None]:
    """Like :func:`bulk`, but yield each :class:`BulkItem` as it finishes (any order).

    Holds at most ``2 * concurrency`` items at a time: while the consumer is busy, no new
    input is pulled. ``on_item`` is called for every item the moment it ends — including
    items that end while the stream is being closed or cancelled, which can no longer be
    yielded — so a consumer that must record everything (a report file) uses it.

    Closing the stream (leaving ``async with contextlib.aclosing(stream)``), or cancelling
    the task iterating it, stops the run as :func:`bulk` describes. Wrap it in ``aclosing``
    when the loop may be left early: a generator abandoned mid-way is only closed later by the
    garbage collector, after its client may be gone.
    """
    queue: asyncio.Queue[BulkItem[_In, _Out] | object] = asyncio.Queue()

    def deliver(item: BulkItem[_In, _Out]) -> None:
        if on_item is not None:
            on_item(item)
        queue.put_nowait(item)

    run, opened = _start(
        call,
        inputs,
        deliver,
        concurrency=concurrency,
        on_progress=on_progress,
        total=total,
        journal=journal,
        operation=operation or _operation_name(call),
        key=key,
        id_of=id_of,
        cancel_grace=cancel_grace,
        call_if_unsure=call_if_unsure,
        slots_for=lambda n: asyncio.Semaphore(2 * n),
    )
    slots = run._slots
    runner = asyncio.create_task(run.run())
    runner.add_done_callback(lambda _: queue.put_nowait(_END))
    try:
        while True:
            got = await queue.get()
            if got is _END:
                break
            if slots is not None:
                slots.release()
            yield got  # type: ignore[misc]
        await runner  # re-raises a failure of the inputs iterable
    finally:
        if not runner.done():
            runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await runner
        if opened is not None:
            opened.close()


def _operation_name(call: object) -> str:
    name = getattr(call, "__qualname__", None) or type(call).__qualname__
    return str(name)
