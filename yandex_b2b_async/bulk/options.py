"""The options of a bulk run, declared once: every bulk form (:func:`~.bulk`,
:func:`~.bulk_stream`, ``client.users.bulk_*``, an operation's ``run``/``stream``/``each``)
takes them as keyword arguments typed by :class:`BulkOptions`, and :func:`settings` checks them
and fills in the defaults.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypedDict

import attrs

from .._constants import (
    DEFAULT_BULK_CANCEL_GRACE,
    DEFAULT_BULK_CONCURRENCY,
    DEFAULT_BULK_FINAL_PASS_DELAY,
    DEFAULT_BULK_FINAL_PASS_LIMIT,
    DEFAULT_BULK_STOP_AFTER_CONNECTION_FAILURES,
)
from ..errors import ValidationError
from .journal import JournalPath
from .report import BulkProgress

__all__ = ["BulkOptions", "BulkSettings", "settings"]


class BulkOptions(TypedDict, total=False):
    """Keyword options of every bulk form; each one may be left out.

    - ``concurrency`` — calls in flight at most (default 8).
    - ``on_progress`` — called with a :class:`BulkProgress` after every item.
    - ``total`` — the number of inputs, for progress, when ``len(inputs)`` cannot tell.
    - ``journal`` — a JSON-lines file: finished items are appended, and a rerun with it skips
      the inputs that succeeded (see :mod:`yandex_b2b_async.bulk.journal`).
    - ``cancel_grace`` — seconds a cancelled run lets its calls in flight end (default 5).
    - ``final_pass`` — resend, once at the end of the run, the inputs that failed with a
      retryable error (default True; see ``docs/bulk.md``); ``final_pass_delay`` is the pause
      before it (default 1 s).
    - ``stop_after_connection_failures`` — stop sending after this many consecutive
      connection failures (default 20; ``None`` never stops).
    """

    concurrency: int
    on_progress: Callable[[BulkProgress], None] | None
    total: int | None
    journal: JournalPath | None
    cancel_grace: float
    final_pass: bool
    final_pass_delay: float
    stop_after_connection_failures: int | None


def _count(name: str, value: object, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValidationError(name, f"must be an integer >= {minimum}", value=value)


def _seconds(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
        raise ValidationError(name, "must be a number of seconds >= 0", value=value)


@attrs.frozen(kw_only=True)
class BulkSettings:
    """:class:`BulkOptions` checked (by :func:`settings`), with every default filled in."""

    concurrency: int = DEFAULT_BULK_CONCURRENCY
    on_progress: Callable[[BulkProgress], None] | None = None
    total: int | None = None
    journal: JournalPath | None = None
    cancel_grace: float = DEFAULT_BULK_CANCEL_GRACE
    final_pass: bool = True
    final_pass_delay: float = DEFAULT_BULK_FINAL_PASS_DELAY
    final_pass_limit: int = DEFAULT_BULK_FINAL_PASS_LIMIT
    stop_after_connection_failures: int | None = DEFAULT_BULK_STOP_AFTER_CONNECTION_FAILURES


def settings(options: BulkOptions) -> BulkSettings:
    """The checked settings of ``options``; raises :class:`ValidationError` naming a bad one,
    before any input is read."""
    unknown = sorted(set(options) - set(attrs.fields_dict(BulkSettings)))
    if unknown:
        raise ValidationError(unknown[0], "is not a bulk option")
    checked = BulkSettings(**options)
    _count("concurrency", checked.concurrency, 1)
    if checked.total is not None:
        _count("total", checked.total, 0)
    if checked.stop_after_connection_failures is not None:
        _count("stop_after_connection_failures", checked.stop_after_connection_failures, 1)
    _seconds("cancel_grace", checked.cancel_grace)
    _seconds("final_pass_delay", checked.final_pass_delay)
    if checked.on_progress is not None and not callable(checked.on_progress):
        raise ValidationError("on_progress", "must be callable", value=checked.on_progress)
    return checked
