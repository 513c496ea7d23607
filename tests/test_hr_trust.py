"""HR files you can trust (issue 23): real exports — title rows, merged cells, a status column,
cp1251, a file rewritten mid-run, an old journal, a wrong token — never lose or duplicate a
row silently. Each command runs as a subprocess against the sandbox over loopback sockets."""

# ruff: noqa: RUF001  (Cyrillic text is what these files hold)

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest

from yandex_b2b_async.bulk import JobBinding, JournalFile, JournalMismatchError, bulk
from yandex_b2b_async.hr import RowFilter, SyncWarning, read_users_csv
from yandex_b2b_async.hr.rows import InputFileError, inspect_users_file
from yandex_b2b_async.hr.sync import ArchiveCapError, build_plan
from yandex_b2b_async.models import User, UserCreate
from yandex_b2b_async.sandbox import Sandbox
from yandex_b2b_async.sandbox.state import JSONObject

ROOT = Path(__file__).resolve().parent.parent
HEADER = "fullname,phone,is_active,cost_centers_id\n"
STAFF_MAP = "fullname=ФИО,phone=Телефон,cost_center=Центр затрат"
TITLE = "Список сотрудников на 01.12.2026;;;;\r\n"


def _cli(
    *args: str | Path, sandbox: Sandbox, timeout: float = 120, **env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        _command(*args),
        capture_output=True,
        text=True,
        env=_env(sandbox, **env),
        cwd=ROOT,
        timeout=timeout,
        check=False,
    )


def _command(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "yandex_b2b_async", *map(str, args)]


def _env(sandbox: Sandbox, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("YANDEX_B2B_")}
    env["YANDEX_B2B_TOKEN"] = sandbox.token
    env["YANDEX_B2B_BASE_URL"] = sandbox.url
    env.update(extra)
    return env


def _report(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _active(sandbox: Sandbox) -> dict[str, JSONObject]:
    return {str(user["phone"]): user for user in sandbox.users() if not user["is_deleted"]}


def _staff_csv(path: Path, rows: list[tuple[str, str, str]], *, title: bool = True) -> Path:
    """A cp1251 1C export: a title row, a blank row, the header, one row per employee
    (ФИО, Телефон, Статус), all in the main cost center."""
    text = (TITLE + "\r\n" if title else "") + "ФИО;Телефон;Центр затрат;Статус;Табельный номер\r\n"
    for number, (name, phone, status) in enumerate(rows):
        text += f"{name};{phone};Main cost center;{status};{number:04d}\r\n"
    path.write_bytes(text.encode("cp1251"))
    return path


def _people(count: int, start: int = 0, prefix: str = "Сотрудник") -> list[tuple[str, str, str]]:
    return [(f"{prefix} {n}", f"+7900{n:07d}", "Работает") for n in range(start, start + count)]


# -- one snapshot ------------------------------------------------------------------------------


def test_rows_come_from_the_file_as_it_was_when_reading_started(tmp_path: Path) -> None:
    """A file rewritten after read_users_csv returned does not change the rows still to come."""
    path = tmp_path / "staff.csv"
    path.write_text(
        HEADER + "".join(f"Old {n},+7900000000{n},1,cc\n" for n in range(5)), encoding="utf-8"
    )
    rows = read_users_csv(path)
    first = next(rows)
    path.write_text(
        HEADER + "".join(f"New {n},+7911111111{n},1,cc\n" for n in range(9)), encoding="utf-8"
    )
    rest = list(rows)
    values = [row.value for row in (first, *rest)]
    assert [user.fullname for user in values if user is not None] == [f"Old {n}" for n in range(5)]


def test_a_file_rewritten_while_a_job_runs_is_created_as_it_was_at_the_start(
    tmp_path: Path, b2b_sandbox: Sandbox
) -> None:
    """users create on 40 rows; after the first employee exists the file is replaced by 150
    other rows: the account holds exactly the 40 employees of the first file, names and
    phones paired as they were, and the report has 40 lines."""
    path = _staff_csv(tmp_path / "staff.csv", _people(40))
    report = tmp_path / "report.jsonl"
    b2b_sandbox.faults.latency(0.05)
    env = _env(b2b_sandbox)
    command = _command(
        "users", "create", path, "--columns", STAFF_MAP, "--concurrency", "1",
        "--encoding", "cp1251", "--report", report,
    )  # fmt: skip
    with subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True) as run:
        deadline = time.monotonic() + 60
        while not b2b_sandbox.users():
            assert time.monotonic() < deadline, "the job sent nothing"
            time.sleep(0.01)
        _staff_csv(path, _people(150, start=500, prefix="Другой"))
        run.communicate(timeout=120)
    assert run.returncode == 0
    staff = {phone: user["fullname"] for phone, user in _active(b2b_sandbox).items()}
    assert staff == {phone: name for name, phone, _ in _people(40)}
    assert len(_report(report)) == 40


# -- a journal belongs to one job ----------------------------------------------------------------


