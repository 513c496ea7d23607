"""The pytest plugin: the `b2b_sandbox` fixture in sync and async tests, and for users' suites."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import urllib.request
from pathlib import Path

import aiohttp
import pytest

from yandex_b2b_async.sandbox import Sandbox


def test_fixture_serves_synchronous_tests(b2b_sandbox: Sandbox) -> None:
    """A plain test can call the sandbox with blocking I/O."""
    request = urllib.request.Request(
        f"{b2b_sandbox.url}/integration/2.0/users",
        headers={"Authorization": f"Bearer {b2b_sandbox.token}"},
    )
    with urllib.request.urlopen(request, timeout=5) as resp:
        assert json.load(resp)["total_amount"] == 0


async def test_fixture_serves_async_tests(b2b_sandbox: Sandbox) -> None:
    """An async test can call the sandbox from its own loop."""
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{b2b_sandbox.url}/integration/2.0/users",
            headers={"Authorization": f"Bearer {b2b_sandbox.token}"},
            json={
                "fullname": "",
                "phone": "+79990000000",
                "is_active": True,
                "cost_centers_id": "c",
            },
        ) as resp,
    ):
        assert resp.status == 200
    assert len(b2b_sandbox.users()) == 1


@pytest.mark.parametrize("run", [1, 2])
def test_fixture_starts_each_test_fresh(b2b_sandbox: Sandbox, run: int) -> None:
    """Whatever an earlier test left (data, faults, stats) is gone."""
    assert (b2b_sandbox.users(), b2b_sandbox.stats.requests) == ([], 0)
    assert b2b_sandbox.faults.plan("GET", "/integration/2.0/users") is None
    b2b_sandbox.add_user(phone="+79990000000")
    b2b_sandbox.faults.outage()


@pytest.mark.b2b_sandbox(strict=True)
def test_marker_makes_the_fixture_strict(b2b_sandbox: Sandbox) -> None:
    """@pytest.mark.b2b_sandbox(strict=True) gives a strict sandbox."""
    assert b2b_sandbox.state.strict is True


def test_fixture_is_lenient_without_the_marker(b2b_sandbox: Sandbox) -> None:
    """Without the marker the sandbox learns unknown cost centers."""
    assert b2b_sandbox.state.strict is False


@pytest.mark.b2b_sandbox(time_factor=60)
def test_marker_sets_the_clocks_speed(b2b_sandbox: Sandbox) -> None:
    """@pytest.mark.b2b_sandbox(time_factor=60) runs the clock at 60 seconds a second."""
    assert b2b_sandbox.time_factor == 60


def test_fixture_stops_the_clock_without_the_marker(b2b_sandbox: Sandbox) -> None:
    """Without the marker the clock is stopped again, whatever an earlier test set."""
    assert b2b_sandbox.time_factor == 0


def test_plugin_loads_in_a_users_suite(tmp_path: Path) -> None:
    """An installed package gives any pytest run the fixture and marker, sync and async."""
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"
        "filterwarnings = error\n"
    )
    (tmp_path / "test_users_suite.py").write_text(
        textwrap.dedent(
            """
            import aiohttp
            import pytest

            def test_sync(b2b_sandbox):
                b2b_sandbox.add_department("Sales")
                assert len(b2b_sandbox.departments()) == 1

            async def test_async(b2b_sandbox):
                async with aiohttp.ClientSession() as session:
                    async with session.get(
                        b2b_sandbox.url + "/integration/2.0/departments/list",
                        headers={"Authorization": "Bearer " + b2b_sandbox.token},
                    ) as resp:
                        assert (await resp.json())["total_amount"] == 0

            @pytest.mark.b2b_sandbox(strict=True)
            def test_strict(b2b_sandbox):
                assert b2b_sandbox.state.strict
            """
        )
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:hypothesispytest",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed" in result.stdout
