"""Yandex's own SDK (PyPI ``yandex-b2b-go``) pointed at the sandbox runs its order, promocode,
eats and tanker calls without error: the sandbox answers what the SDK parses.

Skipped where the SDK is not installed (the main test venv); ``.ci/run`` runs this folder in the
benchmarks' venv, which has the SDK (installed with ``--no-deps``).
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

import pytest

from yandex_b2b_async.sandbox import Sandbox

sdk: Any = pytest.importorskip("yandex_b2b_go")
types: Any = sdk.typing

MOSCOW_A = [37.593983, 55.738759]
MOSCOW_B = [37.609479, 55.746943]


@pytest.fixture
def user_id(sandbox: Sandbox) -> str:
    return sandbox.add_user(phone="+79990000030", fullname="SDK user")


def route() -> list[Any]:
    return [
        types.RoutePoint(fullname="Зубовский бульвар", geopoint=MOSCOW_A),
        types.RoutePoint(fullname="Кремль", geopoint=MOSCOW_B),
    ]


async def test_sdk_taxi_order_calls(client: Any, sandbox: Sandbox, user_id: str) -> None:
    """The SDK creates, reads, tracks, re-routes, lists, rates and cancels taxi orders."""
    taxi = sdk.TaxiManager(client).order
    stats = await taxi.routestats.get(
        types.OrderRequest(route=[MOSCOW_A, MOSCOW_B], user_id=user_id)
    )
    assert stats.offer
    created = await taxi.create(
        types.Order(user_id=user_id, route=route(), class_tariff="econom"), uuid.uuid4()
    )
    info = await taxi.get(created.order_id)
    status = await taxi.status.get(created.order_id)
    active = await taxi.active.list(user_id)
    sandbox.advance(40)
    changed = await taxi.destinations.update(
        created.order_id,
        types.TaxiOrderDestinationsUpdateRequest(
            created_time="2030-01-01T10:00:00",
            destinations=[types.RoutePoint(fullname="Гоголевский бульвар", geopoint=MOSCOW_B)],
        ),
    )
    listed = await taxi.list(
        limit=10,
        offset=0,
        sorting_field=types.SortingField.due_date,
        sorting_direction=types.SortingDirection.desc,
    )
    sandbox.advance(2000)
    await taxi.feedback.create(created.order_id, types.Feedback(rating=5, msg="спасибо"))
    second = await taxi.create(
        types.Order(user_id=user_id, route=route(), class_tariff="econom"), uuid.uuid4()
    )
    cancelled = await taxi.cancel(
        second.order_id, types.OrdersCancelRequest(types.TaxiOrderCancelRulesState.free)
    )
    assert info.status == "search"
    assert status.status == "search"
    assert [item.id for item in active.items] == [created.order_id]
    assert changed.changed_destinations
    assert listed.total_amount == 1
    assert cancelled.status == "cancelled"


async def test_sdk_promocode_calls(client: Any, sandbox: Sandbox) -> None:
    """The SDK orders a series, lists and reads it, lists its codes and cancels it."""
    orders = sdk.PromocodeManager(client).order
    until = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
    created = await orders.create(
        types.Promocode(
            name="SDK series",
            value=220,
            count=5,
            active_until=until,
            service=types.PromocodeOrderService.taxi,
            bank_name=types.BankName(ru="Банк", en="The Bank"),
        ),
        uuid.uuid4(),
    )
    listed = await orders.list(limit=10)
    info = await orders.get(created.order_id)
    codes = await orders.code.list(created.order_id, limit=10)
    cancelled = await orders.cancel(created.order_id)
    assert [order.order_id for order in listed.orders] == [created.order_id]
    assert info.count == 5
    assert len(codes.codes) == 5
    assert cancelled.status == "cancelled"


async def test_sdk_eats_calls(client: Any, sandbox: Sandbox, user_id: str) -> None:
    """The SDK lists food orders (with the filters it sends besides the page's)."""
    sandbox.add_eats_order(user_id=user_id)
    sandbox.add_eats_order(user_id=user_id)
    eats = sdk.EatManager(client).order
    page = await eats.list(
        types.EatsOrdersListRequest(user_ids=[user_id]),
        limit=1,
        sorting_order=types.SortingOrder.desc,
    )
    rest = await eats.list(types.EatsOrdersListRequest(user_ids=[user_id]), cursor=page.cursor)
    assert len(page.orders) == 1
    assert len(rest.orders) == 1


async def test_sdk_tanker_calls(client: Any, sandbox: Sandbox, user_id: str) -> None:
    """The SDK lists refuellings, filtered by employee and period."""
    closed = datetime.datetime(2022, 5, 12, 13, 32, 49, tzinfo=datetime.UTC)
    sandbox.add_tanker_order(user_id=user_id, closed_at=closed)
    tanker = sdk.TankerManager(client).order
    everything = await tanker.list()
    filtered = await tanker.list(
        user_id=user_id,
        limit=50,
        since_datetime="2022-05-12T00:00:00.000",
        till_datetime="2022-05-13T00:00:00.000",
    )
    assert len(everything.orders) == 1
    assert filtered.last_closed_at == "2022-05-12T13:32:49.000000"
