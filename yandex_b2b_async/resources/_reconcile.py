"""What the creates of the administration groups share about a lost answer.

A create is sent with ``idempotent=False`` and a ``reconcile`` hook (the request path's): after
an attempt whose answer was lost, the hook looks the account up for what the create would have
made, and a find ends the call with it. Two pieces are the same for every create and live here:
the log line of a find, and a duplicate refusal (400/406) that comes back from a retry after a
lost answer — the lost attempt's own work, looked up the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Final, TypeVar

from .._logs import call_extra
from ..errors import APIError

__all__ = ["DUPLICATE_STATUSES", "log_found", "settle_duplicate"]

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


async def settle_duplicate(error: APIError, reconcile: Callable[[], Awaitable[_T | None]]) -> _T:
    """``error`` refused a create as a duplicate: after a lost answer that is the lost
    attempt's work, returned when ``reconcile`` finds it; otherwise ``error`` is raised."""
    if error.after_unknown_outcome and error.status in DUPLICATE_STATUSES:
        found = await reconcile()
        if found is not None:
            return found
    raise error
