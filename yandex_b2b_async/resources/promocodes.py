"""PromocodesAPI: promocode orders of the API 2.0 (``/integration/2.0/promocodes/orders``).

A series is ordered with an ``X-Idempotency-Token`` (one UUID per call unless given, the same on
every retry), so a create whose reply was lost is retried without ordering a second series.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import AsyncIterator, Awaitable
from typing import TYPE_CHECKING, Final

import attrs

from .._constants import DEFAULT_PAGE_LIMIT
from .._pagination import cursor_pages
from .._types import NOT_GIVEN, UNSET, NotGiven
from .._validators import check_id, check_limit, require
from ..errors import APIError, StateConflictError, ValidationError
from ..models import (
    CreatedPromocodeOrder,
    PromocodeCode,
    PromocodeCodesPage,
    PromocodeOrder,
    PromocodeOrderCreate,
    PromocodeOrdersPage,
)
from ..models.promocodes import MAX_ACTIVE_DAYS
from ._base import APIResource

if TYPE_CHECKING:
    from ..retries import RetryOption

__all__ = ["PromocodesAPI"]

_ORDERS: Final = "/promocodes/orders"


class PromocodesAPI(APIResource):
    """Promocode series of the selected client: ``client.promocodes``."""

    async def create_order(
        self,
        order: PromocodeOrderCreate,
        *,
        idempotency_token: str | uuid.UUID | None = None,
        today: datetime.date | None = None,
        retry: RetryOption = NOT_GIVEN,
        timeout: float | NotGiven = NOT_GIVEN,
    ) -> CreatedPromocodeOrder:
        """Order a series of promocodes (``POST /promocodes/orders/create``); returns its id.

        ``active_until`` may be at most 90 days after the request (``today``: the local date
        unless given), and ``active_from`` not before it. The call carries
        ``X-Idempotency-Token`` as :meth:`OrdersAPI.create` does: a lost reply retried is still
        one series. Raises :class:`BadRequestError` (400) for values the API refuses.
        """
        require(order, PromocodeOrderCreate, "order")
        day = datetime.date.today() if today is None else today
        until = datetime.date.fromisoformat(order.active_until)
        if until > day + datetime.timedelta(days=MAX_ACTIVE_DAYS):
            raise ValidationError(
                "active_until",
                f"must be at most {MAX_ACTIVE_DAYS} days after the request ({day.isoformat()})",
                value=order.active_until,
            )
        if until < day:
            raise ValidationError(
                "active_until", f"is in the past ({day.isoformat()})", value=order.active_until
            )
        if order.active_from is not UNSET and order.active_from < day.isoformat():
            raise ValidationError(
                "active_from", f"is in the past ({day.isoformat()})", value=order.active_from
            )
        return await self._create_once(
            _ORDERS + "/create",
            body=order,
            response=CreatedPromocodeOrder,
            idempotency_token=idempotency_token,
            retry=retry,
            timeout=timeout,
        )

    async def cancel_order(
        self,
        order_id: str,
        *,
        retry: RetryOption = NOT_GIVEN,
        timeout: float | NotGiven = NOT_GIVEN,
    ) -> str:
        """Cancel a series (``POST /promocodes/orders/cancel``); returns the new status.

        The API cancels a series only while none of its codes was used: otherwise
        :class:`StateConflictError` (409). An unknown id is :class:`NotFoundError`. A retry
        refused because an attempt whose answer was lost did cancel the series returns
        ``"cancelled"`` (the series is read to make sure).
        """
        check_id("order_id", order_id)

        async def settle(error: APIError) -> _CancelAnswer | None:
            # A retry refused because the series is cancelled: the lost attempt cancelled it.
            if not isinstance(error, StateConflictError) or not error.after_unknown_outcome:
                return None
            current = await self.get_order(order_id, retry=retry, timeout=timeout)
            return _CancelAnswer(status=current.status) if current.status == "cancelled" else None

        answer = await self._request(
            "POST",
            _ORDERS + "/cancel",
            params={"order_id": order_id},
            response=_CancelAnswer,
            retry=retry,
            timeout=timeout,
            settle=settle,
        )
        return answer.status

    async def get_order(
        self,
        order_id: str,
        *,
        retry: RetryOption = NOT_GIVEN,
        timeout: float | NotGiven = NOT_GIVEN,
    ) -> PromocodeOrder:
        """One series: value, count, status, price, restrictions (``GET …/orders/info``)."""
        check_id("order_id", order_id)
        return await self._request(
            "GET",
            _ORDERS + "/info",
            params={"order_id": order_id},
            response=PromocodeOrder,
            retry=retry,
            timeout=timeout,
        )

    async def list_orders_page(
        self,
        *,
        limit: int = DEFAULT_PAGE_LIMIT,
        cursor: str | None = None,
        retry: RetryOption = NOT_GIVEN,
        timeout: float | NotGiven = NOT_GIVEN,
    ) -> PromocodeOrdersPage:
        """One page of series (``GET /promocodes/orders/list?limit=…&cursor=…``)."""
        params: dict[str, str | int] = {"limit": check_limit(limit)}
        if cursor is not None:
            params["cursor"] = check_id("cursor", cursor)
        return await self._request(
            "GET",
            _ORDERS + "/list",
            params=params,
            response=PromocodeOrdersPage,
            retry=retry,
            timeout=timeout,
        )

    async def list_orders(
        self,
        *,
        limit: int = DEFAULT_PAGE_LIMIT,
        retry: RetryOption = NOT_GIVEN,
        timeout: float | NotGiven = NOT_GIVEN,
    ) -> AsyncIterator[PromocodeOrder]:
        """Every series of the client, following ``next_cursor``, lazily."""
        check_limit(limit)

        def fetch(cursor: str | None) -> Awaitable[PromocodeOrdersPage]:
            return self.list_orders_page(limit=limit, cursor=cursor, retry=retry, timeout=timeout)

        async for page in cursor_pages(fetch, method="GET", path=_ORDERS + "/list"):
            for order in page.orders:
                yield order

    async def list_codes_page(
        self,
        order_id: str,
        *,
        limit: int = DEFAULT_PAGE_LIMIT,
        cursor: str | None = None,
        retry: RetryOption = NOT_GIVEN,
        timeout: float | NotGiven = NOT_GIVEN,
    ) -> PromocodeCodesPage:
        """One page of a series' codes (``GET /promocodes/orders/codes/list``)."""
        params: dict[str, str | int] = {
            "order_id": check_id("order_id", order_id),
            "limit": check_limit(limit),
        }
        if cursor is not None:
            params["cursor"] = check_id("cursor", cursor)
        return await self._request(
            "GET",
            _ORDERS + "/codes/list",
            params=params,
            response=PromocodeCodesPage,
            retry=retry,
            timeout=timeout,
        )

    async def list_codes(
        self,
        order_id: str,
        *,
        limit: int = DEFAULT_PAGE_LIMIT,
        retry: RetryOption = NOT_GIVEN,
        timeout: float | NotGiven = NOT_GIVEN,
    ) -> AsyncIterator[PromocodeCode]:
        """Every code of a series, with its status and uses, following ``next_cursor``."""
        check_id("order_id", order_id)
        check_limit(limit)

        def fetch(cursor: str | None) -> Awaitable[PromocodeCodesPage]:
            return self.list_codes_page(
                order_id, limit=limit, cursor=cursor, retry=retry, timeout=timeout
            )

        async for page in cursor_pages(fetch, method="GET", path=_ORDERS + "/codes/list"):
            for code in page.codes:
                yield code


@attrs.frozen(kw_only=True)
class _CancelAnswer:
    status: str
