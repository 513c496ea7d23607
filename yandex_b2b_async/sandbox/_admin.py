"""The sandbox's rules for the account's administration: limits, cost centers (create and
update), departments' taxi budgets, manager roles, geo restrictions and spending.

Plain Python over plain data, like `state.py`: no HTTP here. `AdminRules` keeps what `State`
does not (limits, areas, manager roles, spending) per client, and reads and changes the
`State`'s employees, departments and cost centers. Each method named after an API call takes
the authorized client id and the raw decoded JSON, and raises `ApiError` where the API answers
an error. Each rule names its page (under `/work/shared/api-docs/more/` in the project's
notes: the file and its wording); a rule no page states is an *assumption*, marked so. An
assumption that refuses what the pages allow applies only in strict mode (`State.strict`,
`Sandbox(strict=True)`); docs/sandbox.md lists every assumption in one table.

- unknown ids are 404 (limits-get, departments-limits-taxi-*, managers-update: "менеджера …
  не существует", geo-restrictions-update/-delete: "указанная запись не найдена",
  limits-personal-update for the employee);
- a limit counts its employees: `counters.users` is the number of active employees whose
  `limits` hold it; the search filters by department, employee, service and exact title
  (limits-search);
- a personal limit is one per employee and service (assumed, refuses nothing): setting it
  again replaces it and keeps its id; the employee's `limits` then hold it for that service;
  its `title`, `service` and, for taxi, `categories` are required (limits-personal-update:
  "Обязательность: Да");
- a personal limit's geo rules must name existing areas (400, limits-personal-update's "invalid
  value"); an area a limit uses cannot be deleted (400 `GEO_RESTRICTION_IN_USE`: assumed, the
  delete page lists no such code; strict only);
- a manager role: `fullname`, `email`, `phone`, `yandex_login`, `role` required and
  `department_id` optional (managers-create.en-partial's table). Strict only, as assumptions:
  a department manager or secretary names a department (400), the role's phone is an active
  employee's (400 `EMPLOYEE_NOT_FOUND`), a `yandex_login` holds one role (406);
- an area already there is refused on create (geo-restrictions-create: 400 "запись …
  уже существует"): the same name, center and radius; in strict mode the same name alone,
  on create and on update (assumed);
- a cost center's name is unique in a client (406, assumed from departments' "запись …
  уже существует"; strict only), and the main cost center cannot lose
  `default` (406, assumed from cost-centers-update's "обновление ... недоступно"; strict only);
  a cost center made `default` becomes the main one;
- a refusal of these rules carries no `extra` beyond the validation errors' `field` (the id it
  conflicts with is in the message): Yandex's SDK reads `extra.conflict_user_id` from every
  error that has an `extra`, and fails on one without it;
- a department's taxi budget is a number >= 0 or null (no limit), `period` month or quarter
  (departments-limits-taxi-update); without `period`, month (assumed, refuses nothing);
- spending details take at most 100 ids (users-spending-details: "не более 100"); unknown ids
  are left out (assumed, refuses nothing: the page lists no 404).
"""

from __future__ import annotations

import base64
import binascii
import math
import re
import weakref
from collections.abc import Iterable, Mapping
from typing import Final

import attrs

from .state import (
    SERVICES,
    ApiError,
    Client,
    CostCenter,
    Department,
    JSONObject,
    JSONValue,
    Limit,
    SandboxError,
    State,
)

__all__ = [
    "MANAGER_PAGE_LIMIT",
    "MANAGER_ROLES",
    "AdminRules",
    "GeoRecord",
    "LimitRecord",
    "ManagerRecord",
    "rules_for",
]

MANAGER_ROLES: Final = ("department_manager", "department_secretary", "client_manager")
# The managers list page: "Значение от 1 до 100", 10 records without `limit`.
MANAGER_PAGE_LIMIT: Final = 10
_MANAGER_PAGE_MAX: Final = 100
_PERIODS: Final = frozenset({"day", "week", "month", "quarter", "year"})
_BUDGET_PERIODS: Final = frozenset({"month", "quarter"})
_TIME_TYPES: Final = frozenset({"weekly_date", "range_date", "calendar_date"})
_DAYS: Final = frozenset({"mo", "tu", "we", "th", "fr", "sa", "su"})
_FORMATS: Final = frozenset({"select", "text", "mixed"})
_LIMIT_KEYS: Final = frozenset({"orders_cost", "orders_amount", "orders_time", "orders_distance"})
# The personal-limit table names the categories with a Cyrillic first letter; the examples
# (and Yandex's SDK) use the Latin spelling. Both are taken.
_CYRILLIC_CATEGORIES: Final = "\u0441ategories"
# Body fields of a personal limit, and the services each is for (None: every service).
_PERSONAL_FIELDS: Final[Mapping[str, frozenset[str] | None]] = {
    "title": None,
    "client_id": None,
    "service": None,
    "department_id": None,
    "limits": None,
    "time_restrictions": None,
    "categories": frozenset({"taxi", "cargo"}),
    "geo_restrictions": frozenset({"taxi", "eats2", "grocery", "tanker"}),
    "is_qr_enabled": frozenset({"eats2", "grocery"}),
    "fuel_types": frozenset({"tanker"}),
    "cities": frozenset({"drive"}),
    "tariffs": frozenset({"drive"}),
    "cars_classes": frozenset({"drive"}),
    "insurance_types": frozenset({"drive"}),
    "enable_toll_roads": frozenset({"drive", "taxi"}),
    "hotel_policy": frozenset({"travel"}),
    "avia_policy": frozenset({"travel"}),
    "trains_policy": frozenset({"travel"}),
    "taxi_policy": frozenset({"travel"}),
    "allow_reservations_without_approve": frozenset({"travel"}),
    "approve_roles": frozenset({"travel"}),
    "company_funded_allowance_policies": None,
}
_CURSOR_VERSION: Final = "m1"
# "a string with a whole positive number, e.g. "300000"" (spending shows "147614.40" too).
_AMOUNT: Final = re.compile(r"[0-9]+(?:\.[0-9]+)?")


