"""VehiclesAPI: the fleet's cars (``/integration/2.0/vehicles``): bulk create, update, archive,
and the list.

The three bulk calls take ``X-Idempotency-Token`` (the pages call it required): one UUID per call
unless given, the same on every retry, so a retried bulk create does not add the cars twice.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Iterable
from typing import TYPE_CHECKING, Final

from .._constants import DEFAULT_PAGE_LIMIT, HEADER_IDEMPOTENCY_TOKEN
from .._converter import unstructure
from .._pagination import cursor_pages
from .._types import NOT_GIVEN, NotGiven
from .._validators import check_id, check_ids, check_limit
from ..errors import ValidationError
from ..models import CreatedVehicles, Vehicle, VehicleCreate, VehiclesPage, VehicleUpdate
from ._base import APIResource, new_idempotency_token

if TYPE_CHECKING:
    import uuid

    from ..retries import RetryOption

__all__ = ["VehiclesAPI"]

_VEHICLES: Final = "/vehicles"


def _batch(field: str, items: object, kind: type) -> list[object]:
    if isinstance(items, str | bytes) or not isinstance(items, Iterable):
        raise ValidationError(field, f"must be a list of {kind.__name__}", value=items)
    batch = list(items)
    if not batch:
        raise ValidationError(field, "must hold at least one vehicle")
    plates: dict[str, int] = {}
    ids: dict[str, int] = {}
    for index, item in enumerate(batch):
        if not isinstance(item, kind):
            raise ValidationError(f"{field}[{index}]", f"must be a {kind.__name__}", value=item)
        plate = getattr(item, "license_plate", None)
        if isinstance(plate, str):
            if plate in plates:
                raise ValidationError(
                    f"{field}[{index}].license_plate",
                    f"repeats {field}[{plates[plate]}]'s: one car a plate",
                    value=plate,
                )
            plates[plate] = index
        vehicle_id = getattr(item, "vehicle_id", None)
        if isinstance(vehicle_id, str):
            if vehicle_id in ids:
                raise ValidationError(
                    f"{field}[{index}].vehicle_id", f"repeats {field}[{ids[vehicle_id]}]'s"
                )
            ids[vehicle_id] = index
    return batch


class VehiclesAPI(APIResource):
    """Cars of the selected client's fleet: ``client.vehicles``."""

    async def bulk_create(
        self,
        vehicles: Iterable[VehicleCreate],
        *,
        idempotency_token: str | uuid.UUID | None = None,
        retry: RetryOption = NOT_GIVEN,
        timeout: float | NotGiven = NOT_GIVEN,
    ) -> CreatedVehicles:
        """Add cars (``POST /vehicles/bulk-create``); returns their ids in the order given.

        Plates must differ within the call (checked before sending); a plate the fleet has
        already is the API's :class:`StateConflictError` (409).
        """
        batch = _batch("vehicles", vehicles, VehicleCreate)
        return await self._create_once(
            _VEHICLES + "/bulk-create",
            body={"vehicles": [unstructure(vehicle) for vehicle in batch]},
            response=CreatedVehicles,
            idempotency_token=idempotency_token,
            retry=retry,
            timeout=timeout,
        )

    async def bulk_update(
        self,
        vehicles: Iterable[VehicleUpdate],
        *,
        idempotency_token: str | uuid.UUID | None = None,
        retry: RetryOption = NOT_GIVEN,
        timeout: float | NotGiven = NOT_GIVEN,
    ) -> None:
        """Replace the data of cars (``POST /vehicles/bulk-update``). An unknown
        ``vehicle_id`` is :class:`NotFoundError`, a plate taken :class:`StateConflictError`."""
        batch = _batch("vehicles", vehicles, VehicleUpdate)
        await self._request(
            "POST",
            _VEHICLES + "/bulk-update",
            body={"vehicles": [unstructure(vehicle) for vehicle in batch]},
            headers={HEADER_IDEMPOTENCY_TOKEN: new_idempotency_token(idempotency_token)},
            retry=retry,
            timeout=timeout,
        )

    async def bulk_archive(
        self,
        vehicle_ids: Iterable[str],
        *,
        idempotency_token: str | uuid.UUID | None = None,
        retry: RetryOption = NOT_GIVEN,
        timeout: float | NotGiven = NOT_GIVEN,
    ) -> None:
        """Archive cars by id (``POST /vehicles/bulk-archive``); :class:`NotFoundError` when
        one of them is unknown."""
        ids = check_ids("vehicle_ids", vehicle_ids)
        await self._request(
            "POST",
            _VEHICLES + "/bulk-archive",
            body={"vehicle_ids": list(ids)},
            headers={HEADER_IDEMPOTENCY_TOKEN: new_idempotency_token(idempotency_token)},
            retry=retry,
            timeout=timeout,
        )

    async def list_page(
        self,
        *,
        limit: int = DEFAULT_PAGE_LIMIT,
        cursor: str | None = None,
        user_id: str | None = None,
        include_deleted: bool = False,
        retry: RetryOption = NOT_GIVEN,
        timeout: float | NotGiven = NOT_GIVEN,
    ) -> VehiclesPage:
        """One page of cars (``GET /vehicles/list``); this page's next mark is ``cursor``."""
        params = self._params(limit=limit, user_id=user_id, include_deleted=include_deleted)
        if cursor is not None:
            params["cursor"] = check_id("cursor", cursor)
        return await self._request(
            "GET",
            _VEHICLES + "/list",
            params=params,
            response=VehiclesPage,
            retry=retry,
            timeout=timeout,
        )

    async def list(
        self,
        *,
        limit: int = DEFAULT_PAGE_LIMIT,
        user_id: str | None = None,
        include_deleted: bool = False,
        retry: RetryOption = NOT_GIVEN,
        timeout: float | NotGiven = NOT_GIVEN,
    ) -> AsyncIterator[Vehicle]:
        """Every car (of one employee with ``user_id``; archived ones with
        ``include_deleted``), page by page, lazily."""
        self._params(limit=limit, user_id=user_id, include_deleted=include_deleted)

        def fetch(cursor: str | None) -> Awaitable[VehiclesPage]:
            return self.list_page(
                limit=limit,
                cursor=cursor,
                user_id=user_id,
                include_deleted=include_deleted,
                retry=retry,
                timeout=timeout,
            )

        async for page in cursor_pages(fetch, method="GET", path=_VEHICLES + "/list"):
            for vehicle in page.items:
                yield vehicle

    @staticmethod
    def _params(*, limit: int, user_id: str | None, include_deleted: bool) -> dict[str, str | int]:
        params: dict[str, str | int] = {"limit": check_limit(limit)}
        if user_id is not None:
            params["user_id"] = check_id("user_id", user_id)
        if not isinstance(include_deleted, bool):
            raise ValidationError("include_deleted", "must be a bool", value=include_deleted)
        params["include_deleted"] = "true" if include_deleted else "false"
        return params
