"""Sync of a 10,000-employee account where half the employees changed.

Seeds the account through the client (not timed), then times ``plan_sync`` (reading every
employee page by page and diffing) and ``apply`` (5,000 PATCHes through the bulk engine), and
plans once more to check that nothing is left to do. The sandbox serves from a child process
(:class:`benchmarks._server.ServerProcess`) so it does not share the client's loop.

Run on its own: ``python -m benchmarks.bench_sync [--quick]`` prints the figures as JSON. The
suite calls :func:`run` and prints them in its table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Sequence

from benchmarks._server import ServerProcess
from yandex_b2b_async import B2BClient, UserCreate
from yandex_b2b_async.bulk import bulk

__all__ = ["run"]

FULL_EMPLOYEES = 10_000
QUICK_EMPLOYEES = 1_000
CONCURRENCY = 8  # the library's default bulk concurrency
SEED_CONCURRENCY = 32  # seeding is not measured: go as fast as the sandbox allows


def _employee(index: int, cost_center_id: str, *, changed: bool) -> UserCreate:
    return UserCreate(
        fullname=f"Employee {index}" + (" (renamed)" if changed else ""),
        phone=f"+7955{index:07d}",
        is_active=True,
        cost_centers_id=cost_center_id,
        nickname=f"ext-{index}",
    )


async def run(quick: bool = False) -> dict[str, float | int | str]:
    """Seed, plan, apply and plan again; return the figures (seconds, calls, counts)."""
    count = QUICK_EMPLOYEES if quick else FULL_EMPLOYEES
    async with (
        ServerProcess() as server,
        B2BClient(server.token, base_url=server.url) as client,
    ):
        cost_center = server.cost_center_id
        started = time.perf_counter()
        seeded = await bulk(
            client.users.create,
            (_employee(index, cost_center, changed=False) for index in range(count)),
            concurrency=SEED_CONCURRENCY,
        )
        seed_seconds = time.perf_counter() - started
        if seeded.failed:
            raise RuntimeError(f"seeding failed for {seeded.failed} employees")

        desired = [_employee(index, cost_center, changed=index % 2 == 0) for index in range(count)]

        await server.call("reset_stats")
        started = time.perf_counter()
        plan = await client.users.plan_sync(desired)
        plan_seconds = time.perf_counter() - started
        plan_calls = (await server.stats())["requests"]

        await server.call("reset_stats")
        started = time.perf_counter()
        report = await client.users.apply(plan, concurrency=CONCURRENCY)
        apply_seconds = time.perf_counter() - started
        apply_calls = (await server.stats())["requests"]

        again = await client.users.plan_sync(desired)

    actions = len(plan)
    return {
        "employees": count,
        "changed": sum(1 for index in range(count) if index % 2 == 0),
        "seed_s": round(seed_seconds, 3),
        "plan_s": round(plan_seconds, 3),
        "plan_calls": plan_calls,
        "plan_employees_per_s": round(count / plan_seconds, 1),
        "actions": actions,
        "apply_s": round(apply_seconds, 3),
        "apply_calls": apply_calls,
        "apply_actions_per_s": round(actions / apply_seconds, 1) if apply_seconds else 0,
        "apply_failed": report.failed,
        "replan_actions": len(again),
        "concurrency": CONCURRENCY,
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print its figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_EMPLOYEES} employees")
    args = parser.parse_args(argv)
    figures = asyncio.run(run(quick=args.quick))
    print(json.dumps(figures, indent=2))
    return 0 if figures["apply_failed"] == 0 and figures["replan_actions"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
