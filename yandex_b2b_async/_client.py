"""B2BClient: the configuration, the lifecycle, and the resources a client exposes.

Every endpoint of every resource is a thin declaration that calls :meth:`B2BClient.request`,
which hands the call to the single request path (``_request.py``: pace, send, retry,
decode). The network is the transport's (``_transport.py``); nothing here touches aiohttp
beyond accepting a borrowed session.
"""

from __future__ import annotations

import copy
import ipaddress
import weakref
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Mapping
from types import TracebackType
from typing import Final, TypeVar, overload

import aiohttp
from yarl import URL

from ._constants import (
    API_PREFIX,
    DEFAULT_BASE_URL,
    DEFAULT_CONNECTION_LIMIT,
    DEFAULT_TIMEOUT,
    HEADER_CLIENT_ID,
    HEADER_LANGUAGE,
    USER_AGENT,
)
from ._observe import Observers, check_observers
from ._request import RequestPath, check_policy
from ._transport import AiohttpTransport, AsyncTransport
from ._types import NOT_GIVEN, NotGiven
from .errors import APIError, B2BError, ClientClosedError, ValidationError
from .events import Event, ObservedClient, Observer
from .pacing import Pacer, RateLimit
from .pacing.redis_backend import shared_backend
from .resources import (
    APIResource,
    AuthAPI,
    CostCentersAPI,
    DepartmentsAPI,
    EatsAPI,
    GeoRestrictionsAPI,
    LimitsAPI,
    ManagersAPI,
    OrdersAPI,
    PromocodesAPI,
    TankerAPI,
    TravelsAPI,
    UsersAPI,
    VehiclesAPI,
    ZonesAPI,
)
from .retries import RetryBudget, RetryOption, RetryPolicy

__all__ = ["NOT_GIVEN", "B2BClient", "NotGiven", "RetryOption"]

_T = TypeVar("_T")

_DEFAULT_RETRY: Final = RetryPolicy()


