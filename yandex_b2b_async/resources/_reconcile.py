"""What the reconciling creates share about a lost answer.

A create is sent with ``idempotent=False`` and a ``reconcile`` hook (the request path's): after
an attempt whose answer was lost, the hook looks the account up for what the create would have
made, and a find ends the call with it. A duplicate refusal (400/406) that comes back from a
retry after a lost answer may be the lost attempt's own work: the request path's ``settle``
hook (:func:`duplicate_settler`) looks it up the same way.

A record found is claimed only when it holds what this call sent (:func:`holds_what_was_sent`):
a record someone else made, that only shares the key the lookup or the conflict went by (a
name, a phone), is never returned as ours; the call then ends in the error it would have had
without the lost answer. The log line of a find lives here too.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from enum import Enum
from typing import Final, TypeVar

from .._converter import unstructure
from .._logs import call_extra
from ..errors import APIError

__all__ = [
    "DUPLICATE_STATUSES",
    "duplicate_settler",
    "gone_after_unknown_outcome",
    "holds_what_was_sent",
    "log_found",
]

_T = TypeVar("_T")

logger: Final = logging.getLogger("yandex_b2b_async")

# A create refused as a duplicate: 400 (geo restrictions: "the record already exists") or 406
# (ConflictError, as for employees, cost centers and manager roles).
DUPLICATE_STATUSES: Final = frozenset({400, 406})


def log_found(call: str, found_id: str) -> None:
    """Say that a lost create's work was found (an id only: nothing personal)."""
    logger.warning(
        "%s: an attempt's answer was lost; %s exists as it would have made it, returning it "
        "(no duplicate made)",
        call,
        found_id,
        extra=call_extra(call),
    )


def duplicate_settler(
    reconcile: Callable[[], Awaitable[_T | None]],
) -> Callable[[APIError], Awaitable[_T | None]]:
    """The ``settle`` hook of a reconciling create: an error refusing it as a duplicate after a
    lost answer may be the lost attempt's work, and is settled by what ``reconcile`` finds
    (None: the error stands)."""

    async def settle(error: APIError) -> _T | None:
        if error.after_unknown_outcome and error.status in DUPLICATE_STATUSES:
            return await reconcile()
        return None

    return settle


async def gone_after_unknown_outcome(error: APIError) -> bool | None:
    """The ``settle`` hook of a delete: a 404 after an attempt whose answer was lost is that
    attempt's work (the record is gone), a success; any other error stands."""
    return True if error.status == 404 and error.after_unknown_outcome else None


def holds_what_was_sent(
    sent: object, found: object, *, may_omit: frozenset[str] = frozenset()
) -> bool:
    """Whether the record ``found`` (a response model) holds every field of the request
    ``sent`` (a request model or its JSON) with the value sent.

    Only what was sent is compared, as the API answers it: fields the answer adds (ids,
    defaults) are ignored, nested objects are compared the same way, and lists hold the same
    items in any order. A field sent that the answer leaves out (or answers as null) is a
    difference — a record that cannot be confirmed is not claimed — except the top-level
    fields in ``may_omit``, which the page says an answer may leave out.
    """
    wanted, answered = _plain(sent), _plain(found)
    if may_omit and isinstance(wanted, Mapping) and isinstance(answered, Mapping):
        wanted = {
            key: value
            for key, value in wanted.items()
            if key not in may_omit or answered.get(key) is not None
        }
    return _same(wanted, answered)


def _plain(value: object) -> object:
    return value if isinstance(value, dict | list | str | int | float) else unstructure(value)


def _same(sent: object, found: object) -> bool:
    if isinstance(sent, Enum):
        sent = sent.value
    if isinstance(found, Enum):
        found = found.value
    if isinstance(sent, Mapping):
        if not isinstance(found, Mapping):
            return False
        return all(key in found and _same(value, found[key]) for key, value in sent.items())
    if isinstance(sent, list | tuple):
        if not isinstance(found, list | tuple) or len(sent) != len(found):
            return False
        left = list(found)
        for item in sent:
            match = next((i for i, other in enumerate(left) if _same(item, other)), None)
            if match is None:
                return False
            del left[match]
        return True
    if isinstance(sent, bool) or isinstance(found, bool):
        return sent is found
    return bool(sent == found)
