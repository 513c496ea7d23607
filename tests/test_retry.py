"""Retries against the sandbox with injected faults: what is retried, how long it waits, when it
gives up, and how a create whose reply was lost is reconciled. Waits are made instant by
injecting the policy's `sleep`."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator
from email.utils import formatdate

import attrs
import pytest

from yandex_b2b_async import (
    B2BClient,
    BadRequestError,
    ConflictError,
    NotFoundError,
    RateLimit,
    RateLimitError,
    RetryPolicy,
    ServerError,
    TransportError,
    UserCreate,
    UserPatch,
    ValidationError,
)
from yandex_b2b_async.retries import RetryBudget, RetryEvent
from yandex_b2b_async.sandbox import Reply, Sandbox

USERS = "/integration/2.0/users"
ARCHIVE = "/integration/2.0/users/archive"


@attrs.define
class Recorder:
    """An instant `sleep` and the hooks' events, for one test."""

    waits: list[float] = attrs.Factory(list)
    retries: list[RetryEvent] = attrs.Factory(list)
    give_ups: list[RetryEvent] = attrs.Factory(list)

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)

    def policy(self, **options: object) -> RetryPolicy:
        settings: dict[str, object] = {
            "max_attempts": 4,
            "backoff_initial": 0.01,
            "backoff_max": 0.05,
            "sleep": self.sleep,
            "on_retry": self.retries.append,
            "on_give_up": self.give_ups.append,
        }
        settings.update(options)
        return RetryPolicy(**settings)  # type: ignore[arg-type]


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox() as running:
        yield running


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
async def client(sandbox: Sandbox, recorder: Recorder) -> AsyncIterator[B2BClient]:
    async with B2BClient(
        sandbox.token, base_url=sandbox.url, timeout=2.0, retry=recorder.policy()
    ) as running:
        yield running


def new_user(sandbox: Sandbox, phone: str = "+79990000001") -> UserCreate:
    return UserCreate(
        fullname="Ilya Ivanov", phone=phone, is_active=True, cost_centers_id=sandbox.cost_center_id
    )


# -- what is retried -----------------------------------------------------------------------------


async def test_a_503_is_retried_and_the_second_answer_returned(
    sandbox: Sandbox, client: B2BClient, recorder: Recorder
) -> None:
    """A 503 is retried and the second attempt's answer is returned."""
    sandbox.faults.script("POST", USERS, [Reply(status=503)])
    created = await client.users.create(new_user(sandbox))
    assert sandbox.stats.count("POST", USERS) == 2
    assert [user["id"] for user in sandbox.users()] == [created.id]
    assert not created.reconciled
    assert [(event.attempt, event.reason) for event in recorder.retries] == [(1, "HTTP 503")]


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
async def test_each_transient_status_is_retried(
    sandbox: Sandbox, client: B2BClient, status: int
) -> None:
    """429 and 500/502/503/504 are retried."""
    headers = {"Retry-After": "0"} if status == 429 else {}
    sandbox.faults.script("POST", ARCHIVE, [Reply(status=status, headers=headers)])
    user_id = sandbox.add_user(phone="+79990000002")
    await client.users.archive(user_id)
    assert sandbox.stats.count("POST", ARCHIVE) == 2


@pytest.mark.parametrize(
    ("status", "error"), [(400, BadRequestError), (404, NotFoundError), (406, ConflictError)]
)
async def test_other_4xx_answers_are_never_retried(
    sandbox: Sandbox, client: B2BClient, recorder: Recorder, status: int, error: type[Exception]
) -> None:
    """A 400, 404 or 406 ends the call after one attempt, with no hook called."""
    sandbox.faults.script("POST", ARCHIVE, [Reply(status=status)])
    with pytest.raises(error) as caught:
        await client.users.archive("no-such-user")
    assert sandbox.stats.count("POST", ARCHIVE) == 1
    assert caught.value.attempts == 1  # type: ignore[attr-defined]
    assert recorder.retries == recorder.give_ups == []


async def test_an_unknown_user_is_not_retried(sandbox: Sandbox, client: B2BClient) -> None:
    """The sandbox's real 404 for an unknown id is final after one attempt."""
    with pytest.raises(NotFoundError):
        await client.users.archive("no-such-user")
    assert sandbox.stats.count("POST", ARCHIVE) == 1


