"""Reading HR files: a bad file is refused whole with its line and column named, a bad row is
a row error with its line and field named, and everything else becomes a UserCreate."""

from __future__ import annotations

from pathlib import Path

import pytest

from yandex_b2b_async import (
    InputFileError,
    Limit,
    Service,
    UserCreate,
    ValidationError,
    read_user_ids,
    read_users_csv,
)
from yandex_b2b_async.hr.rows import count_users_csv, parse_bool, parse_limits

HEADER = "fullname,phone,email,is_active,cost_centers_id,nickname,department_id,limits\n"


def _write(tmp_path: Path, content: str | bytes, name: str = "users.csv") -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8", newline="")
    else:
        path.write_bytes(content)
    return path


def test_a_full_row_becomes_a_user_create(tmp_path: Path) -> None:
    """Every column maps to its field; limits are service:limit_id pairs joined by ';'."""
    path = _write(
        tmp_path,
        HEADER + "Ilya,+79990000001,i@example.com,yes,cc-1,ilya,dep-1,taxi:lim-1;eats2:lim-2\n",
    )
    (row,) = read_users_csv(path)
    assert row.line == 2
    assert row.value == UserCreate(
        fullname="Ilya",
        phone="+79990000001",
        email="i@example.com",
        is_active=True,
        cost_centers_id="cc-1",
        nickname="ilya",
        department_id="dep-1",
        limits=(Limit("lim-1", Service.TAXI), Limit("lim-2", Service.EATS2)),
    )


def test_empty_optional_cells_are_left_out(tmp_path: Path) -> None:
    """An empty optional cell is not sent; an empty fullname is the empty name."""
    path = _write(tmp_path, HEADER + ",+79990000001,,0,cc-1,,,\n")
    (row,) = read_users_csv(path)
    assert row.value == UserCreate(
        fullname="", phone="+79990000001", is_active=False, cost_centers_id="cc-1"
    )


def test_bom_semicolons_and_windows_line_ends_are_read(tmp_path: Path) -> None:
    """A BOM, ';' between cells and CRLF line ends (Excel's CSV) read like a plain file."""
    content = "\ufefffullname;phone;is_active;cost_centers_id;limits\r\n"
    content += 'Ilya;+79990000001;TRUE;cc-1;"taxi:lim-1;drive:lim-2"\r\n'
    (row,) = read_users_csv(_write(tmp_path, content.encode("utf-8")))
    assert row.value is not None
    assert row.value.is_active is True
    assert row.value.limits == (Limit("lim-1", Service.TAXI), Limit("lim-2", Service.DRIVE))


@pytest.mark.parametrize(
    ("text", "value"),
    [("true", True), ("FALSE", False), ("1", True), ("0", False), ("Yes", True), ("no", False)],
)
def test_booleans_read_in_every_documented_spelling(text: str, value: bool) -> None:
    """true/false/1/0/yes/no, in any case."""
    assert parse_bool("is_active", text) is value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("ИСТИНА", True),
        ("ЛОЖЬ", False),
        ("истина", True),
        ("Ложь", False),
        ("да", True),
        ("НЕТ", False),  # noqa: RUF001 Cyrillic on purpose
    ],
)
def test_booleans_read_as_russian_excel_and_people_write_them(text: str, value: bool) -> None:
    """ИСТИНА/ЛОЖЬ (Russian Excel) and да/нет, in any case, are booleans too."""
    assert parse_bool("is_active", text) is value


def test_a_bad_boolean_names_every_accepted_spelling() -> None:
    """The error for an unknown boolean lists the spellings, Russian ones included."""
    with pytest.raises(ValidationError, match="ИСТИНА/ЛОЖЬ"):
        parse_bool("is_active", "maybe")


def test_a_bad_limit_names_its_position() -> None:
    """An unknown service in the second limit is the field limits[1].service."""
    with pytest.raises(ValidationError) as caught:
        parse_limits("taxi:lim-1;bus:lim-2")
    assert caught.value.field == "limits[1].service"


def test_a_bad_row_is_a_row_error_with_its_line_and_field(tmp_path: Path) -> None:
    """Invalid rows are reported, not dropped, and the valid ones around them still read."""
    content = HEADER
    content += "A,+79990000001,,true,cc-1,,,\n"
    content += "B,12345,,true,cc-1,,,\n"
    content += "C,+79990000003,,maybe,cc-1,,,\n"
    content += "D,+79990000004,,true,cc-1\n"
    content += "E,+79990000005,,true,cc-1,,,\n"
    rows = list(read_users_csv(_write(tmp_path, content)))
    assert [row.line for row in rows] == [2, 3, 4, 5, 6]
    assert [row.ok for row in rows] == [True, False, False, False, True]
    fields = [row.error.field for row in rows if row.error is not None]
    assert fields == ["phone", "is_active", "row"]


