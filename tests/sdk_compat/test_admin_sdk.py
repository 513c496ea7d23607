"""The sandbox against Yandex's own SDK (``yandex-b2b-go``): its managers for limits, cost
centers, department budgets, manager roles, geo restrictions and spending, pointed at the
sandbox, work. Skipped where the SDK is not installed (CI runs these in the bench venv)."""

from __future__ import annotations

from typing import Any

import pytest

from yandex_b2b_async.sandbox import Sandbox

sdk: Any = pytest.importorskip("yandex_b2b_go")
t: Any = sdk.typing


async def test_limit_search_reads_every_service(sandbox: Sandbox, client: Any) -> None:
    """The SDK's limit list decodes the sandbox's limits of every service it knows."""
    for service in ("taxi", "eats2", "grocery", "drive", "tanker", "cargo", "travel"):
        sandbox.add_limit(f"{service} limit", service, orders_cost="5000")
    page = await sdk.BudgetManager(client).limit.list(limit=100, offset=0)
    assert page.total_amount == 7
    assert sorted(item.service for item in page.items) == sorted(
        ["taxi", "eats2", "grocery", "drive", "tanker", "cargo", "travel"]
    )


async def test_limit_search_filters_by_service_and_title(sandbox: Sandbox, client: Any) -> None:
    """The SDK's service and search filters reach the sandbox's search."""
    wanted = sandbox.add_limit("Такси - 5000", "taxi")
    sandbox.add_limit("Такси - 9000", "taxi")
    sandbox.add_limit("Такси - 5000", "eats2")
    page = await sdk.BudgetManager(client).limit.list(service=t.Service.taxi, search="Такси - 5000")
    assert [item.id for item in page.items] == [wanted]


async def test_personal_limit_update_sets_the_employees_limit(
    sandbox: Sandbox, client: Any
) -> None:
    """The SDK's personal taxi limit (with geo and time rules) is stored and given."""
    area = sandbox.add_geo_restriction("Офис")
    user_id = sandbox.add_user(phone="+79990000001")
    request = t.BudgetLimitTaxiRequest(
        title="Личный",
        categories=["econom"],
        limits=t.TaxiLimits(),
        service=t.Service.taxi,
        geo_restrictions=[t.GeoRestriction(source=area)],
        time_restrictions=[
            t.TimeRestriction(
                t.TimeRestrictionType.weekly_date,
                days=[t.Day.monday],
                start_time="09:00:00",
                end_time="18:00:00",
            )
        ],
    )
    answer = await sdk.BudgetManager(client).limit.update(user_id, request)
    assert sandbox.user(user_id)["limits"] == [{"limit_id": answer.id, "service": "taxi"}]


async def test_cost_center_list(sandbox: Sandbox, client: Any) -> None:
    """The SDK's cost center list decodes the sandbox's cost centers."""
    sandbox.add_cost_center(name="Проект")
    page = await sdk.BudgetManager(client).cost_center.list()
    assert sorted(item.name for item in page.items) == ["Main cost center", "Проект"]


async def test_department_rename_reads_the_empty_200(sandbox: Sandbox, client: Any) -> None:
    """The SDK's department update, which reads the answer as JSON, succeeds."""
    department_id = sandbox.add_department("Продажи")
    await sdk.DepartmentManager(client).update(
        department_id, t.DepartmentUpdateRequest(name="Sales")
    )
    assert sandbox.departments()[0]["name"] == "Sales"


async def test_department_list_reads_budgets(sandbox: Sandbox, client: Any) -> None:
    """The SDK's department list decodes the per-service budgets, a set one included."""
    department_id = sandbox.add_department("Продажи")
    taxi = sdk.DepartmentManager(client).limit.taxi
    await taxi.update(department_id, t.DepartmentBudget(1000))
    page = await sdk.DepartmentManager(client).list()
    assert page.items[0].limits.taxi.budget == 1000


async def test_department_taxi_budget_get_and_set(sandbox: Sandbox, client: Any) -> None:
    """The SDK sets a budget, reads it back, and clears it with null."""
    department_id = sandbox.add_department("Продажи")
    taxi = sdk.DepartmentManager(client).limit.taxi
    assert (await taxi.get(department_id)).budget is None
    await taxi.update(department_id, t.DepartmentBudget(1500))
    assert (await taxi.get(department_id)).budget == 1500
    await taxi.update(department_id, t.DepartmentBudget(None))
    assert (await taxi.get(department_id)).budget is None


