"""Every manager method of Yandex's own SDK (PyPI ``yandex-b2b-go``) succeeds against a default
sandbox with inputs the API pages allow: the sandbox refuses nothing a page allows.

One test per SDK method (``CALLS``), and one that ``CALLS`` names every manager method the
installed SDK has, so a new SDK method without a test fails here. Skipped where the SDK is not
installed (the main test venv); ``.ci/run`` runs this folder in the benchmarks' venv, which has
it (installed with ``--no-deps``).
"""

from __future__ import annotations

import datetime
import inspect
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from yandex_b2b_async.sandbox import Sandbox

sdk: Any = pytest.importorskip("yandex_b2b_go")
t: Any = sdk.typing

MOSCOW_A = [37.593983, 55.738759]
MOSCOW_B = [37.609479, 55.746943]
PHONE = "+79990000040"


def employee(sandbox: Sandbox) -> str:
    return sandbox.add_user(phone=PHONE, fullname="Ilya Ivanov")


def route() -> list[Any]:
    return [
        t.RoutePoint(fullname="Зубовский бульвар", geopoint=MOSCOW_A),
        t.RoutePoint(fullname="Кремль", geopoint=MOSCOW_B),
    ]


async def taxi_order(sandbox: Sandbox, client: Any) -> str:
    answer = await sdk.TaxiManager(client).order.create(
        t.Order(user_id=employee(sandbox), route=route(), class_tariff="econom"), uuid.uuid4()
    )
    order_id: str = answer.order_id
    return order_id


def manager(**changes: Any) -> Any:
    """A role for a person who is not an employee: the create page asks nothing more."""
    fields: dict[str, Any] = {
        "email": "boss@example.com",
        "fullname": "Начальник",
        "phone": "+79990000041",
        "yandex_login": "boss",
        "role": t.Role.client_manager,
    }
    fields.update(changes)
    return t.Manager(**fields)


def circle() -> Any:
    return t.GeoRestrictions(
        name="Офис", geo_type=t.Geo.circle, geo=t.GeoCircle(lat=37.64, lon=55.73, radius=200)
    )


async def promocode_series(client: Any) -> str:
    until = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
    answer = await sdk.PromocodeManager(client).order.create(
        t.Promocode(
            name="SDK series",
            value=220,
            count=5,
            active_until=until,
            service=t.PromocodeOrderService.taxi,
            bank_name=t.BankName(ru="Банк", en="The Bank"),
        ),
        uuid.uuid4(),
    )
    order_id: str = answer.order_id
    return order_id


Call = Callable[[Sandbox, Any], Awaitable[object]]
CALLS: dict[str, Call] = {}


def call(name: str) -> Callable[[Call], Call]:
    """Register the success case of the SDK method `name` ("Manager.attr.method")."""

    def register(function: Call) -> Call:
        CALLS[name] = function
        return function

    return register


# --- UserManager ---------------------------------------------------------------------------------


@call("UserManager.create")
async def _user_create(sandbox: Sandbox, client: Any) -> object:
    return await sdk.UserManager(client).create(
        t.User(fullname="Ilya Ivanov", phone=PHONE, is_active=True, cost_centers_id="cc-1")
    )


@call("UserManager.list")
async def _user_list(sandbox: Sandbox, client: Any) -> object:
    employee(sandbox)
    return await sdk.UserManager(client).list(limit=10)


@call("UserManager.get")
async def _user_get(sandbox: Sandbox, client: Any) -> object:
    return await sdk.UserManager(client).get(employee(sandbox))


@call("UserManager.update")
async def _user_update(sandbox: Sandbox, client: Any) -> object:
    user = t.User(
        fullname="Ilya I.", phone=PHONE, is_active=True, cost_centers_id=sandbox.cost_center_id
    )
    return await sdk.UserManager(client).update(employee(sandbox), user)


@call("UserManager.archive")
async def _user_archive(sandbox: Sandbox, client: Any) -> object:
    return await sdk.UserManager(client).archive(employee(sandbox))


@call("UserManager.spending.list")
async def _spending_list(sandbox: Sandbox, client: Any) -> object:
    request = t.UsersSpendingListRequest([employee(sandbox), "no-such-employee"])
    return await sdk.UserManager(client).spending.list(request)


# --- DepartmentManager ---------------------------------------------------------------------------


@call("DepartmentManager.create")
async def _department_create(sandbox: Sandbox, client: Any) -> object:
    return await sdk.DepartmentManager(client).create(t.Department(name="Продажи"))


@call("DepartmentManager.list")
async def _department_list(sandbox: Sandbox, client: Any) -> object:
    sandbox.add_department("Продажи")
    return await sdk.DepartmentManager(client).list(limit=10, offset=0)


