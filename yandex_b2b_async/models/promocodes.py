"""Promocode models: a series to order, the orders and their codes as the read calls show them.

The create page's limits are checked when a :class:`PromocodeOrderCreate` is built: a code's
value (100 to 5,000; 30,000 for grocery and eats), the count (5 to 1,000), the name (1 to 256
characters), dates as ``YYYY-MM-DD`` with ``active_until`` not before ``active_from``. The
90-day bound on ``active_until`` counts from the day of the request, so
:meth:`PromocodesAPI.create_order` checks it when called.

The create calls a zone ``geo_restriction_id``; the list and info answers call it
``corp_geo_id`` and give its circle's ``center`` latitude first.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Any, Final

import attrs

from .._types import UNSET, Unset
from .._validators import check_date, check_text, text
from ..errors import ValidationError
from ._common import Number

__all__ = [
    "COUNT_RANGE",
    "MAX_ACTIVE_DAYS",
    "BankName",
    "CreatedPromocodeOrder",
    "PromocodeBankName",
    "PromocodeCircle",
    "PromocodeCode",
    "PromocodeCodesPage",
    "PromocodeDiscount",
    "PromocodeGeoInfo",
    "PromocodeGeoRestriction",
    "PromocodeOrder",
    "PromocodeOrderCreate",
    "PromocodeOrdersPage",
    "PromocodePricing",
    "PromocodeService",
    "PromocodeUsage",
    "PromocodeZone",
    "PromocodeZoneInfo",
]


class PromocodeService(enum.StrEnum):
    """The services a promocode series may be for (the create page)."""

    TAXI = "taxi"
    GROCERY = "grocery"
    EATS = "eats"
    FUEL = "fuel"
    CARGO = "cargo"


_SERVICES: Final = ", ".join(service.value for service in PromocodeService)
# The create page's table of limits, per service: (min value, max value).
_VALUE_RANGE: Final = {
    PromocodeService.TAXI: (100, 5_000),
    PromocodeService.FUEL: (100, 5_000),
    PromocodeService.CARGO: (100, 5_000),
    PromocodeService.GROCERY: (100, 30_000),
    PromocodeService.EATS: (100, 30_000),
}
COUNT_RANGE: Final = (5, 1_000)
NAME_LENGTH: Final = (1, 256)
MAX_ACTIVE_DAYS: Final = 90


def _service(value: object) -> PromocodeService | Unset:
    if value is UNSET or isinstance(value, PromocodeService):
        return value
    if isinstance(value, str):
        try:
            return PromocodeService(value)
        except ValueError:
            pass
    raise ValidationError("service", f"must be one of: {_SERVICES}", value=value)


def _integer(_: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(attribute.name, "must be an integer", value=value)


def _active_until(value: object) -> str:
    return check_date("active_until", value)


def _active_from(value: object) -> str | Unset:
    return UNSET if value is UNSET else check_date("active_from", value)


def _bin_ranges(value: object) -> tuple[tuple[str, str], ...] | Unset:
    if value is UNSET:
        return UNSET
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise ValidationError(
            "bin_ranges", "must be a list of (first, last) BIN pairs", value=value
        )
    pairs: list[tuple[str, str]] = []
    for index, pair in enumerate(value):
        if isinstance(pair, str | bytes) or not isinstance(pair, Iterable):
            raise ValidationError(
                f"bin_ranges[{index}]", "must be a (first, last) pair", value=pair
            )
        items = tuple(pair)
        if len(items) != 2:
            raise ValidationError(
                f"bin_ranges[{index}]", "must be a (first, last) pair", value=pair
            )
        for bound in items:
            if not isinstance(bound, str) or not bound.isascii() or not bound.isdigit():
                raise ValidationError(
                    f"bin_ranges[{index}]", "BINs are strings of digits", value=bound
                )
        first, last = items
        if len(first) != len(last) or first > last:
            raise ValidationError(
                f"bin_ranges[{index}]", "must run from the lower BIN to the higher", value=pair
            )
        pairs.append((first, last))
    return tuple(pairs)


def _classes(value: object) -> tuple[str, ...] | Unset:
    if value is UNSET:
        return UNSET
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise ValidationError("classes", "must be a list of tariff names", value=value)
    items = tuple(value)
    for index, item in enumerate(items):
        check_text(f"classes[{index}]", item, allow_empty=False)
    return items


def _geo_restrictions(value: object) -> tuple[PromocodeGeoRestriction, ...] | Unset:
    if value is UNSET:
        return UNSET
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise ValidationError(
            "geo_restrictions", "must be a list of PromocodeGeoRestriction", value=value
        )
    items = tuple(value)
    for index, item in enumerate(items):
        if not isinstance(item, PromocodeGeoRestriction):
            raise ValidationError(
                f"geo_restrictions[{index}]", "must be a PromocodeGeoRestriction", value=item
            )
    return items


@attrs.frozen(kw_only=True)
class BankName:
    """The bank's name in Russian and English (both required)."""

    ru: str = attrs.field(validator=text(allow_empty=False))
    en: str = attrs.field(validator=text(allow_empty=False))


