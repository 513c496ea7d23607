"""Bulk runs that must not go on, and the final pass: a 401/403 stops a run at once, a run of
connection failures stops it as unreachable, the inputs left are reported as not attempted,
and rows that failed with a retryable error get one more, bounded pass at the end.

HTTP behaviour runs the real client against the sandbox (or a port nobody listens on); the
engine's own rules are shown with plain coroutines whose failures the test chooses.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections import Counter
from collections.abc import Awaitable, Callable

import pytest

from yandex_b2b_async import (
    B2BClient,
    BulkItem,
    PermissionDeniedError,
    RetryPolicy,
    UserCreate,
    bulk,
    bulk_stream,
)
from yandex_b2b_async.bulk import NOT_ATTEMPTED, BulkOperation, NotAttemptedError, error_summary
from yandex_b2b_async.errors import RateLimitError, ServerError, TransportError
from yandex_b2b_async.sandbox import Reply, Sandbox

USERS = "/integration/2.0/users"


async def _no_wait(_: float) -> None:
    """Retry waits in these tests are instant."""


INSTANT = RetryPolicy(sleep=_no_wait)


def _user(n: int) -> UserCreate:
    return UserCreate(
        fullname=f"Employee {n}", phone=f"+7997{n:07d}", is_active=True, cost_centers_id="cc"
    )


def _dead_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# -- counts ------------------------------------------------------------------------------------


async def test_report_counts_are_numbers_and_failures_the_failed_items() -> None:
    """succeeded and failed are ints, as in BulkProgress; failures lists the failed items."""

    async def odd_fails(n: int) -> int:
        if n % 2:
            raise ValueError(f"odd {n}")
        return n

    report = await bulk(odd_fails, range(6))
    assert (report.succeeded, report.failed) == (3, 3)
    assert [item.index for item in report.failures] == [1, 3, 5]


# -- 401 / 403 ---------------------------------------------------------------------------------


async def test_a_refused_token_stops_the_run_and_the_rest_is_not_attempted() -> None:
    """A 401 stops the run: a handful of requests, the other rows NOT_ATTEMPTED, the why kept."""
    async with Sandbox() as sandbox:
        async with B2BClient("not-the-token", base_url=sandbox.url, retry=INSTANT) as client:
            report = await client.users.bulk_create([_user(n) for n in range(200)], concurrency=4)
        sent = sandbox.stats.count("POST", USERS)
    assert sent <= 4
    assert report.stopped is not None
    assert report.stopped.kind == "authentication"
    assert "401" in report.stopped.message
    codes = Counter(error_summary(item.error)["code"] for item in report.failures if item.error)
    assert codes[NOT_ATTEMPTED] == 200 - sent
    assert len(report.items) == 200
    assert all(isinstance(item.error, NotAttemptedError) for item in report.items[sent:])


async def test_a_403_stops_the_streaming_form_too() -> None:
    """A 403 ends a stream the same way: every input still gets one item."""

    async def forbidden(n: int) -> int:
        raise PermissionDeniedError(403, code="SELECTED_CLIENT_ACCESS_DENIED")

    calls = 0

    async def counted(n: int) -> int:
        nonlocal calls
        calls += 1
        return await forbidden(n)

    async with contextlib.aclosing(bulk_stream(counted, range(50), concurrency=2)) as stream:
        items = [item async for item in stream]
    assert sorted(item.index for item in items) == list(range(50))
    assert calls <= 2
    assert sum(not item.attempted for item in items) == 50 - calls


# -- unreachable -------------------------------------------------------------------------------


async def test_a_dead_server_stops_the_run_as_unreachable() -> None:
    """Consecutive connection failures stop the run; the rest is reported, not sent."""
    url = f"http://127.0.0.1:{_dead_port()}"
    async with B2BClient("token-x", base_url=url, retry=INSTANT) as client:
        report = await client.users.bulk_create([_user(n) for n in range(500)], concurrency=4)
    assert report.stopped is not None
    assert report.stopped.kind == "unreachable"
    assert "unreachable" in report.stopped.message
    attempted = [item for item in report.items if item.attempted]
    assert 20 <= len(attempted) <= 24
    assert all(isinstance(item.error, TransportError) for item in attempted)
    assert len(report.items) == 500


async def test_connection_failures_between_answers_never_stop_the_run() -> None:
    """Failures that are not consecutive (an answer in between) let the run go on."""

    async def every_other_fails(n: int) -> int:
        if n % 2:
            raise TransportError("reset", sent=False)
        return n

    report = await bulk(every_other_fails, range(100), concurrency=1, final_pass=False)
    assert report.stopped is None
    assert report.failed == 50
    assert all(item.attempted for item in report.items)


async def test_the_threshold_is_an_option() -> None:
    """stop_after_connection_failures=3 stops after three connection failures in a row."""

    async def down(n: int) -> int:
        raise TransportError("refused", sent=False)

    report = await bulk(
        down, range(10), concurrency=1, stop_after_connection_failures=3, final_pass=False
    )
    assert [item.attempted for item in report.items] == [True] * 3 + [False] * 7


# -- the final pass ----------------------------------------------------------------------------


def _flaky(
    fail_first: set[int], error: Exception
) -> tuple[dict[int, int], Callable[[int], Awaitable[int]]]:
    calls: dict[int, int] = {}

    async def call(n: int) -> int:
        calls[n] = calls.get(n, 0) + 1
        if n in fail_first and calls[n] == 1:
            raise error
        return n

    return calls, call


async def test_rows_that_failed_retryably_get_one_more_pass_at_the_end() -> None:
    """A 429 that outlived its retries is sent once more at the end, and marked so."""
    calls, call = _flaky({3, 7}, RateLimitError(429, code="TOO_MANY_REQUESTS"))
    report = await bulk(call, range(10), concurrency=3, final_pass_delay=0)
    assert report.ok
    assert [item.index for item in report.items if item.final_pass] == [3, 7]
    assert calls == {n: 2 if n in (3, 7) else 1 for n in range(10)}


async def test_the_final_pass_is_one_pass() -> None:
    """A row failing again in the final pass keeps that failure: no third call."""
    calls: Counter[int] = Counter()

    async def always_429(n: int) -> int:
        calls[n] += 1
        raise RateLimitError(429)

    report = await bulk(always_429, range(3), final_pass_delay=0)
    assert calls == {0: 2, 1: 2, 2: 2}
    assert all(item.final_pass and isinstance(item.error, RateLimitError) for item in report.items)


async def test_an_unsure_failure_is_not_resent_without_a_way_to_recognise_it() -> None:
    """A 5xx may have been carried out: without call_if_unsure the row keeps its error."""
    calls, call = _flaky({1}, ServerError(503))
    report = await bulk(call, range(3), final_pass_delay=0)
    assert calls[1] == 1
    assert isinstance(report.items[1].error, ServerError)


async def test_an_unsure_failure_is_resent_through_call_if_unsure() -> None:
    """With call_if_unsure, the final pass resends an unsure row through it."""
    _, call = _flaky({1}, ServerError(503))
    recognised: list[int] = []

    async def recognise(n: int) -> int:
        recognised.append(n)
        return n

    operation: BulkOperation[int, int] = BulkOperation(
        name="t",
        call=call,
        call_if_unsure=recognise,
    )
    report = await operation.run(range(3), final_pass_delay=0)
    assert report.ok
    assert recognised == [1]


async def test_the_final_pass_is_bounded() -> None:
    """More retryable failures than the bound is an outage: none of them is sent again."""
    calls: Counter[int] = Counter()

    async def outage(n: int) -> int:
        calls[n] += 1
        raise RateLimitError(429)

    report = await bulk(
        outage, range(150), concurrency=4, final_pass_delay=0, stop_after_connection_failures=None
    )
    assert set(calls.values()) == {1}
    assert not any(item.final_pass for item in report.items)
    assert report.failed == 150


async def test_the_streaming_form_holds_no_slot_for_a_row_waiting_for_the_final_pass() -> None:
    """More held rows than the stream's buffer neither block the run nor lose an item."""
    _, call = _flaky(set(range(20)), RateLimitError(429))
    stream = bulk_stream(call, range(20), concurrency=1, final_pass_delay=0)
    async with contextlib.aclosing(stream):
        items: list[BulkItem[int, int]] = [item async for item in stream]
    assert sorted(item.index for item in items) == list(range(20))
    assert all(item.ok and item.final_pass for item in items)


