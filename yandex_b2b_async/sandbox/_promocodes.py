"""The sandbox's promocode series: ordered (one `X-Idempotency-Token`, one series), listed,
read, cancelled while no code is used, and their codes listed.

The create page's table is enforced (promocodes-orders-create): a code's value 100-5,000 (30,000
for grocery and eats), 5 to 1,000 codes, a name of 1-256 characters, `active_until` at most 90
days after the request (by the sandbox's clock). In strict mode only (assumed: no page says it),
`active_from` is not in the past and `active_until` not before it. Plain Python, no HTTP.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Final

import attrs

from ._checks import (
    ManualClock,
    check_keys,
    check_limit,
    date,
    decode_cursor,
    encode_cursor,
    expect_object,
    integer,
    invalid,
    new_id,
    string,
    string_list,
)
from .state import ApiError, JSONObject, JSONValue

__all__ = ["PromocodeSeries", "Promocodes"]

_VALUE_RANGE: Final = {
    "taxi": (100, 5_000),
    "fuel": (100, 5_000),
    "cargo": (100, 5_000),
    "grocery": (100, 30_000),
    "eats": (100, 30_000),
}
_FIELDS: Final = frozenset(
    {
        "name",
        "value",
        "count",
        "service",
        "active_from",
        "active_until",
        "bin_ranges",
        "bank_name",
        "geo_restrictions",
        "classes",
        "max_usages_count",
    }
)
MAX_ACTIVE_DAYS: Final = 90


@attrs.define(kw_only=True)
class _Code:
    id: str
    code: str
    used_at: list[str] = attrs.field(factory=list)
    revoked: bool = False

    def to_json(self) -> JSONObject:
        status = "revoked" if self.revoked else ("used" if self.used_at else "active")
        return {
            "id": self.id,
            "code": self.code,
            "status": status,
            "is_revoked": self.revoked,
            "usages": [{"used_at": moment} for moment in self.used_at],
        }


@attrs.define(kw_only=True)
class PromocodeSeries:
    """A promocode order as stored."""

    order_id: str
    client_id: str
    seq: int
    token: str
    body: JSONObject
    service: str
    value: int
    count: int
    active_until: str
    status: str = "creation_success"
    codes: list[_Code] = attrs.field(factory=list)

    def to_json(self) -> JSONObject:
        cost = self.value * self.count
        out: JSONObject = {
            "order_id": self.order_id,
            "status": self.status,
            "service": self.service,
            "value": self.value,
            "count": self.count,
            "active_until": self.active_until,
            "revoke_count": sum(code.revoked for code in self.codes),
            "pricing": {
                "cost": f"{cost:.2f}",
                "cost_with_vat": f"{cost * 1.2:.2f}",
                "currency": "RUB",
                "vat": "0.20",
            },
        }
        for key in ("bin_ranges", "bank_name", "classes"):
            if key in self.body:
                out[key] = self.body[key]
        if "geo_restrictions" in self.body and isinstance(self.body["geo_restrictions"], list):
            out["geo_restrictions"] = [
                _geo_info(item) for item in self.body["geo_restrictions"] if isinstance(item, dict)
            ]
        return out


def _geo_info(item: JSONObject) -> JSONObject:
    out: JSONObject = {}
    for side in ("source", "destination"):
        point = item.get(side)
        if isinstance(point, dict):
            out[side] = {
                "corp_geo_id": point.get("geo_restriction_id"),
                "name": "Район",
                "geo": {"center": [55.754572, 37.621182], "radius": 200},
            }
    if "max_intermediate_points" in item:
        out["max_intermediate_points"] = item["max_intermediate_points"]
    return out


class Promocodes:
    """Every client's promocode series on the services' clock."""

    def __init__(self, clock: ManualClock, *, strict: Callable[[], bool] = lambda: False) -> None:
        """`strict()` says whether the assumptions that refuse what the pages allow apply."""
        self.clock = clock
        self._strict = strict
        self.series: dict[str, PromocodeSeries] = {}
        self._by_token: dict[tuple[str, str], str] = {}
        self._seq = 0

    def clear(self) -> None:
        """Forget every series."""
        self.series.clear()
        self._by_token.clear()

    def create(self, client_id: str, token: str, body: JSONValue) -> JSONObject:
        """`POST /promocodes/orders/create` with its `X-Idempotency-Token`."""
        data = expect_object(body)
        known = self._by_token.get((client_id, token))
        if known is not None:
            # orders-create / promocodes-orders-create: "Одному токену идемпотентности
            # соответствует один заказ" — the token's order is answered again. Refusing the
            # token with another body is an assumption: strict only.
            if self.series[known].body != data and self._strict():
                raise ApiError(
                    409,
                    "IDEMPOTENCY_TOKEN_REUSED",
                    "this X-Idempotency-Token was used for another order: make a new one",
                )
            return {"order_id": known}
        check_keys(data, _FIELDS, {"value", "count", "active_until"})
        service = string("service", data["service"]) if "service" in data else "taxi"
        if service not in _VALUE_RANGE:
            raise invalid("service", "service must be taxi, grocery, eats, fuel or cargo")
        low, high = _VALUE_RANGE[service]
        value = integer("value", data["value"], low=low, high=high)
        count = integer("count", data["count"], low=5, high=1_000)
        if "name" in data:
            name = string("name", data["name"])
            if len(name) > 256:
                raise invalid("name", "name must be 1 to 256 characters")
        today = self.clock.wall().date()
        active_from = date("active_from", data["active_from"]) if "active_from" in data else today
        active_until = date("active_until", data["active_until"])
        # Assumed (strict only): the page sets no bound on active_from, nor its order.
        if active_from < today and self._strict():
            raise invalid("active_from", "active_from is in the past")
        if active_until < active_from and self._strict():
            raise invalid("active_until", "active_until is before active_from")
        # The create page's table: active_until "не более 90 дней", counted from the request.
        if active_until > today + datetime.timedelta(days=MAX_ACTIVE_DAYS):
            raise invalid("active_until", f"at most {MAX_ACTIVE_DAYS} days after the request")
        if "bin_ranges" in data:
            ranges = data["bin_ranges"]
            if not isinstance(ranges, list):
                raise invalid("bin_ranges", "bin_ranges must be a list of pairs")
            for index, pair in enumerate(ranges):
                bounds = string_list(f"bin_ranges[{index}]", pair)
                if len(bounds) != 2 or not all(bound.isdigit() for bound in bounds):
                    raise invalid(f"bin_ranges[{index}]", "a BIN range is two strings of digits")
        if "bank_name" in data:
            bank = expect_object(data["bank_name"], "bank_name")
            check_keys(bank, {"ru", "en"}, {"ru", "en"})
            string("bank_name.ru", bank["ru"])
            string("bank_name.en", bank["en"])
        if "classes" in data:
            string_list("classes", data["classes"])
        if "max_usages_count" in data:
            integer("max_usages_count", data["max_usages_count"], low=1, high=1_000_000)
        if "geo_restrictions" in data:
            self._check_geo(data["geo_restrictions"])
        self._seq += 1
        series = PromocodeSeries(
            order_id=new_id(),
            client_id=client_id,
            seq=self._seq,
            token=token,
            body=data,
            service=service,
            value=value,
            count=count,
            active_until=active_until.isoformat(),
            codes=[_Code(id=new_id(), code=f"b2b{new_id()[:9]}") for _ in range(count)],
        )
        self.series[series.order_id] = series
        self._by_token[(client_id, token)] = series.order_id
        return {"order_id": series.order_id}

    @staticmethod
    def _check_geo(value: JSONValue) -> None:
        if not isinstance(value, list):
            raise invalid("geo_restrictions", "geo_restrictions must be a list")
        for index, item in enumerate(value):
            field = f"geo_restrictions[{index}]"
            entry = expect_object(item, field)
            check_keys(entry, {"source", "destination", "max_intermediate_points"})
            for side in ("source", "destination"):
                if side in entry:
                    point = expect_object(entry[side], f"{field}.{side}")
                    check_keys(point, {"geo_restriction_id"}, {"geo_restriction_id"})
                    string(f"{field}.{side}.geo_restriction_id", point["geo_restriction_id"])
            if "max_intermediate_points" in entry:
                integer(
                    f"{field}.max_intermediate_points",
                    entry["max_intermediate_points"],
                    low=0,
                    high=100,
                )

    def cancel(self, client_id: str, order_id: str) -> JSONObject:
        """`POST /promocodes/orders/cancel`: only while no code of the series was used
        (promocodes-orders-cancel: "Отменить серию промокодов можно только в том случае, если
        не один промокод из этого заказа не был использован", 409). Cancelling a cancelled
        series again is 409 `ALREADY_CANCELLED` in strict mode only (assumed); otherwise it
        answers "cancelled" again."""
        series = self._series(client_id, order_id)
        if series.status == "cancelled" and self._strict():
            raise ApiError(409, "ALREADY_CANCELLED", "the order is cancelled already")
        if any(code.used_at for code in series.codes):
            raise ApiError(
                409, "CODES_USED", "a code of this order was used: it cannot be cancelled"
            )
        series.status = "cancelled"
        for code in series.codes:
            code.revoked = True
        return {"status": "cancelled"}

    def info(self, client_id: str, order_id: str) -> JSONObject:
        """`GET /promocodes/orders/info`."""
        return self._series(client_id, order_id).to_json()

    def list_series(self, client_id: str, *, limit: int | None, cursor: str | None) -> JSONObject:
        """`GET /promocodes/orders/list`: `limit` is required; cursor pages, oldest first."""
        if limit is None:
            raise invalid("limit", "missing query parameter 'limit'")
        # The page sets no bound: over 1000 is refused in strict mode only (assumed).
        check_limit(limit, bounded=self._strict())
        mine = [series for series in self.series.values() if series.client_id == client_id]
        start = decode_cursor(cursor, len(mine))
        page = mine[start : start + limit]
        answer: JSONObject = {"orders": [series.to_json() for series in page]}
        if page:
            answer["next_cursor"] = encode_cursor(start + len(page))
        return answer

    def codes(self, client_id: str, order_id: str, *, limit: int, cursor: str | None) -> JSONObject:
        """`GET /promocodes/orders/codes/list`."""
        check_limit(limit, bounded=self._strict())
        series = self._series(client_id, order_id)
        start = decode_cursor(cursor, len(series.codes))
        page = series.codes[start : start + limit]
        answer: JSONObject = {"codes": [code.to_json() for code in page]}
        if start + len(page) < len(series.codes):
            answer["next_cursor"] = encode_cursor(start + len(page))
        return answer

    def use(self, client_id: str, order_id: str) -> str:
        """Use one active code of the series (as a rider would); returns its id."""
        series = self._series(client_id, order_id)
        for code in series.codes:
            if not code.used_at and not code.revoked:
                code.used_at.append(self.clock.wall().isoformat().replace("+00:00", "Z"))
                return code.id
        raise ApiError(409, "NO_ACTIVE_CODE", "every code of the order is used or revoked")

    def _series(self, client_id: str, order_id: str) -> PromocodeSeries:
        series = self.series.get(order_id)
        if series is None or series.client_id != client_id:
            raise ApiError(404, "ORDER_NOT_FOUND", f"no promocode order {order_id!r}")
        return series
