"""The order lists of the other services: fuel (``client.tanker``), food and groceries
(``client.eats``) and business trips (``client.travels``).

Each pages its own way, as its page documents: tanker by time (the next request starts at the
previous answer's ``last_closed_at``, the boundary's orders skipped the second time), eats by a
``cursor`` the answer names ``cursor``, travels by a ``cursor`` sent in the body and answered as
``next_cursor``.
"""

from __future__ import annotations

import datetime
from collections.abc import AsyncIterator, Awaitable, Iterable
from typing import TYPE_CHECKING, Final

from .._constants import DEFAULT_PAGE_LIMIT, EATS_DEFAULT_LIMIT, TRAVELS_MAX_LIMIT
from .._pagination import cursor_pages
from .._types import NOT_GIVEN, NotGiven
from .._validators import check_date, check_datetime, check_id, check_ids, check_limit, check_text
from ..errors import ValidationError
from ..models import (
    EatsOrder,
    EatsOrdersPage,
    TankerOrder,
    TankerOrdersPage,
    TravelItem,
    TravelsPage,
)
from ._base import APIResource

if TYPE_CHECKING:
    from ..retries import RetryOption

__all__ = ["EatsAPI", "TankerAPI", "TravelsAPI"]

_TANKER: Final = "/orders/tanker"
_EATS: Final = "/orders/eats/list"
# The travels page's own path; its entry in the request index says /orders/travels/list.
_TRAVELS: Final = "/travels/list"


def _utc_moment(field: str, value: datetime.datetime | str) -> str:
    """The tanker page's time: ``YYYY-MM-DDThh:mm:ss.sss`` in UTC without a zone. An aware
    datetime (or a string with an offset) is converted to UTC; a naive one or a string without
    an offset is taken as UTC already."""
    return check_datetime(field, value, offset=False, timespec="milliseconds")


class TankerAPI(APIResource):
    """Refuellings of the selected client: ``client.tanker``."""

    async def list_page(
        self,
        *,
        user_id: str | None = None,
        since: datetime.datetime | str | None = None,
        till: datetime.datetime | str | None = None,
        limit: int = DEFAULT_PAGE_LIMIT,
        retry: RetryOption = NOT_GIVEN,
        timeout: float | NotGiven = NOT_GIVEN,
    ) -> TankerOrdersPage:
        """Refuellings closed in ``[since, till)`` (``GET /orders/tanker``), at most ``limit``
        (1 to 1000) of them; times in UTC (an aware datetime is converted)."""
        params: dict[str, str | int] = {"limit": check_limit(limit)}
        if user_id is not None:
            params["user_id"] = check_id("user_id", user_id)
        if since is not None:
            params["since_datetime"] = _utc_moment("since", since)
        if till is not None:
            params["till_datetime"] = _utc_moment("till", till)
        return await self._request(
            "GET", _TANKER, params=params, response=TankerOrdersPage, retry=retry, timeout=timeout
        )

    async def list(
        self,
        *,
        user_id: str | None = None,
        since: datetime.datetime | str | None = None,
        till: datetime.datetime | str | None = None,
        limit: int = DEFAULT_PAGE_LIMIT,
        retry: RetryOption = NOT_GIVEN,
        timeout: float | NotGiven = NOT_GIVEN,
    ) -> AsyncIterator[TankerOrder]:
        """Every refuelling closed in ``[since, till)``, lazily, in closing order.

        The page has no cursor: each next request starts at the previous answer's
        ``last_closed_at`` (the bound is inclusive, so orders seen already are skipped). It
        ends with an answer shorter than ``limit`` or one that brings nothing new.
        """
        check_limit(limit)
        seen: set[str] = set()
        start = since
        while True:
            page = await self.list_page(
                user_id=user_id, since=start, till=till, limit=limit, retry=retry, timeout=timeout
            )
            fresh = [order for order in page.orders if order.id not in seen]
            for order in fresh:
                seen.add(order.id)
                yield order
            if len(page.orders) < limit or not fresh or page.last_closed_at is None:
                return
            start = page.last_closed_at


