"""What a web service needs when its handlers are cancelled or its callers retry: an order
created under the caller's idempotency key is made once however often the call is repeated,
and an onboarding repeated with ``earlier_attempt_unknown`` finds the employee its cancelled
first attempt made. Against the sandbox over loopback sockets."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest

from yandex_b2b_async import (
    B2BClient,
    ConflictError,
    OrderCreate,
    RoutePoint,
    UserCreate,
    new_idempotency_token,
)
from yandex_b2b_async.sandbox import Reply, Sandbox

API = "/integration/2.0"


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox() as sandbox:
        yield sandbox


@pytest.fixture
async def client(sandbox: Sandbox) -> AsyncIterator[B2BClient]:
    async with B2BClient(sandbox.token, base_url=sandbox.url, retry=None) as client:
        yield client


async def until(condition: Callable[[], bool]) -> None:
    """Wait (polling) for ``condition``; fail if it never holds."""
    for _ in range(2000):
        if condition():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("the condition never held")


async def cancelled_after_it_ran(
    sandbox: Sandbox, call: asyncio.Task[object], made: Callable[[], bool]
) -> None:
    """Cancel ``call`` once its request reached the server, then wait until the server (which
    does not cancel its handler) has done the work."""
    await until(lambda: sandbox.stats.in_flight > 0)
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call
    await until(made)


def test_new_idempotency_token_makes_a_fresh_uuid_each_time() -> None:
    """new_idempotency_token() is a new UUID4 text each call, and checks one it is given."""
    first, second = new_idempotency_token(), new_idempotency_token()
    assert first != second
    assert len(first) == 36
    assert new_idempotency_token(first) == first


async def test_a_cancelled_order_create_repeated_with_its_token_makes_one_order(
    sandbox: Sandbox, client: B2BClient
) -> None:
    """The caller's token, made before the call, survives a cancellation: the repeat returns
    the order the cancelled call placed, and no second one is made."""
    user_id = sandbox.add_user(phone="+79990000001")
    order = OrderCreate(
        user_id=user_id, route=[RoutePoint(geopoint=(37.59, 55.73))], class_="econom"
    )
    token = new_idempotency_token()
    sandbox.faults.script("POST", f"{API}/orders/create", [Reply.passthrough(delay=0.2)])
    call = asyncio.ensure_future(client.orders.create(order, idempotency_token=token))
    await cancelled_after_it_ran(sandbox, call, lambda: len(sandbox.taxi_orders()) == 1)
    again = await client.orders.create(order, idempotency_token=token)
    assert [item["id"] for item in sandbox.taxi_orders()] == [again.order_id]


async def test_a_cancelled_onboarding_repeated_plainly_is_a_conflict(
    sandbox: Sandbox, client: B2BClient
) -> None:
    """Without earlier_attempt_unknown, the repeat of a cancelled create meets its own employee
    as a ConflictError."""
    user = UserCreate(
        fullname="Alice Smith",
        phone="+79990000001",
        is_active=True,
        cost_centers_id=sandbox.cost_center_id,
    )
    sandbox.faults.script("POST", f"{API}/users", [Reply.passthrough(delay=0.2)])
    call = asyncio.ensure_future(client.users.create_or_restore(user))
    await cancelled_after_it_ran(sandbox, call, lambda: len(sandbox.users()) == 1)
    with pytest.raises(ConflictError):
        await client.users.create_or_restore(user)


async def test_a_cancelled_onboarding_repeated_with_earlier_attempt_unknown_is_reconciled(
    sandbox: Sandbox, client: B2BClient
) -> None:
    """With earlier_attempt_unknown=True the repeat returns the employee the cancelled call
    made (reconciled), and there is still one employee."""
    user = UserCreate(
        fullname="Alice Smith",
        phone="+79990000001",
        is_active=True,
        cost_centers_id=sandbox.cost_center_id,
    )
    sandbox.faults.script("POST", f"{API}/users", [Reply.passthrough(delay=0.2)])
    call = asyncio.ensure_future(client.users.create_or_restore(user))
    await cancelled_after_it_ran(sandbox, call, lambda: len(sandbox.users()) == 1)
    again = await client.users.create_or_restore(user, earlier_attempt_unknown=True)
    assert again.reconciled
    assert [item["id"] for item in sandbox.users()] == [again.id]
