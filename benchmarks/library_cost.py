"""The library's own CPU per call, the network taken out: ``python -m benchmarks.library_cost``.

A canned-answer stand-in for ``aiohttp.ClientSession`` (passed as ``session=``, which every
version of the client takes) answers each ``users.patch`` with an empty 200 at once, so what is
timed is only what the library adds to a call: validation, the converter, the request path,
the pacer's free token and the decoding. Every call names a different employee, as a bulk run
does: yarl caches the URLs it parsed, so one id repeated would hide what parsing a URL costs.
Run it with two checkouts' interpreters one after the other to compare a change to the request
path; the figure is the best of seven rounds of process CPU time, so that other work on a
shared machine disturbs it little.
"""

from __future__ import annotations

import asyncio
import time
from types import TracebackType
from typing import Any

from yandex_b2b_async import B2BClient, UserPatch

_ROUNDS = 7
_CALLS = 20_000


class _Content:
    async def read(self, n: int = -1) -> bytes:
        return b""

    def at_eof(self) -> bool:
        return True


class _Reply:
    status = 200
    content_length = 0
    headers: dict[str, str] = {}

    def __init__(self) -> None:
        self.content = _Content()

    async def __aenter__(self) -> _Reply:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        return None


class _CannedSession:
    closed = False

    def request(self, *args: Any, **kwargs: Any) -> _Reply:
        return _Reply()

    async def close(self) -> None:
        return None


async def library_cost(calls: int = _CALLS) -> float:
    """Microseconds of process CPU per ``users.patch`` call, best of the rounds."""
    session: Any = _CannedSession()
    client = B2BClient("canned-token", session=session)
    patch = UserPatch(nickname="x", cost_centers_id="cc")
    for i in range(calls // 10):  # warm up
        await client.users.patch(f"warm{i}", patch)
    best = float("inf")
    for round_number in range(_ROUNDS):
        ids = [f"{round_number}u{i:08d}" for i in range(calls)]
        started = time.process_time()
        for user_id in ids:
            await client.users.patch(user_id, patch)
        best = min(best, (time.process_time() - started) / calls * 1e6)
    await client.close()
    return best


if __name__ == "__main__":
    print(f"library cost: {asyncio.run(library_cost()):.2f} µs of CPU per call")
