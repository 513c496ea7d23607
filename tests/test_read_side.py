"""The read calls against the sandbox: users (get, cursor pages, by phone), departments (offset
pages, create, update), cost centers and the clients a token reaches."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yandex_b2b_async import (
    APIError,
    AssignedLimit,
    B2BClient,
    InvalidResponseError,
    NotFoundError,
    RetryPolicy,
    ServerError,
    Service,
    User,
    ValidationError,
)
from yandex_b2b_async.sandbox import Reply, Sandbox
from yandex_b2b_async.sandbox.state import JSONObject

USERS = "/integration/2.0/users"


async def _no_wait(_: float) -> None:
    """Retry waits in these tests are instant."""


INSTANT_RETRY = RetryPolicy(max_attempts=3, sleep=_no_wait)


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    """A fresh sandbox on loopback."""
    async with Sandbox() as running:
        yield running


@pytest.fixture
async def client(sandbox: Sandbox) -> AsyncIterator[B2BClient]:
    """The real client, retrying instantly."""
    async with B2BClient(sandbox.token, base_url=sandbox.url, retry=INSTANT_RETRY) as opened:
        yield opened


def seed(sandbox: Sandbox, count: int) -> list[str]:
    """Seed ``count`` active employees; returns their ids in creation order."""
    return [
        sandbox.add_user(phone=f"+7900{index:07d}", fullname=f"Employee {index}")
        for index in range(count)
    ]


def list_cursors(sandbox: Sandbox) -> list[str | None]:
    """The ``cursor`` query of every list request the sandbox received, in order."""
    return [
        entry.query.get("cursor")
        for entry in sandbox.stats.log
        if entry.method == "GET" and entry.path == USERS and "user_id" not in entry.query
    ]


# -- users: pages ------------------------------------------------------------------------------


async def test_list_of_an_empty_account_yields_nothing(client: B2BClient, sandbox: Sandbox) -> None:
    """An empty account yields no employee after a single request."""
    assert [user async for user in client.users.list()] == []
    assert list_cursors(sandbox) == [None]


async def test_pages_of_an_empty_account_is_one_empty_page(client: B2BClient) -> None:
    """The page-level form yields the one empty page of an empty account."""
    pages = [page async for page in client.users.pages()]
    assert len(pages) == 1
    assert pages[0].items == ()
    assert pages[0].next_cursor is None


async def test_list_of_exactly_one_page(client: B2BClient, sandbox: Sandbox) -> None:
    """A full single page is followed to the empty page after it, and yields each employee once."""
    ids = seed(sandbox, 5)
    assert [user.id async for user in client.users.list(limit=5)] == ids
    assert len(list_cursors(sandbox)) == 2


async def test_pages_skip_the_trailing_empty_page(client: B2BClient, sandbox: Sandbox) -> None:
    """The empty page that ends a non-empty listing is not yielded."""
    seed(sandbox, 5)
    pages = [page async for page in client.users.pages(limit=5)]
    assert [len(page.items) for page in pages] == [5]


async def test_list_of_many_pages_keeps_creation_order(client: B2BClient, sandbox: Sandbox) -> None:
    """Many pages are followed through next_cursor; every employee comes once, oldest first."""
    ids = seed(sandbox, 23)
    assert [user.id async for user in client.users.list(limit=5)] == ids
    assert len(list_cursors(sandbox)) == 6


@settings(max_examples=25, deadline=None)
@given(count=st.integers(0, 30), limit=st.integers(1, 12))
async def test_any_account_lists_completely_whatever_the_page_size(count: int, limit: int) -> None:
    """Every employee is listed once, in creation order, in ceil(count / limit) + 1 requests."""
    async with Sandbox() as sandbox:
        ids = seed(sandbox, count)
        async with B2BClient(sandbox.token, base_url=sandbox.url) as client:
            assert [user.id async for user in client.users.list(limit=limit)] == ids
        assert len(list_cursors(sandbox)) == -(-count // limit) + 1


async def test_list_includes_archived_employees(client: B2BClient, sandbox: Sandbox) -> None:
    """Archived employees are listed too, marked is_deleted."""
    active = sandbox.add_user(phone="+79000000001")
    archived = sandbox.add_user(phone="+79000000002", is_deleted=True)
    listed = {user.id: user.is_deleted async for user in client.users.list()}
    assert listed == {active: False, archived: True}


async def test_a_cursor_page_that_fails_is_retried_with_the_same_cursor(
    client: B2BClient, sandbox: Sandbox
) -> None:
    """A 503 on the second page is retried with the same cursor and the listing completes."""
    ids = seed(sandbox, 12)
    sandbox.faults.script("GET", USERS, [Reply.passthrough(), Reply(status=503)])
    assert [user.id async for user in client.users.list(limit=5)] == ids
    cursors = list_cursors(sandbox)
    assert cursors[1] is not None
    assert cursors[1] == cursors[2]
    assert len(cursors) == 5


async def test_a_cursor_page_that_keeps_failing_raises(client: B2BClient, sandbox: Sandbox) -> None:
    """When every retry of a page fails, the listing raises after the pages already yielded."""
    seed(sandbox, 12)
    sandbox.faults.script("GET", USERS, [Reply.passthrough(), *[Reply(status=503)] * 3])
    seen: list[User] = []

    async def drain() -> None:
        async for user in client.users.list(limit=5):
            seen.append(user)

    with pytest.raises(ServerError):
        await drain()
    assert len(seen) == 5


async def test_a_dropped_connection_mid_listing_is_retried(
    client: B2BClient, sandbox: Sandbox
) -> None:
    """A connection dropped before the answer to a page is retried like a 5xx."""
    ids = seed(sandbox, 7)
    sandbox.faults.script("GET", USERS, [Reply.passthrough(), Reply.drop_before()])
    assert [user.id async for user in client.users.list(limit=3)] == ids


async def test_a_repeated_next_cursor_is_refused(client: B2BClient, sandbox: Sandbox) -> None:
    """A server answering the same next_cursor twice ends the listing with an error, not a loop."""
    page: JSONObject = {"items": [{"id": "u1"}], "next_cursor": "same"}
    sandbox.faults.script("GET", USERS, [Reply(status=200, body=page)] * 3)
    with pytest.raises(InvalidResponseError):
        _ = [user async for user in client.users.list()]


async def test_list_page_refuses_a_bad_limit_before_sending(
    client: B2BClient, sandbox: Sandbox
) -> None:
    """A page size outside 1..1000 is a ValidationError and nothing is sent."""
    with pytest.raises(ValidationError, match="limit"):
        await client.users.list_page(limit=0)
    assert sandbox.stats.requests == 0


# -- users: one employee -------------------------------------------------------------------------


async def test_get_returns_the_employee(client: B2BClient, sandbox: Sandbox) -> None:
    """get() returns every field the API shows, limits typed."""
    user_id = sandbox.add_user(
        phone="+79001112233",
        fullname="Ilya Ivanov",
        email="ilya@example.com",
        nickname="ext-1",
        limits=[("taxi", "lim-1")],
    )
    user = await client.users.get(user_id)
    assert user.id == user_id
    assert (user.fullname, user.phone, user.email, user.nickname) == (
        "Ilya Ivanov",
        "+79001112233",
        "ilya@example.com",
        "ext-1",
    )
    assert user.is_deleted is False
    assert user.cost_centers_id == sandbox.cost_center_id
    assert user.limits == (AssignedLimit("lim-1", Service.TAXI),)


async def test_get_of_an_unknown_id_is_not_found(client: B2BClient) -> None:
    """An unknown id is a NotFoundError."""
    with pytest.raises(NotFoundError):
        await client.users.get("no-such-user")


async def test_get_accepts_underscore_id(client: B2BClient, sandbox: Sandbox) -> None:
    """An answer naming the id ``_id`` (the English list page) is accepted."""
    sandbox.faults.script("GET", USERS, [Reply(status=200, body={"_id": "u-1", "phone": "+7900"})])
    user = await client.users.get("u-1")
    assert user.id == "u-1"


async def test_get_tolerates_missing_fields_and_unknown_limit_kinds(
    client: B2BClient, sandbox: Sandbox
) -> None:
    """Optional fields left out are None, and a limit of a service the library does not know is
    kept as its raw name."""
    body: JSONObject = {"id": "u-1", "limits": [{"limit_id": "l-1", "service": "helicopter"}]}
    sandbox.faults.script("GET", USERS, [Reply(status=200, body=body)])
    user = await client.users.get("u-1")
    assert user.fullname is None
    assert user.email is None
    assert user.is_deleted is None
    assert user.limits == (AssignedLimit("l-1", "helicopter"),)


async def test_get_with_no_id_at_all_is_an_invalid_response(
    client: B2BClient, sandbox: Sandbox
) -> None:
    """An answer without any id is an InvalidResponseError, not a KeyError."""
    sandbox.faults.script("GET", USERS, [Reply(status=200, body={"fullname": "x"})])
    with pytest.raises(InvalidResponseError):
        await client.users.get("u-1")


async def test_find_by_phone_returns_active_and_archived(
    client: B2BClient, sandbox: Sandbox
) -> None:
    """Every employee with the phone is returned, archived ones included."""
    archived = sandbox.add_user(phone="+79001112233", is_deleted=True)
    active = sandbox.add_user(phone="+79001112233")
    sandbox.add_user(phone="+79009998877")
    found = await client.users.find_by_phone("+79001112233")
    assert {user.id: user.is_deleted for user in found} == {archived: True, active: False}


async def test_find_by_phone_fills_in_the_phone(client: B2BClient, sandbox: Sandbox) -> None:
    """The by_phone page's items carry no phone; the one searched for is filled in."""
    body: JSONObject = {"items": [{"id": "u-1", "fullname": "A", "is_deleted": False}]}
    sandbox.faults.script("POST", USERS + "/by_phone", [Reply(status=200, body=body)])
    [user] = await client.users.find_by_phone("+79001112233")
    assert user.phone == "+79001112233"


