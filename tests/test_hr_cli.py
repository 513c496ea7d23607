"""HR files through the command line, run as a subprocess against the sandbox: Russian headers
in cp1251, BOMs, tabs, UTF-16, Excel, phones written every way, names instead of ids, missing
departments created, in-file duplicates, export -> sync round trips and clearing a field."""

# ruff: noqa: RUF001  (Cyrillic text is what these files hold)

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from yandex_b2b_async.sandbox import Sandbox
from yandex_b2b_async.sandbox.state import JSONObject

ROOT = Path(__file__).resolve().parent.parent
RUSSIAN_MAP = (
    "fullname=ФИО,phone=Телефон,email=Email,department=Подразделение,cost_center=Центр затрат"
)
RUSSIAN_HEADER = "ФИО;Телефон;Email;Подразделение;Центр затрат;Табельный номер\r\n"


def _cli(
    *args: str | Path, sandbox: Sandbox, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("YANDEX_B2B_")}
    env["YANDEX_B2B_TOKEN"] = sandbox.token
    env["YANDEX_B2B_BASE_URL"] = sandbox.url
    return subprocess.run(
        [sys.executable, "-m", "yandex_b2b_async", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=timeout,
        check=False,
    )


def _report(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _by_phone(sandbox: Sandbox) -> dict[str, JSONObject]:
    return {str(user["phone"]): user for user in sandbox.users() if not user["is_deleted"]}


def _structure(sandbox: Sandbox) -> dict[str, str]:
    """Продажи/Москва, Маркетинг/Москва, Склад; the cost center Выездные. Returns their ids."""
    sales = sandbox.add_department("Продажи")
    marketing = sandbox.add_department("Маркетинг")
    return {
        "sales": sales,
        "sales-msk": sandbox.add_department("Москва", parent_id=sales),
        "mkt-msk": sandbox.add_department("Москва", parent_id=marketing),
        "store": sandbox.add_department("Склад"),
        "field": sandbox.add_cost_center(name="Выездные"),
        "taxi": sandbox.add_limit("Такси 5000", "taxi"),
    }


def test_a_cp1251_export_with_russian_headers_is_created(
    tmp_path: Path, b2b_sandbox: Sandbox
) -> None:
    """cp1251, ';', Russian headers, national phones, department paths and cost-center names:
    every row created with the right ids; the extra column is ignored with a note."""
    ids = _structure(b2b_sandbox)
    path = tmp_path / "staff.csv"
    path.write_bytes(
        (
            RUSSIAN_HEADER
            + "Иванов Илья;8 900 123-45-67;i@example.com;Продажи/Москва;Main cost center;0012\r\n"
            + "Петрова Анна;+7 (900) 765-43-21;;Склад;Выездные;0013\r\n"
        ).encode("cp1251")
    )
    report = tmp_path / "report.jsonl"
    done = _cli(
        "users",
        "create",
        path,
        "--encoding",
        "cp1251",
        "--phone-region",
        "RU",
        "--columns",
        RUSSIAN_MAP,
        "--report",
        report,
        sandbox=b2b_sandbox,
    )
    assert done.returncode == 0, done.stderr
    assert "Табельный номер" in done.stderr  # the note about the ignored column
    assert [line["line"] for line in _report(report)] == [2, 3]
    staff = _by_phone(b2b_sandbox)
    assert staff["+79001234567"]["department_id"] == ids["sales-msk"]
    assert staff["+79001234567"]["cost_centers_id"] == b2b_sandbox.cost_center_id
    assert staff["+79001234567"]["email"] == "i@example.com"
    assert staff["+79007654321"]["department_id"] == ids["store"]
    assert staff["+79007654321"]["cost_centers_id"] == ids["field"]


def test_unknown_and_ambiguous_names_fail_their_rows_naming_them(
    tmp_path: Path, b2b_sandbox: Sandbox
) -> None:
    """'Бухгалтерия' is unknown and 'Москва' names two departments: those rows fail, naming
    the name, and are not sent; the valid row is created."""
    _structure(b2b_sandbox)
    path = tmp_path / "staff.csv"
    path.write_text(
        "fullname,phone,is_active,department,cost_center\n"
        "A,+79001234567,1,Бухгалтерия,Main cost center\n"
        "B,+79001234568,1,Москва,Main cost center\n"
        "C,+79001234569,1,Маркетинг/Москва,Main cost center\n",
        encoding="utf-8",
    )
    report = tmp_path / "report.jsonl"
    done = _cli("users", "create", path, "--report", report, sandbox=b2b_sandbox)
    assert done.returncode == 1
    lines = {line["line"]: line for line in _report(report)}
    assert "Бухгалтерия" in str(lines[2]["error"])
    assert "Москва" in str(lines[3]["error"])
    assert lines[4]["ok"] is True
    assert list(_by_phone(b2b_sandbox)) == ["+79001234569"]


def test_create_departments_makes_each_missing_one_once(
    tmp_path: Path, b2b_sandbox: Sandbox
) -> None:
    """200 rows naming three missing departments, sent 16 at a time: each department is
    created once, parents first, and every row lands in its own."""
    rows = "".join(
        f"U{n},+7900{n:07d},1,{['Логистика/Склад', 'Логистика', 'Продажи/Север'][n % 3]},"
        "Main cost center\n"
        for n in range(200)
    )
    path = tmp_path / "staff.csv"
    path.write_text("fullname,phone,is_active,department,cost_center\n" + rows, "utf-8")
    done = _cli(
        "users",
        "create",
        path,
        "--create-departments",
        "--concurrency",
        "16",
        sandbox=b2b_sandbox,
    )
    assert done.returncode == 0, done.stderr
    departments = b2b_sandbox.departments()
    named = sorted((str(d["name"]), d["parent_id"] is None) for d in departments)
    assert named == [("Логистика", True), ("Продажи", True), ("Север", False), ("Склад", False)]
    used = {user["department_id"] for user in b2b_sandbox.users()}
    assert len(used) == 3


def test_an_xlsx_sheet_is_read_with_excel_row_numbers(tmp_path: Path, b2b_sandbox: Sandbox) -> None:
    """--sheet picks the staff sheet; the report names Excel's rows; a phone typed as a
    number and a TRUE cell read right; a bad phone fails its row, naming it."""
    path = tmp_path / "staff.xlsx"
    workbook = openpyxl.Workbook()
    cover = workbook.active
    assert cover is not None
    cover.title = "Сводка"
    staff = workbook.create_sheet("Сотрудники")
    staff.append(["ФИО", "Телефон", "Активен", "Центр затрат"])
    staff.append(["Иванов Илья", 89001234567, True, "Main cost center"])
    staff.append([])
    staff.append(["Петрова Анна", "8 900 12", False, "Main cost center"])
    workbook.save(path)
    report = tmp_path / "report.jsonl"
    done = _cli(
        "users",
        "create",
        path,
        "--sheet",
        "Сотрудники",
        "--phone-region",
        "RU",
        "--columns",
        "fullname=ФИО,phone=Телефон,is_active=Активен,cost_center=Центр затрат",
        "--report",
        report,
        sandbox=b2b_sandbox,
    )
    assert done.returncode == 1
    lines = {line["line"]: line for line in _report(report)}
    assert lines[2]["ok"] is True
    assert lines[4]["ok"] is False
    assert lines[4]["error"]["field"] == "phone"  # type: ignore[index]
    assert list(_by_phone(b2b_sandbox)) == ["+79001234567"]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig"])
def test_utf16_and_bom_tab_separated_files_read_without_options(
    tmp_path: Path, b2b_sandbox: Sandbox, encoding: str
) -> None:
    """A UTF-16 (or UTF-8 with a BOM) tab-separated file needs no --encoding."""
    path = tmp_path / "staff.txt"
    path.write_bytes(
        "fullname\tphone\tis_active\tcost_centers_id\nИлья\t+79001234567\tистина\tcc-1\n".encode(
            encoding
        )
    )
    done = _cli("users", "create", path, sandbox=b2b_sandbox)
    assert done.returncode == 0, done.stderr
    assert _by_phone(b2b_sandbox)["+79001234567"]["fullname"] == "Илья"


def test_every_phone_format_lands_as_one_number(tmp_path: Path, b2b_sandbox: Sandbox) -> None:
    """+7 (900) …, 8 900 …, 89…, 9… (10 digits) all become +7…; the same number written two
    ways on two rows is a duplicate: both rows fail, each naming the other's line."""
    path = tmp_path / "staff.csv"
    written = [
        "+7 (900) 000-00-01",
        "8 900 000 00 02",
        "89000000003",
        "9000000004",
        "8 900 000-00-01",
    ]
    path.write_text(
        "fullname,phone,is_active,cost_centers_id\n"
        + "".join(f"U{n},{phone},1,cc\n" for n, phone in enumerate(written)),
        encoding="utf-8",
    )
    report = tmp_path / "report.jsonl"
    done = _cli(
        "users", "create", path, "--phone-region", "RU", "--report", report, sandbox=b2b_sandbox
    )
    assert sorted(_by_phone(b2b_sandbox)) == [f"+7900000000{n}" for n in (2, 3, 4)]
    lines = {line["line"]: line for line in _report(report)}
    assert "line 6" in str(lines[2]["error"])
    assert "line 2" in str(lines[6]["error"])
    assert done.returncode == 1


def test_a_mapping_file_is_the_whole_layout(tmp_path: Path, b2b_sandbox: Sandbox) -> None:
    """--columns FILE.toml gives the map, the encoding, the phone region and a default."""
    layout = tmp_path / "1c.toml"
    layout.write_text(
        'encoding = "cp1251"\nphone_region = "RU"\n[columns]\nfullname = "ФИО"\n'
        'phone = "Телефон"\n[defaults]\ncost_center = "Main cost center"\n',
        encoding="utf-8",
    )
    path = tmp_path / "staff.csv"
    path.write_bytes("ФИО;Телефон;Должность\r\nИванов;89001234567;Инженер\r\n".encode("cp1251"))
    done = _cli("users", "create", path, "--columns", layout, sandbox=b2b_sandbox)
    assert done.returncode == 0, done.stderr
    assert _by_phone(b2b_sandbox)["+79001234567"]["fullname"] == "Иванов"


def _seed_staff(sandbox: Sandbox) -> None:
    ids = _structure(sandbox)
    sandbox.add_user(
        phone="+79001234567",
        fullname="Иванов Илья",
        email="i@example.com",
        nickname="ivanov",
        department_id=ids["sales-msk"],
        limits=[("taxi", ids["taxi"])],
    )
    sandbox.add_user(
        phone="+79001234568",
        fullname="Петрова Анна",
        cost_centers_id=ids["field"],
        department_id=ids["mkt-msk"],
        is_active=False,
    )
    sandbox.add_user(phone="+79001234569", fullname="Сидоров", department_id=ids["store"])
    sandbox.add_user(phone="+79001234560", fullname="Архив", is_deleted=True)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_export_then_sync_is_a_round_trip_that_changes_nothing(
    tmp_path: Path, b2b_sandbox: Sandbox, suffix: str
) -> None:
    """users export writes the active staff by name; users sync --apply of that file plans
    nothing and leaves every employee equal field by field."""
    _seed_staff(b2b_sandbox)
    before = b2b_sandbox.users()
    path = tmp_path / f"staff{suffix}"
    exported = _cli("users", "export", path, sandbox=b2b_sandbox)
    assert exported.returncode == 0, exported.stderr
    assert "3 employees" in exported.stdout
    synced = _cli("users", "sync", path, "--apply", sandbox=b2b_sandbox)
    assert synced.returncode == 0, synced.stderr
    assert "0 to create, 0 to restore, 0 to update" in synced.stdout
    assert b2b_sandbox.users() == before


def test_an_edited_export_syncs_only_the_edit_and_clears_only_when_told(
    tmp_path: Path, b2b_sandbox: Sandbox
) -> None:
    """An emptied email cell changes nothing by default; --empty-clears email removes it; the
    renamed employee is the only other change."""
    _seed_staff(b2b_sandbox)
    path = tmp_path / "staff.csv"
    assert _cli("users", "export", path, sandbox=b2b_sandbox).returncode == 0
    text = path.read_text(encoding="utf-8-sig")
    text = text.replace("i@example.com", "").replace("Сидоров", "Сидоров Пётр")
    path.write_text(text, encoding="utf-8-sig")
    plain = _cli("users", "sync", path, "--apply", sandbox=b2b_sandbox)
    assert plain.returncode == 0, plain.stderr
    staff = _by_phone(b2b_sandbox)
    assert staff["+79001234567"]["email"] == "i@example.com"
    assert staff["+79001234569"]["fullname"] == "Сидоров Пётр"
    cleared = _cli("users", "sync", path, "--apply", "--empty-clears", "email", sandbox=b2b_sandbox)
    assert cleared.returncode == 0, cleared.stderr
    ivanov = _by_phone(b2b_sandbox)["+79001234567"]
    assert "email" not in ivanov
    assert ivanov["nickname"] == "ivanov"
    assert ivanov["limits"] == [{"limit_id": ids_of_limit(b2b_sandbox), "service": "taxi"}]


def ids_of_limit(sandbox: Sandbox) -> str:
    """The id of the one limit the sandbox's employees were given."""
    found = set()
    for user in sandbox.users():
        limits = user["limits"]
        assert isinstance(limits, list)
        found |= {str(lim["limit_id"]) for lim in limits if isinstance(lim, dict)}
    (limit,) = found
    return limit


def test_an_export_names_limits_by_title(tmp_path: Path, b2b_sandbox: Sandbox) -> None:
    """A limit the account knows is written by its title, and reads back as its id."""
    _seed_staff(b2b_sandbox)
    path = tmp_path / "staff.csv"
    assert _cli("users", "export", path, sandbox=b2b_sandbox).returncode == 0
    text = path.read_text(encoding="utf-8-sig")
    assert "taxi:Такси 5000" in text
    assert "Продажи/Москва" in text
    assert "Маркетинг/Москва" in text


def test_empty_clears_refuses_a_column_the_file_lacks(tmp_path: Path, b2b_sandbox: Sandbox) -> None:
    """--empty-clears email on a file without an email column would clear everyone's: exit 2."""
    path = tmp_path / "staff.csv"
    path.write_text("fullname,phone,is_active,cost_centers_id\nA,+79001234567,1,cc\n", "utf-8")
    done = _cli("users", "sync", path, "--empty-clears", "email", sandbox=b2b_sandbox)
    assert done.returncode == 2
    assert "email" in done.stderr
    assert b2b_sandbox.stats.requests == 0


def test_departments_and_cost_centers_are_listed_as_text_or_json(b2b_sandbox: Sandbox) -> None:
    """departments list shows each department's path; --json one object per line."""
    ids = _structure(b2b_sandbox)
    text = _cli("departments", "list", sandbox=b2b_sandbox)
    assert text.returncode == 0, text.stderr
    assert "Продажи/Москва" in text.stdout
    assert ids["mkt-msk"] in text.stdout
    as_json = _cli("departments", "list", "--json", sandbox=b2b_sandbox)
    items = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert {item["path"] for item in items} >= {"Продажи/Москва", "Маркетинг/Москва", "Склад"}
    centers = _cli("cost-centers", "list", "--json", sandbox=b2b_sandbox)
    names = {json.loads(line)["name"] for line in centers.stdout.splitlines()}
    assert names == {"Main cost center", "Выездные"}


def test_archive_reads_a_mapped_xlsx_of_ids(tmp_path: Path, b2b_sandbox: Sandbox) -> None:
    """users archive takes --columns user_id=… from a workbook, like create."""
    first = b2b_sandbox.add_user(phone="+79001234567")
    second = b2b_sandbox.add_user(phone="+79001234568")
    path = tmp_path / "leavers.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Сотрудник", "Код"])
    sheet.append(["A", first])
    sheet.append(["B", second])
    workbook.save(path)
    done = _cli("users", "archive", path, "--columns", "user_id=Код", sandbox=b2b_sandbox)
    assert done.returncode == 0, done.stderr
    assert not _by_phone(b2b_sandbox)


