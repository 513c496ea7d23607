"""Starting the sandbox: in the caller's loop, in a thread, and as `python -m ... serve`."""

from __future__ import annotations

import asyncio
import json
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import aiohttp
import pytest

from yandex_b2b_async.sandbox import Sandbox, SandboxError
from yandex_b2b_async.sandbox.__main__ import main

ENV_LINES = (
    "YANDEX_B2B_BASE_URL",
    "YANDEX_B2B_TOKEN",
    "YANDEX_B2B_CLIENT_ID",
    "YANDEX_B2B_COST_CENTER_ID",
)


def get_json(url: str, token: str) -> object:
    """A synchronous GET with the token, decoded."""
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=5) as resp:
        return json.load(resp)


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A loopback port some other socket is listening on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


async def test_url_names_loopback_and_the_port_picked() -> None:
    """By default the sandbox listens on 127.0.0.1 on a free port, shown in url."""
    async with Sandbox() as sandbox:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", sandbox.url)
        assert not sandbox.url.endswith(":0")


async def test_seeded_ids_and_token_look_like_the_apis() -> None:
    """The seeded ids are 32 hex characters and the token is clearly a sandbox one."""
    sandbox = Sandbox()
    assert re.fullmatch(r"[0-9a-f]{32}", sandbox.client_id)
    assert re.fullmatch(r"[0-9a-f]{32}", sandbox.cost_center_id)
    assert re.fullmatch(r"sandbox-token-[0-9a-f]{32}", sandbox.token)


async def test_url_before_start_is_an_error() -> None:
    """Asking for the URL of a sandbox that is not listening says so."""
    with pytest.raises(SandboxError, match="not running"):
        _ = Sandbox().url


async def test_starting_twice_is_an_error() -> None:
    """A running sandbox cannot be started again."""
    async with Sandbox() as sandbox:
        with pytest.raises(SandboxError, match="already running"):
            await sandbox.start()


async def test_port_in_use_is_a_sandbox_error(busy_port: int) -> None:
    """A taken port is a SandboxError naming it."""
    with pytest.raises(SandboxError, match=f"127.0.0.1:{busy_port}"):
        await Sandbox(port=busy_port).start()


async def test_close_does_not_wait_for_a_long_scripted_delay() -> None:
    """Closing cancels a request stuck in a 30 s delay after a short grace, not 30 s later."""
    async with aiohttp.ClientSession() as session:
        sandbox = Sandbox()
        await sandbox.start()
        sandbox.faults.latency(30)
        pending = asyncio.create_task(fetch_status(session, f"{sandbox.url}/integration/2.0/users"))
        done, _ = await asyncio.wait({pending}, timeout=0.3)
        assert (done, sandbox.stats.in_flight) == (set(), 1)
        started = time.monotonic()
        await sandbox.close()
        assert time.monotonic() - started < 5
        with pytest.raises(aiohttp.ClientError):
            await pending


async def fetch_status(session: aiohttp.ClientSession, url: str) -> int:
    """GET `url` and return the status."""
    async with session.get(url) as resp:
        return resp.status


def test_port_out_of_range_is_a_value_error() -> None:
    """A port beyond 65535 is refused before anything starts."""
    with pytest.raises(ValueError, match="port"):
        Sandbox(port=70000)


def test_thread_mode_serves_synchronous_code() -> None:
    """`with Sandbox()` serves from a background thread, reachable from plain blocking code."""
    with Sandbox() as sandbox:
        answer = get_json(f"{sandbox.url}/integration/2.0/auth/list", sandbox.token)
    assert answer == {
        "clients": [{"client_id": sandbox.client_id, "name": "Sandbox client", "role": "client"}]
    }


def test_thread_mode_port_in_use_is_a_sandbox_error(busy_port: int) -> None:
    """Thread mode reports a taken port in the calling thread."""
    with pytest.raises(SandboxError, match="cannot listen"), Sandbox(port=busy_port):
        pass


async def test_thread_mode_serves_async_code_in_any_loop() -> None:
    """A thread-mode sandbox is not bound to the test's event loop."""
    with Sandbox() as sandbox:
        async with (
            aiohttp.ClientSession() as session,
            session.get(
                f"{sandbox.url}/integration/2.0/users",
                headers={"Authorization": f"Bearer {sandbox.token}"},
            ) as resp,
        ):
            assert resp.status == 200