def _invalid(field: str, message: str) -> ApiError:
    return ApiError(400, "VALIDATION_ERROR", message, {"field": field})


def _object(value: JSONValue, what: str) -> JSONObject:
    if not isinstance(value, dict):
        raise ApiError(400, "INVALID_JSON", f"the {what} must be a JSON object")
    return value


def _keys(body: JSONObject, required: Iterable[str], optional: Iterable[str] = ()) -> None:
    needed = tuple(required)
    allowed = {*needed, *optional}
    for key in body:
        if key not in allowed:
            raise _invalid(key, f"unknown field {key!r}")
    for key in needed:
        if key not in body:
            raise _invalid(key, f"missing required field {key!r}")


def _text(field: str, value: JSONValue, *, empty: bool = False) -> str:
    if type(value) is not str:
        raise _invalid(field, f"{field} must be a string")
    if not empty and not value.strip():
        raise _invalid(field, f"{field} must not be empty")
    return value


def _flag(field: str, value: JSONValue) -> bool:
    if type(value) is not bool:
        raise _invalid(field, f"{field} must be a boolean")
    return value


def _number(field: str, value: JSONValue) -> int | float:
    if type(value) not in (int, float) or not math.isfinite(value):  # type: ignore[arg-type]
        raise _invalid(field, f"{field} must be a number")
    assert isinstance(value, int | float)
    return value


def _texts(field: str, value: JSONValue) -> list[JSONValue]:
    if not isinstance(value, list):
        raise _invalid(field, f"{field} must be an array of strings")
    for index, item in enumerate(value):
        _text(f"{field}[{index}]", item)
    return list(value)


def _objects(field: str, value: JSONValue) -> list[JSONObject]:
    if not isinstance(value, list):
        raise _invalid(field, f"{field} must be an array of objects")
    items: list[JSONObject] = []
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            raise _invalid(field, f"{field}[{index}] must be an object")
        items.append(item)
    return items


def _page(limit: int, offset: int) -> None:
    if limit < 1:
        raise _invalid("limit", f"limit must be a positive integer, got {limit}")
    if offset < 0:
        raise _invalid("offset", f"offset must be a non-negative integer, got {offset}")


# --- records -----------------------------------------------------------------------------------


@attrs.define(kw_only=True)
class LimitRecord:
    """A limit as stored: its own fields, and the rest of its body as sent (`details`)."""

    id: str
    title: str
    service: str
    department_id: str | None = None
    is_default: bool = False
    user_id: str | None = None  # the employee of a personal limit
    limits: JSONObject = attrs.Factory(dict)
    time_restrictions: list[JSONObject] = attrs.Factory(list)
    geo_restrictions: list[JSONObject] = attrs.Factory(list)
    details: JSONObject = attrs.Factory(dict)

    def areas(self) -> set[str]:
        """The ids of the areas its geo rules name."""
        return {
            value
            for rule in self.geo_restrictions
            for key in ("source", "destination")
            if isinstance(value := rule.get(key), str)
        }

    def to_json(self, client_id: str, users: int) -> JSONObject:
        """The limit as the search and get pages show it (every list present, as Yandex's
        SDK reads them without defaults)."""
        out: JSONObject = {
            "id": self.id,
            "title": self.title,
            "client_id": client_id,
            "service": self.service,
            "enabled": True,
            "limits": dict(self.limits),
            "geo_restrictions": [dict(rule) for rule in self.geo_restrictions],
            "time_restrictions": [dict(rule) for rule in self.time_restrictions],
            "can_edit": True,
            "counters": {"users": users},
            "is_default": self.is_default,
        }
        if self.department_id is not None:
            out["department_id"] = self.department_id
        if self.service in ("taxi", "cargo"):
            out["categories"] = []
        if self.service == "tanker":
            out["fuel_types"] = []
        if self.service == "travel":
            out.update(
                {
                    "allow_reservations_without_approve": False,
                    "approve_role": "client",
                    "approve_roles": [],
                }
            )
        out.update(self.details)
        return out


@attrs.define(kw_only=True)
class GeoRecord:
    """A ride area; `updated` orders the list (the page: by the time of the last update)."""

    id: str
    name: str
    center: list[JSONValue]
    radius: int
    updated: int = 0

    def to_json(self) -> JSONObject:
        """The area as `GET /geo_restrictions/list` shows it."""
        return {
            "id": self.id,
            "name": self.name,
            "geo_type": "circle",
            "geo": {"center": list(self.center), "radius": self.radius},
        }


