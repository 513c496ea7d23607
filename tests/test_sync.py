"""Sync as a library: planning rules (pure, over read employees) and plan/apply against the
sandbox, including the property that applying a plan and planning again gives an empty plan."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yandex_b2b_async import (
    AssignedLimit,
    B2BClient,
    B2BError,
    Limit,
    RetryPolicy,
    Service,
    User,
    UserCreate,
    ValidationError,
)
from yandex_b2b_async.bulk import BulkItem
from yandex_b2b_async.hr.sync import (
    ArchiveCapError,
    SyncAction,
    SyncArchive,
    SyncCreate,
    SyncKey,
    SyncRestore,
    SyncUpdate,
    apply_plan,
    build_plan,
)
from yandex_b2b_async.sandbox import Sandbox, SandboxError

CC = "cc-main"
USERS = "/integration/2.0/users"


async def _no_wait(_: float) -> None:
    """Retry waits in these tests are instant."""


INSTANT_RETRY = RetryPolicy(max_attempts=3, sleep=_no_wait)


def want(phone: str = "+79000000001", **fields: object) -> UserCreate:
    """A desired record with the required fields filled in."""
    values: dict[str, object] = {
        "fullname": "Ilya Ivanov",
        "phone": phone,
        "is_active": True,
        "cost_centers_id": CC,
    }
    values.update(fields)
    return UserCreate(**values)  # type: ignore[arg-type]


def have(user_id: str, phone: str = "+79000000001", **fields: object) -> User:
    """An employee as read from the account, matching :func:`want`'s defaults."""
    values: dict[str, object] = {
        "id": user_id,
        "fullname": "Ilya Ivanov",
        "phone": phone,
        "is_active": True,
        "is_deleted": False,
        "cost_centers_id": CC,
    }
    values.update(fields)
    return User(**values)  # type: ignore[arg-type]


def staff(count: int) -> list[User]:
    """``count`` active employees with distinct phones."""
    return [have(f"u{index}", f"+7911{index:07d}") for index in range(count)]


# -- planning rules ------------------------------------------------------------------------------


def test_a_missing_employee_is_created() -> None:
    """A desired record with no match in the account is a create."""
    plan = build_plan([want()], [])
    assert plan.creates == [SyncCreate(key="+79000000001", user=want(), index=0)]
    assert len(plan) == 1


def test_a_matching_employee_needs_nothing() -> None:
    """An employee that already matches gives an empty, falsy plan."""
    plan = build_plan([want()], [have("u1")])
    assert not plan
    assert len(plan) == 0
    assert plan.unchanged == 1


def test_an_update_patches_only_the_differing_fields_and_the_cost_center() -> None:
    """The PATCH holds the fields that differ, plus cost_centers_id always."""
    plan = build_plan([want(fullname="New Name", email="a@example.com")], [have("u1")])
    [update] = plan.updates
    assert update.user_id == "u1"
    assert update.patch.fields_set() == {"fullname", "email", "cost_centers_id"}
    assert update.patch.cost_centers_id == CC
    assert [change.field for change in update.changes] == ["fullname", "email"]


def test_fields_left_unset_are_not_compared() -> None:
    """An account value for a field the desired record leaves unset is not a difference."""
    plan = build_plan([want()], [have("u1", email="x@example.com", nickname="ext-1")])
    assert not plan


def test_a_missing_text_and_an_empty_one_are_the_same() -> None:
    """An empty desired nickname matches an employee without one."""
    assert not build_plan([want(nickname="")], [have("u1", nickname=None)])


def test_limits_compare_as_sets() -> None:
    """Limits in another order are no difference; another limit id is."""
    limits = [Limit("l1", Service.TAXI), Limit("l2", Service.EATS2)]
    current = have(
        "u1", limits=(AssignedLimit("l2", Service.EATS2), AssignedLimit("l1", Service.TAXI))
    )
    assert not build_plan([want(limits=limits)], [current])
    [update] = build_plan([want(limits=[Limit("l9", Service.TAXI)])], [current]).updates
    assert update.patch.limits == (Limit("l9", Service.TAXI),)


