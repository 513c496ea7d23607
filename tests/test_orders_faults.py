"""An order is never placed twice: thousands of creates against a sandbox that loses replies
after doing the work, each call retried with its one idempotency token, and the orders counted.

Every fault of the matrix processes the create (the order exists) and then keeps the answer from
the client: the connection dropped after processing, a 500 after processing ("the order may have
been created" on the create page), or an answer slower than the client's timeout. The client's
default retry rule repeats the call; the token makes the repeat the same order.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Final

import pytest

from yandex_b2b_async import B2BClient, OrderCreate, RetryPolicy, RoutePoint, TransportError
from yandex_b2b_async.sandbox import Reply, Sandbox

CREATE: Final = "/integration/2.0/orders/create"
CONCURRENCY: Final = 32


async def _instant(_: float) -> None:
    return None


# Retries are instant and unbudgeted: what is tested is what a retry sends, not how many are
# allowed (the retry budget would rightly stop a call during a 30% fault rate).
POLICY: Final = RetryPolicy(max_attempts=8, backoff_initial=0.0, backoff_max=0.0, sleep=_instant)


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox(seed=15, log_limit=0) as sandbox:
        yield sandbox


def order(user_id: str, index: int) -> OrderCreate:
    return OrderCreate(
        user_id=user_id,
        route=[RoutePoint(geopoint=(37.59, 55.73)), RoutePoint(geopoint=(37.61, 55.75))],
        class_="econom",
        comment=f"call {index}",
    )


async def run_creates(count: int, create: Callable[[int], Awaitable[str]]) -> list[str]:
    """Run `count` creates, at most CONCURRENCY at a time; the order id of each, in order."""
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(index: int) -> str:
        async with gate:
            return await create(index)

    return list(await asyncio.gather(*(one(index) for index in range(count))))


def script_faults(sandbox: Sandbox, kind: str, count: int) -> None:
    """Queue `count` replies on the create path: every third one a fault of `kind`."""
    fault = {
        "dropped after processing": Reply.drop_after(),
        "500 after processing": Reply(status=500, process=True),
        "answer slower than the timeout": Reply(delay=0.4),
    }[kind]
    sandbox.faults.script(
        "POST", CREATE, [fault if index % 3 == 0 else Reply() for index in range(count)]
    )


@pytest.mark.parametrize(
    ("kind", "count", "over"),
    [
        ("dropped after processing", 2000, "memory"),
        ("500 after processing", 2000, "memory"),
        ("answer slower than the timeout", 300, "memory"),
        ("dropped after processing", 300, "loopback"),
        ("500 after processing", 300, "loopback"),
        ("answer slower than the timeout", 60, "loopback"),
    ],
)
async def test_lost_replies_retried_make_one_order_per_call(
    sandbox: Sandbox, kind: str, count: int, over: str
) -> None:
    """Orders made equal calls made when a third of the replies are lost after processing,
    served in memory (thousands of creates) and over a real socket."""
    user_id = sandbox.add_user(phone="+79990000015")
    script_faults(sandbox, kind, count)
    timeout = 0.2 if kind == "answer slower than the timeout" else 10.0
    where: dict[str, Any] = (
        {"transport": sandbox.transport()} if over == "memory" else {"base_url": sandbox.url}
    )
    async with B2BClient(
        sandbox.token, retry=POLICY, retry_budget=None, timeout=timeout, **where
    ) as client:

        async def create(index: int) -> str:
            return (await client.orders.create(order(user_id, index))).order_id

        ids = await run_creates(count, create)
    await asyncio.sleep(0.5)  # the slow answers' handlers finish their (duplicate-free) work
    stored = sandbox.services.taxi.census()
    assert len(stored) == count
    assert sorted(ids) == sorted(stored_order.id for stored_order in stored)
    assert sorted(o.comment or "" for o in stored) == sorted(f"call {i}" for i in range(count))
    assert sandbox.stats.requests > count  # the faults happened, and were retried


async def test_random_lost_replies_with_errors_and_drops_make_one_order_per_call(
    sandbox: Sandbox,
) -> None:
    """A random mix (5xx unprocessed, drops before, 20% drops after processing) is no duplicate."""
    user_id = sandbox.add_user(phone="+79990000016")
    sandbox.faults.random(
        error_rate=0.1, drop_before_rate=0.05, drop_after_rate=0.2, paths=[CREATE], seed=15
    )
    # 35% of attempts fail: 12 attempts make a call that fails them all a 3e-6 event.
    policy = RetryPolicy(max_attempts=12, backoff_initial=0.0, backoff_max=0.0, sleep=_instant)
    async with B2BClient(
        sandbox.token, transport=sandbox.transport(), retry=policy, retry_budget=None
    ) as client:

        async def create(index: int) -> str:
            return (await client.orders.create(order(user_id, index))).order_id

        ids = await run_creates(2000, create)
    assert len(sandbox.services.taxi.census()) == 2000
    assert len(set(ids)) == 2000
    assert sandbox.stats.dropped_after > 200


async def test_without_one_token_per_call_lost_replies_duplicate_orders(sandbox: Sandbox) -> None:
    """The control: re-sending a lost create under a new token does place a second order."""
    user_id = sandbox.add_user(phone="+79990000017")
    script_faults(sandbox, "dropped after processing", 90)
    async with B2BClient(sandbox.token, base_url=sandbox.url, retry=None) as client:

        async def create(index: int) -> str:
            while True:
                try:
                    await client.request(
                        "POST",
                        "/orders/create",
                        body=order(user_id, index),
                        headers={"X-Idempotency-Token": str(uuid.uuid4())},
                    )
                except TransportError:
                    continue
                return ""

        await run_creates(90, create)
    assert len(sandbox.services.taxi.census()) > 90
