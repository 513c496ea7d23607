"""The small read-only resources: cost centers (``client.cost_centers``) and the clients a
token reaches (``client.auth``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Final

import attrs

from ._client import NOT_GIVEN, RetryOption
from ._constants import DEFAULT_PAGE_LIMIT
from .departments import _check_offset, offset_items
from .models import ClientInfo, CostCenter, CostCentersPage
from .users import _check_limit

if TYPE_CHECKING:
    from ._client import B2BClient

__all__ = ["AuthAPI", "CostCentersAPI"]

_COST_CENTERS: Final = "/cost_centers/list"


class CostCentersAPI:
    """Cost centers of the selected client: ``client.cost_centers``."""

    def __init__(self, client: B2BClient) -> None:
        self._client = client

    async def list_page(
        self,
        *,
        limit: int = DEFAULT_PAGE_LIMIT,
        offset: int = 0,
        retry: RetryOption = NOT_GIVEN,
    ) -> CostCentersPage:
        """One page of cost centers (``GET /cost_centers/list?limit=…&offset=…``)."""
        _check_limit(limit)
        _check_offset(offset)
        return await self._client._request(
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


@attrs.frozen(kw_only=True)
class _ClientsAnswer:
    clients: tuple[ClientInfo, ...] = ()


class AuthAPI:
    """What the token reaches: ``client.auth``."""

    def __init__(self, client: B2BClient) -> None:
        self._client = client

    async def clients(self, *, retry: RetryOption = NOT_GIVEN) -> list[ClientInfo]:
        """The clients (company accounts) this token reaches (``GET /auth/list``)."""
        answer = await self._client._request(
            "GET", "/auth/list", response=_ClientsAnswer, retry=retry
        )
        return list(answer.clients)
