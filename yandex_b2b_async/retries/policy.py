"""RetryPolicy and RetryEvent: the configuration of how a failed call is retried, and what the
hooks are told. Nothing here decides or sleeps (:mod:`.rules` and :mod:`.loop` do)."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from typing import Literal, TypeAlias

import attrs

from .._constants import (
    DEFAULT_BACKOFF_INITIAL,
    DEFAULT_BACKOFF_MAX,
    DEFAULT_MAX_ATTEMPTS,
    DEFAULT_MAX_RETRY_AFTER,
    DEFAULT_RETRY_STATUSES,
)
from .._types import NotGiven
from ..errors import B2BError, ValidationError
from .rules import is_retryable

__all__ = ["GiveUpReason", "RetryEvent", "RetryOption", "RetryPolicy"]

GiveUpReason = Literal[
    "not_retryable", "max_attempts", "deadline", "retry_after_too_long", "budget_exhausted"
]
"""Why a call stopped retrying (:attr:`RetryEvent.reason` of an ``on_give_up`` event)."""


@attrs.frozen(kw_only=True)
class RetryEvent:
    """One retry decision of one call, given to ``RetryPolicy.on_retry`` / ``on_give_up``.

    ``attempt`` is the number of the attempt that failed (1 for the first); ``wait`` the seconds
    slept before the next attempt (0.0 when giving up); ``reason`` what failed (``"HTTP 503"``,
    ``"timeout after sending"``…) for a retry, or a :data:`GiveUpReason` for a give-up;
    ``error`` the failure itself; ``call`` the request (``"POST /users"``).
    """

    call: str
    attempt: int
    wait: float
    reason: str
    error: B2BError


def _check(condition: bool, field: str, rule: str, value: object) -> None:
    if not condition:
        raise ValidationError(field, rule, value=value)


def _is_number(value: object) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float) and value == value


def _positive_int(_: object, attribute: attrs.Attribute[int], value: int) -> None:
    ok = not isinstance(value, bool) and isinstance(value, int) and value >= 1
    _check(ok, f"RetryPolicy.{attribute.name}", "must be an integer >= 1", value)


def _non_negative(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    ok = _is_number(value) and 0 <= value < float("inf")
    _check(ok, f"RetryPolicy.{attribute.name}", "must be a finite number of seconds >= 0", value)


def _optional_positive(_: object, attribute: attrs.Attribute[float | None], value: object) -> None:
    ok = value is None or (_is_number(value) and 0 < value < float("inf"))  # type: ignore[operator]
    _check(ok, f"RetryPolicy.{attribute.name}", "must be a number of seconds > 0, or None", value)


def _statuses(_: object, attribute: attrs.Attribute[frozenset[int]], value: frozenset[int]) -> None:
    for status in value:
        ok = not isinstance(status, bool) and isinstance(status, int) and 400 <= status <= 599
        _check(ok, "RetryPolicy.retry_statuses", "must hold HTTP error statuses (400-599)", status)


def _optional_callable(
    _: object, attribute: attrs.Attribute[Callable[[RetryEvent], None] | None], value: object
) -> None:
    _check(
        value is None or callable(value), f"RetryPolicy.{attribute.name}", "must be callable", value
    )


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """How a failed call is retried.

    ``max_attempts`` counts the first attempt (1 means no retry: :meth:`none`); an attempt
    answered 429 is not counted — the server asked the client to wait, and the client's pacer
    holds the retry until the pause ends — so what bounds a throttled call is the ``deadline``,
    or without one ``max_retry_after`` seconds of waiting on 429s in all. Our own waits
    are full-jitter exponential: a random time in ``[0, min(backoff_max, backoff_initial *
    2**(n-1))]`` before retry ``n``. A server's ``Retry-After`` (seconds or an HTTP date, on a
    429 or a 5xx) is obeyed as given when ``respect_retry_after`` is set; if it is longer than
    ``max_retry_after`` the call fails at once instead of sleeping.

    ``deadline`` (seconds from the call's start, ``None`` for none) bounds the whole call: every
    attempt's timeout, the first one's too, is cut to the time left, and a wait — our backoff,
    a ``Retry-After``, the client's pacing — that would end past it is not begun: the call
    fails at once with its last error. A deadline shorter than the client's ``timeout`` is
    fine: the deadline is then what bounds the attempt.

    ``on_retry`` is called with a :class:`RetryEvent` before each retry's wait, ``on_give_up``
    when a call that failed retryably ends in an error (attempts spent, deadline, budget, a
    ``Retry-After`` too long, or a later answer that is not retryable). Both are also logged on
    the ``yandex_b2b_async.retry`` logger: each retry at INFO, each give-up at WARNING — at
    DEBUG when the last answer was simply not retryable (it is the call's answer, which the
    caller gets) or when the caller handles the failure itself
    (:func:`~yandex_b2b_async.retries.caller_handles_failures`). A hook that raises is logged
    and ignored.

    ``sleep`` and ``clock`` exist for tests (instant waits without patching asyncio).
    Bad values are refused with :class:`ValidationError` naming the field.
    """

    max_attempts: int = attrs.field(default=DEFAULT_MAX_ATTEMPTS, validator=_positive_int)
    backoff_initial: float = attrs.field(default=DEFAULT_BACKOFF_INITIAL, validator=_non_negative)
    backoff_max: float = attrs.field(default=DEFAULT_BACKOFF_MAX, validator=_non_negative)
    deadline: float | None = attrs.field(default=None, validator=_optional_positive)
    retry_statuses: frozenset[int] = attrs.field(
        default=DEFAULT_RETRY_STATUSES, converter=frozenset, validator=_statuses
    )
    respect_retry_after: bool = True
    max_retry_after: float = attrs.field(default=DEFAULT_MAX_RETRY_AFTER, validator=_non_negative)
    on_retry: Callable[[RetryEvent], None] | None = attrs.field(
        default=None, eq=False, repr=False, validator=_optional_callable
    )
    on_give_up: Callable[[RetryEvent], None] | None = attrs.field(
        default=None, eq=False, repr=False, validator=_optional_callable
    )
    sleep: Callable[[float], Awaitable[None]] = attrs.field(
        default=asyncio.sleep, eq=False, repr=False
    )
    clock: Callable[[], float] = attrs.field(default=time.monotonic, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        if self.backoff_max < self.backoff_initial:
            raise ValidationError(
                "RetryPolicy.backoff_max",
                f"must be >= backoff_initial ({self.backoff_initial})",
                value=self.backoff_max,
            )

    @classmethod
    def none(cls) -> RetryPolicy:
        """A policy that never retries: exactly one attempt (as ``retry=None``)."""
        return cls(max_attempts=1)

    def is_retryable(self, error: BaseException) -> bool:
        """Whether ``error`` is worth another attempt under this policy (see :mod:`.rules`)."""
        return is_retryable(error, self.retry_statuses)

    def backoff(self, retry_number: int) -> float:
        """The full-jitter wait before retry number ``retry_number`` (1 for the first retry)."""
        exponent = min(retry_number - 1, 64)
        ceiling = min(self.backoff_max, self.backoff_initial * 2.0**exponent)
        return random.uniform(0.0, ceiling)


RetryOption: TypeAlias = RetryPolicy | NotGiven | Literal[0] | None
"""What a call's ``retry=`` takes: a policy, ``None`` or ``0`` (one attempt, no retry), or
:data:`NOT_GIVEN` (the client's policy)."""
