"""Reading HR files: employees from CSV, user ids from a list, row by row.

:func:`read_users_csv` checks the whole file first — its encoding, its header (every column an
API field name, the required ones present) and the shape of every row — and raises
:class:`InputFileError` naming the line and column before the caller sends anything. It then
returns a lazy iterator of :class:`CsvRow`: one per data row, holding a :class:`UserCreate` or
the :class:`ValidationError` that row fails with (a bad row is reported, never dropped).
:func:`read_user_ids` does the same for files of user ids. The check reads the file once more
than the rows do, in constant memory; neither holds the file.

Format: UTF-8 (a byte-order mark is allowed), ``,`` or ``;`` between cells (told by the
header), any line ends. Empty cells are left out of the request. ``limits`` is
``service:limit_id`` pairs joined by ``;`` (``taxi:lim-1;eats2:lim-2``); ``is_active`` is one of
true/false/1/0/yes/no or ИСТИНА/ЛОЖЬ/да/нет (Russian Excel), in any case. Line numbers count the
header as line 1; a row whose quoted cell spans lines is numbered by its first line.
"""

from __future__ import annotations

import codecs
import csv
import os
import re
from collections.abc import Iterator
from typing import Final, Generic, TypeVar

import attrs

from ._validators import check_phone, check_text
from .errors import B2BError, ValidationError
from .models import Limit, UserCreate

__all__ = [
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "CsvRow",
    "InputFileError",
    "count_phones",
    "count_user_ids",
    "count_users_csv",
    "parse_bool",
    "parse_limits",
    "read_phones",
    "read_user_ids",
    "read_users_csv",
    "user_from_cells",
]

_T = TypeVar("_T")

REQUIRED_COLUMNS: Final = ("fullname", "phone", "is_active", "cost_centers_id")
OPTIONAL_COLUMNS: Final = ("email", "nickname", "department_id", "limits")
_COLUMNS: Final = frozenset(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)
_ID_COLUMN: Final = "user_id"
# Russian Excel writes TRUE/FALSE as ИСТИНА/ЛОЖЬ, and people write да/нет.
_TRUE: Final = frozenset({"true", "1", "yes", "истина", "да"})
_FALSE: Final = frozenset({"false", "0", "no", "ложь", "нет"})
_BOOLEANS: Final = "true/false/1/0/yes/no/ИСТИНА/ЛОЖЬ/да/нет"
_ENCODING: Final = "utf-8-sig"

FilePath = str | os.PathLike[str]


class InputFileError(B2BError, ValueError):
    """A file refused as a whole before anything was sent: bad encoding, an unknown, missing
    or repeated column, a malformed CSV. ``line`` and ``column`` (1-based) say where, when
    known."""

    def __init__(
        self, path: str, message: str, *, line: int | None = None, column: int | str | None = None
    ) -> None:
        self.path = path
        self.line = line
        self.column = column
        where = path
        if line is not None:
            where += f", line {line}"
        if column is not None:
            where += f", column {column}" if isinstance(column, int) else f", column {column!r}"
        super().__init__(f"{where}: {message}")


@attrs.frozen(kw_only=True)
class CsvRow(Generic[_T]):
    """One data row: its first line in the file and its value, or why it is invalid."""

    line: int
    value: _T | None = None
    error: ValidationError | None = None

    @property
    def ok(self) -> bool:
        """True when the row holds a valid value."""
        return self.error is None


# ---------------------------------------------------------------------------------------------
# Cells


def parse_bool(field: str, text: str) -> bool:
    """A boolean cell: true/false/1/0/yes/no or ИСТИНА/ЛОЖЬ/да/нет, in any case."""
    folded = text.strip().lower()
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    raise ValidationError(field, f"must be one of {_BOOLEANS}", value=text)


def parse_limits(text: str) -> tuple[Limit, ...]:
    """A ``limits`` cell: ``service:limit_id`` pairs joined by ``;``."""
    limits: list[Limit] = []
    for index, pair in enumerate(part.strip() for part in text.split(";")):
        field = f"limits[{index}]"
        service, colon, limit_id = pair.partition(":")
        if not colon or not service.strip() or not limit_id.strip():
            raise ValidationError(field, "must be service:limit_id, e.g. taxi:lim-1", value=pair)
        try:
            limits.append(Limit(limit_id=limit_id.strip(), service=service.strip()))
        except ValidationError as exc:
            name = "limit_id" if exc.field == "limit_id" else "service"
            raise ValidationError(f"{field}.{name}", exc.rule, value=pair) from None
    return tuple(limits)


