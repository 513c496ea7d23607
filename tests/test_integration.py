"""The real client against the sandbox over loopback: each documented call end to end."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from yandex_b2b_async import (
    AuthenticationError,
    B2BClient,
    BadRequestError,
    ConflictError,
    Limit,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RetryPolicy,
    TransportError,
    UserCreate,
    UserIsDeletedError,
    UserPatch,
    UserUpdate,
)
from yandex_b2b_async.sandbox import Reply, Sandbox


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox() as sandbox:
        yield sandbox


@pytest.fixture
async def client(sandbox: Sandbox) -> AsyncIterator[B2BClient]:
    async with B2BClient(sandbox.token, base_url=sandbox.url, retry=None) as client:
        yield client


def employee(sandbox: Sandbox, phone: str = "+79990000001", **extra: object) -> UserCreate:
    return UserCreate(
        fullname="Ilya Ivanov",
        phone=phone,
        is_active=True,
        cost_centers_id=sandbox.cost_center_id,
        **extra,  # type: ignore[arg-type]
    )


async def test_create_then_get(client: B2BClient, sandbox: Sandbox) -> None:
    """A created employee can be read back with the data sent."""
    created = await client.users.create(
        employee(sandbox, email="ilya@example.com", limits=[Limit("lim-taxi", "taxi")])
    )
    user = await client.users.get(created.id)
    assert (user.id, user.phone, user.email, user.is_active, user.is_deleted) == (
        created.id,
        "+79990000001",
        "ilya@example.com",
        True,
        False,
    )
    assert [(limit.limit_id, limit.service) for limit in user.limits] == [("lim-taxi", "taxi")]


async def test_second_create_with_an_active_phone_conflicts(
    client: B2BClient, sandbox: Sandbox
) -> None:
    """A phone held by an active employee is a ConflictError naming that employee."""
    first = await client.users.create(employee(sandbox))
    with pytest.raises(ConflictError) as caught:
        await client.users.create(employee(sandbox))
    assert caught.value.conflict_user_id == first.id


async def test_create_with_an_archived_phone_says_user_is_deleted(
    client: B2BClient, sandbox: Sandbox
) -> None:
    """A phone of an archived employee is UserIsDeletedError naming that employee."""
    first = await client.users.create(employee(sandbox))
    await client.users.archive(first.id)
    with pytest.raises(UserIsDeletedError) as caught:
        await client.users.create(employee(sandbox))
    assert caught.value.conflict_user_id == first.id


async def test_create_or_restore_restores_with_new_data(
    client: B2BClient, sandbox: Sandbox
) -> None:
    """create_or_restore brings back the archived employee with the new data, no duplicate."""
    first = await client.users.create(employee(sandbox))
    await client.users.archive(first.id)
    outcome = await client.users.create_or_restore(
        UserCreate(
            fullname="Ilya Renamed",
            phone="+79990000001",
            is_active=True,
            cost_centers_id=sandbox.cost_center_id,
        )
    )
    assert (outcome.id, outcome.restored) == (first.id, True)
    user = await client.users.get(first.id)
    assert (user.fullname, user.is_deleted, user.is_active) == ("Ilya Renamed", False, True)
    assert len(sandbox.users()) == 1


async def test_restore_keeps_a_non_main_cost_center(client: B2BClient, sandbox: Sandbox) -> None:
    """restore() keeps the employee's cost center, which a bare PATCH would reset to the main."""
    other = sandbox.add_cost_center(name="Field team")
    created = await client.users.create(
        UserCreate(fullname="A", phone="+79990000002", is_active=True, cost_centers_id=other)
    )
    await client.users.archive(created.id)
    await client.users.restore(created.id)
    user = await client.users.get(created.id)
    assert (user.cost_centers_id, user.is_deleted, user.is_active) == (other, False, True)


async def test_bare_patch_resets_the_cost_center_as_documented(
    client: B2BClient, sandbox: Sandbox
) -> None:
    """A PATCH without cost_centers_id moves the employee to the main cost center."""
    other = sandbox.add_cost_center(name="Field team")
    created = await client.users.create(
        UserCreate(fullname="A", phone="+79990000003", is_active=True, cost_centers_id=other)
    )
    await client.users.patch(created.id, UserPatch(nickname="a"))
    assert (await client.users.get(created.id)).cost_centers_id == sandbox.cost_center_id


async def test_update_replaces_the_record(client: B2BClient, sandbox: Sandbox) -> None:
    """PUT replaces the record."""
    created = await client.users.create(employee(sandbox, nickname="old"))
    await client.users.update(
        created.id,
        UserUpdate(
            fullname="New",
            phone="+79990000001",
            is_active=False,
            cost_centers_id=sandbox.cost_center_id,
        ),
    )
    user = await client.users.get(created.id)
    assert (user.fullname, user.is_active) == ("New", False)


async def test_unknown_user_is_not_found(client: B2BClient) -> None:
    """Archiving or reading an unknown id is NotFoundError."""
    with pytest.raises(NotFoundError):
        await client.users.archive("0" * 32)
    with pytest.raises(NotFoundError):
        await client.users.get("0" * 32)


