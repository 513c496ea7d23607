"""The single request path: pace, send, classify, retry, decode.

Every call of every resource ends in :meth:`RequestPath.call` (through
:meth:`B2BClient.request`). One attempt — the slot, the pacer, one exchange through the
transport, the status classified into an exception — is :meth:`RequestPath.attempt`: the one
place an attempt starts and ends. A failed first attempt hands over to
:func:`~yandex_b2b_async.retries.retry_after_failure`, the one place a retry is scheduled or
given up.

Where each event of a call happens, for observers (a client given some): the call starts and
ends in :meth:`RequestPath.observed_call`; an attempt starts right before ``transport.send``
and ends right after it (or with its exception) in :meth:`RequestPath.attempt`, which also holds
the pacer wait (the ``try_acquire`` / ``acquire`` branch) and the throttle feedback
(``pacer.on_throttle``); a retry is scheduled in ``retry_scheduled``, the budget refuses in
``budget_refuses``, and a give-up is decided in ``_give_up``, all three in
:mod:`yandex_b2b_async.retries.loop`. They are told through a
:class:`~yandex_b2b_async._observe.CallTracker`; a client without observers calls
:meth:`RequestPath.call` directly, carries ``None`` and pays one ``is None`` test per step.
Each attempt is logged at DEBUG on ``yandex_b2b_async.request``, each throttle at INFO on
``yandex_b2b_async.pacing``, naming the call and the attempt.

The success path is designed first: the first attempt runs without tenacity, the pacer grants
a free token without a task switch, a path's URL is parsed once, bodies go through orjson.
This module does not know aiohttp (the transport does) nor any endpoint (the resources do).
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Final, TypeVar

import attrs
import orjson
from yarl import URL

from ._converter import structure, unstructure
from ._logs import call_extra
from ._observe import CallTracker, Observers
from ._personal import scrub
from ._transport import AsyncTransport, Request, transport_error
from .errors import (
    APIError,
    B2BError,
    ClientClosedError,
    InvalidResponseError,
    TransportError,
    ValidationError,
    error_from_response,
)
from .pacing import Pacer, PacingTimeout
from .retries import RetryBudget, RetryEvent, RetryPolicy, retry_after_failure

__all__ = ["RequestPath", "check_policy"]

_T = TypeVar("_T")

logger: Final = logging.getLogger("yandex_b2b_async.request")
pacing_logger: Final = logging.getLogger("yandex_b2b_async.pacing")

_JSON_HEADERS: Final = {"Content-Type": "application/json"}
_ONE_ATTEMPT: Final = RetryPolicy.none()
# RFC 3986 unreserved characters: a query value made of these is the same quoted or not.
_UNRESERVED: Final = re.compile(r"[A-Za-z0-9._~-]*").fullmatch


class _Reconciled:
    """A reconcile hook's answer, told apart from an attempt's body."""

    __slots__ = ("value",)

    def __init__(self, value: object) -> None:
        self.value = value


class RequestPath:
    """The request path of one client: its transport, headers, timeout, pacer, retry budget
    and concurrency cap. Built by :class:`B2BClient`; not a public class."""

    __slots__ = (
        "_api_url",
        "_budget",
        "_headers",
        "_json_headers",
        "_max_concurrency",
        "_observers",
        "_owner",
        "_pacer",
        "_prefix",
        "_slots",
        "_slots_loop",
        "_timeout",
        "_transport",
        "_urls",
        "closed",
    )

    def __init__(
        self,
        *,
        transport: AsyncTransport,
        api_url: str,
        headers: Mapping[str, str],
        timeout: float,
        pacer: Pacer,
        budget: RetryBudget | None,
        max_concurrency: int | None,
        observers: Observers | None = None,
    ) -> None:
        self._transport = transport
        self._api_url = api_url
        self._observers = observers
        # The path part of api_url ("/integration/2.0"), which starts every url.template.
        self._prefix: Final = URL(api_url).path.rstrip("/")
        self._headers: Final = dict(headers)
        self._json_headers: Final = {**headers, **_JSON_HEADERS}
        self._timeout = timeout
        self._pacer = pacer
        self._budget = budget
        self._max_concurrency = max_concurrency
        self._slots = asyncio.Semaphore(max_concurrency) if max_concurrency is not None else None
        self._slots_loop: asyncio.AbstractEventLoop | None = None
        # Whose semaphore is the cap: this path's, or for a view the client's, so that the
        # semaphore made for a new loop is one for the client and all its views.
        self._owner = self
        self._urls: dict[str, URL] = {}
        #: Set by :meth:`B2BClient.close`: every later call raises :class:`ClientClosedError`.
        self.closed = False

    def with_defaults(
        self, *, timeout: float, pacer: Pacer, headers: Mapping[str, str | None]
    ) -> RequestPath:
        """This request path with another default timeout and pacer, and ``headers`` set
        (``None``: removed) on every request: a client view's (``B2BClient.with_options``). It
        shares the transport, the retry budget, the observers and the concurrency cap."""
        own = {**self._headers}
        for name, value in headers.items():
            if value is None:
                own.pop(name, None)
            else:
                own[name] = value
        view = RequestPath(
            transport=self._transport,
            api_url=self._api_url,
            headers=own,
            timeout=timeout,
            pacer=pacer,
            budget=self._budget,
            max_concurrency=self._max_concurrency,
            observers=self._observers,
        )
        view._owner = self._owner
        view._slots, view._slots_loop = self._owner._slots, self._owner._slots_loop
        return view

    async def call(
        self,
        method: str,
        path: str,
        *,
        response: type[_T] | None,
        params: Mapping[str, str | int] | None,
        body: object,
        policy: RetryPolicy | None,
        idempotent: bool,
        reconcile: Callable[[], Awaitable[_T | None]] | None = None,
        handles: tuple[type[B2BError], ...] = (),
        tracker: CallTracker | None = None,
        headers: Mapping[str, str] | None = None,
        settle: Callable[[APIError], Awaitable[object]] | None = None,
        attempt_timeout: float | None = None,
    ) -> _T | None:
        """One API call; see :meth:`B2BClient.request` for the contract. ``tracker`` is the
        call's observation when :meth:`observed_call` runs it; ``attempt_timeout`` the call's own
        seconds per attempt (None: the client's)."""
        if self.closed:
            raise ClientClosedError("this B2BClient is closed; create a new one")
        deadline = policy.deadline if policy is not None else None
        started = policy.clock() if policy is not None and deadline is not None else 0.0
        try:
            # Under a deadline the first attempt is bounded by it too: its pacing wait (a
            # client paused by a long Retry-After must not hold a call past its deadline) and
            # its timeout.
            payload = await self.attempt(
                method, path, params, body, deadline, 0, tracker, headers, attempt_timeout
            )
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
                if reconcile is None and settle is None:
                    raise
                policy = _ONE_ATTEMPT
            given_up: list[RetryEvent] = []
            on_give_up = policy.on_give_up
            if settle is not None and on_give_up is not None:
                # A give-up the settle hook turns into the call's result is none: the policy's
                # hook hears of it only if the call does raise.
                policy = attrs.evolve(policy, on_give_up=given_up.append)
            try:
                result = await self._after_failure(
                    error,
                    method,
                    path,
                    params,
                    body,
                    policy=policy,
                    started=started,
                    idempotent=idempotent,
                    reconcile=reconcile,
                    handles=handles,
                    tracker=tracker,
                    headers=headers,
                    attempt_timeout=attempt_timeout,
                )
            except APIError as final:
                if settle is None:
                    raise
                found = await settle(final)
                if found is None:
                    _tell(on_give_up, given_up)
                    raise
                result = _Reconciled(found)
            except B2BError:
                _tell(on_give_up, given_up)
                raise
            if isinstance(result, _Reconciled):
                if tracker is not None:
                    tracker.reconciled()
                return None if response is None else result.value  # type: ignore[return-value]
            payload = result
        if response is None:
            return None
        return _decode(payload, response, method, path)

    async def _after_failure(
        self,
        error: APIError | TransportError,
        method: str,
        path: str,
        params: Mapping[str, str | int] | None,
        body: object,
        *,
        policy: RetryPolicy,
        started: float,
        idempotent: bool,
        reconcile: Callable[[], Awaitable[object]] | None,
        handles: tuple[type[B2BError], ...],
        tracker: CallTracker | None,
        headers: Mapping[str, str] | None,
        attempt_timeout: float | None,
    ) -> bytes | _Reconciled:
        """The retry loop after a failed first attempt. A method of its own, not a part of
        :meth:`call`: the closures below would make every local they use a cell, allocated by
        every call before its first wait (issue 13)."""

        async def again(time_left: float | None, resend: int) -> bytes:
            return await self.attempt(
                method, path, params, body, time_left, resend, tracker, headers, attempt_timeout
            )

        async def reconciled() -> _Reconciled | None:
            assert reconcile is not None
            found = await reconcile()
            return None if found is None else _Reconciled(found)

        return await retry_after_failure(
            policy,
            error,
            again,
            started=started,
            describe=f"{method} {path}",
            budget=self._budget,
            idempotent=idempotent,
            reconcile=reconciled if reconcile is not None else None,
            handles=handles,
            tracker=tracker,
            unnamed_pauses=self._pacer.pauses_unnamed,
        )

    async def observed_call(
        self,
        method: str,
        path: str,
        *,
        response: type[_T] | None,
        params: Mapping[str, str | int] | None,
        body: object,
        policy: RetryPolicy | None,
        idempotent: bool,
        reconcile: Callable[[], Awaitable[_T | None]] | None = None,
        handles: tuple[type[B2BError], ...] = (),
        headers: Mapping[str, str] | None = None,
        settle: Callable[[APIError], Awaitable[object]] | None = None,
        attempt_timeout: float | None = None,
    ) -> _T | None:
        """:meth:`call`, told to the observers: its start, every step, its end. A client
        without observers calls :meth:`call` directly and pays nothing for them."""
        observers = self._observers
        if self.closed or observers is None:
            raise ClientClosedError("this B2BClient is closed; create a new one")
        tracker = observers.call(method, self._prefix + path, f"{method} {path}")
        try:
            result = await self.call(
                method,
                path,
                response=response,
                params=params,
                body=body,
                policy=policy,
                idempotent=idempotent,
                reconcile=reconcile,
                handles=handles,
                tracker=tracker,
                headers=headers,
                settle=settle,
                attempt_timeout=attempt_timeout,
            )
        except BaseException as error:
            tracker.ended(error)
            raise
        tracker.ended()
        return result

    async def attempt(
        self,
        method: str,
        path: str,
        params: Mapping[str, str | int] | None,
        body: object,
        time_left: float | None = None,
        resend: int = 0,
        tracker: CallTracker | None = None,
        headers: Mapping[str, str] | None = None,
        attempt_timeout: float | None = None,
    ) -> bytes:
        """One attempt: wait for a slot and the pacer, build the request, send, classify.
        Returns a success body; raises the status's :class:`APIError`, :class:`TransportError`,
        or :class:`PacingTimeout` (nothing sent) when pacing would outlast ``time_left``.

        ``time_left`` (a call under a deadline) bounds the pacing wait and the timeout (the
        call's ``attempt_timeout``, else the client's);
        ``resend`` is how many attempts of the call came before this one. The URL
        and the body are made after the waits: 10,000 calls started at once then queue having
        done almost nothing (issue 13), and a retry's cost of making them again is small.
        ``tracker`` (a client with observers) is told of the pacing wait, the attempt's start
        and end, and a throttle.
        """
        slots = self._slots
        if slots is not None:
            loop = asyncio.get_running_loop()
            if loop is not self._slots_loop:
                # An asyncio.Semaphore belongs to the first loop it waits on: a client used
                # again under a new loop (a second asyncio.run) needs a fresh one.
                owner = self._owner
                if owner._slots_loop is not loop:
                    if owner._slots_loop is not None:
                        owner._slots = asyncio.Semaphore(self._max_concurrency or 1)
                    owner._slots_loop = loop
                slots = self._slots = owner._slots or slots
                self._slots_loop = loop
            await slots.acquire()
        try:
            pacer = self._pacer
            timeout = self._timeout if attempt_timeout is None else attempt_timeout
            if time_left is None:
                if not pacer.try_acquire():
                    waited = time.monotonic()
                    await pacer.acquire()
                    if tracker is not None:
                        tracker.pacer_waited(time.monotonic() - waited)
            else:
                waited = time.monotonic()
                until = waited + time_left
                if not pacer.try_acquire():
                    await pacer.acquire(max_wait=time_left)
                    if tracker is not None:
                        tracker.pacer_waited(time.monotonic() - waited)
                remaining = until - time.monotonic()
                if remaining < timeout:
                    timeout = max(remaining, 0.001)
            cached = self._urls.get(path)
            if cached is None:
                # Parsed once per path: yarl's parse is a measurable part of a call's cost.
                cached = self._urls[path] = URL(self._api_url + path)
            url = cached if not params else _with_query(cached, params)
            own = self._headers if body is None else self._json_headers
            if headers:
                # A call's own headers (an X-Idempotency-Token): the same on every attempt.
                own = {**own, **headers}
            if tracker is None:
                if body is None:
                    request = Request(method, url, own, None, timeout, path)
                else:
                    request = Request(method, url, own, _encode(body), timeout, path)
            else:
                data = None if body is None else _encode(body)
                sent = own
                # The attempt starts. Observers may add headers (a trace context), never
                # replace the client's own.
                extra = tracker.attempt_started()
                if extra:
                    sent = {**extra, **sent}
                request = Request(method, url, sent, data, timeout, path)
            started = time.monotonic()
            try:
                reply = await self._transport.send(request)
            except B2BError as failed:
                if tracker is not None:
                    tracker.attempt_ended(None, failed)
                raise
            except (OSError, TimeoutError) as exc:
                lost = transport_error(exc, request)
                if tracker is not None:
                    tracker.attempt_ended(None, lost)
                raise lost from exc
            except BaseException as cancelled:  # the call was cancelled mid-attempt
                if tracker is not None:
                    tracker.attempt_ended(None, cancelled)
                raise
        finally:
            if slots is not None:
                slots.release()
        status = reply.status
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "%s %s attempt %d: %d in %.1f ms",
                method,
                path,
                resend + 1,
                status,
                (time.monotonic() - started) * 1e3,
                extra=call_extra(f"{method} {path}", resend + 1),
            )
        if 200 <= status < 300:
            pacer.answers.successes += 1
            budget = self._budget
            if budget is not None and budget.available < budget.capacity:
                budget.on_success()
            if tracker is not None:
                tracker.attempt_ended(status)
            return reply.body
        error = error_from_response(status, reply.body, reply.headers, method=method, path=path)
        if tracker is not None:
            tracker.attempt_ended(status, error)
        if status == 429 or (status >= 500 and error.retry_after is not None):
            pacer.on_throttle(error.retry_after, rate_limited=status == 429, sent_at=started)
            paused = pacer.paused_for
            if tracker is not None:
                tracker.throttled(status, error.retry_after, paused)
            pacing_logger.info(
                "%s %s attempt %d: %d paused the client for %.3gs",
                method,
                path,
                resend + 1,
                status,
                paused,
                extra=call_extra(f"{method} {path}", resend + 1),
            )
        raise error