def test_reset_keeps_the_seeded_ids_and_forgets_the_rest() -> None:
    """reset() drops data, faults and stats but keeps client id, cost center and token."""
    sandbox = Sandbox()
    ids = (sandbox.client_id, sandbox.cost_center_id, sandbox.token)
    sandbox.add_user(phone="+79990000000")
    sandbox.add_department("Sales")
    sandbox.add_client("Other")
    sandbox.faults.outage()
    sandbox.reset()
    assert (sandbox.client_id, sandbox.cost_center_id, sandbox.token) == ids
    assert (sandbox.users(), sandbox.departments()) == ([], [])
    assert list(sandbox.state.clients) == [sandbox.client_id]
    assert sandbox.faults.plan("GET", "/integration/2.0/users") is None


def test_reset_may_switch_strict_mode() -> None:
    """reset(strict=True) makes the sandbox refuse unknown cost centers from then on."""
    sandbox = Sandbox()
    sandbox.reset(strict=True)
    with pytest.raises(SandboxError, match="cost center"):
        sandbox.add_user(phone="+79990000000", cost_centers_id="cc-unknown")


def test_add_cost_center_and_client_helpers() -> None:
    """add_client gives a client its own main cost center; add_cost_center adds one more."""
    sandbox = Sandbox()
    other = sandbox.add_client("Other")
    assert sandbox.state.client(other).main_cost_center_id != sandbox.cost_center_id
    extra = sandbox.add_cost_center(name="Trips")
    user_id = sandbox.add_user(phone="+79990000000", cost_centers_id=extra)
    assert sandbox.user(user_id)["cost_center"] == "Trips"


def test_unknown_user_helper_is_a_sandbox_error() -> None:
    """sandbox.user() of an unknown id says so."""
    with pytest.raises(SandboxError, match="unknown user"):
        Sandbox().user("nope")


def run_module(*args: str) -> subprocess.Popen[str]:
    """`python -m yandex_b2b_async.sandbox ARGS` with its stdout piped as text."""
    return subprocess.Popen(
        [sys.executable, "-m", "yandex_b2b_async.sandbox", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_module_serve_prints_the_settings_and_stops_on_sigterm() -> None:
    """`serve --port 0` prints URL, token, client and cost center lines, serves, ends on SIGTERM."""
    process = run_module("serve", "--port", "0", "--rate-limit", "1000")
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline().rstrip("\n") for _ in ENV_LINES]
        settings = dict(line.split("=", 1) for line in lines)
        assert list(settings) == list(ENV_LINES)
        url = settings["YANDEX_B2B_BASE_URL"]
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url)
        answer = get_json(f"{url}/integration/2.0/auth/list", settings["YANDEX_B2B_TOKEN"])
        assert answer == {
            "clients": [
                {
                    "client_id": settings["YANDEX_B2B_CLIENT_ID"],
                    "name": "Sandbox client",
                    "role": "client",
                }
            ]
        }
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=10)
    assert process.returncode == 0, stderr


def test_module_serve_refuses_bad_options_with_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    """A rate out of range ends at once with exit status 2 and names the problem."""
    assert main(["serve", "--port", "0", "--error-rate", "2"]) == 2
    out, err = capsys.readouterr()
    assert (out, "error_rate" in err) == ("", True)


def test_module_serve_on_a_busy_port_exits_2(
    busy_port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    """A taken port ends the command with exit status 2 naming the port."""
    assert main(["serve", "--port", str(busy_port)]) == 2
    assert f"127.0.0.1:{busy_port}" in capsys.readouterr().err


def test_module_serve_refuses_a_negative_time_factor(capsys: pytest.CaptureFixture[str]) -> None:
    """--time-factor below 0 ends at once with exit status 2 naming time_factor."""
    assert main(["serve", "--port", "0", "--time-factor", "-1"]) == 2
    out, err = capsys.readouterr()
    assert (out, "time_factor" in err) == ("", True)


def test_a_sandbox_takes_its_clocks_speed() -> None:
    """Sandbox(time_factor=60) runs its services' clock at 60 seconds a second."""
    assert Sandbox(time_factor=60).clock.factor == 60.0
