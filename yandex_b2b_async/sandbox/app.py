"""The sandbox's HTTP face: aiohttp.web routes that translate requests into `State` calls.

Every endpoint is one small declaration (method, path, the query parameters it takes, whether it
has a body, and a function of the state); a single :class:`Dispatcher`, free of HTTP plumbing,
authorizes, decodes, applies faults, counts, calls the state and encodes the answer — for the
aiohttp routes here and for the in-memory transport (:mod:`.memory`) alike. No rule of the API
lives here: a refusal comes from the state as an `ApiError` and leaves as
`{"code", "message", "extra"?}` JSON.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Final

import attrs
from aiohttp import web

from ._admin_routes import ADMIN_ROUTES
from ._query import int_param, required_param
from ._services import SERVICE_ENDPOINTS
from .faults import Faults, Reply, encode_body, error_body
from .state import DEFAULT_PAGE_LIMIT, ApiError, JSONValue, State
from .stats import LoggedRequest, Stats

__all__ = [
    "API_PREFIX",
    "ENDPOINTS",
    "ROUTES",
    "SELECTED_CLIENT_HEADER",
    "Call",
    "Dispatcher",
    "Incoming",
    "Outgoing",
    "build_app",
]

API_PREFIX: Final = "/integration/2.0"
SELECTED_CLIENT_HEADER: Final = "X-YaTaxi-Selected-Corp-Client-Id"
_JSON: Final = "application/json"
_OK: Final[JSONValue] = {"status": "OK"}


class _Empty:
    """An answer with an empty body (department update answers "an empty 200")."""


_EMPTY: Final = _Empty()


@attrs.frozen(kw_only=True)
class Call:
    """One authorized request as an endpoint function sees it.

    `client_id` is the client the request acts for ("" for endpoints that do not authorize).
    """

    method: str
    path: str
    token: str | None
    client_id: str
    query: Mapping[str, str]
    body: JSONValue
    headers: Mapping[str, str] = attrs.field(factory=dict)


@attrs.frozen(kw_only=True)
class Endpoint:
    """An API endpoint: where it is, what it takes, and what it does to the state."""

    method: str
    path: str
    run: Callable[[State, Call], JSONValue | _Empty]
    query: frozenset[str] = frozenset()
    has_body: bool = False
    authorize: bool = True


def _create_user(state: State, call: Call) -> JSONValue:
    return {"id": state.create_user(call.client_id, call.body)}


def _put_user(state: State, call: Call) -> JSONValue:
    state.put_user(call.client_id, required_param(call, "user_id"), call.body)
    return _OK


def _patch_user(state: State, call: Call) -> JSONValue:
    state.patch_user(call.client_id, required_param(call, "user_id"), call.body)
    return _OK


def _get_users(state: State, call: Call) -> JSONValue:
    if "user_id" in call.query:
        return state.get_user(call.client_id, required_param(call, "user_id"))
    limit = int_param(call, "limit", DEFAULT_PAGE_LIMIT)
    return state.list_users(call.client_id, limit=limit, cursor=call.query.get("cursor"))


def _archive_user(state: State, call: Call) -> JSONValue:
    state.archive_user(call.client_id, required_param(call, "user_id"))
    return _OK


def _users_by_phone(state: State, call: Call) -> JSONValue:
    return state.users_by_phone(call.client_id, call.body)


def _list_departments(state: State, call: Call) -> JSONValue:
    return state.list_departments(
        call.client_id,
        limit=int_param(call, "limit", DEFAULT_PAGE_LIMIT),
        offset=int_param(call, "offset", 0),
    )


def _create_department(state: State, call: Call) -> JSONValue:
    # The department create page answers `_id`, not `id`.
    return {"_id": state.create_department(call.client_id, call.body)}


def _update_department(state: State, call: Call) -> JSONValue:
    state.update_department(call.client_id, required_param(call, "department_id"), call.body)
    # The page's "empty 200", as `{}`: clients such as Yandex's SDK read every answer as JSON.
    return {}


def _archive_department(state: State, call: Call) -> JSONValue:
    deleted: list[JSONValue] = list(
        state.archive_department(call.client_id, required_param(call, "department_id"))
    )
    return {"deleted_ids": deleted}


def _list_cost_centers(state: State, call: Call) -> JSONValue:
    return state.list_cost_centers(
        call.client_id,
        limit=int_param(call, "limit", DEFAULT_PAGE_LIMIT),
        offset=int_param(call, "offset", 0),
    )


def _auth_list(state: State, call: Call) -> JSONValue:
    return state.auth_list(call.token)


_USERS = f"{API_PREFIX}/users"
_PAGE = frozenset({"limit", "offset"})
ENDPOINTS: Final = (
    Endpoint(method="POST", path=_USERS, run=_create_user, has_body=True),
    Endpoint(method="PUT", path=_USERS, run=_put_user, query=frozenset({"user_id"}), has_body=True),
    Endpoint(
        method="PATCH", path=_USERS, run=_patch_user, query=frozenset({"user_id"}), has_body=True
    ),
    Endpoint(
        method="GET", path=_USERS, run=_get_users, query=frozenset({"user_id", "limit", "cursor"})
    ),
    Endpoint(
        method="POST",
        path=f"{_USERS}/archive",
        run=_archive_user,
        query=frozenset({"user_id"}),
    ),
    Endpoint(method="POST", path=f"{_USERS}/by_phone", run=_users_by_phone, has_body=True),
    Endpoint(
        method="GET", path=f"{API_PREFIX}/departments/list", run=_list_departments, query=_PAGE
    ),
    Endpoint(
        method="POST",
        path=f"{API_PREFIX}/departments/create",
        run=_create_department,
        has_body=True,
    ),
    Endpoint(
        method="PUT",
        path=f"{API_PREFIX}/departments/update",
        run=_update_department,
        query=frozenset({"department_id"}),
        has_body=True,
    ),
    Endpoint(
        method="POST",
        path=f"{API_PREFIX}/departments/archive",
        run=_archive_department,
        query=frozenset({"department_id"}),
    ),
    Endpoint(
        method="GET", path=f"{API_PREFIX}/cost_centers/list", run=_list_cost_centers, query=_PAGE
    ),
    Endpoint(method="GET", path=f"{API_PREFIX}/auth/list", run=_auth_list, authorize=False),
    *(Endpoint(method=m, path=p, run=r, query=q, has_body=b) for m, p, r, q, b in ADMIN_ROUTES),
    # Orders, zones, promocodes, vehicles, tanker, eats, travels: declared in _services.py.
    *(
        Endpoint(method=method, path=API_PREFIX + path, run=run, query=query, has_body=body)
        for method, path, run, query, body in SERVICE_ENDPOINTS
    ),
)
# The (method, path) pairs served: what a fault script may name.
ROUTES: Final = frozenset((endpoint.method, endpoint.path) for endpoint in ENDPOINTS)
_PATHS: Final = frozenset(path for _, path in ROUTES)


def _unknown_route(state: State, call: Call) -> JSONValue:
    if call.path in _PATHS:
        raise ApiError(405, "METHOD_NOT_ALLOWED", f"{call.method} is not allowed on {call.path}")
    raise ApiError(404, "NOT_FOUND", f"no endpoint at {call.path}")


_FALLBACK: Final = Endpoint(method="*", path="/{tail:.*}", run=_unknown_route, authorize=False)


def _bearer(header: str | None) -> str | None:
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not JSON")


@attrs.frozen(kw_only=True)
class _Decoded:
    body: JSONValue = None
    error: ApiError | None = None


def _decode(raw: bytes) -> _Decoded:
    if not raw:
        return _Decoded(error=ApiError(400, "INVALID_JSON", "the request needs a JSON body"))
    try:
        return _Decoded(body=json.loads(raw, parse_constant=_reject_constant))
    except (UnicodeDecodeError, ValueError) as exc:
        return _Decoded(
            error=ApiError(400, "INVALID_JSON", f"the request body is not valid JSON: {exc}")
        )


@attrs.frozen(kw_only=True)
class Incoming:
    """A request as the sandbox serves it, whatever carried it (aiohttp, or the in-memory
    transport): the method, the path without the query, the query, the headers, the body."""

    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: bytes = b""


@attrs.frozen(kw_only=True)
class Outgoing:
    """The sandbox's answer: a status, a body (None: empty) and headers (None: JSON), or
    ``drop``: the connection is closed without an answer."""

    status: int = 0
    body: bytes | None = None
    headers: Mapping[str, str] | None = None
    drop: bool = False


_BY_ROUTE: Final = {(endpoint.method, endpoint.path): endpoint for endpoint in ENDPOINTS}


class Dispatcher:
    """The single request path every endpoint goes through, free of HTTP plumbing: it
    authorizes, decodes, applies faults, counts, calls the state and encodes the answer. The
    aiohttp routes of :func:`build_app` and the in-memory transport both call :meth:`serve`."""

    def __init__(self, state: State, faults: Faults, stats: Stats, lock: threading.Lock) -> None:
        self._state = state
        self._faults = faults
        self._stats = stats
        self._lock = lock

    @staticmethod
    def endpoint(method: str, path: str) -> Endpoint:
        """The endpoint that serves ``method`` on ``path`` (the fallback when none does)."""
        return _BY_ROUTE.get((method, path), _FALLBACK)

    async def serve(self, endpoint: Endpoint, request: Incoming) -> Outgoing:
        """Answer ``request`` as ``endpoint``, through the faults, counted in the stats."""
        decoded = _decode(request.body) if endpoint.has_body or request.body else _Decoded()
        entry = LoggedRequest(
            method=request.method,
            path=request.path,
            query=dict(request.query),
            body=decoded.body,
            client_id_header=request.headers.get(SELECTED_CLIENT_HEADER),
            traceparent=request.headers.get("traceparent"),
        )
        with self._lock:
            self._stats.begin(entry)
        try:
            reply = self._faults.plan(request.method, request.path)
            if reply is None:
                return self._respond(entry, *self._answer(endpoint, request, decoded))
            return await self._act(reply, entry, endpoint, request, decoded)
        finally:
            with self._lock:
                self._stats.end(entry)

    async def _act(
        self,
        reply: Reply,
        entry: LoggedRequest,
        endpoint: Endpoint,
        request: Incoming,
        decoded: _Decoded,
    ) -> Outgoing:
        if reply.delay:
            await asyncio.sleep(reply.delay)
        if reply.drop and not reply.process:
            entry.outcome = "dropped_before"
            return _DROP
        status, body = 0, None
        if reply.status is None or reply.process:
            status, body = self._answer(endpoint, request, decoded)
        if reply.drop:
            entry.outcome = "dropped_after"
            return _DROP
        if reply.status is None:
            return self._respond(entry, status, body)
        headers = dict(reply.headers)
        payload = reply.body
        if payload is None and reply.status >= 400:
            payload = error_body(reply.status)
        if payload is not None and not any(key.lower() == "content-type" for key in headers):
            headers["Content-Type"] = (
                "text/plain; charset=utf-8" if isinstance(payload, bytes) else _JSON
            )
        encoded = b"" if payload is None else encode_body(payload)
        return self._respond(entry, reply.status, encoded, headers)

    def _answer(
        self, endpoint: Endpoint, request: Incoming, decoded: _Decoded
    ) -> tuple[int, bytes | None]:
        """Run the endpoint against the state: (status, JSON body or None for an empty body)."""
        try:
            token = _bearer(request.headers.get("Authorization"))
            with self._lock:
                client_id = (
                    self._state.authorize(token, request.headers.get(SELECTED_CLIENT_HEADER))
                    if endpoint.authorize
                    else ""
                )
                for name in request.query:
                    if name not in endpoint.query and endpoint is not _FALLBACK:
                        raise ApiError(
                            400,
                            "VALIDATION_ERROR",
                            f"unknown query parameter {name!r}",
                            {"field": name},
                        )
                if endpoint.has_body and decoded.error is not None:
                    raise decoded.error
                call = Call(
                    method=request.method,
                    path=request.path,
                    token=token,
                    client_id=client_id,
                    query=request.query,
                    body=decoded.body,
                    headers=request.headers,
                )
                result = endpoint.run(self._state, call)
        except ApiError as exc:
            return exc.status, json.dumps(exc.body(), ensure_ascii=False).encode()
        if isinstance(result, _Empty):
            return 200, None
        return 200, json.dumps(result, ensure_ascii=False).encode()

    @staticmethod
    def _respond(
        entry: LoggedRequest,
        status: int,
        body: bytes | None,
        headers: Mapping[str, str] | None = None,
    ) -> Outgoing:
        entry.status = status
        return Outgoing(status=status, body=body, headers=headers)


_DROP: Final = Outgoing(drop=True)


def _route(
    dispatcher: Dispatcher, endpoint: Endpoint
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """The aiohttp handler of one endpoint: HTTP in, :meth:`Dispatcher.serve`, HTTP out."""

    async def handle(request: web.Request) -> web.StreamResponse:
        incoming = Incoming(
            method=request.method,
            path=request.path,
            query=request.query,
            headers=request.headers,
            body=await request.read() if request.body_exists else b"",
        )
        answer = await dispatcher.serve(endpoint, incoming)
        if answer.drop:
            # Closing the transport is what a client sees as a server that went away
            # mid-request (aiohttp: ServerDisconnectedError); aiohttp quietly skips writing
            # the response below.
            transport = request.transport
            if transport is not None:
                transport.close()
            return web.Response()
        if answer.headers is not None:
            return web.Response(status=answer.status, body=answer.body, headers=answer.headers)
        if answer.body is None:
            return web.Response(status=answer.status)
        return web.Response(status=answer.status, body=answer.body, content_type=_JSON)

    return handle


def build_app(
    state: State,
    faults: Faults,
    stats: Stats,
    *,
    lock: threading.Lock | None = None,
    control: Iterable[web.RouteDef] = (),
) -> web.Application:
    """The aiohttp application serving `state` through `faults`, counting into `stats`.

    `lock` serializes access to `state` and `stats` when other threads touch them too.
    `control`: routes of the sandbox's own (the control API), served outside the faults and the
    stats, ahead of the catch-all that answers unknown API paths.
    """
    dispatcher = Dispatcher(state, faults, stats, lock or threading.Lock())
    app = web.Application()
    app.router.add_routes(control)
    for endpoint in (*ENDPOINTS, _FALLBACK):
        app.router.add_route(endpoint.method, endpoint.path, _route(dispatcher, endpoint))
    return app
