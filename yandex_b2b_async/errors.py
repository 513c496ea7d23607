"""The exception hierarchy, and the one place where an HTTP answer becomes an exception.

Every failure a call can end in is a :class:`B2BError`. :func:`error_from_response` maps an
HTTP status and body to its class; it never raises anything itself, whatever the body holds
(HTML error pages, truncated JSON, wrong types), so no ``KeyError``, ``JSONDecodeError`` or
aiohttp exception escapes to the caller. Nothing here ever holds the OAuth token.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from types import MappingProxyType
from typing import Final

import orjson

from ._personal import scrub

__all__ = [
    "APIError",
    "AuthenticationError",
    "B2BError",
    "BadRequestError",
    "ClientClosedError",
    "ConflictError",
    "GoneError",
    "InvalidResponseError",
    "JournalInUseError",
    "NotFoundError",
    "OrderStatusError",
    "OrderWaitTimeout",
    "PermissionDeniedError",
    "RateLimitError",
    "ServerError",
    "SharedPacingError",
    "StateConflictError",
    "TransportError",
    "UserIsDeletedError",
    "ValidationError",
    "error_from_response",
    "parse_retry_after",
    "request_id_of",
]

# Enough of a foreign body to recognise it (an nginx page, a proxy's message) in a log.
_EXCERPT_CHARS: Final = 200
# The headers a Yandex answer names itself by, the balancer's first (the pages name none; these
# are the ones Yandex's front ends and common gateways set), looked up in this order.
REQUEST_ID_HEADERS: Final = ("X-YaRequestId", "X-Request-Id", "X-Req-Id", "X-YaTraceId")
# Any other header that says it is a request id ("X-Yandex-Request-ID", "Request-Id", ...).
_REQUEST_ID_NAME: Final = re.compile(r"(?:^|[-_])req(?:uest)?[-_]?id$", re.IGNORECASE)
_NO_HEADERS: Final[Mapping[str, str]] = MappingProxyType({})


class B2BError(Exception):
    """The base of every error this library raises.

    ``attempts`` is how many HTTP attempts the failed call made (1 when it was not retried);
    ``after_unknown_outcome`` is True when an earlier attempt of the call may have been
    processed by the server although its answer was lost (a reset, a timeout, a 5xx).
    ``idempotency_token`` is the ``X-Idempotency-Token`` a failed create sent (orders,
    promocodes, vehicles): create again with it to get the order a lost attempt made, if any,
    and never a second one.
    """

    attempts: int = 1
    after_unknown_outcome: bool = False
    idempotency_token: str | None = None


class ValidationError(B2BError, ValueError):
    """Input refused on the client side; nothing was sent.

    ``field`` names the offending field (``"phone"``, ``"limits[1].service"``, ``"base_url"``),
    ``rule`` says what it must satisfy. The message shows the refused value, except for an
    employee's personal data (a phone, an email, a full name, a login), which no error carries
    (and a phone or an email inside another value is masked).
    """

    def __init__(self, field: str, rule: str, *, value: object = None) -> None:
        self.field = field
        self.rule = rule
        shown = (
            "" if value is None or _is_personal(field) else f" (got {scrub(_short_repr(value))})"
        )
        super().__init__(f"{field}: {rule}{shown}")


class ClientClosedError(B2BError, RuntimeError):
    """The client was used after :meth:`B2BClient.close`."""


class SharedPacingError(B2BError):
    """The shared pacer (Redis) did not answer, and the rate limit says to fail rather than
    pace this process alone (``RateLimit(on_redis_down="fail")``). Nothing was sent."""


class JournalInUseError(B2BError):
    """Another run owns the bulk journal: ``pid`` on ``host`` holds its lease.

    Raised before anything is sent. A journal whose owner is gone (a dead process on this
    host, or a lease past its end) is taken over instead.
    """

    def __init__(self, path: str, *, pid: int | None, host: str | None, detail: str) -> None:
        self.path = path
        self.pid = pid
        self.host = host
        super().__init__(f"the journal {path} is in use: {detail}")


class TransportError(B2BError):
    """The request failed below HTTP: connection refused or reset, timeout, DNS.

    ``sent`` is False when the request certainly never reached the server (so even a create
    may be repeated safely) and True when it may have been processed (the reply was lost).
    ``timeout`` is True when the attempt ran out of its time (connecting or waiting for the
    answer) rather than failing otherwise. The original aiohttp or OS exception is chained as
    ``__cause__``.
    """

    def __init__(
        self,
        message: str,
        *,
        sent: bool,
        method: str = "",
        path: str = "",
        timeout: bool = False,
    ) -> None:
        self.sent = sent
        self.method = method
        self.path = path
        self.timeout = timeout
        super().__init__(message)


class APIError(B2BError):
    """The server answered with an error status (or with a body that is not the documented JSON).

    ``code``, ``message`` and ``extra`` come from the documented error body
    ``{"code", "message", "extra"}`` when the body has them; ``conflict_user_id`` from
    ``extra.conflict_user_id``. ``body_excerpt`` is the start of the raw body, for bodies that
    are not that JSON. ``retry_after`` is the answer's ``Retry-After`` in seconds, if any.
    ``headers`` are the answer's headers (case-insensitive; empty for an error that is not an
    answer's) and ``request_id`` the id the answer names itself by (``X-YaRequestId``,
    ``X-Request-Id``, ``X-Req-Id``, … whichever it carries; None when it carries none):
    quote it to support. Both appear in the message only as the request id.
    """

    def __init__(
        self,
        status: int,
        *,
        code: str | None = None,
        message: str | None = None,
        extra: Mapping[str, object] | None = None,
        body_excerpt: str = "",
        retry_after: float | None = None,
        method: str = "",
        path: str = "",
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.status = status
        self.headers: Mapping[str, str] = _NO_HEADERS if headers is None else headers
        self.request_id: str | None = request_id_of(headers) if headers else None
        self.retry_after = retry_after
        self.code = code
        self.message = message
        self.extra: dict[str, object] = dict(extra) if extra else {}
        conflict = self.extra.get("conflict_user_id")
        self.conflict_user_id: str | None = conflict if isinstance(conflict, str) else None
        self.body_excerpt = body_excerpt
        self.method = method
        self.path = path
        super().__init__(self._describe())

    def _describe(self) -> str:
        text = f"HTTP {self.status}"
        if self.method:
            text = f"{self.method} {self.path} answered {text}"
        detail = ": ".join(part for part in (self.code, self.message) if part)
        if not detail and self.body_excerpt:
            detail = f"unexpected body {self.body_excerpt!r}"
        if detail:
            # The answer may quote what was sent: its phones and emails are masked.
            text = f"{text} ({scrub(detail)})"
        if self.conflict_user_id:
            text = f"{text}; conflict_user_id={self.conflict_user_id}"
        if self.request_id:
            text = f"{text} [request id {self.request_id}]"
        return text


class BadRequestError(APIError):
    """400: an unknown parameter or a parameter with an invalid value."""


class UserIsDeletedError(BadRequestError):
    """400 ``USER_IS_DELETED_ERROR``: the phone belongs to an archived employee.

    ``conflict_user_id`` names that employee; restore it instead of creating a new one.
    """


class AuthenticationError(APIError):
    """401: the OAuth token is incorrect."""


class PermissionDeniedError(APIError):
    """403: ``code`` is ``SELECT_CLIENT_HEADER_REQUIRED`` (the token reaches several clients:
    pass ``client_id``) or ``SELECTED_CLIENT_ACCESS_DENIED`` (it does not reach that client)."""


class NotFoundError(APIError):
    """404: the requested record was not found."""


class ConflictError(APIError):
    """406: a record with these parameters already exists; ``conflict_user_id`` names it."""


class StateConflictError(APIError):
    """409: the request conflicts with the record's current state (an order that can no longer
    be cancelled, a route changed later by the driver, a vehicle plate taken). Not retried."""


class GoneError(APIError):
    """410: too late for this request (an order's feedback after a day, an expired order)."""


class RateLimitError(APIError):
    """429: too many requests. ``retry_after`` is the server's wait in seconds, if it gave one."""


class ServerError(APIError):
    """5xx: the server failed; the request may or may not have been processed."""


class OrderStatusError(B2BError):
    """An order's status rules the call out: a cancel or a route change of an order that is
    finished, or a :meth:`~OrdersAPI.wait` whose order ended in another status.

    Raised before anything is sent when the client knows the status. ``order_id``, ``status``
    (the order's) and ``action`` (``"cancel"``, ``"change_destinations"``, ``"wait"``).
    """

    def __init__(self, order_id: str, status: str, action: str, reason: str) -> None:
        self.order_id = order_id
        self.status = status
        self.action = action
        super().__init__(f"order {order_id}: {action}: {reason} (status {status!r})")


class OrderWaitTimeout(B2BError, TimeoutError):
    """:meth:`~OrdersAPI.wait` reached its timeout first; ``status`` is the last one seen."""

    def __init__(self, order_id: str, status: str | None, timeout: float) -> None:
        self.order_id = order_id
        self.status = status
        self.timeout = timeout
        super().__init__(f"order {order_id}: still {status!r} after {timeout:g}s of waiting")


class InvalidResponseError(APIError):
    """A success status whose body is not what the API documents (not JSON, missing fields).

    The request was processed, so it is never retried.
    """


USER_IS_DELETED_ERROR: Final = "USER_IS_DELETED_ERROR"

_BY_STATUS: Final[Mapping[int, type[APIError]]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    406: ConflictError,
    409: StateConflictError,
    410: GoneError,
    429: RateLimitError,
}


def error_from_response(
    status: int,
    body: bytes,
    headers: Mapping[str, str] | None = None,
    *,
    method: str = "",
    path: str = "",
) -> APIError:
    """Build the exception for an error answer. Total: never raises, whatever ``body`` is."""
    code, message, extra = _parse_error_body(body)
    cls: type[APIError]
    if status == 400 and code == USER_IS_DELETED_ERROR:
        cls = UserIsDeletedError
    elif status >= 500:
        cls = ServerError
    else:
        cls = _BY_STATUS.get(status, APIError)
    return cls(
        status,
        code=code,
        message=message,
        extra=extra,
        body_excerpt=_excerpt(body),
        retry_after=parse_retry_after(headers.get("Retry-After")) if headers else None,
        method=method,
        path=path,
        headers=headers,
    )


def request_id_of(headers: Mapping[str, str]) -> str | None:
    """The id an answer names itself by: the first of :data:`REQUEST_ID_HEADERS` it carries,
    else any header named like a request id; None when there is none."""
    for name in REQUEST_ID_HEADERS:
        value = headers.get(name)
        if value:
            return value.strip()
    for name, value in headers.items():
        if value and _REQUEST_ID_NAME.search(name):
            return value.strip()
    return None


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date).

    Returns None for a missing or unreadable header and never a negative number.
    """
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        if seconds != seconds or seconds in (float("inf"), float("-inf")):
            return None
        return max(0.0, seconds)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        return None
    reference = time.time() if now is None else now
    return max(0.0, when.timestamp() - reference)


def _parse_error_body(body: bytes) -> tuple[str | None, str | None, dict[str, object] | None]:
    try:
        data = orjson.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None, None, None
    if isinstance(data, dict) and "code" not in data and isinstance(data.get("errors"), list):
        # Some gateways answer {"errors": [{"code", "message"}, ...]}: take the first one.
        first = data["errors"][0] if data["errors"] else None
        data = first if isinstance(first, dict) else {}
    if not isinstance(data, dict):
        return None, None, None
    code = data.get("code")
    message = data.get("message")
    extra = data.get("extra")
    return (
        code if isinstance(code, str) else None,
        message if isinstance(message, str) else None,
        {str(k): v for k, v in extra.items()} if isinstance(extra, dict) else None,
    )


def _excerpt(body: bytes) -> str:
    text = body[: _EXCERPT_CHARS * 4].decode("utf-8", errors="replace")
    text = " ".join(text.split())
    return text[:_EXCERPT_CHARS] + ("…" if len(text) > _EXCERPT_CHARS else "")


# Fields whose values are an employee's personal data: never shown in a message.
_PERSONAL_FIELDS: Final = frozenset({"phone", "email", "fullname", "yandex_login"})


def _is_personal(field: str) -> bool:
    last = field.rsplit(".", 1)[-1].split("[", 1)[0]
    return last in _PERSONAL_FIELDS


def _short_repr(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
