"""Retry policy: what is retried, how long to wait, and when to give up. Built on tenacity.

A call's first attempt runs without any retry machinery (the success path pays nothing for
it); only after a failure does :meth:`RetryPolicy.run_after_failure` engage tenacity for the
remaining attempts. A failure is retried when:

* the request never reached the server (connect refused, DNS, connect timeout) — any call;
* it was sent but no answer came (read timeout, reset) — any call: edits and archives are
  idempotent, and a create's ambiguity is resolved by the caller (see ``UsersAPI.create``);
* the server answered a status in ``retry_statuses`` (429 and 5xx by default).

Other 4xx, malformed success answers and cancellation are never retried.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from typing import Final, TypeVar

import attrs
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from ._constants import (
    DEFAULT_BACKOFF_INITIAL,
    DEFAULT_BACKOFF_MAX,
    DEFAULT_MAX_ATTEMPTS,
    DEFAULT_MAX_RETRY_AFTER,
    DEFAULT_RETRY_STATUSES,
)
from .errors import APIError, B2BError, InvalidResponseError, TransportError

__all__ = ["RetryPolicy"]

_T = TypeVar("_T")

logger: Final = logging.getLogger("yandex_b2b_async.retry")


def _positive_int(_: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"RetryPolicy.{attribute.name} must be an integer >= 1, got {value!r}")


def _non_negative(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
        raise ValueError(f"RetryPolicy.{attribute.name} must be a number >= 0, got {value!r}")


def _optional_positive(_: object, attribute: attrs.Attribute[float | None], value: object) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise ValueError(
            f"RetryPolicy.{attribute.name} must be a number > 0 or None, got {value!r}"
        )


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """How a failed call is retried.

    ``max_attempts`` counts the first attempt (1 means no retry). Waits are full-jitter
    exponential: a random time in ``[0, min(backoff_max, backoff_initial * 2**n)]``. A server's
    ``Retry-After`` is obeyed as given when ``respect_retry_after`` is set, bounded by
    ``max_retry_after``; ``deadline`` (seconds from the call's start, ``None`` for none) is
    checked before every wait: a wait that would end past either bound is not slept — the call
    fails at once with the last error.

    ``sleep`` and ``clock`` exist for tests (instant waits without patching asyncio globally).
    """

    max_attempts: int = attrs.field(default=DEFAULT_MAX_ATTEMPTS, validator=_positive_int)
    backoff_initial: float = attrs.field(default=DEFAULT_BACKOFF_INITIAL, validator=_non_negative)
    backoff_max: float = attrs.field(default=DEFAULT_BACKOFF_MAX, validator=_non_negative)
    deadline: float | None = attrs.field(default=None, validator=_optional_positive)
    retry_statuses: frozenset[int] = attrs.field(
        default=DEFAULT_RETRY_STATUSES, converter=frozenset
    )
    respect_retry_after: bool = True
    max_retry_after: float = attrs.field(default=DEFAULT_MAX_RETRY_AFTER, validator=_non_negative)
    sleep: Callable[[float], Awaitable[None]] = attrs.field(
        default=asyncio.sleep, eq=False, repr=False
    )
    clock: Callable[[], float] = attrs.field(default=time.monotonic, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        if self.backoff_max < self.backoff_initial:
            raise ValueError(
                f"RetryPolicy.backoff_max ({self.backoff_max}) must be >= "
                f"backoff_initial ({self.backoff_initial})"
            )

    @classmethod
    def none(cls) -> RetryPolicy:
        """A policy that never retries."""
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
        ceiling = min(self.backoff_max, self.backoff_initial * 2 ** (retry_number - 1))
        return random.uniform(0.0, ceiling)

    async def run_after_failure(
        self,
        first_error: B2BError,
        attempt: Callable[[], Awaitable[_T]],
        *,
        started: float,
        describe: str = "",
    ) -> _T:
        """Go on after the first attempt of a call failed with ``first_error``.

        Returns the first successful attempt's result, or raises the last error with
        ``attempts`` set to how many attempts were made and ``after_unknown_outcome`` set when
        an earlier attempt may have been processed without its answer reaching us.
        """
        if self.max_attempts <= 1 or not self.is_retryable(first_error):
            raise first_error
        pending_first: list[B2BError] = [first_error]
        unknown_outcome = False
        attempts = 0

        async def next_attempt() -> _T:
            nonlocal attempts, unknown_outcome
            attempts += 1
            if pending_first:
                raise pending_first.pop()
            return await attempt()

        def wait(state: RetryCallState) -> float:
            error = state.outcome.exception() if state.outcome else None
            seconds = self.backoff(state.attempt_number)
            retry_after = error.retry_after if isinstance(error, APIError) else None
            if retry_after is not None and self.respect_retry_after:
                if retry_after > self.max_retry_after:
                    raise _GiveUp(error)
                seconds = retry_after
            if self.deadline is not None and self.clock() + seconds > started + self.deadline:
                raise _GiveUp(error)
            return seconds

        def before_sleep(state: RetryCallState) -> None:
            nonlocal unknown_outcome
            error = state.outcome.exception() if state.outcome else None
            if _outcome_unknown(error):
                unknown_outcome = True
            wait_seconds = state.next_action.sleep if state.next_action else 0.0
            logger.info(
                "retrying %s: attempt %d failed (%s); waiting %.3fs",
                describe,
                state.attempt_number,
                error,
                wait_seconds,
            )

        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.max_attempts),
            wait=wait,
            retry=retry_if_exception(self.is_retryable),
            before_sleep=before_sleep,
            sleep=self.sleep,
            reraise=True,
        )
        try:
            return await retrying(next_attempt)
        except _GiveUp as give_up:
            final = give_up.error
            logger.warning("giving up on %s after %d attempts: %s", describe, attempts, final)
            final.attempts = attempts
            final.after_unknown_outcome = unknown_outcome or final.after_unknown_outcome
            raise final from None
        except B2BError as error:
            error.attempts = attempts
            error.after_unknown_outcome = unknown_outcome
            if attempts > 1:
                logger.warning("giving up on %s after %d attempts: %s", describe, attempts, error)
            raise


class _GiveUp(Exception):
    def __init__(self, error: BaseException | None) -> None:
        assert isinstance(error, B2BError)
        self.error = error


def _outcome_unknown(error: BaseException | None) -> bool:
    """Whether a failed attempt may have been processed by the server."""
    if isinstance(error, TransportError):
        return error.sent
    return isinstance(error, APIError) and error.status >= 500
