"""What the API verbs print: a listing as a table on a terminal (tab-separated lines on a pipe),
as CSV, a JSON array or JSON lines (``--format``), or written to a file by its suffix (``-o``:
``.csv``, ``.jsonl``, ``.json``, ``.xlsx``); a record as ``field  value`` lines or JSON; a
create's, update's or delete's answer as the id alone or JSON.

Records are the models as the API spells them (:func:`plain`); a table, a CSV and a workbook
flatten nested objects to dotted columns (``source.fullname``) and write lists as JSON text.
The standard library only, but for ``.xlsx`` (openpyxl, the ``xlsx`` extra).
"""

from __future__ import annotations

import argparse
import csv
import datetime
import decimal
import enum
import io
import json
import os
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final, Literal

import attrs

from .._converter import unstructure
from ..hr.tables import spreadsheet_text
from .parser import UsageError

__all__ = [
    "FILE_FORMATS",
    "FORMATS",
    "Output",
    "Shows",
    "add_output_options",
    "flat",
    "output_of",
    "plain",
]

FORMATS: Final = ("table", "csv", "json", "jsonl")
FILE_FORMATS: Final = {".csv": "csv", ".jsonl": "jsonl", ".json": "json", ".xlsx": "xlsx"}
# A table cell on a terminal is cut to this many characters (the files hold the whole value).
_CELL_WIDTH: Final = 40

# What a verb answers: rows (``list``), one record, or the id of what it made or changed.
Shows = Literal["list", "record", "id"]


def add_output_options(parser: argparse.ArgumentParser, *, shows: Shows) -> None:
    """``--format`` (and, for a listing, ``-o FILE``)."""
    group = parser.add_argument_group("output")
    if shows == "list":
        group.add_argument(
            "--format",
            choices=FORMATS,
            help="table (default: aligned on a terminal, tab-separated on a pipe), csv (every "
            "field), json (an array) or jsonl (an object a line)",
        )
        group.add_argument(
            "-o",
            "--output",
            metavar="FILE",
            help="write the rows to FILE instead: .csv, .jsonl, .json or .xlsx (the xlsx "
            "extra), by its suffix",
        )
    else:
        what = "the record as field/value lines" if shows == "record" else "the id alone"
        group.add_argument(
            "--format",
            choices=FORMATS,
            help=f"table (default: {what}), json, jsonl (one line) or csv",
        )


@attrs.frozen(kw_only=True)
class Output:
    """Where and how a verb's answer goes (checked before anything is sent)."""

    format: str = "table"
    path: str | None = None
    terminal: bool = False

    def listing(self, rows: Sequence[Mapping[str, object]], columns: Sequence[str]) -> None:
        """Print or write ``rows`` (plain records); a table shows ``columns``."""
        if self.path is not None:
            _write_file(self.path, self.format, rows)
            noun = "row" if len(rows) == 1 else "rows"
            print(f"{len(rows)} {noun} written to {self.path}")
            return
        if self.format == "json":
            print(json.dumps(list(rows), ensure_ascii=False, indent=2))
        elif self.format == "jsonl":
            for row in rows:
                print(json.dumps(row, ensure_ascii=False))
        elif self.format == "csv":
            sys.stdout.write(_csv_text(rows))
        else:
            flats = [flat(row) for row in rows]
            shown = list(columns) or _columns_of(flats)
            _print_table(flats, shown, terminal=self.terminal)

    def record(self, row: Mapping[str, object]) -> None:
        """Print one record."""
        if self.format == "json":
            print(json.dumps(row, ensure_ascii=False, indent=2))
        elif self.format == "jsonl":
            print(json.dumps(row, ensure_ascii=False))
        elif self.format == "csv":
            sys.stdout.write(_csv_text([row]))
        else:
            fields = flat(row)
            width = max((len(name) for name in fields), default=0)
            for name, value in fields.items():
                if _objects(value):  # a list of objects: a line each, its plain fields
                    print(name)
                    for item in value:  # type: ignore[attr-defined]
                        print("  - " + "  ".join(_pairs(flat(item))))
                else:
                    print(f"{name.ljust(width)}  {_cell(value)}".rstrip())

    def ident(self, row: Mapping[str, object]) -> None:
        """Print what a create, update or delete answered: its id alone, or the record."""
        if self.format == "table":
            print(row.get("id", ""))
        else:
            self.record(row)


