"""The retry loop: what happens after a call's first attempt failed. Built on tenacity.

A call's first attempt runs without any of this (the success path pays nothing for it); only
after a failure does :func:`retry_after_failure` engage tenacity for the remaining attempts,
with the decisions as tenacity's own parts:

* ``retry`` — whether the failure is worth another attempt (:mod:`.rules`);
* ``wait`` — the server's ``Retry-After`` when it gave one, else full-jitter backoff;
* ``stop`` — the first of: attempts spent, a ``Retry-After`` longer than ``max_retry_after``,
  a wait that would end past the deadline, the budget refusing to pay (asked last, since
  asking spends);
* ``before_sleep`` — a retry is scheduled: logged and told to ``on_retry``.

A give-up (the last error raised, with ``attempts`` and ``after_unknown_outcome`` set) is
logged and told to ``on_give_up`` in one place, :func:`_give_up`. Cancellation is never retried.
This module does not send and does not pace: the request path's ``attempt`` does.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
from collections.abc import Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Final, TypeVar

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    wait_random_exponential,
)
from tenacity.stop import stop_base
from tenacity.wait import wait_base

from .._logs import call_extra
from ..errors import APIError, B2BError
from ..pacing import PacingTimeout
from .budget import RetryBudget
from .policy import GiveUpReason, RetryEvent, RetryPolicy
from .rules import describe_failure, is_retryable, may_have_run, outcome_unknown

if TYPE_CHECKING:
    from .._observe import CallTracker

__all__ = ["caller_handles_failures", "retry_after_failure"]

_A = TypeVar("_A")
_R = TypeVar("_R")

logger: Final = logging.getLogger("yandex_b2b_async.retry")

_CALLER_HANDLES: Final = contextvars.ContextVar("yandex_b2b_async_caller_handles", default=False)


@contextlib.contextmanager
def caller_handles_failures() -> Iterator[None]:
    """Within this block (and the tasks it starts), give-ups are logged at DEBUG, not WARNING:
    the caller reports failures itself (a bulk run puts them in its report)."""
    token = _CALLER_HANDLES.set(True)
    try:
        yield
    finally:
        _CALLER_HANDLES.reset(token)


class _Stopped(Exception):
    """Raised inside the loop to end it with ``error`` for ``reason`` (pacing past the
    deadline, or a deadline overrun by the sleep itself)."""

    def __init__(self, error: B2BError, reason: GiveUpReason) -> None:
        self.error = error
        self.reason: GiveUpReason = reason


class _ReconcileFailed(Exception):
    """Carries a reconcile hook's own error out of the loop, so that tenacity does not take it
    for a failed attempt: a create that cannot be confirmed must not be sent again."""

    def __init__(self, error: B2BError) -> None:
        self.error = error


class _Call:
    """What one failed call's loop knows as it goes. ``throttled`` counts the attempts
    answered 429 that made the client wait (which spend no attempt), ``first_throttle`` is
    when the first 429 came. ``unnamed_pauses`` says whether a 429 naming no time (or 0)
    pauses the client: the pacer's own setting, so that the two never disagree."""

    __slots__ = (
        "attempts",
        "end",
        "first_throttle",
        "last_error",
        "reason",
        "throttled",
        "unknown",
        "unnamed_pauses",
    )

    def __init__(
        self, first_error: B2BError, end: float | None, now: float, *, unnamed_pauses: bool
    ) -> None:
        self.unnamed_pauses = unnamed_pauses
        self.attempts = 1
        self.end = end
        self.last_error = first_error
        self.reason: GiveUpReason | None = None
        self.unknown = False
        self.throttled = 0
        self.first_throttle: float | None = None
        self.note(first_error, now)

    def note(self, error: B2BError, now: float) -> None:
        """Count ``error`` if it is a 429."""
        if _is_throttle(error):
            if self.waits(error):
                self.throttled += 1
            if self.first_throttle is None:
                self.first_throttle = now

    def waits(self, error: BaseException | None) -> bool:
        """``error`` is a 429 that paused the client (a ``Retry-After`` above 0, or none or 0
        and a pause for that): the call waits in the pacer, spending no attempt. A 429 that
        paused nothing (``Retry-After: 0`` or none, and no pause for that) is retried as
        any failure is, after the policy's backoff and spending an attempt — otherwise a server
        answering it would get every call back at once, again and again."""
        if not _is_throttle(error):
            return False
        assert isinstance(error, APIError)
        return (error.retry_after or 0.0) > 0.0 or self.unnamed_pauses


def _is_throttle(error: BaseException | None) -> bool:
    """A 429: the server asking to wait, which the pacer makes the whole client do."""
    return isinstance(error, APIError) and error.status == 429


class _Stop(stop_base):
    """The first of ``stops`` that says stop, remembered as the call's give-up reason."""

    def __init__(
        self, call: _Call, stops: tuple[tuple[GiveUpReason, Callable[[RetryCallState], bool]], ...]
    ) -> None:
        self._call = call
        self._stops = stops

    def __call__(self, retry_state: RetryCallState) -> bool:
        for reason, stop in self._stops:
            if stop(retry_state):
                self._call.reason = reason
                return True
        return False


