"""Retry policy: what is retried, how long to wait, and when to give up. Built on tenacity.

A call's first attempt runs without any retry machinery (the success path pays nothing for
it); only after a failure does :meth:`RetryPolicy.run_after_failure` engage tenacity for the
remaining attempts. A failure is classified by how far the request got:

* never sent (DNS, connect refused, connect or pool timeout): retried, whatever the call;
* sent, no answer (read timeout, reset): retried — edits and archives are idempotent, and a
  create's ambiguity is resolved by the caller (``UsersAPI.create`` reconciles a 406 that names
  the employee the lost attempt made); the final error says ``after_unknown_outcome``;
* answered: a status in ``retry_statuses`` (429, 500, 502, 503, 504 by default) is retried;
  any other status, and a success body that is not the documented JSON, is not.

Cancellation is never retried. Every retry also costs tokens of the client-wide
:class:`RetryBudget`, so that an outage does not multiply a bulk run's attempts.

This module does not send anything and does not pace: the client's :class:`Pacer` does.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Final, Literal, TypeAlias, TypeVar

import attrs
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from ._constants import (
    DEFAULT_BACKOFF_INITIAL,
    DEFAULT_BACKOFF_MAX,
    DEFAULT_MAX_ATTEMPTS,
    DEFAULT_MAX_RETRY_AFTER,
    DEFAULT_RETRY_BUDGET_CAPACITY,
    DEFAULT_RETRY_COST,
    DEFAULT_RETRY_STATUSES,
    DEFAULT_SUCCESS_REFILL,
    DEFAULT_TRANSPORT_RETRY_COST,
)
from ._logs import call_extra
from ._types import NotGiven
from .errors import APIError, B2BError, InvalidResponseError, TransportError, ValidationError
from .ratelimit import PacingTimeout

if TYPE_CHECKING:
    from ._observe import CallTracker

__all__ = ["GiveUpReason", "RetryBudget", "RetryEvent", "RetryOption", "RetryPolicy"]

_T = TypeVar("_T")

logger: Final = logging.getLogger("yandex_b2b_async.retry")

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

    ``max_attempts`` counts the first attempt (1 means no retry: :meth:`none`). Our own waits
    are full-jitter exponential: a random time in ``[0, min(backoff_max, backoff_initial *
    2**(n-1))]`` before retry ``n``. A server's ``Retry-After`` (seconds or an HTTP date, on a
    429 or a 5xx) is obeyed as given when ``respect_retry_after`` is set; if it is longer than
    ``max_retry_after`` the call fails at once instead of sleeping. ``deadline`` (seconds from
    the call's start, ``None`` for none) is checked before every wait — our backoff, a
    ``Retry-After``, and the client's pacing of the retry alike: a wait that would end past it
    is not begun, the call fails at once with its last error. A retry's attempt also gets no
    more than the time left before the deadline.

    ``on_retry`` is called with a :class:`RetryEvent` before each retry's wait, ``on_give_up``
    when a call that failed retryably ends in an error (attempts spent, deadline, budget, a
    ``Retry-After`` too long, or a later answer that is not retryable). Both are also logged on
    the ``yandex_b2b_async.retry`` logger: each retry at INFO, each give-up at WARNING (INFO
    when the last answer was simply not retryable). A hook that raises is logged and ignored.

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
        """Whether ``error`` is worth another attempt under this policy."""
        if isinstance(error, TransportError):
            return True
        if isinstance(error, InvalidResponseError):
            return False
        return isinstance(error, APIError) and error.status in self.retry_statuses

    def backoff(self, retry_number: int) -> float:
        """The full-jitter wait before retry number ``retry_number`` (1 for the first retry)."""
        exponent = min(retry_number - 1, 64)
        ceiling = min(self.backoff_max, self.backoff_initial * 2.0**exponent)
        return random.uniform(0.0, ceiling)

    async def run_after_failure(
        self,
        first_error: B2BError,
        attempt: Callable[[float | None], Awaitable[_T]],
        *,
        started: float,
        describe: str = "",
        budget: RetryBudget | None = None,
        idempotent: bool = True,
        tracker: CallTracker | None = None,
    ) -> _T:
        """Go on after the first attempt of a call failed with ``first_error``.

        ``attempt(time_left)`` makes one more attempt; ``time_left`` is the seconds left before
        the deadline (None without one), which bounds its pacing and its timeout. ``started``
        is the call's start on :attr:`clock`. Each retry spends from ``budget`` when given.
        ``idempotent=False`` (a create that cannot be reconciled by the server's answer) retries
        only failures that certainly did nothing: never-sent requests and 429s. ``tracker``
        (a client with observers) is told of each retry, a refused budget and giving up.

        Returns the first successful attempt's result, or raises the last error with
        ``attempts`` set to how many attempts were made and ``after_unknown_outcome`` set when
        an earlier attempt may have been processed without its answer reaching us.
        """

        def retryable(error: BaseException) -> bool:
            return self.is_retryable(error) and (idempotent or not _may_have_run(error))

        if self.max_attempts <= 1 or not retryable(first_error):
            raise first_error
        pending_first: list[B2BError] = [first_error]
        last_error = first_error
        unknown_outcome = False
        attempts = 0
        end = None if self.deadline is None else started + self.deadline

        async def next_attempt() -> _T:
            nonlocal attempts
            if pending_first:
                attempts += 1
                raise pending_first.pop()
            time_left = None if end is None else end - self.clock()
            if time_left is not None and time_left <= 0.0:
                raise _GiveUp(last_error, "deadline")  # the sleep itself overran the deadline
            try:
                result = await attempt(time_left)
            except PacingTimeout:
                raise _GiveUp(last_error, "deadline") from None
            except BaseException:
                attempts += 1
                raise
            attempts += 1
            return result

        def wait(state: RetryCallState) -> float:
            # tenacity asks for the wait before it checks ``stop``: every decision is made here.
            nonlocal last_error, unknown_outcome
            error = state.outcome.exception() if state.outcome else None
            assert isinstance(error, B2BError)
            last_error = error
            if state.attempt_number >= self.max_attempts:
                raise _GiveUp(error, "max_attempts")
            seconds = self.backoff(state.attempt_number)
            retry_after = error.retry_after if isinstance(error, APIError) else None
            if retry_after is not None and self.respect_retry_after:
                if retry_after > self.max_retry_after:
                    raise _GiveUp(error, "retry_after_too_long")
                seconds = retry_after
            if end is not None and self.clock() + seconds >= end:
                raise _GiveUp(error, "deadline")
            if budget is not None and not budget.try_spend(error):
                if tracker is not None:
                    tracker.budget_refused(state.attempt_number, error)
                raise _GiveUp(error, "budget_exhausted")
            unknown_outcome = unknown_outcome or _outcome_unknown(error)
            reason = _failure(error)
            logger.info(
                "retrying %s: attempt %d failed (%s); waiting %.3fs",
                describe,
                state.attempt_number,
                reason,
                seconds,
                extra=call_extra(describe, state.attempt_number),
            )
            if tracker is not None:
                tracker.retry_scheduled(state.attempt_number, seconds, reason, error)
            if self.on_retry is not None:
                event = RetryEvent(
                    call=describe,
                    attempt=state.attempt_number,
                    wait=seconds,
                    reason=reason,
                    error=error,
                )
                _call_hook(self.on_retry, event)
            return seconds

        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.max_attempts),
            wait=wait,
            retry=retry_if_exception(retryable),
            sleep=self.sleep,
            reraise=True,
        )
        try:
            return await retrying(next_attempt)
        except _GiveUp as give_up:
            final, why = give_up.error, give_up.reason
        except B2BError as error:
            final = error
            why = "max_attempts" if retryable(error) else "not_retryable"
        final.attempts = attempts
        final.after_unknown_outcome = unknown_outcome or final.after_unknown_outcome
        # A later answer that is not retryable (a 406 a create then reconciles, a 404) is the
        # call's answer rather than a failure of the retries: INFO, not WARNING.
        logger.log(
            logging.INFO if why == "not_retryable" else logging.WARNING,
            "giving up on %s after %d attempt(s) (%s): %s",
            describe,
            attempts,
            why,
            final,
            extra=call_extra(describe, attempts),
        )
        if tracker is not None:
            tracker.gave_up(attempts, why, final)
        if self.on_give_up is not None:
            event = RetryEvent(call=describe, attempt=attempts, wait=0.0, reason=why, error=final)
            _call_hook(self.on_give_up, event)
        raise final


class RetryBudget:
    """A client-wide allowance of retries (botocore's retry quota).

    The budget holds up to ``capacity`` tokens and starts full. Every retry spends
    ``retry_cost`` tokens (``transport_retry_cost`` after a connection failure or timeout);
    a retry the budget cannot pay is not made, and the call fails with its last error. Each
    successful attempt gives back ``success_refill`` tokens. While the API answers, the budget
    stays full; during an outage it drains after ``capacity / retry_cost`` retries, and a bulk
    run of N calls then makes about N attempts, not N * ``max_attempts``.

    A client makes one of its own unless given one; a budget given to several clients is
    shared by them. ``available``, ``spent`` and ``denied`` are for monitoring.
    """

    __slots__ = (
        "available",
        "capacity",
        "denied",
        "retry_cost",
        "spent",
        "success_refill",
        "transport_retry_cost",
    )

    def __init__(
        self,
        *,
        capacity: int = DEFAULT_RETRY_BUDGET_CAPACITY,
        retry_cost: int = DEFAULT_RETRY_COST,
        transport_retry_cost: int = DEFAULT_TRANSPORT_RETRY_COST,
        success_refill: int = DEFAULT_SUCCESS_REFILL,
    ) -> None:
        for name, value in (
            ("capacity", capacity),
            ("retry_cost", retry_cost),
            ("transport_retry_cost", transport_retry_cost),
            ("success_refill", success_refill),
        ):
            ok = not isinstance(value, bool) and isinstance(value, int) and value >= 0
            _check(ok, f"RetryBudget.{name}", "must be an integer >= 0", value)
        self.capacity: Final = capacity
        self.retry_cost: Final = retry_cost
        self.transport_retry_cost: Final = transport_retry_cost
        self.success_refill: Final = success_refill
        #: Tokens left now.
        self.available = capacity
        #: Retries paid for, and retries refused for want of tokens, since the budget was made.
        self.spent = 0
        self.denied = 0

    def __repr__(self) -> str:
        return (
            f"RetryBudget(available={self.available}/{self.capacity}, spent={self.spent}, "
            f"denied={self.denied})"
        )

    def try_spend(self, error: B2BError) -> bool:
        """Pay for a retry after ``error``; False (and nothing spent) if the budget cannot."""
        cost = self.transport_retry_cost if isinstance(error, TransportError) else self.retry_cost
        if cost > self.available:
            self.denied += 1
            return False
        self.available -= cost
        self.spent += 1
        return True

    def on_success(self) -> None:
        """Note a successful attempt: give back ``success_refill`` tokens."""
        if self.available < self.capacity:
            self.available = min(self.capacity, self.available + self.success_refill)


class _GiveUp(Exception):
    def __init__(self, error: B2BError, reason: GiveUpReason) -> None:
        self.error = error
        self.reason: GiveUpReason = reason


def _outcome_unknown(error: BaseException | None) -> bool:
    """Whether a failed attempt may have been processed by the server."""
    if isinstance(error, TransportError):
        return error.sent
    return isinstance(error, APIError) and error.status >= 500


def _may_have_run(error: BaseException) -> bool:
    """Whether a failed attempt may have been carried out (anything but never-sent or 429)."""
    if isinstance(error, TransportError):
        return error.sent
    return not (isinstance(error, APIError) and error.status == 429)


def _failure(error: B2BError) -> str:
    """A short description of a failed attempt, for logs and :class:`RetryEvent`."""
    if isinstance(error, TransportError):
        return "lost after sending" if error.sent else "not sent"
    if isinstance(error, APIError):
        if error.retry_after is not None:
            return f"HTTP {error.status}, Retry-After {error.retry_after:g}s"
        return f"HTTP {error.status}"
    return type(error).__name__


def _call_hook(hook: Callable[[RetryEvent], None], event: RetryEvent) -> None:
    try:
        hook(event)
    except Exception:
        logger.exception("a RetryPolicy hook raised; ignored")


RetryOption: TypeAlias = RetryPolicy | NotGiven | Literal[0] | None
"""What a call's ``retry=`` takes: a policy, ``None`` or ``0`` (one attempt, no retry), or
:data:`NOT_GIVEN` (the client's policy)."""
