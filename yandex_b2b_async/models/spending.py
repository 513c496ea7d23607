"""Spending models: what employees spent within their limits (``POST /users-spending-details``).

Amounts of money are strings, as the page shows them (``"147614.40"``): no rounding through
floats. A spending the API does not report (made while the employee had no limit) is absent.
"""

from __future__ import annotations

import attrs

from ._common import Service

__all__ = ["LimitSpending", "SpendingDetails", "UserSpending"]


@attrs.frozen(kw_only=True)
class SpendingDetails:
    """How much of one limit was used in the current period.

    ``orders_cost`` is the limit's amount and ``spent`` what was spent (strings of money);
    ``orders_amount`` the number of orders allowed (taxi only) and ``orders_spent`` the number
    made; ``nested_spendings`` maps a service to its own ``spent``/``orders_spent``.
    """

    orders_cost: str | None = None
    spent: str | None = None
    orders_amount: int | None = None
    orders_spent: int | None = None
    nested_spendings: dict[str, object] = attrs.field(factory=dict)


@attrs.frozen(kw_only=True)
class LimitSpending:
    """One limit of an employee with its spending."""

    limit_id: str
    service: Service | str | None = None
    spending_details: SpendingDetails = attrs.field(factory=SpendingDetails)


@attrs.frozen(kw_only=True)
class UserSpending:
    """One employee's limits and what was spent within each."""

    user_id: str
    limits: tuple[LimitSpending, ...] = ()
