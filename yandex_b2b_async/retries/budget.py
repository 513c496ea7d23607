"""RetryBudget: the client-wide allowance of retries (botocore's retry quota, ``quota.py``)."""

from __future__ import annotations

from typing import Final

from .._constants import (
    DEFAULT_RETRY_BUDGET_CAPACITY,
    DEFAULT_RETRY_COST,
    DEFAULT_SUCCESS_REFILL,
    DEFAULT_TRANSPORT_RETRY_COST,
)
from ..errors import B2BError, RateLimitError, TransportError, ValidationError

__all__ = ["RetryBudget"]


class RetryBudget:
    """A client-wide allowance of retries (botocore's retry quota).

    The budget holds up to ``capacity`` tokens and starts full. Every retry spends
    ``retry_cost`` tokens (``transport_retry_cost`` after a connection failure or timeout),
    except the retry of a 429: the server asked the client to wait, which the pacer makes the
    whole client do, so there is no storm of retries to ration;
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
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValidationError(f"RetryBudget.{name}", "must be an integer >= 0", value=value)
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
        """Pay for a retry after ``error``; False (and nothing spent) if the budget cannot.
        A retry after a 429 is free."""
        if isinstance(error, RateLimitError):
            return True
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
