"""The benchmarks' sandbox, served from a child process, and the parent's handle on it.

The server must not share the client's event loop (or its CPU time slices), so each workload
starts this module as a child process: ``python -m benchmarks._server``. The child serves a
:class:`~yandex_b2b_async.sandbox.Sandbox` on loopback and answers admin commands, one JSON line
each, on its stdin/stdout: configure faults, read and reset the counters, count employees. The
standalone ``python -m yandex_b2b_async.sandbox serve`` takes its faults only at start and
offers no way to read its counters from another process, hence this small launcher.

Protocol: the child first prints ``{"url": …, "token": …, "cost_center_id": …}`` (or
``{"error": …}``); then for every ``{"op": NAME, "args": {…}}`` line it prints
``{"ok": true, "result": …}`` or ``{"ok": false, "error": …}``. EOF on stdin stops it. The token
is a sandbox token that only this pipe carries; it is never printed by the benchmarks.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import sys
from collections import Counter
from collections.abc import Callable
from typing import Self

from ._child import ChildServer

__all__ = ["NotRun", "ServerProcess"]


JSON = dict[str, object]


class NotRun(Exception):
    """A workload could not run (a missing piece); the message says why."""


# --- the child --------------------------------------------------------------------------------


def _admin(sandbox: object) -> dict[str, Callable[..., object]]:
    from yandex_b2b_async.sandbox import Sandbox

    assert isinstance(sandbox, Sandbox)
    faults, stats = sandbox.faults, sandbox.stats

    def stats_view() -> JSON:
        return {
            "requests": stats.requests,
            "throttled": stats.throttled,
            "dropped_before": stats.dropped_before,
            "dropped_after": stats.dropped_after,
            "max_in_flight": stats.max_in_flight,
            "by_status": {str(k): v for k, v in stats.by_status.items()},
            "by_path": dict(stats.by_path),
        }

    def census(prefix: str) -> JSON:
        """Active employees whose phone starts with ``prefix``: how many, how many phones."""
        client = sandbox.state.client(sandbox.client_id)
        per_phone: Counter[str] = Counter(
            employee.phone
            for employee in client.users.values()
            if not employee.is_deleted and employee.phone.startswith(prefix)
        )
        return {
            "employees": sum(per_phone.values()),
            "phones": len(per_phone),
            "duplicates": sum(count - 1 for count in per_phone.values() if count > 1),
        }

    def orders_census() -> JSON:
        """Taxi orders of the client: how many, how many distinct calls (by comment), and
        duplicates (orders beyond one per call)."""
        per_call: Counter[str] = Counter(
            order.comment or "" for order in sandbox.services.taxi.census(sandbox.client_id)
        )
        return {
            "orders": sum(per_call.values()),
            "calls": len(per_call),
            "duplicates": sum(count - 1 for count in per_call.values() if count > 1),
        }

    def rss() -> JSON:
        return {"max_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}

    def script_503(method: str, path: str, retry_after: float) -> None:
        """The next ``method path`` request is answered 503 with ``Retry-After``."""
        from yandex_b2b_async.sandbox.faults import Reply

        faults.script(
            method, path, [Reply(status=503, headers={"Retry-After": f"{retry_after:g}"})]
        )

    return {
        "rate_limit": faults.rate_limit,
        "outage": faults.outage,
        "random": faults.random,
        "latency": faults.latency,
        "clear": faults.clear,
        "stats": stats_view,
        "reset_stats": sandbox.reset_stats,
        "census": census,
        "orders_census": orders_census,
        "rss": rss,
        "script_503": script_503,
    }


async def _child_main() -> None:
    from yandex_b2b_async.sandbox import Sandbox

    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)

    def say(message: JSON) -> None:
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()

    # No request log: 100,000 logged bodies would cost the server time the client would see.
    async with Sandbox(seed=int(os.environ.get("BENCH_SEED", "1")), log_limit=0) as sandbox:
        say({"url": sandbox.url, "token": sandbox.token, "cost_center_id": sandbox.cost_center_id})
        ops = _admin(sandbox)
        while line := await reader.readline():
            command = json.loads(line)
            try:
                result = ops[command["op"]](**command.get("args", {}))
                say({"ok": True, "result": result})
            except Exception as exc:  # reported to the parent, which raises it there
                say({"ok": False, "error": f"{type(exc).__name__}: {exc}"})


# --- the parent's handle ----------------------------------------------------------------------


class ServerProcess(ChildServer):
    """A sandbox in a child process: ``async with ServerProcess() as server: server.url …``.

    Raises :class:`NotRun` when the child cannot start a sandbox.
    """

    url: str
    token: str
    cost_center_id: str

    module = "benchmarks._server"
    what = "sandbox"

    async def __aenter__(self) -> Self:
        first = await self._start()
        if "error" in first or "url" not in first:
            await self.__aexit__(None, None, None)
            raise NotRun(f"the sandbox did not start: {first.get('error', first)}")
        self.url = str(first["url"])
        self.token = str(first["token"])
        self.cost_center_id = str(first["cost_center_id"])
        return self

    async def stats(self) -> dict[str, int]:
        """The sandbox's counters: requests, throttled, dropped_before, dropped_after, …"""
        result = await self.call("stats")
        assert isinstance(result, dict)
        return {k: v for k, v in result.items() if isinstance(v, int)}

    async def by_status(self) -> dict[int, int]:
        """Answers sent per HTTP status since the last reset."""
        result = await self.call("stats")
        assert isinstance(result, dict)
        statuses = result["by_status"]
        assert isinstance(statuses, dict)
        return {int(k): int(v) for k, v in statuses.items()}

    async def census(self, prefix: str) -> dict[str, int]:
        """Active employees with a phone starting with ``prefix``: employees, phones, duplicates."""
        result = await self.call("census", prefix=prefix)
        assert isinstance(result, dict)
        return {k: int(v) for k, v in result.items()}

    async def orders_census(self) -> dict[str, int]:
        """Taxi orders of the client: orders, distinct calls, duplicates."""
        result = await self.call("orders_census")
        assert isinstance(result, dict)
        return {k: int(v) for k, v in result.items()}


if __name__ == "__main__":
    try:
        asyncio.run(_child_main())
    except Exception as exc:
        sys.stdout.write(json.dumps({"error": f"{type(exc).__name__}: {exc}"}) + "\n")
        sys.stdout.flush()
        raise SystemExit(1) from exc
