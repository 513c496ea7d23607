"""Bulk runs under injected faults: every row ends exactly once in the report, the sandbox holds
each employee once, a resumed run finishes the rest, and a cancelled run's report is true.

Faults come from the sandbox's seeded fault injection, so a failing run replays. Waits between
retries are instant (the policy's ``sleep`` is injected), so the runs take seconds.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from yandex_b2b_async import B2BClient, RetryPolicy, TransportError, UserCreate
from yandex_b2b_async.bulk import BulkReport
from yandex_b2b_async.models import CreateOrRestoreResult
from yandex_b2b_async.sandbox import Reply, Sandbox

SEED = 7
ROWS = 2000
USERS_PATH = "/integration/2.0/users"


async def _no_wait(_: float) -> None:
    return None


# Waits are instant; a 429 without Retry-After pauses the client for backoff_initial (0 here).
POLICY = RetryPolicy(
    max_attempts=4, backoff_initial=0.0, backoff_max=0.0, max_retry_after=0.01, sleep=_no_wait
)


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    """A sandbox serving from its own thread, seeded."""
    with Sandbox(seed=SEED) as running:
        yield running


def _users(sandbox: Sandbox, count: int, *, offset: int = 0) -> list[UserCreate]:
    return [
        UserCreate(
            fullname=f"Employee {number}",
            phone=f"+7998{number:07d}",
            is_active=True,
            cost_centers_id=sandbox.cost_center_id,
        )
        for number in range(offset, offset + count)
    ]


def _check_report(
    report: BulkReport[UserCreate, CreateOrRestoreResult], users: list[UserCreate]
) -> None:
    """One item per input, in input order, each either an id or an error."""
    assert [item.index for item in report.items] == list(range(len(users)))
    assert [item.input for item in report.items] == users
    for item in report.items:
        assert (item.error is None) == (item.id is not None), item


def _phones(sandbox: Sandbox) -> Counter[object]:
    return Counter(user.get("phone") for user in sandbox.users() if not user.get("is_deleted"))


FAULT_KINDS = {
    "5xx": {"error_rate": 0.25},
    "429": {"error_rate": 0.25, "statuses": (429,)},
    "drop_before": {"drop_before_rate": 0.2},
    "drop_after": {"drop_after_rate": 0.2},
    "mixed": {"error_rate": 0.1, "drop_before_rate": 0.05, "drop_after_rate": 0.05},
}


@pytest.mark.parametrize("kind", sorted(FAULT_KINDS))
async def test_each_row_ends_once_and_each_employee_exists_once(
    sandbox: Sandbox, tmp_path: Path, kind: str
) -> None:
    """Under each fault kind, 2000 rows end once each; after a resumed run every employee
    exists exactly once."""
    sandbox.faults.random(**FAULT_KINDS[kind], seed=SEED)  # type: ignore[arg-type]
    users = _users(sandbox, ROWS)
    journal = tmp_path / "journal.jsonl"
    async with B2BClient(sandbox.token, base_url=sandbox.url, retry=POLICY) as client:
        first = await client.users.bulk_create(users, concurrency=16, journal=journal)
        _check_report(first, users)
        phones = _phones(sandbox)
        assert max(phones.values()) == 1
        for item in first.items:  # a row reported done is in the sandbox under its id
            if not item.ok:
                continue
            assert item.id is not None
            assert sandbox.user(item.id)["phone"] == item.input.phone
        stats = sandbox.stats
        injected = (
            stats.dropped_before
            + stats.dropped_after
            + sum(count for status, count in stats.by_status.items() if status >= 429)
        )
        assert injected > 0

        sandbox.faults.clear()
        second = await client.users.bulk_create(users, concurrency=16, journal=journal)
    _check_report(second, users)
    assert sum(item.skipped for item in second.items) == first.succeeded
    phones = _phones(sandbox)
    assert set(phones) == {user.phone for user in users}  # nobody lost
    assert max(phones.values()) == 1  # nobody twice
    # A row whose first-run create reply was lost is recognised by the journal, not failed.
    assert not second.failed, [item.error for item in second.failures][:5]
    print(
        f"\n{kind}: rows={ROWS} requests={sandbox.stats.requests} injected={injected} "
        f"first_ok={first.succeeded} resumed_ok={second.succeeded} "
        f"false_conflicts={second.failed} lost=0 duplicates=0"
    )


async def test_a_rerun_after_a_lost_create_reply_finishes_the_row(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    """A create whose reply was lost (and not retried) succeeds on the journal's rerun."""
    sandbox.faults.script("POST", USERS_PATH, [Reply.drop_after()])
    users = _users(sandbox, 1, offset=900_000)
    journal = tmp_path / "journal.jsonl"
    async with B2BClient(sandbox.token, base_url=sandbox.url, retry=None) as client:
        first = await client.users.bulk_create(users, journal=journal, final_pass=False)
        assert isinstance(first.items[0].error, TransportError)
        second = await client.users.bulk_create(users, journal=journal)
    assert second.ok
    assert len(sandbox.users()) == 1