class B2BClient:
    """An asyncio client of the Yandex Go for Business integration API 2.0.

    Use it as an async context manager (or call :meth:`close`). It talks through a
    ``transport`` (see :mod:`yandex_b2b_async._transport`): by default an aiohttp one that
    owns one ``aiohttp.ClientSession``, made on first use on the running event loop (a client
    used again under a new loop, as two ``asyncio.run`` calls do, makes a new one there).
    ``session`` lends it an ``aiohttp.ClientSession`` instead, used as is and never closed by
    the client; ``transport`` replaces it altogether (e.g. ``sandbox.transport()`` for tests
    without sockets), and is closed by :meth:`close`.

    ``token`` is sent as ``Authorization: Bearer …`` (give the token alone, without a scheme)
    and appears in no repr, error or log line. ``client_id`` is sent as
    ``X-YaTaxi-Selected-Corp-Client-Id`` (required by the API when the token reaches several
    clients). ``timeout`` is per attempt, in seconds; a ``retry`` policy's ``deadline`` bounds
    the whole call and may be shorter. ``retry=None`` disables retries; ``rate_limit=None``
    disables client-side pacing (a 429 or a ``Retry-After`` still pauses every call of the
    client: see :class:`Pacer`). ``retry_budget`` is the client-wide allowance of retries (a
    fresh :class:`RetryBudget` unless given; ``None``: unlimited). ``max_concurrency`` caps how
    many attempts are in flight at once (``None``: only the connection pool's limit); it is
    independent of the rate. A plain ``http://`` ``base_url`` is refused unless its host is
    loopback (the sandbox); a ``base_url`` ending in ``/integration/2.0`` means its host.
    ``observers`` receive the events of every call (:mod:`yandex_b2b_async.events`; the
    OpenTelemetry adapter is :class:`yandex_b2b_async.telemetry.OpenTelemetry`). ``language``
    is sent as ``X-Request-Language`` (the language of names in answers, e.g. ``"en"``; the
    zoneinfo page) with every call, and only when given. :meth:`with_options` gives one call,
    or one part of a service, other settings over the same connections.
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
        transport: AsyncTransport | None = None,
        observers: Iterable[Observer] = (),
        language: str | None = None,
    ) -> None:
        _check_token(token)
        if client_id is not None:
            _check_header_value("client_id", client_id)
        if language is not None:
            _check_header_value("language", language)
        timeout = _check_timeout(timeout)
        if retry is not None:
            check_policy(retry)
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
        if transport is not None and session is not None:
            raise ValidationError(
                "transport", "give a transport or a session, not both (a session is a transport)"
            )
        if transport is not None and not callable(getattr(transport, "send", None)):
            raise ValidationError("transport", "must have async send() and aclose() methods")
        self._base_url = _check_base_url(base_url)
        self._client_id = client_id
        self._retry = retry
        self._rate_limit = rate_limit
        pause_policy = retry or _DEFAULT_RETRY
        self._shared_pacing: Final = (
            shared_backend(
                rate_limit,
                base_url=self._base_url,
                client_id=client_id,
                token=token,
                on_shared_pause=self._shared_pause,
                on_mode=self._shared_mode,
            )
            if rate_limit is not None and rate_limit.redis_url is not None
            else None
        )
        self._pacer = Pacer(
            rate_limit,
            max_pause=pause_policy.max_retry_after,
            default_pause=pause_policy.backoff_initial,
            backend=self._shared_pacing,
        )
        self._retry_budget: Final = retry_budget
        self._max_concurrency: Final = max_concurrency
        watching = check_observers(observers)
        self._observers: Final = (
            Observers(watching, _observed_client(self._base_url, self._pacer, rate_limit))
            if watching
            else None
        )
        self._transport: Final[AsyncTransport] = (
            transport
            if transport is not None
            else AiohttpTransport(session, connection_limit=DEFAULT_CONNECTION_LIMIT)
        )
        self._closed = False
        # A view (with_options) shares what this client owns and closes none of it.
        self._owner = True
        self._views: weakref.WeakSet[B2BClient] = weakref.WeakSet()
        self._root: B2BClient | None = None  # a view's client
        self._timeout = timeout
        self._language = language
        headers = {"Authorization": f"Bearer {token}", "User-Agent": USER_AGENT}
        if client_id is not None:
            headers[HEADER_CLIENT_ID] = client_id
        if language is not None:
            headers[HEADER_LANGUAGE] = language
        self._requests = RequestPath(
            transport=self._transport,
            api_url=self._base_url + API_PREFIX,
            headers=headers,
            timeout=timeout,
            pacer=self._pacer,
            budget=retry_budget,
            max_concurrency=max_concurrency,
            observers=self._observers,
        )
        if self._observers is not None:
            self._observers.opened()

        self.users: Final = UsersAPI(self)
        self.departments: Final = DepartmentsAPI(self)
        self.cost_centers: Final = CostCentersAPI(self)
        self.auth: Final = AuthAPI(self)
        self.limits: Final = LimitsAPI(self)
        self.managers: Final = ManagersAPI(self)
        self.geo_restrictions: Final = GeoRestrictionsAPI(self)
        self.orders: Final = OrdersAPI(self)
        self.zones: Final = ZonesAPI(self)
        self.promocodes: Final = PromocodesAPI(self)
        self.vehicles: Final = VehiclesAPI(self)
        self.tanker: Final = TankerAPI(self)
        self.eats: Final = EatsAPI(self)
        self.travels: Final = TravelsAPI(self)

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
    def transport(self) -> AsyncTransport:
        """What this client sends through."""
        return self._transport

    @property
    def observers(self) -> tuple[Observer, ...]:
        """The observers this client tells of its calls (see :mod:`yandex_b2b_async.events`)."""
        return () if self._observers is None else self._observers.observers

    def _shared_pause(self, seconds: float) -> None:
        # Another process's 429 or Retry-After, learnt through the shared quota.
        observers = self._observers
        if observers is not None:
            observers.shared_throttle(None, seconds)

    def _shared_mode(self, shared: bool, reason: str | None) -> None:
        # The shared quota's Redis went away (the client paces alone) or came back.
        observers, backend = self._observers, self._shared_pacing
        if observers is not None and backend is not None:
            observers.shared_pacing(shared, backend.where, reason)

    def notify(self, event: Event) -> None:
        """Hand ``event`` to this client's observers, as its own calls' events are (the bulk
        engine reports its items this way). Does nothing without observers."""
        if self._observers is not None:
            self._observers.emit(event)

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
        if self._closed:
            raise ClientClosedError("this B2BClient is closed; create a new one")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the transport (a borrowed session stays open) and end this client's views.
        Idempotent; later calls raise :class:`ClientClosedError`. A view
        (:meth:`with_options`) closes only itself."""
        if self._closed:
            return
        self._closed = True
        self._requests.closed = True
        for view in list(self._views):
            view._closed = view._requests.closed = True
        if not self._owner:
            return  # a view: the connections, the shared quota and the observers are the client's
        try:
            await self._transport.aclose()
        finally:
            if self._shared_pacing is not None:
                await self._shared_pacing.aclose()
        if self._observers is not None:
            await self._observers.close()

    # -- the single request path --------------------------------------------------------------

    @overload
    def request(
        self,
        method: str,
        path: str,
        *,
        response: type[_T],
        params: Mapping[str, str | int] | None = ...,
        body: object = ...,
        retry: RetryOption = ...,
        idempotent: bool = ...,
        reconcile: Callable[[], Awaitable[_T | None]] | None = ...,
        handles: tuple[type[B2BError], ...] = ...,
        headers: Mapping[str, str] | None = ...,
        settle: Callable[[APIError], Awaitable[_T | None]] | None = ...,
        timeout: float | NotGiven = ...,
    ) -> Coroutine[object, object, _T]: ...

    @overload
    def request(
        self,
        method: str,
        path: str,
        *,
        response: None = ...,
        params: Mapping[str, str | int] | None = ...,
        body: object = ...,
        retry: RetryOption = ...,
        idempotent: bool = ...,
        reconcile: Callable[[], Awaitable[_T | None]] | None = ...,
        handles: tuple[type[B2BError], ...] = ...,
        headers: Mapping[str, str] | None = ...,
        settle: Callable[[APIError], Awaitable[object | None]] | None = ...,
        timeout: float | NotGiven = ...,
    ) -> Coroutine[object, object, None]: ...

    def request(
        self,
        method: str,
        path: str,
        *,
        response: type[_T] | None = None,
        params: Mapping[str, str | int] | None = None,
        body: object = None,
        retry: RetryOption = NOT_GIVEN,
        idempotent: bool = True,
        reconcile: Callable[[], Awaitable[_T | None]] | None = None,
        handles: tuple[type[B2BError], ...] = (),
        headers: Mapping[str, str] | None = None,
        settle: Callable[[APIError], Awaitable[_T | object | None]] | None = None,
        timeout: float | NotGiven = NOT_GIVEN,
    ) -> Coroutine[object, object, _T | None]:
        """Send one API call: pace, send, retry, decode. The one request path of every resource.

        ``path`` is relative to ``/integration/2.0`` (``"/users"``). Use it for a request this
        library has no method for yet; a resource method is the same call with validation.

        ``body`` is a request model (unstructured by the converter) or a JSON-ready value;
        ``response`` the model the success body decodes to (``None``: the body is not read
        for data). ``idempotent=False`` retries only failures that certainly did nothing —
        unless ``reconcile`` is given: after an attempt whose outcome is unknown (no answer
        after sending, a 5xx) and before the next one, or before giving up, ``reconcile()`` is
        awaited, and a result other than None is the call's result (the lost attempt's work,
        found). ``handles`` names failures the caller deals with itself: a give-up ending in
        one is logged at DEBUG, not INFO or WARNING. ``headers`` are sent with every attempt
        of the call, retries included (an ``X-Idempotency-Token`` is the same on each, which
        makes a create safe to retry). ``settle`` is awaited with the :class:`APIError` the
        call would end in (after its retries): a result other than None is the call's result
        instead (a lost create's work, named by a conflict and confirmed by the caller; for a
        call without a ``response``, any result but None settles it and the call returns None),
        and the call is reported to observers as a success that was reconciled. ``timeout`` is
        this call's seconds per attempt (the client's when not given; a retry policy's
        ``deadline`` still bounds the whole call).
        Raises :class:`APIError` subclasses, :class:`TransportError`, :class:`ClientClosedError`.
        """
        # A plain method returning the request path's coroutine: awaiting it is the call, and
        # the success path saves a coroutine frame of its own.
        requests = self._requests
        attempt_timeout = None if isinstance(timeout, NotGiven) else _check_timeout(timeout)
        return (requests.call if self._observers is None else requests.observed_call)(
            method,
            path,
            response=response,
            params=params,
            body=body,
            policy=self._policy_for(retry),
            idempotent=idempotent,
            reconcile=reconcile,
            handles=handles,
            headers=headers,
            settle=settle,
            attempt_timeout=attempt_timeout,
        )

    def with_options(
        self,
        *,
        timeout: float | NotGiven = NOT_GIVEN,
        retry: RetryOption = NOT_GIVEN,
        rate_limit: RateLimit | NotGiven | None = NOT_GIVEN,
        language: str | NotGiven | None = NOT_GIVEN,
    ) -> B2BClient:
        """This client with other defaults for the calls made through what is returned (as
        openai-python's ``with_options``): ``timeout`` (seconds per attempt), ``retry`` (a
        :class:`RetryPolicy`; ``None``: no retries), ``rate_limit`` (pacing of the view's own;
        ``None``: none), ``language`` (``X-Request-Language``; ``None``: not sent). What is not
        given stays this client's.

        The view shares this client's connections, retry budget, concurrency cap, observers
        and — unless it has a ``rate_limit`` of its own — its pacer, so a 429 that one meets
        pauses both. It costs no connection: make one for a single call
        (``client.with_options(timeout=2).users.get(...)``) or keep one for a part of a
        service. Closing a view ends only the view; closing this client ends its views too.
        A view's ``rate_limit`` cannot share a quota through Redis (give that to the client).
        """
        if self._closed:
            raise ClientClosedError("this B2BClient is closed; create a new one")
        attempt_timeout = (
            self._timeout if isinstance(timeout, NotGiven) else _check_timeout(timeout)
        )
        policy = self._retry if isinstance(retry, NotGiven) else self._policy_for(retry)
        pacer = self._pacer
        if not isinstance(rate_limit, NotGiven):
            if rate_limit is not None and not isinstance(rate_limit, RateLimit):
                raise ValidationError("rate_limit", "must be a RateLimit or None", value=rate_limit)
            if rate_limit is not None and rate_limit.redis_url is not None:
                raise ValidationError(
                    "rate_limit",
                    "a view cannot share a quota through Redis: give that rate limit to the "
                    "B2BClient itself",
                )
            pause_policy = policy or _DEFAULT_RETRY
            pacer = Pacer(
                rate_limit,
                max_pause=pause_policy.max_retry_after,
                default_pause=pause_policy.backoff_initial,
            )
        headers: dict[str, str | None] = {}
        if not isinstance(language, NotGiven):
            if language is not None:
                _check_header_value("language", language)
            headers[HEADER_LANGUAGE] = language
        view = copy.copy(self)
        requests = self._requests.with_defaults(
            timeout=attempt_timeout, pacer=pacer, headers=headers
        )
        # The resources are bound to the client they were made for: the view gets its own.
        resources = {
            name: type(value)(view)
            for name, value in vars(self).items()
            if isinstance(value, APIResource)
        }
        root = self._root or self
        vars(view).update(
            resources,
            _owner=False,
            _root=root,
            _views=weakref.WeakSet(),
            _timeout=attempt_timeout,
            _language=self._language if isinstance(language, NotGiven) else language,
            _retry=policy,
            _rate_limit=self._rate_limit if isinstance(rate_limit, NotGiven) else rate_limit,
            _pacer=pacer,
            _requests=requests,
        )
        root._views.add(view)  # closing the client ends every view of it, views of views too
        return view

    @property
    def timeout(self) -> float:
        """The seconds each attempt of this client's calls may take (a call may give its own)."""
        return self._timeout

    @property
    def language(self) -> str | None:
        """The ``X-Request-Language`` this client sends, if any."""
        return self._language

    def _policy_for(self, retry: RetryOption) -> RetryPolicy | None:
        """The policy a call runs under: the client's, or the call's own (checked)."""
        if isinstance(retry, NotGiven):
            return self._retry
        if retry is None or (retry == 0 and not isinstance(retry, bool)):
            return None
        return check_policy(retry)


