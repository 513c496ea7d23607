"""Reconciliation never claims someone else's record: a create whose outcome was unknown takes a
record found (or named by a conflict) for its own work only when the record holds what the
call sent; otherwise the call ends in the error it would have had without the lost answer.
Against the sandbox over loopback sockets."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from yandex_b2b_async import (
    AssignedLimit,
    B2BClient,
    BadRequestError,
    ConflictError,
    CostCenterCreate,
    CostCenterFieldSetting,
    GeoCircle,
    GeoRestrictionCreate,
    Limit,
    ManagerCreate,
    ManagerRole,
    RetryPolicy,
    Service,
    User,
    UserCreate,
)
from yandex_b2b_async.resources._reconcile import holds_what_was_sent
from yandex_b2b_async.sandbox import Reply, Sandbox

API = "/integration/2.0"
PHONE = "+79990000001"


async def no_wait(_: float) -> None:
    return None


POLICY = RetryPolicy(max_attempts=3, backoff_initial=0.01, backoff_max=0.01, sleep=no_wait)


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox() as sandbox:
        yield sandbox


@pytest.fixture
async def client(sandbox: Sandbox) -> AsyncIterator[B2BClient]:
    async with B2BClient(sandbox.token, base_url=sandbox.url, retry=POLICY) as client:
        yield client


def alice(sandbox: Sandbox) -> UserCreate:
    return UserCreate(
        fullname="Alice Smith", phone=PHONE, is_active=True, cost_centers_id=sandbox.cost_center_id
    )


def with_bob(sandbox: Sandbox) -> str:
    return sandbox.add_user(
        phone=PHONE, fullname="Bob Jones", cost_centers_id=sandbox.cost_center_id
    )


# --- employees -------------------------------------------------------------------------------


async def test_create_or_restore_after_a_503_does_not_return_bobs_id(
    sandbox: Sandbox, client: B2BClient
) -> None:
    """Bob has the phone; Alice's create_or_restore whose first attempt got a 503 that wrote
    nothing raises the ConflictError naming Bob, not Bob's id as Alice's."""
    bob = with_bob(sandbox)
    sandbox.faults.script("POST", f"{API}/users", [Reply(status=503)])
    with pytest.raises(ConflictError) as caught:
        await client.users.create_or_restore(alice(sandbox))
    assert caught.value.conflict_user_id == bob
    assert caught.value.after_unknown_outcome


async def test_create_after_a_503_raises_the_conflict_naming_bob(
    sandbox: Sandbox, client: B2BClient
) -> None:
    """The same through users.create: the retry's 406 names Bob, who is not what was sent."""
    bob = with_bob(sandbox)
    sandbox.faults.script("POST", f"{API}/users", [Reply(status=503)])
    with pytest.raises(ConflictError) as caught:
        await client.users.create(alice(sandbox))
    assert caught.value.conflict_user_id == bob


async def test_earlier_attempt_unknown_does_not_claim_bob(
    sandbox: Sandbox, client: B2BClient
) -> None:
    """earlier_attempt_unknown=True with no fault at all: Bob's conflict is still a conflict."""
    bob = with_bob(sandbox)
    with pytest.raises(ConflictError) as caught:
        await client.users.create_or_restore(alice(sandbox), earlier_attempt_unknown=True)
    assert caught.value.conflict_user_id == bob


async def test_earlier_attempt_unknown_claims_the_employee_it_made(
    sandbox: Sandbox, client: B2BClient
) -> None:
    """A rerun of a create that did happen finds the employee holding what it sent: reconciled."""
    made = await client.users.create(alice(sandbox))
    again = await client.users.create_or_restore(alice(sandbox), earlier_attempt_unknown=True)
    assert (again.id, again.reconciled, again.restored) == (made.id, True, False)


async def test_a_lost_answer_is_still_reconciled_to_the_employee_it_made(
    sandbox: Sandbox, client: B2BClient
) -> None:
    """The create ran and its answer was lost: the retry's 406 names that employee, returned."""
    sandbox.faults.script("POST", f"{API}/users", [Reply.drop_after()])
    created = await client.users.create(alice(sandbox))
    assert created.reconciled
    assert [user["id"] for user in sandbox.users()] == [created.id]


async def test_an_employee_differing_only_by_email_is_not_claimed(
    sandbox: Sandbox, client: B2BClient
) -> None:
    """Same name and phone but another email: not what was sent, so not ours."""
    sandbox.add_user(
        phone=PHONE,
        fullname="Alice Smith",
        email="other@example.com",
        cost_centers_id=sandbox.cost_center_id,
    )
    user = UserCreate(
        fullname="Alice Smith",
        phone=PHONE,
        email="alice@example.com",
        is_active=True,
        cost_centers_id=sandbox.cost_center_id,
    )
    with pytest.raises(ConflictError):
        await client.users.create(user, earlier_attempt_unknown=True)


# --- the administration creates --------------------------------------------------------------


async def test_a_cost_center_with_this_name_but_other_settings_is_not_claimed(
    sandbox: Sandbox, client: B2BClient
) -> None:
    """Someone else's cost center of the same name: after a 503 the create ends in the
    ConflictError it would have had, not in that cost center's id."""
    sandbox.reset(strict=True)  # the API's refusal of a taken name or login is strict-only
    sandbox.add_cost_center(name="Проект")
    sandbox.faults.script("POST", f"{API}/cost_centers/create", [Reply(status=503)])
    setting = CostCenterFieldSetting(
        title="Цель поездки", required=True, services=[Service.TAXI], format="text"
    )
    with pytest.raises(ConflictError):
        await client.cost_centers.create(CostCenterCreate(name="Проект", field_settings=[setting]))


