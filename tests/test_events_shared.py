"""Observers of a client sharing its quota through Redis: a pause another client set is a
shared throttle. The real client against the sandbox over loopback, and a real redis-server."""

from __future__ import annotations

import asyncio
import uuid

from tests._redis import RedisServer
from yandex_b2b_async import B2BClient, RateLimit
from yandex_b2b_async.events import Event, Throttled
from yandex_b2b_async.sandbox import Reply, Sandbox


async def test_a_pause_learnt_from_another_client_is_a_shared_throttle(
    b2b_sandbox: Sandbox, redis_server: RedisServer
) -> None:
    """A 503 with Retry-After met by one client reaches the other's observers as a Throttled
    event with scope "shared"; the client that met it sees a local one. (A 429's pause is
    probed and may end before the other client asks; its pause is shared the same way.)"""
    user_id = b2b_sandbox.add_user(phone="+79990003344", fullname="Shared Pause")
    limit = RateLimit(rate=20, burst=2, redis_url=redis_server.url, key=f"t-{uuid.uuid4().hex}")
    met: list[Event] = []
    learnt: list[Event] = []
    async with (
        B2BClient(
            b2b_sandbox.token, base_url=b2b_sandbox.url, rate_limit=limit, observers=[met.append]
        ) as first,
        B2BClient(
            b2b_sandbox.token, base_url=b2b_sandbox.url, rate_limit=limit, observers=[learnt.append]
        ) as second,
    ):
        await second.users.get(user_id)
        busy = Reply(status=503, headers={"Retry-After": "1"})
        b2b_sandbox.faults.script("GET", "/integration/2.0/users", [busy])
        meeting = asyncio.ensure_future(first.users.get(user_id))
        await asyncio.sleep(0.2)  # the 429 comes back and its pause reaches Redis
        await second.users.get(user_id)
        await meeting
    local = [e for e in met if isinstance(e, Throttled)]
    shared = [e for e in learnt if isinstance(e, Throttled)]
    assert [e.scope for e in local] == ["local"]
    assert local[0].status == 503
    assert [e.scope for e in shared] == ["shared"]
    assert shared[0].call is None
    assert 0.0 < shared[0].pause <= 1.0
