"""Workload 5, faults: are employees created exactly once when the network and server misbehave?

N creates run twice as one bulk run (``users.bulk_create``) at the same concurrency: first
against a healthy sandbox, then with random faults on ``/users``: 10% answered 5xx (not
processed), 5% connections dropped before processing, 2% processed with the reply lost (dropped
after). The client uses its default retry policy, attempt count and retry budget, with short
backoffs so the run stays short; the bulk run its default final pass (rows that failed with a
retryable error are sent once more at the end). Afterwards the sandbox counts the active
employees per phone: every phone must have exactly one (duplicates and missing both 0). Also
reported: attempts per call, the rows the final pass sent again, and the faulted run's time
over the fault-free run's.
"""

from __future__ import annotations

import inspect
import time
from typing import Final

from yandex_b2b_async import B2BClient, RetryPolicy, UserCreate

from ._common import Figure, Result, Settings, phone
from ._server import ServerProcess

__all__ = ["run"]

TITLE: Final = "5. Faults (10% 5xx, 5% dropped connections, 2% lost replies)"
CONCURRENCY: Final = 32
ERROR_RATE: Final = 0.10
DROP_BEFORE_RATE: Final = 0.05
DROP_AFTER_RATE: Final = 0.02
USERS_PATH: Final = "/integration/2.0/users"


async def run(settings: Settings) -> Result:
    """Create N employees without and with faults; count duplicates, missing and attempts."""
    result = Result(key="faults", title=TITLE)
    n = settings.pick(10_000, 2_000)
    policy = RetryPolicy(backoff_initial=0.05, backoff_max=0.5)
    has_budget = "retry_budget" in inspect.signature(B2BClient).parameters
    async with ServerProcess() as server:
        cost_center = server.cost_center_id
        runs: dict[str, dict[str, float]] = {}
        for label, prefix, faulty in (("fault-free", "51", False), ("faulted", "52", True)):
            await server.call("clear")
            await server.call("reset_stats")
            if faulty:
                await server.call(
                    "random",
                    error_rate=ERROR_RATE,
                    drop_before_rate=DROP_BEFORE_RATE,
                    drop_after_rate=DROP_AFTER_RATE,
                    paths=[USERS_PATH],
                    seed=5,
                )
            users = (
                UserCreate(
                    fullname=f"Employee {i}",
                    phone=phone(prefix, i),
                    is_active=True,
                    cost_centers_id=cost_center,
                )
                for i in range(n)
            )
            async with B2BClient(server.token, base_url=server.url, retry=policy) as client:
                started = time.perf_counter()
                report = await client.users.bulk_create(users, concurrency=CONCURRENCY, total=n)
                elapsed = time.perf_counter() - started
                budget = getattr(client, "retry_budget", None)
            await server.call("clear")
            stats = await server.call("stats")
            assert isinstance(stats, dict)
            by_path = stats["by_path"]
            assert isinstance(by_path, dict)
            census = await server.census(f"+7{prefix}")
            runs[label] = {
                "seconds": elapsed,
                "failed_calls": report.failed,
                "final_pass": sum(item.final_pass for item in report.items),
                "final_pass_ok": sum(item.final_pass and item.ok for item in report.items),
                "creates_sent": int(by_path.get(f"POST {USERS_PATH}", 0)),
                "reads_sent": int(by_path.get(f"GET {USERS_PATH}", 0)),
                "requests": int(str(stats["requests"])),
                "employees": census["employees"],
                "phones": census["phones"],
                "duplicates": census["duplicates"],
                "missing": n - census["phones"],
                "budget_denied": int(getattr(budget, "denied", 0)),
            }
    faulted, clean = runs["faulted"], runs["fault-free"]
    result.details = {"n": n, "concurrency": CONCURRENCY, "runs": runs, "budget": has_budget}
    result.add(
        Figure(
            name="duplicates (employees created twice)",
            value=int(faulted["duplicates"]),
            target="0",
            met=faulted["duplicates"] == 0,
        )
    )
    result.add(
        Figure(
            name="missing (inputs with no employee)",
            value=int(faulted["missing"]),
            target="0",
            met=faulted["missing"] == 0,
            note=f"{int(faulted['failed_calls'])} rows reported failed (so none lost silently: "
            f"{faulted['missing'] <= faulted['failed_calls']}); the retry budget refused "
            f"{int(faulted['budget_denied'])} retries; the final pass sent "
            f"{int(faulted['final_pass'])} rows again, {int(faulted['final_pass_ok'])} of them "
            "succeeded",
        )
    )
    result.add(
        Figure(
            name="attempts per call (creates sent / N)",
            value=round(faulted["creates_sent"] / n, 3),
            note=f"plus {int(faulted['reads_sent'])} reads to confirm lost creates",
        )
    )
    result.add(
        Figure(
            name="time faulted / fault-free",
            value=round(faulted["seconds"] / clean["seconds"], 2),
            note=f"{faulted['seconds']:.1f} s vs {clean['seconds']:.1f} s for {n} creates",
        )
    )
    if clean["duplicates"] or clean["missing"]:
        result.add(
            Figure(
                name="fault-free run: duplicates + missing",
                value=int(clean["duplicates"] + clean["missing"]),
                target="0",
                met=False,
            )
        )
    return result