class _WaitRetryAfter(wait_base):
    """The server's ``Retry-After`` when it named one (and the policy obeys it), else
    ``fallback``; after a 429 that paused the client, nothing beyond the pacer's pause, and
    after one asking for no wait, ``fallback``."""

    def __init__(self, fallback: wait_base, call: _Call) -> None:
        self._fallback = fallback
        self._call = call

    def __call__(self, retry_state: RetryCallState) -> float:
        error = _error(retry_state)
        if _is_throttle(error):
            if self._call.waits(error):
                return _retry_after(retry_state) or 0.0
            return self._fallback(retry_state)
        retry_after = _retry_after(retry_state)
        if retry_after is not None:
            return retry_after
        return self._fallback(retry_state)


def _error(retry_state: RetryCallState) -> B2BError:
    error = retry_state.outcome.exception() if retry_state.outcome else None
    assert isinstance(error, B2BError)
    return error


def _retry_after(retry_state: RetryCallState) -> float | None:
    error = _error(retry_state)
    return error.retry_after if isinstance(error, APIError) else None


async def retry_after_failure(
    policy: RetryPolicy,
    first_error: B2BError,
    attempt: Callable[[float | None, int], Awaitable[_A]],
    *,
    started: float,
    describe: str = "",
    budget: RetryBudget | None = None,
    idempotent: bool = True,
    reconcile: Callable[[], Awaitable[_R | None]] | None = None,
    handles: tuple[type[B2BError], ...] = (),
    tracker: CallTracker | None = None,
    unnamed_pauses: bool | None = None,
) -> _A | _R:
    """Go on after the first attempt of a call failed with ``first_error``.

    ``attempt(time_left, resend)`` makes one more attempt: ``time_left`` is the seconds left
    before the deadline (None without one), which bounds its pacing and its timeout, and
    ``resend`` how many attempts were made before it (1 for the first retry); it raises
    :class:`~yandex_b2b_async.pacing.PacingTimeout` when pacing would outlast it. ``started``
    is the call's start on the policy's clock. Each retry spends from ``budget`` when given.
    ``idempotent=False`` retries only failures that certainly did nothing (never-sent requests
    and 429s) — unless ``reconcile`` is given: it is awaited after an attempt whose outcome is
    unknown, before the next one (and before giving up after one, unless for the deadline); a
    result other than None ends the call with it, and an error it raises ends the call too (a
    create that cannot be confirmed is not sent again).
    A give-up ending in one of ``handles`` is logged at DEBUG: the caller handles that failure
    (as a create reconciles a 406). ``tracker`` (a client with observers) is told of each
    retry scheduled, a retry the budget refused, and the give-up. ``unnamed_pauses`` is
    whether the client's pacer pauses after a 429 naming no time (None: as the policy's
    ``backoff_initial`` says, which is where a client takes that pause from).

    Returns the first successful attempt's (or reconcile's) result, or raises the last error
    with ``attempts`` set to how many attempts were made and ``after_unknown_outcome`` set when
    an earlier attempt may have been processed without its answer reaching us.
    """
    statuses = policy.retry_statuses
    repeatable = idempotent or reconcile is not None

    def retryable(error: BaseException) -> bool:
        return is_retryable(error, statuses) and (repeatable or not may_have_run(error))

    if policy.max_attempts <= 1 or not retryable(first_error):
        if reconcile is not None and outcome_unknown(first_error):
            found = await reconcile()
            if found is not None:
                return found
        raise first_error
    end = None if policy.deadline is None else started + policy.deadline
    clock = policy.clock
    if unnamed_pauses is None:
        unnamed_pauses = policy.backoff_initial > 0.0
    call = _Call(first_error, end, clock(), unnamed_pauses=unnamed_pauses)
    first: list[B2BError] = [first_error]

    async def next_attempt() -> _A | _R:
        if first:
            raise first.pop()  # the attempt already made, fed to tenacity as its first
        if reconcile is not None and outcome_unknown(call.last_error):
            try:
                found = await reconcile()
            except B2BError as error:
                raise _ReconcileFailed(error) from None
            if found is not None:
                return found
        time_left = None if end is None else end - clock()
        if time_left is not None and time_left <= 0.0:
            raise _Stopped(call.last_error, "deadline")  # the sleep itself overran it
        try:
            result = await attempt(time_left, call.attempts)
        except PacingTimeout:
            raise _Stopped(call.last_error, "deadline") from None
        except B2BError as error:
            call.attempts += 1
            call.last_error = error
            call.note(error, clock())
            raise
        call.attempts += 1
        return result

    def attempts_spent(retry_state: RetryCallState) -> bool:
        # A 429 spends no attempt: the server asks to wait, and the wait is bounded by the
        # deadline (or, without one, by max_retry_after in all), not by a count.
        return call.attempts - call.throttled >= policy.max_attempts

    def retry_after_too_long(retry_state: RetryCallState) -> bool:
        retry_after = _retry_after(retry_state)
        obeyed = retry_after if policy.respect_retry_after else None
        if obeyed is not None and obeyed > policy.max_retry_after:
            return True
        first_throttle = call.first_throttle
        if end is not None or first_throttle is None or not _is_throttle(_error(retry_state)):
            return False
        waited = clock() + (retry_state.upcoming_sleep or 0.0) - first_throttle
        return waited > policy.max_retry_after

    def past_deadline(retry_state: RetryCallState) -> bool:
        return end is not None and clock() + (retry_state.upcoming_sleep or 0.0) >= end

    def budget_refuses(retry_state: RetryCallState) -> bool:
        if budget is None:
            return False
        error = _error(retry_state)
        if budget.try_spend(error):
            return False
        if tracker is not None:
            tracker.budget_refused(retry_state.attempt_number, error)
        return True

    def retry_scheduled(retry_state: RetryCallState) -> None:
        error = _error(retry_state)
        call.unknown = call.unknown or outcome_unknown(error)
        seconds = retry_state.upcoming_sleep
        reason = describe_failure(error)
        attempt_number = retry_state.attempt_number
        logger.info(
            "retrying %s: attempt %d failed (%s); waiting %.3fs",
            describe,
            attempt_number,
            reason,
            seconds,
            extra=call_extra(describe, attempt_number),
        )
        if tracker is not None:
            tracker.retry_scheduled(attempt_number, seconds, reason, error)
        if policy.on_retry is not None:
            event = RetryEvent(
                call=describe, attempt=attempt_number, wait=seconds, reason=reason, error=error
            )
            _call_hook(policy.on_retry, event)

    backoff = wait_random_exponential(multiplier=policy.backoff_initial, max=policy.backoff_max)
    stops: list[tuple[GiveUpReason, Callable[[RetryCallState], bool]]] = [
        ("max_attempts", attempts_spent)
    ]
    stops.append(("retry_after_too_long", retry_after_too_long))
    stops += [("deadline", past_deadline), ("budget_exhausted", budget_refuses)]
    sleep = policy.sleep

    async def wait(seconds: float) -> None:
        # After a 429 the call waits in the pacer, with the whole client: its queue is first
        # come first served and releases the waiters at the paced rate when the pause ends,
        # where sleeping here too would wake every throttled call at once (a stampede).
        if not call.waits(call.last_error):
            await sleep(seconds)

    retrying = AsyncRetrying(
        retry=retry_if_exception(retryable),
        wait=_WaitRetryAfter(backoff, call) if policy.respect_retry_after else backoff,
        stop=_Stop(call, tuple(stops)),
        before_sleep=retry_scheduled,
        sleep=wait,
        reraise=True,
    )
    try:
        return await retrying(next_attempt)
    except _ReconcileFailed as failed:
        raise failed.error from None
    except _Stopped as stopped:
        error, reason = stopped.error, stopped.reason
    except B2BError as failed:
        error, reason = failed, call.reason or "not_retryable"
    if reconcile is not None and reason != "deadline" and outcome_unknown(error):
        # The last attempt's outcome is unknown too: look once more before failing.
        found = await reconcile()
        if found is not None:
            return found
    raise _give_up(
        policy, call, error, reason, describe, quiet=isinstance(error, handles), tracker=tracker
    )