async def test_a_cancelled_wait_for_the_final_pass_reports_the_held_rows() -> None:
    """Cancelled before the final pass, the held rows still reach on_item, as they failed."""
    _, call = _flaky({0, 1}, RateLimitError(429))
    seen: list[BulkItem[int, int]] = []
    two_delivered = asyncio.Event()

    def on_item(item: BulkItem[int, int]) -> None:
        seen.append(item)
        if len(seen) == 2:
            two_delivered.set()

    run = asyncio.create_task(bulk(call, range(4), final_pass_delay=30, on_item=on_item))
    await two_delivered.wait()
    await asyncio.sleep(0.05)  # the run is now in the final pass's wait
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    assert sorted(item.index for item in seen) == [0, 1, 2, 3]
    assert {item.index for item in seen if item.error is not None} == {0, 1}


async def test_a_burst_of_503s_ends_with_every_employee_created_once() -> None:
    """Against the sandbox: creates that outlived a burst of 503s are finished by the final
    pass, reconciled, with no duplicate."""
    async with Sandbox() as sandbox:
        sandbox.faults.script("POST", USERS, [Reply(status=503) for _ in range(12)])
        policy = RetryPolicy(max_attempts=2, sleep=_no_wait)
        async with B2BClient(sandbox.token, base_url=sandbox.url, retry=policy) as client:
            report = await client.users.bulk_create(
                [_user(n) for n in range(10)], concurrency=2, final_pass_delay=0
            )
        phones = Counter(user["phone"] for user in sandbox.users())
    assert report.ok, [item.error for item in report.failures]
    assert any(item.final_pass for item in report.items)
    assert set(phones.values()) == {1}
    assert len(phones) == 10


async def test_a_refused_token_stops_a_whole_sync_plan() -> None:
    """A 401 in a plan's first phase stops it: the later phases are not attempted."""
    async with Sandbox() as sandbox:
        kept = sandbox.add_user(phone="+79930000001", fullname="Old name")
        desired = [
            UserCreate(
                fullname="New name",
                phone="+79930000001",
                is_active=True,
                cost_centers_id=sandbox.cost_center_id,
            ),
            *[_user(n) for n in range(5)],
        ]
        async with B2BClient(sandbox.token, base_url=sandbox.url) as good:
            plan = await good.users.plan_sync(desired)
        assert (len(plan.updates), len(plan.creates)) == (1, 5)
        async with B2BClient("not-the-token", base_url=sandbox.url, retry=INSTANT) as bad:
            report = await bad.users.apply(plan)
        assert sandbox.user(kept)["fullname"] == "Old name"
    assert report.stopped is not None
    assert report.stopped.kind == "authentication"
    assert len(report.items) == 6
    assert [item.attempted for item in report.items] == [True] + [False] * 5
