"""The transport: the one place an HTTP exchange happens, behind a small interface (httpx's
``BaseTransport``).

:class:`AsyncTransport` is what the request path needs from the network: ``send`` one
:class:`Request` (method, URL, headers, body, timeout) and get a :class:`Response` (status,
headers, body bytes) back, and ``aclose``. :class:`AiohttpTransport` is the real one — the
only code of the library that calls aiohttp. Any object with those two methods will do:
``B2BClient(transport=...)`` takes it, e.g. the sandbox's in-memory transport
(:meth:`yandex_b2b_async.sandbox.Sandbox.transport`) for tests without sockets.

A transport does not retry, pace, or look at the status: a 4xx or 5xx is a :class:`Response`
like any other. It raises :class:`TransportError` when no answer came (``sent`` says whether the
request may have reached the server) and :class:`ClientClosedError` after :meth:`aclose`; a
transport that raises plain ``OSError`` or ``TimeoutError`` instead has them mapped by
:func:`transport_error`.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncGenerator, Mapping
from typing import Any, Final, Protocol

import aiohttp
from yarl import URL

from ._constants import DEFAULT_CONNECTION_LIMIT
from .errors import B2BError, ClientClosedError, InvalidResponseError, TransportError

__all__ = [
    "MAX_BODY_BYTES",
    "AiohttpTransport",
    "AsyncTransport",
    "Request",
    "Response",
    "transport_error",
]

# A success body larger than this is not an answer of this API (its largest page is a few
# hundred kilobytes); reading it whole would let a broken proxy exhaust memory.
MAX_BODY_BYTES: Final = 32 * 1024 * 1024


_NO_CONTENT_TYPE: Final = ("Content-Type",)


class Request:
    """One HTTP request as a transport sends it.

    ``url`` is absolute, query included; ``path`` is the API path it was made for
    (``"/users"``, no query), for error messages; ``timeout`` the seconds the whole exchange
    may take.
    """

    __slots__ = ("body", "headers", "method", "path", "timeout", "url")

    def __init__(
        self,
        method: str,
        url: URL,
        headers: Mapping[str, str],
        body: bytes | None,
        timeout: float,
        path: str = "",
    ) -> None:
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.path = path

    def __repr__(self) -> str:
        # No headers: they hold the token.
        return f"<Request {self.method} {self.path or self.url.path}>"


class Response(Protocol):
    """What a transport answers: the status, the headers (looked up case-insensitively, as
    HTTP wants) and the whole body."""

    @property
    def status(self) -> int: ...

    @property
    def headers(self) -> Mapping[str, str]: ...

    @property
    def body(self) -> bytes: ...


class AsyncTransport(Protocol):
    """Sends requests; see the module docstring for what it raises."""

    async def send(self, request: Request) -> Response:
        """Send ``request`` and return the answer, whatever its status."""
        ...

    async def aclose(self) -> None:
        """Release what the transport holds (connections). Idempotent."""
        ...


class _Reply:
    __slots__ = ("body", "headers", "status")

    def __init__(self, status: int, headers: Mapping[str, str], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body


def transport_error(exc: BaseException, request: Request) -> TransportError:
    """The :class:`TransportError` for a plain exception a transport let through:
    ``ConnectionRefusedError`` was never sent; any other ``OSError`` or a ``TimeoutError``
    may have been."""
    call = f"{request.method} {request.path}"
    timeout = isinstance(exc, TimeoutError)
    if timeout:
        message, sent = f"{call}: no answer within {request.timeout:.3g}s", True
    elif isinstance(exc, ConnectionRefusedError):
        message, sent = f"{call}: cannot connect: {exc}", False
    else:
        message, sent = f"{call}: connection failed: {type(exc).__name__}: {exc}", True
    error = TransportError(
        message, sent=sent, method=request.method, path=request.path, timeout=timeout
    )
    error.__cause__ = exc
    return error


class _Watch:
    """One exchange under the watchdog: its task, when its time is up, and how far it got."""

    __slots__ = ("connected", "deadline", "done", "fired", "task")

    def __init__(self, task: asyncio.Task[object], deadline: float) -> None:
        self.task = task
        self.deadline = deadline
        self.connected = False
        self.done = False
        self.fired = False


class _Watchdog:
    """The timeouts of every exchange of one session, kept by one timer of the event loop.

    aiohttp arms a timer of its own for a request given a ``total`` timeout and cancels it
    when the answer is in: several microseconds on every call, for a timeout that almost never
    fires. Here an exchange is noted in a queue (one per distinct timeout, so each stays in
    deadline order) and struck off when it ends; a single timer, armed for the earliest
    deadline, wakes about once per timeout, strikes off what ended, and cancels the tasks whose
    time is up (:meth:`AiohttpTransport.send` turns that cancellation into a
    :class:`TransportError`). aiohttp's own timer is left only for connecting (and waiting for
    a free connection), which is what a connect timeout — "not sent" — means.
    """

    __slots__ = ("_armed", "_at", "_loop", "_queues", "active")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._queues: dict[float, deque[_Watch]] = {}
        self._armed: asyncio.TimerHandle | None = None
        self._at = 0.0
        #: The exchanges under way, by task: the connector marks the ones it has connected.
        self.active: dict[asyncio.Task[object], _Watch] = {}

    def watch(self, task: asyncio.Task[object], timeout: float) -> _Watch:
        """Watch ``task``'s exchange for ``timeout`` seconds from now."""
        deadline = self._loop.time() + timeout
        watch = _Watch(task, deadline)
        queue = self._queues.get(timeout)
        if queue is None:
            queue = self._queues[timeout] = deque()
        queue.append(watch)
        self.active[task] = watch
        armed = self._armed
        if armed is None or deadline < self._at:
            if armed is not None:
                armed.cancel()
            self._at = deadline
            self._armed = self._loop.call_at(deadline, self._wake)
        return watch

    def done(self, watch: _Watch) -> None:
        """The exchange ended (its time may have been up: then nothing more is done)."""
        watch.done = True
        if self.active.get(watch.task) is watch:
            del self.active[watch.task]

    def _wake(self) -> None:
        self._armed = None
        now = self._loop.time()
        earliest: float | None = None
        for timeout, queue in list(self._queues.items()):
            while queue and (queue[0].done or queue[0].deadline <= now):
                watch = queue.popleft()
                if not watch.done:
                    watch.fired = True
                    watch.task.cancel()
            if not queue:
                del self._queues[timeout]
                continue
            # Struck off the front only: what ended behind a live exchange waits its turn.
            head = queue[0].deadline
            if earliest is None or head < earliest:
                earliest = head
        if earliest is not None:
            self._at = earliest
            self._armed = self._loop.call_at(earliest, self._wake)

    def close(self) -> None:
        if self._armed is not None:
            self._armed.cancel()
            self._armed = None


