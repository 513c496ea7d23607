"""The OpenTelemetry adapter: spans and metrics of real calls to the sandbox, read back from the
SDK's in-memory exporters."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

pytest.importorskip("opentelemetry.sdk")

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader, Metric
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from yarl import URL

from yandex_b2b_async import (
    B2BClient,
    ConflictError,
    NotFoundError,
    OrderCreate,
    RateLimit,
    RetryPolicy,
    RoutePoint,
    UserCreate,
)
from yandex_b2b_async.sandbox import Reply, Sandbox
from yandex_b2b_async.telemetry import OpenTelemetry

USERS = "/integration/2.0/users"


async def _no_wait(_: float) -> None:
    return None


INSTANT = RetryPolicy(max_attempts=3, sleep=_no_wait)


class Telemetry:
    """An adapter wired to in-memory exporters, and readers of what it exported."""

    def __init__(self, **options: Any) -> None:
        self.spans_exporter = InMemorySpanExporter()
        self.tracer_provider = TracerProvider()
        self.tracer_provider.add_span_processor(SimpleSpanProcessor(self.spans_exporter))
        self.reader = InMemoryMetricReader()
        self.meter_provider = MeterProvider(metric_readers=[self.reader])
        self.observer = OpenTelemetry(
            tracer_provider=self.tracer_provider, meter_provider=self.meter_provider, **options
        )

    def spans(self) -> list[ReadableSpan]:
        return list(self.spans_exporter.get_finished_spans())

    def metrics(self) -> dict[str, Metric]:
        data = self.reader.get_metrics_data()
        found: dict[str, Metric] = {}
        if data is None:
            return found
        for resource in data.resource_metrics:
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    found[metric.name] = metric
        return found

    def shutdown(self) -> None:
        self.tracer_provider.shutdown()
        self.meter_provider.shutdown()


@pytest.fixture
def telemetry() -> Iterator[Telemetry]:
    telemetry = Telemetry(propagator=TraceContextTextMapPropagator())
    yield telemetry
    telemetry.shutdown()


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox() as sandbox:
        yield sandbox


def employee(sandbox: Sandbox, phone: str = "+79990000001", **extra: Any) -> UserCreate:
    return UserCreate(
        fullname="Ilya Ivanov",
        phone=phone,
        is_active=True,
        cost_centers_id=sandbox.cost_center_id,
        **extra,
    )


def by_kind(spans: list[ReadableSpan], kind: SpanKind) -> list[ReadableSpan]:
    return sorted((s for s in spans if s.kind == kind), key=lambda s: s.start_time or 0)


def points(metric: Metric) -> list[Any]:
    return list(metric.data.data_points)


async def test_a_retried_call_is_one_call_span_over_two_attempt_spans(
    sandbox: Sandbox, telemetry: Telemetry
) -> None:
    """A 503 then a 200: an INTERNAL call span parents two CLIENT spans; the second counts
    one resend, the first carries the 503 as its error.type."""
    sandbox.faults.script("POST", USERS, [Reply(status=503)])
    async with B2BClient(
        sandbox.token, base_url=sandbox.url, retry=INSTANT, observers=[telemetry.observer]
    ) as client:
        await client.users.create(employee(sandbox))
    spans = telemetry.spans()
    [call] = by_kind(spans, SpanKind.INTERNAL)
    first, second = by_kind(spans, SpanKind.CLIENT)
    assert call.name == "POST /users"
    assert call.status.status_code == StatusCode.UNSET
    assert first.name == second.name == f"POST {USERS}"
    for attempt in (first, second):
        assert attempt.parent is not None
        assert attempt.parent.span_id == call.context.span_id
        assert attempt.context.trace_id == call.context.trace_id
        assert attempt.attributes is not None
        assert attempt.attributes["http.request.method"] == "POST"
        assert attempt.attributes["server.address"] == "127.0.0.1"
        assert attempt.attributes["server.port"] == URL(sandbox.url).port
        assert attempt.attributes["url.template"] == USERS
    assert first.attributes is not None
    assert second.attributes is not None
    assert first.attributes["http.response.status_code"] == 503
    assert first.attributes["error.type"] == "503"
    assert first.status.status_code == StatusCode.ERROR
    assert "http.request.resend_count" not in first.attributes
    assert second.attributes["http.request.resend_count"] == 1
    assert second.attributes["http.response.status_code"] == 200
    assert "error.type" not in second.attributes
    assert [event.name for event in call.events] == ["retry"]
    assert call.attributes is not None
    assert call.attributes["yandex_b2b.attempts"] == 2


async def test_a_404_sets_error_type_on_both_spans(sandbox: Sandbox, telemetry: Telemetry) -> None:
    """A 404 answer: the attempt and the call spans are errors with error.type "404"."""
    async with B2BClient(
        sandbox.token, base_url=sandbox.url, observers=[telemetry.observer]
    ) as client:
        with pytest.raises(NotFoundError):
            await client.users.get("user-404")
    spans = telemetry.spans()
    [call] = by_kind(spans, SpanKind.INTERNAL)
    [attempt] = by_kind(spans, SpanKind.CLIENT)
    for span in (call, attempt):
        assert span.attributes is not None
        assert span.attributes["error.type"] == "404"
        assert span.attributes["http.response.status_code"] == 404
        assert span.status.status_code == StatusCode.ERROR
        assert not span.status.description


async def test_a_lost_connection_names_its_failure_and_no_status(
    sandbox: Sandbox, telemetry: Telemetry
) -> None:
    """A connection dropped before an answer: the attempt span has an error.type, no status."""
    sandbox.faults.script("POST", USERS, [Reply.drop_before()])
    async with B2BClient(
        sandbox.token, base_url=sandbox.url, retry=INSTANT, observers=[telemetry.observer]
    ) as client:
        await client.users.create(employee(sandbox))
    first, second = by_kind(telemetry.spans(), SpanKind.CLIENT)
    assert first.attributes is not None
    assert "http.response.status_code" not in first.attributes
    assert first.attributes["error.type"] == "ServerDisconnectedError"
    assert first.status.status_code == StatusCode.ERROR
    assert second.attributes is not None
    assert second.attributes["http.response.status_code"] == 200


async def test_request_duration_is_a_histogram_in_seconds_per_attempt(
    sandbox: Sandbox, telemetry: Telemetry
) -> None:
    """http.client.request.duration records each attempt in seconds, by status."""
    sandbox.faults.script("GET", USERS, [Reply(status=502)])
    async with B2BClient(
        sandbox.token, base_url=sandbox.url, retry=INSTANT, observers=[telemetry.observer]
    ) as client:
        await client.users.list_page()
    metric = telemetry.metrics()["http.client.request.duration"]
    assert metric.unit == "s"
    by_status = {p.attributes["http.response.status_code"]: p for p in points(metric)}
    assert set(by_status) == {502, 200}
    assert by_status[502].attributes["error.type"] == "502"
    assert by_status[200].count == 1
    assert by_status[200].attributes["http.request.method"] == "GET"
    assert by_status[200].attributes["url.template"] == USERS
    assert 0 < by_status[200].sum < 10
    retries = telemetry.metrics()["yandex_b2b.client.retries"]
    assert sum(p.value for p in points(retries)) == 1


async def test_a_throttled_bulk_run_counts_throttles_retries_and_pacer_waits(
    sandbox: Sandbox, telemetry: Telemetry
) -> None:
    """A bulk run against a sandbox that throttles: throttles and retries are counted, the
    pacer's waits land in their histogram, and its rate is observable."""
    sandbox.faults.rate_limit(40, burst=2, retry_after=0.05)
    async with B2BClient(
        sandbox.token,
        base_url=sandbox.url,
        retry=RetryPolicy(max_attempts=20, sleep=_no_wait),
        rate_limit=RateLimit(rate=200, burst=8),
        observers=[telemetry.observer],
    ) as client:
        users = [employee(sandbox, phone=f"+7999100{i:04d}") for i in range(24)]
        report = await client.users.bulk_create(users, concurrency=8)
        assert report.ok
        metrics = telemetry.metrics()
    throttles = points(metrics["yandex_b2b.client.throttles"])
    assert sum(p.value for p in throttles) >= 1
    assert {p.attributes["yandex_b2b.throttle.scope"] for p in throttles} == {"local"}
    assert sum(p.value for p in points(metrics["yandex_b2b.client.retries"])) >= 1
    waits = points(metrics["yandex_b2b.client.pacer.wait"])
    assert sum(p.count for p in waits) >= 1
    assert metrics["yandex_b2b.client.pacer.wait"].unit == "s"
    [rate] = points(metrics["yandex_b2b.client.pacer.rate"])
    assert rate.value == pytest.approx(200)
    calls = [s for s in telemetry.spans() if s.kind == SpanKind.INTERNAL]
    assert len(calls) >= 24
    throttled_calls = [s for s in calls if any(e.name == "throttle" for e in s.events)]
    assert throttled_calls
    items = points(metrics["yandex_b2b.bulk.items"])
    assert sum(p.value for p in items) == 24
    assert {p.attributes["yandex_b2b.bulk.outcome"] for p in items} == {"succeeded"}