def output_of(args: argparse.Namespace, shows: Shows) -> Output:
    """The :class:`Output` of the parsed options; a file suffix it cannot write, or ``.xlsx``
    without openpyxl, is a :class:`UsageError` (before anything is sent)."""
    path: str | None = getattr(args, "output", None)
    chosen: str | None = args.format
    if path is None:
        return Output(format=chosen or "table", terminal=sys.stdout.isatty())
    suffix = os.path.splitext(path)[1].lower()
    by_suffix = FILE_FORMATS.get(suffix)
    if by_suffix is None:
        raise UsageError(
            f"-o {path}: the suffix says the format; use one of " + ", ".join(FILE_FORMATS)
        )
    if chosen is not None and chosen != by_suffix:
        raise UsageError(f"-o {path} writes {by_suffix}: drop --format {chosen}")
    if by_suffix == "xlsx":
        try:
            import openpyxl  # noqa: F401
        except ImportError:
            raise UsageError(
                "writing .xlsx needs openpyxl: pip install 'yandex_b2b_async[xlsx]'"
            ) from None
    return Output(format=by_suffix, path=path)


def plain(value: object) -> object:
    """A model (or anything an API call returns) as JSON-ready data, in the API's spelling."""
    if attrs.has(type(value)):
        return plain(unstructure(value))
    if isinstance(value, Mapping):  # a field named for a Python keyword (class_) as on the wire
        return {_wire(str(key)): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(item) for item in value]
    if isinstance(value, enum.Enum):
        return plain(value.value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _wire(name: str) -> str:
    return name[:-1] if name.endswith("_") and not name.startswith("_") else name


def flat(row: Mapping[str, object], prefix: str = "") -> dict[str, object]:
    """A plain record with nested objects as dotted keys (``source.fullname``); lists stay."""
    out: dict[str, object] = {}
    for key, value in row.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            out.update(flat(value, prefix=f"{name}."))
        else:
            out[name] = value
    return out


def _columns_of(rows: Iterable[Mapping[str, object]]) -> list[str]:
    seen: dict[str, None] = {}
    for row in rows:
        seen.update(dict.fromkeys(row))
    return list(seen)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False) if value else ""
    return str(value)


def _objects(value: object) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(i, Mapping) for i in value)


def _pairs(item: Mapping[str, object]) -> list[str]:
    """``key=value`` for the plain fields of an object (nested lists left to --format json)."""
    return [
        f"{key}={_cell(value)}"
        for key, value in item.items()
        if value is not None and not isinstance(value, list | dict)
    ]


def _table_cell(value: object) -> str:
    """A cell of a table: a list of named objects (tariffs' requirements, ...) by their names."""
    if (
        isinstance(value, list)
        and value
        and all(isinstance(item, Mapping) and "name" in item for item in value)
    ):
        return ", ".join(str(item["name"]) for item in value)
    return _cell(value)


def _print_table(
    rows: Sequence[Mapping[str, object]], columns: Sequence[str], *, terminal: bool
) -> None:
    if not terminal:  # a pipe: plain tab-separated data, whole cells, no header (as gh does)
        for row in rows:
            print("\t".join(_table_cell(row.get(column)).replace("\t", " ") for column in columns))
        return
    header = [column.upper() for column in columns]
    cells = [[_cut(_table_cell(row.get(column))) for column in columns] for row in rows]
    widths = [max(len(text) for text in column) for column in zip(header, *cells, strict=False)]
    for line in (header, *cells):
        print(
            "  ".join(text.ljust(width) for text, width in zip(line, widths, strict=True)).rstrip()
        )
    if not rows:
        print("(none)")