async def test_an_edit_whose_reply_was_lost_is_retried(sandbox: Sandbox, client: B2BClient) -> None:
    """A PATCH processed by the server whose reply was lost is sent again (it is idempotent)."""
    user_id = sandbox.add_user(phone="+79990000003")
    sandbox.faults.script("PATCH", USERS, [Reply.drop_after()])
    await client.users.patch(user_id, UserPatch(nickname="ilya", cost_centers_id="cc-1"))
    assert sandbox.stats.count("PATCH", USERS) == 2
    assert sandbox.user(user_id)["nickname"] == "ilya"


async def test_a_refused_connection_is_retried_and_reported_as_not_sent(
    recorder: Recorder,
) -> None:
    """Connect refused is retried up to max_attempts and ends in TransportError(sent=False)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    policy = recorder.policy(max_attempts=3)
    async with B2BClient("token", base_url=f"http://127.0.0.1:{port}", retry=policy) as client:
        with pytest.raises(TransportError) as caught:
            await client.users.archive("someone")
    assert caught.value.sent is False
    assert caught.value.attempts == 3
    assert not caught.value.after_unknown_outcome
    assert [event.reason for event in recorder.retries] == ["not sent", "not sent"]
    assert [event.reason for event in recorder.give_ups] == ["max_attempts"]


async def test_a_cancelled_call_is_not_retried(sandbox: Sandbox, client: B2BClient) -> None:
    """Cancelling a call stops it: no retry follows, and the client's gate is left clear."""
    sandbox.faults.script("POST", ARCHIVE, [Reply.passthrough(delay=5.0)])
    task = asyncio.create_task(client.users.archive("someone"))
    while sandbox.stats.count("POST", ARCHIVE) == 0:  # noqa: ASYNC110 (no event to await)
        await asyncio.sleep(0.005)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.sleep(0.05)
    assert sandbox.stats.count("POST", ARCHIVE) == 1
    assert client.pacer.waiting == 0
    assert client.pacer.try_acquire()


# -- a create whose outcome is unknown --------------------------------------------------------


async def test_a_create_whose_reply_was_lost_is_reconciled(
    sandbox: Sandbox, client: B2BClient
) -> None:
    """Lost reply, retry answers 406 naming the employee: its id is returned, one employee."""
    sandbox.faults.script("POST", USERS, [Reply.drop_after()])
    created = await client.users.create(new_user(sandbox))
    assert created.reconciled
    assert [user["id"] for user in sandbox.users()] == [created.id]
    assert sandbox.stats.count("POST", USERS) == 2


async def test_a_create_processed_behind_a_502_is_reconciled(
    sandbox: Sandbox, client: B2BClient
) -> None:
    """A create the server processed but answered 502 for resolves to the employee it made."""
    sandbox.faults.script("POST", USERS, [Reply(status=502, process=True)])
    created = await client.users.create(new_user(sandbox))
    assert created.reconciled
    assert [user["id"] for user in sandbox.users()] == [created.id]


async def test_create_or_restore_reconciles_a_lost_reply(
    sandbox: Sandbox, client: B2BClient
) -> None:
    """create_or_restore resolves a lost create reply to the employee it made, not a conflict."""
    sandbox.faults.script("POST", USERS, [Reply.drop_after()])
    outcome = await client.users.create_or_restore(new_user(sandbox))
    assert outcome.reconciled
    assert not outcome.restored
    assert [user["id"] for user in sandbox.users()] == [outcome.id]


async def test_a_create_dropped_before_processing_is_retried_once(
    sandbox: Sandbox, client: B2BClient
) -> None:
    """A connection dropped before processing: the retry creates the one employee."""
    sandbox.faults.script("POST", USERS, [Reply.drop_before()])
    created = await client.users.create(new_user(sandbox))
    assert [user["id"] for user in sandbox.users()] == [created.id]
    assert not created.reconciled


async def test_a_conflict_with_an_existing_employee_is_not_reconciled(
    sandbox: Sandbox, client: B2BClient
) -> None:
    """A 406 on the first attempt means another employee has the phone: ConflictError."""
    sandbox.add_user(phone="+79990000001")
    with pytest.raises(ConflictError) as caught:
        await client.users.create(new_user(sandbox))
    assert not caught.value.after_unknown_outcome
    assert len(sandbox.users()) == 1


# -- how long it waits -----------------------------------------------------------------------------


async def test_waits_are_full_jitter_within_the_backoff_bounds(recorder: Recorder) -> None:
    """Each wait lies in [0, min(backoff_max, backoff_initial * 2**(n-1))]."""
    policy = recorder.policy(backoff_initial=1.0, backoff_max=4.0)
    for retry_number, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 4.0), (50, 4.0)]:
        waits = [policy.backoff(retry_number) for _ in range(200)]
        assert all(0.0 <= wait <= ceiling for wait in waits)
        assert max(waits) > ceiling / 2  # jittered over the range, not pinned at zero


