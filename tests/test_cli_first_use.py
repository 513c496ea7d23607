"""What a first-time user of the command line tripped on (issue 12), each as a subprocess run
against the sandbox: options anywhere, a refused token or a dead server that stops the job in
a few lines, sync's interrupted summary and whole-plan report, duplicate keys inside a file,
id files that hold phones, and the sandbox's own help."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from yandex_b2b_async.sandbox import Reply, Sandbox

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "employees.csv"
USERS = "/integration/2.0/users"
HEADER = "fullname,phone,email,is_active,cost_centers_id,nickname,department_id,limits\n"


def _env(sandbox: Sandbox | None, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("YANDEX_B2B_")}
    if sandbox is not None:
        env["YANDEX_B2B_TOKEN"] = sandbox.token
        env["YANDEX_B2B_BASE_URL"] = sandbox.url
    env.update(extra)
    return env


def _cli(
    *args: str | Path, sandbox: Sandbox | None = None, timeout: float = 120, **env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "yandex_b2b_async", *map(str, args)],
        capture_output=True,
        text=True,
        env=_env(sandbox, **env),
        cwd=ROOT,
        timeout=timeout,
        check=False,
    )


def _report(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _csv(tmp_path: Path, rows: Sequence[str], name: str = "users.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + "".join(row + "\n" for row in rows), encoding="utf-8")
    return path


def _rows(count: int, start: int = 0) -> list[str]:
    return [f"U{n},+7996{n:07d},,true,cc,,," for n in range(start, start + count)]


def _dead_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# -- 9: global options anywhere ------------------------------------------------------------


@pytest.mark.parametrize(
    "order",
    [
        ["users", "create", str(EXAMPLE), "--sandbox"],
        ["users", "--sandbox", "create", str(EXAMPLE)],
        ["--sandbox", "users", "create", str(EXAMPLE)],
    ],
    ids=["after the file", "after the group", "before the command"],
)
def test_sandbox_works_anywhere_on_the_line(order: list[str]) -> None:
    """`--sandbox` is a global option: before, inside or after the command."""
    done = _cli(*order)
    assert done.returncode == 0, done.stderr
    assert "created 20" in done.stdout


def test_the_token_and_base_url_work_after_the_file(tmp_path: Path, b2b_sandbox: Sandbox) -> None:
    """`--token` and `--base-url` after the file reach the client too."""
    done = _cli(
        "users",
        "create",
        EXAMPLE,
        "--token",
        b2b_sandbox.token,
        "--base-url",
        b2b_sandbox.url,
    )
    assert done.returncode == 0, done.stderr
    assert len(b2b_sandbox.users()) == 20


# -- 10: sandbox serve --help --------------------------------------------------------------


def test_sandbox_serve_help_names_the_command_it_was_called_as() -> None:
    """`yandex-b2b sandbox serve --help` names yandex-b2b; the module's own names itself."""
    ours = _cli("sandbox", "serve", "--help")
    assert ours.returncode == 0
    assert ours.stdout.startswith("usage: yandex-b2b sandbox serve")
    assert "--port" in ours.stdout
    module = subprocess.run(
        [sys.executable, "-m", "yandex_b2b_async.sandbox", "serve", "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert module.stdout.startswith("usage: python -m yandex_b2b_async.sandbox serve")


# -- 2, 3: a refused token, a dead server --------------------------------------------------


def test_a_wrong_token_stops_at_once_and_reports_the_rest_not_attempted(
    tmp_path: Path, b2b_sandbox: Sandbox
) -> None:
    """A 401 on a 300-row file: a few requests, every row NOT_ATTEMPTED (those the API refused
    were not carried out either), one line why naming the token's source, exit 1."""
    path = _csv(tmp_path, _rows(300))
    report = tmp_path / "report.jsonl"
    done = _cli(
        "users",
        "create",
        path,
        "--report",
        report,
        "--concurrency",
        "4",
        sandbox=b2b_sandbox,
        YANDEX_B2B_TOKEN="a-wrong-token",
    )
    assert done.returncode == 1
    sent = b2b_sandbox.stats.count("POST", USERS)
    assert sent <= 4
    lines = _report(report)
    assert len(lines) == 300
    codes = [line["error"]["code"] for line in lines]  # type: ignore[index]
    assert sent >= 1
    assert codes.count("NOT_ATTEMPTED") == 300
    (stop,) = done.stderr.splitlines()  # one line says why
    assert stop.startswith("stopped:")
    assert "401" in stop
    assert "YANDEX_B2B_TOKEN" in stop
    assert "not attempted" in done.stdout


def test_a_dead_server_stops_as_unreachable_in_a_handful_of_stderr_lines(tmp_path: Path) -> None:
    """2,000 rows against a closed port: stopped as unreachable with the journal hint, and
    stderr stays a handful of lines (no warning per row)."""
    path = _csv(tmp_path, _rows(2000))
    journal = tmp_path / "journal.jsonl"
    done = _cli(
        "users",
        "create",
        path,
        "--journal",
        journal,
        YANDEX_B2B_TOKEN="token-for-nobody",
        YANDEX_B2B_BASE_URL=f"http://127.0.0.1:{_dead_port()}",
        timeout=300,
    )
    assert done.returncode == 1
    assert len(done.stderr.splitlines()) <= 20, done.stderr
    (stop,) = [line for line in done.stderr.splitlines() if line.startswith("stopped:")]
    assert "unreachable" in stop
    assert "--journal" in stop
    assert "not attempted" in done.stdout


def test_retries_are_counted_in_the_summary_not_logged_per_call(
    tmp_path: Path, b2b_sandbox: Sandbox
) -> None:
    """503s that retries absorb show as counts in the summary, with no line per retry."""
    b2b_sandbox.faults.script("POST", USERS, [Reply(status=503) for _ in range(3)])
    done = _cli("users", "create", _csv(tmp_path, _rows(5)), sandbox=b2b_sandbox)
    assert done.returncode == 0, done.stderr
    assert "retried 3 calls: HTTP 503 3" in done.stdout
    assert done.stderr == ""


# -- 6: sync -------------------------------------------------------------------------------


def test_sync_without_apply_writes_the_whole_plan_to_the_report(
    tmp_path: Path, b2b_sandbox: Sandbox
) -> None:
    """`users sync --report PATH` writes one JSON line per planned action and applies none."""
    path = _csv(tmp_path, _rows(45))
    report = tmp_path / "plan.jsonl"
    done = _cli("users", "sync", path, "--report", report, sandbox=b2b_sandbox)
    assert done.returncode == 0, done.stderr
    lines = _report(report)
    assert [line["action"] for line in lines] == ["create"] * 45
    assert [line["line"] for line in lines] == list(range(2, 47))
    assert "… and 25 more" in done.stdout
    assert b2b_sandbox.users() == []


def test_an_interrupted_sync_prints_the_summary_and_the_rerun_hint(tmp_path: Path) -> None:
    """SIGINT during `users sync --apply`: exit 130, the INTERRUPTED summary, the hint."""
    with Sandbox() as sandbox:
        sandbox.faults.latency(0.3)
        path = _csv(tmp_path, _rows(40))
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "yandex_b2b_async",
                "users",
                "sync",
                str(path),
                "--apply",
                "--concurrency",
                "3",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(sandbox),
            cwd=ROOT,
        )
        deadline = time.monotonic() + 30
        while sandbox.stats.count("POST", USERS) < 4 and time.monotonic() < deadline:
            time.sleep(0.02)
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == 130
    assert "INTERRUPTED" in stdout
    assert "rerun" in stderr


# -- 7: duplicate keys inside a file -------------------------------------------------------


def test_a_phone_on_two_rows_fails_both_before_anything_is_sent(
    tmp_path: Path, b2b_sandbox: Sandbox
) -> None:
    """The dry run and the real run both refuse the two rows, each naming the other line."""
    path = _csv(
        tmp_path,
        [
            "A,+79990000001,,true,cc,,,",
            "B,+79990000002,,true,cc,,,",
            "C,+79990000001,,true,cc,,,",
        ],
    )
    report = tmp_path / "report.jsonl"
    dry = _cli("users", "create", path, "--dry-run", "--report", report, sandbox=b2b_sandbox)
    assert dry.returncode == 1
    by_line = {line["line"]: line for line in _report(report)}
    assert by_line[3]["ok"] is True
    assert "line 4" in by_line[2]["error"]["message"]  # type: ignore[index]
    assert "line 2" in by_line[4]["error"]["message"]  # type: ignore[index]
    real = _cli("users", "create", path, "--report", report, sandbox=b2b_sandbox)
    assert real.returncode == 1
    assert b2b_sandbox.stats.count("POST", USERS) == 1
    assert [user["phone"] for user in b2b_sandbox.users()] == ["+79990000002"]
    assert "+79990000001" not in real.stderr + real.stdout


def test_an_email_or_nickname_on_two_rows_is_a_duplicate_too(tmp_path: Path) -> None:
    """Emails and nicknames are unique in the API, so a repeat inside a file is refused."""
    path = _csv(
        tmp_path,
        [
            "A,+79990000001,a@example.com,true,cc,nick,,",
            "B,+79990000002,a@example.com,true,cc,,,",
            "C,+79990000003,,true,cc,nick,,",
        ],
    )
    report = tmp_path / "report.jsonl"
    done = _cli("--sandbox", "users", "create", path, "--dry-run", "--report", report)
    assert done.returncode == 1
    fields = {line["line"]: line["error"]["field"] for line in _report(report)}  # type: ignore[index]
    assert fields == {2: "email", 3: "email", 4: "nickname"}


# -- 8: archive files that hold phones -----------------------------------------------------


def test_archiving_a_file_of_phones_by_id_is_refused(tmp_path: Path, b2b_sandbox: Sandbox) -> None:
    """A `phone` header is not an id: exit 2, nothing sent, and the message offers --by phone."""
    b2b_sandbox.add_user(phone="+79990000001")
    path = tmp_path / "leavers.csv"
    path.write_text("phone\n+79990000001\n", encoding="utf-8")
    done = _cli("users", "archive", path, sandbox=b2b_sandbox)
    assert done.returncode == 2
    assert "--by phone" in done.stderr
    assert b2b_sandbox.stats.requests == 0


def test_a_phone_in_a_file_of_ids_fails_its_row_unsent(
    tmp_path: Path, b2b_sandbox: Sandbox
) -> None:
    """A headerless file of phones: each row fails as 'a phone, not a user id'."""
    path = tmp_path / "leavers.txt"
    path.write_text("+79990000001\n", encoding="utf-8")
    report = tmp_path / "report.jsonl"
    done = _cli("users", "archive", path, "--report", report, sandbox=b2b_sandbox)
    assert done.returncode == 1
    (line,) = _report(report)
    assert "--by phone" in line["error"]["message"]  # type: ignore[index]
    assert b2b_sandbox.stats.requests == 0


def test_archive_by_phone_archives_the_one_active_employee_and_fails_the_others(
    tmp_path: Path, b2b_sandbox: Sandbox
) -> None:
    """--by phone: one match is archived; no match and several matches fail their rows."""
    one = b2b_sandbox.add_user(phone="+79990000001")
    b2b_sandbox.add_user(phone="+79990000003", is_deleted=True)
    path = tmp_path / "leavers.csv"
    path.write_text("phone\n+79990000001\n+79990000002\n+79990000003\n", encoding="utf-8")
    report = tmp_path / "report.jsonl"
    done = _cli("users", "archive", path, "--by", "phone", "--report", report, sandbox=b2b_sandbox)
    assert done.returncode == 1
    by_line = {line["line"]: line for line in _report(report)}
    assert by_line[2]["ok"] is True
    assert by_line[2]["user_id"] == one
    assert by_line[3]["error"]["code"] == "NO_EMPLOYEE_WITH_PHONE"  # type: ignore[index]
    assert by_line[4]["error"]["code"] == "NO_EMPLOYEE_WITH_PHONE"  # type: ignore[index]
    assert b2b_sandbox.user(one)["is_deleted"] is True


def test_restore_by_phone_refuses_a_phone_with_several_archived_employees(
    tmp_path: Path, b2b_sandbox: Sandbox
) -> None:
    """Two archived employees with one phone: the row fails naming both ids, none restored."""
    first = b2b_sandbox.add_user(phone="+79990000001", is_deleted=True)
    second = b2b_sandbox.add_user(phone="+79990000001", is_deleted=True)
    path = tmp_path / "returners.txt"
    path.write_text("+79990000001\n", encoding="utf-8")
    report = tmp_path / "report.jsonl"
    done = _cli("users", "restore", path, "--by", "phone", "--report", report, sandbox=b2b_sandbox)
    assert done.returncode == 1
    (line,) = _report(report)
    error = line["error"]
    assert error["code"] == "SEVERAL_EMPLOYEES_WITH_PHONE"  # type: ignore[index]
    assert first in error["message"]  # type: ignore[index]
    assert second in error["message"]  # type: ignore[index]
    assert b2b_sandbox.user(first)["is_deleted"]
    assert b2b_sandbox.user(second)["is_deleted"]


# -- 11: Russian booleans ------------------------------------------------------------------


def test_a_russian_excel_file_creates_its_rows(tmp_path: Path) -> None:
    """ИСТИНА / ЛОЖЬ / да / нет in is_active are read as booleans."""
    path = _csv(
        tmp_path,
        [
            "A,+79990000001,,ИСТИНА,cc,,,",
            "B,+79990000002,,ЛОЖЬ,cc,,,",
            "C,+79990000003,,да,cc,,,",
            "D,+79990000004,,нет,cc,,,",
        ],
    )
    done = _cli("--sandbox", "users", "create", path)
    assert done.returncode == 0, done.stderr
    assert "created 4" in done.stdout
