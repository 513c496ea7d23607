"""The in-memory transport: the sandbox's rules served to a client without a socket.

``B2BClient(token, transport=sandbox.transport())`` sends every request straight to the
sandbox's :class:`~.app.Dispatcher` — the same endpoint declarations, authorization, faults and
stats as over HTTP — in the caller's event loop, with no port, no thread and no connection.
A scripted drop reaches the client as a connection reset and a delay longer than the request's
timeout as a timeout, as they would over a network.

It satisfies the client's transport interface structurally (``send(request) -> response`` and
``aclose()``): the sandbox imports nothing of the client package.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Mapping
from typing import Protocol

from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from .app import Dispatcher, Incoming
from .faults import Faults
from .state import State
from .stats import Stats

__all__ = ["MemoryResponse", "MemoryTransport"]


class _Request(Protocol):
    """What the transport reads of a client's request."""

    @property
    def method(self) -> str: ...

    @property
    def url(self) -> URL: ...

    @property
    def headers(self) -> Mapping[str, str]: ...

    @property
    def body(self) -> bytes | None: ...

    @property
    def timeout(self) -> float: ...


class MemoryResponse:
    """An answer of the sandbox: ``status``, ``headers`` (case-insensitive), ``body``."""

    __slots__ = ("body", "headers", "status")

    def __init__(self, status: int, headers: CIMultiDictProxy[str], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body


_JSON_HEADERS = CIMultiDictProxy(CIMultiDict({"Content-Type": "application/json"}))
_NO_HEADERS: CIMultiDictProxy[str] = CIMultiDictProxy(CIMultiDict())


class MemoryTransport:
    """Serves a client's requests from ``state`` through ``faults``, counted in ``stats``
    (made by :meth:`Sandbox.transport`; ``lock`` is the sandbox's own)."""

    def __init__(self, state: State, faults: Faults, stats: Stats, lock: threading.Lock) -> None:
        self._dispatcher = Dispatcher(state, faults, stats, lock)
        self._closed = False

    async def send(self, request: _Request) -> MemoryResponse:
        """Answer ``request``; raises ``ConnectionResetError`` for a dropped request,
        ``TimeoutError`` when the answer would take longer than ``request.timeout``, and
        ``ConnectionRefusedError`` after :meth:`aclose`."""
        if self._closed:
            raise ConnectionRefusedError("the in-memory sandbox transport is closed")
        url = request.url
        incoming = Incoming(
            method=request.method,
            path=url.path,
            query=url.query,
            headers=CIMultiDictProxy(CIMultiDict(request.headers)),
            body=request.body or b"",
        )
        dispatcher = self._dispatcher
        endpoint = dispatcher.endpoint(request.method, url.path)
        async with asyncio.timeout(request.timeout):
            answer = await dispatcher.serve(endpoint, incoming)
        if answer.drop:
            raise ConnectionResetError("the sandbox dropped the connection")
        if answer.headers is not None:
            headers = CIMultiDictProxy(CIMultiDict(answer.headers))
        else:
            headers = _JSON_HEADERS if answer.body is not None else _NO_HEADERS
        return MemoryResponse(answer.status, headers, answer.body or b"")

    async def aclose(self) -> None:
        """Refuse later requests; the sandbox's data stays."""
        self._closed = True
