"""What is retried: the classification of a failed attempt by how far the request got.

* never sent (DNS, connect refused, connect or pool timeout): retried, whatever the call;
* sent, no answer (read timeout, reset): retried — edits and archives are idempotent; a create
  (``idempotent=False``) only when the caller can reconcile (a ``reconcile`` hook of the request
  path, or a 406 that names the employee the lost attempt made); the final error then says
  ``after_unknown_outcome``;
* answered: a status in ``retry_statuses`` (429, 500, 502, 503, 504 by default) is retried;
  any other status, and a success body that is not the documented JSON, is not.

Pure functions of the error; nothing here sends, sleeps or counts.
"""

from __future__ import annotations

from collections.abc import Collection

from ..errors import APIError, B2BError, InvalidResponseError, TransportError

__all__ = ["describe_failure", "is_retryable", "may_have_run", "outcome_unknown"]


def is_retryable(error: BaseException, retry_statuses: Collection[int]) -> bool:
    """Whether ``error`` is worth another attempt of an idempotent call."""
    if isinstance(error, TransportError):
        return True
    if isinstance(error, InvalidResponseError):
        return False
    return isinstance(error, APIError) and error.status in retry_statuses


def outcome_unknown(error: BaseException | None) -> bool:
    """Whether a failed attempt may have been processed by the server (its answer lost)."""
    if isinstance(error, TransportError):
        return error.sent
    return isinstance(error, APIError) and error.status >= 500


def may_have_run(error: BaseException) -> bool:
    """Whether a failed attempt may have been carried out (anything but never-sent or 429):
    what a call that must not be repeated blindly (``idempotent=False``) cannot retry."""
    if isinstance(error, TransportError):
        return error.sent
    return not (isinstance(error, APIError) and error.status == 429)


def describe_failure(error: B2BError) -> str:
    """A short description of a failed attempt, for logs and :class:`RetryEvent`."""
    if isinstance(error, TransportError):
        return "lost after sending" if error.sent else "not sent"
    if isinstance(error, APIError):
        if error.retry_after is not None:
            return f"HTTP {error.status}, Retry-After {error.retry_after:g}s"
        return f"HTTP {error.status}"
    return type(error).__name__
