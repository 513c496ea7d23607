"""Shared fixtures: a recording loopback server for wire-format tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests._recorder import Recorder


@pytest.fixture
async def recorder() -> AsyncIterator[Recorder]:
    """A loopback server that records requests and answers from a script."""
    server = Recorder()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
