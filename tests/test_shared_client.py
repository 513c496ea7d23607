"""B2BClient with RateLimit(redis_url=...): clients (standing for processes) sharing one quota.

The real client against the sandbox over loopback, and a real redis-server.
"""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest

from tests._redis import RedisServer
from yandex_b2b_async import B2BClient, RateLimit, SharedPacingError, ValidationError
from yandex_b2b_async.events import SharedPacingChanged
from yandex_b2b_async.sandbox import Reply, Sandbox


async def make_user(sandbox: Sandbox) -> str:
    return sandbox.add_user(phone="+79990001122", fullname="Shared Quota")


def shared(url: str, **options: object) -> RateLimit:
    return RateLimit(rate=20, burst=2, redis_url=url, **options)  # type: ignore[arg-type]


# -- configuration ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"redis_url": "http://cache:6379"}, "RateLimit.redis_url"),
        ({"redis_url": "redis://h:6379", "key": ""}, "RateLimit.key"),
        ({"redis_url": "redis://h:6379", "key": "a\nb"}, "RateLimit.key"),
        ({"redis_url": "redis://h:6379", "on_redis_down": "panic"}, "RateLimit.on_redis_down"),
        ({"redis_url": "redis://h:6379", "redis_timeout": 0}, "RateLimit.redis_timeout"),
    ],
)
def test_bad_shared_options_are_refused_naming_the_field(
    options: dict[str, object], field: str
) -> None:
    """A bad Redis URL, key, fallback choice or timeout is refused when the limit is built."""
    with pytest.raises(ValidationError) as caught:
        RateLimit(rate=5, **options)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_a_rate_limit_never_shows_its_redis_password() -> None:
    """The repr of a shared rate limit names the Redis without its credentials."""
    limit = RateLimit(rate=5, redis_url="redis://worker:s3cret-pw@cache.internal:6380/1")
    assert "s3cret-pw" not in repr(limit)
    assert "cache.internal:6380/1" in repr(limit)
    with pytest.raises(ValidationError) as caught:
        RateLimit(rate=5, redis_url="http://worker:s3cret-pw@cache.internal")
    assert "s3cret-pw" not in str(caught.value)


# -- one quota ------------------------------------------------------------------------------


async def test_the_default_quota_key_never_holds_the_token(
    b2b_sandbox: Sandbox, redis_server: RedisServer
) -> None:
    """The keys a client writes name the host and a hash of the token, never the token."""
    user_id = await make_user(b2b_sandbox)
    async with B2BClient(
        b2b_sandbox.token, base_url=b2b_sandbox.url, rate_limit=shared(redis_server.url)
    ) as client:
        await client.users.get(user_id)
    port = b2b_sandbox.url.rsplit(":", 1)[1]
    keys = redis_server.keys(f"yandex_b2b:{{127.0.0.1:{port}/*")
    assert keys
    assert not any(b2b_sandbox.token in key for key in keys)


async def test_a_busy_answer_met_by_one_client_pauses_the_other(
    b2b_sandbox: Sandbox, redis_server: RedisServer
) -> None:
    """Two clients on one account and one Redis: a 503's Retry-After one meets holds the other
    too."""
    user_id = await make_user(b2b_sandbox)
    limit = shared(redis_server.url, key=f"test-{uuid.uuid4().hex}")
    async with (
        B2BClient(b2b_sandbox.token, base_url=b2b_sandbox.url, rate_limit=limit) as first,
        B2BClient(b2b_sandbox.token, base_url=b2b_sandbox.url, rate_limit=limit) as second,
    ):
        await second.users.get(user_id)
        busy = Reply(status=503, headers={"Retry-After": "1"})
        b2b_sandbox.faults.script("GET", "/integration/2.0/users", [busy])
        met = asyncio.ensure_future(first.users.get(user_id))  # 503, then its retry after 1 s
        await asyncio.sleep(0.2)  # the 429 comes back and its pause reaches Redis
        assert first.pacer.throttles == 1
        started = time.monotonic()
        await second.users.get(user_id)
        assert time.monotonic() - started >= 0.6
        await met


async def test_a_429s_pause_met_by_one_client_ends_with_the_others_answer(
    b2b_sandbox: Sandbox, redis_server: RedisServer
) -> None:
    """A 429 asking one client for five seconds is probed by both: the other's call goes as
    the probe, its answer ends the pause for both, and the first's retry follows it."""
    user_id = await make_user(b2b_sandbox)
    limit = shared(redis_server.url, key=f"test-{uuid.uuid4().hex}")
    async with (
        B2BClient(b2b_sandbox.token, base_url=b2b_sandbox.url, rate_limit=limit) as first,
        B2BClient(b2b_sandbox.token, base_url=b2b_sandbox.url, rate_limit=limit) as second,
    ):
        await second.users.get(user_id)
        b2b_sandbox.faults.script("GET", "/integration/2.0/users", [Reply.rate_limited(5)])
        met = asyncio.ensure_future(first.users.get(user_id))
        await asyncio.sleep(0.2)  # the 429 comes back and its pause reaches Redis
        assert first.pacer.throttles == 1
        await asyncio.wait_for(second.users.get(user_id), 2.0)
        await asyncio.wait_for(met, 2.0)  # long before the five seconds


async def test_calls_go_on_when_redis_is_down(b2b_sandbox: Sandbox, own_redis: RedisServer) -> None:
    """A client whose Redis is gone still makes its calls, paced locally."""
    user_id = await make_user(b2b_sandbox)
    async with B2BClient(
        b2b_sandbox.token, base_url=b2b_sandbox.url, rate_limit=shared(own_redis.url)
    ) as client:
        await client.users.get(user_id)
        own_redis.stop()
        for _ in range(3):
            assert (await client.users.get(user_id)).id == user_id


