"""Rows of a table file as text cells: CSV or tab-separated text in any encoding, or ``.xlsx``.

A file is read once: :meth:`FileSnapshot.take` reads its bytes, and every reader works on that
snapshot, so a file rewritten while a job runs never mixes old and new content (and
:attr:`FileSnapshot.digest` says which content a job read). :func:`table_rows` yields
``(line, cells)`` for every row that is not blank. ``line`` is where the row starts in the
file: the text line (the first line of a row whose quoted cell spans lines), or the Excel row
number on the sheet — the numbers a person sees when they open the file. It sends nothing.

Text: ``encoding`` names a Python codec (``cp1251``, ``utf-16``, …); without one, a byte-order
mark decides (UTF-8, UTF-16 LE/BE) and otherwise the text must be UTF-8. The separator is the
one of ``,``, ``;`` and tab that the first lines hold most of (a title row above the table may
hold none). ``.xlsx`` (and ``.xlsm``) is read with ``openpyxl`` (the ``xlsx`` extra): the first
sheet, or ``sheet``; a merged cell's value holds for every cell of its range; numbers that are
whole are written without a fraction (a phone typed as a number stays ``79001234567``),
booleans as ``true``/``false``, dates in ISO form. A workbook has no text encoding: an
``encoding`` given for one is refused. A problem with the file raises :class:`InputFileError`
naming the line (and column) where it is known, and what to do.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import hashlib
import io
import os
import re
import weakref
from collections.abc import Iterator
from typing import Any, Final

import attrs

from .._personal import scrub
from ..errors import B2BError

__all__ = [
    "EXCEL_SUFFIXES",
    "FilePath",
    "FileSnapshot",
    "FileSource",
    "InputFileError",
    "is_excel",
    "snapshot",
    "spreadsheet_text",
    "table_rows",
    "text_lines",
]

FilePath = str | os.PathLike[str]

EXCEL_SUFFIXES: Final = (".xlsx", ".xlsm")
# Binary workbooks of other formats: refused by name, not misread as text.
_OTHER_WORKBOOKS: Final = (".xls", ".xlsb", ".ods")
# How a workbook's bytes start: a zip archive (.xlsx, .ods), an OLE2 compound file (.xls).
_ZIP_MAGIC: Final = b"PK\x03\x04"
_OLE_MAGIC: Final = b"\xd0\xcf\x11\xe0"
_SEPARATORS: Final = (",", ";", "\t")
# A CSV cell a spreadsheet would run as a formula (OWASP's CSV injection): one starting with
# "=" or "@", or with "+" or "-" and then anything but a number. A phone (+79001234567) or a
# negative amount is a number to Excel, not a formula, and stays as it is.
_FORMULA: Final = re.compile(r"[=@\t\r]|[+-](?![\d\s().-]*$)")
# Lines looked at to tell the separator: a title block above a table is a few lines.
_SEPARATOR_LINES: Final = 30
_UTF16_BOMS: Final = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_ENCODING_HINT: Final = (
    "pass --encoding (cp1251 for a Windows Cyrillic export) or save it as CSV UTF-8"
)


class InputFileError(B2BError, ValueError):
    """A file refused as a whole before anything was sent: bad encoding, an unknown, missing
    or repeated column, a malformed CSV. ``line`` and ``column`` (1-based) say where, when
    known. A phone or an email the message quotes (a cell) is masked."""

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
        super().__init__(f"{where}: {scrub(message)}")  # a cell may be a phone or an email


@attrs.frozen(kw_only=True)
class FileSnapshot:
    """A file's content as it was when read: ``name`` (the path, for messages), its bytes and
    their SHA-256 ``digest``. The bytes are never shown (they are employees' data)."""

    name: str
    content: bytes = attrs.field(repr=False)
    digest: str

    @classmethod
    def take(cls, path: FilePath) -> FileSnapshot:
        """Read the file at ``path`` once; raises :class:`InputFileError` when it cannot be
        read."""
        name = os.fspath(path)
        try:
            with open(name, "rb") as handle:
                content = handle.read()
        except OSError as exc:
            raise InputFileError(name, f"cannot open: {exc.strerror or exc}") from None
        return cls(name=name, content=content, digest=hashlib.sha256(content).hexdigest())


FileSource = FilePath | FileSnapshot
"""A file to read: its path (read once, when the reading starts) or a snapshot of it."""


def snapshot(source: FileSource) -> FileSnapshot:
    """``source`` itself when it is a snapshot, else a snapshot of the file it names."""
    return source if isinstance(source, FileSnapshot) else FileSnapshot.take(source)


def is_excel(path: FileSource) -> bool:
    """True when ``path`` names an Excel workbook (by its suffix)."""
    name = path.name if isinstance(path, FileSnapshot) else os.fspath(path)
    return name.lower().endswith(EXCEL_SUFFIXES)


def table_rows(
    path: FileSource, *, encoding: str | None = None, sheet: str | None = None
) -> Iterator[tuple[int, list[str]]]:
    """``(line, cells)`` of every non-blank row (see the module)."""
    file = snapshot(path)
    name = file.name
    if is_excel(file):
        if encoding is not None:
            raise InputFileError(
                name,
                f"an .xlsx workbook has no text encoding: drop --encoding {encoding} (it applies "
                "to CSV and text files)",
            )
        return _sheet_rows(file, sheet)
    if name.lower().endswith(_OTHER_WORKBOOKS):
        raise InputFileError(
            name,
            "is a workbook this reader does not open (.xls, .ods): save it as .xlsx or as CSV",
        )
    if sheet is not None:
        raise InputFileError(name, "--sheet applies to .xlsx files only")
    _refuse_disguised_workbook(file)
    return _text_rows(file, encoding)


def _refuse_disguised_workbook(file: FileSnapshot) -> None:
    """A workbook saved (or renamed) with a text file's name is said to be one, not misread."""
    if file.content.startswith(_ZIP_MAGIC):
        raise InputFileError(
            file.name,
            "is an Excel workbook (.xlsx), not text: rename it to .xlsx (or save the sheet "
            "as CSV in Excel)",
        )
    if file.content.startswith(_OLE_MAGIC):
        raise InputFileError(
            file.name,
            "is an old Excel workbook (.xls), not text: save it as .xlsx or as CSV in Excel",
        )


# ---------------------------------------------------------------------------------------------
# Text


def _check_codec(name: str, encoding: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise InputFileError(name, f"unknown encoding {encoding!r} (e.g. cp1251, utf-16)") from None


def text_lines(path: FileSource, encoding: str | None = None) -> list[str]:
    """The file's lines, decoded, each with its line end (split at ``\\n`` only, so a lone
    carriage return stays inside its line); a decoding error becomes an
    :class:`InputFileError` naming the line and column."""
    file = snapshot(path)
    name, content = file.name, file.content
    codec = _check_codec(name, encoding) if encoding is not None else None
    if codec is None:
        codec = "utf-16" if content.startswith(_UTF16_BOMS) else "utf-8-sig"
    elif codec == "utf-8":
        codec = "utf-8-sig"  # a byte-order mark is never part of the header
    try:
        text = content.decode(codec)
    except UnicodeDecodeError as exc:
        before = content[: exc.start].decode(codec, errors="replace")
        line = before.count("\n") + 1
        column = len(before) - (before.rfind("\n") + 1) + 1
        if exc.end >= len(content) and exc.reason.startswith(("unexpected end", "truncated")):
            raise InputFileError(
                name, f"ends in the middle of a {_codec_title(codec)} character"
            ) from None
        hint = _ENCODING_HINT if encoding is None else f"check --encoding {encoding}"
        raise InputFileError(
            name, f"is not {_codec_title(codec)} text: {hint}", line=line, column=column
        ) from None
    lines = [line + "\n" for line in text.split("\n")]
    lines[-1] = lines[-1][:-1]
    if not lines[-1]:
        lines.pop()
    return lines


def _codec_title(codec: str) -> str:
    return {"utf-8-sig": "UTF-8", "utf-8": "UTF-8", "utf-16": "UTF-16"}.get(codec, codec)


def _separator(lines: list[str]) -> str:
    """The separator the first lines hold most of on one line (a title has few or none)."""
    sample = [line for line in lines[:_SEPARATOR_LINES] if line.strip()]
    most = {
        separator: max((line.count(separator) for line in sample), default=0)
        for separator in _SEPARATORS
    }
    best = max(_SEPARATORS, key=lambda separator: most[separator])
    return best if most[best] else ","


def _text_rows(file: FileSnapshot, encoding: str | None) -> Iterator[tuple[int, list[str]]]:
    name = file.name
    lines = text_lines(file, encoding)
    if not any(line.strip() for line in lines):
        raise InputFileError(name, "is empty: it needs a header row and a row per employee", line=1)
    separator = _separator(lines)
    reader = csv.reader(iter(lines), delimiter=separator, strict=True)
    previous_end = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise _csv_error(
                name, lines, previous_end + 1, reader.line_num, separator, exc
            ) from None
        start = previous_end + 1
        previous_end = reader.line_num
        if cells and any(cell.strip() for cell in cells):
            yield start, [_unguarded(cell) for cell in cells]


def _csv_error(
    name: str, lines: list[str], start: int, end: int, separator: str, exc: csv.Error
) -> InputFileError:
    """The CSV module's error in the user's words, at the line (and column) where the fault
    starts: an unclosed quote is named where it opens, not at the end of the file."""
    reason = str(exc)
    if "new-line character seen in unquoted field" in reason:
        # Python's own wording advises a file mode; the user's fix is in the file.
        return InputFileError(
            name,
            "is not valid CSV: a line break (a lone carriage return) inside an unquoted cell; "
            "remove it, or save the file again from Excel",
            line=end,
        )
    opened = _unclosed_quote(lines, start, separator)
    if opened is not None:
        line, column = opened
        return InputFileError(
            name,
            'is not valid CSV: a quote (") opens this cell and is never closed, so the rest of '
            "the file would be read into it: close the quote, or write a quote inside a cell "
            'as two ("")',
            line=line,
            column=column,
        )
    if "field larger than field limit" in reason:
        line, column = _long_cell(lines, start, separator)
        limit = csv.field_size_limit()
        return InputFileError(
            name,
            f"is not valid CSV: a cell is longer than {limit} characters, the most a CSV cell "
            "may hold here; it is not an employee's data (a note or a document pasted into a "
            "cell?): shorten the cell, or leave that column out of the file",
            line=line,
            column=column,
        )
    return InputFileError(name, f"is not valid CSV: {reason}", line=end)


def _unclosed_quote(lines: list[str], start: int, separator: str) -> tuple[int, int] | None:
    """The line and column of a quote opened at or after line ``start`` and never closed."""
    opened: tuple[int, int] | None = None
    for number in range(start, len(lines) + 1):
        text = lines[number - 1]
        column = 1
        at_start = True  # of a cell: where a quote opens a quoted cell
        position = 0
        while position < len(text):
            char = text[position]
            if opened is not None:
                if char == '"':
                    if text[position + 1 : position + 2] == '"':
                        position += 1  # a doubled quote inside the cell
                    else:
                        opened = None
                        at_start = False
            elif char == '"' and at_start:
                opened = (number, column)
            elif char == separator:
                column += 1
                at_start = True
                position += 1
                continue
            elif char == "\n" and position == len(text) - 1:
                break
            at_start = False
            position += 1
        if opened is None:
            return None  # the row ended on this line: its fault is not a quote
    return opened


def _long_cell(lines: list[str], start: int, separator: str) -> tuple[int, int]:
    """The line and column of the first cell from line ``start`` on that is over the CSV
    field limit (unquoted cells: a quoted one that long is caught as an unclosed quote)."""
    limit = csv.field_size_limit()
    for number in range(start, len(lines) + 1):
        for column, cell in enumerate(lines[number - 1].split(separator), start=1):
            if len(cell) > limit:
                return number, column
    return start, 1


# ---------------------------------------------------------------------------------------------
# Excel


def _sheet_rows(file: FileSnapshot, sheet: str | None) -> Iterator[tuple[int, list[str]]]:
    # A job reads its snapshot several times (count, names, duplicates, rows) and a full
    # workbook load is the slow part, so a snapshot keeps its parsed sheets (as text) for as
    # long as it lives.
    sheets = _parsed_sheets.setdefault(file, {})
    rows = sheets.get(sheet)
    if rows is None:
        rows = sheets[sheet] = list(_parse_sheet(file, sheet))
    for number, cells in rows:
        yield number, list(cells)


_parsed_sheets: weakref.WeakKeyDictionary[
    FileSnapshot, dict[str | None, list[tuple[int, list[str]]]]
] = weakref.WeakKeyDictionary()


def _parse_sheet(file: FileSnapshot, sheet: str | None) -> Iterator[tuple[int, list[str]]]:
    name = file.name
    try:
        import openpyxl
    except ImportError:
        raise InputFileError(
            name,
            "reading .xlsx needs openpyxl: pip install 'yandex_b2b_async[xlsx]' (or save the "
            "sheet as CSV)",
        ) from None
    try:
        # Not read-only: only a full load knows the merged ranges.
        workbook = openpyxl.load_workbook(io.BytesIO(file.content), data_only=True)
    except Exception as exc:  # openpyxl raises zipfile, XML and KeyError alike on a bad file
        raise InputFileError(name, f"is not an Excel workbook ({type(exc).__name__})") from None
    try:
        if sheet is None:
            worksheet = workbook.worksheets[0]
        elif sheet in workbook.sheetnames:
            worksheet = workbook[sheet]
        else:
            raise InputFileError(
                name, f"has no sheet {sheet!r}; its sheets: " + ", ".join(workbook.sheetnames)
            )
        merged = _merged_values(worksheet)
        width: int | None = None  # the header's; a sheet pads every row to its widest one
        for number, row in enumerate(worksheet.iter_rows(), start=1):
            cells = [
                _cell_text(merged[number, column])
                if (number, column) in merged
                else _cell_text(cell.value, getattr(cell, "number_format", None))
                for column, cell in enumerate(row, start=1)
            ]
            while cells and not cells[-1].strip():
                cells.pop()
            if not cells:
                continue
            if width is None:
                width = len(cells)
            cells.extend([""] * (width - len(cells)))
            yield number, cells
    finally:
        workbook.close()


def _merged_values(worksheet: Any) -> dict[tuple[int, int], object]:
    """``(row, column)`` -> the value of the merged range the cell is in (its top-left
    cell's), for every cell of every merged range but the top-left one."""
    values: dict[tuple[int, int], object] = {}
    for merged in worksheet.merged_cells.ranges:
        value = worksheet.cell(merged.min_row, merged.min_col).value
        for row in range(merged.min_row, merged.max_row + 1):
            for column in range(merged.min_col, merged.max_col + 1):
                if (row, column) != (merged.min_row, merged.min_col):
                    values[row, column] = value
    return values


_ZERO_PADDED: Final = re.compile("0+")


def _cell_text(value: object, number_format: str | None = None) -> str:
    """A cell's value as the text the sheet shows for it, as far as a key or a field needs.

    A whole number shows as digits; under a zero-padded format (``0000``, what HR sheets give
    personnel numbers) it keeps its leading zeros, as Excel shows it and a CSV export writes
    it, so that a key read from either is the same."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        if number_format and _ZERO_PADDED.fullmatch(number_format):
            return str(value).zfill(len(number_format))
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    return str(value)


def spreadsheet_text(text: str) -> str:
    """``text`` as a CSV cell a spreadsheet shows as text: one it would run as a formula
    (``=HYPERLINK(…)`` typed as a name) gets a leading apostrophe, which Excel hides and the
    readers of this package remove again, so that an exported file reads back as it was."""
    return "'" + text if _needs_guard(text) else text


def _needs_guard(text: str) -> bool:
    # A text that already starts with apostrophes before a formula gets one more, so that
    # removing one on reading gives it back exactly.
    return bool(_FORMULA.match(text)) or (text.startswith("'") and _needs_guard(text[1:]))


def _unguarded(cell: str) -> str:
    """A cell :func:`spreadsheet_text` guarded, without its apostrophe."""
    return cell[1:] if cell.startswith("'") and _needs_guard(cell[1:]) else cell
