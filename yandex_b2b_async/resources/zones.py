"""ZonesAPI: the tariffs and requirements of a zone (``GET /integration/2.0/zoneinfo``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from .._types import NOT_GIVEN, NotGiven
from .._validators import check_number
from ..models import ZoneInfo
from ._base import APIResource

if TYPE_CHECKING:
    from ..retries import RetryOption

__all__ = ["ZonesAPI"]

_ZONEINFO: Final = "/zoneinfo"


class ZonesAPI(APIResource):
    """Zones of the taxi and delivery services: ``client.zones``."""

    async def info(
        self,
        *,
        lat: float,
        lon: float,
        retry: RetryOption = NOT_GIVEN,
        timeout: float | NotGiven = NOT_GIVEN,
    ) -> ZoneInfo:
        """The tariffs of the zone holding the point and the requirements each supports
        (``GET /zoneinfo?lat=…&lon=…``): what an order's ``class`` and ``requirements`` may be.

        Raises :class:`NotFoundError` (404, "Zone not found") for a point outside every zone.
        """
        latitude = check_number("lat", lat, low=-90.0, high=90.0)
        longitude = check_number("lon", lon, low=-180.0, high=180.0)
        return await self._request(
            "GET",
            _ZONEINFO,
            params={"lat": repr(latitude), "lon": repr(longitude)},
            response=ZoneInfo,
            retry=retry,
            timeout=timeout,
        )