async def test_fail_mode_sends_nothing_while_redis_is_down(
    b2b_sandbox: Sandbox, own_redis: RedisServer
) -> None:
    """With on_redis_down="fail" a call fails with SharedPacingError before anything is sent."""
    user_id = await make_user(b2b_sandbox)
    limit = shared(own_redis.url, on_redis_down="fail")
    async with B2BClient(b2b_sandbox.token, base_url=b2b_sandbox.url, rate_limit=limit) as client:
        own_redis.stop()
        before = b2b_sandbox.stats.requests
        with pytest.raises(SharedPacingError):
            await client.users.get(user_id)
        assert b2b_sandbox.stats.requests == before


# -- cancellation and closing with Redis in the loop ----------------------------------------


async def test_a_cancelled_call_waiting_on_the_shared_quota_ends_at_once(
    b2b_sandbox: Sandbox, redis_server: RedisServer
) -> None:
    """A call queued for a shared token (rate 1/s) ends as soon as it is cancelled."""
    user_id = await make_user(b2b_sandbox)
    limit = RateLimit(rate=1, redis_url=redis_server.url, key=f"test-{uuid.uuid4().hex}")
    async with B2BClient(b2b_sandbox.token, base_url=b2b_sandbox.url, rate_limit=limit) as client:
        await client.users.get(user_id)
        waiting = asyncio.ensure_future(client.users.get(user_id))
        await asyncio.sleep(0.1)
        waiting.cancel()
        done, _ = await asyncio.wait([waiting], timeout=0.2)
        assert waiting in done
        assert waiting.cancelled()


async def test_a_call_cancelled_while_redis_hangs_ends_at_once(
    b2b_sandbox: Sandbox, own_redis: RedisServer
) -> None:
    """A call whose shared acquire is stuck on a Redis that answers nothing ends on cancel."""
    user_id = await make_user(b2b_sandbox)
    limit = shared(own_redis.url, redis_timeout=5.0)
    async with B2BClient(b2b_sandbox.token, base_url=b2b_sandbox.url, rate_limit=limit) as client:
        await client.users.get(user_id)
        own_redis.pause(3.0)
        stuck = asyncio.ensure_future(client.users.get(user_id))
        await asyncio.sleep(0.1)
        stuck.cancel()
        done, _ = await asyncio.wait([stuck], timeout=0.2)
        assert stuck in done
        assert stuck.cancelled()


async def test_closing_a_client_while_redis_hangs_ends_at_once(
    b2b_sandbox: Sandbox, own_redis: RedisServer
) -> None:
    """close() returns promptly even when a shared acquire is stuck on a silent Redis."""
    user_id = await make_user(b2b_sandbox)
    limit = shared(own_redis.url, redis_timeout=5.0)
    client = B2BClient(b2b_sandbox.token, base_url=b2b_sandbox.url, rate_limit=limit)
    await client.users.get(user_id)
    own_redis.pause(3.0)
    stuck = asyncio.ensure_future(client.users.get(user_id))
    await asyncio.sleep(0.1)
    started = time.monotonic()
    await client.close()
    assert time.monotonic() - started < 1.0
    stuck.cancel()
    await asyncio.wait([stuck], timeout=1.0)
    assert stuck.done()


async def test_a_cancelled_bulk_run_queued_on_the_shared_quota_ends_at_once(
    b2b_sandbox: Sandbox, redis_server: RedisServer
) -> None:
    """Cancelling a bulk run whose calls queue for a shared token sends nothing more."""
    ids = [b2b_sandbox.add_user(phone=f"+7999000{n:04d}") for n in range(20)]
    limit = RateLimit(rate=1, redis_url=redis_server.url, key=f"test-{uuid.uuid4().hex}")
    async with B2BClient(b2b_sandbox.token, base_url=b2b_sandbox.url, rate_limit=limit) as client:
        run = asyncio.ensure_future(client.users.bulk_archive(ids, concurrency=8))
        await asyncio.sleep(0.3)  # the first call goes, the others queue for 1 call/s
        sent = b2b_sandbox.stats.count("POST", "/integration/2.0/users/archive")
        started = time.monotonic()
        run.cancel()
        await asyncio.wait([run], timeout=5)
        assert run.cancelled()
        assert time.monotonic() - started < 0.5
        assert b2b_sandbox.stats.count("POST", "/integration/2.0/users/archive") <= sent + 1


async def test_observers_hear_once_when_redis_goes_away_and_comes_back(
    b2b_sandbox: Sandbox, own_redis: RedisServer
) -> None:
    """One SharedPacingChanged when Redis stops answering, one when it answers again."""
    user_id = await make_user(b2b_sandbox)
    events: list[object] = []
    async with B2BClient(
        b2b_sandbox.token,
        base_url=b2b_sandbox.url,
        rate_limit=RateLimit(rate=50, burst=5, redis_url=own_redis.url),
        observers=[events.append],
    ) as client:
        await client.users.get(user_id)
        own_redis.stop()
        for _ in range(3):
            await client.users.get(user_id)
        own_redis.start()
        deadline = time.monotonic() + 10
        while not any(isinstance(e, SharedPacingChanged) and e.shared for e in events):
            assert time.monotonic() < deadline
            await client.users.get(user_id)
            await asyncio.sleep(0.1)
    changes = [e for e in events if isinstance(e, SharedPacingChanged)]
    assert [change.shared for change in changes] == [False, True]
    assert changes[0].redis == f"127.0.0.1:{own_redis.port}/0"
    assert changes[0].reason
