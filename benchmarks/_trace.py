"""A borrowed aiohttp session that notes when each request starts on the wire.

The pacing workloads judge the pacer by what reaches the server, so they time requests where
aiohttp starts them (a ``TraceConfig`` hook), after the library's pacer has let them through.
"""

from __future__ import annotations

import time
from types import SimpleNamespace

import aiohttp

__all__ = ["traced_session"]


def traced_session(starts: list[float]) -> aiohttp.ClientSession:
    """A session that appends ``time.monotonic()`` to ``starts`` as each request starts."""

    async def on_start(
        session: aiohttp.ClientSession,
        context: SimpleNamespace,
        params: aiohttp.TraceRequestStartParams,
    ) -> None:
        starts.append(time.monotonic())

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(on_start)
    return aiohttp.ClientSession(
        trace_configs=[trace],
        cookie_jar=aiohttp.DummyCookieJar(),
        connector=aiohttp.TCPConnector(limit=64),
    )
