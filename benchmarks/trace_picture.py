"""Draw the trace of a retried call as a waterfall: ``python -m benchmarks.trace_picture [PNG]``.

Runs one ``users.create`` against the sandbox on loopback, scripted to answer 503, then 429 with
``Retry-After``, then for real, through a client with a rate limit, the OpenTelemetry adapter and
the SDK's in-memory exporter; then draws the exported spans (the call's INTERNAL span, one CLIENT
span per attempt) and the call span's events with matplotlib. The picture in
``docs/trace-retried-call.png`` is made by this script. Needs the ``bench`` extra (matplotlib and
the OpenTelemetry SDK).
"""

from __future__ import annotations

import asyncio
import random
import sys
from pathlib import Path
from typing import Any, Final

from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from yandex_b2b_async import B2BClient, RateLimit, RetryPolicy, UserCreate
from yandex_b2b_async.sandbox import Reply, Sandbox
from yandex_b2b_async.telemetry import OpenTelemetry

__all__ = ["draw", "main", "record"]

DEFAULT_PNG: Final = Path(__file__).resolve().parent.parent / "docs" / "trace-retried-call.png"
USERS: Final = "/integration/2.0/users"


async def record() -> list[ReadableSpan]:
    """The spans of one create that meets a 503, a 429 with Retry-After, then succeeds."""
    random.seed(0)  # the backoff's jitter: the same picture on every run
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    async with Sandbox() as sandbox:
        sandbox.faults.latency(0.04)
        sandbox.faults.script(
            "POST", USERS, [Reply(status=503), Reply.rate_limited(retry_after=0.25)]
        )
        async with B2BClient(
            sandbox.token,
            base_url=sandbox.url,
            retry=RetryPolicy(backoff_initial=0.2, backoff_max=0.2),
            rate_limit=RateLimit(rate=4, burst=1),
            observers=[OpenTelemetry(tracer_provider=provider)],
        ) as client:
            # One call just before uses the only token: the create first waits for the pacer.
            await client.users.list_page(limit=1)
            exporter.clear()
            await client.users.create(
                UserCreate(
                    fullname="Ilya Ivanov",
                    phone="+79990000001",
                    is_active=True,
                    cost_centers_id=sandbox.cost_center_id,
                )
            )
    provider.shutdown()
    return list(exporter.get_finished_spans())


def draw(spans: list[ReadableSpan], path: Path) -> None:
    """A waterfall of ``spans`` (times in ms from the first start), saved as a PNG at ``path``.

    One row per span, the call's on top; on the call's row, its pacing waits and retry waits
    (from the span's events) as segments of their own colour.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ordered = sorted(spans, key=lambda s: (s.kind != SpanKind.INTERNAL, s.start_time or 0))
    origin = min(s.start_time or 0 for s in ordered)

    def ms(ns: int | None) -> float:
        return ((ns or origin) - origin) / 1e6

    end = max(ms(s.end_time) for s in ordered)
    fig, ax = plt.subplots(figsize=(12, 1.6 + 0.85 * len(ordered)), dpi=110)
    ax.set_xlim(-end * 0.01, end * 1.07)
    rows = list(range(len(ordered)))[::-1]
    labels = []
    for row, span in zip(rows, ordered, strict=True):
        attributes = dict(span.attributes or {})
        start, stop = ms(span.start_time), ms(span.end_time)
        internal = span.kind == SpanKind.INTERNAL
        failed = span.status.status_code == StatusCode.ERROR
        color = "#b2bec3" if internal else ("#e17055" if failed else "#00b894")
        ax.barh(row, stop - start, left=start, height=0.46, color=color, edgecolor="#2d3436")
        ax.text(stop + end * 0.006, row, f"{stop - start:.0f} ms", fontsize=8, va="center")
        details = ["INTERNAL" if internal else "CLIENT"]
        if "http.response.status_code" in attributes:
            details.append(f"status {attributes['http.response.status_code']}")
        if "http.request.resend_count" in attributes:
            details.append(f"resend_count {attributes['http.request.resend_count']}")
        if "error.type" in attributes and not internal:
            details.append(f"error.type {attributes['error.type']}")
        if internal:
            details.append(f"attempts {attributes.get('yandex_b2b.attempts')}")
        labels.append(f"{span.name}\n{' · '.join(details)}")
        if not internal:
            continue
        for event in span.events:
            at = ms(event.timestamp)
            extra = dict(event.attributes or {})
            if event.name == "pacer.wait":
                wait = float(str(extra.get("yandex_b2b.pacer.wait", 0))) * 1e3
                _segment(ax, row, at - wait, at, "#fdcb6e", f"pacer wait\n{wait:.0f} ms")
            elif event.name == "retry":
                wait = float(str(extra.get("yandex_b2b.retry.wait", 0))) * 1e3
                reason = str(extra.get("yandex_b2b.retry.reason", ""))
                _segment(ax, row, at, at + wait, "#74b9ff", f"retry after\n{reason}")
            elif event.name == "throttle":
                ax.plot([at], [row - 0.3], marker="^", color="#d63031", markersize=7)
                ax.text(at, row - 0.36, "throttle: client paused", fontsize=7, va="top")
    ax.set_yticks(rows, labels, fontsize=8.5, family="monospace")
    ax.set_ylim(-0.6, len(ordered) - 0.4)
    ax.set_xlabel("ms since the call started")
    ax.set_title(
        "users.create against the sandbox: 503, then 429 with Retry-After 0.25 s, then 200 "
        "(client rate limit 4 calls/s)",
        fontsize=10,
        loc="left",
    )
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="x", color="#dfe6e9", linewidth=0.6)
    ax.set_axisbelow(True)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)


def _segment(ax: Any, row: int, start: float, stop: float, color: str, label: str) -> None:
    """A coloured stretch of the call's bar, labelled inside (above it when too narrow)."""
    ax.barh(row, stop - start, left=start, height=0.46, color=color, edgecolor="#2d3436")
    left, right = ax.get_xlim()
    if stop - start > 0.09 * (right - left):
        ax.text((start + stop) / 2, row, label, fontsize=7, ha="center", va="center")
    else:
        text = label.replace("\n", " ")
        ax.text((start + stop) / 2, row + 0.27, text, fontsize=7, ha="center", va="bottom")


def main(argv: list[str] | None = None) -> int:
    """Record the trace and draw it (default: docs/trace-retried-call.png)."""
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0]) if args else DEFAULT_PNG
    spans = asyncio.run(record())
    draw(spans, path)
    print(f"{len(spans)} spans drawn to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