def test_an_archived_match_is_restored_with_every_field_set() -> None:
    """An archived employee the input lists is restored with every field the record sets (the
    API's restore makes an employee active on its own); the diff shows what differed."""
    plan = build_plan(
        [want(fullname="Back", is_active=False)], [have("u1", is_deleted=True, is_active=False)]
    )
    [restore] = plan.restores
    assert isinstance(restore, SyncRestore)
    assert restore.patch.fields_set() == {"fullname", "phone", "is_active", "cost_centers_id"}
    assert restore.patch.is_active is False
    assert [change.field for change in restore.changes] == ["is_deleted", "fullname"]


def test_an_active_employee_wins_over_an_archived_one_with_the_same_key() -> None:
    """With an archived and an active employee sharing the phone, the active one is matched."""
    account = [have("old", is_deleted=True), have("new", fullname="Other")]
    plan = build_plan([want()], account)
    assert [update.user_id for update in plan.updates] == ["new"]
    assert plan.restores == []


def test_the_latest_archived_employee_is_the_one_restored() -> None:
    """Among archived employees with the same phone, the most recently created is restored."""
    account = [have("first", is_deleted=True), have("second", is_deleted=True)]
    [restore] = build_plan([want()], account).restores
    assert restore.user_id == "second"


def test_two_active_employees_with_one_key_are_refused() -> None:
    """Two active employees sharing the key make the plan ambiguous: B2BError names both."""
    account = [have("a", nickname="ext"), have("b", "+79000000002", nickname="ext")]
    with pytest.raises(B2BError, match="a and b"):
        build_plan([want(nickname="ext")], account, key="nickname")


def test_a_duplicate_key_in_the_input_is_refused_naming_the_rows() -> None:
    """A phone given twice is a ValidationError naming both rows."""
    with pytest.raises(ValidationError, match=r"desired\[2\] repeats the phone of desired\[0\]"):
        build_plan([want(), want("+79000000002"), want()], [])


def test_rows_are_named_by_the_callers_labels() -> None:
    """The row names in errors come from row_name when given (the CLI's line numbers)."""
    with pytest.raises(ValidationError, match=r"line 3 repeats the phone of line 2"):
        build_plan([want(), want()], [], row_name=lambda index: f"line {index + 2}")


def test_by_nickname_a_record_without_one_is_refused() -> None:
    """Syncing by nickname refuses records with no or an empty nickname, naming them."""
    with pytest.raises(ValidationError, match=r"desired\[0\] has no nickname.*desired\[1\]"):
        build_plan([want(), want("+79000000002", nickname=" ")], [], key="nickname")


def test_by_nickname_matches_a_changed_phone() -> None:
    """By nickname, an employee whose phone changed is updated, not created."""
    plan = build_plan(
        [want("+79000000009", nickname="ext-1")], [have("u1", nickname="ext-1")], key="nickname"
    )
    [update] = plan.updates
    assert update.patch.phone == "+79000000009"


def test_by_nickname_employees_without_one_are_left_alone() -> None:
    """Active employees with no nickname are never archived by a nickname sync."""
    account = [*staff(20), have("x", "+79000000005", nickname="ext-1")]
    plan = build_plan([want(nickname="ext-1")], account, key="nickname", archive_missing=True)
    assert plan.archives == []
    assert plan.unkeyed == 20


def test_an_unknown_key_is_refused() -> None:
    """Only phone and nickname are keys."""
    with pytest.raises(ValidationError, match="key"):
        build_plan([want()], [], key="email")  # type: ignore[arg-type]


def test_a_record_that_is_not_a_user_create_is_refused() -> None:
    """Anything but a UserCreate in the input is a ValidationError naming its row."""
    with pytest.raises(ValidationError, match=r"desired\[0\]"):
        build_plan([{"phone": "+79000000001"}], [])  # type: ignore[list-item]


# -- archiving and its safety cap ------------------------------------------------------------------


def test_absent_employees_are_kept_by_default() -> None:
    """Without archive_missing, employees absent from the input are not touched."""
    assert not build_plan([], staff(5))


def test_absent_active_employees_are_archived_when_asked() -> None:
    """With archive_missing, active employees absent from the input are archived; archived
    ones are left as they are."""
    account = [*staff(10), have("gone", "+79000000009", is_deleted=True)]
    desired = [want(user.phone or "") for user in account[1:10]]
    plan = build_plan(desired, account, archive_missing=True)
    assert plan.archives == [SyncArchive(key="+79110000000", user_id="u0", fullname="Ilya Ivanov")]


