"""The sandbox's taxi: zones, routestats offers, and orders that live on a manual clock.

An order's life, from its start (its creation, or ten minutes before an advance order's
`due_date`, "scheduling" until then): `search` 30 s, `driving` 3 min, `waiting` 2 min,
`transporting` 15 min, then `complete`. The clock moves only when the test says
(`ManualClock.advance`). Cancel rules follow the status: free up to `driving`, paid while the
driver waits, impossible once the employee is in the car or the order is over. One
`X-Idempotency-Token` is one order: a create with a token seen before answers that order again.

The pages behind the rules (the project's `api-docs/more/`): orders-create (the required
fields, the UUID token "Обязательный заголовок", `due_date` with its offset, 404 for an unknown
employee, 406 "цена изменилась"), orders-routestats and zoneinfo (404 "зона не найдена"),
orders-cancel (the `state` is the rule orders/info returns; 409 "произошел конфликт"),
orders-change-destinations (409 for a change dated before a later one), orders-feedback (a
rating 1-5 of an order less than a day old, 410 "Feedback has expired"), orders-taxi-report (at
most 100 ids), orders-list and orders-active. The phases' lengths, the cancel fee, the offers'
ten minutes and the zones are the sandbox's own world. Assumptions that refuse what a page
allows apply only in strict mode (`strict()`): feedback before the ride's end, new destinations
of a finished order, a token reused with another body, a list `limit` over 1000.

Plain Python over plain data, no HTTP: every rule can be tested by calling a method.
"""

from __future__ import annotations

import datetime
import itertools
import math
from collections.abc import Callable, Mapping
from typing import Final

import attrs

from ._checks import (
    ManualClock,
    boolean,
    check_keys,
    expect_object,
    integer,
    invalid,
    iso_datetime,
    lon_lat,
    new_id,
    string,
)
from .state import ApiError, JSONObject, JSONValue

__all__ = [
    "ACTIVE",
    "FINAL",
    "PHASES",
    "ZONES",
    "TaxiOrder",
    "TaxiOrders",
    "Zone",
    "zone_at",
]

# (status, seconds it lasts) from an order's start; `complete` follows the last.
PHASES: Final = (("search", 30.0), ("driving", 180.0), ("waiting", 120.0), ("transporting", 900.0))
# An advance order starts its search this long before its due date ("scheduling" until then).
SCHEDULE_LEAD: Final = 600.0
FINAL: Final = frozenset({"complete", "cancelled", "failed", "expired"})
ACTIVE: Final = frozenset(
    {"scheduling", "scheduled", "search", "driving", "waiting", "transporting"}
)
CANCELLABLE: Final = frozenset({"scheduling", "scheduled", "search", "driving", "waiting"})
# The feedback page: an order made more than a day ago can no longer be rated.
FEEDBACK_WINDOW: Final = 86_400.0
# A routestats offer is good for ten minutes of the clock.
OFFER_LIFETIME: Final = 600.0
PAID_CANCEL_FEE: Final = 99.0
VAT: Final = 0.2


@attrs.frozen(kw_only=True)
class Zone:
    """A city the sandbox's taxi serves: a circle, its tariffs and their requirements."""

    name: str
    country: str
    center: tuple[float, float]  # (lon, lat)
    radius_km: float
    tariffs: tuple[str, ...]
    utc_offset_hours: int = 3