class EatsAPI(APIResource):
    """Food and grocery orders of the selected client: ``client.eats``."""

    async def list_page(
        self,
        *,
        user_ids: Iterable[str] | None = None,
        limit: int = EATS_DEFAULT_LIMIT,
        cursor: str | None = None,
        retry: RetryOption = NOT_GIVEN,
        timeout: float | NotGiven = NOT_GIVEN,
    ) -> EatsOrdersPage:
        """One page of orders (``POST /orders/eats/list?limit=…&cursor=…``), of the
        employees in ``user_ids`` only when given."""
        params: dict[str, str | int] = {"limit": check_limit(limit)}
        if cursor is not None:
            params["cursor"] = check_id("cursor", cursor)
        body: dict[str, object] = {}
        if user_ids is not None:
            body["user_ids"] = list(check_ids("user_ids", user_ids))
        return await self._request(
            "POST",
            _EATS,
            params=params,
            body=body,
            response=EatsOrdersPage,
            retry=retry,
            timeout=timeout,
        )

    async def list(
        self,
        *,
        user_ids: Iterable[str] | None = None,
        limit: int = EATS_DEFAULT_LIMIT,
        retry: RetryOption = NOT_GIVEN,
        timeout: float | NotGiven = NOT_GIVEN,
    ) -> AsyncIterator[EatsOrder]:
        """Every food and grocery order (of ``user_ids`` when given), newest first, lazily."""
        check_limit(limit)
        chosen = None if user_ids is None else list(check_ids("user_ids", user_ids))

        def fetch(cursor: str | None) -> Awaitable[EatsOrdersPage]:
            return self.list_page(
                user_ids=chosen, limit=limit, cursor=cursor, retry=retry, timeout=timeout
            )

        async for page in cursor_pages(fetch, method="POST", path=_EATS):
            for order in page.orders:
                yield order


class TravelsAPI(APIResource):
    """Business trips of the selected client: ``client.travels``."""

    async def list_page(
        self,
        *,
        name: str | None = None,
        date_from: datetime.date | str | None = None,
        date_to: datetime.date | str | None = None,
        updated_at_from: datetime.datetime | str | None = None,
        updated_at_to: datetime.datetime | str | None = None,
        limit: int = TRAVELS_MAX_LIMIT,
        cursor: str | None = None,
        retry: RetryOption = NOT_GIVEN,
        timeout: float | NotGiven = NOT_GIVEN,
    ) -> TravelsPage:
        """One page of trips (``POST /travels/list``): at most ``limit`` (1 to 10) trips,
        filtered by name, dates (``YYYY-MM-DD``) and time of the last change (ISO 8601)."""
        body = self._filters(
            name=name,
            date_from=date_from,
            date_to=date_to,
            updated_at_from=updated_at_from,
            updated_at_to=updated_at_to,
            limit=limit,
        )
        if cursor is not None:
            body["cursor"] = check_id("cursor", cursor)
        return await self._request(
            "POST", _TRAVELS, body=body, response=TravelsPage, retry=retry, timeout=timeout
        )

    async def list(
        self,
        *,
        name: str | None = None,
        date_from: datetime.date | str | None = None,
        date_to: datetime.date | str | None = None,
        updated_at_from: datetime.datetime | str | None = None,
        updated_at_to: datetime.datetime | str | None = None,
        limit: int = TRAVELS_MAX_LIMIT,
        retry: RetryOption = NOT_GIVEN,
        timeout: float | NotGiven = NOT_GIVEN,
    ) -> AsyncIterator[TravelItem]:
        """Every trip matching the filters, following ``next_cursor``, lazily."""
        self._filters(
            name=name,
            date_from=date_from,
            date_to=date_to,
            updated_at_from=updated_at_from,
            updated_at_to=updated_at_to,
            limit=limit,
        )

        def fetch(cursor: str | None) -> Awaitable[TravelsPage]:
            return self.list_page(
                name=name,
                date_from=date_from,
                date_to=date_to,
                updated_at_from=updated_at_from,
                updated_at_to=updated_at_to,
                limit=limit,
                cursor=cursor,
                retry=retry,
                timeout=timeout,
            )

        async for page in cursor_pages(fetch, method="POST", path=_TRAVELS):
            for travel in page.travel_items:
                yield travel

    @staticmethod
    def _filters(
        *,
        name: str | None,
        date_from: datetime.date | str | None,
        date_to: datetime.date | str | None,
        updated_at_from: datetime.datetime | str | None,
        updated_at_to: datetime.datetime | str | None,
        limit: int,
    ) -> dict[str, object]:
        body: dict[str, object] = {"limit": check_limit(limit, maximum=TRAVELS_MAX_LIMIT)}
        if name is not None:
            body["name"] = check_text("name", name, allow_empty=False)
        if date_from is not None:
            body["date_from"] = check_date("date_from", date_from)
        if date_to is not None:
            body["date_to"] = check_date("date_to", date_to)
        first, last = body.get("date_from"), body.get("date_to")
        if isinstance(first, str) and isinstance(last, str) and last < first:
            raise ValidationError("date_to", "must not be before date_from", value=date_to)
        if updated_at_from is not None:
            body["updated_at_from"] = check_datetime("updated_at_from", updated_at_from)
        if updated_at_to is not None:
            body["updated_at_to"] = check_datetime("updated_at_to", updated_at_to)
        return body