def _observed_client(base_url: str, pacer: Pacer, rate_limit: RateLimit | None) -> ObservedClient:
    url = URL(base_url)
    return ObservedClient(
        server_address=url.host or "",
        server_port=url.port or (443 if url.scheme == "https" else 80),
        url_scheme=url.scheme,
        pacer=pacer,
        rate_period=rate_limit.per if rate_limit is not None else 1.0,
    )


def _check_token(token: object) -> None:
    # The value is never echoed: even a malformed token may be mostly secret.
    if not isinstance(token, str) or not token.strip():
        raise ValidationError("token", "must be a non-empty string (the OAuth token)")
    if any(ch in token for ch in "\r\n\x00") or token != token.strip():
        raise ValidationError("token", "must not contain line breaks or surrounding spaces")
    scheme, space, _ = token.partition(" ")
    if space and scheme.lower() in ("bearer", "oauth"):
        raise ValidationError(
            "token",
            f"must be the token alone: drop the leading '{scheme} ' (the client sends "
            "'Authorization: Bearer <token>' itself)",
        )


def _check_timeout(timeout: object) -> float:
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not timeout > 0:
        raise ValidationError("timeout", "must be a number of seconds > 0", value=timeout)
    return float(timeout)


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
    text = str(url).rstrip("/")
    if text.endswith(API_PREFIX):
        # The documents write request URLs in full: a base_url copied from one means its host.
        text = text[: -len(API_PREFIX)].rstrip("/")
    return text


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
