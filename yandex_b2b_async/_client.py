"""B2BClient: the session's lifecycle, the configuration, and the single request path.

Every endpoint of every resource is a thin declaration that calls :meth:`B2BClient.request`,
which paces, sends, retries and decodes. Nothing else in the library touches aiohttp.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import time
from collections.abc import Iterable, Mapping
from types import TracebackType
from typing import Final, TypeVar, overload

import aiohttp
import orjson
from yarl import URL

from ._constants import (
    API_PREFIX,
    DEFAULT_BASE_URL,
    DEFAULT_CONNECTION_LIMIT,
    DEFAULT_TIMEOUT,
    HEADER_CLIENT_ID,
    USER_AGENT,
)
from ._converter import structure, unstructure
from ._logs import call_extra
from ._observe import CallTracker, Observers, check_observers
from ._types import NOT_GIVEN, NotGiven
from .errors import (
    APIError,
    ClientClosedError,
    InvalidResponseError,
    TransportError,
    ValidationError,
    error_from_response,
)
from .events import ObservedClient, Observer
from .ratelimit import Pacer, PacingTimeout, RateLimit
from .resources import AuthAPI, CostCentersAPI, DepartmentsAPI, UsersAPI
from .retry import RetryBudget, RetryOption, RetryPolicy

__all__ = ["NOT_GIVEN", "B2BClient", "NotGiven", "RetryOption"]

_T = TypeVar("_T")

logger: Final = logging.getLogger("yandex_b2b_async")
request_logger: Final = logging.getLogger("yandex_b2b_async.request")
pacing_logger: Final = logging.getLogger("yandex_b2b_async.pacing")

# A success body larger than this is not an answer of this API (its largest page is a few
# hundred kilobytes); reading it whole would let a broken proxy exhaust memory.
_MAX_BODY_BYTES: Final = 32 * 1024 * 1024
_JSON_HEADERS: Final = {"Content-Type": "application/json"}


_DEFAULT_RETRY: Final = RetryPolicy()


class B2BClient:
    """An asyncio client of the Yandex Go for Business integration API 2.0.

    Use it as an async context manager (or call :meth:`close`). It owns one
    ``aiohttp.ClientSession``, created on first use, unless ``session`` is given: a borrowed
    session is used as is and never closed by the client.

    ``token`` is sent as ``Authorization: Bearer …`` and appears in no repr, error or log line.
    ``client_id`` is sent as ``X-YaTaxi-Selected-Corp-Client-Id`` (required by the API when the
    token reaches several clients). ``timeout`` is per attempt, in seconds. ``retry=None``
    disables retries; ``rate_limit=None`` disables client-side pacing (a 429 or a
    ``Retry-After`` still pauses every call of the client: see :class:`Pacer`).
    ``retry_budget`` is the client-wide allowance of retries (a fresh :class:`RetryBudget`
    unless given; ``None``: unlimited). ``max_concurrency`` caps how many attempts are in
    flight at once (``None``: only the connection pool's limit); it is independent of the rate.
    A plain ``http://`` ``base_url`` is refused unless its host is loopback (the sandbox).
    ``observers`` receive the events of every call (:mod:`yandex_b2b_async.events`; the
    OpenTelemetry adapter is :class:`yandex_b2b_async.telemetry.OpenTelemetry`).
    """

    def __init__(
        self,
        token: str,
        *,
        client_id: str | None = None,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = _DEFAULT_RETRY,
        rate_limit: RateLimit | None = None,
        session: aiohttp.ClientSession | None = None,
        retry_budget: RetryBudget | NotGiven | None = NOT_GIVEN,
        max_concurrency: int | None = None,
        observers: Iterable[Observer] = (),
    ) -> None:
        _check_token(token)
        if client_id is not None:
            _check_header_value("client_id", client_id)
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not timeout > 0:
            raise ValidationError("timeout", "must be a number of seconds > 0", value=timeout)
        if retry is not None and not isinstance(retry, RetryPolicy):
            raise ValidationError("retry", "must be a RetryPolicy or None", value=retry)
        if retry is not None and retry.deadline is not None and retry.deadline < timeout:
            raise ValidationError(
                "retry.deadline",
                f"must be at least the per-attempt timeout ({timeout}s), "
                "or no attempt could ever run to its end",
                value=retry.deadline,
            )
        if rate_limit is not None and not isinstance(rate_limit, RateLimit):
            raise ValidationError("rate_limit", "must be a RateLimit or None", value=rate_limit)
        if isinstance(retry_budget, NotGiven):
            retry_budget = RetryBudget()
        elif retry_budget is not None and not isinstance(retry_budget, RetryBudget):
            raise ValidationError(
                "retry_budget", "must be a RetryBudget or None", value=retry_budget
            )
        if max_concurrency is not None and (
            isinstance(max_concurrency, bool)
            or not isinstance(max_concurrency, int)
            or max_concurrency < 1
        ):
            raise ValidationError(
                "max_concurrency", "must be an integer >= 1 or None", value=max_concurrency
            )
        self._base_url = _check_base_url(base_url)
        self._api_url = self._base_url + API_PREFIX
        self._urls: dict[str, URL] = {}
        self._client_id = client_id
        self._timeout_seconds = float(timeout)
        self._timeout = aiohttp.ClientTimeout(total=float(timeout))
        self._retry = retry
        self._rate_limit = rate_limit
        pause_policy = retry or _DEFAULT_RETRY
        self._pacer: Final = Pacer(
            rate_limit,
            max_pause=pause_policy.max_retry_after,
            default_pause=pause_policy.backoff_initial,
        )
        self._retry_budget: Final = retry_budget
        self._max_concurrency: Final = max_concurrency
        self._slots: Final = (
            asyncio.Semaphore(max_concurrency) if max_concurrency is not None else None
        )
        self._session = session
        self._owns_session = session is None
        self._closed = False
        headers = {"Authorization": f"Bearer {token}", "User-Agent": USER_AGENT}
        if client_id is not None:
            headers[HEADER_CLIENT_ID] = client_id
        self._headers: Final = headers
        self._json_headers: Final = {**headers, **_JSON_HEADERS}

        watching = check_observers(observers)
        self._observers: Final = (
            Observers(watching, _observed_client(self._base_url, self._pacer, rate_limit))
            if watching
            else None
        )
        if self._observers is not None:
            self._observers.opened()

        self.users: Final = UsersAPI(self)
        self.departments: Final = DepartmentsAPI(self)
        self.cost_centers: Final = CostCentersAPI(self)
        self.auth: Final = AuthAPI(self)

    # -- configuration, read-only -----------------------------------------------------------

    @property
    def base_url(self) -> str:
        """The API host this client talks to."""
        return self._base_url

    @property
    def client_id(self) -> str | None:
        """The selected client (company account), if one was given."""
        return self._client_id

    @property
    def retry(self) -> RetryPolicy | None:
        """The default retry policy of this client's calls."""
        return self._retry

    @property
    def pacer(self) -> Pacer:
        """The live gate shared by this client's calls: ``current_rate``, ``paused_for``,
        ``waiting``, ``throttles``. Present even without a ``rate_limit`` (pauses only)."""
        return self._pacer

    @property
    def retry_budget(self) -> RetryBudget | None:
        """The client-wide retry budget (``available``, ``spent``, ``denied``), if any."""
        return self._retry_budget

    @property
    def max_concurrency(self) -> int | None:
        """How many attempts may be in flight at once (None: no cap but the pool's)."""
        return self._max_concurrency

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._closed

    def __repr__(self) -> str:
        # The token is deliberately absent: reprs end up in logs and tracebacks.
        client = f", client_id={self._client_id!r}" if self._client_id else ""
        return f"B2BClient(base_url={self._base_url!r}{client}, token=<hidden>)"

    # -- lifecycle --------------------------------------------------------------------------

    async def __aenter__(self) -> B2BClient:
        self._get_session()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the session if the client owns it. Idempotent; later calls raise
        :class:`ClientClosedError`."""
        already_closed, self._closed = self._closed, True
        session, self._session = self._session, None
        if session is not None and self._owns_session and not session.closed:
            await session.close()
        if self._observers is not None and not already_closed:
            await self._observers.close()

    def _get_session(self) -> aiohttp.ClientSession:
        if self._closed:
            raise ClientClosedError("this B2BClient is closed; create a new one")
        session = self._session
        if session is None:
            session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=DEFAULT_CONNECTION_LIMIT),
                # No cookies: the API is stateless, and a cookie jar costs time on every call.
                cookie_jar=aiohttp.DummyCookieJar(),
            )
            self._session = session
        elif session.closed:
            raise ClientClosedError("the aiohttp session this B2BClient borrowed is closed")
        return session

    # -- the single request path --------------------------------------------------------------

    @overload
    async def request(
        self,
        method: str,
        path: str,
        *,
        response: type[_T],
        params: Mapping[str, str | int] | None = ...,
        body: object = ...,
        retry: RetryOption = ...,
        idempotent: bool = ...,
    ) -> _T: ...

    @overload
    async def request(
        self,
        method: str,
        path: str,
        *,
        response: None = ...,
        params: Mapping[str, str | int] | None = ...,
        body: object = ...,
        retry: RetryOption = ...,
        idempotent: bool = ...,
    ) -> None: ...

    async def request(
        self,
        method: str,
        path: str,
        *,
        response: type[_T] | None = None,
        params: Mapping[str, str | int] | None = None,
        body: object = None,
        retry: RetryOption = NOT_GIVEN,
        idempotent: bool = True,
    ) -> _T | None:
        """Send one API call: pace, send, retry, decode. The one request path of every resource.

        ``path`` is relative to ``/integration/2.0`` (``"/users"``). Use it for a request this
        library has no method for yet; a resource method is the same call with validation.

        ``body`` is a request model (unstructured by the converter) or a JSON-ready value;
        ``response`` the model the success body decodes to (``None``: the body is not read
        for data). ``idempotent=False`` retries only failures that certainly did nothing.
        Raises :class:`APIError` subclasses, :class:`TransportError`, :class:`ClientClosedError`.
        """
        observers = self._observers
        tracker = (
            None
            if observers is None
            else observers.call(method, API_PREFIX + path, f"{method} {path}")
        )
        try:
            result = await self._call(
                method, path, response, params, body, retry, idempotent, tracker
            )
        except BaseException as error:
            if tracker is not None:
                tracker.ended(error)
            raise
        if tracker is not None:
            tracker.ended()
        return result

    async def _call(
        self,
        method: str,
        path: str,
        response: type[_T] | None,
        params: Mapping[str, str | int] | None,
        body: object,
        retry: RetryOption,
        idempotent: bool,
        tracker: CallTracker | None,
    ) -> _T | None:
        policy = self._policy_for(retry)
        data = None if body is None else _encode(body)
        url = self._urls.get(path)
        if url is None:
            # Parsed once per path: yarl's parse is a measurable part of a call's own cost.
            url = self._urls[path] = URL(self._api_url + path)
        if params:
            url = url.with_query(params)
        deadline = policy.deadline if policy is not None else None
        started = policy.clock() if policy is not None and deadline is not None else 0.0
        try:
            # Under a deadline the first attempt's pacing wait is bounded by it too: a client
            # paused by a long Retry-After must not hold a call past its deadline.
            payload = await self._attempt(method, path, url, data, deadline, tracker, 1)
        except PacingTimeout as paced:
            raise TransportError(
                f"{method} {path}: not sent: the client is paced for {paced.wait:.3g}s more, "
                f"past the call's deadline ({deadline:g}s)",
                sent=False,
                method=method,
                path=path,
            ) from paced
        except (APIError, TransportError) as error:
            if policy is None:
                raise

            attempts = 1

            async def attempt(time_left: float | None) -> bytes:
                nonlocal attempts
                attempts += 1
                return await self._attempt(method, path, url, data, time_left, tracker, attempts)

            payload = await policy.run_after_failure(
                error,
                attempt,
                started=started,
                describe=f"{method} {path}",
                budget=self._retry_budget,
                idempotent=idempotent,
                tracker=tracker,
            )
        return None if response is None else _decode(payload, response, method, path)

    def _policy_for(self, retry: RetryOption) -> RetryPolicy | None:
        """The policy a call runs under: the client's, or the call's own (checked)."""
        if isinstance(retry, NotGiven):
            return self._retry
        if retry is None or (retry == 0 and not isinstance(retry, bool)):
            return None
        self._check_policy(retry)
        return retry

    def _check_policy(self, policy: object) -> None:
        if not isinstance(policy, RetryPolicy):
            raise ValidationError("retry", "must be a RetryPolicy or None", value=policy)
        if policy.deadline is not None and policy.deadline < self._timeout_seconds:
            raise ValidationError(
                "retry.deadline",
                f"must be at least the per-attempt timeout ({self._timeout_seconds:g}s)",
                value=policy.deadline,
            )

    async def _attempt(
        self,
        method: str,
        path: str,
        url: URL,
        data: bytes | None,
        time_left: float | None = None,
        tracker: CallTracker | None = None,
        number: int = 1,
    ) -> bytes:
        """One HTTP exchange: wait for a slot and the pacer, send, read, classify.

        ``time_left`` (a retry under a deadline) bounds the pacing wait — beyond it
        :class:`PacingTimeout` is raised before anything is sent — and the attempt's timeout.
        """
        session = self._get_session()
        slots = self._slots
        if slots is not None:
            await slots.acquire()
        try:
            return await self._exchange(
                session, method, path, url, data, time_left, tracker, number
            )
        finally:
            if slots is not None:
                slots.release()

    async def _exchange(
        self,
        session: aiohttp.ClientSession,
        method: str,
        path: str,
        url: URL,
        data: bytes | None,
        time_left: float | None,
        tracker: CallTracker | None,
        number: int,
    ) -> bytes:
        pacer = self._pacer
        timeout = self._timeout
        if time_left is None:
            if not pacer.try_acquire():
                waited = time.monotonic()
                await pacer.acquire()
                if tracker is not None:
                    tracker.pacer_waited(time.monotonic() - waited)
        else:
            until = time.monotonic() + time_left
            if not pacer.try_acquire():
                await pacer.acquire(max_wait=time_left)
                if tracker is not None:
                    tracker.pacer_waited(time.monotonic() - (until - time_left))
            remaining = until - time.monotonic()
            if remaining < self._timeout_seconds:
                timeout = aiohttp.ClientTimeout(total=max(remaining, 0.001))
        headers = self._json_headers if data is not None else self._headers
        if tracker is None:
            return await self._send(
                session, method, path, url, data, headers, timeout, None, number
            )
        extra = tracker.attempt_started()
        if extra:
            # Observers add (a trace context); they never replace the client's own headers.
            headers = {**extra, **headers}
        try:
            payload = await self._send(
                session, method, path, url, data, headers, timeout, tracker, number
            )
        except APIError as error:
            tracker.attempt_ended(error.status, error)
            raise
        except BaseException as error:
            tracker.attempt_ended(None, error)
            raise
        return payload

    async def _send(
        self,
        session: aiohttp.ClientSession,
        method: str,
        path: str,
        url: URL,
        data: bytes | None,
        headers: Mapping[str, str],
        limit: aiohttp.ClientTimeout,
        tracker: CallTracker | None,
        number: int,
    ) -> bytes:
        pacer = self._pacer
        started = time.monotonic()
        try:
            async with session.request(
                method,
                url,
                data=data,
                headers=headers,
                timeout=limit,
                # A redirect could carry the Authorization header to another host; the API
                # never redirects, so a 3xx is reported as an error instead.
                allow_redirects=False,
            ) as reply:
                status = reply.status
                if reply.content_length is not None and reply.content_length > _MAX_BODY_BYTES:
                    raise InvalidResponseError(
                        status,
                        message=f"answer of {reply.content_length} bytes is too large",
                        method=method,
                        path=path,
                    )
                payload = await reply.content.read(_MAX_BODY_BYTES + 1)
                if not reply.content.at_eof():
                    payload = await _read_rest(reply.content, payload)
                if len(payload) > _MAX_BODY_BYTES:
                    raise InvalidResponseError(
                        status, message="answer is too large", method=method, path=path
                    )
                headers = reply.headers
        except aiohttp.ConnectionTimeoutError as exc:
            raise TransportError(
                f"{method} {path}: could not connect within {self._timeout_seconds:g}s",
                sent=False,
                method=method,
                path=path,
            ) from exc
        except TimeoutError as exc:
            raise TransportError(
                f"{method} {path}: no answer within {limit.total:g}s",
                sent=True,
                method=method,
                path=path,
            ) from exc
        except aiohttp.ClientConnectorError as exc:
            raise TransportError(
                f"{method} {path}: cannot connect to {self._base_url}: {exc.os_error}",
                sent=False,
                method=method,
                path=path,
            ) from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise TransportError(
                f"{method} {path}: connection failed: {type(exc).__name__}: {exc}",
                sent=True,
                method=method,
                path=path,
            ) from exc
        except RuntimeError as exc:
            if session.closed:
                raise ClientClosedError("the aiohttp session was closed during the call") from exc
            raise
        if request_logger.isEnabledFor(logging.DEBUG):
            request_logger.debug(
                "%s %s attempt %d: %d in %.1f ms",
                method,
                path,
                number,
                status,
                (time.monotonic() - started) * 1e3,
                extra=call_extra(f"{method} {path}", number),
            )
        if 200 <= status < 300:
            budget = self._retry_budget
            if budget is not None and budget.available < budget.capacity:
                budget.on_success()
            if tracker is not None:
                tracker.attempt_ended(status)
            return payload
        error = error_from_response(status, payload, headers, method=method, path=path)
        if status == 429 or (status >= 500 and error.retry_after is not None):
            pacer.on_throttle(error.retry_after, rate_limited=status == 429, sent_at=started)
            if tracker is not None:
                tracker.throttled(status, error.retry_after, pacer.paused_for)
            pacing_logger.info(
                "%s %s attempt %d: %d paused the client for %.3gs",
                method,
                path,
                number,
                status,
                pacer.paused_for,
                extra=call_extra(f"{method} {path}", number),
            )
        raise error


def _observed_client(base_url: str, pacer: Pacer, rate_limit: RateLimit | None) -> ObservedClient:
    url = URL(base_url)
    return ObservedClient(
        server_address=url.host or "",
        server_port=url.port or (443 if url.scheme == "https" else 80),
        url_scheme=url.scheme,
        pacer=pacer,
        rate_period=rate_limit.per if rate_limit is not None else 1.0,
    )


async def _read_rest(content: aiohttp.StreamReader, first: bytes) -> bytes:
    """The rest of a body that arrived in several pieces (``read(n)`` returns only what is
    buffered), up to one byte past the size bound so that an oversized body is recognised."""
    pieces = [first]
    size = len(first)
    while size <= _MAX_BODY_BYTES:
        piece = await content.read(_MAX_BODY_BYTES + 1 - size)
        if not piece:
            break
        pieces.append(piece)
        size += len(piece)
    return b"".join(pieces)


def _encode(body: object) -> bytes:
    value = body if isinstance(body, dict | list) else unstructure(body)
    return orjson.dumps(value)


def _decode(payload: bytes, model: type[_T], method: str, path: str) -> _T:
    try:
        return structure(orjson.loads(payload), model)
    except Exception as exc:  # any malformed body: JSON, type or missing-field errors alike
        raise InvalidResponseError(
            200,
            message=f"the answer is not the documented {model.__name__}: {exc}",
            body_excerpt=payload[:200].decode("utf-8", errors="replace"),
            method=method,
            path=path,
        ) from exc


def _check_token(token: object) -> None:
    # The value is never echoed: even a malformed token may be mostly secret.
    if not isinstance(token, str) or not token.strip():
        raise ValidationError("token", "must be a non-empty string (the OAuth token)")
    if any(ch in token for ch in "\r\n\x00") or token != token.strip():
        raise ValidationError("token", "must not contain line breaks or surrounding spaces")


def _check_header_value(field: str, value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(field, "must be a non-empty string", value=value)
    if any(ch in value for ch in "\r\n\x00"):
        raise ValidationError(field, "must not contain line breaks", value=value)


def _check_base_url(base_url: object) -> str:
    if not isinstance(base_url, str):
        raise ValidationError("base_url", "must be a string", value=base_url)
    try:
        url = URL(base_url)
    except (ValueError, TypeError) as exc:
        raise ValidationError("base_url", "must be a URL", value=base_url) from exc
    if url.scheme not in ("https", "http") or not url.host:
        raise ValidationError("base_url", "must be an https:// URL with a host", value=base_url)
    if url.scheme == "http" and not _is_loopback(url.host):
        raise ValidationError(
            "base_url",
            "must use https:// (plain http:// is allowed only for a loopback host such as the "
            "sandbox, since the OAuth token travels in every request)",
            value=base_url,
        )
    if url.user or url.password or url.query_string or url.fragment:
        raise ValidationError(
            "base_url", "must not carry credentials, a query or a fragment", value=str(url.origin())
        )
    return str(url).rstrip("/")


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