async def test_retry_after_in_seconds_is_obeyed_as_given(
    sandbox: Sandbox, client: B2BClient, recorder: Recorder
) -> None:
    """A 503 with Retry-After: 0.05 waits exactly that long before the retry."""
    sandbox.faults.script("POST", ARCHIVE, [Reply(status=503, headers={"Retry-After": "0.05"})])
    await client.users.archive(
        sandbox.add_user(phone="+79990000004"),
        retry=recorder.policy(max_retry_after=60),
    )
    assert recorder.waits == [0.05]


async def test_retry_after_as_an_http_date_is_obeyed(
    sandbox: Sandbox, client: B2BClient, recorder: Recorder
) -> None:
    """A Retry-After given as an HTTP date in the past means no wait."""
    past = formatdate(time.time() - 30, usegmt=True)
    sandbox.faults.script("POST", ARCHIVE, [Reply(status=503, headers={"Retry-After": past})])
    await client.users.archive(sandbox.add_user(phone="+79990000005"))
    assert recorder.waits == [0.0]


async def test_a_retry_after_beyond_the_maximum_fails_at_once(
    sandbox: Sandbox, client: B2BClient, recorder: Recorder
) -> None:
    """A Retry-After longer than max_retry_after is not slept: the call fails at once."""
    later = formatdate(time.time() + 600, usegmt=True)
    sandbox.faults.script("POST", ARCHIVE, [Reply(status=429, headers={"Retry-After": later})])
    with pytest.raises(RateLimitError) as caught:
        await client.users.archive("someone", retry=recorder.policy(max_retry_after=60))
    assert recorder.waits == []
    assert caught.value.attempts == 1
    assert [event.reason for event in recorder.give_ups] == ["retry_after_too_long"]


async def test_a_wait_past_the_deadline_fails_at_once(sandbox: Sandbox, recorder: Recorder) -> None:
    """A wait that would end past the deadline is not begun: the last error, at once."""
    sandbox.faults.script("POST", ARCHIVE, [Reply(status=503, headers={"Retry-After": "5"})])
    policy = recorder.policy(deadline=2.0)
    async with B2BClient(sandbox.token, base_url=sandbox.url, timeout=1.0, retry=policy) as client:
        with pytest.raises(ServerError) as caught:
            await client.users.archive("someone")
    assert recorder.waits == []
    assert caught.value.attempts == 1
    assert [event.reason for event in recorder.give_ups] == ["deadline"]


async def test_the_deadline_bounds_a_retry_held_by_a_client_wide_pause(
    sandbox: Sandbox, recorder: Recorder
) -> None:
    """A retry the client's pause would hold past the deadline fails at once, unsent."""
    sandbox.faults.script("POST", ARCHIVE, [Reply(status=503)])
    paused: list[B2BClient] = []

    def another_call_was_throttled(event: RetryEvent) -> None:
        paused[0].pacer.on_throttle(30.0)

    policy = recorder.policy(deadline=1.0, on_retry=another_call_was_throttled)
    async with B2BClient(sandbox.token, base_url=sandbox.url, timeout=0.5, retry=policy) as client:
        paused.append(client)
        started = time.monotonic()
        with pytest.raises(ServerError) as caught:
            await client.users.archive("someone")
        assert time.monotonic() - started < 1.0
    assert caught.value.attempts == 1
    assert sandbox.stats.count("POST", ARCHIVE) == 1
    assert [event.reason for event in recorder.give_ups] == ["deadline"]


async def test_a_retry_is_not_sent_when_the_sleep_overran_the_deadline(
    sandbox: Sandbox, recorder: Recorder
) -> None:
    """If the wait itself ends past the deadline (a late timer), the retry is not sent."""
    now = [0.0]

    async def oversleep(seconds: float) -> None:
        now[0] += 5.0

    sandbox.faults.script("POST", ARCHIVE, [Reply(status=503)])
    policy = recorder.policy(deadline=2.0, sleep=oversleep, clock=lambda: now[0])
    async with B2BClient(sandbox.token, base_url=sandbox.url, timeout=1.0, retry=policy) as client:
        with pytest.raises(ServerError) as caught:
            await client.users.archive("someone")
    assert caught.value.attempts == 1
    assert sandbox.stats.count("POST", ARCHIVE) == 1
    assert [event.reason for event in recorder.give_ups] == ["deadline"]


