"""A loopback HTTP server that records requests exactly as they arrive and answers from a script.

Wire-format tests use it instead of mocking aiohttp: the client sends real bytes over a real
socket, and the test reads the method, path, query, headers and body the server received.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import attrs
from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@attrs.frozen(kw_only=True)
class Recorded:
    """One request as the server received it."""

    method: str
    path: str
    query: dict[str, str]
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@attrs.frozen(kw_only=True)
class Answer:
    """One scripted answer: a status, a body (bytes, or JSON when not bytes) and headers."""

    status: int = 200
    body: object = attrs.field(factory=lambda: {"status": "OK"})
    headers: Mapping[str, str] = attrs.field(factory=dict)
    content_type: str | None = None


async def serve_loopback(
    handler: Handler, *, handler_cancellation: bool = False
) -> tuple[web.AppRunner, str]:
    """Serve ``handler`` for every method and path on a free loopback port: (runner, URL)."""
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app, access_log=None, handler_cancellation=handler_cancellation)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"


class Recorder:
    """Records every request; answers each with the next scripted :class:`Answer`."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._script: deque[Answer] = deque()
        self._runner: web.AppRunner | None = None
        self.url = ""

    def answer(self, *answers: Answer) -> None:
        """Queue answers for the next requests (afterwards: 200 ``{"status": "OK"}``)."""
        self._script.extend(answers)

    @property
    def last(self) -> Recorded:
        return self.requests[-1]

    async def start(self) -> None:
        self._runner, self.url = await serve_loopback(self._handle)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        self.requests.append(
            Recorded(
                method=request.method,
                path=request.path,
                query=dict(request.query),
                headers=dict(request.headers),
                body=await request.read(),
            )
        )
        answer = self._script.popleft() if self._script else Answer()
        if isinstance(answer.body, bytes):
            return web.Response(
                status=answer.status,
                body=answer.body,
                headers=answer.headers,
                content_type=answer.content_type or "application/octet-stream",
            )
        return web.Response(
            status=answer.status,
            text=json.dumps(answer.body),
            headers=answer.headers,
            content_type=answer.content_type or "application/json",
        )
