"""``yandex-b2b users sync`` end to end: the real command line against a sandbox serving from
its own thread (``main`` runs its own event loop)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from yandex_b2b_async.cli import main
from yandex_b2b_async.sandbox import Sandbox

HEADER = "fullname,phone,email,is_active,cost_centers_id,nickname,department_id,limits\n"


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    """A fresh sandbox serving from a background thread."""
    with Sandbox() as running:
        yield running


def sync(sandbox: Sandbox, path: Path, *options: str) -> int:
    """Run ``users sync`` against the sandbox and return the exit code."""
    return main(
        [
            "users",
            "sync",
            str(path),
            "--token",
            sandbox.token,
            "--base-url",
            sandbox.url,
            *options,
        ]
    )


def write_csv(tmp_path: Path, rows: list[str]) -> Path:
    """A users CSV with the full header and these rows."""
    path = tmp_path / "staff.csv"
    path.write_text(HEADER + "".join(row + "\n" for row in rows), encoding="utf-8")
    return path


def seed_staff(sandbox: Sandbox, count: int) -> None:
    """``count`` active employees the files below keep."""
    for index in range(count):
        sandbox.add_user(phone=f"+7911{index:07d}", fullname=f"Keep {index}")


def kept_rows(sandbox: Sandbox, count: int) -> list[str]:
    """The rows that describe :func:`seed_staff`'s employees as they are."""
    cc = sandbox.cost_center_id
    return [f"Keep {index},+7911{index:07d},,true,{cc},,," for index in range(count)]


def test_without_apply_the_plan_is_printed_and_nothing_changes(
    sandbox: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without --apply the plan is printed, exit 0, and no write reaches the sandbox."""
    sandbox.add_user(phone="+79000000001", fullname="Old")
    path = write_csv(
        tmp_path,
        [f"New,+79000000001,,true,{sandbox.cost_center_id},,,", "Ann,+79000000002,,true,cc,,,"],
    )
    assert sync(sandbox, path) == 0
    printed = capsys.readouterr().out
    assert "1 to create" in printed
    assert "1 to update" in printed
    assert "fullname: 'Old' -> 'New'" in printed
    assert "--apply" in printed
    assert [e.method for e in sandbox.stats.log if e.method != "GET"] == []
    assert sandbox.token not in printed


def test_apply_then_apply_again_finds_nothing_to_do(
    sandbox: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--apply carries the plan out with a report line per action; a second --apply is empty."""
    seed_staff(sandbox, 20)
    sandbox.add_user(phone="+79000000001", fullname="Old")
    sandbox.add_user(phone="+79000000002", is_deleted=True)
    sandbox.add_user(phone="+79000000009", fullname="Leaver")
    cc = sandbox.cost_center_id
    path = write_csv(
        tmp_path,
        [
            *kept_rows(sandbox, 20),
            f"New,+79000000001,,true,{cc},,,taxi:lim-1",
            f"Back,+79000000002,back@example.com,true,{cc},,,",
            f"Fresh,+79000000003,,false,{cc},ext-3,,",
        ],
    )
    report = tmp_path / "report.jsonl"
    code = sync(sandbox, path, "--apply", "--archive-missing", "--report", str(report))
    assert code == 0
    lines = [json.loads(line) for line in report.read_text(encoding="utf-8").splitlines()]
    assert [(line["action"], line["line"], line["ok"]) for line in lines] == [
        ("archive", None, True),
        ("update", 22, True),
        ("restore", 23, True),
        ("create", 24, True),
    ]
    assert "4 actions: created 1, restored 1, updated 1, archived 1" in (capsys.readouterr().out)
    assert sync(sandbox, path, "--apply", "--archive-missing") == 0
    assert "0 to create, 0 to restore, 0 to update, 0 to archive" in capsys.readouterr().out


def test_archiving_above_the_cap_is_refused_without_force(
    sandbox: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--archive-missing above 10% of the account exits 2 and sends nothing; --force runs it."""
    seed_staff(sandbox, 10)
    path = write_csv(tmp_path, kept_rows(sandbox, 5))
    assert sync(sandbox, path, "--apply", "--archive-missing") == 2
    assert "5 of 10 active" in capsys.readouterr().err
    assert sandbox.stats.count("POST", "/integration/2.0/users/archive") == 0
    assert sync(sandbox, path, "--apply", "--archive-missing", "--force") == 0
    assert sandbox.stats.count("POST", "/integration/2.0/users/archive") == 5


def test_a_duplicate_phone_refuses_the_file_naming_the_lines(
    sandbox: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A phone on two rows exits 2 naming both lines, before anything is sent."""
    path = write_csv(tmp_path, ["A,+79000000001,,true,cc,,,", "B,+79000000001,,true,cc,,,"])
    assert sync(sandbox, path, "--apply") == 2
    error = capsys.readouterr().err
    assert "line 3 repeats the phone of line 2" in error
    assert "+79000000001" not in error
    assert sandbox.stats.requests == 0


def test_an_invalid_row_refuses_the_file(
    sandbox: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A row that fails validation refuses the sync (exit 2) naming its line; nothing is sent."""
    path = write_csv(tmp_path, ["A,+79000000001,,true,cc,,,", "B,not-a-phone,,true,cc,,,"])
    assert sync(sandbox, path, "--apply") == 2
    assert "line 3" in capsys.readouterr().err
    assert sandbox.stats.requests == 0


def test_by_nickname_a_row_without_one_is_refused(
    sandbox: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--key nickname refuses a row with an empty nickname, naming its line."""
    path = write_csv(tmp_path, ["A,+79000000001,,true,cc,ext-1,,", "B,+79000000002,,true,cc,,,"])
    assert sync(sandbox, path, "--key", "nickname") == 2
    assert "line 3 has no nickname" in capsys.readouterr().err


def test_a_failed_action_exits_1_and_is_reported(
    sandbox: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An action the API refuses makes exit 1, with its error in the report and on stderr."""
    sandbox.add_user(phone="+79000000001", nickname="taken")
    path = write_csv(tmp_path, ["B,+79000000002,,true,cc,taken,,"])
    report = tmp_path / "report.jsonl"
    assert sync(sandbox, path, "--apply", "--report", str(report)) == 1
    [line] = [json.loads(text) for text in report.read_text(encoding="utf-8").splitlines()]
    assert line["ok"] is False
    assert line["line"] == 2
    assert line["error"]["status"] == 406
    assert "line 2:" in capsys.readouterr().err


def test_dry_run_with_apply_changes_nothing(sandbox: Sandbox, tmp_path: Path) -> None:
    """--dry-run wins over --apply: only the plan is printed."""
    path = write_csv(tmp_path, ["A,+79000000001,,true,cc,,,"])
    assert sync(sandbox, path, "--apply", "--dry-run") == 0
    assert sandbox.stats.count("POST", "/integration/2.0/users") == 0


def test_sync_runs_against_the_embedded_sandbox(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--sandbox needs no token: the file's employees are created in a fresh sandbox."""
    path = write_csv(tmp_path, ["A,+79000000001,,true,cc,,,", "B,+79000000002,,true,cc,,,"])
    assert main(["--sandbox", "users", "sync", str(path), "--apply"]) == 0
    assert "created 2" in capsys.readouterr().out
