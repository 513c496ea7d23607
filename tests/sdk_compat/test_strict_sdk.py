"""The two SDK calls a page allows but a guess once refused, in both modes: a default sandbox
answers them, a strict one (which applies the assumptions) refuses them as an SDK `ApiError`.
Skipped where the SDK is not installed (CI runs these in the bench venv)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from yandex_b2b_async.sandbox import Sandbox

sdk: Any = pytest.importorskip("yandex_b2b_go")
t: Any = sdk.typing

MOSCOW_A = [37.593983, 55.738759]
MOSCOW_B = [37.609479, 55.746943]


@pytest.fixture(params=[False, True], ids=["default", "strict"])
async def sandbox(request: pytest.FixtureRequest) -> AsyncIterator[Sandbox]:
    async with Sandbox(strict=request.param) as sandbox:
        yield sandbox


async def test_a_role_for_a_non_employee(sandbox: Sandbox, client: Any) -> None:
    """Made by default; strict: 400 EMPLOYEE_NOT_FOUND."""
    manager = t.Manager(
        email="boss@example.com",
        fullname="Начальник",
        phone="+79990000041",
        yandex_login="boss",
        role=t.Role.client_manager,
    )
    if sandbox.state.strict:
        with pytest.raises(sdk.errors.ApiError) as caught:
            await sdk.RoleManager(client).create(manager)
        assert (caught.value.status, caught.value.code) == (400, "EMPLOYEE_NOT_FOUND")
    else:
        assert (await sdk.RoleManager(client).create(manager)).id


async def test_feedback_on_a_ride_under_way(sandbox: Sandbox, client: Any) -> None:
    """Taken by default; strict: 409 ORDER_NOT_FINISHED."""
    user_id = sandbox.add_user(phone="+79990000040")
    route = [
        t.RoutePoint(fullname="A", geopoint=MOSCOW_A),
        t.RoutePoint(fullname="B", geopoint=MOSCOW_B),
    ]
    taxi = sdk.TaxiManager(client).order
    created = await taxi.create(
        t.Order(user_id=user_id, route=route, class_tariff="econom"), uuid.uuid4()
    )
    feedback = t.Feedback(rating=5)
    if sandbox.state.strict:
        with pytest.raises(sdk.errors.ApiError) as caught:
            await taxi.feedback.create(created.order_id, feedback)
        assert (caught.value.status, caught.value.code) == (409, "ORDER_NOT_FINISHED")
    else:
        await taxi.feedback.create(created.order_id, feedback)
        assert sandbox.services.taxi.orders[created.order_id].rating == 5