def _tell(hook: Callable[[RetryEvent], None] | None, events: list[RetryEvent]) -> None:
    """Hand a policy's ``on_give_up`` the give-ups held back while a settle hook decided."""
    if hook is None:
        return
    for event in events:
        try:
            hook(event)
        except Exception:
            logger.exception("a RetryPolicy hook raised; ignored")


def _with_query(url: URL, params: Mapping[str, str | int]) -> URL:
    """``url`` with ``params`` as its query. Values made only of unreserved characters (ids,
    numbers) need no quoting, so the query is joined as text and given to ``with_query`` as
    is: a fraction of the cost of yarl quoting a mapping, and of parsing the whole URL again
    (which yarl's cache hides only when the same id comes back)."""
    query = ""
    for name, value in params.items():
        if isinstance(value, str):
            text = value
        elif isinstance(value, int) and not isinstance(value, bool):
            text = str(value)
        else:
            return url.with_query(params)
        if not (text.isascii() and (text.isalnum() or _UNRESERVED(text))):
            return url.with_query(params)
        query = f"{query}&{name}={text}" if query else f"{name}={text}"
    return url.with_query(query)


def _encode(body: object) -> bytes:
    value = body if isinstance(body, dict | list) else unstructure(body)
    return orjson.dumps(value)


def _decode(payload: bytes, model: type[_T], method: str, path: str) -> _T:
    try:
        data = orjson.loads(payload)
    except orjson.JSONDecodeError as exc:  # an HTML page, a truncated body: worth an excerpt
        raise InvalidResponseError(
            200,
            message=f"the answer is not JSON: {exc}",
            body_excerpt=scrub(payload[:200].decode("utf-8", errors="replace")),
            method=method,
            path=path,
        ) from exc
    try:
        return structure(data, model)
    except Exception as exc:  # a type or missing-field error
        # JSON of the wrong shape is a record: no excerpt, and no chained cause whose
        # traceback could quote one of its values (an employee's name).
        raise InvalidResponseError(
            200,
            message=f"the answer is not the documented {model.__name__}: {exc}",
            method=method,
            path=path,
        ) from None


def check_policy(policy: object) -> RetryPolicy:
    """``policy`` if it is a :class:`RetryPolicy`; :class:`ValidationError` naming ``retry``
    otherwise."""
    if not isinstance(policy, RetryPolicy):
        raise ValidationError("retry", "must be a RetryPolicy or None", value=policy)
    return policy