@attrs.define(kw_only=True)
class ManagerRecord:
    """A manager role given to a person."""

    id: str
    fullname: str
    email: str
    phone: str
    yandex_login: str
    role: str
    department_id: str | None = None

    def to_json(self) -> JSONObject:
        """The role as `GET /managers/list` shows it."""
        out: JSONObject = {
            "id": self.id,
            "email": self.email,
            "fullname": self.fullname,
            "phone": self.phone,
            "yandex_login": self.yandex_login,
            "role": self.role,
        }
        if self.department_id is not None:
            out["department_id"] = self.department_id
        return out


@attrs.define(kw_only=True)
class _ClientData:
    limits: dict[str, LimitRecord] = attrs.Factory(dict)
    areas: dict[str, GeoRecord] = attrs.Factory(dict)
    managers: dict[str, ManagerRecord] = attrs.Factory(dict)
    # (user_id, limit_id) -> (spent, orders_spent)
    spending: dict[tuple[str, str], tuple[str, int]] = attrs.Factory(dict)


_RULES: Final[weakref.WeakKeyDictionary[State, AdminRules]] = weakref.WeakKeyDictionary()


def rules_for(state: State) -> AdminRules:
    """The administration rules over `state` (one per state, made on first use)."""
    rules = _RULES.get(state)
    if rules is None:
        rules = _RULES[state] = AdminRules(state)
    return rules


