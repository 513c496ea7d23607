"""Rows of a table file as text cells: CSV or tab-separated text in any encoding, or ``.xlsx``.

:func:`table_rows` yields ``(line, cells)`` for every row that is not blank, the header first.
``line`` is where the row starts in the file: the text line (the first line of a row whose
quoted cell spans lines), or the Excel row number on the sheet — the numbers a person sees when
they open the file. It reads lazily, in constant memory, and sends nothing.

Text: ``encoding`` names a Python codec (``cp1251``, ``utf-16``, …); without one, a byte-order
mark decides (UTF-8, UTF-16 LE/BE) and otherwise the text must be UTF-8. The separator is the
one of ``,``, ``;`` and tab the header holds most of. ``.xlsx`` (and ``.xlsm``) is read with
``openpyxl`` (the ``xlsx`` extra): the first sheet, or ``sheet``; numbers that are whole are
written without a fraction (a phone typed as a number stays ``79001234567``), booleans as
``true``/``false``, dates in ISO form. A problem with the file raises :class:`InputFileError`
naming the line (and column) where it is known.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import os
from collections.abc import Iterator
from typing import Final

from .._personal import scrub
from ..errors import B2BError

__all__ = [
    "EXCEL_SUFFIXES",
    "FilePath",
    "InputFileError",
    "is_excel",
    "table_rows",
    "text_lines",
]

FilePath = str | os.PathLike[str]

EXCEL_SUFFIXES: Final = (".xlsx", ".xlsm")
# Binary workbooks of other formats: refused by name, not misread as text.
_OTHER_WORKBOOKS: Final = (".xls", ".xlsb", ".ods")
_SEPARATORS: Final = (",", ";", "\t")
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


def is_excel(path: FilePath) -> bool:
    """True when ``path`` names an Excel workbook (by its suffix)."""
    return os.fspath(path).lower().endswith(EXCEL_SUFFIXES)


def table_rows(
    path: FilePath, *, encoding: str | None = None, sheet: str | None = None
) -> Iterator[tuple[int, list[str]]]:
    """``(line, cells)`` of every non-blank row, the header first (see the module)."""
    if is_excel(path):
        return _sheet_rows(path, sheet)
    if os.fspath(path).lower().endswith(_OTHER_WORKBOOKS):
        raise InputFileError(
            os.fspath(path),
            "is a workbook this reader does not open (.xls, .ods): save it as .xlsx or as CSV",
        )
    if sheet is not None:
        raise InputFileError(os.fspath(path), "--sheet applies to .xlsx files only")
    return _text_rows(path, encoding)


# ---------------------------------------------------------------------------------------------
# Text


def _check_codec(name: str, encoding: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise InputFileError(name, f"unknown encoding {encoding!r} (e.g. cp1251, utf-16)") from None


def text_lines(path: FilePath, encoding: str | None = None) -> Iterator[str]:
    """The file's lines, decoded; a decoding error becomes an :class:`InputFileError`."""
    name = os.fspath(path)
    codec = _check_codec(name, encoding) if encoding is not None else None
    try:
        handle = open(name, "rb")  # noqa: SIM115 closed below
    except OSError as exc:
        raise InputFileError(name, f"cannot open: {exc.strerror or exc}") from None
    with handle:
        start = handle.read(4)
        handle.seek(0)
        if codec is None:
            codec = "utf-16" if start.startswith(_UTF16_BOMS) else "utf-8-sig"
        elif codec == "utf-8":
            codec = "utf-8-sig"  # a byte-order mark is never part of the header
        if codec.startswith(("utf-16", "utf-32")):
            yield from _wide_lines(name, handle, codec)
            return
        decoder = codecs.getincrementaldecoder(codec)()
        for number, raw in enumerate(handle, start=1):
            try:
                yield decoder.decode(raw)
            except UnicodeDecodeError as exc:
                column = len(raw[: exc.start].decode(codec, errors="replace")) + 1
                hint = _ENCODING_HINT if encoding is None else f"check --encoding {encoding}"
                raise InputFileError(
                    name, f"is not {_codec_title(codec)} text: {hint}", line=number, column=column
                ) from None
        try:
            tail = decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise InputFileError(
                name, f"ends in the middle of a {_codec_title(codec)} character"
            ) from None
        if tail:
            yield tail


def _wide_lines(name: str, handle: io.BufferedReader, codec: str) -> Iterator[str]:
    # A UTF-16 line break is two bytes: decode the stream, then split it into lines.
    text = io.TextIOWrapper(handle, encoding=codec, newline="")
    number = 0
    try:
        for line in text:
            number += 1
            yield line
    except UnicodeDecodeError:
        raise InputFileError(name, f"is not {_codec_title(codec)} text", line=number + 1) from None
    finally:
        text.detach()


def _codec_title(codec: str) -> str:
    return {"utf-8-sig": "UTF-8", "utf-8": "UTF-8", "utf-16": "UTF-16"}.get(codec, codec)


def _separator(header: str) -> str:
    counts = {separator: header.count(separator) for separator in _SEPARATORS}
    best = max(_SEPARATORS, key=lambda separator: counts[separator])
    return best if counts[best] else ","


def _text_rows(path: FilePath, encoding: str | None) -> Iterator[tuple[int, list[str]]]:
    name = os.fspath(path)
    lines = text_lines(path, encoding)
    skipped = 0
    for first in lines:
        if first.strip():
            break
        skipped += 1
    else:
        raise InputFileError(name, "is empty: the first line must be the header", line=1)

    def every_line() -> Iterator[str]:
        yield first
        yield from lines

    reader = csv.reader(every_line(), delimiter=_separator(first), strict=True)
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


# ---------------------------------------------------------------------------------------------
# Excel


def _sheet_rows(path: FilePath, sheet: str | None) -> Iterator[tuple[int, list[str]]]:
    name = os.fspath(path)
    try:
        import openpyxl
    except ImportError:
        raise InputFileError(
            name,
            "reading .xlsx needs openpyxl: pip install 'yandex_b2b_async[xlsx]' (or save the "
            "sheet as CSV)",
        ) from None
    try:
        workbook = openpyxl.load_workbook(name, read_only=True, data_only=True)
    except OSError as exc:
        raise InputFileError(name, f"cannot open: {exc.strerror or exc}") from None
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
        # Some writers store a wrong used range: read every row there is, not the range said.
        worksheet.reset_dimensions()
        rows = worksheet.iter_rows(min_row=1, values_only=True)
        width: int | None = None  # the header's; a sheet pads every row to its widest one
        for number, values in enumerate(rows, start=1):
            cells = [_cell_text(value) for value in values]
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


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    return str(value)
