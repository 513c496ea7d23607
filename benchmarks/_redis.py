"""A throwaway ``redis-server`` on a free loopback port, for the shared-pacing workload."""

from __future__ import annotations

import asyncio
import shutil
import socket
import tempfile
from types import TracebackType
from typing import Self

from ._server import NotRun

__all__ = ["RedisProcess"]


class RedisProcess:
    """``async with RedisProcess() as redis: redis.url``; :class:`NotRun` without the binary or
    redis-py (``apt-get install redis-server``, ``pip install 'yandex_b2b_async[redis]'``)."""

    url: str

    def __init__(self) -> None:
        self._process: asyncio.subprocess.Process | None = None
        self._dir: tempfile.TemporaryDirectory[str] | None = None

    async def __aenter__(self) -> Self:
        binary = shutil.which("redis-server")
        if binary is None:
            raise NotRun("redis-server is not installed (apt-get install redis-server)")
        try:
            import redis  # noqa: F401
        except ImportError:
            raise NotRun("redis-py is missing: pip install 'yandex_b2b_async[redis]'") from None
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        self._dir = tempfile.TemporaryDirectory(prefix="b2b-bench-redis-")
        self._process = await asyncio.create_subprocess_exec(
            binary,
            *("--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"),
            *("--dir", self._dir.name),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        self.url = f"redis://127.0.0.1:{port}/0"
        for _ in range(500):
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                await asyncio.sleep(0.01)
                continue
            writer.close()
            await writer.wait_closed()
            return self
        await self.__aexit__(None, None, None)
        raise NotRun(f"redis-server did not start on port {port}")

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        process, self._process = self._process, None
        if process is not None and process.returncode is None:
            process.kill()
            await process.wait()
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None