class AdminRules:
    """Limits, cost centers, budgets, manager roles, areas and spending over one `State`.

    The `add_*`/`set_*` methods seed directly (as the Dashboard would) and raise
    `SandboxError` on misuse; the others are API calls and raise `ApiError`.
    """

    def __init__(self, state: State) -> None:
        self.state = state
        self._data: dict[str, _ClientData] = {}
        self._clock = 0

    def clear(self) -> None:
        """Forget every limit, area, manager role and spending."""
        self._data.clear()

    def _client(self, client_id: str) -> tuple[Client, _ClientData]:
        client = self.state.client(client_id)
        data = self._data.get(client_id)
        if data is None:
            data = self._data[client_id] = _ClientData()
        return client, data

    def _tick(self) -> int:
        self._clock += 1
        return self._clock

    # --- seeding -----------------------------------------------------------------------------

    def add_limit(
        self,
        client_id: str,
        title: str,
        service: str,
        *,
        department_id: str | None = None,
        orders_cost: str | None = None,
        period: str = "month",
        geo_restrictions: Iterable[Mapping[str, JSONValue]] = (),
        is_default: bool = False,
    ) -> str:
        """A limit made in the Dashboard; returns its id. `orders_cost` (a sum as a string)
        adds a monthly spending cap."""
        client, data = self._client(client_id)
        if service not in SERVICES:
            raise SandboxError(f"unknown service {service!r}")
        if department_id is not None and department_id not in client.departments:
            raise SandboxError(f"unknown department {department_id!r}")
        rules = [dict(rule) for rule in geo_restrictions]
        for rule in rules:
            for key in ("source", "destination"):
                area = rule.get(key)
                if area is not None and area not in data.areas:
                    raise SandboxError(f"unknown geo restriction {area!r}")
        limits: JSONObject = {}
        if orders_cost is not None:
            limits["orders_cost"] = {"value": orders_cost, "period": period}
        record = LimitRecord(
            id=self.state._new_id(),
            title=title,
            service=service,
            department_id=department_id,
            is_default=is_default,
            limits=limits,
            geo_restrictions=rules,
        )
        data.limits[record.id] = record
        return record.id

    def add_geo_restriction(
        self,
        client_id: str,
        name: str,
        *,
        center: tuple[float, float] = (37.642639, 55.734894),
        radius: int = 500,
    ) -> str:
        """A ride area (`center` is longitude, latitude); returns its id."""
        body: JSONObject = {
            "name": name,
            "geo_type": "circle",
            "geo": {"center": list(center), "radius": radius},
        }
        try:
            return self.create_geo_restriction(client_id, body)
        except ApiError as exc:
            raise SandboxError(f"cannot seed the geo restriction: {exc.message}") from exc

    def add_manager(
        self,
        client_id: str,
        *,
        yandex_login: str,
        role: str,
        phone: str,
        department_id: str | None = None,
        fullname: str = "Manager",
        email: str = "manager@example.com",
    ) -> str:
        """A manager role under the API's rules (in strict mode the phone must be an active
        employee's); returns its id."""
        body: JSONObject = {
            "fullname": fullname,
            "email": email,
            "phone": phone,
            "yandex_login": yandex_login,
            "role": role,
        }
        if department_id is not None:
            body["department_id"] = department_id
        try:
            return self.create_manager(client_id, body)
        except ApiError as exc:
            raise SandboxError(f"cannot seed the manager role: {exc.message}") from exc

    def set_spending(
        self, client_id: str, user_id: str, limit_id: str, *, spent: str, orders_spent: int = 0
    ) -> None:
        """What an employee spent within a limit in the current period."""
        client, data = self._client(client_id)
        if user_id not in client.users:
            raise SandboxError(f"unknown user {user_id!r}")
        data.spending[user_id, limit_id] = (spent, orders_spent)

    def limit_records(self, client_id: str) -> list[LimitRecord]:
        """The client's limits in creation order."""
        return list(self._client(client_id)[1].limits.values())

    def manager_records(self, client_id: str) -> list[ManagerRecord]:
        """The client's manager roles in creation order."""
        return list(self._client(client_id)[1].managers.values())

    def area_records(self, client_id: str) -> list[GeoRecord]:
        """The client's areas in creation order."""
        return list(self._client(client_id)[1].areas.values())

    # --- limits ---------------------------------------------------------------------------------

    def _counts(self, client: Client) -> dict[str, int]:
        counts: dict[str, int] = {}
        for employee in client.users.values():
            if not employee.is_deleted:
                for limit in employee.limits:
                    counts[limit.limit_id] = counts.get(limit.limit_id, 0) + 1
        return counts

    def search_limits(
        self,
        client_id: str,
        *,
        limit: int,
        offset: int,
        department_id: str | None = None,
        user_id: str | None = None,
        service: str | None = None,
        search: str | None = None,
    ) -> JSONObject:
        """`GET /limits/search`: the limits matching every filter given, in creation order
        (limits-search: the `department_id`, `user_id`, `service` and `search` filters)."""
        _page(limit, offset)
        client, data = self._client(client_id)
        if service is not None and service not in SERVICES:
            raise _invalid("service", f"unknown service {service!r}")
        held: set[str] | None = None
        if user_id is not None:
            employee = client.users.get(user_id)
            held = {lim.limit_id for lim in employee.limits} if employee is not None else set()
        found = [
            record
            for record in data.limits.values()
            if (department_id is None or record.department_id == department_id)
            and (held is None or record.id in held)
            and (service is None or record.service == service)
            and (search is None or record.title == search)
        ]
        counts = self._counts(client)
        items: list[JSONValue] = [
            record.to_json(client_id, counts.get(record.id, 0))
            for record in found[offset : offset + limit]
        ]
        return {"items": items, "limit": limit, "offset": offset, "total_amount": len(found)}

    def get_limit(self, client_id: str, limit_id: str) -> JSONObject:
        """`GET /limits?limit_id=`: one limit; 404 when unknown (limits-get)."""
        client, data = self._client(client_id)
        record = data.limits.get(limit_id)
        if record is None:
            raise ApiError(404, "NOT_FOUND", f"limit {limit_id!r} not found")
        return record.to_json(client_id, self._counts(client).get(limit_id, 0))

    def update_personal_limit(self, client_id: str, user_id: str, body: JSONValue) -> str:
        """`PUT /limits/personal?user_id=`: set the employee's personal limit for a service.

        limits-personal-update: `title` and `service` required, `categories` too for taxi
        ("Указывается только для сервиса taxi", "Обязательность: Да"), each field for its
        services, the periods and the `orders_cost` string of digits of its tables. One
        personal limit per employee and service (assumed, refuses nothing): setting it again
        replaces it (same id). The employee's `limits` then hold it for that service. Returns
        the limit's id.
        """
        client, data = self._client(client_id)
        employee = client.users.get(user_id)
        if employee is None:
            raise ApiError(404, "NOT_FOUND", f"user {user_id!r} not found")
        obj = dict(_object(body, "request body"))
        if _CYRILLIC_CATEGORIES in obj:
            if "categories" in obj:
                raise _invalid("categories", "categories is given twice (Latin and Cyrillic c)")
            obj["categories"] = obj.pop(_CYRILLIC_CATEGORIES)
        _keys(obj, ("title", "service"), _PERSONAL_FIELDS)
        title = _text("title", obj.pop("title"))
        service = _text("service", obj.pop("service"))
        if service not in SERVICES:
            raise _invalid("service", f"unknown service {service!r}")
        for key in obj:
            services = _PERSONAL_FIELDS[key]
            if services is not None and service not in services:
                raise _invalid(key, f"{key} is not for {service} limits")
        if service == "taxi" and "categories" not in obj:
            raise _invalid("categories", "categories is required for a taxi limit")
        given_client = obj.pop("client_id", None)
        if given_client is not None and given_client != client_id:
            raise _invalid("client_id", "client_id is not the client of the request")
        department_id = obj.pop("department_id", None)
        if department_id is not None and department_id not in client.departments:
            raise _invalid("department_id", f"department {department_id!r} does not exist")
        limits = _limit_rules(obj.pop("limits", {}))
        times = _time_restrictions(obj.pop("time_restrictions", []))
        rules = _geo_rules(obj.pop("geo_restrictions", []), data.areas)
        for key in ("categories", "fuel_types", "cities", "tariffs", "cars_classes"):
            if key in obj:
                _texts(key, obj[key])
        for key in ("is_qr_enabled", "enable_toll_roads", "allow_reservations_without_approve"):
            if key in obj:
                _flag(key, obj[key])
        existing = next(
            (
                record
                for record in data.limits.values()
                if record.user_id == user_id and record.service == service
            ),
            None,
        )
        record = LimitRecord(
            id=existing.id if existing is not None else self.state._new_id(),
            title=title,
            service=service,
            department_id=department_id if isinstance(department_id, str) else None,
            user_id=user_id,
            limits=limits,
            time_restrictions=times,
            geo_restrictions=rules,
            details=obj,
        )
        data.limits[record.id] = record
        kept = tuple(lim for lim in employee.limits if lim.service != service)
        employee.limits = (*kept, Limit(limit_id=record.id, service=service))
        return record.id

    # --- cost centers ------------------------------------------------------------------------

    def create_cost_center(self, client_id: str, body: JSONValue) -> str:
        """`POST /cost_centers/create`: a new cost center; returns its id; `default: true`
        makes it the main one. Strict only (assumed): 406 when another has the name."""
        client, _ = self._client(client_id)
        name, default, settings = _cost_center_body(body)
        if self.state.strict:
            self._check_cost_center_name(client, name, exclude_id=None)
        cost_center = CostCenter(id=self.state._new_id(), name=name, field_settings=settings)
        client.cost_centers[cost_center.id] = cost_center
        if default:
            self._make_main(client, cost_center)
        return cost_center.id

    def update_cost_center(self, client_id: str, cost_center_id: str, body: JSONValue) -> str:
        """`POST /cost_centers/update?id=`: replace the record; 404 when unknown
        (cost-centers-update: "объект не найден"). Strict only (assumed from the page's 406,
        "обновление центра затрат … недоступно"): 406 when the name is
        another's or the main cost center would lose `default`; otherwise the client is left
        without a default one until another is made default."""
        client, _ = self._client(client_id)
        cost_center = client.cost_centers.get(cost_center_id)
        if cost_center is None:
            raise ApiError(404, "NOT_FOUND", f"cost center {cost_center_id!r} not found")
        name, default, settings = _cost_center_body(body)
        if not self.state.strict:
            cost_center.name, cost_center.field_settings = name, settings
            if default:
                self._make_main(client, cost_center)
            else:
                cost_center.default = False
            return cost_center_id
        self._check_cost_center_name(client, name, exclude_id=cost_center_id)
        if cost_center.default and not default:
            raise ApiError(
                406,
                "DEFAULT_COST_CENTER_REQUIRED",
                "the main cost center stays default: make another one default instead",
            )
        cost_center.name, cost_center.field_settings = name, settings
        if default:
            self._make_main(client, cost_center)
        return cost_center_id

    @staticmethod
    def _check_cost_center_name(client: Client, name: str, *, exclude_id: str | None) -> None:
        for other in client.cost_centers.values():
            if other.name == name and other.id != exclude_id:
                raise ApiError(
                    406,
                    "COST_CENTER_ALREADY_EXISTS",
                    f"a cost center named {name!r} already exists: {other.id}",
                )

    @staticmethod
    def _make_main(client: Client, cost_center: CostCenter) -> None:
        for other in client.cost_centers.values():
            other.default = other is cost_center
        client.main_cost_center_id = cost_center.id

    # --- departments' taxi budget ----------------------------------------------------------

    def _department(self, client: Client, department_id: str) -> Department:
        department = client.departments.get(department_id)
        if department is None:
            raise ApiError(404, "NOT_FOUND", f"department {department_id!r} not found")
        return department

    def taxi_budget(self, client_id: str, department_id: str) -> JSONObject:
        """`GET /departments/limits/taxi`: `{"budget": null}` when there is no limit."""
        client, _ = self._client(client_id)
        department = self._department(client, department_id)
        return dict(department.budgets.get("taxi", {"budget": None}))

    def set_taxi_budget(self, client_id: str, department_id: str, body: JSONValue) -> None:
        """`POST /departments/limits/taxi/update`: `budget` a number >= 0 or null (no limit);
        `period` month or quarter, only with a budget (departments-limits-taxi-update:
        "Неотрицательное число или null", "Устанавливается, если budget не равен null")."""
        client, _ = self._client(client_id)
        department = self._department(client, department_id)
        obj = _object(body, "request body")
        _keys(obj, ("budget",), ("period",))
        budget = obj["budget"]
        if budget is None:
            if "period" in obj and obj["period"] is not None:
                raise _invalid("period", "period is set only with a budget")
            department.budgets.pop("taxi", None)
            return
        number = _number("budget", budget)
        if number < 0:
            raise _invalid("budget", "budget must be >= 0 or null")
        value: JSONObject = {"budget": number}
        if obj.get("period") is not None:
            period = _text("period", obj["period"])
            if period not in _BUDGET_PERIODS:
                raise _invalid("period", "period must be month or quarter")
            value["period"] = period
        else:
            value["period"] = "month"  # assumed: the pages describe a budget "per month"
        department.budgets["taxi"] = value

    # --- manager roles --------------------------------------------------------------------------

    def _manager_fields(self, client: Client, body: JSONValue) -> ManagerRecord:
        obj = _object(body, "request body")
        required = ("fullname", "email", "phone", "yandex_login", "role")
        _keys(obj, required, ("department_id",))
        role = _text("role", obj["role"])
        if role not in MANAGER_ROLES:
            raise _invalid("role", f"role must be one of {', '.join(MANAGER_ROLES)}")
        phone = _text("phone", obj["phone"])
        if not (phone.startswith("+") and phone[1:].isdigit() and 8 <= len(phone) <= 16):
            raise _invalid("phone", "phone must be in international format, '+' and digits")
        email = _text("email", obj["email"])
        if "@" not in email.strip("@"):
            raise _invalid("email", "email is not a valid email address")
        department_id = obj.get("department_id")
        if department_id is not None:
            department_id = _text("department_id", department_id)
            self._department(client, department_id)
        elif role != "client_manager" and self.state.strict:
            # Assumed (strict only): the create page marks department_id optional.
            raise _invalid("department_id", f"a {role} needs the department it acts within")
        if self.state.strict and not any(
            employee.phone == phone and not employee.is_deleted
            for employee in client.users.values()
        ):
            # Assumed (strict only): the create page asks for the manager's name, phone, email
            # and login, and says nothing of them being an employee.
            raise ApiError(
                400,
                "EMPLOYEE_NOT_FOUND",
                "a manager role is given to an employee: no active employee has this phone",
            )
        return ManagerRecord(
            id="",
            fullname=_text("fullname", obj["fullname"]),
            email=email,
            phone=phone,
            yandex_login=_text("yandex_login", obj["yandex_login"]),
            role=role,
            department_id=department_id,
        )

    def _check_login(self, data: _ClientData, login: str, *, exclude_id: str | None) -> None:
        # Assumed (strict only): one role per yandex_login; no page says so.
        if not self.state.strict:
            return
        for other in data.managers.values():
            if other.yandex_login == login and other.id != exclude_id:
                raise ApiError(
                    406,
                    "MANAGER_ALREADY_EXISTS",
                    f"this yandex_login already has a manager role: {other.id}",
                )

    @staticmethod
    def _count_role(client: Client, department_id: str | None, change: int) -> None:
        if department_id is not None and department_id in client.departments:
            department = client.departments[department_id]
            department.roles = max(0, department.roles + change)

    def create_manager(self, client_id: str, body: JSONValue) -> str:
        """`POST /managers/create`: give a role; returns its id (managers-create.en-partial)."""
        client, data = self._client(client_id)
        record = self._manager_fields(client, body)
        self._check_login(data, record.yandex_login, exclude_id=None)
        record.id = self.state._new_id()
        data.managers[record.id] = record
        self._count_role(client, record.department_id, +1)
        return record.id

    def update_manager(self, client_id: str, manager_id: str, body: JSONValue) -> str:
        """`POST /managers/update?id=`: replace a role's record; 404 when unknown."""
        client, data = self._client(client_id)
        current = self._manager(data, manager_id)
        record = self._manager_fields(client, body)
        self._check_login(data, record.yandex_login, exclude_id=manager_id)
        record.id = manager_id
        self._count_role(client, current.department_id, -1)
        self._count_role(client, record.department_id, +1)
        data.managers[manager_id] = record
        return manager_id

    def delete_manager(self, client_id: str, manager_id: str) -> str:
        """`POST /managers/delete?id=` (page not stored; shaped like update): 404 when
        unknown."""
        client, data = self._client(client_id)
        record = self._manager(data, manager_id)
        del data.managers[manager_id]
        self._count_role(client, record.department_id, -1)
        return manager_id

    @staticmethod
    def _manager(data: _ClientData, manager_id: str) -> ManagerRecord:
        record = data.managers.get(manager_id)
        if record is None:
            raise ApiError(404, "NOT_FOUND", f"manager {manager_id!r} not found")
        return record

    def list_managers(
        self,
        client_id: str,
        *,
        limit: int,
        cursor: str | None,
        department_id: str | None = None,
        roles: str | None = None,
    ) -> JSONObject:
        """`GET /managers/list`: cursor pages of roles (of a department, of some roles);
        404 for an unknown department, `next_cursor` absent on an empty page (managers-list:
        `limit` "Значение от 1 до 100", 10 by default; "404 — указанного department_id не
        существует")."""
        if not 1 <= limit <= _MANAGER_PAGE_MAX:
            raise _invalid("limit", f"limit must be from 1 to {_MANAGER_PAGE_MAX}, got {limit}")
        client, data = self._client(client_id)
        if department_id is not None:
            self._department(client, department_id)
        wanted: set[str] | None = None
        if roles is not None:
            wanted = {role.strip() for role in roles.split(",") if role.strip()}
            for role in wanted:
                if role not in MANAGER_ROLES:
                    raise _invalid("roles", f"unknown role {role!r}")
        found = [
            record
            for record in data.managers.values()
            if (department_id is None or record.department_id == department_id)
            and (wanted is None or record.role in wanted)
        ]
        start = 0 if cursor is None else _decode_cursor(client_id, cursor, len(found))
        chosen = found[start : start + limit]
        page: JSONObject = {
            "items": [record.to_json() for record in chosen],
            "total_amount": len(found),
            "cursor": _encode_cursor(client_id, start),
            "limit": limit,
        }
        if chosen:
            page["next_cursor"] = _encode_cursor(client_id, start + len(chosen))
        return page

    # --- geo restrictions ------------------------------------------------------------------------

    def list_geo_restrictions(self, client_id: str, *, limit: int, offset: int) -> JSONObject:
        """`GET /geo_restrictions/list`: areas, the most recently updated first."""
        _page(limit, offset)
        _, data = self._client(client_id)
        areas = sorted(data.areas.values(), key=lambda area: -area.updated)
        items: list[JSONValue] = [area.to_json() for area in areas[offset : offset + limit]]
        return {"limit": limit, "amount": len(areas), "offset": offset, "items": items}

    def create_geo_restriction(self, client_id: str, body: JSONValue) -> str:
        """`POST /geo_restrictions/create`: a new area; 400 when the name is taken
        (geo-restrictions-create: "Например, запись … уже существует"). By default only an
        area with the same name, center and radius is that record; in strict mode the name
        alone is (assumed)."""
        _, data = self._client(client_id)
        name, center, radius = _area_body(body)
        same = None if self.state.strict else (center, radius)
        self._check_area_name(data, name, exclude_id=None, same=same)
        area = GeoRecord(
            id=self.state._new_id(), name=name, center=center, radius=radius, updated=self._tick()
        )
        data.areas[area.id] = area
        return area.id

    def update_geo_restriction(self, client_id: str, geo_id: str, body: JSONValue) -> str:
        """`POST /geo_restrictions/update?id=`: replace an area; 404 when unknown
        (geo-restrictions-update: "The specified record wasn't found"). A name another area
        has is refused (400) in strict mode only: the update page does not say so."""
        _, data = self._client(client_id)
        area = self._area(data, geo_id)
        name, center, radius = _area_body(body)
        if self.state.strict:
            self._check_area_name(data, name, exclude_id=geo_id)
        area.name, area.center, area.radius, area.updated = name, center, radius, self._tick()
        return geo_id

    def delete_geo_restriction(self, client_id: str, geo_id: str) -> str:
        """`POST /geo_restrictions/delete?id=`: 404 when unknown (geo-restrictions-delete:
        "указанная запись не найдена"). Strict only (an assumption: the page lists no such
        code): 400 `GEO_RESTRICTION_IN_USE` while a limit uses it."""
        _, data = self._client(client_id)
        self._area(data, geo_id)
        users: list[JSONValue] = (
            []
            if not self.state.strict
            else [record.id for record in data.limits.values() if geo_id in record.areas()]
        )
        if users:
            raise ApiError(
                400,
                "GEO_RESTRICTION_IN_USE",
                f"geo restriction {geo_id!r} is used by limit(s) {', '.join(map(str, users))}",
            )
        del data.areas[geo_id]
        return geo_id

    @staticmethod
    def _area(data: _ClientData, geo_id: str) -> GeoRecord:
        area = data.areas.get(geo_id)
        if area is None:
            raise ApiError(404, "NOT_FOUND", f"geo restriction {geo_id!r} not found")
        return area

    @staticmethod
    def _check_area_name(
        data: _ClientData,
        name: str,
        *,
        exclude_id: str | None,
        same: tuple[list[JSONValue], int] | None = None,
    ) -> None:
        """400 when another area has `name` (and, given `same`, that center and radius)."""
        for other in data.areas.values():
            if same is not None and (other.center, other.radius) != same:
                continue
            if other.name == name and other.id != exclude_id:
                raise ApiError(
                    400,
                    "GEO_RESTRICTION_ALREADY_EXISTS",
                    f"a geo restriction named {name!r} already exists: {other.id}",
                )

    # --- spending --------------------------------------------------------------------------------

    def spending_details(self, client_id: str, body: JSONValue) -> JSONObject:
        """`POST /users-spending-details`: each known employee's limits with what was spent
        (unknown ids are left out, assumed: the page lists no 404); at most 100 ids
        (users-spending-details: "не более 100")."""
        client, data = self._client(client_id)
        obj = _object(body, "request body")
        _keys(obj, ("user_ids",))
        user_ids = _texts("user_ids", obj["user_ids"])
        if len(user_ids) > 100:
            raise _invalid("user_ids", f"at most 100 user ids, got {len(user_ids)}")
        users: list[JSONValue] = []
        for user_id in dict.fromkeys(user_ids):
            assert isinstance(user_id, str)
            employee = client.users.get(user_id)
            if employee is None:
                continue
            limits: list[JSONValue] = []
            for binding in employee.limits:
                spent, orders = data.spending.get((user_id, binding.limit_id), ("0", 0))
                details: JSONObject = {"spent": spent, "orders_spent": orders}
                record = data.limits.get(binding.limit_id)
                cost = record.limits.get("orders_cost") if record is not None else None
                if isinstance(cost, dict) and "value" in cost:
                    details["orders_cost"] = str(cost["value"])
                amount = record.limits.get("orders_amount") if record is not None else None
                if binding.service == "taxi" and isinstance(amount, dict):
                    details["orders_amount"] = amount.get("value")
                limits.append(
                    {
                        "limit_id": binding.limit_id,
                        "service": binding.service,
                        "spending_details": details,
                    }
                )
            users.append({"user_id": user_id, "limits": limits})
        return {"users": users}


