"""Geo-restriction models: the ride areas (``районы``) a limit's geo rules refer to.

An area is a circle: ``center`` is ``[longitude, latitude]`` as the create and list pages say
("долгота и широта"), ``radius`` in metres. The update page is stored only in part; its body is
taken to be the create's (the Russian excerpt says so) and its answer ``{"id": …}``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Final

import attrs

from .._types import ALWAYS_SENT
from .._validators import text
from ..errors import ValidationError

__all__ = [
    "CreatedGeoRestriction",
    "GeoArea",
    "GeoCircle",
    "GeoRestriction",
    "GeoRestrictionCreate",
    "GeoRestrictionsPage",
]

# "Сейчас поддерживается только circle."
_GEO_TYPES: Final = ("circle",)


def _to_center(value: object) -> tuple[float, float]:
    if isinstance(value, str | bytes) or not isinstance(value, Sequence) or len(value) != 2:
        raise ValidationError("geo.center", "must be [longitude, latitude]", value=value)
    lon, lat = value
    for name, number, bound in (("longitude", lon, 180.0), ("latitude", lat, 90.0)):
        if isinstance(number, bool) or not isinstance(number, int | float):
            raise ValidationError(f"geo.center ({name})", "must be a number", value=number)
        if not math.isfinite(number) or not -bound <= number <= bound:
            raise ValidationError(
                f"geo.center ({name})", f"must be from {-bound:g} to {bound:g}", value=number
            )
    return (float(lon), float(lat))


def _radius(_: object, __: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValidationError("geo.radius", "must be a whole number of metres > 0", value=value)


def _geo_type(_: object, __: attrs.Attribute[Any], value: object) -> None:
    if value not in _GEO_TYPES:
        raise ValidationError("geo_type", "must be 'circle' (the only type supported)", value=value)


@attrs.frozen(kw_only=True)
class GeoCircle:
    """A circle: ``center`` is ``(longitude, latitude)``, ``radius`` in metres.

    ``GeoCircle.at(lat=55.73, lon=37.64, radius=200)`` names the two coordinates, so they
    cannot be swapped by accident.
    """

    center: tuple[float, float] = attrs.field(converter=_to_center)
    radius: int = attrs.field(validator=_radius)

    @classmethod
    def at(cls, *, lat: float, lon: float, radius: int) -> GeoCircle:
        """The circle of ``radius`` metres around latitude ``lat``, longitude ``lon``."""
        return cls(center=(lon, lat), radius=radius)


def _circle(_: object, __: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, GeoCircle):
        raise ValidationError("geo", "must be a GeoCircle", value=value)


@attrs.frozen(kw_only=True)
class GeoRestrictionCreate:
    """A ride area to create or to replace one with (``POST /geo_restrictions/create`` and
    ``/update?id=…``): all three fields are required, ``geo_type`` is always sent."""

    name: str = attrs.field(validator=text(allow_empty=False))
    geo: GeoCircle = attrs.field(validator=_circle)
    geo_type: str = attrs.field(default="circle", validator=_geo_type, metadata=ALWAYS_SENT)


@attrs.frozen(kw_only=True)
class GeoArea:
    """An area's shape as read: ``center`` as the answer gives it (``[lon, lat]``)."""

    center: tuple[int | float, ...] = ()
    radius: int | float | None = None


@attrs.frozen(kw_only=True)
class GeoRestriction:
    """A ride area as ``GET /geo_restrictions/list`` returns it."""

    id: str
    name: str | None = None
    geo_type: str | None = None
    geo: GeoArea = attrs.field(factory=GeoArea)


@attrs.frozen(kw_only=True)
class GeoRestrictionsPage:
    """One page of ``GET /integration/2.0/geo_restrictions/list``: this page counts the areas
    in ``amount`` where the other lists say ``total_amount`` (a property here)."""

    items: tuple[GeoRestriction, ...] = ()
    amount: int | None = None
    limit: int | None = None
    offset: int | None = None

    @property
    def total_amount(self) -> int | None:
        """``amount``, under the name the other offset lists use."""
        return self.amount


@attrs.frozen(kw_only=True)
class CreatedGeoRestriction:
    """The answer to an area create: its id; ``reconciled`` is True when the create's answer
    was lost and the area was found by its name and shape instead of being made again."""

    id: str
    reconciled: bool = False