@call("DepartmentManager.update")
async def _department_update(sandbox: Sandbox, client: Any) -> object:
    department_id = sandbox.add_department("Продажи")
    request = t.DepartmentUpdateRequest(name="Sales")
    return await sdk.DepartmentManager(client).update(department_id, request)


@call("DepartmentManager.delete")
async def _department_delete(sandbox: Sandbox, client: Any) -> object:
    department_id = sandbox.add_department("Продажи")
    return await sdk.DepartmentManager(client).delete(department_id)


@call("DepartmentManager.limit.taxi.get")
async def _department_budget_get(sandbox: Sandbox, client: Any) -> object:
    return await sdk.DepartmentManager(client).limit.taxi.get(sandbox.add_department("Продажи"))


@call("DepartmentManager.limit.taxi.update")
async def _department_budget_update(sandbox: Sandbox, client: Any) -> object:
    department_id = sandbox.add_department("Продажи")
    return await sdk.DepartmentManager(client).limit.taxi.update(
        department_id, t.DepartmentBudget(1000)
    )


# --- BudgetManager -------------------------------------------------------------------------------


@call("BudgetManager.limit.list")
async def _limit_list(sandbox: Sandbox, client: Any) -> object:
    sandbox.add_limit("Такси", "taxi", orders_cost="5000")
    return await sdk.BudgetManager(client).limit.list(limit=10, offset=0)


@call("BudgetManager.limit.update")
async def _limit_update(sandbox: Sandbox, client: Any) -> object:
    request = t.BudgetLimitTaxiRequest(
        title="Личный", categories=["econom"], limits=t.TaxiLimits(), service=t.Service.taxi
    )
    return await sdk.BudgetManager(client).limit.update(employee(sandbox), request)


@call("BudgetManager.cost_center.list")
async def _cost_center_list(sandbox: Sandbox, client: Any) -> object:
    return await sdk.BudgetManager(client).cost_center.list(limit=10, offset=0)


# --- RoleManager ---------------------------------------------------------------------------------


@call("RoleManager.create")
async def _role_create(sandbox: Sandbox, client: Any) -> object:
    department_id = sandbox.add_department("Продажи")
    role = manager(role=t.Role.department_manager, department_id=department_id)
    return await sdk.RoleManager(client).create(role)


@call("RoleManager.list")
async def _role_list(sandbox: Sandbox, client: Any) -> object:
    await sdk.RoleManager(client).create(manager())
    return await sdk.RoleManager(client).list(limit=10)


@call("RoleManager.update")
async def _role_update(sandbox: Sandbox, client: Any) -> object:
    created = await sdk.RoleManager(client).create(manager())
    return await sdk.RoleManager(client).update(created.id, manager(fullname="Директор"))


@call("RoleManager.delete")
async def _role_delete(sandbox: Sandbox, client: Any) -> object:
    created = await sdk.RoleManager(client).create(manager())
    return await sdk.RoleManager(client).delete(created.id)


# --- GeoManager ----------------------------------------------------------------------------------


@call("GeoManager.create")
async def _geo_create(sandbox: Sandbox, client: Any) -> object:
    return await sdk.GeoManager(client).create(circle())


@call("GeoManager.list")
async def _geo_list(sandbox: Sandbox, client: Any) -> object:
    sandbox.add_geo_restriction("Офис")
    return await sdk.GeoManager(client).list(limit=10, offset=0)


@call("GeoManager.update")
async def _geo_update(sandbox: Sandbox, client: Any) -> object:
    return await sdk.GeoManager(client).update(sandbox.add_geo_restriction("Склад"), circle())


@call("GeoManager.delete")
async def _geo_delete(sandbox: Sandbox, client: Any) -> object:
    return await sdk.GeoManager(client).delete(sandbox.add_geo_restriction("Офис"))


@call("GeoManager.zoneinfo.get")
async def _zoneinfo(sandbox: Sandbox, client: Any) -> object:
    return await sdk.GeoManager(client).zoneinfo.get(lat=MOSCOW_A[1], lon=MOSCOW_A[0])


# --- TaxiManager ---------------------------------------------------------------------------------


@call("TaxiManager.order.routestats.get")
async def _routestats(sandbox: Sandbox, client: Any) -> object:
    request = t.OrderRequest(route=[MOSCOW_A, MOSCOW_B], user_id=employee(sandbox))
    return await sdk.TaxiManager(client).order.routestats.get(request)


@call("TaxiManager.order.create")
async def _order_create(sandbox: Sandbox, client: Any) -> object:
    return await taxi_order(sandbox, client)


@call("TaxiManager.order.get")
async def _order_get(sandbox: Sandbox, client: Any) -> object:
    return await sdk.TaxiManager(client).order.get(await taxi_order(sandbox, client))


@call("TaxiManager.order.status.get")
async def _order_status(sandbox: Sandbox, client: Any) -> object:
    return await sdk.TaxiManager(client).order.status.get(await taxi_order(sandbox, client))


