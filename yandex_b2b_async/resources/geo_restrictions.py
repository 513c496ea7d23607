"""Ride areas of the selected client: ``client.geo_restrictions``
(``/integration/2.0/geo_restrictions``).

List (offset pages), create, update and delete. The pages' older paths (``GET`` and ``POST
/geo_restrictions`` without ``/list`` or ``/create``, "устаревший метод") are not used. The
update page is stored only in part: its body is the create's and its answer ``{"id": …}``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Final

import attrs

from .._constants import DEFAULT_PAGE_LIMIT
from .._pagination import offset_items
from .._types import NOT_GIVEN, NotGiven
from .._validators import check_id, check_limit, check_offset, require
from ..errors import BadRequestError
from ..models import (
    CreatedGeoRestriction,
    GeoRestriction,
    GeoRestrictionCreate,
    GeoRestrictionsPage,
)
from ..retries import RetryOption
from ._base import APIResource
from ._reconcile import (
    duplicate_settler,
    gone_after_unknown_outcome,
    holds_what_was_sent,
    log_found,
)

__all__ = ["GeoRestrictionsAPI"]

_GEO: Final = "/geo_restrictions"


@attrs.frozen(kw_only=True)
class _IdAnswer:
    id: str


class GeoRestrictionsAPI(APIResource):
    """Ride areas (``районы``) that limits' geo rules refer to: ``client.geo_restrictions``."""

    async def list_page(
        self,
        *,
        limit: int = DEFAULT_PAGE_LIMIT,
        offset: int = 0,
        retry: RetryOption = NOT_GIVEN,
        timeout: float | NotGiven = NOT_GIVEN,
    ) -> GeoRestrictionsPage:
        """One page of areas (``GET /geo_restrictions/list?limit=…&offset=…``), most recently
        updated first as the page says."""
        check_limit(limit)
        check_offset(offset)
        return await self._request(
            "GET",
            _GEO + "/list",
            params={"limit": limit, "offset": offset},
            response=GeoRestrictionsPage,
            retry=retry,
            timeout=timeout,
        )

    async def list(
        self,
        *,
        limit: int = DEFAULT_PAGE_LIMIT,
        retry: RetryOption = NOT_GIVEN,
        timeout: float | NotGiven = NOT_GIVEN,
    ) -> AsyncIterator[GeoRestriction]:
        """Every area, page by page, lazily."""
        async for area in offset_items(
            lambda offset: self.list_page(limit=limit, offset=offset, retry=retry, timeout=timeout)
        ):
            yield area

    async def create(
        self,
        area: GeoRestrictionCreate,
        *,
        retry: RetryOption = NOT_GIVEN,
        timeout: float | NotGiven = NOT_GIVEN,
    ) -> CreatedGeoRestriction:
        """Create an area (``POST /geo_restrictions/create``) and return its id.

        The page refuses a record that already exists (400). A create whose answer was lost is
        not blindly repeated: the areas are read, and one with this name and shape is returned
        with ``reconciled=True``; only when there is none is the create sent again.
        """
        require(area, GeoRestrictionCreate, "area")

        async def reconcile() -> CreatedGeoRestriction | None:
            async for existing in self.list(retry=retry, timeout=timeout):
                if existing.name == area.name and holds_what_was_sent(area, existing):
                    log_found("POST " + _GEO + "/create", existing.id)
                    return CreatedGeoRestriction(id=existing.id, reconciled=True)
            return None

        return await self._request(
            "POST",
            _GEO + "/create",
            body=area,
            response=CreatedGeoRestriction,
            retry=retry,
            timeout=timeout,
            idempotent=False,
            reconcile=reconcile,
            handles=(BadRequestError,),
            settle=duplicate_settler(reconcile),
        )

    async def update(
        self,
        geo_id: str,
        area: GeoRestrictionCreate,
        *,
        retry: RetryOption = NOT_GIVEN,
        timeout: float | NotGiven = NOT_GIVEN,
    ) -> str:
        """Replace an area (``POST /geo_restrictions/update?id=…``); returns its id.

        Raises :class:`NotFoundError` for an unknown id.
        """
        check_id("geo_id", geo_id)
        require(area, GeoRestrictionCreate, "area")
        answer = await self._request(
            "POST",
            _GEO + "/update",
            params={"id": geo_id},
            body=area,
            response=_IdAnswer,
            retry=retry,
            timeout=timeout,
        )
        return answer.id

    async def delete(
        self, geo_id: str, *, retry: RetryOption = NOT_GIVEN, timeout: float | NotGiven = NOT_GIVEN
    ) -> str:
        """Delete an area (``POST /geo_restrictions/delete?id=…``); returns its id.

        A delete whose answer was lost and whose retry answers 404 did its work: a success.
        An area a limit's geo rule still uses is refused (:class:`BadRequestError` in the
        sandbox; the page lists no such code).
        """
        check_id("geo_id", geo_id)
        await self._request(
            "POST",
            _GEO + "/delete",
            params={"id": geo_id},
            retry=retry,
            timeout=timeout,
            settle=gone_after_unknown_outcome,
        )
        return geo_id
