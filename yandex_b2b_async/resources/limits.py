"""Limits of the selected client: ``client.limits`` (``/integration/2.0/limits``).

Search (offset pages, with filters), one limit by id, and an employee's personal limit. The
limits themselves are made in the Dashboard; an employee is given one through ``limits`` of
the employee calls (:class:`Limit`) or a personal one here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Final

import attrs

from .._constants import DEFAULT_PAGE_LIMIT
from .._pagination import offset_items
from .._types import NOT_GIVEN, NotGiven
from .._validators import check_id, check_limit, check_offset, check_text, require
from ..models import LimitInfo, LimitsPage, PersonalLimit, Service
from ..models._common import to_service
from ..retries import RetryOption
from ._base import APIResource

__all__ = ["LimitsAPI"]

_LIMITS: Final = "/limits"


@attrs.frozen(kw_only=True)
class _IdAnswer:
    id: str


class LimitsAPI(APIResource):
    """Limits of the selected client: ``client.limits``."""

    async def search_page(
        self,
        *,
        department_id: str | None = None,
        user_id: str | None = None,
        service: Service | str | None = None,
        title: str | None = None,
        limit: int = DEFAULT_PAGE_LIMIT,
        offset: int = 0,
        retry: RetryOption = NOT_GIVEN,
        timeout: float | NotGiven = NOT_GIVEN,
    ) -> LimitsPage:
        """One page of limits (``GET /limits/search?limit=…&offset=…`` and the filters given).

        ``department_id``: the limits of that department; ``user_id``: the limits an employee
        has; ``service``: of one service; ``title``: an exact match of the title (the page's
        ``search`` parameter: "по полному совпадению в поле title").
        """
        check_limit(limit)
        check_offset(offset)
        params: dict[str, str | int] = {"limit": limit, "offset": offset}
        if department_id is not None:
            params["department_id"] = check_id("department_id", department_id)
        if user_id is not None:
            params["user_id"] = check_id("user_id", user_id)
        if service is not None:
            params["service"] = to_service(service).value
        if title is not None:
            params["search"] = check_text("title", title, allow_empty=False)
        return await self._request(
            "GET",
            _LIMITS + "/search",
            params=params,
            response=LimitsPage,
            retry=retry,
            timeout=timeout,
        )

    async def search(
        self,
        *,
        department_id: str | None = None,
        user_id: str | None = None,
        service: Service | str | None = None,
        title: str | None = None,
        limit: int = DEFAULT_PAGE_LIMIT,
        retry: RetryOption = NOT_GIVEN,
        timeout: float | NotGiven = NOT_GIVEN,
    ) -> AsyncIterator[LimitInfo]:
        """Every limit matching the filters (see :meth:`search_page`), page by page, lazily.

        Bad filters raise :class:`ValidationError` on the first iteration, before anything is
        sent.
        """
        async for item in offset_items(
            lambda offset: self.search_page(
                department_id=department_id,
                user_id=user_id,
                service=service,
                title=title,
                limit=limit,
                offset=offset,
                retry=retry,
                timeout=timeout,
            )
        ):
            yield item

    async def get(
        self,
        limit_id: str,
        *,
        retry: RetryOption = NOT_GIVEN,
        timeout: float | NotGiven = NOT_GIVEN,
    ) -> LimitInfo:
        """One limit (``GET /limits?limit_id=…``); :class:`NotFoundError` for an unknown id."""
        check_id("limit_id", limit_id)
        return await self._request(
            "GET",
            _LIMITS,
            params={"limit_id": limit_id},
            response=LimitInfo,
            retry=retry,
            timeout=timeout,
        )

    async def update_personal(
        self,
        user_id: str,
        personal: PersonalLimit,
        *,
        retry: RetryOption = NOT_GIVEN,
        timeout: float | NotGiven = NOT_GIVEN,
    ) -> str:
        """Set an employee's personal limit (``PUT /limits/personal?user_id=…``); returns its id.

        A PUT of the whole limit, taken to replace the employee's personal limit for that
        service (the page calls it editing "the employee's personal limit"; the sandbox keeps
        one per employee and service): repeating it sets the same limit again, so a lost answer
        is retried like any edit.
        """
        check_id("user_id", user_id)
        require(personal, PersonalLimit, "personal")
        answer = await self._request(
            "PUT",
            _LIMITS + "/personal",
            params={"user_id": user_id},
            body=personal,
            response=_IdAnswer,
            retry=retry,
            timeout=timeout,
        )
        return answer.id
