"""What a client tells its observers: the events of calls, attempts, retries, pacing and bulk runs.

``B2BClient(observers=[...])`` takes any callables of one :data:`Event`. The client builds each
event once and hands the same object to every observer, in the order below::

    ClientOpened                                   the client was built
    CallStarted                                    a logical call (``client.users.create(...)``)
      PacerWaited?                                 it waited for the pacer before an attempt
      AttemptStarted                               one HTTP exchange begins (``headers`` writable)
      AttemptEnded                                 ... and ends (status, duration, error)
      Throttled?                                   the answer paused the client (429, Retry-After)
      RetryScheduled | BudgetRefused, GaveUp       what the retry policy decided
      ... more attempts ...
    CallEnded                                      the call returned or raised
    BulkProgressed                                 an item of a bulk run ended
    SharedPacingChanged                            the shared quota's Redis went away / came back
    ClientClosed                                   the client was closed

An observer is **synchronous** (a plain function or an object with ``__call__``): it runs inline,
in the task of the call, before the call goes on — so keep it short; it is the kind that may add
request headers (trace context) in :class:`AttemptStarted`. An observer whose ``__call__`` is an
``async def`` is **asynchronous**: the call never waits for it. Its events go to a queue of its
own (at most ``OBSERVER_QUEUE_LIMIT`` events; past that they are dropped and counted) drained in
order by one task, started when an event arrives in a running loop; ``B2BClient.close()``
awaits the queue (for up to ``OBSERVER_DRAIN_TIMEOUT`` seconds) before it returns.

An observer that raises never breaks a call: the exception is logged once per observer on the
``yandex_b2b_async.observers`` logger (later ones are only counted) and the call goes on.

Privacy: events carry the request's method, its path template (``/integration/2.0/users``, never
the query, which can hold a phone number), statuses, durations, counts and ids. The exception
objects in ``error`` fields are the ones the caller would see (they never hold the token), but
their messages may quote the API's answer: an adapter that exports telemetry (see
:mod:`yandex_b2b_async.telemetry`) records their type only.

This module defines data and the observer protocol; it sends nothing and imports no other
part of the library. The events are frozen attrs classes whose fields may be given by keyword
or by position; the client builds them by position, attrs' fastest way (every call builds at
least five of them once it has an observer).
"""

from __future__ import annotations

from typing import Literal, Protocol, TypeAlias

import attrs

__all__ = [
    "AttemptEnded",
    "AttemptStarted",
    "BudgetRefused",
    "BulkProgressed",
    "CallEnded",
    "CallInfo",
    "CallStarted",
    "ClientClosed",
    "ClientOpened",
    "Event",
    "GaveUp",
    "ObservedClient",
    "Observer",
    "PacerWaited",
    "RateSource",
    "RetryScheduled",
    "SharedPacingChanged",
    "Throttled",
]


class RateSource(Protocol):
    """What an observer may read of the client's pacer (a live view, not a copy)."""

    @property
    def current_rate(self) -> float | None:
        """The rate in force now, in calls per the configured period (None without a rate)."""
        ...


@attrs.frozen(kw_only=True, eq=False)
class ObservedClient:
    """The client events come from: where it sends, and its pacer (compared by identity).

    ``server_address`` and ``server_port`` are the API host's (the OpenTelemetry attributes of
    the same names); ``pacer`` is the client's live pacer, read for its ``current_rate`` (calls
    per ``rate_period`` seconds).
    """

    server_address: str
    server_port: int
    url_scheme: str
    pacer: RateSource | None = attrs.field(default=None, repr=False)
    rate_period: float = 1.0


@attrs.frozen
class CallInfo:
    """One logical call: the same object in every event of that call.

    ``id`` is unique within the process; ``name`` names the call (``"PUT /users"``);
    ``url_template`` is the request's path without its query (``"/integration/2.0/users"``).
    """

    id: int
    name: str
    method: str
    url_template: str
    client: ObservedClient = attrs.field(eq=False, repr=False)


@attrs.frozen
class ClientOpened:
    """A client with observers was built."""

    client: ObservedClient


@attrs.frozen
class ClientClosed:
    """The client was closed; no more events of it follow."""

    client: ObservedClient


@attrs.frozen
class CallStarted:
    """A call began, before any pacing or sending."""

    call: CallInfo


@attrs.frozen
class CallEnded:
    """A call ended: ``error`` is None when it returned, else what it raised.

    ``duration`` is in seconds from :class:`CallStarted`; ``attempts`` counts the HTTP attempts
    sent; ``status`` is the last answer's HTTP status (None when no answer came). ``reconciled``
    is True when the call returned a lost attempt's work, found instead of an answer (a create
    whose answer was lost, or whose retry's conflict named the record it had made): a success,
    whose ``status`` may be the 5xx or 406 that came last.
    """

    call: CallInfo
    duration: float
    attempts: int
    status: int | None
    error: BaseException | None = None
    reconciled: bool = False


