"""OpenTelemetry traces and metrics of a client's calls: an observer (extra ``[otel]``).

::

    from yandex_b2b_async.telemetry import OpenTelemetry
    B2BClient(token, observers=[OpenTelemetry(tracer_provider=tp, meter_provider=mp)])

Traces: one INTERNAL span per logical call (named ``"PUT /users"``) and, under it, one CLIENT
span per HTTP attempt (named ``"PUT /integration/2.0/users"``) with the HTTP client attributes of
the semantic conventions: ``http.request.method``, ``server.address``, ``server.port``,
``url.template`` (the path without the query), ``url.scheme``, ``http.response.status_code``,
``http.request.resend_count`` (from the second attempt on) and ``error.type`` (the status for an
error answer, the exception's class for a failure below HTTP). Pacing waits, retries, throttles,
a refused retry budget and giving up are events of the call's span. A call that returned a
lost attempt's work (a create reconciled after a lost answer, ``reconciled=True``) is a success:
its span has no error status and carries ``yandex_b2b.reconciled=true``, and no give-up is
counted for it (its attempt spans still show the 5xx or 406 each one got). With a propagator (the
global one by default: ``opentelemetry.propagate``; ``propagate=False`` turns it off) each
attempt carries its span's context in its headers (``traceparent``).

Metrics: ``http.client.request.duration`` (histogram, seconds, per attempt, the semantic
conventions' buckets) and the library's own: ``yandex_b2b.client.call.duration`` (histogram,
seconds, per call, retries included), ``yandex_b2b.client.retries``, ``.give_ups``,
``.throttles``, ``.retry_budget.refusals`` (counters), ``yandex_b2b.client.pacer.wait``
(histogram, seconds), ``yandex_b2b.client.pacer.rate`` (observable gauge, requests per second
now allowed by each open client's pacer) and ``yandex_b2b.bulk.items`` (counter by outcome).

Privacy: no attribute, event or metric holds the token, a query (which may hold a phone), a
request or response body, or an error's message (which may quote the API's answer): only
methods, path templates, statuses, error types, counts and durations.

Only ``opentelemetry-api`` is needed; without a configured SDK the spans and instruments are
the API's no-ops. Install the SDK and an exporter to send them somewhere (docs/observability.md).
"""

from __future__ import annotations

import importlib.metadata
import weakref
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final

try:
    from opentelemetry import metrics, propagate, trace
    from opentelemetry.context import Context
    from opentelemetry.propagators.textmap import TextMapPropagator
    from opentelemetry.trace import Span, SpanKind, StatusCode
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "yandex_b2b_async.telemetry needs OpenTelemetry: pip install 'yandex_b2b_async[otel]'"
    ) from exc

from .errors import APIError, TransportError
from .events import (
    AttemptEnded,
    AttemptStarted,
    BudgetRefused,
    BulkProgressed,
    CallEnded,
    CallInfo,
    CallStarted,
    ClientClosed,
    ClientOpened,
    Event,
    GaveUp,
    ObservedClient,
    PacerWaited,
    RetryScheduled,
    Throttled,
)

__all__ = ["INSTRUMENTATION_NAME", "OpenTelemetry", "error_type"]

INSTRUMENTATION_NAME: Final = "yandex_b2b_async"

# The semantic conventions' advice for http.client.request.duration.
_DURATION_BUCKETS: Final = (
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
)  # fmt: skip
# Pacer waits range from a token's gap (milliseconds) to a long Retry-After (up to a minute).
_WAIT_BUCKETS: Final = (
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
)  # fmt: skip

Attributes = dict[str, str | int | float | bool]


def error_type(error: BaseException) -> str:
    """The ``error.type`` of a failure: the status for an error answer (``"503"``), else the
    class of what failed (``"TimeoutError"``, ``"ServerDisconnectedError"``, ``"CancelledError"``).

    Never the message: it may quote the API's answer.
    """
    if isinstance(error, APIError) and error.status >= 400:
        return str(error.status)
    if isinstance(error, TransportError) and error.__cause__ is not None:
        return type(error.__cause__).__name__
    return type(error).__name__


class _CallSpans:
    __slots__ = ("attempt", "call")

    def __init__(self, call: Span) -> None:
        self.call = call
        self.attempt: Span | None = None


