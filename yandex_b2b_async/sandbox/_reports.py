"""The sandbox's other services: refuellings (tanker), food and grocery orders (eats) and
business trips (travels). Nothing places these through the API; tests seed them with the
`Sandbox.add_*` helpers and read them through the list endpoints, each paging as its page
documents (tanker by closing time, eats by `cursor`, travels by `next_cursor`): orders-tanker
(`limit` "от 1 до 1000", UTC moments without a zone), orders-eats-list (150 by default),
orders-travels-list (`limit` "от 1 до 10"). The eats list's `limit` over 1000 is refused in
strict mode only (assumed: its page sets no bound). Plain Python.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Final

from ._checks import (
    check_keys,
    check_limit,
    date,
    decode_cursor,
    encode_cursor,
    expect_object,
    integer,
    invalid,
    iso_datetime,
    new_id,
    string,
)
from .state import JSONObject, JSONValue

__all__ = ["Reports"]

_MSK: Final = datetime.timezone(datetime.timedelta(hours=3))


def _utc_naive(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).replace(tzinfo=None).isoformat(timespec="microseconds")


def _query_moment(field: str, text: str | None) -> datetime.datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise invalid(field, f"{field} must be YYYY-MM-DDThh:mm:ss.sss (UTC)") from None
    if moment.tzinfo is not None:
        raise invalid(field, f"{field} is UTC without a zone")
    return moment.replace(tzinfo=datetime.UTC)


class Reports:
    """Seeded records of the tanker, eats and travels services, per client."""

    def __init__(self, *, strict: Callable[[], bool] = lambda: False) -> None:
        """`strict()` says whether the assumptions that refuse what the pages allow apply."""
        self._strict = strict
        self.tanker: list[tuple[str, datetime.datetime, JSONObject]] = []
        self.eats: list[tuple[str, datetime.datetime, JSONObject]] = []
        self.travels: list[tuple[str, datetime.datetime, JSONObject]] = []

    def clear(self) -> None:
        """Forget every record."""
        self.tanker.clear()
        self.eats.clear()
        self.travels.clear()

    # --- seeding -------------------------------------------------------------------------------

    def add_tanker(
        self,
        client_id: str,
        *,
        user_id: str,
        closed_at: datetime.datetime,
        fuel_type: str = "a95",
        liters: float = 30.0,
        price: float = 1650.0,
        station: tuple[float, float] = (37.8636, 55.741842),
    ) -> str:
        """A refuelling closed at `closed_at` (aware); returns its id."""
        order_id = new_id()
        record: JSONObject = {
            "id": order_id,
            "client_id": client_id,
            "user_id": user_id,
            "created_at": (closed_at - datetime.timedelta(minutes=2))
            .astimezone(_MSK)
            .isoformat(timespec="microseconds"),
            "closed_at": closed_at.astimezone(_MSK).isoformat(timespec="microseconds"),
            "fuel_type": fuel_type,
            "final_price": f"{price:g}",
            "liters_filled": f"{liters:g}",
            "station_location": list(station),
        }
        self.tanker.append((client_id, closed_at, record))
        self.tanker.sort(key=lambda entry: entry[1])
        return order_id

    def add_eats(
        self,
        client_id: str,
        *,
        user_id: str,
        created_at: datetime.datetime,
        restaurant: str = "Sandbox Pizza",
        items: tuple[tuple[str, float], ...] = (("Пицца", 590.0), ("Доставка", 59.0)),
        status: str = "delivered",
    ) -> str:
        """A food order made at `created_at` (aware); returns its id."""
        order_id = f"{created_at:%y%m%d}-{new_id()[:7]}"
        total = sum(cost for _, cost in items)
        record: JSONObject = {
            "id": order_id,
            "user_id": user_id,
            "status": status,
            "created_at": created_at.astimezone(_MSK).isoformat(),
            "closed_at": (created_at + datetime.timedelta(hours=1)).astimezone(_MSK).isoformat(),
            "restaurant_name": restaurant,
            "destination_address": "Мясницкая улица, 40А",
            "order_calculation": [
                {
                    "name": name,
                    "cost": f"{cost:.4f}",
                    "vat": f"{cost * 0.2:.4f}",
                    "cost_with_vat": f"{cost * 1.2:.4f}",
                    "modifiers": [],
                    "count": 1,
                }
                for name, cost in items
            ],
            "final_cost": f"{total:.4f}",
            "vat": f"{total * 0.2:.4f}",
            "final_cost_with_vat": f"{total * 1.2:.4f}",
            "currency": "RUB",
        }
        self.eats.append((client_id, created_at, record))
        return order_id

    def add_travel(
        self,
        client_id: str,
        *,
        name: str,
        date_from: datetime.date,
        date_to: datetime.date,
        traveller_id: str,
        created_at: datetime.datetime,
        city: str = "Москва",
    ) -> str:
        """A business trip with one hotel booking; returns its id."""
        travel_id = new_id()
        record: JSONObject = {
            "id": travel_id,
            "name": name,
            "date_from": date_from.isoformat(),
            "date_to": date_to.isoformat(),
            "created_at": created_at.isoformat(),
            "hotel_reservations": [
                {
                    "id": new_id(),
                    "external_id": new_id()[:8],
                    "country": "Россия",
                    "city": city,
                    "hotel_address": f"{city}, улица Песочная, 1",
                    "hotel_name": "Отель Песочница",
                    "room_name": "Стандарт",
                    "price": {"value": "5000.00", "currency": "RUB"},
                    "stars": 3,
                    "users": [{"id": traveller_id, "fullname": "Командированный сотрудник"}],
                    "date_from": date_from.isoformat(),
                    "date_until": date_to.isoformat(),
                }
            ],
            "train_trips": [],
            "avia_reservations": [],
        }
        self.travels.append((client_id, created_at, record))
        return travel_id

    # --- the list endpoints --------------------------------------------------------------------

    def list_tanker(
        self,
        client_id: str,
        *,
        user_id: str | None,
        limit: int,
        since: str | None,
        till: str | None,
    ) -> JSONObject:
        """`GET /orders/tanker`: `since <= closed_at < till`, by closing time, at most `limit`
        (orders-tanker: "Может принимать значение от 1 до 1000")."""
        check_limit(limit, bounded=True)
        low = _query_moment("since_datetime", since)
        high = _query_moment("till_datetime", till)
        chosen = [
            (closed, record)
            for owner, closed, record in self.tanker
            if owner == client_id
            and (user_id is None or record["user_id"] == user_id)
            and (low is None or closed >= low)
            and (high is None or closed < high)
        ][:limit]
        answer: JSONObject = {"orders": [record for _, record in chosen]}
        if chosen:
            answer["last_closed_at"] = _utc_naive(chosen[-1][0])
        return answer

    def list_eats(
        self,
        client_id: str,
        body: JSONValue,
        *,
        limit: int,
        cursor: str | None,
        sorting_order: str,
    ) -> JSONObject:
        """`POST /orders/eats/list`: newest first by default; `cursor` on every page but the
        last. A `limit` over 1000 is refused in strict mode only (the page sets no bound)."""
        check_limit(limit, bounded=self._strict())
        if sorting_order not in ("asc", "desc"):
            raise invalid("sorting_order", "sorting_order must be asc or desc")
        data = {} if body is None else expect_object(body)
        check_keys(data, {"user_ids"})
        wanted: set[str] | None = None
        if "user_ids" in data:
            ids = data["user_ids"]
            if not isinstance(ids, list):
                raise invalid("user_ids", "user_ids must be a list")
            wanted = {string(f"user_ids[{index}]", item) for index, item in enumerate(ids)}
        chosen = sorted(
            (
                (created, record)
                for owner, created, record in self.eats
                if owner == client_id and (wanted is None or record["user_id"] in wanted)
            ),
            key=lambda entry: entry[0],
            reverse=sorting_order == "desc",
        )
        start = decode_cursor(cursor)
        page = chosen[start : start + limit]
        answer: JSONObject = {
            "orders": [record for _, record in page],
            "limit": limit,
            "sorting_order": sorting_order,
        }
        if start + len(page) < len(chosen):
            answer["cursor"] = encode_cursor(start + len(page))
        return answer

    def list_travels(self, client_id: str, body: JSONValue) -> JSONObject:
        """`POST /travels/list`: at most 10 trips a page, `next_cursor` while more remain."""
        data = {} if body is None else expect_object(body)
        check_keys(
            data,
            {"name", "date_from", "date_to", "cursor", "limit", "updated_at_from", "updated_at_to"},
        )
        limit = integer("limit", data["limit"], low=1, high=10) if "limit" in data else 10
        name = string("name", data["name"]) if "name" in data else None
        first = date("date_from", data["date_from"]) if "date_from" in data else None
        last = date("date_to", data["date_to"]) if "date_to" in data else None
        updated_from = (
            iso_datetime("updated_at_from", data["updated_at_from"])
            if "updated_at_from" in data
            else None
        )
        updated_to = (
            iso_datetime("updated_at_to", data["updated_at_to"])
            if "updated_at_to" in data
            else None
        )
        cursor = string("cursor", data["cursor"]) if "cursor" in data else None
        chosen = []
        for owner, created, record in self.travels:
            if owner != client_id:
                continue
            if name is not None and name.lower() not in str(record["name"]).lower():
                continue
            trip_from = datetime.date.fromisoformat(str(record["date_from"]))
            trip_to = datetime.date.fromisoformat(str(record["date_to"]))
            if first is not None and trip_to < first:
                continue
            if last is not None and trip_from > last:
                continue
            if updated_from is not None and created < updated_from:
                continue
            if updated_to is not None and created > updated_to:
                continue
            chosen.append(record)
        start = decode_cursor(cursor)
        page = chosen[start : start + limit]
        answer: JSONObject = {"travel_items": list(page)}
        if start + len(page) < len(chosen):
            answer["next_cursor"] = encode_cursor(start + len(page))
        return answer