def test_archiving_exactly_the_cap_is_allowed() -> None:
    """Archiving 10% of the active employees is within the cap."""
    account = staff(20)
    desired = [want(user.phone or "") for user in account[2:]]
    assert len(build_plan(desired, account, archive_missing=True).archives) == 2


def test_archiving_more_than_the_cap_is_refused() -> None:
    """Archiving more than 10% of the active employees raises ArchiveCapError (a B2BError)."""
    account = staff(20)
    desired = [want(user.phone or "") for user in account[3:]]
    with pytest.raises(ArchiveCapError) as caught:
        build_plan(desired, account, archive_missing=True)
    assert isinstance(caught.value, B2BError)
    assert (caught.value.planned, caught.value.active) == (3, 20)


def test_force_lifts_the_cap() -> None:
    """force=True lets a plan archive everyone absent."""
    plan = build_plan([], staff(20), archive_missing=True, force=True)
    assert len(plan.archives) == 20


def test_apply_order_is_archives_updates_restores_creates() -> None:
    """Iterating a plan gives archives first, then updates, restores and creates."""
    account = [
        *staff(30),
        have("upd", "+79000000001", fullname="Old"),
        have("res", "+79000000002", is_deleted=True),
    ]
    desired = [
        want("+79000000003"),
        want("+79000000002"),
        want("+79000000001"),
        *[want(user.phone or "") for user in account[1:30]],
    ]
    plan = build_plan(desired, account, archive_missing=True)
    kinds = [type(action) for action in plan]
    assert kinds == [SyncArchive, SyncUpdate, SyncRestore, SyncCreate]


def test_describe_shows_counts_and_changes() -> None:
    """The readable diff has the counts and one line per action with the changed values."""
    plan = build_plan([want(fullname="New"), want("+79000000002")], [have("u1")])
    text = plan.describe()
    assert text.splitlines()[0].startswith("sync by phone: 1 to create, 0 to restore, 1 to update")
    assert "fullname: 'Ilya Ivanov' -> 'New'" in text
    assert "+ create  +79000000002" in text
    assert str(plan) == plan.describe(hide_personal=True)  # str() masks: it ends up in logs


def test_describe_can_be_cut_short() -> None:
    """max_lines bounds the action lines and says how many were left out."""
    plan = build_plan([want(f"+7900000000{index}") for index in range(5)], [])
    assert plan.describe(max_lines=2).splitlines()[-1] == "  … and 3 more"


# -- against the sandbox -------------------------------------------------------------------------


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


def writes(sandbox: Sandbox) -> list[str]:
    """The requests that change something, as "METHOD path"."""
    return [
        f"{entry.method} {entry.path}"
        for entry in sandbox.stats.log
        if entry.method != "GET" and not entry.path.endswith("/by_phone")
    ]


async def test_planning_changes_nothing(client: B2BClient, sandbox: Sandbox) -> None:
    """plan_sync only reads."""
    sandbox.add_user(phone="+79000000001", fullname="Old")
    plan = await client.users.plan_sync(
        [want(), want("+79000000002")], archive_missing=True, force=True
    )
    assert len(plan) == 2
    assert writes(sandbox) == []


async def test_bad_desired_input_is_refused_before_reading(
    client: B2BClient, sandbox: Sandbox
) -> None:
    """A repeated phone or an unknown key is refused before any request, even a read."""
    with pytest.raises(ValidationError, match="repeats the phone"):
        await client.users.plan_sync([want(), want()])
    with pytest.raises(ValidationError, match="key"):
        await client.users.plan_sync([want()], key="email")  # type: ignore[arg-type]
    assert sandbox.stats.requests == 0


