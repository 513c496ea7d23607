"""Workload 1, overhead: the same employee edits through raw aiohttp, this library, and the SDK.

Each variant sends the same N full edits (``PUT /users?user_id=…``, the same body) with the same
concurrency, a semaphore per call as a user would write it. The variants run interleaved
(a, b, c, then b, c, a, …) after a warm-up round, each round gives the ratios b/a and b/c, and
the figures are the medians of those ratios. This library runs with its default retry policy and
a rate limit far above what the run reaches: configured, never triggered.

Two more variants are the same library client with observers: a no-op observer (the cost of
building and delivering the events) and, when the OpenTelemetry SDK is installed (the ``bench``
extra), the OpenTelemetry adapter on an SDK tracer provider whose spans are batched to an
exporter that discards them, and a meter provider (what a service pays, minus the network).
Their ratios to the client without observers are measured in the same interleaved rounds.
"""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Awaitable, Callable
from typing import Final

import aiohttp

from yandex_b2b_async import B2BClient, RateLimit, RetryPolicy, UserCreate, UserUpdate
from yandex_b2b_async.events import Event, Observer

from ._common import Figure, Result, Settings, gather_limited, median, phone
from ._server import ServerProcess

__all__ = ["run"]

CONCURRENCY: Final = 32
TITLE: Final = "1. Overhead (employee edits, raw aiohttp vs this library vs yandex-b2b-go)"

Variant = Callable[[int], Awaitable[object]]


NO_OBSERVER: Final = "this library"
NOOP_OBSERVER: Final = "this library + no-op observer"
OTEL_OBSERVER: Final = "this library + OpenTelemetry SDK"


def _noop(event: Event) -> None:
    return None


def _otel_observer() -> tuple[Observer, Callable[[], None]] | None:
    """The OpenTelemetry adapter on SDK providers whose exports go nowhere, and their shutdown;
    None without the SDK."""
    if importlib.util.find_spec("opentelemetry.sdk") is None:
        return None
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult

    from yandex_b2b_async.telemetry import OpenTelemetry

    class Discard(SpanExporter):
        def export(self, spans: object) -> SpanExportResult:
            return SpanExportResult.SUCCESS

    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(BatchSpanProcessor(Discard()))
    meter_provider = MeterProvider(metric_readers=[InMemoryMetricReader()])

    def shutdown() -> None:
        tracer_provider.shutdown()
        meter_provider.shutdown()

    observer = OpenTelemetry(tracer_provider=tracer_provider, meter_provider=meter_provider)
    return observer, shutdown


def sdk_available() -> bool:
    """Whether yandex-b2b-go is installed (the ``bench`` extra)."""
    return importlib.util.find_spec("yandex_b2b_go") is not None