# --- body parsers -----------------------------------------------------------------------------


def _limit_rules(value: JSONValue) -> JSONObject:
    rules = _object(value, "limits object")
    out: JSONObject = {}
    for key, item in rules.items():
        if key not in _LIMIT_KEYS:
            raise _invalid("limits", f"unknown limit {key!r}")
        rule = _object(item, f"limits.{key} object")
        _keys(rule, ("value", "period"), ("kind", "accumulation_rules"))
        period = _text(f"limits.{key}.period", rule["period"])
        if period not in _PERIODS:
            raise _invalid(f"limits.{key}.period", f"unknown period {period!r}")
        raw = rule["value"]
        parsed: JSONObject = {"period": period}
        if key == "orders_cost":
            # A string of digits in the pages; a number from Yandex's SDK. Kept as a string.
            if type(raw) is str:
                text = raw.strip()
                if not _AMOUNT.fullmatch(text):
                    raise _invalid(
                        "limits.orders_cost.value", "value must be a string of digits, like '5000'"
                    )
                amount = float(text)
            else:
                amount = _number("limits.orders_cost.value", raw)
                text = str(int(amount)) if float(amount).is_integer() else str(amount)
            if not math.isfinite(amount) or amount < 0:
                raise _invalid("limits.orders_cost.value", "value must be >= 0")
            parsed["value"] = text
            if "kind" in rule:
                kind = _text("limits.orders_cost.kind", rule["kind"])
                if kind not in ("money", "volume"):
                    raise _invalid("limits.orders_cost.kind", "kind must be money or volume")
                parsed["kind"] = kind
        else:
            count = _number(f"limits.{key}.value", raw)
            if count < 0 or not float(count).is_integer():
                raise _invalid(f"limits.{key}.value", "value must be a whole number >= 0")
            parsed["value"] = int(count)
        if "accumulation_rules" in rule:
            parsed["accumulation_rules"] = _object(rule["accumulation_rules"], "accumulation_rules")
        out[key] = parsed
    return out