_BOOLEAN_REQUIREMENTS: Final = (
    ("conditioner", "Кондиционер"),
    ("yellowcarnumber", "Жёлтые номера"),
    ("quiet_ride", "Поездка в тишине"),
)
_TARIFF_NAMES: Final = {
    "econom": "Эконом",
    "comfortplus": "Комфорт+",
    "business": "Комфорт",
    "vip": "Бизнес",
    "ultimate": "Премьер",
    "maybach": "Элит",
    "child_tariff": "Детский",
    "express": "Доставка",
    "cargo": "Грузовой",
}
# Per tariff: (base price, per km, per minute), roubles.
_PRICES: Final = {
    "econom": (99.0, 9.9, 9.9),
    "comfortplus": (149.0, 14.3, 14.3),
    "business": (129.0, 13.2, 13.2),
    "vip": (199.0, 20.0, 20.0),
    "ultimate": (299.0, 30.0, 30.0),
    "maybach": (999.0, 110.0, 110.0),
    "child_tariff": (149.0, 12.1, 12.1),
    "express": (109.0, 11.0, 9.9),
    "cargo": (499.0, 14.3, 14.3),
}
ZONES: Final = (
    Zone(
        name="Москва",
        country="Россия",
        center=(37.6173, 55.7558),
        radius_km=60,
        tariffs=(
            "econom",
            "comfortplus",
            "business",
            "vip",
            "ultimate",
            "maybach",
            "child_tariff",
            "express",
            "cargo",
        ),
    ),
    Zone(
        name="Санкт-Петербург",
        country="Россия",
        center=(30.3351, 59.9343),
        radius_km=40,
        tariffs=("econom", "comfortplus", "business", "vip", "cargo"),
    ),
    Zone(
        name="Казань",
        country="Россия",
        center=(49.1064, 55.7961),
        radius_km=30,
        tariffs=("econom", "business", "comfortplus"),
    ),
    Zone(
        name="Ереван",
        country="Армения",
        center=(44.4991, 40.1792),
        radius_km=25,
        tariffs=("econom", "comfortplus"),
        utc_offset_hours=4,
    ),
    Zone(
        name="Тель-Авив",
        country="Израиль",
        center=(34.7818, 32.0853),
        radius_km=25,
        tariffs=("business", "econom"),
        utc_offset_hours=2,
    ),
)


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in km between two (lon, lat) points."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def zone_at(point: tuple[float, float]) -> Zone | None:
    """The zone holding a (lon, lat) point, if any."""
    return next((zone for zone in ZONES if _km(point, zone.center) <= zone.radius_km), None)


def zone_info(zone: Zone) -> JSONObject:
    """`GET /zoneinfo`'s answer for a zone."""
    classes: list[JSONValue] = []
    for tariff in zone.tariffs:
        requirements: list[JSONValue] = [
            {"name": name, "label": label, "glued": False, "type": "boolean"}
            for name, label in _BOOLEAN_REQUIREMENTS
        ]
        if tariff in ("econom", "comfortplus", "business", "child_tariff"):
            requirements.append(
                {
                    "name": "childchair_v2",
                    "label": "Детское кресло",
                    "glued": False,
                    "type": "select",
                    "multiselect": True,
                    "max_weight": 2,
                    "select": {
                        "type": "number",
                        "options": [
                            {
                                "name": "infant",
                                "label": "до 10 кг",
                                "title": "Люлька",
                                "weight": 2,
                                "max_count": 1,
                                "value": 1,
                            },
                            {
                                "name": "chair",
                                "label": "9-25 кг",
                                "title": "Кресло",
                                "weight": 2,
                                "max_count": 1,
                                "value": 3,
                            },
                            {
                                "name": "booster",
                                "label": "22-36 кг",
                                "title": "Бустер",
                                "weight": 1,
                                "max_count": 2,
                                "value": 7,
                            },
                        ],
                    },
                }
            )
        classes.append(
            {
                "name": tariff,
                "name_translate": _TARIFF_NAMES[tariff],
                "supported_requirements": requirements,
            }
        )
    return {"tariff_classes": classes}


def _requirement_names(tariff: str) -> frozenset[str]:
    names = {name for name, _ in _BOOLEAN_REQUIREMENTS}
    if tariff in ("econom", "comfortplus", "business", "child_tariff"):
        names.add("childchair_v2")
    return frozenset(names)


def _price(tariff: str, km: float) -> float:
    base, per_km, per_minute = _PRICES[tariff]
    minutes = km * 2.0  # 30 km/h in town
    return round(base + per_km * km + per_minute * minutes)


def _iso(moment: datetime.datetime, zone: Zone | None) -> str:
    offset = datetime.timezone(datetime.timedelta(hours=zone.utc_offset_hours if zone else 3))
    return moment.astimezone(offset).isoformat()


