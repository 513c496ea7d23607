"""What a bulk run produces: one :class:`BulkItem` per input, a :class:`BulkReport` of them,
the :class:`BulkProgress` snapshots ``on_progress`` sees, and why a run stopped early
(:class:`BulkStop`).

Plain data, no I/O: the engine (:mod:`.engine`) fills them, the journal and the command line
read them. :func:`error_summary` is the one place an item's error becomes the
``{"code", "message", "status"}`` that reports and journals write.
"""

from __future__ import annotations

from typing import Final, Generic, Literal, TypeAlias, TypedDict, TypeVar

import attrs

from .._personal import opaque_repr, scrub
from ..errors import APIError, B2BError, TransportError, ValidationError

__all__ = [
    "NOT_ATTEMPTED",
    "BulkItem",
    "BulkProgress",
    "BulkReport",
    "BulkStop",
    "ErrorSummary",
    "ItemCancelledError",
    "NotAttemptedError",
    "StopKind",
    "error_summary",
]

_In = TypeVar("_In")
_Out = TypeVar("_Out")

# The error code of an input a stopped run never sent (reports, journals, summaries).
NOT_ATTEMPTED: Final = "NOT_ATTEMPTED"

StopKind: TypeAlias = Literal["authentication", "unreachable"]
"""Why a run stopped before its end: the API refused the credentials (401/403, which can only
repeat), or a run of consecutive connection failures says it cannot be reached."""


class ItemCancelledError(B2BError):
    """The run was cancelled before this item's call ended.

    The call may or may not have reached the server; a rerun with the same journal repeats it
    (a create is then resolved by :meth:`UsersAPI.create_or_restore`'s conflict rules).
    """

    def __init__(self) -> None:
        super().__init__("cancelled before the call ended")


@attrs.frozen(kw_only=True)
class BulkStop:
    """Why a bulk run stopped sending: ``kind``, a one-line ``message`` for people, and the
    ``error`` of the item that decided it. The inputs not sent end as :class:`NotAttemptedError`."""

    kind: StopKind
    message: str
    error: Exception = attrs.field(eq=False, repr=False)


class NotAttemptedError(B2BError):
    """The run stopped (see ``stop``) before this input was sent: nothing was sent for it.

    A rerun, once the cause is fixed, sends it (with the same journal, only what is left).
    """

    def __init__(self, stop: BulkStop) -> None:
        self.stop = stop
        super().__init__(f"not attempted: {stop.message}")


@attrs.frozen(kw_only=True)
class BulkItem(Generic[_In, _Out]):
    """The outcome of one input.

    ``index`` is the input's position (0-based); ``result`` what the call returned, ``error``
    what it raised (``None`` on success). ``id`` is the id the call produced or acted on when
    the bulk operation names one (the employee's id for users). ``skipped`` is True when the
    journal of an earlier run says this input already succeeded: it was not sent again and
    ``result`` is ``None`` (``id`` comes from the journal). ``final_pass`` is True when the
    outcome comes from the run's final pass (the first call failed with a retryable error and
    the input was sent once more at the end of the run). The repr shows the types of the input
    and the result, not their values (they may hold an employee's personal data; ``index`` and
    ``id`` name them).
    """

    index: int
    input: _In = attrs.field(repr=opaque_repr)
    result: _Out | None = attrs.field(default=None, repr=opaque_repr)
    error: Exception | None = None
    id: str | None = None
    skipped: bool = False
    final_pass: bool = False

    @property
    def ok(self) -> bool:
        """True when the call succeeded (now, or in the run the journal recorded)."""
        return self.error is None

    @property
    def cancelled(self) -> bool:
        """True when the run was cancelled before this item's call ended."""
        return isinstance(self.error, ItemCancelledError)

    @property
    def attempted(self) -> bool:
        """False when the run stopped before this input was sent."""
        return not isinstance(self.error, NotAttemptedError)


@attrs.frozen(kw_only=True)
class BulkReport(Generic[_In, _Out]):
    """Every item of a bulk run, one per input, in input order.

    ``succeeded`` and ``failed`` are counts (as in :class:`BulkProgress`); the failed items are
    :attr:`failures`. ``stopped`` says why the run stopped sending, when it did.
    """

    items: tuple[BulkItem[_In, _Out], ...] = ()
    stopped: BulkStop | None = None

    @property
    def succeeded(self) -> int:
        """How many items succeeded (skipped ones included)."""
        return sum(1 for item in self.items if item.error is None)

    @property
    def failed(self) -> int:
        """How many items failed, were cancelled or were not attempted."""
        return sum(1 for item in self.items if item.error is not None)

    @property
    def failures(self) -> list[BulkItem[_In, _Out]]:
        """The items that failed, were cancelled or were not attempted, in input order."""
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
    ``stopped`` is set once the run has stopped sending (see :class:`BulkStop`).
    """

    done: int
    failed: int
    skipped: int
    total: int | None
    elapsed: float
    stopped: BulkStop | None = None

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
    (``VALIDATION_ERROR``, ``TRANSPORT_ERROR``, ``HTTP_503``, ``CANCELLED``, ``NOT_ATTEMPTED``,
    the error's own ``code`` attribute, else its class name). The message is the exception's,
    which never holds the token.
    """
    status: int | None = None
    if isinstance(error, APIError):
        status = error.status
        code = error.code or f"HTTP_{error.status}"
    elif isinstance(error, ValidationError):
        code = "VALIDATION_ERROR"
    elif isinstance(error, ItemCancelledError):
        code = "CANCELLED"
    elif isinstance(error, NotAttemptedError):
        code = NOT_ATTEMPTED
    elif isinstance(error, TransportError):
        code = "TRANSPORT_ERROR"
    else:
        named = getattr(error, "code", None)  # a failure that names its own kind
        code = named if isinstance(named, str) and named else type(error).__name__
    # The library's own errors show no personal data; a foreign one's phones and emails are masked.
    message = str(error) if isinstance(error, B2BError) else scrub(str(error))
    return {"code": code, "message": message, "status": status}
