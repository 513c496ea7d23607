"""Workload 6, outage: how hard does the client hit a server that answers 503 to everything?

N calls (employee reads) at a fixed concurrency against a sandbox in outage, twice: with the
client's default retry budget, and with ``retry_budget=None``. Both use the default retry policy
(4 attempts) with short backoffs so the run stays short. The figure is attempts per call as the
server counted them: without a budget every call makes all its attempts; the budget should bring
that close to 1 once it has drained.
"""

from __future__ import annotations

import inspect
from typing import Final

from yandex_b2b_async import B2BClient, RetryPolicy

from ._common import Figure, Result, Settings, gather_limited
from ._server import NotRun, ServerProcess

__all__ = ["run"]

TITLE: Final = "6. Outage (every answer 503; retry budget on and off)"
CONCURRENCY: Final = 32
UNKNOWN_ID: Final = "0" * 32


async def run(settings: Settings) -> Result:
    """Count the attempts per call with and without the retry budget."""
    result = Result(key="outage", title=TITLE)
    if "retry_budget" not in inspect.signature(B2BClient).parameters:
        raise NotRun("B2BClient has no retry_budget option yet")
    n = settings.pick(2_000, 500)
    policy = RetryPolicy(backoff_initial=0.01, backoff_max=0.05)
    figures: dict[str, float] = {}
    async with ServerProcess() as server:
        await server.call("outage", enabled=True)
        for label, budget_on in (("with budget", True), ("without budget", False)):
            await server.call("reset_stats")
            options: dict[str, object] = {} if budget_on else {"retry_budget": None}
            async with B2BClient(
                server.token,
                base_url=server.url,
                retry=policy,
                **options,  # type: ignore[arg-type]
            ) as client:

                async def read(i: int) -> object:
                    return await client.users.get(UNKNOWN_ID)

                elapsed, errors = await gather_limited(read, n, CONCURRENCY)
            stats = await server.stats()
            figures[f"{label}: attempts"] = stats["requests"] / n
            figures[f"{label}: failed"] = len(errors)
            figures[f"{label}: seconds"] = elapsed
    result.details = {"n": n, "concurrency": CONCURRENCY, **figures}
    with_budget = figures["with budget: attempts"]
    result.add(
        Figure(
            name="attempts per call, with the retry budget",
            value=round(with_budget, 3),
            target="<= 1.2",
            met=with_budget <= 1.2,
            note=f"{n} calls, all failed: {figures['with budget: failed'] == n}",
        )
    )
    result.add(
        Figure(
            name="attempts per call, without it",
            value=round(figures["without budget: attempts"], 3),
            note=f"max_attempts={policy.max_attempts}",
        )
    )
    return result
