"""A real ``redis-server`` on a free loopback port, for the shared-pacing tests.

No fake Redis: the pacing scripts are Lua that only a real server runs. A test that needs one
is skipped, with the reason, only when the ``redis-server`` binary is missing (``.ci/run``
installs Debian's package).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

SKIP_REASON = (
    "redis-server is not installed (apt-get install redis-server): the shared-pacing tests "
    "run their Lua scripts on a real server"
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RedisServer:
    """``redis-server --port N --save '' --appendonly no`` in a temporary directory.

    :meth:`stop` and :meth:`start` again keep the port, so a client can see Redis go away and
    come back; :meth:`pause` makes it answer nothing for a while (``CLIENT PAUSE``).
    """

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.skip(SKIP_REASON)
        self._binary = binary
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._dir = tempfile.TemporaryDirectory(prefix="b2b-redis-")
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        self._process = subprocess.Popen(
            [
                self._binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self._dir.name,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if self.command("PING") == "+PONG":
                    return
            except OSError:
                time.sleep(0.01)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        """Kill the server (as a crash would) and wait for it to end."""
        process, self._process = self._process, None
        if process is not None:
            process.kill()
            process.wait()

    def close(self) -> None:
        """Stop the server and remove its directory."""
        self.stop()
        self._dir.cleanup()

    def pause(self, seconds: float) -> None:
        """Make the server answer no client command for ``seconds`` (a slow Redis)."""
        self.command(f"CLIENT PAUSE {int(seconds * 1000)} ALL")

    def command(self, line: str) -> str:
        """Send one inline command over a fresh connection; the first line of the reply."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=2) as conn:
            conn.sendall(line.encode() + b"\r\n")
            reply = b""
            while not reply.endswith(b"\r\n"):
                piece = conn.recv(4096)
                if not piece:
                    break
                reply += piece
        return reply.decode().split("\r\n", 1)[0]

    def keys(self, pattern: str) -> list[str]:
        """The names of the keys matching ``pattern`` (``KEYS``)."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=2) as conn:
            conn.sendall(f"KEYS {pattern}\r\n".encode())
            reader = conn.makefile("rb")
            head = reader.readline()
            assert head.startswith(b"*"), head
            names = []
            for _ in range(int(head[1:])):
                size = int(reader.readline()[1:])
                names.append(reader.read(size + 2)[:-2].decode())
        return names

    @property
    def directory(self) -> Path:
        """The server's working directory."""
        return Path(self._dir.name)