@attrs.define(kw_only=True)
class _Point:
    geopoint: tuple[float, float]
    fullname: str | None = None
    porchnumber: str | None = None

    def to_json(self) -> JSONObject:
        out: JSONObject = {"geopoint": list(self.geopoint)}
        if self.fullname is not None:
            out["fullname"] = self.fullname
        if self.porchnumber is not None:
            out["porchnumber"] = self.porchnumber
        return out


@attrs.define(kw_only=True)
class TaxiOrder:
    """A taxi order as stored. `start` is the clock second its search starts; `ended_at` and
    `ended_status` are set by a cancel or a failure."""

    id: str
    client_id: str
    user_id: str
    tariff: str
    route: list[_Point]
    zone: Zone
    created_at: float
    start: float
    due_date: datetime.datetime
    token: str
    body: JSONObject
    requirements: dict[str, JSONValue] = attrs.field(factory=dict)
    cost_center_values: list[JSONValue] = attrs.field(factory=list)
    comment: str | None = None
    order_tag: str | None = None
    offer: str | None = None
    ended_at: float | None = None
    ended_status: str | None = None
    cancel_fee: float = 0.0
    route_changed: datetime.datetime | None = None
    rating: int | None = None
    # The employee's department when the order was made (the report's `old_department`).
    old_department: JSONValue = None

    def status(self, now: float) -> str:
        """The status at clock second `now`."""
        if self.ended_status is not None and self.ended_at is not None and now >= self.ended_at:
            return self.ended_status
        if now < self.start:
            return "scheduled" if now >= self.start - SCHEDULE_LEAD / 2 else "scheduling"
        elapsed = now - self.start
        for status, seconds in PHASES:
            if elapsed < seconds:
                return status
            elapsed -= seconds
        return "complete"

    def phase_left(self, now: float) -> float | None:
        """Seconds until the current phase ends (the car's arrival, the ride's end)."""
        if self.status(now) in FINAL or now < self.start:
            return None
        elapsed = now - self.start
        for _, seconds in PHASES:
            if elapsed < seconds:
                return seconds - elapsed
            elapsed -= seconds
        return None

    def finished_at(self) -> float:
        """The clock second the order ended (or will end, if nothing stops it)."""
        if self.ended_at is not None:
            return self.ended_at
        return self.start + sum(seconds for _, seconds in PHASES)

    def km(self) -> float:
        points = [point.geopoint for point in self.route]
        return sum(_km(a, b) for a, b in itertools.pairwise(points))