def test_a_10000_row_hr_file_is_checked_with_every_row_reported(
    tmp_path: Path, b2b_sandbox: Sandbox
) -> None:
    """10,000 rows of a cp1251 export with names and national phones, one phone written twice
    (two ways): a dry run reports every row by its line, only the two repeating rows fail,
    and nothing is created."""
    _structure(b2b_sandbox)
    path = tmp_path / "big.csv"
    with path.open("w", encoding="cp1251", newline="") as file:
        file.write(RUSSIAN_HEADER)
        for n in range(10_000):
            phone = f"8 (900) 0{n // 10000:02d}-{n % 10000:04d}" if n < 9_999 else "+79000000000"
            file.write(f"Сотрудник {n};{phone};;Склад;Выездные;{n}\r\n")
    report = tmp_path / "report.jsonl"
    done = _cli(
        "users",
        "create",
        path,
        "--encoding",
        "cp1251",
        "--phone-region",
        "RU",
        "--columns",
        RUSSIAN_MAP,
        "--dry-run",
        "--report",
        report,
        sandbox=b2b_sandbox,
        timeout=600,
    )
    assert done.returncode == 1, done.stderr[-2000:]
    lines = _report(report)
    assert sorted(int(str(line["line"])) for line in lines) == list(range(2, 10_002))
    assert sorted(int(str(line["line"])) for line in lines if not line["ok"]) == [2, 10_001]
    assert "valid 9998" in done.stdout
    assert not b2b_sandbox.users()


