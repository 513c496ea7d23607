"""Log lines: the JSON formatter, and the command line's --log-level and --log-json."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

from yandex_b2b_async._logs import JsonFormatter, call_extra, install_handler, remove_handler
from yandex_b2b_async.sandbox import Reply, Sandbox


def test_a_json_line_carries_the_call_and_the_attempt() -> None:
    """A record with call/attempt extras becomes one JSON object with those fields."""
    record = logging.LogRecord(
        "yandex_b2b_async.request",
        logging.INFO,
        __file__,
        1,
        "%s attempt %d",
        ("POST /users", 2),
        None,
    )
    record.__dict__.update(call_extra("POST /users", 2))
    line = json.loads(JsonFormatter().format(record))
    assert line["level"] == "info"
    assert line["logger"] == "yandex_b2b_async.request"
    assert line["message"] == "POST /users attempt 2"
    assert line["call"] == "POST /users"
    assert line["attempt"] == 2
    assert line["time"].endswith("+00:00")


def test_a_json_line_holds_a_traceback_as_one_field() -> None:
    """An exception's traceback is the line's ``exception`` field, still one line."""
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        record = logging.LogRecord(
            "yandex_b2b_async",
            logging.ERROR,
            __file__,
            1,
            "failed",
            (),
            sys.exc_info(),
        )
    text = JsonFormatter().format(record)
    assert "\n" not in text
    assert "RuntimeError: boom" in json.loads(text)["exception"]


def test_the_handler_sends_the_library_lines_at_the_level_and_above() -> None:
    """install_handler at info: an info line of a child logger is written, a debug one is not."""
    stream = io.StringIO()
    handler = install_handler("info", json=True, stream=stream)
    try:
        logging.getLogger("yandex_b2b_async.retry").info("shown", extra=call_extra("GET /users", 1))
        logging.getLogger("yandex_b2b_async.request").debug("hidden")
    finally:
        remove_handler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["message"] for line in lines] == ["shown"]
    assert lines[0]["call"] == "GET /users"


def _cli(*args: str | Path, sandbox: Sandbox) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("YANDEX_B2B_")}
    env["YANDEX_B2B_TOKEN"] = sandbox.token
    env["YANDEX_B2B_BASE_URL"] = sandbox.url
    return subprocess.run(
        [sys.executable, "-m", "yandex_b2b_async", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_the_cli_writes_json_log_lines_naming_the_call_and_the_attempt(
    tmp_path: Path, b2b_sandbox: Sandbox
) -> None:
    """--log-level info --log-json: a retried archive's lines are JSON on stderr, each naming
    the call and the attempt, and the token is in none of them."""
    b2b_sandbox.faults.script("POST", "/integration/2.0/users/archive", [Reply(status=503)])
    ids = tmp_path / "ids.txt"
    ids.write_text("user-1\n", encoding="utf-8")
    done = _cli("--log-level", "info", "--log-json", "users", "archive", ids, sandbox=b2b_sandbox)
    lines = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    retry = [line for line in lines if line["logger"] == "yandex_b2b_async.retry"]
    assert retry, done.stderr
    assert retry[0]["level"] == "info"
    assert retry[0]["call"] == "POST /users/archive"
    assert retry[0]["attempt"] == 1
    assert all(line["logger"].startswith("yandex_b2b_async") for line in lines)
    assert b2b_sandbox.token not in done.stderr


def test_the_cli_logs_each_attempt_at_debug(tmp_path: Path, b2b_sandbox: Sandbox) -> None:
    """--log-level debug shows one request line per attempt, with its status."""
    b2b_sandbox.faults.script("POST", "/integration/2.0/users/archive", [Reply(status=503)])
    ids = tmp_path / "ids.txt"
    ids.write_text("user-1\n", encoding="utf-8")
    done = _cli("--log-level", "debug", "--log-json", "users", "archive", ids, sandbox=b2b_sandbox)
    lines = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    attempts = [line for line in lines if line["logger"] == "yandex_b2b_async.request"]
    assert [line["attempt"] for line in attempts] == [1, 2]
    assert {line["call"] for line in attempts} == {"POST /users/archive"}
    assert "503" in attempts[0]["message"]


def test_without_log_options_the_cli_prints_no_info_lines(
    tmp_path: Path, b2b_sandbox: Sandbox
) -> None:
    """By default a retry (INFO) is not printed."""
    b2b_sandbox.faults.script("POST", "/integration/2.0/users/archive", [Reply(status=503)])
    ids = tmp_path / "ids.txt"
    ids.write_text("user-1\n", encoding="utf-8")
    done = _cli("users", "archive", ids, sandbox=b2b_sandbox)
    assert "retrying" not in done.stderr


def test_the_log_options_may_follow_the_file(tmp_path: Path, b2b_sandbox: Sandbox) -> None:
    """--log-level and --log-json after the command's file work as before it."""
    b2b_sandbox.faults.script("POST", "/integration/2.0/users/archive", [Reply(status=503)])
    ids = tmp_path / "ids.txt"
    ids.write_text("user-1\n", encoding="utf-8")
    done = _cli("users", "archive", ids, "--log-level", "info", "--log-json", sandbox=b2b_sandbox)
    lines = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    assert any(line["logger"] == "yandex_b2b_async.retry" for line in lines), done.stderr