async def test_the_trace_context_reaches_the_server(sandbox: Sandbox, telemetry: Telemetry) -> None:
    """With a propagator, each attempt's traceparent names its own CLIENT span."""
    sandbox.faults.script("GET", USERS, [Reply(status=503)])
    async with B2BClient(
        sandbox.token, base_url=sandbox.url, retry=INSTANT, observers=[telemetry.observer]
    ) as client:
        await client.users.list_page()
    sent = [(entry.traceparent or "").split("-")[1:3] for entry in sandbox.stats.log]
    attempts = by_kind(telemetry.spans(), SpanKind.CLIENT)
    expected = [[f"{s.context.trace_id:032x}", f"{s.context.span_id:016x}"] for s in attempts]
    assert len(expected) == 2
    assert sent == expected


async def test_no_trace_context_is_sent_when_propagation_is_off(sandbox: Sandbox) -> None:
    """propagate=False: the server sees no traceparent, the spans are still recorded."""
    telemetry = Telemetry(propagate=False)
    try:
        async with B2BClient(
            sandbox.token, base_url=sandbox.url, observers=[telemetry.observer]
        ) as client:
            await client.users.list_page()
        assert [entry.traceparent for entry in sandbox.stats.log] == [None]
        assert len(telemetry.spans()) == 2
    finally:
        telemetry.shutdown()