def _time_restrictions(value: JSONValue) -> list[JSONObject]:
    items = _objects("time_restrictions", value)
    for index, item in enumerate(items):
        where = f"time_restrictions[{index}]"
        kind = item.get("type")
        if kind not in _TIME_TYPES:
            raise _invalid(where, f"{where}.type must be one of {', '.join(sorted(_TIME_TYPES))}")
        if kind == "range_date":
            for key in ("start_date", "end_date"):
                _text(f"{where}.{key}", item.get(key))
        else:
            for key in ("start_time", "end_time"):
                _text(f"{where}.{key}", item.get(key))
        days = item.get("days", [])
        if not isinstance(days, list) or any(day not in _DAYS for day in days):
            raise _invalid(where, f"{where}.days must hold mo, tu, we, th, fr, sa, su")
    return items


def _geo_rules(value: JSONValue, areas: Mapping[str, GeoRecord]) -> list[JSONObject]:
    items = _objects("geo_restrictions", value)
    for index, item in enumerate(items):
        where = f"geo_restrictions[{index}]"
        if item.get("source") is None and item.get("destination") is None:
            raise _invalid(where, f"{where} needs source, destination or both")
        for key in ("source", "destination"):
            area = item.get(key)
            if area is not None and (type(area) is not str or area not in areas):
                raise _invalid(where, f"{where}.{key}: geo restriction {area!r} does not exist")
    return items