def test_a_journal_of_another_file_is_refused_before_anything_is_sent(
    tmp_path: Path, b2b_sandbox: Sandbox
) -> None:
    """A journal written for january.csv, reused for february.csv: exit 2 naming the journal,
    and not one request reaches the API."""
    journal = tmp_path / "create.journal"
    january = _staff_csv(tmp_path / "january.csv", _people(3))
    february = _staff_csv(tmp_path / "february.csv", _people(3, start=3))
    options = ("--columns", STAFF_MAP, "--encoding", "cp1251", "--journal", journal)
    assert _cli("users", "create", january, *options, sandbox=b2b_sandbox).returncode == 0
    before = b2b_sandbox.stats.requests
    done = _cli("users", "create", february, *options, sandbox=b2b_sandbox)
    assert done.returncode == 2
    assert str(journal) in done.stderr
    assert "another file" in done.stderr
    assert b2b_sandbox.stats.requests == before
    assert len(_active(b2b_sandbox)) == 3


def test_a_journal_of_other_options_is_refused(tmp_path: Path, b2b_sandbox: Sandbox) -> None:
    """The same file with a --where the journal was not written with: refused, exit 2."""
    journal = tmp_path / "create.journal"
    path = _staff_csv(tmp_path / "staff.csv", _people(3))
    options = ("--columns", STAFF_MAP, "--encoding", "cp1251", "--journal", journal)
    assert _cli("users", "create", path, *options, sandbox=b2b_sandbox).returncode == 0
    done = _cli(
        "users", "create", path, *options, "--where", "Статус=Работает", sandbox=b2b_sandbox
    )
    assert done.returncode == 2
    assert "other options" in done.stderr


def test_resuming_with_the_same_file_and_options_skips_what_was_done(
    tmp_path: Path, b2b_sandbox: Sandbox
) -> None:
    """A rerun with the same file, options and journal sends no create and reports every row
    skipped."""
    journal = tmp_path / "create.journal"
    report = tmp_path / "report.jsonl"
    path = _staff_csv(tmp_path / "staff.csv", _people(5))
    options = ("--columns", STAFF_MAP, "--encoding", "cp1251", "--journal", journal)
    assert _cli("users", "create", path, *options, sandbox=b2b_sandbox).returncode == 0
    before = b2b_sandbox.stats.count("POST", "/integration/2.0/users")
    done = _cli("users", "create", path, *options, "--report", report, sandbox=b2b_sandbox)
    assert done.returncode == 0, done.stderr
    assert b2b_sandbox.stats.count("POST", "/integration/2.0/users") == before
    assert [line["outcome"] for line in _report(report)] == ["skipped"] * 5


# -- the header, title rows, duplicated columns, merged cells ------------------------------------


def test_the_header_below_title_rows_is_found_and_lines_stay_the_files(
    tmp_path: Path, b2b_sandbox: Sandbox
) -> None:
    """A title row and a blank row above the header: the header is found (a note says where),
    and the report names lines 4 and 5, the file's own."""
    path = _staff_csv(tmp_path / "staff.csv", _people(2))
    report = tmp_path / "report.jsonl"
    done = _cli(
        "users", "create", path, "--columns", STAFF_MAP, "--encoding", "cp1251",
        "--report", report, sandbox=b2b_sandbox,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "header is row 3" in done.stderr
    assert [line["line"] for line in _report(report)] == [4, 5]
    assert len(_active(b2b_sandbox)) == 2


def test_header_row_says_where_the_header_is(tmp_path: Path) -> None:
    """--header-row 3 reads the header there; a row that is not a row start is refused."""
    path = _staff_csv(tmp_path / "staff.csv", _people(1))
    info = inspect_users_file(path, columns=STAFF_MAP, encoding="cp1251", header_row=3)
    assert (info.header_line, info.rows) == (3, 1)
    with pytest.raises(InputFileError, match="--header-row 2") as caught:
        inspect_users_file(path, columns=STAFF_MAP, encoding="cp1251", header_row=2)
    assert caught.value.line == 2


def test_a_header_row_on_an_employee_row_is_refused_without_quoting_it(tmp_path: Path) -> None:
    """--header-row naming an employee's row (it holds a phone) is refused as such, and the
    message quotes none of its cells: not the phone, not the name."""
    path = _staff_csv(tmp_path / "staff.csv", [("Иванов Илья", "+79001234567", "Работает")])
    with pytest.raises(InputFileError, match="employee's row") as caught:
        inspect_users_file(path, columns=STAFF_MAP, encoding="cp1251", header_row=4)
    assert caught.value.line == 4
    assert "Иванов" not in str(caught.value)
    assert "4567" not in str(caught.value)


def test_a_file_whose_header_is_not_found_says_how_to_point_at_it(tmp_path: Path) -> None:
    """No row names a mapped column: refused, advising --header-row."""
    path = tmp_path / "staff.csv"
    path.write_text("Отчёт\nИмя;Номер\nА;+79001234567\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="--header-row N"):
        inspect_users_file(path, columns=STAFF_MAP)


def test_a_repeated_column_nothing_maps_is_ignored(tmp_path: Path) -> None:
    """Two 'Примечание' columns the map does not name: the file reads; a mapped column given
    twice is still refused, naming both positions."""
    path = tmp_path / "staff.csv"
    path.write_text(
        "ФИО;Примечание;Телефон;Примечание;Центр затрат\nА;x;+79001234567;y;cc\n",
        encoding="utf-8",
    )
    info = inspect_users_file(
        path, columns="fullname=ФИО,phone=Телефон,cost_centers_id=Центр затрат"
    )
    assert info.rows == 1
    path.write_text("ФИО;Телефон;Телефон;Центр затрат\nА;+79001234567;+79001234568;cc\n")
    with pytest.raises(InputFileError, match="columns 2 and 3"):
        inspect_users_file(path, columns="fullname=ФИО,phone=Телефон,cost_centers_id=Центр затрат")


def test_a_merged_department_cell_holds_for_every_row_of_its_range(
    tmp_path: Path, b2b_sandbox: Sandbox
) -> None:
    """A title merged across the sheet, and Продажи merged down three rows: all three
    employees land in Продажи (not only the first), the report names Excel rows 3-5."""
    sales = b2b_sandbox.add_department("Продажи")
    path = tmp_path / "staff.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Сотрудники отдела продаж"])
    sheet.merge_cells("A1:D1")
    sheet.append(["Подразделение", "ФИО", "Телефон", "Центр затрат"])
    for n in range(3):
        sheet.append(
            ["Продажи" if n == 0 else None, f"Продавец {n}", f"+7900555000{n}", "Main cost center"]
        )
    sheet.merge_cells("A3:A5")
    workbook.save(path)
    report = tmp_path / "report.jsonl"
    done = _cli(
        "users", "create", path, "--columns", STAFF_MAP + ",department=Подразделение",
        "--report", report, sandbox=b2b_sandbox,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert [line["line"] for line in _report(report)] == [3, 4, 5]
    assert {user["department_id"] for user in _active(b2b_sandbox).values()} == {sales}


def test_a_merged_title_taken_for_the_header_is_quoted_once(tmp_path: Path) -> None:
    """--header-row 1 on a title merged across four columns: the refusal lists the header's
    cells once each, not the title four times."""
    path = tmp_path / "staff.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Сотрудники отдела продаж"])
    sheet.merge_cells("A1:D1")
    sheet.append(["Подразделение", "ФИО", "Телефон", "Центр затрат"])
    workbook.save(path)
    with pytest.raises(InputFileError, match="the header has") as caught:
        inspect_users_file(path, columns=STAFF_MAP, header_row=1)
    assert str(caught.value).count("Сотрудники отдела продаж") == 1


