"""Workload 2, bulk scale: ``bulk_create`` of many employees at concurrency 64.

Each measurement runs in a child process of its own (``python -m benchmarks.bulk --child``),
because peak RSS (``ru_maxrss``) is a high-water mark of the whole process: the report form and
the streaming form must not share one. The inputs are a lazy generator in both forms. Each child
notes its RSS high-water mark before the run (imports and client made) and after; the figure is
the growth. The streaming form runs at N and at N/10: its growth must not follow N.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Final

from ._common import Figure, Result, Settings, phone, quiet_library_logs
from ._server import NotRun, ServerProcess

__all__ = ["run"]

TITLE: Final = "2. Bulk scale (bulk_create at concurrency 64)"
CONCURRENCY: Final = 64
_REPO: Final = Path(__file__).resolve().parent.parent


async def run(settings: Settings) -> Result:
    """Run the report form at N and the streaming form at N and N/10, each in its own child."""
    from yandex_b2b_async.resources.users import UsersAPI as users_api

    if not hasattr(users_api, "bulk_create"):
        raise NotRun("client.users.bulk_create is not there yet")
    result = Result(key="bulk", title=TITLE)
    n = settings.pick(100_000, 5_000)
    forms = [("report", n), ("stream", n), ("stream", n // 10)]
    if not hasattr(users_api, "bulk_create_stream"):
        forms = [("report", n), ("report", n // 10)]
        result.add(Figure(name="streaming form", value=None, note="not run: no bulk_create_stream"))
    runs: list[dict[str, float | str]] = []
    for form, size in forms:
        async with ServerProcess() as server:
            runs.append(await _child(server, form, size))
    result.details = {"concurrency": CONCURRENCY, "runs": runs}
    for entry in runs:
        size, form = int(entry["n"]), str(entry["form"])
        result.add(
            Figure(
                name=f"{form} form, N={size:,}: throughput",
                value=round(float(entry["calls_per_s"])),
                unit="calls/s",
                claim=False,
                note=f"{float(entry['seconds']):.1f} s, {int(entry['failed'])} failed",
            )
        )
        result.add(
            Figure(
                name=f"{form} form, N={size:,}: peak RSS growth",
                value=round(float(entry["rss_growth_mib"]), 1),
                unit="MiB",
                note=f"peak RSS {float(entry['peak_rss_mib']):.0f} MiB",
            )
        )
    streams = [entry for entry in runs if entry["form"] == "stream"]
    if len(streams) == 2:
        big, small = streams
        growth_big = float(big["rss_growth_mib"])
        growth_small = float(small["rss_growth_mib"])
        # Growth with N would show as the big run's excess over the small one; a few MiB of
        # allocator noise are allowed.
        excess = growth_big - growth_small
        result.add(
            Figure(
                name="streaming: RSS growth at N minus at N/10",
                value=round(excess, 1),
                unit="MiB",
                target="<= 5 MiB (flat in N)",
                met=excess <= 5.0,
                note=f"{growth_big:.1f} MiB at N vs {growth_small:.1f} MiB at N/10",
            )
        )
    return result


async def _child(server: ServerProcess, form: str, n: int) -> dict[str, float | str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(_REPO),
        "BENCH_URL": server.url,
        "BENCH_TOKEN": server.token,
        "BENCH_COST_CENTER": server.cost_center_id,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "benchmarks.bulk",
        "--child",
        form,
        str(n),
        stdout=asyncio.subprocess.PIPE,
        cwd=str(_REPO),
        env=env,
    )
    out, _ = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"bulk child ({form}, {n}) exited with {process.returncode}")
    answer = json.loads(out.decode().strip().splitlines()[-1])
    assert isinstance(answer, dict)
    return answer


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


async def _child_main(form: str, n: int) -> dict[str, float | str]:
    from yandex_b2b_async import B2BClient, UserCreate

    cost_center = os.environ["BENCH_COST_CENTER"]

    def users() -> Iterator[UserCreate]:
        for i in range(n):
            yield UserCreate(
                fullname=f"Employee {i}",
                phone=phone("22", i),
                is_active=True,
                cost_centers_id=cost_center,
            )

    async with B2BClient(os.environ["BENCH_TOKEN"], base_url=os.environ["BENCH_URL"]) as client:
        warm = await client.users.bulk_create(
            [
                UserCreate(
                    fullname="w", phone="+79000000000", is_active=True, cost_centers_id=cost_center
                )
            ],
            concurrency=CONCURRENCY,
        )
        assert warm.ok
        before = _peak_rss_mib()
        started = time.perf_counter()
        failed = 0
        if form == "report":
            report = await client.users.bulk_create(users(), concurrency=CONCURRENCY)
            failed = report.failed
            del report
        else:
            async for item in client.users.bulk_create_stream(users(), concurrency=CONCURRENCY):
                failed += not item.ok
        elapsed = time.perf_counter() - started
    peak = _peak_rss_mib()
    return {
        "form": form,
        "n": n,
        "seconds": elapsed,
        "calls_per_s": n / elapsed,
        "failed": failed,
        "rss_before_mib": before,
        "peak_rss_mib": peak,
        "rss_growth_mib": peak - before,
    }


if __name__ == "__main__" and sys.argv[1:2] == ["--child"]:
    quiet_library_logs()
    print(json.dumps(asyncio.run(_child_main(sys.argv[2], int(sys.argv[3])))))
