"""The control API: HTTP routes under `/_sandbox` that drive a served sandbox from another process.

A service under test talks to the sandbox as to the real API; its test, in another process,
seeds data, scripts faults, moves the clock and reads the counters through these routes (or
through `SandboxControl`, their client). They are the sandbox's own, not the API's: they need no
token, are never faulted, throttled or delayed, and are not counted in the stats. Bodies and
answers are JSON; a bad one is 400 `{"code": "CONTROL_ERROR", "message"}` naming what to change.
docs/sandbox.md lists the routes.

This module only translates HTTP into calls of the sandbox's Python helpers (through the
`Controlled` protocol, which `Sandbox` satisfies); no rule of the API lives here.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Final, Protocol

from aiohttp import web

from ._checks import ManualClock
from .faults import Faults, Reply
from .state import JSONObject, JSONValue, SandboxError, State
from .stats import Stats

__all__ = ["CONTROL_PREFIX", "Controlled", "control_routes"]

CONTROL_PREFIX: Final = "/_sandbox"


class Controlled(Protocol):
    """What the control routes use of a sandbox (`Sandbox` has it all)."""

    client_id: str
    cost_center_id: str
    state: State
    faults: Faults
    stats: Stats

    @property
    def lock(self) -> threading.Lock: ...

    @property
    def clock(self) -> ManualClock: ...

    @property
    def time_factor(self) -> float: ...

    @time_factor.setter
    def time_factor(self, value: float) -> None: ...

    def advance(self, seconds: float) -> None: ...

    def reset(self, *, strict: bool | None = None) -> None: ...

    def reset_stats(self) -> None: ...

    def add_department(
        self, name: str, *, parent_id: str | None = ..., with_roles: bool = ...
    ) -> str: ...

    def add_cost_center(self, *, name: str = ...) -> str: ...

    def add_limit(
        self,
        title: str,
        service: str = ...,
        *,
        department_id: str | None = ...,
        orders_cost: str | None = ...,
        is_default: bool = ...,
    ) -> str: ...

    def add_user(
        self,
        *,
        phone: str,
        fullname: str = ...,
        is_active: bool = ...,
        is_deleted: bool = ...,
        email: str | None = ...,
        nickname: str | None = ...,
        cost_centers_id: str | None = ...,
        department_id: str | None = ...,
        limits: Sequence[tuple[str, str]] = ...,
    ) -> str: ...


class _ControlError(Exception):
    """A control request the sandbox cannot carry out: answered 400 with the message."""


_Handler = Callable[["Controlled", JSONObject], JSONValue]


def _fields(body: JSONObject, required: Sequence[str], optional: Sequence[str] = ()) -> None:
    for key in body:
        if key not in required and key not in optional:
            allowed = ", ".join((*required, *optional)) or "none"
            raise _ControlError(f"unknown field {key!r} (allowed: {allowed})")
    for key in required:
        if key not in body:
            raise _ControlError(f"missing field {key!r}")


def _typed(body: JSONObject, key: str, kind: type | tuple[type, ...], what: str) -> Any:
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
        raise _ControlError(f"{key} must be {what}")
    if not isinstance(value, kind):
        raise _ControlError(f"{key} must be {what}")
    return value


def _info(sandbox: Controlled) -> JSONObject:
    return {
        "client_id": sandbox.client_id,
        "cost_center_id": sandbox.cost_center_id,
        "strict": sandbox.state.strict,
        "clock": _clock(sandbox),
    }


def _clock(sandbox: Controlled) -> JSONObject:
    clock = sandbox.clock
    now = clock.now()
    return {
        "now": now,
        "wall": clock.wall(now).isoformat(),
        "time_factor": sandbox.time_factor,
    }


def _get_info(sandbox: Controlled, body: JSONObject) -> JSONValue:
    return _info(sandbox)


def _reset(sandbox: Controlled, body: JSONObject) -> JSONValue:
    _fields(body, (), ("strict",))
    sandbox.reset(strict=_typed(body, "strict", bool, "true or false"))
    return _info(sandbox)


def _get_clock(sandbox: Controlled, body: JSONObject) -> JSONValue:
    return _clock(sandbox)


def _advance(sandbox: Controlled, body: JSONObject) -> JSONValue:
    _fields(body, ("seconds",))
    sandbox.advance(_typed(body, "seconds", (int, float), "a number of seconds >= 0"))
    return _clock(sandbox)


def _set_time_factor(sandbox: Controlled, body: JSONObject) -> JSONValue:
    _fields(body, ("time_factor",))
    sandbox.time_factor = _typed(body, "time_factor", (int, float), "a number >= 0")
    return _clock(sandbox)


_REPLY_KINDS: Final[Mapping[str, Callable[..., Reply]]] = {
    "passthrough": Reply.passthrough,
    "drop_before": Reply.drop_before,
    "drop_after": Reply.drop_after,
    "html": Reply.html,
    "truncated_json": Reply.truncated_json,
    "rate_limited": Reply.rate_limited,
}


def _reply(index: int, item: JSONValue) -> Reply:
    if not isinstance(item, dict):
        raise _ControlError(f"replies[{index}] must be an object")
    options = dict(item)
    kind = options.pop("kind", None)
    try:
        if kind is None:
            return Reply(**options)  # type: ignore[arg-type]
        if kind not in _REPLY_KINDS:
            raise _ControlError(
                f"replies[{index}].kind must be one of {', '.join(_REPLY_KINDS)}, got {kind!r}"
            )
        return _REPLY_KINDS[str(kind)](**options)
    except TypeError as exc:
        raise _ControlError(f"replies[{index}]: {exc}") from None
    except ValueError as exc:
        raise _ControlError(f"replies[{index}]: {exc}") from None


def _script(sandbox: Controlled, body: JSONObject) -> JSONValue:
    _fields(body, ("method", "path", "replies"))
    method = _typed(body, "method", str, "an HTTP method")
    path = _typed(body, "path", str, "a path, e.g. /integration/2.0/users")
    replies = body["replies"]
    if not isinstance(replies, list):
        raise _ControlError("replies must be a list of reply objects")
    sandbox.faults.script(method, path, [_reply(i, item) for i, item in enumerate(replies)])
    return {"pending": sandbox.faults.pending(method, path)}


def _outage(sandbox: Controlled, body: JSONObject) -> JSONValue:
    _fields(body, (), ("enabled", "status"))
    enabled = _typed(body, "enabled", bool, "true or false")
    status = _typed(body, "status", int, "an HTTP status")
    sandbox.faults.outage(True if enabled is None else enabled, status=status or 503)
    return {}


def _rate_limit(sandbox: Controlled, body: JSONObject) -> JSONValue:
    _fields(body, ("rate",), ("burst", "retry_after"))
    sandbox.faults.rate_limit(
        _typed(body, "rate", (int, float), "requests a second, or null (off)"),
        burst=_typed(body, "burst", int, "a whole number >= 1"),
        retry_after=_typed(body, "retry_after", (int, float), "seconds"),
    )
    return {}


def _latency(sandbox: Controlled, body: JSONObject) -> JSONValue:
    _fields(body, ("seconds",))
    seconds = body["seconds"]
    if isinstance(seconds, list) and len(seconds) == 2:
        low, high = seconds
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (low, high)):
            raise _ControlError("seconds must be a number, [low, high] or null (off)")
        sandbox.faults.latency((float(low), float(high)))  # type: ignore[arg-type]
        return {}
    sandbox.faults.latency(
        _typed(body, "seconds", (int, float), "a number, [low, high] or null (off)")
    )
    return {}


def _random(sandbox: Controlled, body: JSONObject) -> JSONValue:
    keys = ("error_rate", "drop_before_rate", "drop_after_rate", "statuses", "paths", "seed")
    _fields(body, (), keys)
    rates = {key: _typed(body, key, (int, float), "a share from 0 to 1") or 0.0 for key in keys[:3]}
    statuses = _typed(body, "statuses", list, "a list of HTTP statuses")
    paths = _typed(body, "paths", list, "a list of paths")
    sandbox.faults.random(
        **rates,
        statuses=tuple(statuses) if statuses is not None else (500, 502, 503, 504),
        paths=paths,
        seed=_typed(body, "seed", int, "a whole number"),
    )
    return {}


def _clear_faults(sandbox: Controlled, body: JSONObject) -> JSONValue:
    sandbox.faults.clear()
    return {}


def _add_department(sandbox: Controlled, body: JSONObject) -> JSONValue:
    _fields(body, ("name",), ("parent_id", "with_roles"))
    return {
        "id": sandbox.add_department(
            _typed(body, "name", str, "a string"),
            parent_id=_typed(body, "parent_id", str, "a department id"),
            with_roles=bool(_typed(body, "with_roles", bool, "true or false")),
        )
    }


def _add_cost_center(sandbox: Controlled, body: JSONObject) -> JSONValue:
    _fields(body, ("name",))
    return {"id": sandbox.add_cost_center(name=_typed(body, "name", str, "a string"))}


def _add_limit(sandbox: Controlled, body: JSONObject) -> JSONValue:
    _fields(body, ("title",), ("service", "department_id", "orders_cost", "is_default"))
    return {
        "id": sandbox.add_limit(
            _typed(body, "title", str, "a string"),
            _typed(body, "service", str, "a service, e.g. taxi") or "taxi",
            department_id=_typed(body, "department_id", str, "a department id"),
            orders_cost=_typed(body, "orders_cost", str, 'a sum as a string, e.g. "5000"'),
            is_default=bool(_typed(body, "is_default", bool, "true or false")),
        )
    }


_EMPLOYEE_TEXT: Final = ("fullname", "email", "nickname", "cost_centers_id", "department_id")


def _add_employee(sandbox: Controlled, body: JSONObject) -> JSONValue:
    _fields(body, ("phone",), (*_EMPLOYEE_TEXT, "is_active", "is_deleted", "limits"))
    texts = {key: _typed(body, key, str, "a string") for key in _EMPLOYEE_TEXT}
    limits: list[tuple[str, str]] = []
    for index, item in enumerate(_typed(body, "limits", list, "a list") or ()):
        if not (
            isinstance(item, dict)
            and set(item) == {"service", "limit_id"}
            and all(isinstance(value, str) for value in item.values())
        ):
            raise _ControlError(f'limits[{index}] must be {{"service": …, "limit_id": …}}')
        limits.append((item["service"], item["limit_id"]))
    is_active = _typed(body, "is_active", bool, "true or false")
    return {
        "id": sandbox.add_user(
            phone=_typed(body, "phone", str, "a phone, e.g. +79990000000"),
            fullname=texts.pop("fullname") or "",
            is_active=True if is_active is None else is_active,
            is_deleted=bool(_typed(body, "is_deleted", bool, "true or false")),
            limits=limits,
            **texts,
        )
    }


def _get_stats(sandbox: Controlled, body: JSONObject) -> JSONValue:
    with sandbox.lock:
        stats = sandbox.stats
        return {
            "requests": stats.requests,
            "in_flight": stats.in_flight,
            "max_in_flight": stats.max_in_flight,
            "throttled": stats.throttled,
            "dropped_before": stats.dropped_before,
            "dropped_after": stats.dropped_after,
            "by_path": dict(stats.by_path),
            "by_status": {str(status): count for status, count in stats.by_status.items()},
        }


def _reset_stats(sandbox: Controlled, body: JSONObject) -> JSONValue:
    sandbox.reset_stats()
    return {}


# (method, path under CONTROL_PREFIX, handler)
_ROUTES: Final[tuple[tuple[str, str, _Handler], ...]] = (
    ("GET", "", _get_info),
    ("POST", "/reset", _reset),
    ("GET", "/clock", _get_clock),
    ("POST", "/clock/advance", _advance),
    ("POST", "/clock/time-factor", _set_time_factor),
    ("POST", "/faults/script", _script),
    ("POST", "/faults/outage", _outage),
    ("POST", "/faults/rate-limit", _rate_limit),
    ("POST", "/faults/latency", _latency),
    ("POST", "/faults/random", _random),
    ("POST", "/faults/clear", _clear_faults),
    ("POST", "/departments", _add_department),
    ("POST", "/cost-centers", _add_cost_center),
    ("POST", "/limits", _add_limit),
    ("POST", "/employees", _add_employee),
    ("GET", "/stats", _get_stats),
    ("POST", "/stats/reset", _reset_stats),
)


def _answer(status: int, body: JSONValue) -> web.Response:
    return web.Response(
        status=status,
        body=json.dumps(body, ensure_ascii=False).encode(),
        content_type="application/json",
    )


def _error(status: int, message: str) -> web.Response:
    return _answer(status, {"code": "CONTROL_ERROR", "message": message})


def _route(
    sandbox: Controlled, handler: _Handler
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handle(request: web.Request) -> web.StreamResponse:
        raw = await request.read() if request.body_exists else b""
        try:
            body = json.loads(raw) if raw.strip() else {}
        except (UnicodeDecodeError, ValueError):
            return _error(400, "the body must be a JSON object")
        if not isinstance(body, dict):
            return _error(400, "the body must be a JSON object")
        try:
            return _answer(200, handler(sandbox, body))
        except (_ControlError, ValueError, TypeError, SandboxError) as exc:
            return _error(400, str(exc))

    return handle


async def _unknown(request: web.Request) -> web.StreamResponse:
    return _error(404, f"no control route {request.method} {request.path}")


def control_routes(sandbox: Controlled) -> list[web.RouteDef]:
    """The control API's aiohttp routes over `sandbox` (add them before the API's catch-all)."""
    routes = [
        web.route(method, CONTROL_PREFIX + path, _route(sandbox, handler))
        for method, path, handler in _ROUTES
    ]
    routes.append(web.route("*", CONTROL_PREFIX + "/{tail:.*}", _unknown))
    return routes
