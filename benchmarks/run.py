"""Run the benchmark suite: ``python -m benchmarks [--quick] [--only KEY ...]``.

Every workload starts its own sandbox in a child process on loopback, measures, and returns
figures; this runner prints them as one table and writes them to ``benchmarks/results/latest.json``
(and the adaptive run's chart to ``docs/adaptive-rate.png``). A workload whose piece of the
library is missing, or that fails, is reported as "not run: <reason>"; the others still run.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import platform
import subprocess
import sys
import time
import traceback
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Final

if __package__ in (None, ""):  # run as ``python benchmarks/run.py``
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import (
    adaptive,
    bulk,
    faults,
    limits,
    loop_lag,
    outage,
    overhead,
    pacing,
    shared,
)
from benchmarks._common import Result, Settings, quiet_library_logs
from benchmarks._server import NotRun

__all__ = ["WORKLOADS", "main", "run_suite"]

_REPO: Final = Path(__file__).resolve().parent.parent
DEFAULT_JSON: Final = _REPO / "benchmarks" / "results" / "latest.json"
DEFAULT_CHART: Final = _REPO / "docs" / "adaptive-rate.png"

SYNC: Final = "sync"

Workload = Callable[[Settings], Awaitable[Result]]

WORKLOADS: Final[dict[str, tuple[str, Workload]]] = {
    "overhead": (overhead.TITLE, overhead.run),
    "bulk": (bulk.TITLE, bulk.run),
    "pacing": (pacing.TITLE, pacing.run),
    "adaptive": (adaptive.TITLE, adaptive.run),
    "faults": (faults.TITLE, faults.run),
    "outage": (outage.TITLE, outage.run),
    "loop_lag": (loop_lag.TITLE, loop_lag.run),
    "shared": (shared.TITLE, shared.run),
    "limits": (limits.TITLE, limits.run),
}


async def _run_one(key: str, settings: Settings) -> Result:
    title, workload = WORKLOADS[key]
    started = time.perf_counter()
    try:
        result = await workload(settings)
    except NotRun as reason:
        result = Result(key=key, title=title, not_run=str(reason))
    except Exception as exc:
        traceback.print_exc()
        result = Result(key=key, title=title, not_run=f"failed: {type(exc).__name__}: {exc}")
    result.seconds = time.perf_counter() - started
    return result


async def run_suite(keys: Sequence[str], settings: Settings) -> list[Result]:
    """Run the named workloads one after another (never concurrently: they would compete);
    "sync" names the sync benchmark (``bench_sync.py``), run last when it exists."""
    results = []
    for key in keys:
        if key == SYNC:
            continue
        print(f"running {key} ...", file=sys.stderr, flush=True)
        result = await _run_one(key, settings)
        results.append(result)
        print(format_result(result), flush=True)
    if SYNC not in keys:
        return results
    started = time.perf_counter()
    sync_result = await _run_sync_bench(settings)
    if sync_result is not None:
        sync_result.seconds = time.perf_counter() - started
        results.append(sync_result)
        print(format_result(sync_result), flush=True)
    return results


async def _run_sync_bench(settings: Settings) -> Result | None:
    """The sync engineer's ``benchmarks/bench_sync.py``, when it exists."""
    from benchmarks import _sync_adapter

    return await _sync_adapter.run(settings)


def format_result(result: Result) -> str:
    """One workload as rows of the table."""
    lines = [f"\n{result.title}  ({result.seconds:.1f} s)"]
    if result.not_run is not None:
        lines.append(f"  not run: {result.not_run}")
        return "\n".join(lines)
    for figure in result.figures:
        value = "—" if figure.value is None else f"{figure.value:,}".replace(",", " ")
        verdict = "" if figure.met is None else ("met" if figure.met else "not met")
        target = f"target {figure.target}" if figure.target else ""
        tail = "  ".join(part for part in (target, verdict, figure.note) if part)
        lines.append(f"  {figure.name:<52} {value:>12} {figure.unit:<8} {tail}")
    return "\n".join(lines)


def markdown(report: dict[str, object]) -> str:
    """The figures of a saved run (the JSON this runner writes) as a Markdown table."""
    about = report["machine"]
    assert isinstance(about, dict)
    workloads = report["workloads"]
    assert isinstance(workloads, dict)
    lines = [
        f"Machine: {about['cores']} cores, {about['cpu']}, Python {about['python']} "
        f"({about['platform']}); commit {about.get('commit', 'unknown')}; "
        f"whole suite {report['seconds']} s" + (" (--quick)" if report.get("quick") else "") + ".",
        "",
        "| Workload | Figure | Value | Target | Verdict | Note |",
        "|---|---|---:|---|---|---|",
    ]
    for result in workloads.values():
        title = str(result["title"])
        if result.get("not_run"):
            lines.append(f"| {title} | not run: {result['not_run']} | | | | |")
            continue
        for figure in result["figures"]:
            value = figure["value"]
            shown = "—" if value is None else f"{value:,}".replace(",", " ")
            unit = f" {figure['unit']}" if figure["unit"] and value is not None else ""
            met = figure["met"]
            verdict = "" if met is None else ("met" if met else "not met")
            lines.append(
                f"| {title} | {figure['name']} | {shown}{unit} | {figure['target']} "
                f"| {verdict} | {figure['note']} |"
            )
            title = ""
    return "\n".join(lines) + "\n"


def machine() -> dict[str, object]:
    """The machine the run was on: cores, CPU model, Python."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "commit": _commit(),
        "cores": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def _commit() -> str:
    """The checked-out commit, with "+dirty" when the tree has changes (others' work too)."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=_REPO,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=_REPO,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+dirty" if dirty else "")


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line, run the suite, print the table, write JSON and the chart."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes (CI, under a minute)")
    parser.add_argument(
        "--only", nargs="+", choices=[*WORKLOADS, SYNC], help="run just these workloads"
    )
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="where to write figures")
    parser.add_argument(
        "--chart",
        type=Path,
        default=None,
        help=f"where to draw the adaptive run (default: {DEFAULT_CHART.relative_to(_REPO)}, "
        "not drawn under --quick unless given)",
    )
    parser.add_argument(
        "--table-from",
        type=Path,
        metavar="JSON",
        help="print the Markdown table of a saved run (e.g. the latest.json) and exit",
    )
    args = parser.parse_args(argv)
    if args.table_from is not None:
        print(markdown(json.loads(args.table_from.read_text())), end="")
        return 0
    settings = Settings(quick=args.quick)
    quiet_library_logs()
    keys = args.only or [*WORKLOADS, SYNC]
    started = time.perf_counter()
    results = asyncio.run(run_suite(keys, settings))
    total = time.perf_counter() - started
    about = machine()
    print(
        f"\n{len(results)} workloads in {total:.0f} s on {about['cores']} cores, "
        f"{about['cpu']}, Python {about['python']}" + (" (--quick)" if args.quick else "")
    )
    report = {
        "quick": args.quick,
        "seconds": round(total, 1),
        "machine": about,
        "workloads": {result.key: dataclasses.asdict(result) for result in results},
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2, default=str) + "\n")
    print(f"figures written to {args.json}")
    chart = args.chart or (None if args.quick else DEFAULT_CHART)
    for result in results:
        drawn = chart is not None and result.key == "adaptive" and result.not_run is None
        if drawn and chart is not None and adaptive.write_chart(result, chart):
            print(f"chart written to {chart}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
