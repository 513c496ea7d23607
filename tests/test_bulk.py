"""Bulk runs: one item per input in input order, the concurrency bound, laziness, failures that
stay local, cancellation, progress and resuming from a journal.

Behaviour across HTTP runs the real client against the sandbox; the engine's own rules
(laziness, cancellation) are shown with plain coroutines whose timing the test controls.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from yandex_b2b_async import (
    B2BClient,
    BulkProgress,
    ConflictError,
    ItemCancelledError,
    NotFoundError,
    UserCreate,
    ValidationError,
    bulk,
    bulk_stream,
)
from yandex_b2b_async.sandbox import Sandbox

USERS = "/integration/2.0/users"


def _user(n: int, cost_center: str = "cc-main") -> UserCreate:
    return UserCreate(
        fullname=f"Employee {n}", phone=f"+7999{n:07d}", is_active=True, cost_centers_id=cost_center
    )


@contextlib.asynccontextmanager
async def _client() -> AsyncIterator[tuple[Sandbox, B2BClient]]:
    async with Sandbox() as sandbox, B2BClient(sandbox.token, base_url=sandbox.url) as client:
        yield sandbox, client


# -- over the sandbox --------------------------------------------------------------------------


async def test_bulk_create_reports_every_input_in_input_order() -> None:
    """Every input gets exactly one item, in input order, with the new employee's id."""
    async with _client() as (sandbox, client):
        users = [_user(n) for n in range(30)]
        report = await client.users.bulk_create(users, concurrency=5)
    assert [item.index for item in report.items] == list(range(30))
    assert [item.input for item in report.items] == users
    assert report.ok
    assert report.succeeded == 30
    assert report.failed == 0
    assert report.failures == []
    assert all(item.result is not None and item.id == item.result.id for item in report.items)
    assert {user["phone"] for user in sandbox.users()} == {user.phone for user in users}


async def test_at_most_concurrency_requests_are_in_flight() -> None:
    """The sandbox never sees more than `concurrency` requests at once, and does see that many."""
    async with _client() as (sandbox, client):
        sandbox.faults.latency(0.02)
        await client.users.bulk_create((_user(n) for n in range(24)), concurrency=4)
    assert sandbox.stats.max_in_flight == 4


async def test_an_active_employee_is_reported_as_a_conflict_and_left_unchanged() -> None:
    """A row whose phone belongs to an active employee fails with ConflictError naming it."""
    async with _client() as (sandbox, client):
        existing = sandbox.add_user(phone="+79990000001", fullname="Keep Me")
        report = await client.users.bulk_create([_user(1), _user(2)])
        assert sandbox.user(existing)["fullname"] == "Keep Me"
    conflict = report.items[0].error
    assert isinstance(conflict, ConflictError)
    assert conflict.conflict_user_id == existing
    assert report.items[1].ok


async def test_an_archived_employee_is_restored_with_the_new_data() -> None:
    """A row whose phone belongs to an archived employee restores that employee."""
    async with _client() as (sandbox, client):
        archived = sandbox.add_user(phone="+79990000001", fullname="Old", is_deleted=True)
        report = await client.users.bulk_create([_user(1)])
        assert sandbox.user(archived)["is_deleted"] is False
    result = report.items[0].result
    assert result is not None
    assert result.restored
    assert result.id == archived


async def test_one_failure_never_stops_the_others() -> None:
    """Invalid inputs and API errors are their own items' errors; the rest succeed."""
    async with _client() as (_, client):
        inputs: list[object] = [_user(1), "not a UserCreate", _user(2), _user(1), _user(3)]
        report = await client.users.bulk_create(inputs)  # type: ignore[arg-type]
    assert [item.ok for item in report.items] == [True, False, True, False, True]
    assert isinstance(report.items[1].error, ValidationError)
    assert isinstance(report.items[3].error, ConflictError)
    assert report.errors_by_code() == {"VALIDATION_ERROR": 1, "USER_ALREADY_EXISTS": 1}


async def test_bulk_archive_and_restore_act_on_every_id() -> None:
    """bulk_archive archives each id and bulk_restore restores each, keeping its cost center."""
    async with _client() as (sandbox, client):
        ids = [sandbox.add_user(phone=f"+7999000000{n}", cost_centers_id="cc-x") for n in range(5)]
        archived = await client.users.bulk_archive([*ids, "missing-id"], concurrency=3)
        assert all(sandbox.user(user_id)["is_deleted"] for user_id in ids)
        restored = await client.users.bulk_restore(iter(ids), concurrency=3)
        users = [sandbox.user(user_id) for user_id in ids]
    assert [item.id for item in archived.items] == [*ids, None]
    assert isinstance(archived.items[-1].error, NotFoundError)
    assert restored.ok
    assert all(not user["is_deleted"] and user["cost_centers_id"] == "cc-x" for user in users)