def _cut(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _CELL_WIDTH else text[: _CELL_WIDTH - 1] + "…"


def _csv_text(rows: Sequence[Mapping[str, object]]) -> str:
    flats = [flat(row) for row in rows]
    columns = _columns_of(flats)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in flats:
        writer.writerow([spreadsheet_text(_cell(row.get(column))) for column in columns])
    return buffer.getvalue()


def _write_file(path: str, kind: str, rows: Sequence[Mapping[str, object]]) -> None:
    try:
        if kind == "xlsx":
            _write_xlsx(path, rows)
            return
        # CSV with a byte-order mark: Excel then reads the Cyrillic right.
        encoding = "utf-8-sig" if kind == "csv" else "utf-8"
        with open(path, "w", encoding=encoding, newline="") as file:
            if kind == "csv":
                file.write(_csv_text(rows))
            elif kind == "json":
                file.write(json.dumps(list(rows), ensure_ascii=False, indent=2) + "\n")
            else:
                for row in rows:
                    file.write(json.dumps(row, ensure_ascii=False) + "\n")
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None


def _sheet_title(path: str) -> str:
    """The file's name as its sheet's title (trips.xlsx: "trips"), within Excel's rules for
    one: at most 31 characters, none of []:*?/\\."""
    title = re.sub(r"[\[\]:*?/\\]", " ", os.path.splitext(os.path.basename(path))[0]).strip()
    return title[:31] or "Sheet"


def _write_xlsx(path: str, rows: Sequence[Mapping[str, object]]) -> None:
    """A workbook an accountant can sort and sum: the header bold and frozen, a filter on it,
    columns wide enough to read, dates as Excel dates and numbers as numbers."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    flats = [flat(row) for row in rows]
    columns = _columns_of(flats)
    cells = [[_xlsx_cell(row.get(column)) for column in columns] for row in flats]
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(_sheet_title(path))
    sheet.freeze_panes = "A2"
    for index, column in enumerate(columns, start=1):
        longest = max([len(column), *(_xlsx_width(line[index - 1]) for line in cells)])
        sheet.column_dimensions[get_column_letter(index)].width = min(longest + 2, _XLSX_WIDTH)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for line in cells:
        sheet.append([_text_cell(sheet, value) for value in line])
    if columns:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(cells) + 1}"
    workbook.save(path)


# A workbook's column is at most this wide (characters); a longer cell wraps out of sight.
_XLSX_WIDTH: Final = 50
# The API's dates and times as plain() spells them: 2026-11-30, 2026-11-30T09:15:00+03:00.
_ISO_MOMENT: Final = re.compile(
    r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?"
)


def _xlsx_cell(value: object) -> object:
    """Numbers and booleans as themselves (sums add up in Excel), dates and times as Excel's
    (the time as the API wrote it, in its offset: Excel has no time zones), the rest as text."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str) and _ISO_MOMENT.fullmatch(value):
        try:
            moment = datetime.datetime.fromisoformat(value)
        except ValueError:  # shaped like a date but not one (2026-13-01): as written
            return value
        if len(value) == 10:
            return moment.date()
        return moment.replace(tzinfo=None, microsecond=0)
    return _cell(value)


def _text_cell(sheet: Any, value: object) -> object:
    """A text starting with '=' as text: openpyxl would store it as a formula, and a comment
    or an address an employee typed would run in the accountant's Excel."""
    if not (isinstance(value, str) and value.startswith("=")):
        return value
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    return cell


def _xlsx_width(value: object) -> int:
    if isinstance(value, datetime.datetime):
        return 19
    if isinstance(value, datetime.date):
        return 10
    return len(_cell(value))
