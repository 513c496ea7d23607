"""The yandex-b2b command line, run as a subprocess against the sandbox: reports, exit codes,
refused files, dry runs, resuming from a journal, interruption, and a token that never shows."""

from __future__ import annotations

import json
import os
import signal
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


def _env(sandbox: Sandbox | None) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("YANDEX_B2B_")}
    if sandbox is not None:
        env["YANDEX_B2B_TOKEN"] = sandbox.token
        env["YANDEX_B2B_BASE_URL"] = sandbox.url
    return env


def _cli(
    *args: str | Path, sandbox: Sandbox | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "yandex_b2b_async", *map(str, args)],
        capture_output=True,
        text=True,
        env=_env(sandbox),
        cwd=ROOT,
        timeout=timeout,
        check=False,
    )


def _report(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _csv(tmp_path: Path, rows: Sequence[str]) -> Path:
    path = tmp_path / "users.csv"
    path.write_text(HEADER + "".join(row + "\n" for row in rows), encoding="utf-8")
    return path


def test_the_readme_command_creates_the_sample_file_in_an_embedded_sandbox(
    tmp_path: Path,
) -> None:
    """`--sandbox users create examples/employees.csv` creates all 20 rows and exits 0."""
    report = tmp_path / "report.jsonl"
    done = _cli("--sandbox", "users", "create", EXAMPLE, "--report", report)
    assert done.returncode == 0, done.stderr
    lines = _report(report)
    assert sorted(line["line"] for line in lines) == list(range(2, 22))  # type: ignore[type-var]
    assert all(line["ok"] is True and line["id"] for line in lines)
    assert "created 20" in done.stdout


def test_a_bad_row_is_a_failed_row_and_the_others_are_sent(
    tmp_path: Path, b2b_sandbox: Sandbox
) -> None:
    """A row failing validation is reported with its line and field; exit code 1."""
    path = _csv(
        tmp_path,
        [
            "A,+79990000001,,true,cc-1,,,",
            "B,not-a-phone,,true,cc-1,,,",
            "C,+79990000003,,true,cc-1,,,taxi:lim-1",
        ],
    )
    report = tmp_path / "report.jsonl"
    done = _cli("users", "create", path, "--report", report, sandbox=b2b_sandbox)
    assert done.returncode == 1, done.stderr
    by_line = {line["line"]: line for line in _report(report)}
    assert by_line[2]["ok"] is True
    assert by_line[4]["ok"] is True
    assert by_line[3]["ok"] is False
    assert by_line[3]["error"] == {
        "code": "VALIDATION_ERROR",
        "message": by_line[3]["error"]["message"],  # type: ignore[index]
        "status": None,
        "field": "phone",
    }
    assert b2b_sandbox.stats.count("POST", USERS) == 2
    assert "VALIDATION_ERROR 1" in done.stdout
    assert "line 3" in done.stderr


def test_an_active_employee_is_a_conflict_naming_the_existing_id(
    tmp_path: Path, b2b_sandbox: Sandbox
) -> None:
    """A row whose phone belongs to an active employee fails with the existing id, untouched."""
    existing = b2b_sandbox.add_user(phone="+79990000001", fullname="Keep")
    path = _csv(tmp_path, ["Other,+79990000001,,true,cc-1,,,"])
    report = tmp_path / "report.jsonl"
    done = _cli("users", "create", path, "--report", report, sandbox=b2b_sandbox)
    assert done.returncode == 1
    (line,) = _report(report)
    assert line["error"]["conflict_user_id"] == existing  # type: ignore[index]
    assert line["error"]["status"] == 406  # type: ignore[index]
    assert b2b_sandbox.user(existing)["fullname"] == "Keep"


@pytest.mark.parametrize(
    ("content", "named"),
    [
        (b"fullname,phone,is_active,costcenter\n", "column 4"),
        (b"fullname,phone,cost_centers_id\nA,+79990000001,cc\n", "is_active"),
        (HEADER.encode() + b"A,+79990000001,,1,cc,,,\n\xff,+7,,1,cc,,,\n", "line 3, column 1"),
    ],
    ids=["unknown column", "missing column", "bad encoding"],
)
def test_a_refused_file_exits_2_and_sends_nothing(
    tmp_path: Path, b2b_sandbox: Sandbox, content: bytes, named: str
) -> None:
    """Unknown or missing columns and bad encoding are refused before any request."""
    path = tmp_path / "users.csv"
    path.write_bytes(content)
    done = _cli("users", "create", path, sandbox=b2b_sandbox)
    assert done.returncode == 2
    assert named in done.stderr
    assert b2b_sandbox.stats.requests == 0


def test_a_dry_run_validates_and_sends_nothing(tmp_path: Path, b2b_sandbox: Sandbox) -> None:
    """--dry-run reports each row's validity and makes no request."""
    path = _csv(tmp_path, ["A,+79990000001,,true,cc-1,,,", "B,bad,,true,cc-1,,,"])
    report = tmp_path / "report.jsonl"
    done = _cli("users", "create", path, "--dry-run", "--report", report, sandbox=b2b_sandbox)
    assert done.returncode == 1
    assert [line["ok"] for line in _report(report)] == [True, False]
    assert b2b_sandbox.stats.requests == 0


def test_a_rerun_with_the_journal_skips_the_rows_that_succeeded(
    tmp_path: Path, b2b_sandbox: Sandbox
) -> None:
    """The second run with the same --journal sends nothing for rows already created."""
    journal = tmp_path / "journal.jsonl"
    report = tmp_path / "report.jsonl"
    assert (
        _cli("users", "create", EXAMPLE, "--journal", journal, sandbox=b2b_sandbox).returncode == 0
    )
    b2b_sandbox.reset_stats()
    done = _cli(
        "users", "create", EXAMPLE, "--journal", journal, "--report", report, sandbox=b2b_sandbox
    )
    assert done.returncode == 0, done.stderr
    assert b2b_sandbox.stats.count("POST", USERS) == 0
    assert {line["outcome"] for line in _report(report)} == {"skipped"}
    assert len(b2b_sandbox.users()) == 20


def test_a_rerun_finishes_a_row_whose_create_reply_was_lost(
    tmp_path: Path, b2b_sandbox: Sandbox
) -> None:
    """A row whose create happened with its reply lost is done on the journal's rerun."""
    path = _csv(tmp_path, ["A,+79990000001,,true,cc-1,,,"])
    journal = tmp_path / "journal.jsonl"
    # The create is carried out but its reply lost; the retry is refused for another reason,
    # so the first run ends with the row failed although its employee exists.
    b2b_sandbox.faults.script(
        "POST", USERS, [Reply.drop_after(), Reply(status=400, body={"code": "X", "message": "x"})]
    )
    first = _cli("users", "create", path, "--journal", journal, sandbox=b2b_sandbox)
    assert first.returncode == 1, first.stdout
    report = tmp_path / "report.jsonl"
    second = _cli(
        "users", "create", path, "--journal", journal, "--report", report, sandbox=b2b_sandbox
    )
    assert second.returncode == 0, second.stdout + second.stderr
    [line] = _report(report)
    assert line["ok"] is True
    assert [user["id"] for user in b2b_sandbox.users()] == [line["id"]]


def test_archive_then_restore_from_files(tmp_path: Path, b2b_sandbox: Sandbox) -> None:
    """`users archive` reads ids one per line, `users restore` a CSV with a user_id column."""
    ids = [b2b_sandbox.add_user(phone=f"+7999000000{n}") for n in range(3)]
    (tmp_path / "ids.txt").write_text("\n".join(ids) + "\n")
    (tmp_path / "ids.csv").write_text("user_id,note\n" + "".join(f"{i},x\n" for i in ids))
    archived = _cli(
        "users", "archive", tmp_path / "ids.txt", "--concurrency", "2", sandbox=b2b_sandbox
    )
    assert archived.returncode == 0, archived.stderr
    assert all(b2b_sandbox.user(user_id)["is_deleted"] for user_id in ids)
    restored = _cli("users", "restore", tmp_path / "ids.csv", sandbox=b2b_sandbox)
    assert restored.returncode == 0, restored.stderr
    assert not any(b2b_sandbox.user(user_id)["is_deleted"] for user_id in ids)
    assert "archived 3" in archived.stdout
    assert "restored 3" in restored.stdout


def test_departments_archive_takes_ids_as_arguments(tmp_path: Path, b2b_sandbox: Sandbox) -> None:
    """Each ID is archived with its subtree; an unknown one fails that row only (exit 1)."""
    parent = b2b_sandbox.add_department("Sales")
    child = b2b_sandbox.add_department("Sales EU", parent_id=parent)
    report = tmp_path / "report.jsonl"
    done = _cli("departments", "archive", parent, "nope", "--report", report, sandbox=b2b_sandbox)
    assert done.returncode == 1
    by_line = {line["line"]: line for line in _report(report)}
    assert set(by_line[1]["deleted_ids"]) == {parent, child}  # type: ignore[call-overload]
    assert by_line[2]["error"]["status"] == 404  # type: ignore[index]


@pytest.mark.parametrize(
    "args",
    [
        ["users", "create", str(EXAMPLE), "--concurrency", "0"],
        ["users", "create", str(EXAMPLE), "--rate", "-1"],
        ["users", "frobnicate", "x"],
        ["users", "create", "/no/such/file.csv"],
    ],
    ids=["concurrency 0", "negative rate", "unknown action", "missing file"],
)
def test_usage_errors_exit_2(args: list[str]) -> None:
    """Bad options, unknown commands and unreadable files exit 2."""
    assert _cli("--sandbox", *args).returncode == 2


def test_without_a_token_the_command_exits_2_and_says_how_to_give_one() -> None:
    """No --token and no YANDEX_B2B_TOKEN: a usage error naming both."""
    done = _cli("users", "create", EXAMPLE)
    assert done.returncode == 2
    assert "YANDEX_B2B_TOKEN" in done.stderr


def test_the_token_never_appears_in_output_or_report(tmp_path: Path, b2b_sandbox: Sandbox) -> None:
    """Neither stdout, stderr nor the report holds the token, even when rows fail."""
    path = _csv(tmp_path, ["A,+79990000001,,true,cc-1,,,", "B,bad,,true,cc-1,,,"])
    report = tmp_path / "report.jsonl"
    journal = tmp_path / "journal.jsonl"
    b2b_sandbox.faults.outage()
    done = _cli(
        "users",
        "create",
        path,
        "--report",
        report,
        "--journal",
        journal,
        "--tokn",
        b2b_sandbox.token,
        sandbox=b2b_sandbox,
    )
    assert done.returncode == 2  # the misspelt option is a usage error that echoes its value
    done = _cli(
        "users", "create", path, "--report", report, "--journal", journal, sandbox=b2b_sandbox
    )
    assert done.returncode == 1
    for text in (done.stdout, done.stderr, report.read_text(), journal.read_text()):
        assert b2b_sandbox.token not in text


def test_interrupting_a_run_reports_every_row_it_sent(tmp_path: Path) -> None:
    """SIGINT mid-run: exit 130, and every create the server received is in the report."""
    with Sandbox() as sandbox:
        sandbox.faults.latency(0.3)
        rows = [f"U{n},+7999{n:07d},,true,cc,,," for n in range(40)]
        path = _csv(tmp_path, rows)
        report = tmp_path / "report.jsonl"
        options = ["--concurrency", "3", "--report", str(report)]
        process = subprocess.Popen(
            [sys.executable, "-m", "yandex_b2b_async", "users", "create", str(path), *options],
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
        stdout, _ = process.communicate(timeout=30)
        sent = sandbox.stats.count("POST", USERS)
    assert process.returncode == 130
    assert "INTERRUPTED" in stdout
    lines = _report(report)
    assert len(lines) == sent < 40
    assert all(line["ok"] for line in lines)


def test_sandbox_serve_prints_where_it_listens() -> None:
    """`sandbox serve --port 0` prints the URL and token lines the other commands read."""
    process = subprocess.Popen(
        [sys.executable, "-m", "yandex_b2b_async", "sandbox", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("YANDEX_B2B_BASE_URL=http://127.0.0.1:")
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=30)
    assert process.returncode == 0
