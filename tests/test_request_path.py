"""The single request path: the reconcile hook of a create whose outcome is unknown, how loudly
a give-up is logged when the caller handles the failure itself, and the query fast path."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from yarl import URL

from yandex_b2b_async import B2BClient, RetryPolicy, ServerError, UserCreate
from yandex_b2b_async._request import _with_query
from yandex_b2b_async.retries import caller_handles_failures
from yandex_b2b_async.sandbox import Reply, Sandbox

USERS = "/integration/2.0/users"


async def _no_wait(_: float) -> None:
    return None


INSTANT = RetryPolicy(max_attempts=3, sleep=_no_wait)


@pytest.fixture
def sandbox() -> Sandbox:
    return Sandbox()


@pytest.fixture
async def client(sandbox: Sandbox) -> AsyncIterator[B2BClient]:
    async with B2BClient(sandbox.token, transport=sandbox.transport(), retry=INSTANT) as running:
        yield running


def new_user(sandbox: Sandbox, phone: str = "+79990000001") -> UserCreate:
    return UserCreate(
        fullname="Ilya Ivanov", phone=phone, is_active=True, cost_centers_id=sandbox.cost_center_id
    )


def loud_give_ups(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.levelno >= logging.INFO and "giving up" in record.getMessage()
    ]


async def test_a_reconciled_create_logs_no_give_up(
    sandbox: Sandbox, client: B2BClient, caplog: pytest.LogCaptureFixture
) -> None:
    """A create whose lost answer is reconciled from the retry's 406 logs no 'giving up'."""
    caplog.set_level(logging.DEBUG)
    sandbox.faults.script("POST", USERS, [Reply.drop_after()])
    created = await client.users.create(new_user(sandbox))
    assert created.reconciled
    assert loud_give_ups(caplog) == []


async def test_give_ups_inside_caller_handles_failures_are_debug(
    sandbox: Sandbox, client: B2BClient, caplog: pytest.LogCaptureFixture
) -> None:
    """Within caller_handles_failures(), a call that runs out of attempts logs at DEBUG only."""
    caplog.set_level(logging.DEBUG)
    sandbox.faults.script("GET", USERS, [Reply(status=503)] * 3)
    with caller_handles_failures(), pytest.raises(ServerError):
        await client.users.get("u1")
    assert loud_give_ups(caplog) == []
    assert any("giving up" in record.getMessage() for record in caplog.records)


async def test_a_give_up_outside_it_is_a_warning(
    sandbox: Sandbox, client: B2BClient, caplog: pytest.LogCaptureFixture
) -> None:
    """A call that runs out of attempts on its own logs its give-up at WARNING."""
    sandbox.faults.script("GET", USERS, [Reply(status=503)] * 3)
    with pytest.raises(ServerError):
        await client.users.get("u1")
    assert [r.levelno for r in caplog.records if "giving up" in r.getMessage()] == [logging.WARNING]


async def test_reconcile_runs_before_the_next_attempt_after_an_unknown_outcome(
    sandbox: Sandbox, client: B2BClient
) -> None:
    """After a lost answer the hook is awaited before a retry, and its result ends the call."""
    sandbox.faults.script("POST", USERS, [Reply.drop_after()])
    calls: list[str] = []

    async def reconcile() -> str | None:
        calls.append("reconcile")
        return "found"

    result = await client.request(
        "POST",
        "/users",
        body={"fullname": "A", "phone": "+79990000009", "is_active": True},
        response=str,
        idempotent=False,
        reconcile=reconcile,
    )
    assert result == "found"
    assert calls == ["reconcile"]
    assert sandbox.stats.requests == 1


async def test_reconcile_finding_nothing_lets_the_create_be_sent_again(
    sandbox: Sandbox, client: B2BClient
) -> None:
    """A 503 that did nothing: the hook finds nothing, and the create is sent once more."""
    sandbox.faults.script("POST", "/integration/2.0/departments/create", [Reply(status=503)])
    created = await client.departments.create("Sales")
    assert not created.reconciled
    assert [dep["id"] for dep in sandbox.departments()] == [created.id]


async def test_a_non_idempotent_call_without_reconcile_is_not_repeated_after_a_loss(
    sandbox: Sandbox, client: B2BClient
) -> None:
    """idempotent=False without a hook: a lost answer is not retried."""
    sandbox.faults.script("POST", USERS, [Reply.drop_after()])
    with pytest.raises(Exception, match="connection"):
        await client.request(
            "POST",
            "/users",
            body={"fullname": "A", "phone": "+79990000009", "is_active": True},
            idempotent=False,
        )
    assert sandbox.stats.requests == 1


async def test_reconcile_runs_without_retries_too(sandbox: Sandbox) -> None:
    """With retries off, a department create whose answer was lost is still looked up."""
    sandbox.faults.script("POST", "/integration/2.0/departments/create", [Reply.drop_after()])
    async with B2BClient(sandbox.token, transport=sandbox.transport(), retry=None) as client:
        created = await client.departments.create("Sales")
    assert created.reconciled
    assert len(sandbox.departments()) == 1


@settings(max_examples=300, deadline=None)
@given(
    params=st.dictionaries(
        st.sampled_from(["user_id", "limit", "cursor", "offset"]),
        st.text(max_size=12) | st.integers(min_value=0, max_value=10**6),
        min_size=1,
    )
)
def test_the_query_fast_path_builds_the_url_yarl_would(params: dict[str, str | int]) -> None:
    """Whatever the values, the request path's query is the one yarl's with_query makes."""
    base = "http://127.0.0.1:1/integration/2.0/users"
    url = URL(base)
    built = _with_query(url, params)
    expected = url.with_query(params)
    assert built == expected
    assert built.raw_query_string == expected.raw_query_string


async def test_a_bulk_run_logs_no_give_up_per_row(
    sandbox: Sandbox, client: B2BClient, caplog: pytest.LogCaptureFixture
) -> None:
    """Rows of a bulk run that run out of attempts are in its report, not one warning each."""
    sandbox.faults.outage(True)
    users = [new_user(sandbox, phone=f"+7999000000{i}") for i in range(3)]
    report = await client.users.bulk_create(users, concurrency=2)
    assert report.failed == 3
    assert loud_give_ups(caplog) == []


async def test_a_reconcile_that_fails_ends_the_call_without_resending(
    sandbox: Sandbox, client: B2BClient
) -> None:
    """A hook that cannot look (its own call fails) ends the call with that error: no resend."""
    sandbox.faults.script("POST", USERS, [Reply.drop_after()])

    async def reconcile() -> str | None:
        raise ServerError(503, message="lookup failed")

    with pytest.raises(ServerError, match="lookup failed"):
        await client.request(
            "POST",
            "/users",
            body={"fullname": "A", "phone": "+79990000009", "is_active": True},
            response=str,
            idempotent=False,
            reconcile=reconcile,
        )
    assert sandbox.stats.requests == 1