async def test_the_callers_span_is_the_parent_of_the_call(
    sandbox: Sandbox, telemetry: Telemetry
) -> None:
    """A call made inside the application's span is a child of that span."""
    tracer = telemetry.tracer_provider.get_tracer("app")
    async with B2BClient(
        sandbox.token, base_url=sandbox.url, observers=[telemetry.observer]
    ) as client:
        with tracer.start_as_current_span("import job") as job:
            await client.users.list_page()
    [call] = [s for s in telemetry.spans() if s.name == "GET /users"]
    assert call.parent is not None
    assert call.parent.span_id == job.get_span_context().span_id


async def test_no_personal_data_or_token_reaches_spans_metrics_or_logs(
    telemetry: Telemetry, caplog: pytest.LogCaptureFixture
) -> None:
    """Distinctive token, phone, email, names and a query: none appears in any exported span,
    event, attribute or metric, nor in any log line at DEBUG, whether calls succeed, are
    retried or fail."""
    caplog.set_level(logging.DEBUG, logger="yandex_b2b_async")
    token = "tok3n-QUOKKA-7f3e91c0"
    phone = "+79995551234"
    email = "zebra.quokka@example.org"
    fullname = "Quokkina Zebrovna Distinctova"
    nickname = "quokka_nick_42"
    async with Sandbox(token=token) as sandbox:
        sandbox.faults.script("POST", USERS, [Reply(status=503)])
        async with B2BClient(
            sandbox.token, base_url=sandbox.url, retry=INSTANT, observers=[telemetry.observer]
        ) as client:
            user = UserCreate(
                fullname=fullname,
                phone=phone,
                email=email,
                nickname=nickname,
                is_active=True,
                cost_centers_id=sandbox.cost_center_id,
            )
            created = await client.users.create(user)
            with pytest.raises(ConflictError):
                await client.users.create(user)  # the 406 names the phone's owner
            await client.users.find_by_phone(phone)
            async for _ in client.users.list(limit=1):
                break
            await client.users.get(created.id)
    exported = [span.to_json() for span in telemetry.spans()]
    data = telemetry.reader.get_metrics_data()
    assert data is not None
    exported.append(data.to_json())
    exported.extend(record.getMessage() for record in caplog.records)
    exported.extend(str(record.__dict__) for record in caplog.records)
    text = "\n".join(exported)
    assert f"POST {USERS}" in text  # the check reads real output
    for secret in (token, phone, phone[1:], email, fullname, "Quokkina", nickname):
        assert secret not in text, secret


