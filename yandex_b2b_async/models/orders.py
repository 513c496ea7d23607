"""Taxi order models: the create and routestats bodies, and orders as the read calls return them.

Points go on the wire as the documents write them, ``[longitude, latitude]`` — except two
answers that put latitude first: ``orders/progress`` (``vehicle.location``) and the promocode
zones' ``geo.center``; those fields say so in their names' docstrings. A field named ``class_``
is ``"class"`` on the wire (a Python keyword).

Request models validate when they are built (:class:`ValidationError` naming the field); their
optional fields default to :data:`UNSET` and are then left out. Response models take what the
API may leave out as ``None`` or empty, and ignore fields they do not know.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

import attrs

from .._types import UNSET, Unset
from .._validators import check_datetime, check_lon_lat, check_text, text
from ..errors import ValidationError
from ._common import Number

__all__ = [
    "ACTIVE_STATUSES",
    "CANCELLABLE_STATUSES",
    "FINAL_STATUSES",
    "ROUTE_CHANGE_STATUSES",
    "ActiveOrder",
    "ActiveOrders",
    "CancelRules",
    "CancelState",
    "ChangedDestinations",
    "CostCenterValue",
    "CostCenterValueInfo",
    "CreatedOrder",
    "EstimatedWaiting",
    "OrderCancelResult",
    "OrderCreate",
    "OrderInfo",
    "OrderPoint",
    "OrderProgress",
    "OrderStatus",
    "OrderTollRoads",
    "OrdersPage",
    "Performer",
    "PerformerVehicle",
    "RoutePoint",
    "Routestats",
    "RoutestatsTollRoads",
    "ServiceLevel",
    "SortingDirection",
    "SortingField",
    "TariffDetail",
    "TaxiReport",
    "TaxiReportOrder",
    "TextValue",
    "VehicleLocation",
    "route_pairs",
]


class OrderStatus(enum.StrEnum):
    """An order's status, as the active-orders page lists them."""

    SCHEDULING = "scheduling"  # created; the search starts some time before the pick-up
    SCHEDULED = "scheduled"  # a driver is assigned and leaves in time for the pick-up
    SEARCH = "search"  # created, a driver is being searched for
    DRIVING = "driving"  # a driver is on the way to the pick-up point
    WAITING = "waiting"  # the driver is at the pick-up point, waiting
    TRANSPORTING = "transporting"  # the employee is in the car
    COMPLETE = "complete"  # finished successfully
    CANCELLED = "cancelled"  # cancelled by the client or its employee
    FAILED = "failed"  # cancelled by the taxi company: the driver cannot carry it out
    EXPIRED = "expired"  # status unknown: the company sent no news in time


FINAL_STATUSES: Final = frozenset(
    {OrderStatus.COMPLETE, OrderStatus.CANCELLED, OrderStatus.FAILED, OrderStatus.EXPIRED}
)
"""Statuses an order never leaves."""
ACTIVE_STATUSES: Final = frozenset(OrderStatus) - FINAL_STATUSES
"""Statuses of an order still under way (those ``orders/active`` lists)."""
CANCELLABLE_STATUSES: Final = frozenset(
    {
        OrderStatus.SCHEDULING,
        OrderStatus.SCHEDULED,
        OrderStatus.SEARCH,
        OrderStatus.DRIVING,
        OrderStatus.WAITING,
    }
)
"""Statuses in which a cancel may be asked for (a ride under way, or over, cannot be)."""
ROUTE_CHANGE_STATUSES: Final = ACTIVE_STATUSES
"""Statuses in which the destinations may change (every status before the end)."""


class CancelState(enum.StrEnum):
    """The cancel rule in force (``cancel_rules.state`` of ``orders/info``)."""

    FREE = "free"
    PAID = "paid"
    MINIMAL = "minimal"


class SortingField(enum.StrEnum):
    """What ``orders/list`` sorts by."""

    DUE_DATE = "due_date"
    FINISHED_DATE = "finished_date"


class SortingDirection(enum.IntEnum):
    """The direction of ``orders/list``: 1 ascending, -1 descending (the default)."""

    ASCENDING = 1
    DESCENDING = -1


def _point(value: object) -> tuple[float, float]:
    return check_lon_lat("geopoint", value)