@attrs.frozen(kw_only=True)
class PromocodeZone:
    """A zone of a promocode's geography: a geo restriction's id (``geo_restrictions`` API)."""

    geo_restriction_id: str = attrs.field(validator=text(allow_empty=False))


def _zone(name: str) -> Any:
    def validate(_: object, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is not UNSET and not isinstance(value, PromocodeZone):
            raise ValidationError(name, "must be a PromocodeZone", value=value)

    return validate


def _max_points(_: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is UNSET:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError(attribute.name, "must be an integer >= 0", value=value)


@attrs.frozen(kw_only=True)
class PromocodeGeoRestriction:
    """Where a promocode's rides may start and end, and how many stops they may make."""

    source: PromocodeZone | Unset = attrs.field(default=UNSET, validator=_zone("source"))
    destination: PromocodeZone | Unset = attrs.field(default=UNSET, validator=_zone("destination"))
    max_intermediate_points: int | Unset = attrs.field(default=UNSET, validator=_max_points)

    def __attrs_post_init__(self) -> None:
        if self.source is UNSET and self.destination is UNSET:
            raise ValidationError("geo_restrictions", "give a source, a destination or both")


@attrs.frozen(kw_only=True)
class PromocodeOrderCreate:
    """A new promocode series (``POST /promocodes/orders/create``).

    ``value`` is one code's face value, ``count`` how many codes; ``active_until`` (a date, at
    most 90 days from the request) is required; ``active_from`` defaults to the day of the
    request, ``service`` to taxi. Optional fields left :data:`UNSET` are not sent.
    """

    value: int = attrs.field(validator=_integer)
    count: int = attrs.field(validator=_integer)
    active_until: str = attrs.field(converter=_active_until)
    name: str | Unset = attrs.field(default=UNSET, validator=text(allow_empty=False))
    service: PromocodeService | Unset = attrs.field(default=UNSET, converter=_service)
    active_from: str | Unset = attrs.field(default=UNSET, converter=_active_from)
    bin_ranges: tuple[tuple[str, str], ...] | Unset = attrs.field(
        default=UNSET, converter=_bin_ranges
    )
    bank_name: BankName | Unset = UNSET
    geo_restrictions: tuple[PromocodeGeoRestriction, ...] | Unset = attrs.field(
        default=UNSET, converter=_geo_restrictions
    )
    classes: tuple[str, ...] | Unset = attrs.field(default=UNSET, converter=_classes)

    def __attrs_post_init__(self) -> None:
        service = PromocodeService.TAXI if self.service is UNSET else self.service
        low, high = _VALUE_RANGE[service]
        if not low <= self.value <= high:
            raise ValidationError(
                "value", f"must be from {low} to {high} for {service.value}", value=self.value
            )
        if not COUNT_RANGE[0] <= self.count <= COUNT_RANGE[1]:
            raise ValidationError(
                "count", f"must be from {COUNT_RANGE[0]} to {COUNT_RANGE[1]}", value=self.count
            )
        if self.name is not UNSET and not NAME_LENGTH[0] <= len(self.name) <= NAME_LENGTH[1]:
            raise ValidationError("name", f"must be 1 to {NAME_LENGTH[1]} characters long")
        if self.active_from is not UNSET and self.active_until < self.active_from:
            raise ValidationError(
                "active_until",
                f"must not be before active_from ({self.active_from})",
                value=self.active_until,
            )
        if self.bank_name is not UNSET and not isinstance(self.bank_name, BankName):
            raise ValidationError("bank_name", "must be a BankName", value=self.bank_name)


# -- answers ----------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class CreatedPromocodeOrder:
    """The answer to a create: the order's id, and the idempotency token it was made with."""

    order_id: str
    idempotency_token: str = ""


@attrs.frozen(kw_only=True)
class PromocodeDiscount:
    """The price after the discount (strings, as the pages give them)."""

    cost: str | None = None
    vat: str | None = None
    cost_with_vat: str | None = None


@attrs.frozen(kw_only=True)
class PromocodePricing:
    """What a series costs (strings: ``"6820.00"``)."""

    cost: str | None = None
    cost_with_vat: str | None = None
    currency: str | None = None
    vat: str | None = None
    discount: PromocodeDiscount | None = None


@attrs.frozen(kw_only=True)
class PromocodeCircle:
    """A zone's circle: ``center`` is ``[latitude, longitude]`` (latitude first, as the list
    and info pages give it), ``radius`` in meters."""

    center: tuple[Number, ...] = ()
    radius: Number | None = None


@attrs.frozen(kw_only=True)
class PromocodeZoneInfo:
    """A zone of a series as the list and info answers show it (``corp_geo_id``)."""

    corp_geo_id: str | None = None
    name: str | None = None
    geo: PromocodeCircle | None = None


@attrs.frozen(kw_only=True)
class PromocodeGeoInfo:
    """A geographic restriction of a series, as read."""

    source: PromocodeZoneInfo | None = None
    destination: PromocodeZoneInfo | None = None
    max_intermediate_points: int | None = None


@attrs.frozen(kw_only=True)
class PromocodeBankName:
    """The bank's names, as read."""

    ru: str | None = None
    en: str | None = None


@attrs.frozen(kw_only=True)
class PromocodeOrder:
    """A promocode order (``GET /promocodes/orders/info`` and the list's items)."""

    order_id: str
    status: str
    service: str | None = None
    value: Number | None = None
    count: int | None = None
    revoke_count: int | None = None
    active_until: str | None = None
    pricing: PromocodePricing | None = None
    bin_ranges: tuple[tuple[str, ...], ...] = ()
    bank_name: PromocodeBankName | None = None
    classes: tuple[str, ...] = ()
    order_kinds: tuple[str, ...] = ()
    fuel_types: tuple[str, ...] = ()
    geo_restrictions: tuple[PromocodeGeoInfo, ...] = ()


@attrs.frozen(kw_only=True)
class PromocodeOrdersPage:
    """One page of ``GET /promocodes/orders/list``; ``next_cursor`` leads to the next."""

    orders: tuple[PromocodeOrder, ...] = ()
    next_cursor: str | None = None

    @property
    def items(self) -> tuple[PromocodeOrder, ...]:
        """The page's orders (the paging loop's name for them)."""
        return self.orders


@attrs.frozen(kw_only=True)
class PromocodeUsage:
    """One use of a code."""

    used_at: str | None = None


@attrs.frozen(kw_only=True)
class PromocodeCode:
    """One code of a series. The code itself is money to whoever holds it: it is kept out of
    the repr, as the token is."""

    id: str
    code: str = attrs.field(repr=False)
    status: str | None = None
    is_revoked: bool | None = None
    usages: tuple[PromocodeUsage, ...] = ()


@attrs.frozen(kw_only=True)
class PromocodeCodesPage:
    """One page of ``GET /promocodes/orders/codes/list``."""

    codes: tuple[PromocodeCode, ...] = ()
    next_cursor: str | None = None

    @property
    def items(self) -> tuple[PromocodeCode, ...]:
        """The page's codes (the paging loop's name for them)."""
        return self.codes