def user_from_cells(cells: dict[str, str]) -> UserCreate:
    """A :class:`UserCreate` from the cells of one row (column name -> text).

    Cells are stripped; an empty optional cell is left out; an empty ``fullname`` is the empty
    name. Raises :class:`ValidationError` naming the field.
    """
    values: dict[str, object] = {}
    for name, raw in {**dict.fromkeys(REQUIRED_COLUMNS, ""), **cells}.items():
        text = raw.strip()
        if name == "is_active":
            if not text:
                raise ValidationError("is_active", f"is required ({_BOOLEANS})")
            values[name] = parse_bool(name, text)
        elif name == "limits":
            if text:
                values[name] = parse_limits(text)
        elif text or name in REQUIRED_COLUMNS:
            values[name] = text
    return UserCreate(**values)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# Files


def _open(path: FilePath) -> Iterator[str]:
    """The file's lines, decoded; a decoding error becomes an :class:`InputFileError`."""
    name = os.fspath(path)
    try:
        handle = open(name, "rb")  # noqa: SIM115 closed below
    except OSError as exc:
        raise InputFileError(name, f"cannot open: {exc.strerror or exc}") from None
    decoder = codecs.getincrementaldecoder(_ENCODING)()
    with handle:
        for number, raw in enumerate(handle, start=1):
            try:
                yield decoder.decode(raw)
            except UnicodeDecodeError as exc:
                column = len(raw[: exc.start].decode("utf-8", errors="replace")) + 1
                raise InputFileError(
                    name,
                    "is not UTF-8 text (save it as CSV UTF-8)",
                    line=number,
                    column=column,
                ) from None
        try:
            tail = decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise InputFileError(name, "ends in the middle of a UTF-8 character") from None
        if tail:
            yield tail


def _dialect(path: str, header: str, line: int) -> str:
    commas, semicolons = header.count(","), header.count(";")
    if semicolons > commas:
        return ";"
    if not commas and not semicolons and header.strip() not in _COLUMNS:
        raise InputFileError(path, "the header must name columns separated by , or ;", line=line)
    return ","


def _rows(path: FilePath) -> Iterator[tuple[int, list[str]]]:
    """``(first line, cells)`` of every non-blank row, the header first."""
    name = os.fspath(path)
    lines = _open(path)
    skipped = 0
    for first in lines:
        if first.strip():
            break
        skipped += 1
    else:
        raise InputFileError(name, "is empty: the first line must be the header", line=1)
    delimiter = _dialect(name, first, skipped + 1)

    def every_line() -> Iterator[str]:
        yield first
        yield from lines

    reader = csv.reader(every_line(), delimiter=delimiter, strict=True)
    previous_end = skipped
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            line = skipped + reader.line_num
            reason = str(exc)
            if "new-line character seen in unquoted field" in reason:
                # Python's own wording advises a file mode; the user's fix is in the file.
                reason = "a line break (a lone carriage return) inside an unquoted cell"
            raise InputFileError(name, f"is not valid CSV: {reason}", line=line) from None
        start = previous_end + 1
        previous_end = skipped + reader.line_num
        if cells and any(cell.strip() for cell in cells):
            yield start, cells


def _header(path: str, cells: list[str], *, known: frozenset[str] | None) -> list[str]:
    names = [cell.strip() for cell in cells]
    seen: set[str] = set()
    for column, column_name in enumerate(names, start=1):
        if not column_name:
            raise InputFileError(path, "a column has no name", line=1, column=column)
        if known is not None and column_name not in known:
            raise InputFileError(
                path,
                f"unknown column {column_name!r}; the columns are API field names: "
                + ", ".join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS),
                line=1,
                column=column,
            )
        if column_name in seen:
            raise InputFileError(
                path, f"column {column_name!r} appears twice", line=1, column=column
            )
        seen.add(column_name)
    return names


def _users_rows(path: FilePath) -> Iterator[tuple[int, dict[str, str] | ValidationError]]:
    name = os.fspath(path)
    rows = _rows(path)
    _, header_cells = next(rows)
    columns = _header(name, header_cells, known=_COLUMNS)
    missing = [column for column in REQUIRED_COLUMNS if column not in columns]
    if missing:
        raise InputFileError(
            name, "missing required column(s): " + ", ".join(missing), line=1, column=missing[0]
        )
    for line, cells in rows:
        if len(cells) != len(columns):
            yield (
                line,
                ValidationError("row", f"has {len(cells)} cells, the header has {len(columns)}"),
            )
        else:
            yield line, dict(zip(columns, cells, strict=True))


def count_users_csv(path: FilePath) -> int:
    """Check a users CSV whole (see the module) and return how many data rows it has.

    Raises :class:`InputFileError` for a file that must be refused.
    """
    return sum(1 for _ in _users_rows(path))


