"""The services beside the employees: taxi orders, zones, promocodes, the fleet, and the tanker,
eats and travels lists — their state on one clock (stopped, or running at a time factor), and
their endpoints as declarations. Each service reads the state's `strict` flag: the assumptions
that refuse what the pages allow apply only then (docs/sandbox.md lists them).

`services_of(state)` is the services' data kept beside a `State` (one per state, made on first
use), so `state.py` stays the employees' rules alone. `SERVICE_ENDPOINTS` lists what `app.py`
serves: (method, path under `/integration/2.0`, function of the state and the call, the query
parameters taken, whether a JSON body is required). The functions only translate a call into
the rules of `_orders`, `_promocodes`, `_vehicles` and `_reports`.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Final

from ._checks import ManualClock, idempotency_token, invalid, iso_datetime
from ._orders import TaxiOrders, query_flag
from ._promocodes import Promocodes
from ._query import CallView, required_param
from ._reports import Reports
from ._vehicles import Fleet
from .state import DEFAULT_PAGE_LIMIT, Department, JSONObject, JSONValue, State

__all__ = ["SERVICE_ENDPOINTS", "Services", "services_of"]


class Services:
    """The services' data of one sandbox, on one manual clock."""

    def __init__(self, state: State) -> None:
        self.clock = ManualClock()

        def strict() -> bool:
            return state.strict

        self.taxi = TaxiOrders(
            self.clock,
            user_exists=lambda c, u: _active_user(state, c, u),
            employee_report=lambda c, u: _employee_report(state, c, u),
            strict=strict,
        )
        self.promocodes = Promocodes(self.clock, strict=strict)
        self.fleet = Fleet(
            self.clock, department_of=lambda c, u: _department(state, c, u), strict=strict
        )
        self.reports = Reports(strict=strict)

    def clear(self) -> None:
        """Forget every order, series, car and record, and set the clock back to its start."""
        self.clock.reset()
        self.taxi.clear()
        self.promocodes.clear()
        self.fleet.clear()
        self.reports.clear()


_SERVICES: Final[weakref.WeakKeyDictionary[State, Services]] = weakref.WeakKeyDictionary()


def services_of(state: State) -> Services:
    """The services' data kept beside `state` (made on first use)."""
    services = _SERVICES.get(state)
    if services is None:
        services = _SERVICES[state] = Services(state)
    return services


def _active_user(state: State, client_id: str, user_id: str) -> bool:
    client = state.clients.get(client_id)
    employee = client.users.get(user_id) if client is not None else None
    return employee is not None and not employee.is_deleted


def _employee_report(state: State, client_id: str, user_id: str) -> JSONObject:
    """The taxi report's fields of an employee: the name of their department and the chain of
    names from the root down to it, and their cost center's name (those they have)."""
    client = state.clients.get(client_id)
    employee = client.users.get(user_id) if client is not None else None
    if client is None or employee is None:
        return {}
    out: JSONObject = {}
    cost_center = client.cost_centers.get(employee.cost_centers_id)
    if cost_center is not None:
        out["cost_center"] = cost_center.name
    department = client.departments.get(employee.department_id or "")
    if department is not None:
        path: list[JSONValue] = []
        current: Department | None = department
        while current is not None:
            path.insert(0, current.name)
            current = client.departments.get(current.parent_id or "")
        out["department"] = department.name
        out["department_path"] = path
    return out


def _department(state: State, client_id: str, user_id: str) -> str | None:
    client = state.clients.get(client_id)
    employee = client.users.get(user_id) if client is not None else None
    return employee.department_id if employee is not None else None


def _int(call: CallView, name: str, default: int | None) -> int | None:
    text = call.query.get(name)
    if text is None:
        return default
    negative = text.startswith("-")
    digits = text[1:] if negative else text
    if not (digits.isascii() and digits.isdigit()):
        raise invalid(name, f"query parameter {name!r} must be an integer, got {text!r}")
    return -int(digits) if negative else int(digits)


def _limit(call: CallView, default: int) -> int:
    value = _int(call, "limit", default)
    assert value is not None
    return value


# --- taxi --------------------------------------------------------------------------------------


def _orders_create(state: State, call: CallView) -> JSONValue:
    token = idempotency_token(call.headers)
    return services_of(state).taxi.create(call.client_id, token, call.body)


