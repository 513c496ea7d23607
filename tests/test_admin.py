"""The administration calls end to end against the sandbox over loopback: what each does to the
account, the errors it ends in, and how a create or delete whose answer was lost is settled."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from yandex_b2b_async import (
    B2BClient,
    BadRequestError,
    CostCenterCreate,
    CostLimit,
    GeoCircle,
    GeoRestrictionCreate,
    GeoRule,
    LimitRules,
    ManagerCreate,
    ManagerRole,
    NotFoundError,
    PersonalLimit,
    RetryPolicy,
    ServerError,
    Service,
)
from yandex_b2b_async.sandbox import Reply, Sandbox

API = "/integration/2.0"


async def no_wait(_: float) -> None:
    return None


POLICY = RetryPolicy(max_attempts=3, backoff_initial=0.01, backoff_max=0.01, sleep=no_wait)


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox() as sandbox:
        yield sandbox


@pytest.fixture
async def client(sandbox: Sandbox) -> AsyncIterator[B2BClient]:
    async with B2BClient(sandbox.token, base_url=sandbox.url, retry=POLICY) as client:
        yield client


def calls(sandbox: Sandbox, method: str, path: str) -> int:
    return sum(1 for e in sandbox.stats.log if (e.method, e.path) == (method, API + path))


AREA = GeoRestrictionCreate(name="Офис", geo=GeoCircle(center=(37.64, 55.73), radius=200))


def boss(department_id: str) -> ManagerCreate:
    return ManagerCreate(
        fullname="Иванов Илья",
        email="boss@example.com",
        phone="+79990000001",
        yandex_login="boss",
        role=ManagerRole.DEPARTMENT_MANAGER,
        department_id=department_id,
    )


# --- lost answers ----------------------------------------------------------------------------


async def test_a_cost_center_create_whose_answer_was_lost_is_not_made_twice(
    sandbox: Sandbox, client: B2BClient
) -> None:
    """The create ran but its answer was lost: the cost center is found by name, not re-made."""
    sandbox.faults.script("POST", f"{API}/cost_centers/create", [Reply.drop_after()])
    created = await client.cost_centers.create(CostCenterCreate(name="Проект"))
    assert created.reconciled
    assert [cc["id"] for cc in sandbox.cost_centers() if cc["name"] == "Проект"] == [created.id]
    assert calls(sandbox, "POST", "/cost_centers/create") == 1


async def test_a_create_lost_before_it_ran_is_sent_again(
    sandbox: Sandbox, client: B2BClient
) -> None:
    """A 503 that did nothing: nothing is found, so the create is sent once more."""
    sandbox.faults.script("POST", f"{API}/cost_centers/create", [Reply(status=503)])
    created = await client.cost_centers.create(CostCenterCreate(name="Проект"))
    assert not created.reconciled
    assert calls(sandbox, "POST", "/cost_centers/create") == 2
    assert [cc["name"] for cc in sandbox.cost_centers()].count("Проект") == 1


async def test_a_create_failing_every_time_ends_in_the_error(
    sandbox: Sandbox, client: B2BClient
) -> None:
    """When every attempt fails and nothing was made, the last error is raised."""
    sandbox.faults.script("POST", f"{API}/geo_restrictions/create", [Reply(status=503)] * 3)
    with pytest.raises(ServerError):
        await client.geo_restrictions.create(AREA)
    assert calls(sandbox, "POST", "/geo_restrictions/create") == 3
    assert sandbox.geo_restrictions() == []


async def test_a_manager_create_whose_answer_was_lost_is_found_by_login(
    sandbox: Sandbox, client: B2BClient
) -> None:
    """The role was given but the answer lost: it is found by yandex_login and role."""
    department_id = sandbox.add_department("Продажи")
    sandbox.add_user(phone="+79990000001")
    sandbox.faults.script("POST", f"{API}/managers/create", [Reply(status=502, process=True)])
    created = await client.managers.create(boss(department_id))
    assert created.reconciled
    assert [m["id"] for m in sandbox.managers()] == [created.id]


async def test_an_area_create_whose_answer_was_lost_is_found_by_name_and_shape(
    sandbox: Sandbox, client: B2BClient
) -> None:
    """The area was made but the answer lost: it is found, and no second one is made."""
    sandbox.faults.script("POST", f"{API}/geo_restrictions/create", [Reply.drop_after()])
    created = await client.geo_restrictions.create(AREA)
    assert created.reconciled
    assert [area["id"] for area in sandbox.geo_restrictions()] == [created.id]


async def test_a_delete_whose_answer_was_lost_succeeds_on_the_404(
    sandbox: Sandbox, client: B2BClient
) -> None:
    """The delete ran, its answer was lost, the retry answers 404: that is a success."""
    area = sandbox.add_geo_restriction("Офис")
    sandbox.faults.script("POST", f"{API}/geo_restrictions/delete", [Reply.drop_after()])
    assert await client.geo_restrictions.delete(area) == area
    assert calls(sandbox, "POST", "/geo_restrictions/delete") == 2


async def test_a_manager_delete_whose_answer_was_lost_succeeds(
    sandbox: Sandbox, client: B2BClient
) -> None:
    """The same for a manager role: the retry's 404 confirms the delete."""
    department_id = sandbox.add_department("Продажи")
    sandbox.add_user(phone="+79990000001")
    role = sandbox.add_manager(
        yandex_login="boss",
        role="department_manager",
        phone="+79990000001",
        department_id=department_id,
    )
    sandbox.faults.script("POST", f"{API}/managers/delete", [Reply.drop_after()])
    assert await client.managers.delete(role) == role
    assert sandbox.managers() == []