class TaxiOrders:
    """Every client's taxi orders and offers, on one manual clock."""

    def __init__(
        self,
        clock: ManualClock,
        *,
        user_exists: Callable[[str, str], bool] | None = None,
        employee_report: Callable[[str, str], JSONObject] | None = None,
        strict: Callable[[], bool] = lambda: False,
    ) -> None:
        """`user_exists(client_id, user_id)` says whether an order may be placed for that
        employee (the create page answers 404 otherwise); by default anyone may.
        `employee_report(client_id, user_id)` gives the taxi report's fields of the employee
        (`department`, `department_path`, `cost_center`; none by default). `strict()` says
        whether the assumptions that refuse what the pages allow apply."""
        self.clock = clock
        self._user_exists = user_exists or (lambda client_id, user_id: True)
        self._employee_report = employee_report or (lambda client_id, user_id: {})
        self._strict = strict
        self.orders: dict[str, TaxiOrder] = {}
        self._by_token: dict[tuple[str, str], str] = {}
        self._offers: dict[str, tuple[str, float, JSONObject]] = {}

    def clear(self) -> None:
        """Forget every order and offer."""
        self.orders.clear()
        self._by_token.clear()
        self._offers.clear()

    # --- zone info and routestats ----------------------------------------------------------

    def zoneinfo(self, lat: str | None, lon: str | None) -> JSONObject:
        """`GET /zoneinfo?lat=…&lon=…`."""
        point = (_coordinate("lon", lon, 180.0), _coordinate("lat", lat, 90.0))
        zone = zone_at(point)
        if zone is None:
            raise ApiError(404, "ZONE_NOT_FOUND", "Zone not found")
        return zone_info(zone)

    def routestats(self, client_id: str, body: JSONValue) -> JSONObject:
        """`POST /orders/routestats`: prices per tariff, and an offer for `user_id` with a route
        of two points or more."""
        data = expect_object(body)
        check_keys(data, {"route", "requirements", "user_id", "use_toll_roads"}, {"route"})
        route = data["route"]
        if not isinstance(route, list) or not route:
            raise invalid("route", "route must be a non-empty list of [longitude, latitude]")
        points = [lon_lat(f"route[{index}]", point) for index, point in enumerate(route)]
        zone = zone_at(points[0])
        if zone is None:
            raise ApiError(404, "ZONE_NOT_FOUND", "Zone not found")
        user_id = string("user_id", data["user_id"]) if "user_id" in data else None
        if "use_toll_roads" in data:
            boolean("use_toll_roads", data["use_toll_roads"])
        if "requirements" in data:
            expect_object(data["requirements"], "requirements")
        km = sum(_km(a, b) for a, b in itertools.pairwise(points))
        levels: list[JSONValue] = []
        prices: JSONObject = {}
        for index, tariff in enumerate(zone.tariffs):
            price = _price(tariff, km)
            prices[tariff] = price
            base, per_km, per_minute = _PRICES[tariff]
            levels.append(
                {
                    "class": tariff,
                    "is_fixed_price": len(points) >= 2,
                    "price": f"{price:.0f} руб.",
                    "estimated_waiting": {
                        "seconds": 180 + 60 * (index % 3),
                        "message": f"{3 + index % 3} мин",
                    },
                    "details_tariff": [
                        {"type": "price", "value": f"от {base:.0f} руб."},
                        {
                            "type": "comment",
                            "value": f"далее {per_km:g} руб./км и {per_minute:g} руб./мин.",
                        },
                    ],
                }
            )
        answer: JSONObject = {
            "service_levels": levels,
            "toll_roads": {"has_tolls": False, "auto_payment": False},
        }
        if user_id is not None and len(points) >= 2:
            offer = new_id()
            self._offers[offer] = (client_id, self.clock.now() + OFFER_LIFETIME, prices)
            answer["offer"] = offer
        return answer

    # --- placing and changing orders ---------------------------------------------------------

    def create(self, client_id: str, token: str, body: JSONValue) -> JSONObject:
        """`POST /orders/create` with its `X-Idempotency-Token` (checked by the caller)."""
        data = expect_object(body)
        known = self._by_token.get((client_id, token))
        if known is not None:
            # orders-create / promocodes-orders-create: "Одному токену идемпотентности
            # соответствует один заказ" — the token's order is answered again. Refusing the
            # token with another body is an assumption: strict only.
            if self.orders[known].body != data and self._strict():
                raise ApiError(
                    409,
                    "IDEMPOTENCY_TOKEN_REUSED",
                    "this X-Idempotency-Token was used for another order: make a new one",
                )
            return {"order_id": known}
        check_keys(
            data,
            {
                "user_id",
                "due_date",
                "route",
                "class",
                "offer",
                "requirements",
                "cost_center_values",
                "comment",
                "order_tag",
            },
            {"user_id", "route", "class"},
        )
        user_id = string("user_id", data["user_id"])
        route = self._route("route", data["route"])
        tariff = string("class", data["class"])
        zone = zone_at(route[0].geopoint)
        if zone is None:
            raise invalid("route", "the pick-up point is outside every zone")
        if tariff not in zone.tariffs:
            raise invalid("class", f"tariff {tariff!r} is not available in {zone.name}")
        requirements: dict[str, JSONValue] = {}
        if "requirements" in data:
            requirements = dict(expect_object(data["requirements"], "requirements"))
            supported = _requirement_names(tariff)
            for name, value in requirements.items():
                if name not in supported:
                    raise invalid(
                        f"requirements.{name}", f"{tariff} in {zone.name} does not support {name!r}"
                    )
                if not isinstance(value, bool | int | str):
                    raise invalid(f"requirements.{name}", "must be a bool, a number or a string")
        cost_center_values: list[JSONValue] = []
        if "cost_center_values" in data:
            values = data["cost_center_values"]
            if not isinstance(values, list):
                raise invalid("cost_center_values", "cost_center_values must be a list")
            for index, item in enumerate(values):
                entry = expect_object(item, f"cost_center_values[{index}]")
                check_keys(entry, {"id", "title", "value"}, {"id", "value"})
                string(f"cost_center_values[{index}].id", entry["id"])
                string(f"cost_center_values[{index}].value", entry["value"], allow_empty=True)
            cost_center_values = list(values)
        now = self.clock.now()
        due = self.clock.wall()
        start = now
        if "due_date" in data:
            due = iso_datetime("due_date", data["due_date"], utc_default=False)
            at = self.clock.at(due)
            if at > now + SCHEDULE_LEAD:
                start = at - SCHEDULE_LEAD
        offer: str | None = None
        if "offer" in data:
            offer = string("offer", data["offer"])
            known_offer = self._offers.get(offer)
            if known_offer is None or known_offer[0] != client_id:
                raise invalid("offer", "unknown offer: ask routestats for one")
            if now > known_offer[1]:
                raise ApiError(406, "PRICE_CHANGED", "Cannot commit order. Price has been changed")
        if not self._user_exists(client_id, user_id):
            raise ApiError(404, "USER_NOT_FOUND", f"no employee {user_id!r} of this client")
        order = TaxiOrder(
            id=new_id(),
            client_id=client_id,
            user_id=user_id,
            tariff=tariff,
            route=route,
            zone=zone,
            created_at=now,
            start=start,
            due_date=due,
            token=token,
            body=data,
            requirements=requirements,
            cost_center_values=cost_center_values,
            comment=string("comment", data["comment"], allow_empty=True)
            if "comment" in data
            else None,
            order_tag=string("order_tag", data["order_tag"]) if "order_tag" in data else None,
            offer=offer,
            old_department=self._employee_report(client_id, user_id).get("department"),
        )
        self.orders[order.id] = order
        self._by_token[(client_id, token)] = order.id
        return {"order_id": order.id}

    def cancel(self, client_id: str, order_id: str, body: JSONValue) -> JSONObject:
        """`POST /orders/cancel`: the `state` sent must be the cancel rule in force."""
        order = self._order(client_id, order_id)
        data = expect_object(body)
        check_keys(data, {"state"}, {"state"})
        state = string("state", data["state"])
        if state not in ("free", "paid", "minimal"):
            raise invalid("state", "state must be free, paid or minimal")
        now = self.clock.now()
        status = order.status(now)
        if status not in CANCELLABLE:
            raise ApiError(
                409, "ORDER_NOT_CANCELLABLE", f"an order in status {status!r} cannot be cancelled"
            )
        rule = _cancel_state(status)
        if state != rule:
            raise ApiError(
                409,
                "CANCEL_STATE_CHANGED",
                f"the cancel rule is now {rule!r}, not {state!r}: read the order again",
            )
        order.ended_at = now
        order.ended_status = "cancelled"
        order.cancel_fee = PAID_CANCEL_FEE if rule == "paid" else 0.0
        return {"status": "cancelled"}

    def change_destinations(self, client_id: str, order_id: str, body: JSONValue) -> JSONObject:
        """`POST /orders/change-destinations`: every point but the first, dated `created_time`."""
        order = self._order(client_id, order_id)
        data = expect_object(body)
        check_keys(data, {"created_time", "destinations"}, {"created_time", "destinations"})
        created = iso_datetime("created_time", data["created_time"])
        destinations = self._route("destinations", data["destinations"])
        status = order.status(self.clock.now())
        if status in FINAL and self._strict():
            # Assumed (strict only): the page's one 409 is a later change, not a finished order.
            raise ApiError(409, "ORDER_FINISHED", f"the order is {status}: its route is final")
        if order.route_changed is not None and created < order.route_changed:
            raise ApiError(
                409,
                "DESTINATIONS_CHANGED_LATER",
                "the destination was changed by the client or the driver at a later time",
            )
        order.route = [order.route[0], *destinations]
        order.route_changed = created
        return {
            "changed_destinations": [
                {
                    **point.to_json(),
                    "fullname": f"{order.zone.name}, {point.fullname or 'точка на карте'}",
                    "country": order.zone.country,
                    "locality": order.zone.name,
                    "thoroughfare": point.fullname or "",
                    "premisenumber": "",
                }
                for point in destinations
            ]
        }

    def feedback(self, client_id: str, order_id: str, body: JSONValue) -> JSONObject:
        """`POST /orders/feedback`: a rating 1-5 of an order made less than a day ago.

        orders-feedback: "Есть возможность поставить оценку и оставить комментарий на заказ,
        которому меньше суток … `Feedback has expired`" and "410 —
        заказ был сделан более суток назад". Strict only (assumed: the page does not say it):
        409 `ORDER_NOT_FINISHED` for a ride not over yet."""
        order = self._order(client_id, order_id)
        data = expect_object(body)
        check_keys(data, {"rating", "msg"}, {"rating"})
        rating = integer("rating", data["rating"], low=1, high=5)
        if "msg" in data:
            string("msg", data["msg"], allow_empty=True)
        now = self.clock.now()
        status = order.status(now)
        if status not in FINAL and self._strict():
            raise ApiError(409, "ORDER_NOT_FINISHED", "a ride is rated once it is over")
        if now - order.created_at >= FEEDBACK_WINDOW:
            raise ApiError(410, "FEEDBACK_EXPIRED", "Feedback has expired")
        order.rating = rating
        return {}

    def fail(self, client_id: str, order_id: str) -> None:
        """The taxi company gives the order up (status `failed`), as a seeding helper."""
        order = self._order(client_id, order_id)
        now = self.clock.now()
        if order.status(now) in FINAL:
            raise ApiError(409, "ORDER_FINISHED", "the order is over already")
        order.ended_at = now
        order.ended_status = "failed"

    # --- reading orders ------------------------------------------------------------------------

    def progress(self, client_id: str, order_id: str) -> JSONObject:
        """`GET /orders/progress`: status, time left, and the car (latitude first)."""
        order = self._order(client_id, order_id)
        now = self.clock.now()
        status = order.status(now)
        answer: JSONObject = {"status": status}
        left = order.phase_left(now)
        if left is not None:
            answer["time_left_raw"] = round(left)
        location = self._car(order, now, status)
        if location is not None:
            lon, lat = location
            answer["vehicle"] = {"location": [lat, lon]}
        return answer

    def info(self, client_id: str, order_id: str) -> JSONObject:
        """`GET /orders/info`."""
        order = self._order(client_id, order_id)
        return self._info(order, full=True)

    def list_orders(
        self,
        client_id: str,
        *,
        limit: int,
        offset: int,
        user_id: str | None,
        sorting_field: str,
        sorting_direction: int,
        since: datetime.datetime | None,
        till: datetime.datetime | None,
    ) -> JSONObject:
        """`GET /orders/list`: offset pages, sorted by due or finish date."""
        if limit < 1 or (limit > 1000 and self._strict()):
            # 1000 at most: assumed (strict only), as the tanker page's "от 1 до 1000".
            raise invalid("limit", "limit must be from 1 to 1000")
        if sorting_field not in ("due_date", "finished_date"):
            raise invalid("sorting_field", "sorting_field must be due_date or finished_date")
        if sorting_direction not in (1, -1):
            raise invalid("sorting_direction", "sorting_direction must be 1 or -1")
        matching = [
            order
            for order in self.orders.values()
            if order.client_id == client_id and (user_id is None or order.user_id == user_id)
        ]

        def moment(order: TaxiOrder) -> datetime.datetime:
            if sorting_field == "finished_date":
                return self.clock.wall(order.finished_at())
            return order.due_date

        if since is not None:
            matching = [order for order in matching if moment(order) >= since]
        if till is not None:
            matching = [order for order in matching if moment(order) <= till]
        matching.sort(
            key=lambda order: (moment(order), order.created_at), reverse=sorting_direction < 0
        )
        page = matching[offset : offset + limit]
        return {
            "items": [self._info(order, full=False) for order in page],
            "limit": limit,
            "offset": offset,
            "total_amount": len(matching),
        }

    def active(self, client_id: str, user_id: str) -> JSONObject:
        """`GET /orders/active?user_id=…`: the employee's orders under way."""
        now = self.clock.now()
        return {
            "items": [
                {"id": order.id, "status": order.status(now)}
                for order in self.orders.values()
                if order.client_id == client_id
                and order.user_id == user_id
                and order.status(now) in ACTIVE
            ]
        }

    def report(self, client_id: str, body: JSONValue) -> JSONObject:
        """`POST /orders/taxi/report`: at most 100 ids; unknown ones are left out."""
        data = expect_object(body)
        check_keys(data, {"ids"}, {"ids"})
        ids = data["ids"]
        if not isinstance(ids, list) or not ids:
            raise invalid("ids", "ids must be a non-empty list of order ids")
        if len(ids) > 100:
            raise invalid("ids", "at most 100 ids a request")
        now = self.clock.now()
        orders: list[JSONValue] = []
        for index, order_id in enumerate(ids):
            key = string(f"ids[{index}]", order_id)
            order = self.orders.get(key)
            if order is None or order.client_id != client_id:
                continue
            orders.append(self._report_row(order, now))
        return {"orders": orders}

    def census(self, client_id: str | None = None) -> list[TaxiOrder]:
        """Every stored order (of one client when given), in creation order."""
        return [
            order
            for order in self.orders.values()
            if client_id is None or order.client_id == client_id
        ]

    # --- helpers -------------------------------------------------------------------------------

    def _order(self, client_id: str, order_id: str) -> TaxiOrder:
        order = self.orders.get(order_id)
        if order is None or order.client_id != client_id:
            raise ApiError(404, "ORDER_NOT_FOUND", f"no order {order_id!r}")
        return order

    @staticmethod
    def _route(field: str, value: JSONValue) -> list[_Point]:
        if not isinstance(value, list) or not value:
            raise invalid(field, f"{field} must be a non-empty list of points")
        points: list[_Point] = []
        for index, item in enumerate(value):
            point = expect_object(item, f"{field}[{index}]")
            check_keys(
                point,
                {
                    "geopoint",
                    "fullname",
                    "porchnumber",
                    "extra_data",
                    "country",
                    "locality",
                    "premisenumber",
                    "thoroughfare",
                },
                {"geopoint"},
            )
            points.append(
                _Point(
                    geopoint=lon_lat(f"{field}[{index}].geopoint", point["geopoint"]),
                    fullname=string(f"{field}[{index}].fullname", point["fullname"])
                    if "fullname" in point
                    else None,
                    porchnumber=string(f"{field}[{index}].porchnumber", point["porchnumber"])
                    if "porchnumber" in point
                    else None,
                )
            )
        return points

    def _car(self, order: TaxiOrder, now: float, status: str) -> tuple[float, float] | None:
        if status not in ("driving", "waiting", "transporting", "complete"):
            return None
        source = order.route[0].geopoint
        destination = order.route[-1].geopoint
        if status == "driving":
            return (source[0] + 0.005, source[1] + 0.003)
        if status == "waiting":
            return source
        if status == "complete":
            return destination
        left = order.phase_left(now) or 0.0
        done = 1.0 - left / PHASES[-1][1]
        return (
            source[0] + (destination[0] - source[0]) * done,
            source[1] + (destination[1] - source[1]) * done,
        )

    def _cost(self, order: TaxiOrder, status: str) -> float | None:
        if status == "complete":
            return _price(order.tariff, order.km())
        if status == "cancelled":
            return order.cancel_fee
        if status == "failed":
            return 0.0
        return None

    def _info(self, order: TaxiOrder, *, full: bool) -> JSONObject:
        now = self.clock.now()
        status = order.status(now)
        out: JSONObject = {
            "id": order.id,
            "user_id": order.user_id,
            "class": order.tariff,
            "status": status,
            "due_date": _iso(order.due_date, order.zone),
            "source": order.route[0].to_json(),
            "cost_center_values": list(order.cost_center_values),
        }
        if len(order.route) > 2:
            out["interim_destinations"] = [point.to_json() for point in order.route[1:-1]]
        if len(order.route) > 1:
            out["destination"] = order.route[-1].to_json()
        if status in FINAL:
            out["finished_date"] = _iso(self.clock.wall(order.finished_at()), order.zone)
            cost = self._cost(order, status)
            if cost is not None:
                out["cost"] = cost
                out["cost_with_vat"] = round(cost * (1 + VAT), 2)
        if full:
            if status in ("scheduled", "driving", "waiting", "transporting", "complete"):
                out["performer"] = {
                    "vehicle": {"model": "Kia Rio", "number": "А001АА777", "color": "белый"},
                    "fullname": "Водитель Песочницы",
                    "phone": "+70000000000",
                }
            out["cancel_rules"] = _cancel_rules(status)
            out["toll_roads"] = {
                "user_chose_toll_road": False,
                "user_had_choice": False,
                "auto_payment": False,
            }
        return out

    def _report_row(self, order: TaxiOrder, now: float) -> JSONObject:
        status = order.status(now)
        cost = self._cost(order, status) or 0.0
        ride_status = {
            "complete": ("complete", "Выполнен"),
            "cancelled": ("client_cancelled", "Отменена пользователем"),
            "failed": ("driver_cancelled", "Отменена водителем"),
        }.get(status)
        row: JSONObject = {
            "id": order.id,
            "user_id": order.user_id,
            "city": order.zone.name,
            "tariff_class": _TARIFF_NAMES[order.tariff],
            "created_datetime": _iso(self.clock.wall(order.created_at), order.zone),
            "local_created_datetime": _iso(self.clock.wall(order.created_at), order.zone),
            "due_datetime": _iso(order.due_date, order.zone),
            "local_due_datetime": _iso(order.due_date, order.zone),
            "source_fullname": order.route[0].fullname or "",
            "source_geopoint": list(order.route[0].geopoint),
            "destination_fullname": order.route[-1].fullname or "",
            "destination": list(order.route[-1].geopoint),
            "distance": round(order.km() * 1000),
            "cost": cost,
            "cost_w_vat": round(cost * (1 + VAT), 2),
            "ride_cost": cost,
            "total_cost": round(cost * (1 + VAT), 2),
            "discount": 0.0,
            "discounted_cost": cost,
            "vat": round(cost * VAT, 2),
            "sales_tax": 0.0,
            "order_method": "API",
            "requirements": [{"name": name} for name in order.requirements],
        }
        if ride_status is not None:
            row["ride_status"] = {"value": ride_status[0], "text": ride_status[1]}
            row["finish_datetime"] = _iso(self.clock.wall(order.finished_at()), order.zone)
        if order.comment is not None:
            row["comment"] = order.comment
        # orders-taxi-report: `department` "Актуальное подразделение", `department_path`,
        # `cost_center` "Центр затрат", `old_department` "Подразделение сотрудника на момент
        # заказа" — for an employee who has them.
        row.update(self._employee_report(order.client_id, order.user_id))
        if order.old_department is not None:
            row["old_department"] = order.old_department
        return row