def _optional_datetime(value: object) -> str | Unset:
    if value is UNSET:
        return UNSET
    return check_datetime("due_date", value)


def _route(value: object) -> tuple[RoutePoint, ...]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise ValidationError("route", "must be a list of RoutePoint", value=value)
    points = tuple(value)
    if not points:
        raise ValidationError("route", "must hold at least the pick-up point")
    for index, point in enumerate(points):
        if not isinstance(point, RoutePoint):
            raise ValidationError(f"route[{index}]", "must be a RoutePoint", value=point)
    return points


def _requirements(_: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is UNSET:
        return
    if not isinstance(value, Mapping):
        raise ValidationError(attribute.name, "must be a dict of requirement: value", value=value)
    for key, item in value.items():
        check_text(f"{attribute.name} key", key, allow_empty=False)
        if not isinstance(item, bool | int | str):
            raise ValidationError(
                f"{attribute.name}[{key!r}]", "must be a bool, an integer or a string", value=item
            )


def _frozen_dict(value: object) -> object:
    return dict(value) if isinstance(value, Mapping) else value


def _cost_center_values(value: object) -> tuple[CostCenterValue, ...] | Unset:
    if value is UNSET:
        return UNSET
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise ValidationError(
            "cost_center_values", "must be a list of CostCenterValue", value=value
        )
    items = tuple(value)
    for index, item in enumerate(items):
        if not isinstance(item, CostCenterValue):
            raise ValidationError(
                f"cost_center_values[{index}]", "must be a CostCenterValue", value=item
            )
    return items


# -- requests ---------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class RoutePoint:
    """A point of a route: ``geopoint`` is ``(longitude, latitude)``, ``fullname`` its address."""

    geopoint: tuple[float, float] = attrs.field(converter=_point)
    fullname: str | Unset = attrs.field(default=UNSET, validator=text(allow_empty=False))
    porchnumber: str | Unset = attrs.field(default=UNSET, validator=text(allow_empty=False))


@attrs.frozen(kw_only=True)
class CostCenterValue:
    """A value of a cost-center field for an order (``cost_center_values``)."""

    id: str = attrs.field(validator=text(allow_empty=False))
    value: str = attrs.field(validator=text(allow_empty=True))
    title: str | Unset = attrs.field(default=UNSET, validator=text(allow_empty=False))


@attrs.frozen(kw_only=True)
class OrderCreate:
    """A taxi order (``POST /orders/create``).

    ``route`` starts with the pick-up point; ``class_`` is the tariff (``"econom"``, sent as
    ``class``); ``offer`` an id from :meth:`OrdersAPI.routestats`; ``requirements`` as
    ``zones.info`` lists them for the zone; ``due_date`` a time with its UTC offset (a
    :class:`datetime.datetime` with a zone is accepted) for an order in advance.
    """

    user_id: str = attrs.field(validator=text(allow_empty=False))
    route: tuple[RoutePoint, ...] = attrs.field(converter=_route)
    class_: str = attrs.field(validator=text(allow_empty=False))
    due_date: str | Unset = attrs.field(default=UNSET, converter=_optional_datetime)
    offer: str | Unset = attrs.field(default=UNSET, validator=text(allow_empty=False))
    requirements: dict[str, bool | int | str] | Unset = attrs.field(
        default=UNSET, converter=_frozen_dict, validator=_requirements
    )
    cost_center_values: tuple[CostCenterValue, ...] | Unset = attrs.field(
        default=UNSET, converter=_cost_center_values
    )
    comment: str | Unset = attrs.field(default=UNSET, validator=text(allow_empty=True))
    order_tag: str | Unset = attrs.field(default=UNSET, validator=text(allow_empty=False))


def route_pairs(points: Sequence[object]) -> list[list[float]]:
    """A routestats route: bare ``[longitude, latitude]`` pairs (at least one), checked."""
    if isinstance(points, str | bytes) or not isinstance(points, Sequence) or not points:
        raise ValidationError("route", "must be a list of [longitude, latitude] points")
    pairs: list[list[float]] = []
    for index, point in enumerate(points):
        geopoint = point.geopoint if isinstance(point, RoutePoint) else point
        pairs.append(list(check_lon_lat(f"route[{index}]", geopoint)))
    return pairs


# -- answers ----------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class CreatedOrder:
    """The answer to a create: the order's id, and the ``X-Idempotency-Token`` it was made
    with (send the same token again to get the same order back, never a second one)."""

    order_id: str
    idempotency_token: str = ""


@attrs.frozen(kw_only=True)
class TariffDetail:
    """One part of a tariff's description (``details_tariff``)."""

    type: str
    value: str
    type_details: str | None = None


@attrs.frozen(kw_only=True)
class EstimatedWaiting:
    """How long the car is expected to take to arrive."""

    seconds: Number | None = None
    message: str | None = None


@attrs.frozen(kw_only=True)
class ServiceLevel:
    """One tariff of a routestats answer, with its estimated price (text)."""

    class_: str | None = None
    is_fixed_price: bool | None = None
    price: str | None = None
    estimated_waiting: EstimatedWaiting | None = None
    details_tariff: tuple[TariffDetail, ...] = ()


@attrs.frozen(kw_only=True)
class RoutestatsTollRoads:
    """Toll roads on the route, and whether the client pays them automatically."""

    has_tolls: bool | None = None
    auto_payment: bool | None = None
    price: str | None = None


@attrs.frozen(kw_only=True)
class Routestats:
    """The answer to ``POST /orders/routestats``: prices per tariff and, when ``user_id`` was
    given with two points or more, an ``offer`` to pass to the create."""

    offer: str | None = None
    service_levels: tuple[ServiceLevel, ...] = ()
    toll_roads: RoutestatsTollRoads | None = None

    def level(self, class_: str) -> ServiceLevel | None:
        """The tariff named ``class_``, if the answer holds it."""
        return next((level for level in self.service_levels if level.class_ == class_), None)


@attrs.frozen(kw_only=True)
class VehicleLocation:
    """Where the car is: ``location`` is ``[latitude, longitude]`` — latitude first, unlike
    every other point of the API (the progress page's own order)."""

    location: tuple[Number, ...] = ()


@attrs.frozen(kw_only=True)
class OrderProgress:
    """The answer to ``GET /orders/progress``: the status and, once a car is assigned, where it
    is; ``time_left_raw`` is the seconds until the car arrives or the ride ends."""

    status: str
    time_left_raw: Number | None = None
    vehicle: VehicleLocation | None = None


@attrs.frozen(kw_only=True)
class OrderPoint:
    """A point of an order as the read calls show it (``geopoint``: longitude, latitude)."""

    fullname: str | None = None
    geopoint: tuple[Number, ...] = ()
    porchnumber: str | None = None
    locale: str | None = None
    country: str | None = None
    locality: str | None = None
    premisenumber: str | None = None
    thoroughfare: str | None = None


@attrs.frozen(kw_only=True)
class PerformerVehicle:
    """The car of an order."""

    model: str | None = None
    number: str | None = None
    color: str | None = None


@attrs.frozen(kw_only=True)
class Performer:
    """The driver and the car; the driver's name and phone are kept out of the repr."""

    vehicle: PerformerVehicle | None = None
    fullname: str | None = attrs.field(default=None, repr=False)
    phone: str | None = attrs.field(default=None, repr=False)


@attrs.frozen(kw_only=True)
class CancelRules:
    """Whether the order may be cancelled now, and under which rule (``state``)."""

    can_cancel: bool | None = None
    state: str | None = None
    title: str | None = None
    message: str | None = None


@attrs.frozen(kw_only=True)
class CostCenterValueInfo:
    """A cost-center field's value as an answer shows it."""

    id: str | None = None
    title: str | None = None
    value: str | None = None


@attrs.frozen(kw_only=True)
class OrderTollRoads:
    """Toll roads of an order."""

    user_chose_toll_road: bool | None = None
    user_had_choice: bool | None = None
    auto_payment: bool | None = None


@attrs.frozen(kw_only=True)
class OrderInfo:
    """An order (``GET /orders/info``, and each item of ``orders/list``).

    ``finished_date``, ``cost`` and ``cost_with_vat`` are given for a finished order only;
    ``performer`` and ``cancel_rules`` by ``orders/info`` only.
    """

    id: str
    status: str
    user_id: str | None = None
    class_: str | None = None
    due_date: str | None = None
    finished_date: str | None = None
    performer: Performer | None = None
    source: OrderPoint | None = None
    interim_destinations: tuple[OrderPoint, ...] = ()
    destination: OrderPoint | None = None
    cancel_rules: CancelRules | None = None
    cost: Number | None = None
    cost_with_vat: Number | None = None
    cost_center_values: tuple[CostCenterValueInfo, ...] = ()
    toll_roads: OrderTollRoads | None = None


@attrs.frozen(kw_only=True)
class OrdersPage:
    """One page of ``GET /orders/list`` (offset pages)."""

    items: tuple[OrderInfo, ...] = ()
    limit: int | None = None
    offset: int | None = None
    total_amount: int | None = None


@attrs.frozen(kw_only=True)
class ActiveOrder:
    """An order of ``GET /orders/active``: its id and status."""

    id: str
    status: str


@attrs.frozen(kw_only=True)
class OrderCancelResult:
    """The answer to a cancel: the order's status afterwards (``"cancelled"``)."""

    status: str


@attrs.frozen(kw_only=True)
class TextValue:
    """A value with its localized text (``ride_status``, ``cancel_reason``, ``order_type``)."""

    value: str | None = None
    text: str | None = None


@attrs.frozen(kw_only=True)
class _RequirementName:
    name: str | None = None


@attrs.frozen(kw_only=True)
class TaxiReportOrder:
    """One order of ``POST /orders/taxi/report`` (the ``TaxiOrderInfo`` of the page).

    Money fields are numbers; ``destination`` and ``source_geopoint`` are (longitude,
    latitude). ``creator`` is kept out of the repr (it may name a person).
    """

    id: str
    user_id: str | None = None
    city: str | None = None
    tariff_class: str | None = None
    ride_status: TextValue | None = None
    cancel_reason: TextValue | None = None
    order_type: TextValue | None = None
    order_method: str | None = None
    created_datetime: str | None = None
    local_created_datetime: str | None = None
    due_datetime: str | None = None
    local_due_datetime: str | None = None
    start_waiting_datetime: str | None = None
    start_datetime: str | None = None
    finish_datetime: str | None = None
    source_fullname: str | None = None
    source_geopoint: tuple[Number, ...] = ()
    destination_fullname: str | None = None
    destination: tuple[Number, ...] = ()
    interim_destinations: tuple[OrderPoint, ...] = ()
    distance: Number | None = None
    cost: Number | None = None
    cost_w_vat: Number | None = None
    ride_cost: Number | None = None
    total_cost: Number | None = None
    discount: Number | None = None
    discounted_cost: Number | None = None
    vat: Number | None = None
    sales_tax: Number | None = None
    toll_road_cost: Number | None = None
    waiting_cost: Number | None = None
    waiting_in_depart_time: Number | None = None
    waiting_in_transit_time: Number | None = None
    agency_fee_percent: Number | None = None
    agency_to_pay: Number | None = None
    agency_without_vat_to_pay: Number | None = None
    booking_actual_hours: Number | None = None
    booking_hour_price: Number | None = None
    booking_hours: Number | None = None
    cost_center: str | None = None
    department: str | None = None
    department_path: tuple[str, ...] = ()
    old_department: str | None = None
    park_name: str | None = None
    comment: str | None = None
    creator: str | None = attrs.field(default=None, repr=False)
    receipt_url: tuple[str, ...] = ()
    requirements: tuple[_RequirementName, ...] = ()

    @property
    def requirement_names(self) -> list[str]:
        """The names of the order's requirements."""
        return [item.name for item in self.requirements if item.name]


@attrs.frozen(kw_only=True)
class TaxiReport:
    """The answer to ``POST /orders/taxi/report``."""

    orders: tuple[TaxiReportOrder, ...] = ()


@attrs.frozen(kw_only=True)
class ActiveOrders:
    """The answer to ``GET /orders/active``."""

    items: tuple[ActiveOrder, ...] = ()


@attrs.frozen(kw_only=True)
class ChangedDestinations:
    """The answer to ``POST /orders/change-destinations``: the new route, geocoded."""

    changed_destinations: tuple[OrderPoint, ...] = ()