async def test_deleting_an_unknown_manager_is_not_found(client: B2BClient) -> None:
    """A 404 on the first attempt is an error: there was never such a role."""
    with pytest.raises(NotFoundError):
        await client.managers.delete("no-such-role")


async def test_a_budget_update_is_retried_after_a_503(sandbox: Sandbox, client: B2BClient) -> None:
    """Setting a budget is idempotent: a 503 is retried and the budget set."""
    department_id = sandbox.add_department("Продажи")
    path = f"{API}/departments/limits/taxi/update"
    sandbox.faults.script("POST", path, [Reply(status=503)])
    await client.departments.set_taxi_budget(department_id, 1000)
    assert sandbox.taxi_budget(department_id)["budget"] == 1000


# --- what the calls do -------------------------------------------------------------------------


async def test_a_limit_search_pages_through_every_limit(
    sandbox: Sandbox, client: B2BClient
) -> None:
    """250 limits come back in order over three pages of 100."""
    ids = [sandbox.add_limit(f"Лимит {index}", "taxi") for index in range(250)]
    found = [limit.id async for limit in client.limits.search()]
    assert found == ids
    assert calls(sandbox, "GET", "/limits/search") == 3


async def test_a_personal_limit_reaches_the_employee(sandbox: Sandbox, client: B2BClient) -> None:
    """After update_personal the employee holds the limit and the search finds it by user."""
    area = sandbox.add_geo_restriction("Офис")
    user_id = sandbox.add_user(phone="+79990000001")
    limit_id = await client.limits.update_personal(
        user_id,
        PersonalLimit(
            title="Личный",
            service=Service.TAXI,
            categories=["econom"],
            limits=LimitRules(orders_cost=CostLimit(value="3000", period="week")),
            geo_restrictions=[GeoRule(source=area)],
        ),
    )
    employee = await client.users.get(user_id)
    assert [(limit.limit_id, limit.service) for limit in employee.limits] == [
        (limit_id, Service.TAXI)
    ]
    [found] = [limit async for limit in client.limits.search(user_id=user_id)]
    assert (found.id, found.users, found.geo_restrictions[0].source) == (limit_id, 1, area)