async def test_apply_then_plan_again_is_empty(client: B2BClient, sandbox: Sandbox) -> None:
    """Applying a plan makes the account match: a second plan has nothing to do."""
    cc = sandbox.cost_center_id
    sandbox.add_user(phone="+79000000001", fullname="Old")
    sandbox.add_user(phone="+79000000002", is_deleted=True)
    for index in range(20):
        sandbox.add_user(phone=f"+7911{index:07d}")
    sandbox.add_user(phone="+79000000004")
    desired = [
        want("+79000000001", cost_centers_id=cc, limits=[Limit("l1", "taxi")]),
        want("+79000000002", cost_centers_id=cc, nickname="back"),
        want("+79000000003", cost_centers_id=cc, email="new@example.com"),
        *[want(f"+7911{index:07d}", cost_centers_id=cc, fullname="") for index in range(20)],
    ]
    plan = await client.users.plan_sync(desired, archive_missing=True)
    assert [len(plan.archives), len(plan.updates), len(plan.restores), len(plan.creates)] == [
        1,
        1,
        1,
        1,
    ]
    report = await client.users.apply(plan, concurrency=4)
    assert len(report.items) == len(plan)
    assert report.failed == 0
    assert [item.input for item in report.items] == list(plan)
    assert not await client.users.plan_sync(desired, archive_missing=True)


async def test_an_update_sends_the_differing_fields_and_keeps_the_cost_center(
    client: B2BClient, sandbox: Sandbox
) -> None:
    """The PATCH body is exactly the changed fields plus cost_centers_id, so the employee
    keeps a cost center that is not the main one."""
    other = sandbox.add_cost_center(name="Travel")
    user_id = sandbox.add_user(phone="+79000000001", fullname="Old", cost_centers_id=other)
    plan = await client.users.plan_sync([want(cost_centers_id=other)])
    sandbox.reset_stats()
    await client.users.apply(plan)
    [patch] = [entry for entry in sandbox.stats.log if entry.method == "PATCH"]
    assert patch.body == {"fullname": "Ilya Ivanov", "cost_centers_id": other}
    assert sandbox.user(user_id)["cost_centers_id"] == other


async def test_apply_reports_each_action_and_one_failure_stops_nothing(
    client: B2BClient, sandbox: Sandbox
) -> None:
    """A refused action is a failed item; the others still run and succeed."""
    sandbox.add_user(phone="+79000000001", nickname="taken")
    desired = [
        want("+79000000001", nickname="taken"),
        want("+79000000002", nickname="taken"),  # 406: the nickname is someone else's
        want("+79000000003"),
    ]
    report = await client.users.apply(await client.users.plan_sync(desired))
    outcomes = [(type(item.input), item.input.key, item.ok) for item in report.items]
    assert outcomes == [
        (SyncUpdate, "+79000000001", True),
        (SyncCreate, "+79000000002", False),
        (SyncCreate, "+79000000003", True),
    ]
    assert report.items[2].id is not None


async def test_plan_sync_accepts_an_async_iterable(client: B2BClient) -> None:
    """The desired records may come from an async iterable."""

    async def records() -> AsyncIterator[UserCreate]:
        yield want()

    plan = await client.users.plan_sync(records())
    assert len(plan.creates) == 1


async def test_the_plan_never_shows_the_token(client: B2BClient, sandbox: Sandbox) -> None:
    """Neither the diff nor the repr of a plan holds the token."""
    sandbox.add_user(phone="+79000000009")
    plan = await client.users.plan_sync([want()], archive_missing=True, force=True)
    assert sandbox.token not in plan.describe()
    assert sandbox.token not in repr(plan)


# -- the property ------------------------------------------------------------------------------

PHONES = [f"+7900000000{digit}" for digit in range(8)]
LIMIT_CHOICES = st.lists(
    st.sampled_from([("taxi", "l1"), ("taxi", "l2"), ("eats2", "l3"), ("drive", "l4")]),
    unique_by=lambda pair: pair[0],
    max_size=3,
)


@st.composite
def accounts(draw: st.DrawFn) -> list[dict[str, object]]:
    """Seeds for an account: employees drawn over a small pool of phones, some archived."""
    people = []
    for _ in range(draw(st.integers(0, 12))):
        phone = draw(st.sampled_from(PHONES))
        people.append(
            {
                "phone": phone,
                "fullname": draw(st.sampled_from(["", "A", "B"])),
                "is_active": draw(st.booleans()),
                "is_deleted": draw(st.booleans()),
                "nickname": "n" + phone[-1],
                "email": draw(st.sampled_from([None, f"e{phone[-1]}@example.com"])),
                "limits": draw(LIMIT_CHOICES),
            }
        )
    return people