def _orders_routestats(state: State, call: CallView) -> JSONValue:
    return services_of(state).taxi.routestats(call.client_id, call.body)


def _orders_progress(state: State, call: CallView) -> JSONValue:
    return services_of(state).taxi.progress(call.client_id, required_param(call, "order_id"))


def _orders_info(state: State, call: CallView) -> JSONValue:
    return services_of(state).taxi.info(call.client_id, required_param(call, "order_id"))


def _orders_cancel(state: State, call: CallView) -> JSONValue:
    return services_of(state).taxi.cancel(
        call.client_id, required_param(call, "order_id"), call.body
    )


def _orders_change_destinations(state: State, call: CallView) -> JSONValue:
    return services_of(state).taxi.change_destinations(
        call.client_id, required_param(call, "order_id"), call.body
    )


def _orders_feedback(state: State, call: CallView) -> JSONValue:
    # The page describes "an empty 200"; the sandbox answers {} with a JSON content type.
    return services_of(state).taxi.feedback(
        call.client_id, required_param(call, "order_id"), call.body
    )


def _orders_list(state: State, call: CallView) -> JSONValue:
    since = call.query.get("since_datetime")
    till = call.query.get("till_datetime")
    direction = _int(call, "sorting_direction", -1)
    offset = _int(call, "offset", 0)
    assert direction is not None
    assert offset is not None
    if offset < 0:
        raise invalid("offset", "offset must be >= 0")
    return services_of(state).taxi.list_orders(
        call.client_id,
        limit=_limit(call, DEFAULT_PAGE_LIMIT),
        offset=offset,
        user_id=call.query.get("user_id"),
        sorting_field=call.query.get("sorting_field", "due_date"),
        sorting_direction=direction,
        since=None if since is None else iso_datetime("since_datetime", since),
        till=None if till is None else iso_datetime("till_datetime", till),
    )


def _orders_active(state: State, call: CallView) -> JSONValue:
    return services_of(state).taxi.active(call.client_id, required_param(call, "user_id"))


def _orders_report(state: State, call: CallView) -> JSONValue:
    return services_of(state).taxi.report(call.client_id, call.body)


def _zoneinfo(state: State, call: CallView) -> JSONValue:
    return services_of(state).taxi.zoneinfo(call.query.get("lat"), call.query.get("lon"))


# --- promocodes --------------------------------------------------------------------------------


def _promocodes_create(state: State, call: CallView) -> JSONValue:
    token = idempotency_token(call.headers)
    return services_of(state).promocodes.create(call.client_id, token, call.body)


def _promocodes_cancel(state: State, call: CallView) -> JSONValue:
    return services_of(state).promocodes.cancel(call.client_id, required_param(call, "order_id"))


def _promocodes_list(state: State, call: CallView) -> JSONValue:
    return services_of(state).promocodes.list_series(
        call.client_id, limit=_int(call, "limit", None), cursor=call.query.get("cursor")
    )


def _promocodes_info(state: State, call: CallView) -> JSONValue:
    return services_of(state).promocodes.info(call.client_id, required_param(call, "order_id"))


def _promocodes_codes(state: State, call: CallView) -> JSONValue:
    return services_of(state).promocodes.codes(
        call.client_id,
        required_param(call, "order_id"),
        limit=_limit(call, DEFAULT_PAGE_LIMIT),
        cursor=call.query.get("cursor"),
    )


# --- vehicles ----------------------------------------------------------------------------------


def _vehicles_create(state: State, call: CallView) -> JSONValue:
    token = idempotency_token(call.headers)
    return services_of(state).fleet.bulk_create(call.client_id, token, call.body)


def _vehicles_update(state: State, call: CallView) -> JSONValue:
    # "No body" on the page, `{ }` in its example: the sandbox answers {} (JSON).
    token = idempotency_token(call.headers)
    return services_of(state).fleet.bulk_update(call.client_id, token, call.body)


def _vehicles_archive(state: State, call: CallView) -> JSONValue:
    token = idempotency_token(call.headers)
    return services_of(state).fleet.bulk_archive(call.client_id, token, call.body)


