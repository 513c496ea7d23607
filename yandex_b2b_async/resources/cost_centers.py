"""Cost centers of the selected client: ``client.cost_centers``.

List (offset pages), create and update. The create page is stored only in part: its body is
taken to be the update page's (``name``, ``default``, ``field_settings``) and its answer the
update's (``{"id": …}``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Final

import attrs

from .._constants import DEFAULT_PAGE_LIMIT
from .._pagination import offset_items
from .._types import NOT_GIVEN, NotGiven
from .._validators import check_id, check_limit, check_offset, require
from ..errors import ConflictError
from ..models import (
    CostCenter,
    CostCenterCreate,
    CostCentersPage,
    CostCenterUpdate,
    CreatedCostCenter,
)
from ..retries import RetryOption
from ._base import APIResource
from ._reconcile import duplicate_settler, holds_what_was_sent, log_found

__all__ = ["CostCentersAPI"]

_COST_CENTERS: Final = "/cost_centers/list"
_CREATE: Final = "/cost_centers/create"
_UPDATE: Final = "/cost_centers/update"


@attrs.frozen(kw_only=True)
class _IdAnswer:
    id: str


class CostCentersAPI(APIResource):
    """Cost centers of the selected client: ``client.cost_centers``."""

    async def create(
        self,
        cost_center: CostCenterCreate,
        *,
        retry: RetryOption = NOT_GIVEN,
        timeout: float | NotGiven = NOT_GIVEN,
    ) -> CreatedCostCenter:
        """Create a cost center (``POST /cost_centers/create``) and return its id.

        A create whose answer was lost (a reset, a timeout, a 5xx) is not blindly repeated:
        the cost centers are read, and one with this name, ``default`` and field settings is
        returned with ``reconciled=True``; only when there is none is the create sent again.
        Names are taken to be unique in an account (the Dashboard shows cost centers by name;
        the sandbox refuses a second one with 406); the pages say nothing either way. A cost
        center with this name but other settings is someone else's: the call ends in the
        :class:`ConflictError` it would have had without the lost answer.
        """
        require(cost_center, CostCenterCreate, "cost_center")

        async def reconcile() -> CreatedCostCenter | None:
            async for existing in self.list(retry=retry, timeout=timeout):
                if existing.name == cost_center.name and holds_what_was_sent(cost_center, existing):
                    log_found("POST " + _CREATE, existing.id)
                    return CreatedCostCenter(id=existing.id, reconciled=True)
            return None

        return await self._request(
            "POST",
            _CREATE,
            body=cost_center,
            response=CreatedCostCenter,
            retry=retry,
            timeout=timeout,
            idempotent=False,
            reconcile=reconcile,
            handles=(ConflictError,),
            settle=duplicate_settler(reconcile),
        )

    async def update(
        self,
        cost_center_id: str,
        cost_center: CostCenterUpdate,
        *,
        retry: RetryOption = NOT_GIVEN,
        timeout: float | NotGiven = NOT_GIVEN,
    ) -> str:
        """Replace a cost center's record (``POST /cost_centers/update?id=…``); returns its id.

        Raises :class:`NotFoundError` for an unknown id, :class:`ConflictError` (406) when the
        change is not allowed, and :class:`APIError` with status 409 on a concurrent change.
        """
        check_id("cost_center_id", cost_center_id)
        require(cost_center, CostCenterUpdate, "cost_center")
        answer = await self._request(
            "POST",
            _UPDATE,
            params={"id": cost_center_id},
            body=cost_center,
            response=_IdAnswer,
            retry=retry,
            timeout=timeout,
        )
        return answer.id

    async def list_page(
        self,
        *,
        limit: int = DEFAULT_PAGE_LIMIT,
        offset: int = 0,
        retry: RetryOption = NOT_GIVEN,
        timeout: float | NotGiven = NOT_GIVEN,
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
            timeout=timeout,
        )

    async def list(
        self,
        *,
        limit: int = DEFAULT_PAGE_LIMIT,
        retry: RetryOption = NOT_GIVEN,
        timeout: float | NotGiven = NOT_GIVEN,
    ) -> AsyncIterator[CostCenter]:
        """Every cost center, page by page, lazily."""
        async for cost_center in offset_items(
            lambda offset: self.list_page(limit=limit, offset=offset, retry=retry, timeout=timeout)
        ):
            yield cost_center
