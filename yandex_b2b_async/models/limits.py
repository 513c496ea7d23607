"""Limit models: a limit as the search and get calls return it, and the personal-limit body.

Request models (:class:`PersonalLimit` and its parts) validate when built and raise
:class:`ValidationError` naming the field; fields left :data:`UNSET` are not sent. Response
models (:class:`LimitInfo` and its parts) accept what the pages show and ignore what they do
not know. The pages disagree in places, and both sides are taken:

- the personal-limit table spells the taxi categories' key with a Cyrillic first letter (U+0441,
  which looks like a Latin c); every
  example (and Yandex's SDK) sends ``categories``, which is what goes on the wire;
- a cost limit's ``value`` is a string (``"5000"``) in the pages but a number in some answers
  (and in Yandex's SDK): :attr:`LimitValue.value` takes both, :class:`CostLimit` sends a string;
- ids in the examples hold Cyrillic letters (three U+0430 in a hex id) and ``...`` placeholders:
  an id is any non-empty printable text.
"""

from __future__ import annotations

import decimal
import enum
import re
from collections.abc import Iterable, Mapping
from typing import Any, Final

import attrs

from .._types import UNSET, Unset
from .._validators import boolean, check_id, check_text, text
from ..errors import ValidationError
from ._common import Service, to_service

__all__ = [
    "CostLimit",
    "CountLimit",
    "GeoRule",
    "GeoRuleInfo",
    "LimitCounters",
    "LimitInfo",
    "LimitRules",
    "LimitValue",
    "LimitValues",
    "LimitsPage",
    "PersonalLimit",
    "TimeRestriction",
    "TimeRestrictionInfo",
    "TimeRestrictionType",
    "Weekday",
]

# The periods the personal-limit page allows ("day", "week", "month" for taxi; "month",
# "quarter", "year" for travel; "year" in the taxi-policy table).
_PERIODS: Final = ("day", "week", "month", "quarter", "year")
_KINDS: Final = ("money", "volume")  # tanker only
_TIME_RE: Final = re.compile(r"(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9])?")
_DATE_TIME_RE: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}")
_AMOUNT_RE: Final = re.compile(r"[0-9]+(?:\.[0-9]+)?")


class TimeRestrictionType(enum.StrEnum):
    """Kinds of time restriction (``calendar_date`` appears only in the get page)."""

    WEEKLY_DATE = "weekly_date"
    RANGE_DATE = "range_date"
    CALENDAR_DATE = "calendar_date"


class Weekday(enum.StrEnum):
    """Days of a ``weekly_date`` restriction."""

    MO = "mo"
    TU = "tu"
    WE = "we"
    TH = "th"
    FR = "fr"
    SA = "sa"
    SU = "su"


# -- converters and validators of the request models ------------------------------------------


def _choice(field: str, choices: Iterable[str]) -> Any:
    allowed = tuple(choices)

    def validate(_: object, __: attrs.Attribute[Any], value: object) -> None:
        if value is not UNSET and value not in allowed:
            raise ValidationError(field, f"must be one of: {', '.join(allowed)}", value=value)

    return validate


def _to_amount(value: object) -> str:
    """A cost limit's value: the pages send it as a string of digits (``"300000"``)."""
    if isinstance(value, bool):
        raise ValidationError("value", "must be an amount of money, not a bool", value=value)
    if isinstance(value, int):
        text_value = str(value)
    elif isinstance(value, decimal.Decimal):
        text_value = format(value, "f")
    elif isinstance(value, str):
        text_value = value.strip()
    else:
        raise ValidationError(
            "value", "must be a string of digits, an int or a Decimal", value=value
        )
    if not _AMOUNT_RE.fullmatch(text_value):
        raise ValidationError(
            "value", "must be a non-negative amount like '5000' or '147614.40'", value=value
        )
    return text_value