class _WatchedConnector(aiohttp.TCPConnector):
    """aiohttp's connector, marking an exchange connected once it holds a connection: a
    timeout after that may have reached the server ("sent"), one before it cannot have."""

    def __init__(self, watchdog: _Watchdog, *, limit: int) -> None:
        super().__init__(limit=limit)
        self._watchdog = watchdog

    async def connect(
        self,
        req: aiohttp.ClientRequest,
        traces: list[Any],
        timeout: aiohttp.ClientTimeout,  # noqa: ASYNC109 (aiohttp's signature)
    ) -> aiohttp.connector.Connection:
        connection = await super().connect(req, traces, timeout)
        task = asyncio.current_task()
        watch = self._watchdog.active.get(task) if task is not None else None
        if watch is not None:
            watch.connected = True
        return connection


async def _closes_with_the_loop(session: aiohttp.ClientSession) -> AsyncGenerator[None, None]:
    """Suspended for as long as the session lives. An event loop closes the async generators
    it started when it shuts down (``asyncio.run`` does), so a session a client made itself is
    closed with the loop it was made on, even when the client never is."""
    try:
        yield
    finally:
        if not session.closed:
            await session.close()


class AiohttpTransport:
    """The real transport, over an ``aiohttp.ClientSession``.

    Without ``session`` it makes its own on first use, on the running event loop (a pool of
    ``connection_limit`` connections, no cookie jar), closes it in :meth:`aclose` or, failing
    that, when that loop shuts down; a client used again under a new loop (a second
    ``asyncio.run``) gets a new session. A ``session`` given is borrowed: used as is, never
    closed. Redirects are not followed (one could carry the ``Authorization`` header to another
    host; the API never redirects), and a body over ``MAX_BODY_BYTES`` is refused with
    :class:`InvalidResponseError`.
    """

    __slots__ = (
        "_closed",
        "_keeper",
        "_limit",
        "_loop",
        "_owns",
        "_session",
        "_timeouts",
        "_watchdog",
    )

    def __init__(
        self,
        session: aiohttp.ClientSession | None = None,
        *,
        connection_limit: int = DEFAULT_CONNECTION_LIMIT,
    ) -> None:
        self._session = session
        self._owns = session is None
        self._limit = connection_limit
        self._loop: asyncio.AbstractEventLoop | None = None
        self._keeper: AsyncGenerator[None, None] | None = None
        self._closed = False
        # aiohttp's timeout objects, one per distinct value: most calls share the default.
        self._timeouts: dict[float, aiohttp.ClientTimeout] = {}
        # The timeouts of the own session's exchanges (None with a borrowed session, whose
        # connector is not ours: aiohttp's total timeout is used then).
        self._watchdog: _Watchdog | None = None

    async def aclose(self) -> None:
        self._closed = True
        if self._watchdog is not None:
            self._watchdog.close()
        keeper, self._keeper = self._keeper, None
        if keeper is not None:
            await keeper.aclose()
        self._session = self._session if not self._owns else None

    async def _session_for_this_loop(self) -> aiohttp.ClientSession:
        """The session to send with: the borrowed one, or this loop's own one (made now if
        there is none yet, or if the last one closed with the loop it was made on)."""
        if self._closed:
            raise ClientClosedError("this B2BClient is closed; create a new one")
        session = self._session
        if not self._owns:
            assert session is not None
            if session.closed:
                raise ClientClosedError("the aiohttp session this B2BClient borrowed is closed")
            return session
        loop = asyncio.get_running_loop()
        if session is not None and not session.closed:
            if loop is self._loop:
                return session
            if not self._loop_closed():
                raise B2BError(
                    "this B2BClient's connections belong to another event loop, which is still "
                    "open; make one B2BClient per event loop (or close it on that loop first)"
                )
            # Its loop was closed without shutting down (no asyncio.run): nothing can be sent
            # on those connections any more. Let them go, and start afresh on this loop.
            keeper, self._keeper = self._keeper, None
            if keeper is not None:
                await keeper.aclose()
            # Other calls ran during that wait: one of them may have made this loop's session
            # already. A second one would replace it (and close its watchdog's timer) under
            # the calls sending on it.
            if self._closed:
                raise ClientClosedError("this B2BClient is closed; create a new one")
            session = self._session
            if session is not None and not session.closed and self._loop is loop:
                return session
        if self._watchdog is not None:
            self._watchdog.close()
        watchdog = self._watchdog = _Watchdog(loop)
        session = aiohttp.ClientSession(
            connector=_WatchedConnector(watchdog, limit=self._limit),
            # No cookies: the API is stateless, and a cookie jar costs time on every call.
            cookie_jar=aiohttp.DummyCookieJar(),
        )
        keeper = _closes_with_the_loop(session)
        await keeper.asend(None)
        self._session, self._keeper, self._loop = session, keeper, loop
        return session

    def _loop_closed(self) -> bool:
        return self._loop is not None and self._loop.is_closed()

    async def send(self, request: Request) -> Response:
        session = self._session
        if (
            session is None
            or session.closed
            or (self._owns and asyncio.get_running_loop() is not self._loop)
        ):
            session = await self._session_for_this_loop()
        watchdog = self._watchdog if self._owns else None
        timeout = self._timeouts.get(request.timeout)
        if timeout is None:
            # Our own session: aiohttp times only the connecting, the watchdog the rest.
            timeout = (
                aiohttp.ClientTimeout(total=None, connect=request.timeout)
                if watchdog is not None
                else aiohttp.ClientTimeout(total=request.timeout)
            )
            if len(self._timeouts) < 8:
                self._timeouts[request.timeout] = timeout
        task = asyncio.current_task() if watchdog is not None else None
        watch = None if watchdog is None or task is None else watchdog.watch(task, request.timeout)
        try:
            async with session.request(
                request.method,
                request.url,
                data=request.body,
                headers=request.headers,
                timeout=timeout,
                allow_redirects=False,
                # No body, no Content-Type: aiohttp's default (octet-stream) announces content
                # the request does not have, and a gateway may refuse it with 415.
                skip_auto_headers=_NO_CONTENT_TYPE if request.body is None else None,
            ) as reply:
                status = reply.status
                if reply.content_length is not None and reply.content_length > MAX_BODY_BYTES:
                    raise InvalidResponseError(
                        status,
                        message=f"answer of {reply.content_length} bytes is too large",
                        method=request.method,
                        path=request.path,
                    )
                payload = await reply.content.read(MAX_BODY_BYTES + 1)
                if not reply.content.at_eof():
                    payload = await _read_rest(reply.content, payload)
                if len(payload) > MAX_BODY_BYTES:
                    raise InvalidResponseError(
                        status,
                        message="answer is too large",
                        method=request.method,
                        path=request.path,
                    )
                return _Reply(status, reply.headers, payload)
        except aiohttp.ConnectionTimeoutError as exc:
            call = f"{request.method} {request.path}"
            raise TransportError(
                f"{call}: could not connect within {request.timeout:.3g}s",
                sent=False,
                method=request.method,
                path=request.path,
                timeout=True,
            ) from exc
        except TimeoutError as exc:
            call = f"{request.method} {request.path}"
            raise TransportError(
                f"{call}: no answer within {request.timeout:.3g}s",
                sent=True,
                method=request.method,
                path=request.path,
                timeout=True,
            ) from exc
        except aiohttp.ClientConnectorError as exc:
            call = f"{request.method} {request.path}"
            raise TransportError(
                f"{call}: cannot connect to {request.url.origin()}: {exc.os_error}",
                sent=False,
                method=request.method,
                path=request.path,
            ) from exc
        except (aiohttp.ClientError, OSError) as exc:
            call = f"{request.method} {request.path}"
            raise TransportError(
                f"{call}: connection failed: {type(exc).__name__}: {exc}",
                sent=True,
                method=request.method,
                path=request.path,
            ) from exc
        except RuntimeError as exc:
            if session.closed:
                raise ClientClosedError("the aiohttp session was closed during the call") from exc
            raise
        except asyncio.CancelledError as exc:
            if watch is None or not watch.fired or task is None or task.uncancel() > 0:
                raise  # the caller's cancellation, not the timeout
            call = f"{request.method} {request.path}"
            message = (
                f"{call}: no answer within {request.timeout:.3g}s"
                if watch.connected
                else f"{call}: could not connect within {request.timeout:.3g}s"
            )
            raise TransportError(
                message,
                sent=watch.connected,
                method=request.method,
                path=request.path,
                timeout=True,
            ) from exc
        finally:
            if watch is not None:
                assert watchdog is not None
                watchdog.done(watch)


async def _read_rest(content: aiohttp.StreamReader, first: bytes) -> bytes:
    """The rest of a body that arrived in several pieces (``read(n)`` returns only what is
    buffered), up to one byte past the size bound so that an oversized body is recognised."""
    pieces = [first]
    size = len(first)
    while size <= MAX_BODY_BYTES:
        piece = await content.read(MAX_BODY_BYTES + 1 - size)
        if not piece:
            break
        pieces.append(piece)
        size += len(piece)
    return b"".join(pieces)
