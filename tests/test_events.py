"""Observers: which events a call sends, in what order, and that observers never break calls."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import pytest

from yandex_b2b_async import (
    B2BClient,
    NotFoundError,
    RateLimit,
    RetryBudget,
    RetryPolicy,
    ServerError,
    UserCreate,
    ValidationError,
)
from yandex_b2b_async._observe import OBSERVER_QUEUE_LIMIT, Observers
from yandex_b2b_async.events import (
    AttemptEnded,
    AttemptStarted,
    BudgetRefused,
    BulkProgressed,
    CallEnded,
    CallStarted,
    ClientClosed,
    ClientOpened,
    Event,
    GaveUp,
    ObservedClient,
    PacerWaited,
    RetryScheduled,
    Throttled,
)
from yandex_b2b_async.sandbox import Reply, Sandbox


async def _no_wait(_: float) -> None:
    return None


INSTANT = RetryPolicy(max_attempts=3, sleep=_no_wait)


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox() as sandbox:
        yield sandbox


def employee(sandbox: Sandbox, phone: str = "+79990000001") -> UserCreate:
    return UserCreate(
        fullname="Ilya Ivanov", phone=phone, is_active=True, cost_centers_id=sandbox.cost_center_id
    )


def kinds(events: list[Event]) -> list[str]:
    return [type(event).__name__ for event in events]


async def test_a_successful_call_sends_its_four_events_in_order(sandbox: Sandbox) -> None:
    """A call answered at once sends CallStarted, AttemptStarted, AttemptEnded, CallEnded."""
    seen: list[Event] = []
    async with B2BClient(sandbox.token, base_url=sandbox.url, observers=[seen.append]) as client:
        seen.clear()
        await client.users.create(employee(sandbox))
    assert kinds(seen) == [
        "CallStarted",
        "AttemptStarted",
        "AttemptEnded",
        "CallEnded",
        "ClientClosed",
    ]
    started, attempt, ended, call_ended = seen[0], seen[1], seen[2], seen[3]
    assert isinstance(started, CallStarted)
    assert started.call.name == "POST /users"
    assert started.call.url_template == "/integration/2.0/users"
    assert isinstance(attempt, AttemptStarted)
    assert attempt.attempt == 1
    assert attempt.resend_count == 0
    assert isinstance(ended, AttemptEnded)
    assert ended.status == 200
    assert ended.error is None
    assert ended.duration >= 0
    assert isinstance(call_ended, CallEnded)
    assert call_ended.attempts == 1
    assert call_ended.status == 200
    assert call_ended.error is None
    assert {event.call.id for event in seen[:4]} == {started.call.id}  # type: ignore[union-attr]


async def test_the_url_template_leaves_the_query_out(sandbox: Sandbox) -> None:
    """A call with a query names only its path in events."""
    seen: list[Event] = []
    async with B2BClient(sandbox.token, base_url=sandbox.url, observers=[seen.append]) as client:
        await client.users.list_page(limit=7)
    started = next(event for event in seen if isinstance(event, CallStarted))
    assert started.call.url_template == "/integration/2.0/users"
    assert started.call.name == "GET /users"


async def test_a_retried_call_reports_both_attempts_and_the_retry(sandbox: Sandbox) -> None:
    """A 503 then a success: the retry is scheduled with its reason, the resend is counted."""
    sandbox.faults.script("POST", "/integration/2.0/users", [Reply(status=503)])
    seen: list[Event] = []
    async with B2BClient(
        sandbox.token, base_url=sandbox.url, retry=INSTANT, observers=[seen.append]
    ) as client:
        await client.users.create(employee(sandbox))
    assert kinds(seen)[2:-2] == [
        "AttemptStarted",
        "AttemptEnded",
        "RetryScheduled",
        "AttemptStarted",
        "AttemptEnded",
    ]
    first, retry, second = seen[3], seen[4], seen[6]
    assert isinstance(first, AttemptEnded)
    assert first.status == 503
    assert isinstance(first.error, ServerError)
    assert isinstance(retry, RetryScheduled)
    assert retry.attempt == 1
    assert retry.reason == "HTTP 503"
    assert isinstance(second, AttemptEnded)
    assert second.attempt == 2
    assert second.resend_count == 1
    assert second.status == 200
    ended = seen[-2]
    assert isinstance(ended, CallEnded)
    assert ended.attempts == 2
    assert ended.error is None


async def test_a_call_that_runs_out_of_attempts_reports_giving_up(sandbox: Sandbox) -> None:
    """During an outage the call gives up after its attempts, and its end carries the error."""
    sandbox.faults.outage()
    seen: list[Event] = []
    async with B2BClient(
        sandbox.token, base_url=sandbox.url, retry=INSTANT, observers=[seen.append]
    ) as client:
        with pytest.raises(ServerError):
            await client.users.create(employee(sandbox))
    gave_up = next(event for event in seen if isinstance(event, GaveUp))
    assert gave_up.reason == "max_attempts"
    assert gave_up.attempts == 3
    ended = next(event for event in seen if isinstance(event, CallEnded))
    assert isinstance(ended.error, ServerError)
    assert ended.attempts == 3
    assert ended.status == 503


async def test_a_refused_retry_budget_is_reported(sandbox: Sandbox) -> None:
    """An empty retry budget sends BudgetRefused, then GaveUp with budget_exhausted."""
    sandbox.faults.outage()
    seen: list[Event] = []
    async with B2BClient(
        sandbox.token,
        base_url=sandbox.url,
        retry=INSTANT,
        retry_budget=RetryBudget(capacity=0),
        observers=[seen.append],
    ) as client:
        with pytest.raises(ServerError):
            await client.users.create(employee(sandbox))
    assert "BudgetRefused" in kinds(seen)
    refused = next(event for event in seen if isinstance(event, BudgetRefused))
    assert refused.attempt == 1
    gave_up = next(event for event in seen if isinstance(event, GaveUp))
    assert gave_up.reason == "budget_exhausted"


async def test_a_429_with_retry_after_is_a_local_throttle(sandbox: Sandbox) -> None:
    """A 429 naming Retry-After sends Throttled with the server's value, scope local."""
    sandbox.faults.script("GET", "/integration/2.0/users", [Reply.rate_limited(retry_after=0.05)])
    seen: list[Event] = []
    async with B2BClient(
        sandbox.token, base_url=sandbox.url, retry=INSTANT, observers=[seen.append]
    ) as client:
        await client.users.list_page()
    throttled = next(event for event in seen if isinstance(event, Throttled))
    assert throttled.status == 429
    assert throttled.retry_after == pytest.approx(0.05)
    assert throttled.scope == "local"
    assert 0 < throttled.pause <= 0.05