async def test_an_area_in_use_cannot_be_deleted(sandbox: Sandbox, client: B2BClient) -> None:
    """Deleting an area a limit names is refused (by a strict sandbox) with BadRequestError."""
    sandbox.reset(strict=True)
    area = sandbox.add_geo_restriction("Офис")
    sandbox.add_limit("Из офиса", "taxi", geo_restrictions=[{"source": area}])
    with pytest.raises(BadRequestError) as caught:
        await client.geo_restrictions.delete(area)
    assert caught.value.code == "GEO_RESTRICTION_IN_USE"


async def test_managers_list_follows_cursor_pages(sandbox: Sandbox, client: B2BClient) -> None:
    """Roles are listed across cursor pages, filtered by role."""
    department_id = sandbox.add_department("Продажи")
    for index in range(5):
        phone = f"+7999000002{index}"
        sandbox.add_user(phone=phone)
        role = "department_secretary" if index % 2 else "department_manager"
        sandbox.add_manager(
            yandex_login=f"m{index}", role=role, phone=phone, department_id=department_id
        )
    secretaries = [
        m.yandex_login
        async for m in client.managers.list(roles=[ManagerRole.DEPARTMENT_SECRETARY], limit=1)
    ]
    assert secretaries == ["m1", "m3"]


async def test_a_department_budget_round_trip(sandbox: Sandbox, client: B2BClient) -> None:
    """A budget set is read back and shows in the departments list; None removes it."""
    department_id = sandbox.add_department("Продажи")
    await client.departments.set_taxi_budget(department_id, 2500.5, period="month")
    assert (await client.departments.taxi_budget(department_id)).budget == 2500.5
    [department] = [d async for d in client.departments.list()]
    assert department.limits["taxi"] == {"budget": 2500.5, "period": "month"}
    await client.departments.set_taxi_budget(department_id, None)
    assert (await client.departments.taxi_budget(department_id)).unlimited


async def test_the_department_update_reads_the_json_empty_answer(
    sandbox: Sandbox, client: B2BClient
) -> None:
    """Renaming a department still works now that the sandbox answers {}."""
    department_id = sandbox.add_department("Продажи")
    await client.departments.update(department_id, name="Sales")
    assert sandbox.departments()[0]["name"] == "Sales"


async def test_an_unknown_department_budget_is_not_found(client: B2BClient) -> None:
    """The budget of a department that does not exist is NotFoundError."""
    with pytest.raises(NotFoundError):
        await client.departments.taxi_budget("no-such-department")


async def test_spending_details_report_what_was_spent(sandbox: Sandbox, client: B2BClient) -> None:
    """Each employee's limits come back with the amounts spent this period."""
    limit_id = sandbox.add_limit("Такси", "taxi", orders_cost="10000")
    user_id = sandbox.add_user(phone="+79990000001", limits=[("taxi", limit_id)])
    sandbox.set_spending(user_id, limit_id, spent="3894", orders_spent=2)
    [spending] = await client.users.spending_details([user_id])
    details = spending.limits[0].spending_details
    assert (spending.user_id, details.orders_cost, details.spent) == (user_id, "10000", "3894")


async def test_the_calls_work_through_the_in_memory_transport() -> None:
    """The same rules serve a client on the sandbox's in-memory transport, without a socket."""
    sandbox = Sandbox()
    department_id = sandbox.add_department("Продажи")
    limit_id = sandbox.add_limit("Такси", "taxi")
    async with B2BClient(sandbox.token, transport=sandbox.transport()) as client:
        assert [limit.id async for limit in client.limits.search()] == [limit_id]
        await client.departments.set_taxi_budget(department_id, 700)
        assert (await client.departments.taxi_budget(department_id)).budget == 700
        area = await client.geo_restrictions.create(AREA)
        assert [found.id async for found in client.geo_restrictions.list()] == [area.id]