def _count(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError(attribute.name, "must be an integer >= 0", value=value)


def _strings(field: str, value: object) -> tuple[str, ...] | Unset:
    if value is UNSET:
        return UNSET
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise ValidationError(field, "must be a list of strings", value=value)
    items = tuple(value)
    for index, item in enumerate(items):
        check_text(f"{field}[{index}]", item, allow_empty=False)
    return items


def _models(field: str, cls: type, value: object) -> tuple[Any, ...] | Unset:
    if value is UNSET:
        return UNSET
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise ValidationError(field, f"must be a list of {cls.__name__}", value=value)
    items = tuple(value)
    for index, item in enumerate(items):
        if not isinstance(item, cls):
            raise ValidationError(f"{field}[{index}]", f"must be a {cls.__name__}", value=item)
    return items


def _instance(field: str, cls: type) -> Any:
    def validate(_: object, __: attrs.Attribute[Any], value: object) -> None:
        if value is not UNSET and not isinstance(value, cls):
            raise ValidationError(field, f"must be a {cls.__name__}", value=value)

    return validate


def _json_object(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not UNSET and not isinstance(value, Mapping):
        raise ValidationError(attribute.name, "must be a JSON object (a dict)", value=value)


def _to_days(value: object) -> tuple[Weekday, ...] | Unset:
    if value is UNSET:
        return UNSET
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise ValidationError("days", "must be a list of weekdays (mo, tu, …)", value=value)
    days: list[Weekday] = []
    for index, item in enumerate(value):
        try:
            days.append(Weekday(item))
        except ValueError:
            raise ValidationError(
                f"days[{index}]", "must be one of: mo, tu, we, th, fr, sa, su", value=item
            ) from None
    return tuple(days)


def _to_restriction_type(value: object) -> TimeRestrictionType:
    try:
        return TimeRestrictionType(value if isinstance(value, str) else repr(value))
    except ValueError:
        raise ValidationError(
            "type", "must be one of: weekly_date, range_date, calendar_date", value=value
        ) from None


def _pattern(pattern: re.Pattern[str], shape: str) -> Any:
    def validate(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is UNSET:
            return
        check_text(attribute.name, value, allow_empty=False)
        assert isinstance(value, str)
        if not pattern.fullmatch(value):
            raise ValidationError(attribute.name, f"must look like {shape}", value=value)

    return validate


def _optional_id(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not UNSET:
        check_id(attribute.name, value)


def _allowed_intermediate_zones(value: object) -> tuple[str, ...] | Unset:
    return _strings("allowed_intermediate_zones", value)


def _categories(value: object) -> tuple[str, ...] | Unset:
    return _strings("categories", value)


def _fuel_types(value: object) -> tuple[str, ...] | Unset:
    return _strings("fuel_types", value)


def _cities(value: object) -> tuple[str, ...] | Unset:
    return _strings("cities", value)


def _tariffs(value: object) -> tuple[str, ...] | Unset:
    return _strings("tariffs", value)


def _cars_classes(value: object) -> tuple[str, ...] | Unset:
    return _strings("cars_classes", value)


def _insurance_types(value: object) -> tuple[str, ...] | Unset:
    return _strings("insurance_types", value)


def _approve_roles(value: object) -> tuple[str, ...] | Unset:
    return _strings("approve_roles", value)


# -- request models -------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class CostLimit:
    """A limit on what may be spent per period (``orders_cost``).

    ``value`` goes out as a string of digits, as the pages show (an ``int`` or ``Decimal`` is
    turned into one); ``kind`` (``money`` or ``volume``) is for tanker limits only.
    """

    value: str = attrs.field(converter=_to_amount)
    period: str = attrs.field(validator=_choice("period", _PERIODS))
    kind: str | Unset = attrs.field(default=UNSET, validator=_choice("kind", _KINDS))


@attrs.frozen(kw_only=True)
class CountLimit:
    """A limit counted per period: orders (``orders_amount``), minutes, kilometres."""

    value: int = attrs.field(validator=_count)
    period: str = attrs.field(validator=_choice("period", _PERIODS))


@attrs.frozen(kw_only=True)
class LimitRules:
    """The ``limits`` object of a personal limit: what may be spent or ordered per period.

    ``orders_amount``, ``orders_time`` and ``orders_distance`` are for taxi (and travel's
    taxi policy); every service takes ``orders_cost``.
    """

    orders_cost: CostLimit | Unset = attrs.field(
        default=UNSET, validator=_instance("limits.orders_cost", CostLimit)
    )
    orders_amount: CountLimit | Unset = attrs.field(
        default=UNSET, validator=_instance("limits.orders_amount", CountLimit)
    )
    orders_time: CountLimit | Unset = attrs.field(
        default=UNSET, validator=_instance("limits.orders_time", CountLimit)
    )
    orders_distance: CountLimit | Unset = attrs.field(
        default=UNSET, validator=_instance("limits.orders_distance", CountLimit)
    )


@attrs.frozen(kw_only=True)
class TimeRestriction:
    """When orders are allowed: ``weekly_date`` (``days`` between ``start_time`` and
    ``end_time``, ``HH:MM:SS``) or ``range_date`` (``start_date``..``end_date``,
    ``YYYY-MM-DDTHH:MM:SS``)."""

    type: TimeRestrictionType = attrs.field(converter=_to_restriction_type)
    days: tuple[Weekday, ...] | Unset = attrs.field(default=UNSET, converter=_to_days)
    start_time: str | Unset = attrs.field(default=UNSET, validator=_pattern(_TIME_RE, "HH:MM:SS"))
    end_time: str | Unset = attrs.field(default=UNSET, validator=_pattern(_TIME_RE, "HH:MM:SS"))
    start_date: str | Unset = attrs.field(
        default=UNSET, validator=_pattern(_DATE_TIME_RE, "YYYY-MM-DDTHH:MM:SS")
    )
    end_date: str | Unset = attrs.field(
        default=UNSET, validator=_pattern(_DATE_TIME_RE, "YYYY-MM-DDTHH:MM:SS")
    )
    only_holidays: bool | Unset = attrs.field(default=UNSET, validator=boolean)

    def __attrs_post_init__(self) -> None:
        if self.type is TimeRestrictionType.RANGE_DATE:
            for name in ("start_date", "end_date"):
                if getattr(self, name) is UNSET:
                    raise ValidationError(name, "is required for a range_date restriction")
            for name in ("days", "start_time", "end_time"):
                if getattr(self, name) is not UNSET:
                    raise ValidationError(name, "is only for weekly_date and calendar_date")
        else:
            for name in ("start_time", "end_time"):
                if getattr(self, name) is UNSET:
                    raise ValidationError(name, f"is required for a {self.type} restriction")
            if self.type is TimeRestrictionType.WEEKLY_DATE and not self.days:
                raise ValidationError("days", "a weekly_date restriction needs at least one day")
            for name in ("start_date", "end_date"):
                if getattr(self, name) is not UNSET:
                    raise ValidationError(name, "is only for range_date")


@attrs.frozen(kw_only=True)
class GeoRule:
    """Where rides may start (``source``) and end (``destination``): ids of geo restrictions
    (``client.geo_restrictions``); at least one of the two. ``prohibiting_restriction=True``
    forbids those places instead."""

    source: str | Unset = attrs.field(default=UNSET, validator=_optional_id)
    destination: str | Unset = attrs.field(default=UNSET, validator=_optional_id)
    prohibiting_restriction: bool | Unset = attrs.field(default=UNSET, validator=boolean)
    forbid_intermediate_stops: bool | Unset = attrs.field(default=UNSET, validator=boolean)
    allowed_intermediate_zones: tuple[str, ...] | Unset = attrs.field(
        default=UNSET, converter=_allowed_intermediate_zones
    )

    def __attrs_post_init__(self) -> None:
        if self.source is UNSET and self.destination is UNSET:
            raise ValidationError("source", "give source, destination or both")


def _time_restrictions(value: object) -> tuple[TimeRestriction, ...] | Unset:
    return _models("time_restrictions", TimeRestriction, value)


def _geo_restrictions(value: object) -> tuple[GeoRule, ...] | Unset:
    return _models("geo_restrictions", GeoRule, value)


# Which body fields a service takes (the personal-limit page, "Указывается только для …").
_ONLY_FOR: Final[Mapping[str, frozenset[Service]]] = {
    "categories": frozenset({Service.TAXI, Service.CARGO}),
    "geo_restrictions": frozenset({Service.TAXI, Service.EATS2, Service.GROCERY, Service.TANKER}),
    "is_qr_enabled": frozenset({Service.EATS2, Service.GROCERY}),
    "fuel_types": frozenset({Service.TANKER}),
    "cities": frozenset({Service.DRIVE}),
    "tariffs": frozenset({Service.DRIVE}),
    "cars_classes": frozenset({Service.DRIVE}),
    "insurance_types": frozenset({Service.DRIVE}),
    "enable_toll_roads": frozenset({Service.DRIVE, Service.TAXI}),
    "hotel_policy": frozenset({Service.TRAVEL}),
    "avia_policy": frozenset({Service.TRAVEL}),
    "trains_policy": frozenset({Service.TRAVEL}),
    "taxi_policy": frozenset({Service.TRAVEL}),
    "allow_reservations_without_approve": frozenset({Service.TRAVEL}),
    "approve_roles": frozenset({Service.TRAVEL}),
}
_APPROVE_ROLES: Final = ("client", "department_manager")


@attrs.frozen(kw_only=True)
class PersonalLimit:
    """An employee's personal limit (``PUT /integration/2.0/limits/personal?user_id=…``).

    ``title`` and ``service`` are required; ``categories`` is required for taxi (the page
    marks it required and "only for taxi"; cargo takes it too, as the search page says). A
    field a service does not take (``fuel_types`` on a taxi limit, …) is refused, naming it.
    ``client_id`` is marked required by the page, yet its travel example leaves it out: it is
    sent only when given. Travel policies (``hotel_policy``, ``avia_policy``,
    ``trains_policy``, ``taxi_policy``, ``company_funded_allowance_policies``) are passed as
    the JSON objects the page describes.
    """

    title: str = attrs.field(validator=text(allow_empty=False))
    service: Service = attrs.field(converter=to_service)
    client_id: str | Unset = attrs.field(default=UNSET, validator=_optional_id)
    categories: tuple[str, ...] | Unset = attrs.field(default=UNSET, converter=_categories)
    limits: LimitRules | Unset = attrs.field(
        default=UNSET, validator=_instance("limits", LimitRules)
    )
    time_restrictions: tuple[TimeRestriction, ...] | Unset = attrs.field(
        default=UNSET, converter=_time_restrictions
    )
    geo_restrictions: tuple[GeoRule, ...] | Unset = attrs.field(
        default=UNSET, converter=_geo_restrictions
    )
    is_qr_enabled: bool | Unset = attrs.field(default=UNSET, validator=boolean)
    fuel_types: tuple[str, ...] | Unset = attrs.field(default=UNSET, converter=_fuel_types)
    cities: tuple[str, ...] | Unset = attrs.field(default=UNSET, converter=_cities)
    tariffs: tuple[str, ...] | Unset = attrs.field(default=UNSET, converter=_tariffs)
    cars_classes: tuple[str, ...] | Unset = attrs.field(default=UNSET, converter=_cars_classes)
    insurance_types: tuple[str, ...] | Unset = attrs.field(
        default=UNSET, converter=_insurance_types
    )
    enable_toll_roads: bool | Unset = attrs.field(default=UNSET, validator=boolean)
    hotel_policy: dict[str, object] | Unset = attrs.field(default=UNSET, validator=_json_object)
    avia_policy: dict[str, object] | Unset = attrs.field(default=UNSET, validator=_json_object)
    trains_policy: dict[str, object] | Unset = attrs.field(default=UNSET, validator=_json_object)
    taxi_policy: dict[str, object] | Unset = attrs.field(default=UNSET, validator=_json_object)
    allow_reservations_without_approve: bool | Unset = attrs.field(default=UNSET, validator=boolean)
    approve_roles: tuple[str, ...] | Unset = attrs.field(default=UNSET, converter=_approve_roles)
    company_funded_allowance_policies: dict[str, object] | Unset = attrs.field(
        default=UNSET, validator=_json_object
    )

    def __attrs_post_init__(self) -> None:
        for name, services in _ONLY_FOR.items():
            if getattr(self, name) is not UNSET and self.service not in services:
                allowed = ", ".join(sorted(service.value for service in services))
                raise ValidationError(
                    name, f"is only for {allowed} limits, not {self.service.value}"
                )
        if self.service is Service.TAXI and self.categories is UNSET:
            raise ValidationError("categories", "is required for a taxi limit")
        if self.approve_roles is not UNSET:
            for index, role in enumerate(self.approve_roles):
                if role not in _APPROVE_ROLES:
                    raise ValidationError(
                        f"approve_roles[{index}]",
                        "must be client or department_manager",
                        value=role,
                    )
        if isinstance(self.limits, LimitRules):
            cost = self.limits.orders_cost
            tanker = self.service is Service.TANKER
            if not tanker and isinstance(cost, CostLimit) and cost.kind is not UNSET:
                raise ValidationError("limits.orders_cost.kind", "is only for tanker limits")
            taxi_only = ("orders_amount", "orders_time", "orders_distance")
            if self.service not in (Service.TAXI, Service.CARGO):
                for name in taxi_only:
                    if getattr(self.limits, name) is not UNSET:
                        raise ValidationError(f"limits.{name}", "is only for taxi and cargo limits")


# -- response models ------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class LimitValue:
    """One restriction of a limit as read: ``value`` is a string for money (``"5000"``) and
    an integer for counts, as the get page says; a number for money is accepted too."""

    value: str | int | float | None = None
    period: str | None = None
    kind: str | None = None
    accumulation_rules: dict[str, object] | None = None


@attrs.frozen(kw_only=True)
class LimitValues:
    """The ``limits`` object of a limit as read; a restriction the limit lacks is None."""

    orders_cost: LimitValue | None = None
    orders_amount: LimitValue | None = None
    orders_time: LimitValue | None = None
    orders_distance: LimitValue | None = None


@attrs.frozen(kw_only=True)
class GeoRuleInfo:
    """A geo rule of a limit as read (see :class:`GeoRule`)."""

    source: str | None = None
    destination: str | None = None
    prohibiting_restriction: bool | None = None
    forbid_intermediate_stops: bool | None = None
    allowed_intermediate_zones: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class TimeRestrictionInfo:
    """A time restriction of a limit as read (see :class:`TimeRestriction`)."""

    type: str | None = None
    days: tuple[str, ...] = ()
    start_time: str | None = None
    end_time: str | None = None
    start_date: str | None = None
    end_date: str | None = None
    only_holidays: bool | None = None


@attrs.frozen(kw_only=True)
class LimitCounters:
    """``counters``: how many employees have the limit."""

    users: int | None = None


@attrs.frozen(kw_only=True)
class LimitInfo:
    """A limit as ``GET /limits/search`` and ``GET /limits?limit_id=…`` return it.

        ``service`` is a :class:`Service`, or the raw string for one this library does not know.
        ``department_id`` None means the root department. ``counters.users`` counts the
        employees that have it. Drive ``cities`` and ``tariffs`` (strings in the examples, "an
    array of objects" in the get page's table) and the travel policies are not decoded.
    """

    id: str
    title: str | None = None
    service: Service | str | None = None
    client_id: str | None = None
    department_id: str | None = None
    enabled: bool | None = None
    categories: tuple[str, ...] = ()
    fuel_types: tuple[str, ...] = ()
    limits: LimitValues = attrs.field(factory=LimitValues)
    geo_restrictions: tuple[GeoRuleInfo, ...] = ()
    time_restrictions: tuple[TimeRestrictionInfo, ...] = ()
    can_edit: bool | None = None
    counters: LimitCounters = attrs.field(factory=LimitCounters)
    is_default: bool | None = None
    is_deleted: bool | None = None
    is_qr_enabled: bool | None = None
    enable_toll_roads: bool | None = None
    cars_classes: tuple[str, ...] = ()
    insurance_types: tuple[str, ...] = ()
    travel_policy_id: str | None = None
    allow_reservations_without_approve: bool | None = None
    approve_roles: tuple[str, ...] = ()

    @property
    def users(self) -> int:
        """How many employees have this limit (0 when the answer does not say)."""
        return self.counters.users or 0


@attrs.frozen(kw_only=True)
class LimitsPage:
    """One page of ``GET /integration/2.0/limits/search`` (offset pages)."""

    items: tuple[LimitInfo, ...] = ()
    limit: int | None = None
    offset: int | None = None
    total_amount: int | None = None