async def test_unknown_department_budget_is_an_api_error(sandbox: Sandbox, client: Any) -> None:
    """A 404 reaches the SDK as its ApiError with the status."""
    with pytest.raises(sdk.errors.ApiError) as caught:
        await sdk.DepartmentManager(client).limit.taxi.get("no-such-department")
    assert caught.value.status == 404


async def test_manager_roles_create_update_list_delete(sandbox: Sandbox, client: Any) -> None:
    """The SDK's role manager creates, lists, updates and deletes a role."""
    department_id = sandbox.add_department("Продажи")
    roles = sdk.RoleManager(client)
    manager = t.Manager(
        email="boss@example.com",
        fullname="Начальник",
        phone="+79990000002",
        yandex_login="boss",
        role=t.Role.department_manager,
        department_id=department_id,
    )
    created = await roles.create(manager)
    page = await roles.list(roles=[t.Role.department_manager], limit=10)
    assert [(item.id, item.yandex_login) for item in page.items] == [(created.id, "boss")]
    manager.role = t.Role.department_secretary
    assert (await roles.update(created.id, manager)).id == created.id
    assert sandbox.managers()[0]["role"] == "department_secretary"
    assert (await roles.delete(created.id)).id == created.id
    assert sandbox.managers() == []


async def test_manager_list_follows_the_cursor(sandbox: Sandbox, client: Any) -> None:
    """The SDK reads the next page with the cursor the sandbox gave."""
    department_id = sandbox.add_department("Продажи")
    for index in range(3):
        phone = f"+7999000001{index}"
        sandbox.add_user(phone=phone)
        sandbox.add_manager(
            yandex_login=f"m{index}",
            role="department_secretary",
            phone=phone,
            department_id=department_id,
        )
    roles = sdk.RoleManager(client)
    first = await roles.list(limit=2)
    second = await roles.list(limit=2, cursor=first.next_cursor)
    assert [item.yandex_login for item in (*first.items, *second.items)] == ["m0", "m1", "m2"]


async def test_geo_restrictions_create_update_list_delete(sandbox: Sandbox, client: Any) -> None:
    """The SDK's geo manager creates, lists, updates and deletes an area."""
    geo = sdk.GeoManager(client)
    circle = t.GeoCircle(lat=37.642639, lon=55.734894, radius=200)
    created = await geo.create(t.GeoRestrictions(name="Офис", geo_type=t.Geo.circle, geo=circle))
    listed = await geo.list(limit=10)
    assert (listed.amount, listed.items[0].name) == (1, "Офис")
    renamed = t.GeoRestrictions(name="Офис 2", geo_type=t.Geo.circle, geo=circle)
    assert (await geo.update(created.id, renamed)).id == created.id
    assert (await geo.delete(created.id)).id == created.id
    assert sandbox.geo_restrictions() == []


async def test_spending_details(sandbox: Sandbox, client: Any) -> None:
    """The SDK's spending list decodes what the sandbox reports."""
    limit_id = sandbox.add_limit("Такси", "taxi", orders_cost="10000")
    user_id = sandbox.add_user(phone="+79990000003", limits=[("taxi", limit_id)])
    sandbox.set_spending(user_id, limit_id, spent="3894", orders_spent=2)
    answer = await sdk.UserManager(client).spending.list(t.UsersSpendingListRequest([user_id]))
    details = answer.users[0].limits[0].spending_details
    assert (details.orders_cost, details.spent, details.orders_spent) == ("10000", "3894", 2)


async def test_errors_reach_the_sdk_with_their_status_and_code(
    sandbox: Sandbox, client: Any
) -> None:
    """An area in use refused by a strict sandbox (400 with its code) and an unknown role (404)
    are SDK ApiErrors."""
    sandbox.reset(strict=True)
    area = sandbox.add_geo_restriction("Офис")
    sandbox.add_limit("Из офиса", "taxi", geo_restrictions=[{"source": area}])
    with pytest.raises(sdk.errors.ApiError) as in_use:
        await sdk.GeoManager(client).delete(area)
    assert (in_use.value.status, in_use.value.code) == (400, "GEO_RESTRICTION_IN_USE")
    with pytest.raises(sdk.errors.ApiError) as unknown:
        await sdk.RoleManager(client).delete("no-such-role")
    assert unknown.value.status == 404
