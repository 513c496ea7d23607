"""Order lists of the other services: fuel (tanker), food and groceries (eats), business trips.

Money is given as strings on these pages (``"236.4"``, ``"590."``), kept as given. Names of
travellers are kept out of reprs.
"""

from __future__ import annotations

import attrs

from ._common import Number

__all__ = [
    "AviaReservation",
    "EatsCostCenter",
    "EatsDiscount",
    "EatsItem",
    "EatsModifier",
    "EatsOrder",
    "EatsOrdersPage",
    "HotelReservation",
    "Price",
    "TankerOrder",
    "TankerOrdersPage",
    "TrainTrip",
    "TravelItem",
    "TravelUser",
    "TravelsPage",
]


# -- tanker -----------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class TankerOrder:
    """A refuelling (``GET /orders/tanker``); ``station_location`` is (longitude, latitude)."""

    id: str
    user_id: str | None = None
    client_id: str | None = None
    created_at: str | None = None
    closed_at: str | None = None
    fuel_type: str | None = None
    final_price: str | None = None
    liters_filled: str | None = None
    station_location: tuple[Number, ...] = ()


@attrs.frozen(kw_only=True)
class TankerOrdersPage:
    """One answer of ``GET /orders/tanker``: orders by closing time, and the last one's
    ``last_closed_at`` (UTC, no zone), absent when ``orders`` is empty."""

    orders: tuple[TankerOrder, ...] = ()
    last_closed_at: str | None = None

    @property
    def items(self) -> tuple[TankerOrder, ...]:
        """The page's orders."""
        return self.orders


# -- eats -------------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class EatsModifier:
    """A modifier of an item (extra sauce …)."""

    name: str | None = None
    cost: str | None = None
    vat: str | None = None
    cost_with_vat: str | None = None
    count: int | None = None


@attrs.frozen(kw_only=True)
class EatsItem:
    """One line of an order's calculation."""

    name: str | None = None
    cost: str | None = None
    vat: str | None = None
    cost_with_vat: str | None = None
    count: int | None = None
    modifiers: tuple[EatsModifier, ...] = ()


@attrs.frozen(kw_only=True)
class EatsDiscount:
    """The corporate discount of an order."""

    sum: str | None = None
    vat: str | None = None
    with_vat: str | None = None
    sales_tax: str | None = None
    total: str | None = None


@attrs.frozen(kw_only=True)
class EatsCostCenter:
    """A cost-center field of a food order."""

    id: str | None = None
    title: str | None = None
    value: str | None = None


@attrs.frozen(kw_only=True)
class EatsOrder:
    """An order of the food and grocery services (``POST /orders/eats/list``)."""

    id: str
    status: str | None = None
    user_id: str | None = None
    department_id: str | None = None
    created_at: str | None = None
    closed_at: str | None = None
    restaurant_name: str | None = None
    destination_address: str | None = attrs.field(default=None, repr=False)
    destination_city: str | None = None
    order_calculation: tuple[EatsItem, ...] = ()
    final_cost: str | None = None
    vat: str | None = None
    final_cost_with_vat: str | None = None
    corp_discount: EatsDiscount | None = None
    corp_discount_reverted: bool | None = None
    currency: str | None = None
    eats_cost_centers: tuple[EatsCostCenter, ...] = ()
    commission: str | None = None
    commission_vat: str | None = None
    commission_with_vat: str | None = None


@attrs.frozen(kw_only=True)
class EatsOrdersPage:
    """One page of ``POST /orders/eats/list``. The page documents the next-page mark as
    ``cursor``; ``next_cursor`` is read too, in case the API answers the common name."""

    orders: tuple[EatsOrder, ...] = ()
    cursor: str | None = None
    limit: int | None = None
    sorting_order: str | None = None

    @property
    def items(self) -> tuple[EatsOrder, ...]:
        """The page's orders."""
        return self.orders

    @property
    def next_cursor(self) -> str | None:
        """The mark of the next page."""
        return self.cursor


# -- travels ----------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Price:
    """An amount with its currency (``value`` a string: ``"2766.06"``)."""

    value: str | None = None
    currency: str | None = None


@attrs.frozen(kw_only=True)
class TravelUser:
    """A traveller; the name is kept out of the repr."""

    id: str | None = None
    fullname: str | None = attrs.field(default=None, repr=False)
    price: Price | None = None
    ticket_number: str | None = None


@attrs.frozen(kw_only=True)
class HotelReservation:
    """A hotel booking of a trip."""

    id: str
    external_id: str | None = None
    country: str | None = None
    city: str | None = None
    hotel_address: str | None = None
    hotel_name: str | None = None
    room_name: str | None = None
    price: Price | None = None
    stars: int | None = None
    users: tuple[TravelUser, ...] = ()
    date_from: str | None = None
    date_until: str | None = None
    voucher_url: str | None = None


@attrs.frozen(kw_only=True)
class AviaReservation:
    """A flight booking; the trips (``forward_trip``, ``backward_trip``) are the raw objects of
    the page (cities, airports, times, flights with their baggage)."""

    id: str
    cost: Price | None = None
    extra_charge_cost: Price | None = None
    forward_trip: dict[str, object] = attrs.field(factory=dict)
    backward_trip: dict[str, object] | None = None
    users: tuple[TravelUser, ...] = ()


@attrs.frozen(kw_only=True)
class TrainTrip:
    """A train journey; ``trip_parts`` are the raw parts of the page (stations, cars, seats)."""

    id: str
    trip_parts: tuple[dict[str, object], ...] = ()
    blank_url: str | None = None


@attrs.frozen(kw_only=True)
class TravelItem:
    """A business trip (``POST /travels/list``): its hotels, trains and flights."""

    id: str
    name: str | None = None
    date_from: str | None = None
    date_to: str | None = None
    created_at: str | None = None
    hotel_reservations: tuple[HotelReservation, ...] = ()
    train_trips: tuple[TrainTrip, ...] = ()
    avia_reservations: tuple[AviaReservation, ...] = ()


@attrs.frozen(kw_only=True)
class TravelsPage:
    """One page of ``POST /travels/list``."""

    travel_items: tuple[TravelItem, ...] = ()
    next_cursor: str | None = None

    @property
    def items(self) -> tuple[TravelItem, ...]:
        """The page's trips."""
        return self.travel_items
