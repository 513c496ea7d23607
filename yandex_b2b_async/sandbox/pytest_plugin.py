"""pytest plugin (entry point `yandex_b2b_async`): the `b2b_sandbox` fixture.

One sandbox per test session serves from a background thread with its own event loop, so the
fixture works the same in synchronous tests and in async tests of any pytest-asyncio loop scope
(nothing is bound to the test's loop). Before each test that asks for `b2b_sandbox` it is reset:
only the seeded client, same URL and token, no faults, zeroed stats, the clock at its start and
stopped. Options come from a marker:

    @pytest.mark.b2b_sandbox(strict=True)
    async def test_refuses_unknown_cost_center(b2b_sandbox): ...

    @pytest.mark.b2b_sandbox(time_factor=60)  # the clock runs: a ride takes 20.5 s
    async def test_a_ride_in_real_time(b2b_sandbox): ...
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ._server import Sandbox

__all__ = ["b2b_sandbox", "b2b_sandbox_session"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "b2b_sandbox(strict=False, time_factor=0.0): options for the b2b_sandbox fixture "
        "(strict: apply the assumptions that refuse what the API pages allow; time_factor: "
        "clock seconds per real second, 0 stops the clock)",
    )


@pytest.fixture(scope="session")
def b2b_sandbox_session() -> Iterator[Sandbox]:
    """The session's sandbox, serving from a background thread; not reset between tests."""
    with Sandbox() as sandbox:
        yield sandbox


@pytest.fixture
def b2b_sandbox(request: pytest.FixtureRequest, b2b_sandbox_session: Sandbox) -> Sandbox:
    """A freshly reset sandbox (see the module docstring); options from `b2b_sandbox` marker."""
    marker = request.node.get_closest_marker("b2b_sandbox")
    options = dict(marker.kwargs) if marker is not None else {}
    strict = bool(options.pop("strict", False))
    time_factor = options.pop("time_factor", 0.0)
    if options or (marker is not None and marker.args):
        raise pytest.UsageError(
            f"b2b_sandbox marker takes only strict=... and time_factor=..., got {marker}"
        )
    b2b_sandbox_session.reset(strict=strict)
    b2b_sandbox_session.time_factor = time_factor
    return b2b_sandbox_session