async def test_a_wait_for_the_pacer_is_reported_with_its_length(sandbox: Sandbox) -> None:
    """The second of two calls at 20 calls/s waits about 50 ms for the pacer, and says so."""
    seen: list[Event] = []
    async with B2BClient(
        sandbox.token,
        base_url=sandbox.url,
        rate_limit=RateLimit(rate=20, burst=1),
        observers=[seen.append],
    ) as client:
        await client.users.find_by_phone("+79990000009")
        await client.users.find_by_phone("+79990000009")
    waits = [event for event in seen if isinstance(event, PacerWaited)]
    assert len(waits) == 1
    assert waits[0].attempt == 1
    assert 0.0 < waits[0].seconds < 1.0
    position = seen.index(waits[0])
    assert isinstance(seen[position + 1], AttemptStarted)


async def test_a_404_ends_the_call_with_its_error(sandbox: Sandbox) -> None:
    """A 404 is one attempt and a call end carrying NotFoundError; no retry, no give-up."""
    seen: list[Event] = []
    async with B2BClient(sandbox.token, base_url=sandbox.url, observers=[seen.append]) as client:
        with pytest.raises(NotFoundError):
            await client.users.get("no-such-user")
    assert "RetryScheduled" not in kinds(seen)
    ended = next(event for event in seen if isinstance(event, CallEnded))
    assert isinstance(ended.error, NotFoundError)