class OpenTelemetry:
    """An observer that turns a client's events into OpenTelemetry spans and metrics.

    ``tracer_provider`` and ``meter_provider`` default to the global ones. ``propagator`` is
    the one that writes the trace context into each attempt's headers (the global propagator
    when None); ``propagate=False`` sends no trace context. One instance may observe several
    clients. It is a synchronous observer: every handler is a few dictionary operations and
    the SDK's span and instrument calls, which queue their exports.
    """

    def __init__(
        self,
        *,
        tracer_provider: trace.TracerProvider | None = None,
        meter_provider: metrics.MeterProvider | None = None,
        propagator: TextMapPropagator | None = None,
        propagate: bool = True,
    ) -> None:
        version = _version()
        self._tracer: Final = trace.get_tracer(
            INSTRUMENTATION_NAME, version, tracer_provider=tracer_provider
        )
        meter = metrics.get_meter(INSTRUMENTATION_NAME, version, meter_provider=meter_provider)
        self._propagator = propagator
        self._propagate = propagate
        self._calls: dict[int, _CallSpans] = {}
        self._clients: weakref.WeakSet[ObservedClient] = weakref.WeakSet()
        self._duration: Final = meter.create_histogram(
            "http.client.request.duration",
            unit="s",
            description="Duration of HTTP client requests.",
            explicit_bucket_boundaries_advisory=_DURATION_BUCKETS,
        )
        self._call_duration: Final = meter.create_histogram(
            "yandex_b2b.client.call.duration",
            unit="s",
            description="Duration of logical API calls, pacing and retries included.",
            explicit_bucket_boundaries_advisory=_DURATION_BUCKETS,
        )
        self._retries: Final = meter.create_counter(
            "yandex_b2b.client.retries", unit="{retry}", description="Retries scheduled."
        )
        self._give_ups: Final = meter.create_counter(
            "yandex_b2b.client.give_ups",
            unit="{call}",
            description="Calls that failed retryably and stopped retrying.",
        )
        self._throttles: Final = meter.create_counter(
            "yandex_b2b.client.throttles",
            unit="{throttle}",
            description="Answers that paused the client (429, Retry-After).",
        )
        self._refusals: Final = meter.create_counter(
            "yandex_b2b.client.retry_budget.refusals",
            unit="{retry}",
            description="Retries the client's retry budget could not pay for.",
        )
        self._pacer_wait: Final = meter.create_histogram(
            "yandex_b2b.client.pacer.wait",
            unit="s",
            description="Time an attempt waited for the client's pacer.",
            explicit_bucket_boundaries_advisory=_WAIT_BUCKETS,
        )
        self._bulk_items: Final = meter.create_counter(
            "yandex_b2b.bulk.items", unit="{item}", description="Items of bulk runs that ended."
        )
        meter.create_observable_gauge(
            "yandex_b2b.client.pacer.rate",
            callbacks=[self._observe_rates],
            unit="{request}/s",
            description="The request rate each client's pacer allows now.",
        )
        # One dictionary look-up per event; each handler takes the class it is filed under.
        self._handlers: Final[dict[type[object], Callable[[Any], None]]] = {
            CallStarted: self._call_started,
            PacerWaited: self._pacer_waited,
            AttemptStarted: self._attempt_started,
            AttemptEnded: self._attempt_ended,
            RetryScheduled: self._retry_scheduled,
            BudgetRefused: self._budget_refused,
            GaveUp: self._gave_up,
            Throttled: self._throttled,
            CallEnded: self._call_ended,
            BulkProgressed: self._bulk_progressed,
            ClientOpened: self._client_opened,
            ClientClosed: self._client_closed,
        }

    def __repr__(self) -> str:
        return f"OpenTelemetry(calls_in_flight={len(self._calls)})"

    def __call__(self, event: Event, /) -> None:
        handler = self._handlers.get(type(event))
        if handler is not None:
            handler(event)

    # -- the handlers ---------------------------------------------------------------------------

    def _client_opened(self, event: ClientOpened) -> None:
        self._clients.add(event.client)

    def _client_closed(self, event: ClientClosed) -> None:
        self._clients.discard(event.client)

    def _call_started(self, event: CallStarted) -> None:
        call = event.call
        span = self._tracer.start_span(
            call.name, kind=SpanKind.INTERNAL, attributes=_call_attributes(call)
        )
        self._calls[call.id] = _CallSpans(span)

    def _pacer_waited(self, event: PacerWaited) -> None:
        self._pacer_wait.record(event.seconds, _client_attributes(event.call.client))
        spans = self._calls.get(event.call.id)
        if spans is not None:
            spans.call.add_event(
                "pacer.wait",
                {"yandex_b2b.pacer.wait": event.seconds, "yandex_b2b.attempt": event.attempt},
            )

    def _attempt_started(self, event: AttemptStarted) -> None:
        call = event.call
        spans = self._calls.get(call.id)
        parent = trace.set_span_in_context(spans.call) if spans is not None else None
        attributes = _call_attributes(call)
        attributes["url.scheme"] = call.client.url_scheme
        if event.attempt > 1:
            attributes["http.request.resend_count"] = event.attempt - 1
        span = self._tracer.start_span(
            f"{call.method} {call.url_template}",
            context=parent,
            kind=SpanKind.CLIENT,
            attributes=attributes,
        )
        if spans is not None:
            spans.attempt = span
        if self._propagate:
            context = trace.set_span_in_context(span)
            self._inject(event.headers, context)

    def _inject(self, headers: dict[str, str], context: Context) -> None:
        if self._propagator is not None:
            self._propagator.inject(headers, context=context)
        else:
            propagate.inject(headers, context=context)

    def _attempt_ended(self, event: AttemptEnded) -> None:
        call = event.call
        attributes = _call_attributes(call)
        if event.status is not None:
            attributes["http.response.status_code"] = event.status
        failure = error_type(event.error) if event.error is not None else None
        if failure is not None:
            attributes["error.type"] = failure
        self._duration.record(event.duration, attributes)
        spans = self._calls.get(call.id)
        span = spans.attempt if spans is not None else None
        if span is None or spans is None:
            return
        spans.attempt = None
        ending: Attributes = {}
        if event.status is not None:
            ending["http.response.status_code"] = event.status
        if failure is not None:
            ending["error.type"] = failure
            span.set_status(StatusCode.ERROR)
        if ending:
            span.set_attributes(ending)
        span.end()

    def _retry_scheduled(self, event: RetryScheduled) -> None:
        attributes = _call_attributes(event.call)
        attributes["error.type"] = error_type(event.error)
        self._retries.add(1, attributes)
        spans = self._calls.get(event.call.id)
        if spans is not None:
            spans.call.add_event(
                "retry",
                {
                    "yandex_b2b.attempt": event.attempt,
                    "yandex_b2b.retry.wait": event.wait,
                    "yandex_b2b.retry.reason": event.reason,
                    "error.type": attributes["error.type"],
                },
            )

    def _budget_refused(self, event: BudgetRefused) -> None:
        self._refusals.add(1, _client_attributes(event.call.client))
        spans = self._calls.get(event.call.id)
        if spans is not None:
            spans.call.add_event("retry_budget.refused", {"yandex_b2b.attempt": event.attempt})

    def _gave_up(self, event: GaveUp) -> None:
        attributes = _call_attributes(event.call)
        attributes["yandex_b2b.give_up.reason"] = event.reason
        self._give_ups.add(1, attributes)
        spans = self._calls.get(event.call.id)
        if spans is not None:
            spans.call.add_event(
                "give_up",
                {"yandex_b2b.give_up.reason": event.reason, "yandex_b2b.attempts": event.attempts},
            )

    def _throttled(self, event: Throttled) -> None:
        call = event.call
        attributes: Attributes = {"yandex_b2b.throttle.scope": event.scope}
        if call is not None:
            attributes.update(_client_attributes(call.client))
        if event.status is not None:
            attributes["http.response.status_code"] = event.status
        self._throttles.add(1, attributes)
        spans = self._calls.get(call.id) if call is not None else None
        if spans is not None:
            details: Attributes = {"yandex_b2b.throttle.pause": event.pause}
            if event.retry_after is not None:
                details["yandex_b2b.throttle.retry_after"] = event.retry_after
            spans.call.add_event("throttle", details)

    def _call_ended(self, event: CallEnded) -> None:
        call = event.call
        attributes = _call_attributes(call)
        spans = self._calls.pop(call.id, None)
        failure = error_type(event.error) if event.error is not None else None
        if event.status is not None:
            attributes["http.response.status_code"] = event.status
        if failure is not None:
            attributes["error.type"] = failure
        self._call_duration.record(event.duration, attributes)
        if spans is None:
            return
        if spans.attempt is not None:  # the call was cancelled during an attempt
            spans.attempt.set_attribute("error.type", failure or "CancelledError")
            spans.attempt.set_status(StatusCode.ERROR)
            spans.attempt.end()
        span = spans.call
        ending: Attributes = {"yandex_b2b.attempts": event.attempts}
        if event.reconciled:
            ending["yandex_b2b.reconciled"] = True
        if event.status is not None:
            ending["http.response.status_code"] = event.status
        if failure is not None:
            ending["error.type"] = failure
            span.set_status(StatusCode.ERROR)
        span.set_attributes(ending)
        span.end()

    def _bulk_progressed(self, event: BulkProgressed) -> None:
        attributes = {
            "yandex_b2b.bulk.operation": event.operation,
            "yandex_b2b.bulk.outcome": event.outcome,
        }
        self._bulk_items.add(1, attributes)

    def _observe_rates(self, options: metrics.CallbackOptions) -> Iterable[metrics.Observation]:
        for client in list(self._clients):
            pacer = client.pacer
            rate = pacer.current_rate if pacer is not None else None
            if rate is not None:
                yield metrics.Observation(rate / client.rate_period, _client_attributes(client))


def _version() -> str:
    try:
        return importlib.metadata.version(INSTRUMENTATION_NAME)
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - run from a checkout
        return ""


def _client_attributes(client: ObservedClient) -> Mapping[str, str | int]:
    return {"server.address": client.server_address, "server.port": client.server_port}


def _call_attributes(call: CallInfo) -> Attributes:
    client = call.client
    return {
        "http.request.method": call.method,
        "url.template": call.url_template,
        "server.address": client.server_address,
        "server.port": client.server_port,
    }