def read_users_csv(path: FilePath, *, check: bool = True) -> Iterator[CsvRow[UserCreate]]:
    """The rows of a users CSV, lazily: a :class:`UserCreate` or the row's error each.

    With ``check`` (the default) the whole file is checked first, so a file to refuse raises
    :class:`InputFileError` here, before the first row is returned.
    """
    if check:
        count_users_csv(path)
    return _read_users(path)


def _read_users(path: FilePath) -> Iterator[CsvRow[UserCreate]]:
    for line, cells in _users_rows(path):
        if isinstance(cells, ValidationError):
            yield CsvRow(line=line, error=cells)
            continue
        try:
            yield CsvRow(line=line, value=user_from_cells(cells))
        except ValidationError as exc:
            yield CsvRow(line=line, error=exc)


# First lines of a one-column file that name a column rather than hold an id: a file of
# phones (or of any other field) must not have its header and rows sent as user ids.
_NOT_ID_HEADERS: Final = _COLUMNS | {"id", "phone_number", "телефон", "фио", "почта"}
# A bare value that is a phone number, not a user id ('+' and digits, or 10-15 digits).
_PHONE_LIKE: Final = re.compile(r"\+?\d[\d\s()-]{8,18}\d")


def _column_rows(path: FilePath, column: str) -> Iterator[tuple[int, str]]:
    """``(line, raw value)`` of a one-column file: one value per line (a first line naming
    ``column`` is its header), or a CSV with a ``column`` column."""
    name = os.fspath(path)
    number = 0
    for first in _open(path):
        number += 1
        if first.strip():
            break
    else:
        return
    header = [cell.strip() for cell in first.replace(";", ",").split(",")]
    if column in header:
        rows = _rows(path)
        _, cells = next(rows)
        position = _header(name, cells, known=None).index(column)
        for line, cells in rows:
            yield line, cells[position] if position < len(cells) else ""
        return
    if len(header) > 1:
        raise InputFileError(
            name,
            f"a file of {column}s holds one {column} per line, or a CSV header with a "
            f"{column!r} column",
            line=number,
        )
    if column == _ID_COLUMN and header[0].lower() in _NOT_ID_HEADERS:
        advice = " (to act on employees by phone, pass --by phone)" if "phone" in header[0] else ""
        raise InputFileError(
            name,
            f"the header {header[0]!r} is not {_ID_COLUMN!r}: a file of ids holds one user_id "
            f"per line, with a {_ID_COLUMN!r} header or none{advice}",
            line=number,
            column=1,
        )
    for position, text in enumerate(_open(path), start=1):
        if text.strip():
            yield position, text.strip()


def count_user_ids(path: FilePath) -> int:
    """Check a file of user ids whole and return how many ids it lists.

    Raises :class:`InputFileError` for a file whose first line names a column that is not
    ``user_id`` (``phone``, ``email``, …): its rows are not ids.
    """
    return sum(1 for _ in _column_rows(path, _ID_COLUMN))


def read_user_ids(path: FilePath, *, check: bool = True) -> Iterator[CsvRow[str]]:
    """The user ids of a file, lazily, each with its line (see :func:`read_users_csv`).

    A value that is a phone number is a row error (it is not an id; ``--by phone`` reads
    phones).
    """
    if check:
        count_user_ids(path)
    return _read_ids(path)


def _read_ids(path: FilePath) -> Iterator[CsvRow[str]]:
    for line, raw in _column_rows(path, _ID_COLUMN):
        try:
            value = check_text(_ID_COLUMN, raw.strip(), allow_empty=False)
            if _PHONE_LIKE.fullmatch(value):
                raise ValidationError(
                    _ID_COLUMN, "is a phone number, not a user id (use --by phone for phones)"
                )
            yield CsvRow(line=line, value=value)
        except ValidationError as exc:
            yield CsvRow(line=line, error=exc)


def count_phones(path: FilePath) -> int:
    """Check a file of phones whole (one per line, or a CSV with a ``phone`` column) and
    return how many it lists."""
    return sum(1 for _ in _column_rows(path, "phone"))


def read_phones(path: FilePath, *, check: bool = True) -> Iterator[CsvRow[str]]:
    """The phones of a file, lazily, each with its line, checked as the API's phones are
    (``+`` and digits)."""
    if check:
        count_phones(path)
    return _read_phones(path)


def _read_phones(path: FilePath) -> Iterator[CsvRow[str]]:
    for line, raw in _column_rows(path, "phone"):
        try:
            yield CsvRow(line=line, value=check_phone("phone", raw.strip()))
        except ValidationError as exc:
            yield CsvRow(line=line, error=exc)
