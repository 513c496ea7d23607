"""Cost center models: a cost center with its field settings, its pages, and the bodies of the
create and update calls.

The create page is stored only in part (it ends inside the ``services`` row of the field
settings); its body is taken to be the update page's (``name``, ``default``,
``field_settings``, all required), and its answer the update's (``{"id": …}``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

import attrs

from .._types import ALWAYS_SENT, UNSET, Unset
from .._validators import boolean, check_id, check_text, text
from ..errors import ValidationError
from ._common import Service, to_service

__all__ = [
    "CostCenter",
    "CostCenterCreate",
    "CostCenterField",
    "CostCenterFieldSetting",
    "CostCenterUpdate",
    "CostCentersPage",
    "CreatedCostCenter",
]

# The update page's `format` values: choose from `values`, type freely, or both.
_FORMATS: Final = ("select", "text", "mixed")


@attrs.frozen(kw_only=True)
class CostCenterField:
    """One field setting of a cost center (what an employee fills in when ordering)."""

    id: str
    title: str | None = None
    hidden: bool | None = None
    required: bool | None = None
    services: tuple[str, ...] = ()
    format: str | None = None
    values: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class CostCenter:
    """A cost center of the client; ``default`` marks the main one."""

    id: str
    name: str | None = None
    default: bool | None = None
    field_settings: tuple[CostCenterField, ...] = ()


@attrs.frozen(kw_only=True)
class CostCentersPage:
    """One page of ``GET /integration/2.0/cost_centers/list``."""

    items: tuple[CostCenter, ...] = ()
    limit: int | None = None
    offset: int | None = None
    total_amount: int | None = None


def _to_services(value: object) -> tuple[Service, ...]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise ValidationError("services", "must be a list of services", value=value)
    services = tuple(value)
    if not services:
        raise ValidationError("services", "must name at least one service")
    return tuple(to_service(service) for service in services)


def _to_values(value: object) -> tuple[str, ...]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise ValidationError("values", "must be a list of strings", value=value)
    items = tuple(value)
    for index, item in enumerate(items):
        check_text(f"values[{index}]", item, allow_empty=False)
    return items


def _format(_: object, __: attrs.Attribute[Any], value: object) -> None:
    if value not in _FORMATS:
        raise ValidationError("format", "must be one of: select, text, mixed", value=value)


def _optional_id(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not UNSET:
        check_id(attribute.name, value)


@attrs.frozen(kw_only=True)
class CostCenterFieldSetting:
    """A field an employee fills in when ordering (the update page's ``field_settings``).

    ``format``: ``select`` (one of ``values``), ``text`` (typed freely) or ``mixed`` (both);
    a ``select`` field needs at least one value. ``id`` names an existing field to keep it.
    """

    title: str = attrs.field(validator=text(allow_empty=False))
    required: bool = attrs.field(validator=boolean)
    services: tuple[Service, ...] = attrs.field(converter=_to_services)
    format: str = attrs.field(validator=_format)
    values: tuple[str, ...] = attrs.field(factory=tuple, converter=_to_values, metadata=ALWAYS_SENT)
    id: str | Unset = attrs.field(default=UNSET, validator=_optional_id)
    hidden: bool | Unset = attrs.field(default=UNSET, validator=boolean)

    def __attrs_post_init__(self) -> None:
        if self.format == "select" and not self.values:
            raise ValidationError("values", "a select field needs at least one value")


def _to_settings(value: object) -> tuple[CostCenterFieldSetting, ...]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise ValidationError(
            "field_settings", "must be a list of CostCenterFieldSetting", value=value
        )
    items = tuple(value)
    for index, item in enumerate(items):
        if not isinstance(item, CostCenterFieldSetting):
            raise ValidationError(
                f"field_settings[{index}]", "must be a CostCenterFieldSetting", value=item
            )
    return items


@attrs.frozen(kw_only=True)
class CostCenterCreate:
    """A new cost center (``POST /integration/2.0/cost_centers/create``).

    Every field is sent, as the pages mark all three required: ``default`` is False and
    ``field_settings`` empty unless given.
    """

    name: str = attrs.field(validator=text(allow_empty=False))
    default: bool = attrs.field(default=False, validator=boolean, metadata=ALWAYS_SENT)
    field_settings: tuple[CostCenterFieldSetting, ...] = attrs.field(
        factory=tuple, converter=_to_settings, metadata=ALWAYS_SENT
    )


@attrs.frozen(kw_only=True)
class CostCenterUpdate:
    """The full record of a cost center (``POST /integration/2.0/cost_centers/update?id=…``).

    The update replaces the record: a field setting left out is removed.
    """

    name: str = attrs.field(validator=text(allow_empty=False))
    default: bool = attrs.field(default=False, validator=boolean, metadata=ALWAYS_SENT)
    field_settings: tuple[CostCenterFieldSetting, ...] = attrs.field(
        factory=tuple, converter=_to_settings, metadata=ALWAYS_SENT
    )


@attrs.frozen(kw_only=True)
class CreatedCostCenter:
    """The answer to a cost center create: the new id.

    ``reconciled`` is True when the create's answer was lost and the cost center was found by
    its name instead of being created again.
    """

    id: str
    reconciled: bool = False