async def test_find_by_phone_of_nobody_is_empty(client: B2BClient) -> None:
    """A phone nobody has gives an empty list."""
    assert await client.users.find_by_phone("+79001112233") == []


async def test_find_by_phone_refuses_a_bad_phone_before_sending(
    client: B2BClient, sandbox: Sandbox
) -> None:
    """A phone not in international format is refused and nothing is sent."""
    with pytest.raises(ValidationError, match="phone"):
        await client.users.find_by_phone("89001112233")
    assert sandbox.stats.requests == 0


# -- departments ---------------------------------------------------------------------------------


async def test_department_create_reads_the_underscore_id(
    client: B2BClient, sandbox: Sandbox
) -> None:
    """create() returns the id the API answers as ``_id``."""
    created = await client.departments.create("Sales")
    assert [department["id"] for department in sandbox.departments()] == [created.id]


async def test_department_create_under_a_parent(client: B2BClient, sandbox: Sandbox) -> None:
    """A department created with parent_id hangs under that parent."""
    parent = sandbox.add_department("Sales")
    created = await client.departments.create("Sales EU", parent)
    listed = {d.id: d.parent_id async for d in client.departments.list()}
    assert listed[created.id] == parent


async def test_departments_list_follows_offset_pages(client: B2BClient, sandbox: Sandbox) -> None:
    """Departments are listed across offset pages, each once, in creation order."""
    ids = [sandbox.add_department(f"Department {index}") for index in range(7)]
    assert [d.id async for d in client.departments.list(limit=3)] == ids
    assert sandbox.stats.count("GET", "/integration/2.0/departments/list") == 3