@call("TaxiManager.order.active.list")
async def _order_active(sandbox: Sandbox, client: Any) -> object:
    await taxi_order(sandbox, client)
    return await sdk.TaxiManager(client).order.active.list(sandbox.users()[0]["id"])


@call("TaxiManager.order.list")
async def _order_list(sandbox: Sandbox, client: Any) -> object:
    await taxi_order(sandbox, client)
    return await sdk.TaxiManager(client).order.list(limit=10, offset=0)


@call("TaxiManager.order.destinations.update")
async def _order_destinations(sandbox: Sandbox, client: Any) -> object:
    order_id = await taxi_order(sandbox, client)
    request = t.TaxiOrderDestinationsUpdateRequest(
        created_time="2030-01-01T10:00:00",
        destinations=[t.RoutePoint(fullname="Гоголевский бульвар", geopoint=MOSCOW_B)],
    )
    return await sdk.TaxiManager(client).order.destinations.update(order_id, request)


@call("TaxiManager.order.feedback.create")
async def _order_feedback(sandbox: Sandbox, client: Any) -> object:
    # A ride under way: the page only says an order over a day old can no longer be rated.
    order_id = await taxi_order(sandbox, client)
    feedback = t.Feedback(rating=5, msg="спасибо")
    return await sdk.TaxiManager(client).order.feedback.create(order_id, feedback)


@call("TaxiManager.order.cancel")
async def _order_cancel(sandbox: Sandbox, client: Any) -> object:
    order_id = await taxi_order(sandbox, client)
    request = t.OrdersCancelRequest(t.TaxiOrderCancelRulesState.free)
    return await sdk.TaxiManager(client).order.cancel(order_id, request)


# --- PromocodeManager ----------------------------------------------------------------------------


@call("PromocodeManager.order.create")
async def _promocode_create(sandbox: Sandbox, client: Any) -> object:
    return await promocode_series(client)


@call("PromocodeManager.order.list")
async def _promocode_list(sandbox: Sandbox, client: Any) -> object:
    await promocode_series(client)
    return await sdk.PromocodeManager(client).order.list(limit=10)


@call("PromocodeManager.order.get")
async def _promocode_get(sandbox: Sandbox, client: Any) -> object:
    return await sdk.PromocodeManager(client).order.get(await promocode_series(client))


@call("PromocodeManager.order.cancel")
async def _promocode_cancel(sandbox: Sandbox, client: Any) -> object:
    return await sdk.PromocodeManager(client).order.cancel(await promocode_series(client))


@call("PromocodeManager.order.code.list")
async def _promocode_codes(sandbox: Sandbox, client: Any) -> object:
    series = await promocode_series(client)
    return await sdk.PromocodeManager(client).order.code.list(series, limit=10)


# --- EatManager, TankerManager -------------------------------------------------------------------


@call("EatManager.order.list")
async def _eats_list(sandbox: Sandbox, client: Any) -> object:
    user_id = employee(sandbox)
    sandbox.add_eats_order(user_id=user_id)
    request = t.EatsOrdersListRequest(user_ids=[user_id])
    return await sdk.EatManager(client).order.list(request, limit=10)


@call("TankerManager.order.list")
async def _tanker_list(sandbox: Sandbox, client: Any) -> object:
    sandbox.add_tanker_order(user_id=employee(sandbox))
    return await sdk.TankerManager(client).order.list(limit=10)


# --- the tests -----------------------------------------------------------------------------------


def sdk_methods() -> set[str]:
    """Every public coroutine method of every manager the installed SDK exports, by path (the
    managers are built on a stand-in client: their constructors only keep it)."""
    found: set[str] = set()

    def walk(prefix: str, manager: object) -> None:
        for name, _ in inspect.getmembers(type(manager), inspect.iscoroutinefunction):
            if not name.startswith("_"):
                found.add(f"{prefix}.{name}")
        for name, value in vars(manager).items():
            if not name.startswith("_") and type(value).__name__.endswith("Manager"):
                walk(f"{prefix}.{name}", value)

    for name in dir(sdk):
        cls = getattr(sdk, name)
        if isinstance(cls, type) and name.endswith("Manager"):
            walk(name, cls(object()))
    return found


def test_every_sdk_manager_method_has_a_success_case() -> None:
    """CALLS covers each manager method of the installed SDK, and only those."""
    assert set(CALLS) == sdk_methods()


@pytest.mark.parametrize("name", sorted(CALLS))
async def test_the_sdk_method_succeeds_against_a_default_sandbox(
    name: str, sandbox: Sandbox, client: Any
) -> None:
    """The SDK method, called with inputs the pages allow, gets a success (no ApiError)."""
    await CALLS[name](sandbox, client)
