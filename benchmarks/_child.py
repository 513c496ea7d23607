"""A server the benchmarks run in a child process, and the parent's handle on it.

The server must not share the client's event loop (or its CPU time slices), so a workload
starts it as ``python -m MODULE``. The child first prints one JSON line saying where it listens
(or ``{"error": …}``); then for every ``{"op": NAME, "args": {…}}`` line on its stdin it prints
``{"ok": true, "result": …}`` or ``{"ok": false, "error": …}``. EOF on stdin stops it.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from types import TracebackType
from typing import ClassVar, Final

__all__ = ["ChildServer"]

_REPO: Final = Path(__file__).resolve().parent.parent


class ChildServer:
    """The parent's handle: a subclass names the child's ``module`` and what it is (``what``,
    for messages) and reads the first line :meth:`_start` returns in its ``__aenter__``."""

    module: ClassVar[str]
    what: ClassVar[str]

    def __init__(self) -> None:
        self._process: asyncio.subprocess.Process | None = None

    async def _start(self) -> dict[str, object]:
        """Start the child; its first line."""
        self._process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            self.module,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            cwd=str(_REPO),
            env={**os.environ, "PYTHONPATH": str(_REPO)},
            limit=16 * 1024 * 1024,
        )
        return await self._read()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.stdin is not None:
            process.stdin.close()
        try:
            await asyncio.wait_for(process.wait(), 10)
        except TimeoutError:
            process.kill()
            await process.wait()

    @property
    def pid(self) -> int:
        """The child's process id (for its RSS)."""
        assert self._process is not None
        return self._process.pid

    async def call(self, op: str, **args: object) -> object:
        """Run one command in the child and return its result."""
        process = self._process
        assert process is not None
        assert process.stdin is not None
        process.stdin.write(json.dumps({"op": op, "args": args}).encode() + b"\n")
        await process.stdin.drain()
        answer = await self._read()
        if not answer.get("ok"):
            raise RuntimeError(f"{self.what} {op!r} failed: {answer.get('error')}")
        return answer.get("result")

    async def _read(self) -> dict[str, object]:
        process = self._process
        assert process is not None
        assert process.stdout is not None
        line = await process.stdout.readline()
        if not line:
            return {"error": f"the {self.what} process exited"}
        message = json.loads(line)
        assert isinstance(message, dict)
        return message
