"""Cancellation: a call cancelled at any point leaves no orphan task, no unclosed session, no
"Task was destroyed" report, and no second copy of an employee.

aiohttp and asyncio report leaks through the loop's exception handler, not as warnings, so each
test collects what reaches that handler and asserts it stays empty after a garbage collection.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import random
import signal
import subprocess
import sys
import time
import warnings
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from yandex_b2b_async import B2BClient, B2BError, RetryPolicy, UserCreate, UserPatch
from yandex_b2b_async.sandbox import Reply, Sandbox

# Seeded, so that a failure names the point it cancelled at and can be replayed.
SEED = 20261123
CALLS_PER_TEST = 120


@pytest.fixture
async def loop_reports() -> AsyncIterator[list[dict[str, Any]]]:
    """What reaches the loop's exception handler during the test (must stay empty)."""
    loop = asyncio.get_running_loop()
    reports: list[dict[str, Any]] = []
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _, context: reports.append(context))
    try:
        yield reports
    finally:
        loop.set_exception_handler(previous)


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    """A sandbox serving from its own thread, so every task in the test's loop is the client's."""
    with Sandbox(seed=SEED) as running:
        yield running


def _user(sandbox: Sandbox, number: int) -> UserCreate:
    return UserCreate(
        fullname=f"Employee {number}",
        phone=f"+7999{number:07d}",
        is_active=True,
        cost_centers_id=sandbox.cost_center_id,
    )


async def _no_leaks(reports: list[dict[str, Any]]) -> None:
    await asyncio.sleep(0)
    gc.collect()
    await asyncio.sleep(0)
    assert reports == []
    assert asyncio.all_tasks() == {asyncio.current_task()}


def _phones(sandbox: Sandbox) -> Counter[object]:
    return Counter(user.get("phone") for user in sandbox.users())


async def test_a_call_cancelled_at_any_point_leaves_nothing_behind(
    sandbox: Sandbox, loop_reports: list[dict[str, Any]]
) -> None:
    """Creates cancelled at random points end cancelled or done; each employee exists once."""
    rng = random.Random(SEED)
    sandbox.faults.latency((0.0, 0.01))
    outcomes: Counter[str] = Counter()
    created: dict[str, str] = {}
    async with B2BClient(sandbox.token, base_url=sandbox.url) as client:
        for number in range(CALLS_PER_TEST):
            user = _user(sandbox, number)
            task = asyncio.create_task(client.users.create_or_restore(user))
            await asyncio.sleep(rng.uniform(0.0, 0.012))
            task.cancel()
            try:
                result = await task
            except asyncio.CancelledError:
                outcomes["cancelled"] += 1
            else:
                outcomes["done"] += 1
                created[user.phone] = result.id
        # The client is still usable after all those cancellations.
        sandbox.faults.clear()
        again = await client.users.create_or_restore(_user(sandbox, CALLS_PER_TEST))
        assert again.id
    await _no_leaks(loop_reports)
    phones = _phones(sandbox)
    assert max(phones.values()) == 1  # nobody twice
    for phone, user_id in created.items():  # a call that returned did what it said
        assert sandbox.user(user_id)["phone"] == phone
    assert outcomes["cancelled"] > 0


async def test_a_call_cancelled_during_a_retry_wait_stops_there(
    sandbox: Sandbox, loop_reports: list[dict[str, Any]]
) -> None:
    """A call cancelled while it waits to retry a 503 makes no further attempt."""
    # Retry-After fixes the wait at 5 s: a full-jitter backoff could draw a wait shorter than
    # the test's own steps, and the retry would be sent before the cancellation.
    busy = Reply(status=503, headers={"Retry-After": "5"})
    sandbox.faults.script("PATCH", "/integration/2.0/users", [busy] * 3)
    user_id = sandbox.add_user(phone="+79990000001")
    policy = RetryPolicy(max_attempts=4, backoff_initial=5.0, backoff_max=5.0)
    async with B2BClient(sandbox.token, base_url=sandbox.url, retry=policy) as client:
        task = asyncio.create_task(client.users.patch(user_id, UserPatch(nickname="n")))
        for _ in range(200):
            if sandbox.stats.count("PATCH", "/integration/2.0/users"):
                break
            await asyncio.sleep(0.005)
        await asyncio.sleep(0.02)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert sandbox.stats.count("PATCH", "/integration/2.0/users") == 1
    await _no_leaks(loop_reports)