async def test_the_client_opens_and_closes_for_its_observers(sandbox: Sandbox) -> None:
    """ClientOpened comes first (at construction) and ClientClosed last, once."""
    seen: list[Event] = []
    client = B2BClient(sandbox.token, base_url=sandbox.url, observers=[seen.append])
    assert kinds(seen) == ["ClientOpened"]
    await client.close()
    await client.close()
    assert kinds(seen) == ["ClientOpened", "ClientClosed"]
    opened, closed = seen
    assert isinstance(opened, ClientOpened)
    assert isinstance(closed, ClientClosed)
    assert opened.client is closed.client
    assert opened.client.server_address == "127.0.0.1"


async def test_an_observer_that_raises_never_breaks_a_call(
    sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    """An observer raising on every event: the calls succeed, later observers see every event,
    and the failure is logged once."""

    def broken(event: Event) -> None:
        raise RuntimeError("observer bug")

    seen: list[Event] = []
    caplog.set_level(logging.ERROR, logger="yandex_b2b_async.observers")
    async with B2BClient(
        sandbox.token, base_url=sandbox.url, observers=[broken, seen.append]
    ) as client:
        created = await client.users.create(employee(sandbox))
        await client.users.get(created.id)
    assert kinds(seen).count("CallEnded") == 2
    records = [r for r in caplog.records if r.name == "yandex_b2b_async.observers"]
    assert len(records) == 1
    assert "observer bug" in (records[0].exc_text or "")


async def test_an_async_observer_does_not_hold_the_call(sandbox: Sandbox) -> None:
    """An async observer stuck on its first event: the call still returns, and close()
    delivers every event once the observer is released."""
    release = asyncio.Event()
    seen: list[Event] = []

    class Slow:
        async def __call__(self, event: Event) -> None:
            await release.wait()
            seen.append(event)

    client = B2BClient(sandbox.token, base_url=sandbox.url, observers=[Slow()])
    await asyncio.wait_for(client.users.find_by_phone("+79990000009"), timeout=10)
    assert seen == []
    closing = asyncio.ensure_future(client.close())
    await asyncio.sleep(0)
    assert not closing.done()
    release.set()
    await closing
    assert kinds(seen) == [
        "ClientOpened",
        "CallStarted",
        "AttemptStarted",
        "AttemptEnded",
        "CallEnded",
        "ClientClosed",
    ]


async def test_an_async_observer_that_raises_is_logged_once(
    sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    """An async observer raising on every event: calls succeed, one log record."""

    async def broken(event: Event) -> None:
        raise RuntimeError("async observer bug")

    caplog.set_level(logging.ERROR, logger="yandex_b2b_async.observers")
    async with B2BClient(sandbox.token, base_url=sandbox.url, observers=[broken]) as client:
        await client.users.find_by_phone("+79990000009")
        await client.users.find_by_phone("+79990000009")
    records = [r for r in caplog.records if r.name == "yandex_b2b_async.observers"]
    assert len(records) == 1


async def test_an_observer_may_add_request_headers(sandbox: Sandbox) -> None:
    """Headers an observer puts in AttemptStarted go out with that attempt."""

    def tag(event: Event) -> None:
        if isinstance(event, AttemptStarted):
            event.headers["traceparent"] = f"00-{'1' * 32}-{event.attempt:016x}-01"

    async with B2BClient(sandbox.token, base_url=sandbox.url, observers=[tag]) as client:
        await client.users.find_by_phone("+79990000009")
    assert sandbox.stats.log[-1].traceparent == f"00-{'1' * 32}-{1:016x}-01"


async def test_an_observer_cannot_replace_the_authorization_header(sandbox: Sandbox) -> None:
    """An observer writing Authorization does not change the token sent."""

    def meddle(event: Event) -> None:
        if isinstance(event, AttemptStarted):
            event.headers["Authorization"] = "Bearer someone-else"

    async with B2BClient(sandbox.token, base_url=sandbox.url, observers=[meddle]) as client:
        assert await client.users.find_by_phone("+79990000009") == []


def test_observers_must_be_callables() -> None:
    """A non-callable observer is refused, naming its position."""
    with pytest.raises(ValidationError, match=r"observers\[1\]"):
        B2BClient("token", observers=[print, "not callable"])  # type: ignore[list-item]


async def test_a_cancelled_call_still_ends_for_its_observers(sandbox: Sandbox) -> None:
    """A call cancelled while its attempt waits for the answer ends both the attempt and the
    call, with the CancelledError."""
    sandbox.faults.latency(5.0)
    seen: list[Event] = []
    sent = asyncio.Event()

    def watch(event: Event) -> None:
        seen.append(event)
        if isinstance(event, AttemptStarted):
            sent.set()

    async with B2BClient(sandbox.token, base_url=sandbox.url, observers=[watch]) as client:
        call = asyncio.ensure_future(client.users.list_page())
        await sent.wait()
        await asyncio.sleep(0.05)
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call
    attempt = next(event for event in seen if isinstance(event, AttemptEnded))
    assert isinstance(attempt.error, asyncio.CancelledError)
    assert attempt.status is None
    ended = next(event for event in seen if isinstance(event, CallEnded))
    assert isinstance(ended.error, asyncio.CancelledError)


async def test_an_async_observer_left_behind_drops_events_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Events beyond the queue's bound are dropped and counted, with one warning."""
    release = asyncio.Event()
    got: list[Event] = []

    async def stuck(event: Event) -> None:
        await release.wait()
        got.append(event)

    client = ObservedClient(server_address="example.org", server_port=443, url_scheme="https")
    observers = Observers([stuck], client)
    caplog.set_level(logging.WARNING, logger="yandex_b2b_async.observers")
    for _ in range(OBSERVER_QUEUE_LIMIT + 5):
        observers.emit(ClientOpened(client=client))
    assert observers.dropped == 5
    release.set()
    await observers.drain()
    assert len(got) == OBSERVER_QUEUE_LIMIT
    assert len([r for r in caplog.records if "behind" in r.getMessage()]) == 1


async def test_closing_gives_up_on_an_async_observer_that_never_finishes(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """close() waits for an async observer only up to its limit, then cancels it and warns."""

    async def hangs(event: Event) -> None:
        await asyncio.Event().wait()

    client = ObservedClient(server_address="example.org", server_port=443, url_scheme="https")
    observers = Observers([hangs], client)
    caplog.set_level(logging.WARNING, logger="yandex_b2b_async.observers")
    observers.emit(ClientOpened(client=client))
    await observers.close(0.05)
    assert any("did not catch up" in r.getMessage() for r in caplog.records)


async def test_a_bulk_run_reports_each_item_once_without_its_input(sandbox: Sandbox) -> None:
    """bulk_create sends one BulkProgressed per input, with its outcome and the counts, and
    never the input itself."""
    seen: list[Event] = []
    users = [employee(sandbox, phone=f"+7999200{i:04d}") for i in range(5)]
    users.append(employee(sandbox, phone=users[0].phone))  # the same phone: a conflict
    async with B2BClient(sandbox.token, base_url=sandbox.url, observers=[seen.append]) as client:
        await client.users.bulk_create(users, concurrency=2)
    progressed = [event for event in seen if isinstance(event, BulkProgressed)]
    assert sorted(event.index for event in progressed) == list(range(6))
    assert {event.operation for event in progressed} == {"users.create"}
    outcomes = [event.outcome for event in sorted(progressed, key=lambda e: e.index)]
    assert outcomes.count("succeeded") >= 5
    assert progressed[-1].done == 6
    assert progressed[-1].total == 6
    assert "+7999200" not in repr(progressed)