async def test_the_generic_fan_out_runs_any_call() -> None:
    """bulk() runs departments.archive over many ids, one item per id."""
    async with _client() as (sandbox, client):
        departments = [sandbox.add_department(f"Team {n}") for n in range(4)]
        report = await bulk(client.departments.archive, departments, concurrency=2)
    assert report.ok
    assert [item.result.deleted_ids for item in report.items if item.result] == [
        [department] for department in departments
    ]


async def test_an_async_iterable_is_consumed_too() -> None:
    """Inputs may come from an async generator."""

    async def users() -> AsyncIterator[UserCreate]:
        for n in range(6):
            await asyncio.sleep(0)
            yield _user(n)

    async with _client() as (_, client):
        report = await client.users.bulk_create(users(), concurrency=3)
    assert [item.input.phone for item in report.items] == [_user(n).phone for n in range(6)]


# -- the engine's rules ------------------------------------------------------------------------


@pytest.mark.parametrize("concurrency", [0, -1, True, 1.5, "4"])
async def test_a_bad_concurrency_is_refused_before_reading_inputs(concurrency: object) -> None:
    """concurrency must be an int >= 1; the inputs are not touched when it is not."""
    pulled: list[int] = []

    def inputs() -> Iterator[int]:
        pulled.append(1)
        yield 1

    async def call(value: int) -> int:
        return value

    with pytest.raises(ValidationError, match="concurrency"):
        await bulk(call, inputs(), concurrency=concurrency)  # type: ignore[arg-type]
    assert pulled == []


async def test_inputs_are_pulled_lazily() -> None:
    """While every call is blocked, no more than `concurrency` inputs have been read."""
    pulled = 0
    release = asyncio.Event()

    def inputs() -> Iterator[int]:
        nonlocal pulled
        for n in range(1_000_000):
            pulled += 1
            yield n

    async def call(value: int) -> int:
        await release.wait()
        return value

    task = asyncio.create_task(bulk(call, inputs(), concurrency=3, cancel_grace=0))
    for _ in range(10):
        await asyncio.sleep(0)
    assert pulled == 3
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_the_stream_reads_no_further_than_its_consumer() -> None:
    """A stream whose consumer stops taking items stops pulling inputs (2 x concurrency held)."""
    pulled = 0

    def inputs() -> Iterator[int]:
        nonlocal pulled
        for n in range(1_000_000):
            pulled += 1
            yield n

    async def call(value: int) -> int:
        return value

    stream = bulk_stream(call, inputs(), concurrency=4)
    async with contextlib.aclosing(stream):
        first = await anext(stream)
        for _ in range(50):
            await asyncio.sleep(0)
        assert first.ok
        assert pulled <= 2 * 4 + 1


async def test_the_stream_yields_items_as_they_finish() -> None:
    """A fast item is yielded before a slow one that started earlier."""
    slow_started = asyncio.Event()
    release = asyncio.Event()

    async def call(value: str) -> str:
        if value == "slow":
            slow_started.set()
            await release.wait()
        return value

    seen: list[str] = []
    async for item in bulk_stream(call, ["slow", "fast"], concurrency=2):
        seen.append(item.input)
        release.set()
    assert seen == ["fast", "slow"]


async def test_a_failing_input_iterable_stops_the_run_after_calls_in_flight_end() -> None:
    """An exception from the inputs is raised once the calls already started have ended."""
    finished: list[int] = []

    def inputs() -> Iterator[int]:
        yield 1
        yield 2
        raise OSError("disk gone")

    async def call(value: int) -> int:
        await asyncio.sleep(0.01)
        finished.append(value)
        return value

    with pytest.raises(OSError, match="disk gone"):
        await bulk(call, inputs(), concurrency=4)
    assert sorted(finished) == [1, 2]


async def test_progress_is_reported_after_every_item() -> None:
    """on_progress gets done/failed/total after each item; total comes from len()."""
    seen: list[BulkProgress] = []

    async def call(value: int) -> int:
        if value % 3 == 0:
            raise ValueError("multiple of three")
        return value

    report = await bulk(call, list(range(1, 10)), concurrency=2, on_progress=seen.append)
    assert [progress.done for progress in seen] == list(range(1, 10))
    assert seen[-1].failed == 3
    assert seen[-1].succeeded == 6
    assert seen[-1].total == 9
    assert seen[-1].rate > 0
    assert report.failed == 3