def test_a_dry_run_with_create_departments_creates_nothing(
    tmp_path: Path, b2b_sandbox: Sandbox
) -> None:
    """--create-departments --dry-run reports the rows of missing departments as valid and
    creates no department."""
    path = tmp_path / "staff.csv"
    path.write_text(
        "fullname,phone,is_active,department,cost_center\n"
        "A,+79001234567,1,Логистика/Склад,Main cost center\n",
        encoding="utf-8",
    )
    done = _cli("users", "create", path, "--create-departments", "--dry-run", sandbox=b2b_sandbox)
    assert done.returncode == 0, done.stderr
    assert "valid 1" in done.stdout
    assert not b2b_sandbox.departments()


def test_archive_by_phone_reads_national_phones_from_a_workbook(
    tmp_path: Path, b2b_sandbox: Sandbox
) -> None:
    """users archive --by phone takes a mapped phone column and --phone-region, like create."""
    b2b_sandbox.add_user(phone="+79001234567")
    b2b_sandbox.add_user(phone="+79001234568")
    path = tmp_path / "leavers.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["ФИО", "Телефон"])
    sheet.append(["A", "8 (900) 123-45-67"])
    sheet.append(["B", 89001234568])
    workbook.save(path)
    done = _cli(
        "users",
        "archive",
        path,
        "--by",
        "phone",
        "--columns",
        "phone=Телефон",
        "--phone-region",
        "RU",
        sandbox=b2b_sandbox,
    )
    assert done.returncode == 0, done.stderr
    assert not _by_phone(b2b_sandbox)