def _give_up(  # the one place a give-up is decided on: observers hook here
    policy: RetryPolicy,
    call: _Call,
    error: B2BError,
    reason: GiveUpReason,
    describe: str,
    *,
    quiet: bool,
    tracker: CallTracker | None = None,
) -> B2BError:
    error.attempts = call.attempts
    error.after_unknown_outcome = call.unknown or error.after_unknown_outcome
    if quiet or _CALLER_HANDLES.get():
        level = logging.DEBUG
    elif reason == "not_retryable":
        # A later answer that is not retryable (a 404, a 406) is the call's answer rather than
        # a failure of the retries, and the caller gets it: INFO, not WARNING.
        level = logging.INFO
    else:
        level = logging.WARNING
    logger.log(
        level,
        "giving up on %s after %d attempt(s) (%s): %s",
        describe,
        call.attempts,
        reason,
        error,
        extra=call_extra(describe, call.attempts),
    )
    if tracker is not None:
        tracker.gave_up(call.attempts, reason, error)
    if policy.on_give_up is not None:
        event = RetryEvent(
            call=describe, attempt=call.attempts, wait=0.0, reason=reason, error=error
        )
        _call_hook(policy.on_give_up, event)
    return error


def _call_hook(hook: Callable[[RetryEvent], None], event: RetryEvent) -> None:
    try:
        hook(event)
    except Exception:
        logger.exception("a RetryPolicy hook raised; ignored")
