"""Retries, split by concern as botocore's ``retries/`` is.

* :mod:`.policy` — :class:`RetryPolicy` (the configuration), :class:`RetryEvent` and
  :data:`GiveUpReason` (what the hooks are told), :data:`RetryOption` (what ``retry=`` takes);
* :mod:`.rules` — what is retried: a failure classified by how far the request got (never
  sent, sent without an answer, answered), and what a call that must not be repeated blindly
  (``idempotent=False``) may retry;
* :mod:`.budget` — :class:`RetryBudget`, the client-wide allowance of retries;
* :mod:`.loop` — the loop after a first failure: tenacity's retry, wait and stop strategies,
  the ``reconcile`` hook of a create whose outcome is unknown, and the one place a give-up is
  logged.

Nothing here sends a request or paces one: the request path (``_request.py``) does.
"""

from .budget import RetryBudget
from .loop import caller_handles_failures, retry_after_failure
from .policy import GiveUpReason, RetryEvent, RetryOption, RetryPolicy
from .rules import describe_failure, is_retryable, may_have_run, outcome_unknown

__all__ = [
    "GiveUpReason",
    "RetryBudget",
    "RetryEvent",
    "RetryOption",
    "RetryPolicy",
    "caller_handles_failures",
    "describe_failure",
    "is_retryable",
    "may_have_run",
    "outcome_unknown",
    "retry_after_failure",
]