async def test_cancellation_stops_new_calls_and_lets_calls_in_flight_end(tmp_path: Path) -> None:
    """Cancelled mid-run: no new call starts, the calls in flight end and are journaled."""
    started: list[int] = []
    in_flight = asyncio.Event()

    async def call(value: int) -> int:
        started.append(value)
        if len(started) == 2:
            in_flight.set()
        await asyncio.sleep(0.05)
        return value

    journal = tmp_path / "journal.jsonl"
    task = asyncio.create_task(bulk(call, range(100), concurrency=2, journal=journal))
    await in_flight.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    records = [json.loads(line) for line in journal.read_text().splitlines()]
    assert sorted(started) == [0, 1]
    assert sorted(record["index"] for record in records) == [0, 1]
    assert all(record["ok"] for record in records)


async def test_calls_still_running_after_the_grace_period_are_reported_cancelled() -> None:
    """With no grace, a call in flight at cancellation ends as ItemCancelledError, not lost."""
    blocked = asyncio.Event()
    items: list[object] = []

    async def call(value: int) -> int:
        blocked.set()
        await asyncio.Event().wait()
        return value

    async def consume() -> None:
        async for _ in bulk_stream(call, [1], concurrency=1, cancel_grace=0, on_item=items.append):
            pass

    task = asyncio.create_task(consume())
    await blocked.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert len(items) == 1
    assert isinstance(getattr(items[0], "error", None), ItemCancelledError)


# -- the journal -------------------------------------------------------------------------------


async def test_a_rerun_with_the_journal_skips_what_succeeded(tmp_path: Path) -> None:
    """After a run that died midway, a rerun sends only the rest: no duplicate employee."""
    journal = tmp_path / "journal.jsonl"
    users = [_user(n) for n in range(8)]

    def dies_after_five() -> Iterator[UserCreate]:
        yield from users[:5]
        raise RuntimeError("the process died")

    async with _client() as (sandbox, client):
        with pytest.raises(RuntimeError):
            await client.users.bulk_create(dies_after_five(), concurrency=2, journal=journal)
        sandbox.reset_stats()
        report = await client.users.bulk_create(users, concurrency=2, journal=journal)
        assert sandbox.stats.count("POST", USERS) == 3
        assert len(sandbox.users()) == 8
    assert [item.skipped for item in report.items] == [True] * 5 + [False] * 3
    assert report.ok
    assert all(item.id for item in report.items)


async def test_a_row_edited_since_the_journal_is_sent_again(tmp_path: Path) -> None:
    """Journal keys are the input's content: a changed row is new (and here, a conflict)."""
    journal = tmp_path / "journal.jsonl"
    async with _client() as (_, client):
        await client.users.bulk_create([_user(1)], journal=journal)
        edited = UserCreate(
            fullname="Renamed", phone=_user(1).phone, is_active=True, cost_centers_id="cc-main"
        )
        report = await client.users.bulk_create([edited], journal=journal)
    assert not report.items[0].skipped
    assert isinstance(report.items[0].error, ConflictError)


async def test_a_torn_last_journal_line_is_ignored(tmp_path: Path) -> None:
    """A journal whose last line was cut by a crash still resumes, and stays readable."""
    journal = tmp_path / "journal.jsonl"

    async def call(value: str) -> str:
        return value

    await bulk(call, ["a", "b"], journal=journal, operation="demo")
    with journal.open("a") as file:
        file.write('{"op": "demo", "key": "c", "o')
    report = await bulk(call, ["a", "b", "c"], journal=journal, operation="demo")
    assert [item.skipped for item in report.items] == [True, True, False]
    lines = journal.read_text().splitlines()
    assert json.loads(lines[-1])["key"] == "c"


async def test_journals_of_different_operations_do_not_mix(tmp_path: Path) -> None:
    """Ids archived under one journal are not skipped by a restore using the same file."""
    journal = tmp_path / "journal.jsonl"
    async with _client() as (sandbox, client):
        user_id = sandbox.add_user(phone="+79990000001")
        await client.users.bulk_archive([user_id], journal=journal)
        report = await client.users.bulk_restore([user_id], journal=journal)
    assert report.ok
    assert not report.items[0].skipped