@attrs.frozen
class PacerWaited:
    """The call waited ``seconds`` for the pacer (a token or the end of a pause) before
    ``attempt``. Not sent when a token was free at once."""

    call: CallInfo
    attempt: int
    seconds: float


@attrs.frozen
class AttemptStarted:
    """An HTTP attempt is about to be sent (pacing done).

    ``attempt`` is 1 for the first; ``headers`` starts empty and goes out with this attempt
    (added to the client's own; ``Authorization`` and ``Content-Type`` cannot be replaced): a
    synchronous observer may add a trace context to it.
    """

    call: CallInfo
    attempt: int
    headers: dict[str, str] = attrs.field(factory=dict, eq=False, repr=False)

    @property
    def resend_count(self) -> int:
        """How many times this request was sent before (``http.request.resend_count``)."""
        return self.attempt - 1


@attrs.frozen
class AttemptEnded:
    """An HTTP attempt ended: answered (``status``), or failed below HTTP (``status`` None).

    ``error`` is None for a success (2xx with the expected body read), else the error the
    attempt ended in (an :class:`~yandex_b2b_async.APIError` for an error status, a
    :class:`~yandex_b2b_async.TransportError` for a lost connection or a timeout).
    """

    call: CallInfo
    attempt: int
    duration: float
    status: int | None
    error: BaseException | None = None

    @property
    def resend_count(self) -> int:
        """How many times this request was sent before this attempt."""
        return self.attempt - 1


@attrs.frozen
class RetryScheduled:
    """Attempt ``attempt`` failed and another follows after ``wait`` seconds.

    ``reason`` says what failed, briefly (``"HTTP 503"``, ``"lost after sending"``,
    ``"HTTP 429, Retry-After 2s"``).
    """

    call: CallInfo
    attempt: int
    wait: float
    reason: str
    error: BaseException


@attrs.frozen
class BudgetRefused:
    """The client's retry budget could not pay for a retry after ``attempt``: the call gives up."""

    call: CallInfo
    attempt: int
    error: BaseException


GiveUpReason: TypeAlias = Literal[
    "not_retryable", "max_attempts", "deadline", "retry_after_too_long", "budget_exhausted"
]


@attrs.frozen
class GaveUp:
    """A call that had failed retryably stops retrying and raises ``error`` after ``attempts``.

    Sent right before the call's :class:`CallEnded`, and only when the call does raise: a
    create whose last answer was a conflict naming its own lost work returns it (reconciled),
    which is no give-up.
    """

    call: CallInfo
    attempts: int
    reason: GiveUpReason
    error: BaseException


@attrs.frozen
class Throttled:
    """An answer throttled the client: every call pauses for ``pause`` seconds.

    ``status`` is the answer's (429, or a 5xx that named a ``Retry-After``); ``retry_after`` is
    what the server asked for (None when it named no time). ``scope`` is ``"local"`` for a pause
    this client set, ``"shared"`` for one learnt from the quota shared with other processes
    (then ``call`` may be None and ``status`` is the one that process saw, when known).
    """

    call: CallInfo | None
    status: int | None
    retry_after: float | None
    pause: float
    scope: Literal["local", "shared"] = "local"


@attrs.frozen
class SharedPacingChanged:
    """The Redis of a shared quota (``RateLimit(redis_url=...)``) stopped or started answering.

    ``shared`` is False when it stopped: the client now paces itself alone (or, with
    ``on_redis_down="fail"``, fails its calls) and ``reason`` says what failed; True when it
    answers again and the quota is shared once more. ``redis`` names it by host, port and
    database (never its password). Sent once per change, not per call.
    """

    shared: bool
    redis: str
    reason: str | None = None


@attrs.frozen
class BulkProgressed:
    """An item of a bulk run ended (``outcome``), and the run's counts after it.

    ``operation`` names the run (``"users.create_or_restore"``); ``index`` is the item's input
    position. No input value is carried: inputs hold employees' personal data.
    """

    operation: str
    index: int
    outcome: Literal["succeeded", "failed", "skipped"]
    done: int
    failed: int
    skipped: int
    total: int | None
    elapsed: float


Event: TypeAlias = (
    ClientOpened
    | ClientClosed
    | CallStarted
    | CallEnded
    | PacerWaited
    | AttemptStarted
    | AttemptEnded
    | RetryScheduled
    | BudgetRefused
    | GaveUp
    | Throttled
    | SharedPacingChanged
    | BulkProgressed
)
"""Every event an observer can receive; match on its class."""


class Observer(Protocol):
    """A callable of one :data:`Event`: a function, or an object with ``__call__``.

    Return None; an ``async def __call__`` makes it an asynchronous observer (see the module
    docstring for how its events are delivered). Ignore the event classes you do not handle:
    more may be added.
    """

    def __call__(self, event: Event, /) -> object: ...