def _vehicles_list(state: State, call: CallView) -> JSONValue:
    return services_of(state).fleet.list_vehicles(
        call.client_id,
        limit=_limit(call, DEFAULT_PAGE_LIMIT),
        cursor=call.query.get("cursor"),
        user_id=call.query.get("user_id"),
        include_deleted=query_flag(call.query, "include_deleted"),
    )


# --- tanker, eats, travels ---------------------------------------------------------------------


def _tanker(state: State, call: CallView) -> JSONValue:
    return services_of(state).reports.list_tanker(
        call.client_id,
        user_id=call.query.get("user_id"),
        limit=_limit(call, DEFAULT_PAGE_LIMIT),
        since=call.query.get("since_datetime"),
        till=call.query.get("till_datetime"),
    )


def _eats(state: State, call: CallView) -> JSONValue:
    return services_of(state).reports.list_eats(
        call.client_id,
        call.body,
        limit=_limit(call, 150),
        cursor=call.query.get("cursor"),
        sorting_order=call.query.get("sorting_order", "desc"),
    )


def _travels(state: State, call: CallView) -> JSONValue:
    return services_of(state).reports.list_travels(call.client_id, call.body)


_Run = Callable[[State, CallView], JSONValue]
_ORDER_ID: Final = frozenset({"order_id"})
_LIST: Final = frozenset(
    {
        "limit",
        "offset",
        "user_id",
        "sorting_field",
        "sorting_direction",
        "since_datetime",
        "till_datetime",
    }
)
# The eats page documents limit and cursor; Yandex's SDK also sends these filters.
_EATS_QUERY: Final = frozenset(
    {
        "limit",
        "cursor",
        "since_datetime",
        "till_datetime",
        "since_date",
        "till_date",
        "sorting_order",
    }
)

SERVICE_ENDPOINTS: Final[tuple[tuple[str, str, _Run, frozenset[str], bool], ...]] = (
    ("POST", "/orders/create", _orders_create, frozenset(), True),
    ("POST", "/orders/routestats", _orders_routestats, frozenset(), True),
    ("GET", "/orders/progress", _orders_progress, _ORDER_ID, False),
    ("POST", "/orders/change-destinations", _orders_change_destinations, _ORDER_ID, True),
    ("POST", "/orders/cancel", _orders_cancel, _ORDER_ID, True),
    ("POST", "/orders/feedback", _orders_feedback, _ORDER_ID, True),
    ("GET", "/orders/info", _orders_info, _ORDER_ID, False),
    ("GET", "/orders/list", _orders_list, _LIST, False),
    ("GET", "/orders/active", _orders_active, frozenset({"user_id"}), False),
    ("POST", "/orders/taxi/report", _orders_report, frozenset(), True),
    ("GET", "/zoneinfo", _zoneinfo, frozenset({"lat", "lon"}), False),
    ("POST", "/promocodes/orders/create", _promocodes_create, frozenset(), True),
    ("POST", "/promocodes/orders/cancel", _promocodes_cancel, _ORDER_ID, False),
    ("GET", "/promocodes/orders/list", _promocodes_list, frozenset({"limit", "cursor"}), False),
    ("GET", "/promocodes/orders/info", _promocodes_info, _ORDER_ID, False),
    (
        "GET",
        "/promocodes/orders/codes/list",
        _promocodes_codes,
        frozenset({"order_id", "limit", "cursor"}),
        False,
    ),
    ("POST", "/vehicles/bulk-create", _vehicles_create, frozenset(), True),
    ("POST", "/vehicles/bulk-update", _vehicles_update, frozenset(), True),
    ("POST", "/vehicles/bulk-archive", _vehicles_archive, frozenset(), True),
    (
        "GET",
        "/vehicles/list",
        _vehicles_list,
        frozenset({"limit", "cursor", "user_id", "include_deleted"}),
        False,
    ),
    (
        "GET",
        "/orders/tanker",
        _tanker,
        frozenset({"user_id", "limit", "since_datetime", "till_datetime"}),
        False,
    ),
    ("POST", "/orders/eats/list", _eats, _EATS_QUERY, False),
    # The travels page says /travels/list; the request index says /orders/travels/list.
    ("POST", "/travels/list", _travels, frozenset(), False),
    ("POST", "/orders/travels/list", _travels, frozenset(), False),
)
