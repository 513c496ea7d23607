"""A create whose answer may be lost, made at most once: send, and on a lost answer look it up.

A create (cost center, manager role, geo restriction, …) is sent with ``idempotent=False``, so
the request path never repeats it blindly. When its answer is lost after sending (a reset, a
timeout, a 5xx), ``find`` reads the account for what the create would have made; if it is
there, it is returned as *reconciled* and nothing is sent again. Only when it is not there is
the create sent once more, up to the policy's ``max_attempts``. A refusal as a duplicate
(400/406) after such an unknown outcome is looked up the same way: it is the lost attempt's
work. Nothing here knows a model; the resource says what to send and how to recognise it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Final, TypeVar

from ..errors import APIError, ServerError, TransportError

if TYPE_CHECKING:
    from ..retry import RetryPolicy

__all__ = ["create_once"]

_T = TypeVar("_T")

logger: Final = logging.getLogger("yandex_b2b_async")

# A create refused as a duplicate: 400 (geo restrictions: "the record already exists") or 406
# (the library's ConflictError, as for employees).
_DUPLICATE_STATUSES: Final = frozenset({400, 406})


async def create_once(
    *,
    policy: RetryPolicy | None,
    send: Callable[[], Awaitable[_T]],
    find: Callable[[], Awaitable[str | None]],
    reconciled: Callable[[str], _T],
    call: str,
) -> _T:
    """``send()`` under ``policy``; after a lost answer, ``find()`` before sending again.

    ``send`` must make one request with ``idempotent=False``; ``find`` returns the id of what
    the create would have made, or None; ``reconciled(id)`` builds the answer for a found one.
    ``call`` (``"POST /cost_centers/create"``) names the request in the log line.
    """
    rounds = 1 if policy is None else policy.max_attempts
    unknown = False
    for round_number in range(1, rounds + 1):
        try:
            return await send()
        except (TransportError, ServerError) as error:
            if isinstance(error, TransportError) and not error.sent:
                raise
            unknown = True
            failure: APIError | TransportError = error
        except APIError as error:
            if not (unknown and error.status in _DUPLICATE_STATUSES):
                raise
            failure = error
        found = await find()
        if found is not None:
            logger.warning(
                "%s: an attempt's answer was lost; %s exists as it would have been made, "
                "returning it (no duplicate made)",
                call,
                found,
            )
            return reconciled(found)
        if policy is None or round_number == rounds or not unknown:
            raise failure
        await policy.sleep(policy.backoff(round_number))
    raise AssertionError("unreachable: the last round returns or raises")