def test_sync_creates_departments_only_when_applied(tmp_path: Path, b2b_sandbox: Sandbox) -> None:
    """users sync --create-departments plans a move into a missing department without making
    it; with --apply it creates the department and moves the employee there."""
    b2b_sandbox.add_user(phone="+79001234567", fullname="Иванов")
    path = tmp_path / "staff.csv"
    path.write_text(
        "ФИО;Телефон;Отдел\r\nИванов;8 900 123-45-67;Логистика/Склад\r\n", encoding="utf-8"
    )
    layout = tmp_path / "layout.toml"
    layout.write_text(
        'phone_region = "RU"\n[columns]\nfullname = "ФИО"\nphone = "Телефон"\n'
        'department = "Отдел"\n[defaults]\ncost_center = "Main cost center"\n',
        encoding="utf-8",
    )
    options = ("--columns", str(layout), "--create-departments")
    planned = _cli("users", "sync", path, *options, sandbox=b2b_sandbox)
    assert planned.returncode == 0, planned.stderr
    assert "1 to update" in planned.stdout
    assert not b2b_sandbox.departments()
    applied = _cli("users", "sync", path, *options, "--apply", sandbox=b2b_sandbox)
    assert applied.returncode == 0, applied.stderr
    (store,) = [d for d in b2b_sandbox.departments() if d["name"] == "Склад"]
    assert _by_phone(b2b_sandbox)["+79001234567"]["department_id"] == store["id"]


def test_a_sync_plan_of_a_names_file_shows_departments_by_path(
    tmp_path: Path, b2b_sandbox: Sandbox
) -> None:
    """The plan of a file that gives names shows a move as 'Склад' -> 'Продажи/Москва', not
    as two ids."""
    ids = _structure(b2b_sandbox)
    b2b_sandbox.add_user(phone="+79001234567", fullname="Иванов", department_id=ids["store"])
    path = tmp_path / "staff.csv"
    path.write_text(
        "fullname,phone,is_active,department,cost_center\n"
        "Иванов,+79001234567,true,Продажи/Москва,Main cost center\n",
        encoding="utf-8",
    )
    planned = _cli("users", "sync", path, sandbox=b2b_sandbox)
    assert planned.returncode == 0, planned.stderr
    assert "department_id: 'Склад' -> 'Продажи/Москва'" in planned.stdout
    assert ids["store"] not in planned.stdout