def _cancel_state(status: str) -> str:
    return "paid" if status in ("waiting", "transporting") else "free"


def _cancel_rules(status: str) -> JSONObject:
    if status in FINAL:
        return {"can_cancel": False, "title": "Заказ завершён", "message": "Отмена невозможна"}
    if status == "transporting":
        return {
            "can_cancel": False,
            "state": "paid",
            "title": "Поездка идёт",
            "message": "Во время поездки отмена невозможна",
        }
    if status == "waiting":
        return {
            "can_cancel": True,
            "state": "paid",
            "title": "Платная отмена",
            "message": "Водитель ждёт: отмена платная",
        }
    return {
        "can_cancel": True,
        "state": "free",
        "title": "Бесплатная отмена",
        "message": (
            "Сейчас отмена бесплатна. После приезда водителя за нее, возможно, придется заплатить"
        ),
    }


def _coordinate(field: str, text: str | None, bound: float) -> float:
    if not text:
        raise invalid(field, f"missing query parameter {field!r}")
    try:
        value = float(text)
    except ValueError:
        raise invalid(field, f"{field} must be a number") from None
    if not (math.isfinite(value) and -bound <= value <= bound):
        raise ApiError(404, "ZONE_NOT_FOUND", "Zone not found")
    return value


def query_flag(query: Mapping[str, str], name: str) -> bool:
    """A `true`/`false` query parameter (absent: false)."""
    text = query.get(name)
    if text is None:
        return False
    if text not in ("true", "false"):
        raise invalid(name, f"{name} must be true or false")
    return text == "true"