async def test_someone_elses_manager_role_with_this_login_is_not_claimed(
    sandbox: Sandbox, client: B2BClient
) -> None:
    """A role with this login and role, given to another person: the lookup after a lost
    answer does not take it, and the create ends in the API's refusal (the sandbox's 406)."""
    sandbox.reset(strict=True)  # the API's refusal of a taken name or login is strict-only
    department_id = sandbox.add_department("Продажи")
    sandbox.add_user(phone="+79990000002")
    sandbox.add_user(phone=PHONE)
    sandbox.add_manager(
        yandex_login="boss",
        role="department_manager",
        phone="+79990000002",
        department_id=department_id,
    )
    sandbox.faults.script("POST", f"{API}/managers/create", [Reply(status=503)])
    manager = ManagerCreate(
        fullname="Иванов Илья",
        email="boss@example.com",
        phone=PHONE,
        yandex_login="boss",
        role=ManagerRole.DEPARTMENT_MANAGER,
        department_id=department_id,
    )
    with pytest.raises(ConflictError):
        await client.managers.create(manager)


async def test_an_area_with_this_name_and_another_shape_is_not_claimed(
    sandbox: Sandbox, client: B2BClient
) -> None:
    """An area of the same name elsewhere is not taken for the lost create's work: the create
    ends in the refusal of a taken name (the sandbox's 400)."""
    sandbox.reset(strict=True)  # the API's refusal of a taken name or login is strict-only
    sandbox.add_geo_restriction("Офис", center=(30.0, 59.9), radius=200)
    sandbox.faults.script("POST", f"{API}/geo_restrictions/create", [Reply(status=503)])
    area = GeoRestrictionCreate(name="Офис", geo=GeoCircle(center=(37.64, 55.73), radius=200))
    with pytest.raises(BadRequestError):
        await client.geo_restrictions.create(area)


# --- what "holds what was sent" means --------------------------------------------------------


def test_a_field_the_answer_leaves_out_is_a_difference() -> None:
    """An email sent that the record does not carry: not confirmed, so not claimed."""
    sent = UserCreate(
        fullname="A", phone=PHONE, email="a@example.com", is_active=True, cost_centers_id="cc"
    )
    found = User(id="u1", fullname="A", phone=PHONE, is_active=True, cost_centers_id="cc")
    assert not holds_what_was_sent(sent, found)


def test_a_field_the_page_lets_the_answer_omit_is_not_held_against_it() -> None:
    """users-get may leave cost_centers_id out: a record without it can still be ours."""
    sent = UserCreate(fullname="A", phone=PHONE, is_active=True, cost_centers_id="cc")
    found = User(id="u1", fullname="A", phone=PHONE, is_active=True)
    assert holds_what_was_sent(sent, found, may_omit=frozenset({"cost_centers_id"}))
    assert not holds_what_was_sent(sent, found)


def test_lists_match_in_any_order_and_fields_the_answer_adds_are_ignored() -> None:
    """Limits answered in another order, with a client_id added, still hold what was sent."""
    sent = UserCreate(
        fullname="A",
        phone=PHONE,
        is_active=True,
        cost_centers_id="cc",
        limits=[Limit("l1", Service.TAXI), Limit("l2", Service.EATS2)],
    )
    found = User(
        id="u1",
        fullname="A",
        phone=PHONE,
        is_active=True,
        cost_centers_id="cc",
        client_id="c1",
        limits=(AssignedLimit("l2", Service.EATS2), AssignedLimit("l1", Service.TAXI)),
    )
    assert holds_what_was_sent(sent, found)


# --- the policy's give-up hook ---------------------------------------------------------------


async def test_a_reconciled_create_is_no_give_up_for_the_policys_hook(sandbox: Sandbox) -> None:
    """RetryPolicy.on_give_up does not hear of a create settled as its own lost work."""
    heard: list[object] = []
    policy = RetryPolicy(max_attempts=3, sleep=no_wait, on_give_up=heard.append)
    sandbox.faults.script("POST", f"{API}/users", [Reply.drop_after()])
    async with B2BClient(sandbox.token, base_url=sandbox.url, retry=policy) as client:
        created = await client.users.create(alice(sandbox))
    assert created.reconciled
    assert heard == []


async def test_someone_elses_conflict_is_a_give_up_for_the_policys_hook(sandbox: Sandbox) -> None:
    """The same 406 naming Bob is told to on_give_up, as any give-up is."""
    heard: list[object] = []
    policy = RetryPolicy(max_attempts=3, sleep=no_wait, on_give_up=heard.append)
    with_bob(sandbox)
    sandbox.faults.script("POST", f"{API}/users", [Reply(status=503)])
    async with B2BClient(sandbox.token, base_url=sandbox.url, retry=policy) as client:
        with pytest.raises(ConflictError):
            await client.users.create(alice(sandbox))
    assert len(heard) == 1


async def test_a_department_conflict_after_a_lost_answer_is_the_lost_attempts_work(
    sandbox: Sandbox, client: B2BClient
) -> None:
    """The lost attempt made the department, the lookup before the retry did not see it yet,
    and the retry answers 406: the department it names by name and parent is returned."""
    sandbox.faults.script("POST", f"{API}/departments/create", [Reply(status=503, process=True)])
    sandbox.faults.script(
        "GET", f"{API}/departments/list", [Reply(status=200, body={"items": [], "total_amount": 0})]
    )
    created = await client.departments.create("Marketing")
    assert created.reconciled
    assert [dep["id"] for dep in sandbox.departments()] == [created.id]
