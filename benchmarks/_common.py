"""What every workload shares: the settings, the result records, and small measuring helpers."""

from __future__ import annotations

import asyncio
import logging
import statistics
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field

__all__ = [
    "Figure",
    "Result",
    "Settings",
    "gather_limited",
    "max_in_window",
    "median",
    "phone",
    "quiet_library_logs",
]


@dataclass(frozen=True, kw_only=True)
class Settings:
    """How big a run is: the full suite, or ``--quick`` for CI."""

    quick: bool = False

    def pick(self, full: int, quick: int) -> int:
        """``full`` normally, ``quick`` under ``--quick``."""
        return quick if self.quick else full

    def pick_float(self, full: float, quick: float) -> float:
        """``full`` normally, ``quick`` under ``--quick``."""
        return quick if self.quick else full


@dataclass(frozen=True, kw_only=True)
class Figure:
    """One number of the table.

    ``claim`` marks the figures the benchmark is about (ratios and counts); absolute times are
    printed for context with ``claim=False``. ``met`` is None when the figure has no target.
    """

    name: str
    value: float | int | None
    unit: str = ""
    target: str = ""
    met: bool | None = None
    claim: bool = True
    note: str = ""


@dataclass(kw_only=True)
class Result:
    """One workload's outcome: its figures, or why it did not run."""

    key: str
    title: str
    figures: list[Figure] = field(default_factory=list)
    details: dict[str, object] = field(default_factory=dict)
    not_run: str | None = None
    seconds: float = 0.0

    def add(self, figure: Figure) -> None:
        """Append a figure to the table."""
        self.figures.append(figure)


def quiet_library_logs() -> None:
    """Keep the library's retry warnings out of the table (the figures count them instead)."""
    library = logging.getLogger("yandex_b2b_async")
    library.addHandler(logging.NullHandler())
    library.propagate = False


def median(values: Iterable[float]) -> float:
    """The median of ``values`` (which must not be empty)."""
    return float(statistics.median(list(values)))


def phone(prefix: str, index: int) -> str:
    """A unique valid phone for employee ``index`` of a run (``prefix`` is digits)."""
    return f"+7{prefix}{index:07d}"


def max_in_window(times: Sequence[float], window: float = 1.0) -> int:
    """The largest number of ``times`` (sorted) inside any half-open window of ``window`` s."""
    best = 0
    start = 0
    for end, moment in enumerate(times):
        while moment - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


async def gather_limited(
    call: Callable[[int], Awaitable[object]], n: int, concurrency: int
) -> tuple[float, list[BaseException]]:
    """Run ``call(0) … call(n - 1)`` with at most ``concurrency`` in flight, the way a user
    would (one task per call, an ``asyncio.Semaphore``); return the elapsed seconds and the
    exceptions raised."""
    semaphore = asyncio.Semaphore(concurrency)

    async def one(i: int) -> None:
        async with semaphore:
            await call(i)

    started = time.perf_counter()
    outcomes = await asyncio.gather(*(one(i) for i in range(n)), return_exceptions=True)
    elapsed = time.perf_counter() - started
    return elapsed, [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