async def test_bad_token_is_an_authentication_error(sandbox: Sandbox) -> None:
    """A token the server does not know is AuthenticationError."""
    async with B2BClient("not-a-token", base_url=sandbox.url, retry=None) as client:
        with pytest.raises(AuthenticationError):
            await client.users.archive("0" * 32)


async def test_several_clients_need_the_selected_client_header(sandbox: Sandbox) -> None:
    """A token reaching two clients needs client_id; a foreign client_id is denied."""
    second = sandbox.add_client("Second")
    token = sandbox.add_token([sandbox.client_id, second])
    async with B2BClient(token, base_url=sandbox.url, retry=None) as client:
        with pytest.raises(PermissionDeniedError) as caught:
            await client.users.create(employee(sandbox))
        assert caught.value.code == "SELECT_CLIENT_HEADER_REQUIRED"
    async with B2BClient(token, client_id="f" * 32, base_url=sandbox.url, retry=None) as client:
        with pytest.raises(PermissionDeniedError) as caught:
            await client.users.create(employee(sandbox))
        assert caught.value.code == "SELECTED_CLIENT_ACCESS_DENIED"
    async with B2BClient(token, client_id=second, base_url=sandbox.url, retry=None) as client:
        created = await client.users.create(employee(sandbox))
    assert sandbox.user(created.id, client_id=second)["id"] == created.id


async def test_department_archive_removes_the_subtree(client: B2BClient, sandbox: Sandbox) -> None:
    """Archiving a department removes it and its children, answering every id."""
    parent = sandbox.add_department("Sales")
    child = sandbox.add_department("Sales EU", parent_id=parent)
    removed = await client.departments.archive(parent)
    assert sorted(removed.deleted_ids) == sorted([parent, child])
    assert [dep.id async for dep in client.departments.list()] == []


async def test_department_with_an_active_employee_is_not_archived(
    client: B2BClient, sandbox: Sandbox
) -> None:
    """A department holding an active employee is refused with 400 and stays."""
    parent = sandbox.add_department("Sales")
    await client.users.create(employee(sandbox, department_id=parent))
    with pytest.raises(BadRequestError):
        await client.departments.archive(parent)
    assert [dep.id async for dep in client.departments.list()] == [parent]


async def test_department_with_roles_is_not_archived(client: B2BClient, sandbox: Sandbox) -> None:
    """A department with a manager or secretary attached is refused with 400."""
    parent = sandbox.add_department("Sales")
    sandbox.add_department("Sales EU", parent_id=parent, with_roles=True)
    with pytest.raises(BadRequestError):
        await client.departments.archive(parent)


async def test_read_side_calls(client: B2BClient, sandbox: Sandbox) -> None:
    """find_by_phone, departments create/update, cost centers and auth answer end to end."""
    created = await client.users.create(employee(sandbox))
    assert [user.id for user in await client.users.find_by_phone("+79990000001")] == [created.id]
    department = await client.departments.create("Marketing")
    await client.departments.update(department.id, name="Marketing B2B")
    assert [dep.name async for dep in client.departments.list()] == ["Marketing B2B"]
    assert sandbox.cost_center_id in [cc.id async for cc in client.cost_centers.list()]
    assert [info.client_id for info in await client.auth.clients()] == [sandbox.client_id]


async def test_department_create_with_a_lost_answer_is_not_repeated(sandbox: Sandbox) -> None:
    """A department create whose answer was lost is found by name, not created twice."""
    sandbox.faults.script(
        "POST", "/integration/2.0/departments/create", [Reply.drop_after(), Reply(status=503)]
    )
    policy = RetryPolicy(backoff_initial=0, backoff_max=0)
    async with B2BClient(sandbox.token, base_url=sandbox.url, retry=policy) as client:
        created = await client.departments.create("Marketing")
    assert created.reconciled
    assert [dep["id"] for dep in sandbox.departments()] == [created.id]


async def test_department_create_answered_503_unprocessed_is_sent_again(sandbox: Sandbox) -> None:
    """A 503 that did nothing leads to a lookup that finds nothing, then one more create."""
    sandbox.faults.script("POST", "/integration/2.0/departments/create", [Reply(status=503)])
    policy = RetryPolicy(backoff_initial=0, backoff_max=0)
    async with B2BClient(sandbox.token, base_url=sandbox.url, retry=policy) as client:
        created = await client.departments.create("Marketing")
    assert not created.reconciled
    assert [dep["id"] for dep in sandbox.departments()] == [created.id]


async def test_a_pause_longer_than_the_deadline_fails_at_once(sandbox: Sandbox) -> None:
    """A call whose deadline ends before the client's 429 pause does is not sent and not held."""
    sandbox.faults.script("GET", "/integration/2.0/users", [Reply.rate_limited(30)])
    async with B2BClient(sandbox.token, base_url=sandbox.url, timeout=1, retry=None) as client:
        with pytest.raises(RateLimitError):
            await client.users.get("0" * 32)
        requests = sandbox.stats.requests
        with pytest.raises(TransportError) as caught:
            await asyncio.wait_for(
                client.users.get("0" * 32, retry=RetryPolicy(deadline=2)), timeout=1
            )
    assert caught.value.sent is False
    assert sandbox.stats.requests == requests