async def test_a_reconciled_create_is_a_success_in_the_trace_and_metrics(
    sandbox: Sandbox, telemetry: Telemetry
) -> None:
    """A create whose answer was lost and whose retry's 406 named the employee it made ends
    with a call span that is not an error, says it was reconciled, and counts no give-up."""
    sandbox.faults.script("POST", USERS, [Reply.drop_after()])
    async with B2BClient(
        sandbox.token, base_url=sandbox.url, retry=INSTANT, observers=[telemetry.observer]
    ) as client:
        created = await client.users.create(employee(sandbox))
    assert created.reconciled
    calls = [s for s in by_kind(telemetry.spans(), SpanKind.INTERNAL) if s.name == "POST /users"]
    assert len(calls) == 1
    span = calls[0]
    assert span.status.status_code != StatusCode.ERROR
    assert span.attributes is not None
    assert "error.type" not in span.attributes
    assert span.attributes["yandex_b2b.reconciled"] is True
    assert [event.name for event in span.events if event.name == "give_up"] == []
    assert "yandex_b2b.client.give_ups" not in telemetry.metrics()


async def test_a_conflict_that_is_someone_elses_is_still_an_error(
    sandbox: Sandbox, telemetry: Telemetry
) -> None:
    """The same 406 naming another employee ends the call span in error, with its give-up."""
    sandbox.add_user(phone="+79990000001", fullname="Somebody Else")
    sandbox.faults.script("POST", USERS, [Reply(status=503)])
    async with B2BClient(
        sandbox.token, base_url=sandbox.url, retry=INSTANT, observers=[telemetry.observer]
    ) as client:
        with pytest.raises(ConflictError):
            await client.users.create(employee(sandbox))
    calls = [s for s in by_kind(telemetry.spans(), SpanKind.INTERNAL) if s.name == "POST /users"]
    span = calls[0]
    assert span.status.status_code == StatusCode.ERROR
    assert span.attributes is not None
    assert span.attributes["error.type"] == "406"
    assert "yandex_b2b.reconciled" not in span.attributes
    assert [event.name for event in span.events if event.name == "give_up"] == ["give_up"]


async def test_a_cancel_settled_after_a_lost_answer_is_a_success(
    sandbox: Sandbox, telemetry: Telemetry
) -> None:
    """An order cancel whose answer was lost and whose retry's 409 is the lost attempt's work
    ends with a call span that is not an error and says it was reconciled."""
    user_id = sandbox.add_user(phone="+79990000001")
    route = [RoutePoint(geopoint=(37.59, 55.73))]
    async with B2BClient(
        sandbox.token, base_url=sandbox.url, retry=INSTANT, observers=[telemetry.observer]
    ) as client:
        created = await client.orders.create(
            OrderCreate(user_id=user_id, route=route, class_="econom")
        )
        sandbox.faults.script("POST", "/integration/2.0/orders/cancel", [Reply.drop_after()])
        assert (await client.orders.cancel(created.order_id, state="free")).status == "cancelled"
    spans = [
        s for s in by_kind(telemetry.spans(), SpanKind.INTERNAL) if s.name == "POST /orders/cancel"
    ]
    assert spans[0].status.status_code != StatusCode.ERROR
    assert spans[0].attributes is not None
    assert spans[0].attributes["yandex_b2b.reconciled"] is True


async def test_a_delete_settled_by_the_retrys_404_is_a_success(
    sandbox: Sandbox, telemetry: Telemetry
) -> None:
    """A delete whose answer was lost and whose retry answers 404 returns, and its call span
    is no error: reconciled."""
    area = sandbox.add_geo_restriction("Офис")
    sandbox.faults.script("POST", "/integration/2.0/geo_restrictions/delete", [Reply.drop_after()])
    async with B2BClient(
        sandbox.token, base_url=sandbox.url, retry=INSTANT, observers=[telemetry.observer]
    ) as client:
        assert await client.geo_restrictions.delete(area) == area
    spans = [
        s
        for s in by_kind(telemetry.spans(), SpanKind.INTERNAL)
        if s.name == "POST /geo_restrictions/delete"
    ]
    assert spans[0].status.status_code != StatusCode.ERROR
    assert spans[0].attributes is not None
    assert spans[0].attributes["yandex_b2b.reconciled"] is True