async def test_closing_the_client_under_calls_in_flight_ends_them_cleanly(
    sandbox: Sandbox, loop_reports: list[dict[str, Any]]
) -> None:
    """Closing the client while calls are in flight ends each in a result or a B2BError."""
    sandbox.faults.latency(0.05)
    client = B2BClient(sandbox.token, base_url=sandbox.url, retry=None)
    tasks = [
        asyncio.create_task(client.users.create(_user(sandbox, number))) for number in range(20)
    ]
    await asyncio.sleep(0.02)
    await client.close()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    for result in results:
        assert not isinstance(result, BaseException) or isinstance(result, B2BError), result
    await _no_leaks(loop_reports)
    assert max(_phones(sandbox).values(), default=1) == 1


async def test_a_timeout_around_a_call_is_a_cancellation_like_any_other(
    sandbox: Sandbox, loop_reports: list[dict[str, Any]]
) -> None:
    """asyncio.timeout around calls cancels them cleanly, at many points, seeded."""
    rng = random.Random(SEED + 1)
    sandbox.faults.latency((0.0, 0.01))
    async with B2BClient(sandbox.token, base_url=sandbox.url) as client:
        for number in range(60):
            try:
                async with asyncio.timeout(rng.uniform(0.0, 0.012)):
                    await client.users.create(_user(sandbox, 1000 + number))
            except TimeoutError:
                pass
    await _no_leaks(loop_reports)
    assert max(_phones(sandbox).values(), default=1) == 1


async def test_the_leak_check_sees_an_unclosed_session(
    loop_reports: list[dict[str, Any]],
) -> None:
    """The control case: an aiohttp session dropped unclosed warns and reaches the handler."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        session = aiohttp.ClientSession()
        del session
        gc.collect()
    assert any(issubclass(warning.category, ResourceWarning) for warning in caught)
    assert any("Unclosed client session" in str(report.get("message")) for report in loop_reports)
    loop_reports.clear()


def test_an_interrupted_cli_run_leaves_a_true_report_and_a_rerun_finishes(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    """Ctrl-C in the middle of `yandex-b2b users create` leaves a true report; a rerun with the
    journal finishes the rest, and nobody is created twice."""
    rows = 1500
    source = tmp_path / "users.csv"
    source.write_text(
        "fullname,phone,is_active,cost_centers_id\n"
        + "".join(f"Name {n},+7996{n:07d},true,cc-1\n" for n in range(rows))
    )
    report, journal = tmp_path / "report.jsonl", tmp_path / "journal.jsonl"
    sandbox.faults.latency((0.001, 0.004))
    command = [
        sys.executable,
        "-W",
        "error",
        "-m",
        "yandex_b2b_async",
        "users",
        "create",
        str(source),
        "--base-url",
        sandbox.url,
        "--concurrency",
        "4",
        "--journal",
        str(journal),
    ]
    environment = {**os.environ, "YANDEX_B2B_TOKEN": sandbox.token}
    process = subprocess.Popen(
        [*command, "--report", str(report)],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    for _ in range(400):  # until some rows are done
        if report.exists() and report.read_text().count("\n") >= 50:
            break
        time.sleep(0.025)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 130, err
    for leak in ("Traceback", "Unclosed", "Task was destroyed", "Warning"):
        assert leak not in err
        assert leak not in out
    lines = [json.loads(text) for text in report.read_text().splitlines()]
    assert 0 < len(lines) < rows
    assert len({line["line"] for line in lines}) == len(lines)  # each row at most once
    for line in lines:
        if line["ok"]:  # a row reported done is in the sandbox, under the reported id
            number = line["line"] - 2
            assert sandbox.user(line["id"])["phone"] == f"+7996{number:07d}"

    rerun = subprocess.run(
        [*command, "--report", str(tmp_path / "rerun.jsonl")],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert rerun.returncode == 0, rerun.stderr
    phones = _phones(sandbox)
    assert len(phones) == rows
    assert max(phones.values()) == 1