async def run(settings: Settings) -> Result:
    """Measure calls/s of each variant and the ratios b/a and b/c."""
    result = Result(key="overhead", title=TITLE)
    # Short blocks, many rounds: on a shared machine noise comes in bursts of seconds, and a
    # burst then spoils one round's ratio instead of shifting a whole variant's figure.
    n = settings.pick(600, 300)
    rounds = settings.pick(11, 4)
    async with ServerProcess() as server:
        api = f"{server.url}/integration/2.0"
        async with B2BClient(server.token, base_url=server.url) as seeder:
            ids = [
                (await seeder.users.create(_user(server.cost_center_id, i))).id for i in range(n)
            ]
        fullnames = [f"Employee {i} edited" for i in range(n)]
        phones = [phone("11", i) for i in range(n)]
        cost_center = server.cost_center_id

        async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session:
            headers = {"Authorization": f"Bearer {server.token}"}

            async def raw(i: int) -> object:
                body = {
                    "fullname": fullnames[i],
                    "phone": phones[i],
                    "is_active": True,
                    "cost_centers_id": cost_center,
                }
                async with session.put(
                    f"{api}/users", params={"user_id": ids[i]}, json=body, headers=headers
                ) as reply:
                    if reply.status != 200:
                        raise RuntimeError(f"raw edit answered {reply.status}")
                    return await reply.json()

            def make_client(observers: tuple[Observer, ...] = ()) -> B2BClient:
                return B2BClient(
                    server.token,
                    base_url=server.url,
                    retry=RetryPolicy(),
                    rate_limit=RateLimit(rate=1_000_000, burst=100_000),
                    observers=observers,
                )

            def edits(through: B2BClient) -> Variant:
                async def library(i: int) -> object:
                    await through.users.update(
                        ids[i],
                        UserUpdate(
                            fullname=fullnames[i],
                            phone=phones[i],
                            is_active=True,
                            cost_centers_id=cost_center,
                        ),
                    )
                    return None

                return library

            client = make_client()
            clients = [client, make_client((_noop,))]
            variants: dict[str, Variant] = {
                "raw aiohttp": raw,
                NO_OBSERVER: edits(client),
                NOOP_OBSERVER: edits(clients[1]),
            }
            otel = _otel_observer()
            if otel is not None:
                clients.append(make_client((otel[0],)))
                variants[OTEL_OBSERVER] = edits(clients[-1])
            sdk_client: object = None
            if sdk_available():
                import yandex_b2b_go

                sdk_client = yandex_b2b_go.Client(server.token)
                # The SDK has no option for its host; a private attribute is the only way in.
                sdk_client._base_url = f"{api}/"  # type: ignore[attr-defined]
                sdk_users = yandex_b2b_go.UserManager(sdk_client)

                async def sdk(i: int) -> object:
                    return await sdk_users.update(
                        ids[i],
                        yandex_b2b_go.typing.User(
                            fullname=fullnames[i],
                            phone=phones[i],
                            is_active=True,
                            cost_centers_id=cost_center,
                        ),
                    )

                variants["yandex-b2b-go"] = sdk
            try:
                rates, cpu = await _rounds(variants, n, rounds)
            finally:
                for each in clients:
                    await each.close()
                if otel is not None:
                    otel[1]()
                if sdk_client is not None:
                    await sdk_client.__aexit__(None, None, None)  # type: ignore[attr-defined]

    names = list(variants)
    result.details = {
        "n": n,
        "concurrency": CONCURRENCY,
        "rounds": rounds,
        "calls_per_s": rates,
        "client_cpu_us_per_call": cpu,
    }
    for name in names:
        result.add(
            Figure(
                name=f"{name}: calls/s (median)",
                value=round(median(rates[name])),
                unit="calls/s",
                claim=False,
                note=f"client CPU {median(cpu[name]):.0f} µs/call",
            )
        )
    b_over_a = [b / a for b, a in zip(rates["this library"], rates["raw aiohttp"], strict=True)]
    ratio = median(b_over_a)
    result.add(
        Figure(
            name="b/a: this library / raw aiohttp",
            value=round(ratio, 3),
            target=">= 1",
            met=ratio >= 1.0,
            note=f"rounds: {', '.join(f'{r:.2f}' for r in b_over_a)}",
        )
    )
    cpu_ratio = median(b / a for b, a in zip(cpu["this library"], cpu["raw aiohttp"], strict=True))
    result.add(
        Figure(
            name="client CPU per call, this library / raw aiohttp",
            value=round(cpu_ratio, 3),
            claim=False,
            note=f"{median(cpu['this library']) - median(cpu['raw aiohttp']):+.0f} µs/call",
        )
    )
    for name in (NOOP_OBSERVER, OTEL_OBSERVER):
        if name not in rates:
            result.add(
                Figure(
                    name=f"{name} / no observer",
                    value=None,
                    note="not run: the OpenTelemetry SDK is not installed (pip install .[bench])",
                )
            )
            continue
        observed = [o / b for o, b in zip(rates[name], rates[NO_OBSERVER], strict=True)]
        ratio_o = median(observed)
        cpu_extra = median(cpu[name]) - median(cpu[NO_OBSERVER])
        result.add(
            Figure(
                name=f"{name} / no observer",
                value=round(ratio_o, 3),
                target=">= 0.95" if name == NOOP_OBSERVER else "",
                met=ratio_o >= 0.95 if name == NOOP_OBSERVER else None,
                note=f"{cpu_extra:+.0f} µs/call client CPU; rounds: "
                + ", ".join(f"{r:.2f}" for r in observed),
            )
        )
    if "yandex-b2b-go" in rates:
        b_over_c = [
            b / c for b, c in zip(rates["this library"], rates["yandex-b2b-go"], strict=True)
        ]
        ratio_c = median(b_over_c)
        result.add(
            Figure(
                name="b/c: this library / yandex-b2b-go",
                value=round(ratio_c, 3),
                target=">= 1",
                met=ratio_c >= 1.0,
                note=f"rounds: {', '.join(f'{r:.2f}' for r in b_over_c)}",
            )
        )
    else:
        result.add(
            Figure(
                name="b/c: this library / yandex-b2b-go",
                value=None,
                target=">= 1",
                note="not run: yandex-b2b-go is not installed (pip install .[bench])",
            )
        )
    return result


async def _rounds(
    variants: dict[str, Variant], n: int, rounds: int
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    names = list(variants)
    rates: dict[str, list[float]] = {name: [] for name in names}
    cpu: dict[str, list[float]] = {name: [] for name in names}
    for round_number in range(rounds + 1):  # round 0 warms up every variant and is dropped
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:
            cpu_before = time.process_time()
            elapsed, errors = await gather_limited(variants[name], n, CONCURRENCY)
            cpu_used = time.process_time() - cpu_before
            if errors:
                raise RuntimeError(f"{name}: {len(errors)} edits failed, first: {errors[0]!r}")
            if round_number:
                rates[name].append(n / elapsed)
                cpu[name].append(cpu_used / n * 1e6)
    return rates, cpu


def _user(cost_center: str, i: int) -> UserCreate:
    return UserCreate(
        fullname=f"Employee {i}", phone=phone("11", i), is_active=True, cost_centers_id=cost_center
    )