async def test_the_final_pass_finishes_a_create_whose_reply_was_lost(sandbox: Sandbox) -> None:
    """The final pass resends a lost-reply create as unsure: it finds its employee, no twin."""
    sandbox.faults.script("POST", USERS_PATH, [Reply.drop_after()])
    users = _users(sandbox, 1, offset=910_000)
    async with B2BClient(sandbox.token, base_url=sandbox.url, retry=None) as client:
        report = await client.users.bulk_create(users, final_pass_delay=0)
    (item,) = report.items
    assert item.ok
    assert item.final_pass
    assert [user["id"] for user in sandbox.users()] == [item.id]


def _journal_since(journal: Path, offset: int) -> tuple[list[dict[str, object]], int]:
    """The journal records written after ``offset`` bytes, and the new end."""
    if not journal.exists():
        return [], 0
    data = journal.read_bytes()
    lines = data[offset:].decode("utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()], len(data)


async def test_a_cancelled_run_reports_truly_and_a_rerun_finishes_it(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    """Cancelled at seeded random moments, each run's journal is true; reruns finish the job."""
    rng = random.Random(SEED)
    sandbox.faults.latency((0.0, 0.004))
    sandbox.faults.random(error_rate=0.05, drop_after_rate=0.05, seed=SEED)
    users = _users(sandbox, 1000, offset=500_000)
    journal = tmp_path / "journal.jsonl"
    offset = interrupted = 0
    async with B2BClient(sandbox.token, base_url=sandbox.url, retry=POLICY) as client:
        for _ in range(3):
            run = asyncio.create_task(
                client.users.bulk_create(users, concurrency=8, journal=journal)
            )
            await asyncio.sleep(rng.uniform(0.05, 0.4))
            run.cancel()
            try:
                _check_report(await run, users)
            except asyncio.CancelledError:
                interrupted += 1
            # The partial report is true: each row at most once, and a row recorded done is
            # in the sandbox under the recorded id.
            records, offset = _journal_since(journal, offset)
            # A row is recorded done at most once (a failure may precede its final pass).
            indexes = [record["index"] for record in records if record["ok"]]
            assert len(indexes) == len(set(indexes))
            for record in records:
                if record["ok"]:
                    assert isinstance(record["index"], int)
                    user = users[record["index"]]
                    assert sandbox.user(str(record["id"]))["phone"] == user.phone
            assert max(_phones(sandbox).values()) == 1
        assert interrupted > 0
        sandbox.faults.clear()
        final = await client.users.bulk_create(users, concurrency=8, journal=journal)
    _check_report(final, users)
    assert final.ok
    phones = _phones(sandbox)
    assert set(phones) == {user.phone for user in users}
    assert max(phones.values()) == 1
    assert asyncio.all_tasks() == {asyncio.current_task()}
