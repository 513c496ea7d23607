"""Cost centers of the selected client: ``client.cost_centers``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Final

from .._constants import DEFAULT_PAGE_LIMIT
from .._pagination import offset_items
from .._types import NOT_GIVEN
from .._validators import check_limit, check_offset
from ..models import CostCenter, CostCentersPage
from ..retries import RetryOption
from ._base import APIResource

__all__ = ["CostCentersAPI"]

_COST_CENTERS: Final = "/cost_centers/list"


class CostCentersAPI(APIResource):
    """Cost centers of the selected client: ``client.cost_centers``."""

    async def list_page(
        self,
        *,
        limit: int = DEFAULT_PAGE_LIMIT,
        offset: int = 0,
        retry: RetryOption = NOT_GIVEN,
    ) -> CostCentersPage:
        """One page of cost centers (``GET /cost_centers/list?limit=…&offset=…``)."""
        check_limit(limit)
        check_offset(offset)
        return await self._request(
            "GET",
            _COST_CENTERS,
            params={"limit": limit, "offset": offset},
            response=CostCentersPage,
            retry=retry,
        )

    async def list(
        self,
        *,
        limit: int = DEFAULT_PAGE_LIMIT,
        retry: RetryOption = NOT_GIVEN,
    ) -> AsyncIterator[CostCenter]:
        """Every cost center, page by page, lazily."""
        async for cost_center in offset_items(
            lambda offset: self.list_page(limit=limit, offset=offset, retry=retry)
        ):
            yield cost_center
