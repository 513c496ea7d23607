"""A loopback HTTP server that records requests exactly as they arrive and answers from a script.

Wire-format tests use it instead of mocking aiohttp: the client sends real bytes over a real
socket, and the test reads the method, path, query, headers and body the server received.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Mapping
from typing import Any

import attrs
from aiohttp import web


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
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"

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
