"""Bulk operations described as data, and the three ways to run one.

A :class:`BulkOperation` is what varies between bulk jobs — the call, the journal name, how
to name a result (``id_of``), how to key an input, what to call when an earlier attempt's
outcome is unknown (``call_if_unsure``) — and nothing else: the run options
(:class:`~.options.BulkOptions`) are given to :meth:`~BulkOperation.run` (a report),
:meth:`~BulkOperation.stream` (items as they finish) or :meth:`~BulkOperation.each` (a
callback per item, nothing kept). A new bulk form is one declaration::

    ARCHIVE = BulkOperation(name="departments.archive", call=client.departments.archive)
    report = await ARCHIVE.run(department_ids, concurrency=4)

:func:`bulk` and :func:`bulk_stream` build the operation from a bare call.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterable, Awaitable, Callable, Iterable
from typing import Final, Generic, TypeVar, Unpack

import attrs

from ..errors import ValidationError
from ..events import Event
from .engine import Run
from .journal import input_key
from .options import BulkOptions, settings
from .report import BulkItem, BulkProgress, BulkReport

__all__ = ["BulkOperation", "bulk", "bulk_stream"]

_In = TypeVar("_In")
_Out = TypeVar("_Out")

_END: Final = object()


@attrs.frozen(kw_only=True)
class BulkOperation(Generic[_In, _Out]):
    """One kind of bulk job.

    ``call(input)`` is sent for each input. ``name`` keys the journal (a journal written by one
    operation never skips another's inputs). ``id_of(input, result)`` names the id an item
    produced or acted on. ``key(input)`` is the input's journal key (default
    :func:`~.journal.input_key`). ``call_if_unsure`` replaces ``call`` for an input whose
    earlier call may have been carried out although it failed (a lost reply, a 5xx, a
    cancellation mid-call) — recorded so in the journal, or in this run before its final pass
    — so that it recognises its own earlier work (a create answered 406 naming the employee it
    made). Without it, such an input is never resent by the final pass. ``notify`` receives a
    :class:`~yandex_b2b_async.events.BulkProgressed` as each item ends (pass the client's
    ``client.notify`` so that its observers see the run).
    """

    name: str
    call: Callable[[_In], Awaitable[_Out]]
    id_of: Callable[[_In, _Out], str | None] | None = None
    call_if_unsure: Callable[[_In], Awaitable[_Out]] | None = None
    key: Callable[[_In], str] = input_key
    notify: Callable[[Event], None] | None = attrs.field(default=None, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        for name in ("call", "call_if_unsure", "id_of", "key", "notify"):
            value = getattr(self, name)
            if value is not None and not callable(value):
                raise ValidationError(name, "must be callable", value=value)

    async def run(
        self,
        inputs: Iterable[_In] | AsyncIterable[_In],
        *,
        on_item: Callable[[BulkItem[_In, _Out]], None] | None = None,
        **options: Unpack[BulkOptions],
    ) -> BulkReport[_In, _Out]:
        """Run over every input; returns a :class:`BulkReport`, one item per input in input
        order. ``on_item`` also sees each item the moment it ends (a report file written as
        the run goes survives a crash or a cancellation)."""
        items: list[BulkItem[_In, _Out]] = []

        def deliver(item: BulkItem[_In, _Out]) -> None:
            items.append(item)
            if on_item is not None:
                on_item(item)

        run = Run(self, inputs, settings(options), deliver)
        last = await run.run()
        items.sort(key=lambda item: item.index)
        return BulkReport(items=tuple(items), stopped=last.stopped)

    async def each(
        self,
        inputs: Iterable[_In] | AsyncIterable[_In],
        *,
        on_item: Callable[[BulkItem[_In, _Out]], None],
        **options: Unpack[BulkOptions],
    ) -> BulkProgress:
        """Run over every input, giving each item to ``on_item`` as it ends and keeping none
        (memory grows with ``concurrency``, not with the inputs); returns the last progress,
        whose ``stopped`` says why the run stopped early, if it did."""
        return await Run(self, inputs, settings(options), on_item).run()

    async def stream(
        self,
        inputs: Iterable[_In] | AsyncIterable[_In],
        *,
        on_item: Callable[[BulkItem[_In, _Out]], None] | None = None,
        **options: Unpack[BulkOptions],
    ) -> AsyncGenerator[BulkItem[_In, _Out], None]:
        """Yield each :class:`BulkItem` as it finishes (any order).

        Holds at most ``2 * concurrency`` items at a time: while the consumer is busy, no new
        input is pulled. ``on_item`` is called for every item the moment it ends — including
        items that end while the stream is being closed or cancelled, which can no longer be
        yielded. Closing the stream (leave ``async with contextlib.aclosing(stream)``) or
        cancelling the task iterating it stops the run as a cancellation does.
        """
        checked = settings(options)
        queue: asyncio.Queue[BulkItem[_In, _Out] | object] = asyncio.Queue()

        def deliver(item: BulkItem[_In, _Out]) -> None:
            if on_item is not None:
                on_item(item)
            queue.put_nowait(item)

        slots = asyncio.Semaphore(2 * checked.concurrency)
        run = Run(self, inputs, checked, deliver, slots=slots)
        runner = asyncio.create_task(run.run())
        runner.add_done_callback(lambda _: queue.put_nowait(_END))
        try:
            while True:
                got = await queue.get()
                if got is _END:
                    break
                slots.release()
                yield got  # type: ignore[misc]
            await runner  # re-raises a failure of the inputs iterable
        finally:
            if not runner.done():
                runner.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await runner


def _operation(
    call: Callable[[_In], Awaitable[_Out]],
    operation: str | None,
    key: Callable[[_In], str] | None,
    id_of: Callable[[_In, _Out], str | None] | None,
    call_if_unsure: Callable[[_In], Awaitable[_Out]] | None,
    notify: Callable[[Event], None] | None = None,
) -> BulkOperation[_In, _Out]:
    if not callable(call):
        raise ValidationError("call", "must be an async callable", value=call)
    name = operation or str(getattr(call, "__qualname__", None) or type(call).__qualname__)
    return BulkOperation(
        name=name,
        call=call,
        id_of=id_of,
        call_if_unsure=call_if_unsure,
        key=key or input_key,
        notify=notify,
    )


async def bulk(
    call: Callable[[_In], Awaitable[_Out]],
    inputs: Iterable[_In] | AsyncIterable[_In],
    *,
    operation: str | None = None,
    key: Callable[[_In], str] | None = None,
    id_of: Callable[[_In, _Out], str | None] | None = None,
    call_if_unsure: Callable[[_In], Awaitable[_Out]] | None = None,
    on_item: Callable[[BulkItem[_In, _Out]], None] | None = None,
    notify: Callable[[Event], None] | None = None,
    **options: Unpack[BulkOptions],
) -> BulkReport[_In, _Out]:
    """Run ``call(input)`` for every input, at most ``concurrency`` at a time.

    Returns a :class:`BulkReport` with one item per input, in input order; a call's exception
    is its item's error and never stops the others (but a 401/403, or a run of connection
    failures, stops the run: see :mod:`yandex_b2b_async.bulk.engine`). ``operation`` names the
    journal's records (default: the call's qualified name); ``key``, ``id_of`` and
    ``call_if_unsure`` and ``notify`` are as in :class:`BulkOperation`; ``options`` are the
    :class:`~yandex_b2b_async.bulk.BulkOptions` (``concurrency``, ``on_progress``, ``total``,
    ``journal``, ``cancel_grace``, ``final_pass``, …).

    Raises :class:`ValidationError` for a bad option before any input is read. An exception
    raised by the *inputs* iterable itself stops the run (the calls in flight finish first) and
    is re-raised. On cancellation no new input is pulled, the calls in flight get
    ``cancel_grace`` seconds, the journal keeps what finished, and ``CancelledError`` is
    re-raised.
    """
    described = _operation(call, operation, key, id_of, call_if_unsure, notify)
    return await described.run(inputs, on_item=on_item, **options)


def bulk_stream(
    call: Callable[[_In], Awaitable[_Out]],
    inputs: Iterable[_In] | AsyncIterable[_In],
    *,
    operation: str | None = None,
    key: Callable[[_In], str] | None = None,
    id_of: Callable[[_In, _Out], str | None] | None = None,
    call_if_unsure: Callable[[_In], Awaitable[_Out]] | None = None,
    on_item: Callable[[BulkItem[_In, _Out]], None] | None = None,
    notify: Callable[[Event], None] | None = None,
    **options: Unpack[BulkOptions],
) -> AsyncGenerator[BulkItem[_In, _Out], None]:
    """Like :func:`bulk`, but yield each :class:`BulkItem` as it finishes (any order); see
    :meth:`BulkOperation.stream`. Wrap it in ``contextlib.aclosing`` when the loop may be left
    early: a generator abandoned mid-way is only closed later by the garbage collector, after
    its client may be gone."""
    described = _operation(call, operation, key, id_of, call_if_unsure, notify)
    return described.stream(inputs, on_item=on_item, **options)