async def test_departments_list_of_none_is_empty(client: B2BClient) -> None:
    """An account without departments lists nothing."""
    assert [d async for d in client.departments.list()] == []


async def test_department_update_renames_with_an_empty_answer(
    client: B2BClient, sandbox: Sandbox
) -> None:
    """update() accepts the empty 200 answer and the new name is in place."""
    department = sandbox.add_department("Sales")
    await client.departments.update(department, name="Marketing")
    assert [d.name async for d in client.departments.list()] == ["Marketing"]


async def test_department_update_to_a_cycle_is_409(client: B2BClient, sandbox: Sandbox) -> None:
    """Moving a department under its own child is refused with status 409."""
    parent = sandbox.add_department("Sales")
    child = sandbox.add_department("Sales EU", parent_id=parent)
    with pytest.raises(APIError) as caught:
        await client.departments.update(parent, parent_id=child)
    assert caught.value.status == 409


async def test_department_update_with_nothing_to_change_is_refused(
    client: B2BClient, sandbox: Sandbox
) -> None:
    """An update with neither name nor parent_id is a ValidationError and nothing is sent."""
    with pytest.raises(ValidationError):
        await client.departments.update("dep-1")
    assert sandbox.stats.requests == 0


# -- cost centers and clients ----------------------------------------------------------------------


async def test_cost_centers_list_has_the_main_one(client: B2BClient, sandbox: Sandbox) -> None:
    """The main cost center is listed and marked default."""
    other = sandbox.add_cost_center(name="Travel")
    listed = {cc.id: cc.default async for cc in client.cost_centers.list(limit=1)}
    assert listed == {sandbox.cost_center_id: True, other: False}


async def test_auth_clients_lists_the_reachable_client(client: B2BClient, sandbox: Sandbox) -> None:
    """auth.clients() names the client the token reaches."""
    clients = await client.auth.clients()
    assert [info.client_id for info in clients] == [sandbox.client_id]