# -- when it gives up ----------------------------------------------------------------------------


async def test_the_final_error_counts_the_attempts(
    sandbox: Sandbox, client: B2BClient, recorder: Recorder
) -> None:
    """After max_attempts failures, the last error says how many attempts were made."""
    sandbox.faults.outage()
    with pytest.raises(ServerError) as caught:
        await client.users.archive("someone")
    assert caught.value.attempts == 4
    assert sandbox.stats.count("POST", ARCHIVE) == 4
    assert [event.attempt for event in recorder.retries] == [1, 2, 3]
    (give_up,) = recorder.give_ups
    assert (give_up.attempt, give_up.reason, give_up.call) == (
        4,
        "max_attempts",
        "POST /users/archive",
    )


@pytest.mark.parametrize("retry", [RetryPolicy.none(), None])
async def test_a_per_call_policy_of_none_makes_one_attempt(
    sandbox: Sandbox, client: B2BClient, retry: RetryPolicy | None
) -> None:
    """retry=RetryPolicy.none() or retry=None on a call makes exactly one attempt."""
    sandbox.faults.script("POST", ARCHIVE, [Reply(status=503)])
    with pytest.raises(ServerError) as caught:
        await client.users.archive("someone", retry=retry)
    assert caught.value.attempts == 1
    assert sandbox.stats.count("POST", ARCHIVE) == 1


async def test_a_client_without_retries_makes_one_attempt(sandbox: Sandbox) -> None:
    """B2BClient(retry=None) never retries."""
    sandbox.faults.script("POST", ARCHIVE, [Reply(status=503)])
    async with B2BClient(sandbox.token, base_url=sandbox.url, retry=None) as client:
        with pytest.raises(ServerError):
            await client.users.archive("someone")
    assert sandbox.stats.count("POST", ARCHIVE) == 1


async def test_an_outage_drains_the_budget_so_n_calls_make_about_n_attempts(
    sandbox: Sandbox, recorder: Recorder
) -> None:
    """During a full outage, once the retry budget is spent each call makes one attempt."""
    budget = RetryBudget(capacity=20, retry_cost=5)
    sandbox.faults.outage()
    async with B2BClient(
        sandbox.token, base_url=sandbox.url, retry=recorder.policy(), retry_budget=budget
    ) as client:
        results = await asyncio.gather(
            *(client.users.archive(f"user-{n}") for n in range(50)), return_exceptions=True
        )
    assert all(isinstance(result, ServerError) for result in results)
    assert sandbox.stats.count("POST", ARCHIVE) == 50 + 4
    assert (budget.available, budget.spent) == (0, 4)
    assert budget.denied == 50  # 46 first failures, then the 4 retried calls' second ones
    assert "budget_exhausted" in {event.reason for event in recorder.give_ups}


async def test_successes_refill_the_budget(sandbox: Sandbox, client: B2BClient) -> None:
    """A retry spends from the client's budget; the answers that follow give it back."""
    budget = client.retry_budget
    assert budget is not None
    sandbox.faults.script("POST", ARCHIVE, [Reply(status=503)])
    await client.users.archive(sandbox.add_user(phone="+79990000006"))
    assert budget.available == budget.capacity - budget.retry_cost + budget.success_refill
    for _ in range(budget.retry_cost):
        await client.auth.clients()
    assert budget.available == budget.capacity


# -- rate control across the client -----------------------------------------------------------


@pytest.mark.parametrize("status", [429, 503])
async def test_a_retry_after_pauses_the_other_calls_too(
    sandbox: Sandbox, client: B2BClient, status: int
) -> None:
    """A 429 or 503 with Retry-After holds every call of the client, not only its own."""
    reply = Reply(status=status, headers={"Retry-After": "0.3"})
    sandbox.faults.script("POST", ARCHIVE, [reply])
    throttled = asyncio.create_task(client.users.archive(sandbox.add_user(phone="+79990000007")))
    while client.pacer.throttles == 0:  # noqa: ASYNC110 (no event to await)
        await asyncio.sleep(0.005)
    started = time.monotonic()
    await client.auth.clients()
    assert time.monotonic() - started >= 0.2
    await throttled


async def test_a_rate_limit_paces_every_call_of_the_client(sandbox: Sandbox) -> None:
    """Calls made together share one bucket: 21 calls at 100/s with burst 1 take >= 0.2 s."""
    async with B2BClient(
        sandbox.token, base_url=sandbox.url, rate_limit=RateLimit(rate=100, burst=1)
    ) as client:
        started = time.monotonic()
        await asyncio.gather(*(client.auth.clients() for _ in range(21)))
        assert time.monotonic() - started >= 0.2 - 0.01


