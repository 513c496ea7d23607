"""Shared fixtures: loopback servers that record requests, or answer anything at all."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from tests._hostile import HostileServer, RawServer
from tests._recorder import Recorder
from tests._redis import RedisServer


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


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """A real redis-server on a free loopback port, shared by the session's tests (each test
    uses quota names of its own); skipped when the binary is missing."""
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    """A redis-server of the test's own, which it may stop, restart or pause."""
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.close()
