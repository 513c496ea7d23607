"""Several `yandex-b2b` runs at once: one quota through --redis-url, and one owner per journal.

Each run is a subprocess of the real command line, against a sandbox on loopback and a real
redis-server.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

from tests._redis import RedisServer
from yandex_b2b_async.sandbox import Sandbox

ROOT = Path(__file__).resolve().parent.parent
USERS = "/integration/2.0/users"


def _env(sandbox: Sandbox, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("YANDEX_B2B_")}
    env["YANDEX_B2B_TOKEN"] = sandbox.token
    env["YANDEX_B2B_BASE_URL"] = sandbox.url
    env.update(extra)
    return env


def _start(sandbox: Sandbox, *args: str | Path, **extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "yandex_b2b_async", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(sandbox, **extra),
        cwd=ROOT,
    )


def _ids_file(tmp_path: Path, sandbox: Sandbox, name: str, count: int, first: int) -> Path:
    ids = [
        sandbox.add_user(phone=f"+7999{first + n:07d}", fullname=f"Worker {n}")
        for n in range(count)
    ]
    path = tmp_path / name
    path.write_text("".join(f"{user_id}\n" for user_id in ids), encoding="utf-8")
    return path


def test_two_runs_with_one_redis_share_the_rate(tmp_path: Path, redis_server: RedisServer) -> None:
    """Two runs at --rate 10 with the same --redis-url send 10 calls a second between them."""
    key = f"test-{uuid.uuid4().hex}"
    with Sandbox() as sandbox:
        files = [_ids_file(tmp_path, sandbox, f"part{n}.txt", 10, n * 100) for n in range(2)]
        started = time.monotonic()
        runs = [
            _start(
                sandbox, "users", "archive", path, "--rate", "10", "--redis-key", key,
                YANDEX_B2B_REDIS_URL=redis_server.url,
            )
            for path in files
        ]  # fmt: skip
        outputs = [run.communicate(timeout=60) for run in runs]
        elapsed = time.monotonic() - started
    assert [run.returncode for run in runs] == [0, 0], outputs
    # 20 calls at 10/s with a burst of 1: at least 1.9 s, where unshared runs take about 0.9 s.
    assert elapsed >= 1.9


def test_a_run_cannot_take_a_journal_another_run_holds(tmp_path: Path) -> None:
    """A second run on a journal in use is refused (exit 2) naming the owner's pid and host."""
    journal = tmp_path / "shared.journal"
    with Sandbox() as sandbox:
        slow = _ids_file(tmp_path, sandbox, "slow.txt", 30, 0)
        other = _ids_file(tmp_path, sandbox, "other.txt", 3, 500)
        owner = _start(sandbox, "users", "archive", slow, "--rate", "2", "--journal", journal)
        try:
            deadline = time.monotonic() + 30
            while sandbox.stats.count("POST", f"{USERS}/archive") < 1:
                assert time.monotonic() < deadline
                time.sleep(0.02)
            before = sandbox.stats.requests
            second = subprocess.run(
                [sys.executable, "-m", "yandex_b2b_async", "users", "archive", str(other),
                 "--journal", str(journal)],
                capture_output=True, text=True, env=_env(sandbox), cwd=ROOT, timeout=60,
                check=False,
            )  # fmt: skip
            sent_meanwhile = sandbox.stats.count("POST", f"{USERS}/archive")
        finally:
            owner.send_signal(signal.SIGINT)
            owner.communicate(timeout=30)
    assert second.returncode == 2
    assert f"pid {owner.pid} on host {socket.gethostname()}" in second.stderr
    assert sandbox.stats.requests >= before
    assert sent_meanwhile < 30


def test_ctrl_c_ends_a_run_waiting_on_the_shared_quota_at_once(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    """SIGINT while calls queue for a slow shared quota: the run ends within a second, 130."""
    with Sandbox() as sandbox:
        path = _ids_file(tmp_path, sandbox, "ids.txt", 40, 0)
        run = _start(
            sandbox, "users", "archive", path, "--rate", "1", "--concurrency", "8",
            "--redis-url", redis_server.url, "--redis-key", f"test-{uuid.uuid4().hex}",
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while sandbox.stats.count("POST", f"{USERS}/archive") < 2:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        interrupted = time.monotonic()
        run.send_signal(signal.SIGINT)
        stdout, stderr = run.communicate(timeout=30)
        took = time.monotonic() - interrupted
        sent = sandbox.stats.count("POST", f"{USERS}/archive")
    assert run.returncode == 130, stderr
    assert "INTERRUPTED" in stdout
    assert took < 1.5
    assert sent <= 3


def test_redis_url_without_a_rate_is_a_usage_error(tmp_path: Path) -> None:
    """--redis-url shares --rate: given alone it is refused (exit 2) before anything is sent."""
    ids = tmp_path / "ids.txt"
    ids.write_text("u-1\n", encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if not key.startswith("YANDEX_B2B_")}
    done = subprocess.run(
        [sys.executable, "-m", "yandex_b2b_async", "--sandbox", "users", "archive", str(ids),
         "--redis-url", "redis://127.0.0.1:1/0"],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert "--redis-url shares the --rate quota" in done.stderr