def _cost_center_body(body: JSONValue) -> tuple[str, bool, list[JSONValue]]:
    obj = _object(body, "request body")
    # `id` appears in the update page's example body: accepted and ignored (the query names it).
    _keys(obj, ("name", "default", "field_settings"), ("id",))
    name = _text("name", obj["name"])
    default = _flag("default", obj["default"])
    settings: list[JSONValue] = []
    for index, item in enumerate(_objects("field_settings", obj["field_settings"])):
        where = f"field_settings[{index}]"
        _keys(item, ("title", "required", "services", "format", "values"), ("id", "hidden"))
        _text(f"{where}.title", item["title"])
        _flag(f"{where}.required", item["required"])
        services = _texts(f"{where}.services", item["services"])
        if not services or any(service not in SERVICES for service in services):
            raise _invalid(f"{where}.services", "services must name known services")
        if item["format"] not in _FORMATS:
            raise _invalid(f"{where}.format", "format must be select, text or mixed")
        values = _texts(f"{where}.values", item["values"])
        if item["format"] == "select" and not values:
            raise _invalid(f"{where}.values", "a select field needs at least one value")
        if "hidden" in item:
            _flag(f"{where}.hidden", item["hidden"])
        setting = dict(item)
        setting.setdefault("id", f"field-{index}")
        setting.setdefault("hidden", False)
        settings.append(setting)
    return name, default, settings