def test_blank_lines_are_skipped_and_multiline_cells_keep_line_numbers(tmp_path: Path) -> None:
    """Line numbers are the file's: a blank line counts, a row is numbered by its first line."""
    content = HEADER + "\n" + '"Two\nlines",+79990000001,,true,cc-1,,,\nB,+79990000002,,1,cc,,,\n'
    rows = list(read_users_csv(_write(tmp_path, content)))
    assert [row.line for row in rows] == [3, 5]


def test_an_unknown_column_refuses_the_file(tmp_path: Path) -> None:
    """A column that is not an API field name refuses the file, naming line 1 and the column."""
    path = _write(tmp_path, "fullname,phone,is_active,costcenter,x\n")
    with pytest.raises(InputFileError) as caught:
        read_users_csv(path)
    assert caught.value.line == 1
    assert caught.value.column == 4
    assert "costcenter" in str(caught.value)
    assert "--columns" in str(caught.value)


def test_a_missing_required_column_refuses_the_file(tmp_path: Path) -> None:
    """Without is_active the file is refused, naming the column."""
    path = _write(tmp_path, "fullname,phone,cost_centers_id\nA,+79990000001,cc\n")
    with pytest.raises(InputFileError, match="is_active"):
        read_users_csv(path)


def test_a_repeated_column_refuses_the_file(tmp_path: Path) -> None:
    """A column named twice is ambiguous: refused."""
    path = _write(tmp_path, "fullname,phone,is_active,cost_centers_id,phone\n")
    with pytest.raises(InputFileError, match="twice"):
        read_users_csv(path)


def test_bad_encoding_anywhere_refuses_the_file_before_any_row(tmp_path: Path) -> None:
    """A non-UTF-8 byte on line 3 refuses the file at once, naming line 3 and the column."""
    content = (
        HEADER.encode() + b"A,+79990000001,,1,cc,,,\n" + "Ан".encode("cp1251") + b",+7,,1,cc,,,\n"
    )
    with pytest.raises(InputFileError) as caught:
        read_users_csv(_write(tmp_path, content))
    assert (caught.value.line, caught.value.column) == (3, 1)


def test_a_lone_carriage_return_is_refused_in_the_users_words(tmp_path: Path) -> None:
    """A bare CR inside an unquoted cell refuses the file naming the line, without Python's
    advice about file modes."""
    content = HEADER + "A\rB,+79990000001,,1,cc,,,\n"
    with pytest.raises(InputFileError) as caught:
        read_users_csv(_write(tmp_path, content))
    assert caught.value.line == 2
    assert "carriage return" in str(caught.value)
    assert "newline mode" not in str(caught.value)


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    """A file without a header is refused."""
    with pytest.raises(InputFileError, match="header"):
        read_users_csv(_write(tmp_path, ""))


def test_rows_are_read_lazily_after_the_check(tmp_path: Path) -> None:
    """The checked reader returns an iterator; count_users_csv counts the data rows."""
    content = HEADER + "".join(f"U{n},+7999{n:07d},,1,cc,,,\n" for n in range(1000))
    path = _write(tmp_path, content)
    rows = read_users_csv(path)
    assert next(rows).line == 2
    assert count_users_csv(path) == 1000


def test_an_id_file_holds_one_id_per_line(tmp_path: Path) -> None:
    """Ids one per line; blank lines skipped; whitespace and CRLF trimmed."""
    path = _write(tmp_path, "u-1\r\n\r\n  u-2 \r\n", name="ids.txt")
    assert [(row.line, row.value) for row in read_user_ids(path)] == [(1, "u-1"), (3, "u-2")]


def test_an_id_file_may_be_a_csv_with_a_user_id_column(tmp_path: Path) -> None:
    """A CSV with a user_id column gives that column; an empty cell is a row error."""
    path = _write(tmp_path, "fullname,user_id\nA,u-1\nB,\n", name="ids.csv")
    rows = list(read_user_ids(path))
    assert [(row.line, row.value) for row in rows] == [(2, "u-1"), (3, None)]
    assert rows[1].error is not None
    assert rows[1].error.field == "user_id"


def test_a_csv_of_ids_without_a_user_id_column_is_refused(tmp_path: Path) -> None:
    """Several columns but none named user_id: refused rather than guessed."""
    with pytest.raises(InputFileError, match="user_id"):
        read_user_ids(_write(tmp_path, "id,name\nu-1,A\n", name="ids.csv"))
