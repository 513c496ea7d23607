"""Shared fixtures: loopback servers that record requests, or answer anything at all."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests._hostile import HostileServer, RawServer
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


@pytest.fixture
async def hostile() -> AsyncIterator[HostileServer]:
    """A loopback HTTP server answering whatever status, body and headers a test scripts."""
    server = HostileServer()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def raw() -> AsyncIterator[RawServer]:
    """A loopback TCP server writing raw bytes, for answers that are not valid HTTP."""
    server = RawServer()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