async def test_an_adaptive_client_cuts_its_rate_on_a_429(
    sandbox: Sandbox, recorder: Recorder
) -> None:
    """A 429 met through the client lowers its adaptive rate below the configured one."""
    sandbox.faults.script("GET", "/integration/2.0/auth/list", [Reply.rate_limited(0)])
    async with B2BClient(
        sandbox.token,
        base_url=sandbox.url,
        retry=recorder.policy(),
        rate_limit=RateLimit(rate=1000, burst=10, adaptive=True),
    ) as client:
        await client.auth.clients()
        assert client.pacer.current_rate is not None
        assert client.pacer.current_rate < 1000
        assert client.pacer.throttles == 1


async def test_max_concurrency_caps_the_attempts_in_flight(sandbox: Sandbox) -> None:
    """With max_concurrency=2 the server never sees more than two requests at once."""
    sandbox.faults.latency(0.02)
    async with B2BClient(sandbox.token, base_url=sandbox.url, max_concurrency=2) as client:
        await asyncio.gather(*(client.auth.clients() for _ in range(10)))
    assert sandbox.stats.max_in_flight == 2


# -- configuration -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"max_attempts": 0}, "RetryPolicy.max_attempts"),
        ({"max_attempts": -1}, "RetryPolicy.max_attempts"),
        ({"backoff_initial": -0.5}, "RetryPolicy.backoff_initial"),
        ({"backoff_initial": 2.0, "backoff_max": 1.0}, "RetryPolicy.backoff_max"),
        ({"deadline": 0}, "RetryPolicy.deadline"),
        ({"max_retry_after": float("inf")}, "RetryPolicy.max_retry_after"),
        ({"retry_statuses": {200}}, "RetryPolicy.retry_statuses"),
        ({"on_retry": "log"}, "RetryPolicy.on_retry"),
    ],
)
def test_bad_retry_policy_is_refused_naming_the_field(
    options: dict[str, object], field: str
) -> None:
    """A bad RetryPolicy value is refused at construction with a ValidationError naming it."""
    with pytest.raises(ValidationError) as caught:
        RetryPolicy(**options)  # type: ignore[arg-type]
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"retry": "fast"}, "retry"),
        ({"max_concurrency": 0}, "max_concurrency"),
        ({"retry_budget": 10}, "retry_budget"),
    ],
)
def test_bad_client_retry_configuration_is_refused(options: dict[str, object], field: str) -> None:
    """A retry that is not a policy, or a bad concurrency or budget, is refused."""
    with pytest.raises(ValidationError) as caught:
        B2BClient("token", timeout=30, **options)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_bad_retry_budget_is_refused() -> None:
    """A negative retry budget is refused, naming the field."""
    with pytest.raises(ValidationError) as caught:
        RetryBudget(capacity=-1)
    assert caught.value.field == "RetryBudget.capacity"


async def test_a_per_call_deadline_shorter_than_the_timeout_is_accepted(
    sandbox: Sandbox, client: B2BClient
) -> None:
    """A per-call policy with a deadline below the client's timeout runs the call."""
    user_id = sandbox.add_user(phone="+79990001122")
    await client.users.archive(user_id, retry=RetryPolicy(deadline=1.0))
    assert sandbox.stats.requests == 1


async def test_a_hook_that_raises_does_not_break_the_call(
    sandbox: Sandbox, client: B2BClient, recorder: Recorder
) -> None:
    """An on_retry hook that raises is logged and ignored; the call goes on."""

    def broken(event: RetryEvent) -> None:
        raise RuntimeError("hook bug")

    sandbox.faults.script("POST", ARCHIVE, [Reply(status=503)])
    user_id = sandbox.add_user(phone="+79990000008")
    await client.users.archive(user_id, retry=recorder.policy(on_retry=broken))
    assert sandbox.stats.count("POST", ARCHIVE) == 2


async def test_the_final_error_says_an_earlier_attempt_may_have_been_processed(
    sandbox: Sandbox, client: B2BClient
) -> None:
    """A call whose reply was lost and then failed says after_unknown_outcome on its error."""
    sandbox.faults.script("POST", ARCHIVE, [Reply.drop_after(), *[Reply(status=500)] * 3])
    with pytest.raises(ServerError) as caught:
        await client.users.archive(sandbox.add_user(phone="+79990000009"))
    assert caught.value.after_unknown_outcome
    assert caught.value.attempts == 4