def _area_body(body: JSONValue) -> tuple[str, list[JSONValue], int]:
    obj = _object(body, "request body")
    _keys(obj, ("name", "geo_type", "geo"))
    name = _text("name", obj["name"])
    if obj["geo_type"] != "circle":
        raise _invalid("geo_type", "geo_type must be circle (the only one supported)")
    geo = _object(obj["geo"], "geo object")
    _keys(geo, ("center", "radius"))
    center = geo["center"]
    if not isinstance(center, list) or len(center) != 2:
        raise _invalid("geo.center", "center must be [longitude, latitude]")
    lon = _number("geo.center", center[0])
    lat = _number("geo.center", center[1])
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise _invalid("geo.center", "center must be [longitude, latitude] within range")
    radius = geo["radius"]
    if type(radius) is not int or radius <= 0:
        raise _invalid("geo.radius", "radius must be a whole number of metres > 0")
    return name, [lon, lat], radius


def _encode_cursor(client_id: str, position: int) -> str:
    return base64.b64encode(f"{_CURSOR_VERSION} {position} {client_id}".encode()).decode("ascii")


def _decode_cursor(client_id: str, cursor: str, size: int) -> int:
    bad = _invalid("cursor", f"invalid cursor {cursor!r}")
    try:
        version, position_text, owner = (
            base64.b64decode(cursor, validate=True).decode("ascii").split(" ")
        )
        position = int(position_text)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise bad from None
    if version != _CURSOR_VERSION or owner != client_id or not 0 <= position <= size:
        raise bad
    return position