# -- --where ------------------------------------------------------------------------------------


def test_where_keeps_the_working_and_counts_the_rest(tmp_path: Path, b2b_sandbox: Sandbox) -> None:
    """--where 'Статус=Работает': the fired employee is never sent, is counted as filtered out
    in the summary and reported by line; exit 0."""
    rows = [*_people(2), ("Уволенный Пётр", "+79009999999", "Уволен")]
    path = _staff_csv(tmp_path / "staff.csv", rows)
    report = tmp_path / "report.jsonl"
    done = _cli(
        "users", "create", path, "--columns", STAFF_MAP, "--encoding", "cp1251",
        "--where", "Статус=работает", "--report", report, sandbox=b2b_sandbox,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "filtered out 1" in done.stdout
    assert "+79009999999" not in _active(b2b_sandbox)
    assert len(_active(b2b_sandbox)) == 2
    assert {line["line"]: line.get("outcome") for line in _report(report)}[6] == "filtered"


def test_the_quick_starts_1c_export_onboards_only_the_working(b2b_sandbox: Sandbox) -> None:
    """The documented command on examples/staff-1c-2026-12.csv: eight employees created, the
    two whose status is Уволен filtered out and never sent."""
    done = _cli(
        "users", "create", ROOT / "examples" / "staff-1c-2026-12.csv",
        "--columns", ROOT / "examples" / "1c.toml", "--where", "Статус=Работает",
        "--create-departments", sandbox=b2b_sandbox,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "created 8, filtered out 2" in done.stdout
    assert "+79002223344" not in _active(b2b_sandbox)  # Смирнов, Уволен
    assert len(_active(b2b_sandbox)) == 8


def test_where_conditions_all_hold_and_differ_reads_not_equal(tmp_path: Path) -> None:
    """Two conditions, one with !=: only the row holding both is kept; a condition on a
    column the file lacks is refused, listing the header."""
    path = tmp_path / "staff.csv"
    path.write_text(
        "ФИО;Телефон;Центр затрат;Статус;Город\n"
        "А;+79001234561;cc;Работает;Москва\n"
        "Б;+79001234562;cc;Работает;Казань\n"
        "В;+79001234563;cc;Уволен;Москва\n",
        encoding="utf-8",
    )
    mapping = "fullname=ФИО,phone=Телефон,cost_centers_id=Центр затрат"
    rows = list(
        read_users_csv(
            path, columns=mapping, where=["Статус=Работает", RowFilter.parse("Город!=Казань")]
        )
    )
    assert [(row.line, row.filtered) for row in rows] == [(2, False), (3, True), (4, True)]
    with pytest.raises(InputFileError, match="no column 'Отдел'"):
        read_users_csv(path, columns=mapping, where=["Отдел=Склад"])


def test_in_a_sync_filtered_rows_are_absent(tmp_path: Path, b2b_sandbox: Sandbox) -> None:
    """A fired employee filtered out of the file is archived by --archive-missing."""
    for name, phone, _ in _people(10):
        b2b_sandbox.add_user(phone=phone, fullname=name, cost_centers_id=b2b_sandbox.cost_center_id)
    rows = _people(10)
    rows[3] = (rows[3][0], rows[3][1], "Уволен")
    path = _staff_csv(tmp_path / "staff.csv", rows)
    done = _cli(
        "users", "sync", path, "--columns", STAFF_MAP, "--encoding", "cp1251",
        "--where", "Статус=Работает", "--archive-missing", "--apply", sandbox=b2b_sandbox,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "1 row filtered out by --where" in done.stdout
    assert set(_active(b2b_sandbox)) == {phone for n, (_, phone, _) in enumerate(rows) if n != 3}


def test_archive_by_phone_reads_the_employees_map_and_where(
    tmp_path: Path, b2b_sandbox: Sandbox
) -> None:
    """users archive --by phone with the create command's mapping file and --where
    'Статус=Уволен': the fired employee is archived, the working one is not touched."""
    for name, phone, _ in _people(2):
        b2b_sandbox.add_user(phone=phone, fullname=name, cost_centers_id=b2b_sandbox.cost_center_id)
    rows = _people(2)
    rows[1] = (rows[1][0], rows[1][1], "Уволен")
    path = _staff_csv(tmp_path / "staff.csv", rows)
    mapping = tmp_path / "1c.toml"
    mapping.write_text(
        'encoding = "cp1251"\n[columns]\nfullname = "ФИО"\nphone = "Телефон"\n'
        'cost_center = "Центр затрат"\n',
        encoding="utf-8",
    )
    done = _cli(
        "users", "archive", path, "--by", "phone", "--columns", mapping,
        "--where", "Статус=Уволен", sandbox=b2b_sandbox,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "archived 1, filtered out 1" in done.stdout
    assert set(_active(b2b_sandbox)) == {rows[0][1]}


# -- --skip-invalid ------------------------------------------------------------------------------


def test_skip_invalid_reports_the_bad_row_and_creates_the_rest(
    tmp_path: Path, b2b_sandbox: Sandbox
) -> None:
    """A row with a bad phone is reported as left out (line and column named); the others are
    created, exit 0."""
    rows = [*_people(2), ("Без Телефона", "12-34", "Работает")]
    path = _staff_csv(tmp_path / "staff.csv", rows)
    report = tmp_path / "report.jsonl"
    done = _cli(
        "users", "create", path, "--columns", STAFF_MAP, "--encoding", "cp1251",
        "--skip-invalid", "--report", report, sandbox=b2b_sandbox,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "invalid, left out 1" in done.stdout
    assert "errors by code: VALIDATION_ERROR 1" in done.stdout
    assert "failed" not in done.stdout
    assert "line 6: VALIDATION_ERROR: column 'Телефон' (phone)" in done.stderr
    bad = {line["line"]: line for line in _report(report)}[6]
    assert bad["outcome"] == "left out"
    assert len(_active(b2b_sandbox)) == 2


def test_without_skip_invalid_one_bad_row_refuses_the_sync(
    tmp_path: Path, b2b_sandbox: Sandbox
) -> None:
    """The sync is refused (exit 2), naming the line and advising --skip-invalid."""
    rows = [*_people(2), ("Кто-то", "12-34", "Работает")]
    path = _staff_csv(tmp_path / "staff.csv", rows)
    done = _cli(
        "users", "sync", path, "--columns", STAFF_MAP, "--encoding", "cp1251", sandbox=b2b_sandbox
    )
    assert done.returncode == 2
    assert "line 6" in done.stderr
    assert "--skip-invalid" in done.stderr


def test_a_sync_never_archives_the_employee_of_an_invalid_row(
    tmp_path: Path, b2b_sandbox: Sandbox
) -> None:
    """The row of an employee holds a bad email: with --skip-invalid --archive-missing the
    rest is synced and that employee, whose phone the row still gives, stays active."""
    for name, phone, _ in _people(10):
        b2b_sandbox.add_user(phone=phone, fullname=name, cost_centers_id=b2b_sandbox.cost_center_id)
    path = tmp_path / "staff.csv"
    lines = ["ФИО;Телефон;Центр затрат;Email"]
    lines += [f"{name};{phone};Main cost center;" for name, phone, _ in _people(10)]
    lines[5] = lines[5] + "not-an-email"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = tmp_path / "report.jsonl"
    done = _cli(
        "users", "sync", path, "--columns", STAFF_MAP + ",email=Email", "--skip-invalid",
        "--archive-missing", "--apply", "--report", report, sandbox=b2b_sandbox,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert len(_active(b2b_sandbox)) == 10
    assert "1 kept for their invalid rows" in done.stdout
    assert {line["line"]: line.get("outcome") for line in _report(report)}[6] == "left out"


def test_an_invalid_row_without_a_readable_key_refuses_archive_missing(
    tmp_path: Path, b2b_sandbox: Sandbox
) -> None:
    """An empty phone cell: the row's employee cannot be known, so --archive-missing is
    refused (exit 2, naming the line) unless --force."""
    for name, phone, _ in _people(20):
        b2b_sandbox.add_user(phone=phone, fullname=name, cost_centers_id=b2b_sandbox.cost_center_id)
    rows = _people(20)
    rows[4] = (rows[4][0], "", "Работает")
    path = _staff_csv(tmp_path / "staff.csv", rows)
    options = ("--columns", STAFF_MAP, "--encoding", "cp1251", "--skip-invalid")
    done = _cli("users", "sync", path, *options, "--archive-missing", sandbox=b2b_sandbox)
    assert done.returncode == 2
    assert "line 8" in done.stderr
    assert "--force" in done.stderr
    forced = _cli(
        "users", "sync", path, *options, "--archive-missing", "--force", "--apply",
        sandbox=b2b_sandbox,
    )  # fmt: skip
    assert forced.returncode == 0, forced.stderr
    assert len(_active(b2b_sandbox)) == 19


# -- probable phone changes ----------------------------------------------------------------------


def _employee(user_id: str, phone: str, name: str) -> User:
    return User(
        id=user_id, fullname=name, phone=phone, is_active=True, is_deleted=False,
        cost_centers_id="cc",
    )  # fmt: skip


def test_a_create_with_the_name_of_an_absent_employee_is_a_probable_phone_change() -> None:
    """By phone, a new row whose full name is an active employee's the file no longer lists:
    one phone_changed warning naming the employee and the line; by nickname, none."""
    desired = [
        UserCreate(
            fullname="Иванов  Илья", phone="+79000000002", is_active=True, cost_centers_id="cc"
        ),
        UserCreate(
            fullname="Петрова Анна", phone="+79000000003", is_active=True, cost_centers_id="cc"
        ),
    ]
    account = [
        _employee("u-1", "+79000000001", "иванов илья"),
        _employee("u-3", "+79000000003", "Петрова Анна"),
    ]
    plan = build_plan(desired, account, archive_missing=True, force=True, lines=[7, 8])
    assert plan.warnings == [
        SyncWarning(kind="phone_changed", user_id="u-1", index=0, line=7, archived=True)
    ]
    assert "--key nickname" in plan.describe()
    assert build_plan(desired, account, archive_missing=False).warnings[0].archived is False


def test_a_refusal_by_the_archive_cap_names_the_probable_phone_changes() -> None:
    """A plan refused for archiving too many still says which archives are probably changed
    phones, by line and id: the reason a small company meets the cap after one phone change."""
    desired = [
        UserCreate(
            fullname="Иванов Илья", phone="+79000000002", is_active=True, cost_centers_id="cc"
        ),
        UserCreate(
            fullname="Петрова Анна", phone="+79000000003", is_active=True, cost_centers_id="cc"
        ),
    ]
    account = [
        _employee("u-1", "+79000000001", "Иванов Илья"),
        _employee("u-3", "+79000000003", "Петрова Анна"),
    ]
    with pytest.raises(ArchiveCapError) as caught:
        build_plan(desired, account, archive_missing=True, lines=[7, 8])
    assert caught.value.warnings == [
        SyncWarning(kind="phone_changed", user_id="u-1", index=0, line=7, archived=True)
    ]
    message = str(caught.value)
    assert "probably a changed phone" in message
    assert "line 7" in message
    assert "u-1" in message
    assert "--key nickname" in message
    assert "+7900" not in message
    assert "Иванов" not in message


def test_a_refusal_by_the_archive_cap_names_ten_phone_changes_at_most() -> None:
    """Twelve probable phone changes: the message names ten and counts the rest."""
    warnings = [
        SyncWarning(kind="phone_changed", user_id=f"u-{n}", index=n, line=n + 2, archived=True)
        for n in range(12)
    ]
    message = str(ArchiveCapError(planned=12, active=20, cap=0.1, warnings=warnings))
    assert message.count("probably a changed phone") == 10
    assert "and 2 more probable phone changes" in message


def test_a_sync_prints_and_reports_a_probable_phone_change(
    tmp_path: Path, b2b_sandbox: Sandbox
) -> None:
    """The plan printed by users sync warns (by line and id, with no phone) and the plan
    report holds the warning."""
    old = b2b_sandbox.add_user(
        phone="+79000000001", fullname="Сотрудник 0", cost_centers_id=b2b_sandbox.cost_center_id
    )
    path = _staff_csv(tmp_path / "staff.csv", [("Сотрудник 0", "+79000000077", "Работает")])
    report = tmp_path / "plan.jsonl"
    done = _cli(
        "users", "sync", path, "--columns", STAFF_MAP, "--encoding", "cp1251",
        "--report", report, sandbox=b2b_sandbox,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    (warning,) = [line for line in done.stdout.splitlines() if line.startswith("warning:")]
    assert "line 4" in warning
    assert old in warning
    assert "--key nickname" in warning
    assert "+7900" not in warning
    (reported,) = [line for line in _report(report) if line.get("warning")]
    assert (reported["warning"], reported["user_id"], reported["line"]) == ("phone_changed", old, 4)


# -- a refused token -----------------------------------------------------------------------------


def test_a_wrong_token_at_the_names_lookup_reports_every_row_not_attempted(
    tmp_path: Path, b2b_sandbox: Sandbox
) -> None:
    """A file with department names and a wrong token: the first list call is refused; exit
    1, one line naming YANDEX_B2B_TOKEN, no traceback, every row NOT_ATTEMPTED in the report."""
    path = _staff_csv(tmp_path / "staff.csv", _people(4))
    report = tmp_path / "report.jsonl"
    done = _cli(
        "users", "create", path, "--columns", STAFF_MAP, "--encoding", "cp1251",
        "--report", report, sandbox=b2b_sandbox, YANDEX_B2B_TOKEN="a-wrong-token",
    )  # fmt: skip
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    (stop,) = [line for line in done.stderr.splitlines() if not line.startswith("note:")]
    assert stop.startswith("stopped:")
    assert "YANDEX_B2B_TOKEN" in stop
    assert "401" in stop
    assert [line["error"]["code"] for line in _report(report)] == ["NOT_ATTEMPTED"] * 4  # type: ignore[index]
    assert b2b_sandbox.users() == []


def test_a_wrong_token_given_with_token_stops_a_sync_naming_the_option(
    tmp_path: Path, b2b_sandbox: Sandbox
) -> None:
    """users sync --token WRONG: the account read is refused; the message names --token
    (never the token), the report lists every row not attempted, exit 1."""
    path = tmp_path / "staff.csv"
    path.write_text(HEADER + "А,+79001234567,1,cc\nБ,+79001234568,1,cc\n", encoding="utf-8")
    report = tmp_path / "report.jsonl"
    done = _cli(
        "users", "sync", path, "--apply", "--report", report, "--token", "wrong-token-1234",
        sandbox=b2b_sandbox,
    )  # fmt: skip
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "--token" in done.stderr
    assert "wrong-token-1234" not in done.stderr + done.stdout
    assert [line["line"] for line in _report(report)] == [2, 3]
    assert {line["error"]["code"] for line in _report(report)} == {"NOT_ATTEMPTED"}  # type: ignore[index]


def test_a_403_at_the_account_read_stops_a_sync_the_same_way(
    tmp_path: Path, b2b_sandbox: Sandbox
) -> None:
    """A client id the token does not reach: the account read gets a 403; exit 1, one line
    saying the token has no access, every row NOT_ATTEMPTED, nothing changed."""
    b2b_sandbox.add_user(
        phone="+79001234599", fullname="Кто-то", cost_centers_id=b2b_sandbox.cost_center_id
    )
    path = tmp_path / "staff.csv"
    path.write_text(HEADER + "А,+79001234567,1,cc\n", encoding="utf-8")
    report = tmp_path / "report.jsonl"
    done = _cli(
        "users", "sync", path, "--archive-missing", "--force", "--apply", "--report", report,
        sandbox=b2b_sandbox, YANDEX_B2B_CLIENT_ID="a-client-it-does-not-reach",
    )  # fmt: skip
    assert done.returncode == 1
    (stop,) = done.stderr.splitlines()
    assert "has no access" in stop
    assert "403" in stop
    assert [line["error"]["code"] for line in _report(report)] == ["NOT_ATTEMPTED"]  # type: ignore[index]
    assert len(_active(b2b_sandbox)) == 1


def test_a_client_id_the_token_does_not_reach_is_named_as_the_thing_to_fix(
    tmp_path: Path, b2b_sandbox: Sandbox
) -> None:
    """A 403 SELECTED_CLIENT_ACCESS_DENIED stops a create with advice about the client id,
    naming where it came from (--client-id here), not only the token."""
    path = tmp_path / "staff.csv"
    path.write_text(HEADER + "А,+79001234567,1,cc\n", encoding="utf-8")
    done = _cli(
        "users", "create", path, "--client-id", "a-client-it-does-not-reach",
        sandbox=b2b_sandbox,
    )  # fmt: skip
    assert done.returncode == 1
    (stop,) = [line for line in done.stderr.splitlines() if line.startswith("stopped:")]
    assert "SELECTED_CLIENT_ACCESS_DENIED" in stop
    assert "give --client-id a client id the token reaches" in stop


async def test_a_bound_journal_refuses_another_job_before_any_call(tmp_path: Path) -> None:
    """bulk() with a JournalFile: a second run bound to other content raises
    JournalMismatchError and calls nothing; the same binding resumes, skipping what was done."""
    journal = tmp_path / "run.journal"
    calls: list[str] = []

    async def call(value: str) -> str:
        calls.append(value)
        return value

    december = JobBinding.of("users.archive", "a" * 64, {"where": []})
    january = JobBinding.of("users.archive", "b" * 64, {"where": []})
    report = await bulk(
        call, ["u-1", "u-2"], operation="users.archive", journal=JournalFile(journal, december)
    )
    assert report.ok
    with pytest.raises(JournalMismatchError, match="another file"):
        await bulk(call, ["u-3"], operation="users.archive", journal=JournalFile(journal, january))
    again = await bulk(
        call, ["u-1", "u-2"], operation="users.archive", journal=JournalFile(journal, december)
    )
    assert [item.skipped for item in again.items] == [True, True]
    assert calls == ["u-1", "u-2"]


async def test_a_journal_refused_for_other_options_names_them(tmp_path: Path) -> None:
    """A journal written with --create-departments, resumed without it: the refusal names
    the option that differs (as its flag), not only "other options"."""
    journal = tmp_path / "run.journal"

    async def call(value: str) -> str:
        return value

    first = JobBinding.of("users.create", "a" * 64, {"create_departments": True, "where": []})
    again = JobBinding.of("users.create", "a" * 64, {"create_departments": False, "where": []})
    await bulk(call, ["u-1"], operation="users.create", journal=JournalFile(journal, first))
    with pytest.raises(JournalMismatchError, match="--create-departments") as caught:
        await bulk(call, ["u-1"], operation="users.create", journal=JournalFile(journal, again))
    assert "--where" not in str(caught.value)


# -- departments, mapping files, encodings --------------------------------------------------------


def test_a_dry_run_lists_the_departments_it_would_create(
    tmp_path: Path, b2b_sandbox: Sandbox
) -> None:
    """--dry-run --create-departments prints each department a run would create, parents
    first, and creates none."""
    b2b_sandbox.add_department("Продажи")
    path = tmp_path / "staff.csv"
    path.write_text(
        "ФИО;Телефон;Центр затрат;Подразделение\n"
        "А;+79001234561;Main cost center;Продажи/Казань\n"
        "Б;+79001234562;Main cost center;Склад/Север\n"
        "В;+79001234563;Main cost center;Продажи/Казань\n",
        encoding="utf-8",
    )
    done = _cli(
        "users", "create", path, "--columns", STAFF_MAP + ",department=Подразделение",
        "--create-departments", "--dry-run", sandbox=b2b_sandbox,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    listed = [line.strip() for line in done.stdout.splitlines() if line.startswith("  + ")]
    assert listed == ["+ Продажи/Казань", "+ Склад", "+ Склад/Север"]
    assert len(b2b_sandbox.departments()) == 1


def test_a_mapping_files_sheet_does_not_break_a_csv(tmp_path: Path, b2b_sandbox: Sandbox) -> None:
    """A map made for the .xlsx export (sheet = "Сотрудники") reads this month's CSV."""
    mapping = tmp_path / "1c.toml"
    mapping.write_text(
        'sheet = "Сотрудники"\nencoding = "cp1251"\n[columns]\nfullname = "ФИО"\n'
        'phone = "Телефон"\ncost_center = "Центр затрат"\n',
        encoding="utf-8",
    )
    path = _staff_csv(tmp_path / "staff.csv", _people(2))
    done = _cli("users", "create", path, "--columns", mapping, sandbox=b2b_sandbox)
    assert done.returncode == 0, done.stderr
    assert len(_active(b2b_sandbox)) == 2


def test_an_encoding_for_a_workbook_is_refused_or_noted(
    tmp_path: Path, b2b_sandbox: Sandbox
) -> None:
    """--encoding with an .xlsx is refused (exit 2, saying it applies to text); a mapping
    file's encoding is noted as not applying, and the workbook is read."""
    path = tmp_path / "staff.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["ФИО", "Телефон", "Центр затрат"])
    sheet.append(["А", "+79001234567", "Main cost center"])
    workbook.save(path)
    refused = _cli(
        "users", "create", path, "--columns", STAFF_MAP, "--encoding", "cp1251",
        sandbox=b2b_sandbox,
    )  # fmt: skip
    assert refused.returncode == 2
    assert "no text encoding" in refused.stderr
    mapping = tmp_path / "1c.toml"
    mapping.write_text(
        'encoding = "cp1251"\n[columns]\nfullname = "ФИО"\nphone = "Телефон"\n'
        'cost_center = "Центр затрат"\n',
        encoding="utf-8",
    )
    noted = _cli("users", "create", path, "--columns", mapping, sandbox=b2b_sandbox)
    assert noted.returncode == 0, noted.stderr
    assert "encoding (cp1251) applies to text files" in noted.stderr


# -- messages that say what to do -----------------------------------------------------------------


def _one_row(tmp_path: Path, phone: str) -> str:
    path = tmp_path / "staff.csv"
    path.write_text(f"ФИО;Телефон;Центр затрат\nА;{phone};cc\n", encoding="utf-8")
    (row,) = read_users_csv(
        path, columns="fullname=ФИО,phone=Телефон,cost_centers_id=Центр затрат", phone_region="RU"
    )
    assert row.error is not None
    return str(row.error)


@pytest.mark.parametrize(
    "cell", ["8 900 123-45-67, 8 900 765-43-21", "+79001234567 / +79007654321"]
)
def test_two_phones_in_one_cell_are_named_as_such(tmp_path: Path, cell: str) -> None:
    """Two numbers in the phone cell: the message names the column and says to keep one."""
    message = _one_row(tmp_path, cell)
    assert message.startswith("column 'Телефон' (phone): the cell holds more than one phone")
    assert "keep the mobile phone" in message


def test_an_empty_phone_cell_says_so(tmp_path: Path) -> None:
    """An empty phone cell: 'the cell is empty', with what to do, not a format rule."""
    message = _one_row(tmp_path, "")
    assert message.startswith("column 'Телефон' (phone): the cell is empty")
    assert "fill it in" in message


def test_a_workbook_renamed_csv_is_named_a_workbook(tmp_path: Path) -> None:
    """An .xlsx saved as staff.csv: 'is an Excel workbook', advising to rename it."""
    path = tmp_path / "staff.csv"
    workbook = openpyxl.Workbook()
    workbook.save(path)
    with pytest.raises(InputFileError, match=r"is an Excel workbook \(\.xlsx\), not text: rename"):
        inspect_users_file(path)


def test_an_unclosed_quote_is_named_where_it_opens(tmp_path: Path) -> None:
    """A quote opened on line 3, column 1, never closed: the error names line 3 and column 1
    (not the end of the file) and says how to fix it."""
    path = tmp_path / "staff.csv"
    rows = "".join(f"U{n},+7999{n:07d},1,cc\n" for n in range(20))
    path.write_text(HEADER + "A,+79990000001,1,cc\n" + '"Broken,+79990000002,1,cc\n' + rows)
    with pytest.raises(InputFileError) as caught:
        inspect_users_file(path)
    assert (caught.value.line, caught.value.column) == (3, 1)
    assert "never closed" in str(caught.value)


def test_a_cell_over_the_csv_field_limit_is_named_with_advice(tmp_path: Path) -> None:
    """A 200,000-character cell on line 3, column 1: named, with the limit and what to do."""
    path = tmp_path / "staff.csv"
    path.write_text(HEADER + "A,+79990000001,1,cc\n" + "x" * 200_000 + ",+79990000002,1,cc\n")
    with pytest.raises(InputFileError) as caught:
        inspect_users_file(path)
    assert (caught.value.line, caught.value.column) == (3, 1)
    assert "131072" in str(caught.value)
    assert "shorten the cell" in str(caught.value)


def test_a_snapshot_of_a_workbook_is_loaded_once_however_often_it_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A job reads its snapshot several times; the workbook behind it is parsed only once."""
    from yandex_b2b_async.hr.tables import FileSnapshot, table_rows

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["fullname", "phone", "is_active", "cost_centers_id"])
    sheet.append(["Anna", "+79990000001", "true", "cc"])
    path = tmp_path / "staff.xlsx"
    workbook.save(path)
    loads: list[object] = []
    real_load = openpyxl.load_workbook

    def counting_load(*args: object, **kwargs: object) -> object:
        loads.append(args)
        return real_load(*args, **kwargs)

    monkeypatch.setattr(openpyxl, "load_workbook", counting_load)
    file = FileSnapshot.take(path)
    first = list(table_rows(file))
    first[1][1][0] = "changed by the caller"
    second = list(table_rows(file))
    assert len(loads) == 1
    assert second[1][1] == ["Anna", "+79990000001", "true", "cc"]


def test_a_personnel_number_under_a_zero_padded_format_keeps_its_leading_zeros(
    tmp_path: Path,
) -> None:
    """A number Excel shows as 0012 (format 0000) is read as 0012, as a CSV export writes it."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["fullname", "phone", "is_active", "cost_centers_id", "nickname"])
    sheet.append(["Anna", "+79990000001", "true", "cc", 12])
    sheet.append(["Boris", "+79990000002", "true", "cc", 345])
    sheet["E2"].number_format = "0000"
    path = tmp_path / "staff.xlsx"
    workbook.save(path)
    users = [row.value for row in read_users_csv(path)]
    assert [user.nickname for user in users if user is not None] == ["0012", "345"]


def test_a_default_on_the_command_line_fills_a_column_the_file_lacks(
    tmp_path: Path, b2b_sandbox: Sandbox
) -> None:
    """--default cost_center=NAME gives every row that cost center, without a mapping file."""
    cost_center = b2b_sandbox.add_cost_center(name="Основной")
    path = tmp_path / "staff.csv"
    path.write_text(
        "ФИО,Телефон\nАнна Петрова,+79990000001\nБорис Иванов,+79990000002\n", encoding="utf-8"
    )
    done = _cli(
        "users", "create", path, "--columns", "fullname=ФИО,phone=Телефон",
        "--default", "cost_center=Основной", sandbox=b2b_sandbox,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    active = _active(b2b_sandbox)
    assert sorted(active) == ["+79990000001", "+79990000002"]
    assert {user["cost_centers_id"] for user in active.values()} == {cost_center}


def test_a_default_for_an_unknown_field_is_refused_before_anything_is_sent(
    tmp_path: Path, b2b_sandbox: Sandbox
) -> None:
    """--default names a field of the file's columns, or the run stops at once (exit 2)."""
    path = tmp_path / "staff.csv"
    path.write_text("fullname,phone,is_active\nАнна,+79990000001,true\n", encoding="utf-8")
    done = _cli("users", "create", path, "--default", "colour=red", sandbox=b2b_sandbox)
    assert done.returncode == 2
    assert "default: unknown field 'colour'" in done.stderr
    assert b2b_sandbox.users() == []
