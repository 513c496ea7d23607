"""Vehicle models: cars of the fleet to create, update and archive in bulk, and as listed.

A car is fuelled under a tanker limit (``limit_id``) by whoever its ``access_type`` allows:
``anyone``, or ``custom`` — the employees and departments listed in ``access``.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import TypeVar

import attrs

from .._types import UNSET, Unset
from .._validators import text
from ..errors import ValidationError

__all__ = [
    "CreatedVehicles",
    "Vehicle",
    "VehicleAccess",
    "VehicleAccessType",
    "VehicleCreate",
    "VehicleDriver",
    "VehicleDrivers",
    "VehicleEntityType",
    "VehicleLimit",
    "VehicleUpdate",
    "VehiclesPage",
]


class VehicleAccessType(enum.StrEnum):
    """Who may use a car: anyone, or the ``access`` list (custom)."""

    ANYONE = "anyone"
    CUSTOM = "custom"


class VehicleEntityType(enum.StrEnum):
    """What an ``access`` entry names: an employee or a department."""

    USER = "user"
    DEPARTMENT = "department"


_ENUM_T = TypeVar("_ENUM_T", bound=enum.StrEnum)


def _member(kind: type[_ENUM_T], field: str, value: object) -> _ENUM_T:
    if isinstance(value, kind):
        return value
    if isinstance(value, str):
        try:
            return kind(value)
        except ValueError:
            pass
    allowed = ", ".join(item.value for item in kind)
    raise ValidationError(field, f"must be one of: {allowed}", value=value)


def _entity_type(value: object) -> VehicleEntityType:
    return _member(VehicleEntityType, "entity_type", value)


def _access_type(value: object) -> VehicleAccessType:
    return _member(VehicleAccessType, "access_type", value)


def _access(value: object) -> tuple[VehicleAccess, ...] | Unset:
    if value is UNSET:
        return UNSET
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise ValidationError("access", "must be a list of VehicleAccess", value=value)
    items = tuple(value)
    for index, item in enumerate(items):
        if not isinstance(item, VehicleAccess):
            raise ValidationError(f"access[{index}]", "must be a VehicleAccess", value=item)
    return items


@attrs.frozen(kw_only=True)
class VehicleAccess:
    """One employee (``user``) or department allowed to use a car."""

    entity_type: VehicleEntityType = attrs.field(converter=_entity_type)
    entity_id: str = attrs.field(validator=text(allow_empty=False))


def _check_access(
    access_type: VehicleAccessType, access: tuple[VehicleAccess, ...] | Unset
) -> None:
    if access_type is VehicleAccessType.ANYONE and access:
        raise ValidationError("access", "is for access_type 'custom' only (anyone may use it)")


@attrs.frozen(kw_only=True)
class VehicleCreate:
    """A car to add (``POST /vehicles/bulk-create``)."""

    license_plate: str = attrs.field(validator=text(allow_empty=False))
    model: str = attrs.field(validator=text(allow_empty=False))
    limit_id: str = attrs.field(validator=text(allow_empty=False))
    access_type: VehicleAccessType = attrs.field(converter=_access_type)
    access: tuple[VehicleAccess, ...] | Unset = attrs.field(default=UNSET, converter=_access)

    def __attrs_post_init__(self) -> None:
        _check_access(self.access_type, self.access)


@attrs.frozen(kw_only=True)
class VehicleUpdate:
    """The new data of a car (``POST /vehicles/bulk-update``): every field is replaced."""

    vehicle_id: str = attrs.field(validator=text(allow_empty=False))
    license_plate: str = attrs.field(validator=text(allow_empty=False))
    model: str = attrs.field(validator=text(allow_empty=False))
    limit_id: str = attrs.field(validator=text(allow_empty=False))
    access_type: VehicleAccessType = attrs.field(converter=_access_type)
    access: tuple[VehicleAccess, ...] | Unset = attrs.field(default=UNSET, converter=_access)

    def __attrs_post_init__(self) -> None:
        _check_access(self.access_type, self.access)


@attrs.frozen(kw_only=True)
class CreatedVehicles:
    """The answer to a bulk create: the new cars' ids, in the order they were given, and the
    idempotency token the call was made with."""

    ids: tuple[str, ...] = ()
    idempotency_token: str = ""


@attrs.frozen(kw_only=True)
class VehicleLimit:
    """The tanker limit of a car; ``limits`` is the raw limit object (``orders_cost``…)."""

    limit_id: str | None = None
    service: str | None = None
    title: str | None = None
    fuel_types: tuple[str, ...] = ()
    limits: dict[str, object] = attrs.field(factory=dict)


@attrs.frozen(kw_only=True)
class VehicleDriver:
    """An employee who may use a car, with their department."""

    user_id: str | None = None
    department_id: str | None = None


@attrs.frozen(kw_only=True)
class VehicleDrivers:
    """Who may use a car: ``users`` (``user_id``, ``department_id``) and ``departments``."""

    total_count: int | None = None
    users: tuple[VehicleDriver, ...] = ()
    departments: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class Vehicle:
    """A car as ``GET /vehicles/list`` shows it."""

    vehicle_id: str
    license_plate: str | None = None
    model: str | None = None
    limit: VehicleLimit | None = None
    access_type: str | None = None
    is_deleted: bool | None = None
    created_at: str | None = None
    deleted_at: str | None = None
    drivers: VehicleDrivers | None = None


@attrs.frozen(kw_only=True)
class VehiclesPage:
    """One page of ``GET /vehicles/list``. This page names its next-page mark ``cursor``
    (every other list: ``next_cursor``); :attr:`next_cursor` reads it under the common name."""

    items: tuple[Vehicle, ...] = ()
    cursor: str | None = None
    limit: int | None = None
    total_amount: int | None = None
    all_client_vehicles: int | None = None

    @property
    def next_cursor(self) -> str | None:
        """The mark of the next page (the page's ``cursor``)."""
        return self.cursor