@st.composite
def desired_files(draw: st.DrawFn) -> list[UserCreate]:
    """Desired records with distinct phones; unique fields are tied to the phone so the
    records can never collide with each other."""
    phones = draw(st.lists(st.sampled_from(PHONES), unique=True, max_size=len(PHONES)))
    records = []
    for phone in phones:
        optional: dict[str, object] = {}
        if draw(st.booleans()):
            optional["email"] = f"e{phone[-1]}@example.com"
        if draw(st.booleans()):
            optional["limits"] = [Limit(lim, service) for service, lim in draw(LIMIT_CHOICES)]
        records.append(
            UserCreate(
                fullname=draw(st.sampled_from(["", "A", "C"])),
                phone=phone,
                is_active=draw(st.booleans()),
                cost_centers_id=draw(st.sampled_from(["cc-main", "cc-2"])),
                nickname="n" + phone[-1],
                **optional,  # type: ignore[arg-type]
            )
        )
    return records


def seed_account(sandbox: Sandbox, people: Sequence[dict[str, object]]) -> None:
    """Seed what the sandbox's rules allow (a second active phone is skipped)."""
    for person in people:
        with contextlib.suppress(SandboxError):
            sandbox.add_user(**person)  # type: ignore[arg-type]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    people=accounts(),
    desired=desired_files(),
    key=st.sampled_from(["phone", "nickname"]),
    archive_missing=st.booleans(),
)
async def test_applying_a_plan_then_planning_again_yields_an_empty_plan(
    people: list[dict[str, object]],
    desired: list[UserCreate],
    key: SyncKey,
    archive_missing: bool,
) -> None:
    """For any account and file, apply(plan) succeeds item by item and the next plan is empty."""
    async with Sandbox() as sandbox:
        seed_account(sandbox, people)
        async with B2BClient(sandbox.token, base_url=sandbox.url, retry=INSTANT_RETRY) as client:
            plan = await client.users.plan_sync(
                desired,
                key=key,
                archive_missing=archive_missing,
                force=True,
            )
            report = await client.users.apply(plan)
            assert [item.error for item in report.failures] == []
            again = await client.users.plan_sync(
                desired,
                key=key,
                archive_missing=archive_missing,
                force=True,
            )
            assert not again, again.describe()


async def test_each_action_is_handed_over_as_it_ends(client: B2BClient, sandbox: Sandbox) -> None:
    """apply_plan's on_item sees every action once, numbered in plan order, as it ends."""
    cc = sandbox.cost_center_id
    sandbox.add_user(phone="+79000000001", fullname="Old")
    desired = [want("+79000000001", cost_centers_id=cc)]
    desired += [want(f"+7912{index:07d}", cost_centers_id=cc) for index in range(30)]
    plan = await client.users.plan_sync(desired)
    seen: list[BulkItem[SyncAction, str]] = []
    report = await apply_plan(client.users, plan, concurrency=4, on_item=seen.append)
    assert sorted(item.index for item in seen) == list(range(len(plan)))
    assert {item.index: item.id for item in seen} == {item.index: item.id for item in report.items}


async def test_an_interrupted_apply_has_handed_over_only_true_items(
    client: B2BClient, sandbox: Sandbox
) -> None:
    """Cancelled mid-run, every item already handed over is true: each created id exists."""
    cc = sandbox.cost_center_id
    sandbox.faults.latency(0.01)
    desired = [want(f"+7913{index:07d}", cost_centers_id=cc) for index in range(200)]
    plan = await client.users.plan_sync(desired)
    seen: list[BulkItem[SyncAction, str]] = []
    ten_done = asyncio.Event()

    def hand_over(item: BulkItem[SyncAction, str]) -> None:
        seen.append(item)
        if len(seen) >= 10:
            ten_done.set()

    run = asyncio.create_task(apply_plan(client.users, plan, concurrency=4, on_item=hand_over))
    await ten_done.wait()
    run.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await run
    assert 10 <= len(seen) < len(plan)
    for item in seen:
        if item.ok:
            assert item.id is not None
            assert sandbox.user(item.id)["phone"] == item.input.key
