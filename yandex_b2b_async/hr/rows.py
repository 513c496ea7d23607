"""Reading HR files: employees from CSV, user ids from a list, row by row.

:func:`read_users_csv` checks the whole file first — its encoding, its header (every column an
API field name, the required ones present) and the shape of every row — and raises
:class:`InputFileError` naming the line and column before the caller sends anything. It then
returns a lazy iterator of :class:`CsvRow`: one per data row, holding a :class:`UserCreate` or
the :class:`ValidationError` that row fails with (a bad row is reported, never dropped).
:func:`read_user_ids` does the same for files of user ids. The check reads the file once more
than the rows do, in constant memory; neither holds the file.

Format: UTF-8 (a byte-order mark is allowed; UTF-16 with one, or any ``encoding``), ``,``,
``;`` or tab between cells (told by the header), any line ends; or an ``.xlsx`` sheet. Empty
cells are left out of the request. ``limits`` is ``service:limit_id`` pairs joined by ``;``
(``taxi:lim-1;eats2:lim-2``); ``is_active`` is one of true/false/1/0/yes/no or
ИСТИНА/ЛОЖЬ/да/нет (Russian Excel), in any case. Line numbers count the header as line 1; a row
whose quoted cell spans lines is numbered by its first line (an ``.xlsx`` row by Excel's).

HR files as they come (see ``docs/hr-files.md``): ``columns`` (a :class:`ColumnMap`, or its
``"field=Header,…"`` text) maps headers of the file's own to the fields, and then columns it
does not map are ignored (:func:`inspect_users_file` lists them); ``encoding`` and ``sheet``
read other text encodings, tab-separated text and ``.xlsx`` (see ``tables``);
``phone_region`` normalizes phones written in national form (see ``phones``); the columns
``department`` (a name or a path) and ``cost_center`` (a name), and limits by title, are turned
into ids by ``names`` (the :class:`ResolvedNames` of :func:`resolve_file_names`, see
``names``). Nothing here touches the network but :func:`resolve_file_names`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Final, Generic, TypeVar

import attrs

from .._personal import looks_like_phone, opaque_repr
from .._validators import PHONE_RE, check_phone, check_text
from ..errors import ValidationError
from ..models import Limit, UserCreate
from .columns import ID_FIELDS, NAME_FIELDS, USER_FIELDS, ColumnMap, header_key
from .names import FileNames, NameLookup, NameSource, ResolvedNames
from .phones import check_region, normalize_phone
from .resolve import NameResolver
from .tables import FilePath, InputFileError, is_excel, table_rows, text_lines

if TYPE_CHECKING:
    from .._client import B2BClient

__all__ = [
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "ColumnMap",
    "CsvRow",
    "InputFileError",
    "UsersFileInfo",
    "count_phones",
    "count_user_ids",
    "count_users_csv",
    "file_names",
    "inspect_users_file",
    "parse_bool",
    "parse_limits",
    "read_phones",
    "read_user_ids",
    "read_users_csv",
    "resolve_file_names",
    "user_from_cells",
]

_T = TypeVar("_T")

REQUIRED_COLUMNS: Final = ("fullname", "phone", "is_active", "cost_centers_id")
OPTIONAL_COLUMNS: Final = ("email", "nickname", "department_id", "limits")
_ID_COLUMN: Final = "user_id"
_COLUMNS: Final = frozenset(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)
# Russian Excel writes TRUE/FALSE as ИСТИНА/ЛОЖЬ, and people write да/нет.
_TRUE: Final = frozenset({"true", "1", "yes", "истина", "да"})
_FALSE: Final = frozenset({"false", "0", "no", "ложь", "нет"})
_BOOLEANS: Final = "true/false/1/0/yes/no/ИСТИНА/ЛОЖЬ/да/нет"


@attrs.frozen(kw_only=True)
class CsvRow(Generic[_T]):
    """One data row: its first line in the file and its value, or why it is invalid. The repr
    shows the value's type, not the value (a row holds an employee's personal data)."""

    line: int
    value: _T | None = attrs.field(default=None, repr=opaque_repr)
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


def user_from_cells(
    cells: Mapping[str, str],
    *,
    phone_region: str | None = None,
    names: NameLookup | None = None,
) -> UserCreate:
    """A :class:`UserCreate` from the cells of one row (field name -> text).

    Cells are stripped; an empty optional cell is left out; an empty ``fullname`` is the empty
    name. ``phone_region`` reads the phone in that region's conventions (``8 900 123-45-67``);
    ``names`` turns a ``department`` (name or path), a ``cost_center`` (name) and limits given
    by title into ids. Raises :class:`ValidationError` naming the field.
    """
    values: dict[str, object] = {}
    texts = {**dict.fromkeys(REQUIRED_COLUMNS, ""), **cells}
    _names_to_ids(texts, names)
    for name, raw in texts.items():
        text = raw.strip()
        if name == "is_active":
            if not text:
                raise ValidationError("is_active", f"is required ({_BOOLEANS})")
            values[name] = parse_bool(name, text)
        elif name == "limits":
            if text:
                limits = parse_limits(text)
                if names is not None:
                    limits = tuple(
                        Limit(
                            limit_id=names.limit_id(limit.service.value, limit.limit_id),
                            service=limit.service,
                        )
                        for limit in limits
                    )
                values[name] = limits
        elif name == "phone" and phone_region is not None and text:
            values[name] = normalize_phone(text, region=phone_region)
        elif name == "phone" and text and not PHONE_RE.fullmatch(text):
            # Said without the number: a file's phones are personal data.
            raise ValidationError(
                "phone",
                "must be in international format, e.g. +79001234567; to read phones written "
                "as 8 900 123-45-67, give a phone region (--phone-region RU)",
            )
        elif text or name in REQUIRED_COLUMNS:
            values[name] = text
    return UserCreate(**values)  # type: ignore[arg-type]


def _names_to_ids(texts: dict[str, str], names: NameLookup | None) -> None:
    """Replace the ``department`` and ``cost_center`` cells of a row by the ids they name."""
    for field, id_field in (("department", "department_id"), ("cost_center", "cost_centers_id")):
        text = texts.pop(field, "").strip()
        if not text:
            continue
        if texts.get(id_field, "").strip():
            raise ValidationError(field, f"give {field} or {id_field}, not both")
        if names is None:
            raise ValidationError(field, "is a name: read the file with names= to resolve it")
        if field == "department":
            texts[id_field] = names.department_id(text)
        else:
            texts[id_field] = names.cost_center_id(text)


# ---------------------------------------------------------------------------------------------
# Files


@attrs.frozen(kw_only=True)
class UsersFileInfo:
    """What :func:`inspect_users_file` found: the data rows, the field each used column
    holds (field -> header as written), the headers ignored (a column map was given and does
    not name them), the fields given a value for every row, and the name fields
    (``department``, ``cost_center``) some row fills.
    """

    rows: int
    columns: Mapping[str, str]
    ignored: tuple[str, ...]
    defaults: Mapping[str, str]
    named: frozenset[str] = frozenset()

    @property
    def fields(self) -> frozenset[str]:
        """Every field the file gives, by a column or a value for every row."""
        return frozenset(self.columns) | frozenset(self.defaults)

    @property
    def uses_names(self) -> bool:
        """True when some row names a department or cost center (names to resolve to ids)."""
        return bool(self.named)


@attrs.frozen(kw_only=True)
class _Options:
    columns: ColumnMap | None
    encoding: str | None
    sheet: str | None
    phone_region: str | None


def _options(
    columns: ColumnMap | str | None,
    encoding: str | None,
    sheet: str | None,
    phone_region: str | None,
    *,
    fields: tuple[str, ...] = USER_FIELDS,
) -> _Options:
    """The reading options: explicit ones win over a mapping file's."""
    if isinstance(columns, str):
        columns = ColumnMap.parse(columns, fields=fields)
    if columns is not None:
        encoding = encoding or columns.encoding
        sheet = sheet or columns.sheet
        phone_region = phone_region or columns.phone_region
    if phone_region is not None:
        phone_region = check_region(phone_region)
    return _Options(columns=columns, encoding=encoding, sheet=sheet, phone_region=phone_region)


@attrs.frozen(kw_only=True)
class _Layout:
    """Where each field is on a row: its cell position, or a value for every row."""

    info: UsersFileInfo
    positions: tuple[tuple[str, int], ...]
    width: int


def _layout(
    path: str,
    cells: list[str],
    *,
    known: tuple[str, ...],
    columns: ColumnMap | None,
    required: tuple[str, ...],
) -> _Layout:
    headers = [cell.strip() for cell in cells]
    if any(looks_like_phone(header) or "@" in header for header in headers):
        # A file without its header: said without quoting the row, an employee's data.
        raise InputFileError(
            path,
            "holds a phone or an email where the header belongs: the first line must name "
            "the columns (e.g. fullname,phone,is_active,cost_centers_id)",
            line=1,
        )
    wanted = {
        header_key(header): field for field, header in (columns.columns if columns else {}).items()
    }
    positions: dict[str, int] = {}
    used: dict[str, str] = {}
    ignored: list[str] = []
    seen: set[str] = set()
    for position, header in enumerate(headers):
        column = position + 1
        if not header:
            if columns is None:
                raise InputFileError(path, "a column has no name", line=1, column=column)
            continue
        key = header_key(header)
        if key in seen:
            raise InputFileError(path, f"column {header!r} appears twice", line=1, column=column)
        seen.add(key)
        field = wanted.get(key)
        if field is None and header in known and header not in (columns.columns if columns else {}):
            field = header  # a column already named as the field
        if field is None:
            if columns is None:
                raise InputFileError(
                    path,
                    f"unknown column {header!r}; the columns are field names ("
                    + ", ".join(known)
                    + "), or map your own headers with --columns, e.g. fullname=ФИО,phone=Телефон",
                    line=1,
                    column=column,
                )
            ignored.append(header)
            continue
        if field in positions:
            raise InputFileError(
                path,
                f"columns {used[field]!r} and {header!r} both hold {field}",
                line=1,
                column=column,
            )
        positions[field] = position
        used[field] = header
    if columns is not None:
        absent = [header for field, header in columns.columns.items() if field not in positions]
        if absent:
            raise InputFileError(
                path,
                f"the column map names column {absent[0]!r}, which the header does not have; "
                "the header has: " + ", ".join(repr(header) for header in headers if header),
                line=1,
                column=absent[0],
            )
    defaults = {
        field: value
        for field, value in (columns.defaults if columns else {}).items()
        if field not in positions
    }
    if columns is not None and "is_active" in known and "is_active" not in positions:
        # An HR export lists the staff as they are: without a column, everyone is active.
        defaults.setdefault("is_active", "true")
    given = set(positions) | set(defaults)
    missing = [
        field
        for field in required
        if field not in given and not (field == "cost_centers_id" and "cost_center" in given)
    ]
    if missing:
        hint = "" if columns is None else " (map it with --columns, or give it in [defaults])"
        raise InputFileError(
            path,
            "missing required column(s): " + ", ".join(missing) + hint,
            line=1,
            column=missing[0],
        )
    info = UsersFileInfo(rows=0, columns=used, ignored=tuple(ignored), defaults=defaults)
    return _Layout(info=info, positions=tuple(positions.items()), width=len(headers))


def _cells_of(layout: _Layout, cells: list[str]) -> dict[str, str] | ValidationError:
    if len(cells) != layout.width:
        return ValidationError("row", f"has {len(cells)} cells, the header has {layout.width}")
    values = {field: cells[position] for field, position in layout.positions}
    for field, value in layout.info.defaults.items():
        values[field] = value
    return values


def _users_rows(
    path: FilePath, options: _Options
) -> tuple[_Layout, Iterator[tuple[int, dict[str, str] | ValidationError]]]:
    name = os.fspath(path)
    rows = table_rows(path, encoding=options.encoding, sheet=options.sheet)
    try:
        _, header_cells = next(rows)
    except StopIteration:
        raise InputFileError(name, "is empty: the first line must be the header", line=1) from None
    layout = _layout(
        name, header_cells, known=USER_FIELDS, columns=options.columns, required=REQUIRED_COLUMNS
    )

    def data() -> Iterator[tuple[int, dict[str, str] | ValidationError]]:
        for line, cells in rows:
            yield line, _cells_of(layout, cells)

    return layout, data()


def inspect_users_file(
    path: FilePath,
    *,
    columns: ColumnMap | str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    phone_region: str | None = None,
) -> UsersFileInfo:
    """Check a users file whole (see the module) and say what it holds.

    Raises :class:`InputFileError` for a file that must be refused, and
    :class:`ValidationError` for bad options (a malformed column map, an unknown region).
    """
    options = _options(columns, encoding, sheet, phone_region)
    layout, rows = _users_rows(path, options)
    count = 0
    named: set[str] = set()
    for _, cells in rows:
        count += 1
        if not isinstance(cells, ValidationError):
            named.update(field for field in NAME_FIELDS if cells.get(field, "").strip())
    return attrs.evolve(layout.info, rows=count, named=frozenset(named))


def count_users_csv(
    path: FilePath,
    *,
    columns: ColumnMap | str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    phone_region: str | None = None,
) -> int:
    """Check a users file whole (see the module) and return how many data rows it has.

    Raises :class:`InputFileError` for a file that must be refused.
    """
    return inspect_users_file(
        path, columns=columns, encoding=encoding, sheet=sheet, phone_region=phone_region
    ).rows


def read_users_csv(
    path: FilePath,
    *,
    check: bool = True,
    columns: ColumnMap | str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    phone_region: str | None = None,
    names: NameLookup | None = None,
) -> Iterator[CsvRow[UserCreate]]:
    """The rows of a users file (CSV, tab-separated text or ``.xlsx``), lazily: a
    :class:`UserCreate` or the row's error each.

    With ``check`` (the default) the whole file is checked first, so a file to refuse raises
    :class:`InputFileError` here, before the first row is returned — also a file with a
    ``department`` or ``cost_center`` column when no ``names`` are given to resolve them. See
    the module for ``columns``, ``encoding``, ``sheet``, ``phone_region`` and ``names``.
    """
    options = _options(columns, encoding, sheet, phone_region)
    if check:
        info = inspect_users_file(
            path,
            columns=options.columns,
            encoding=options.encoding,
            sheet=options.sheet,
            phone_region=options.phone_region,
        )
        if info.uses_names and names is None:
            field = min(info.named)
            raise InputFileError(
                os.fspath(path),
                f"column {info.columns.get(field, field)!r} holds {field} names: pass names= "
                "(resolve_file_names resolves a file's names) to read it",
                line=1,
            )
    return _read_users(path, options, names)


def _read_users(
    path: FilePath, options: _Options, names: NameLookup | None
) -> Iterator[CsvRow[UserCreate]]:
    _, rows = _users_rows(path, options)
    for line, cells in rows:
        if isinstance(cells, ValidationError):
            yield CsvRow(line=line, error=cells)
            continue
        try:
            yield CsvRow(
                line=line,
                value=user_from_cells(cells, phone_region=options.phone_region, names=names),
            )
        except ValidationError as exc:
            yield CsvRow(line=line, error=exc)


def file_names(
    path: FilePath,
    *,
    columns: ColumnMap | str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
) -> FileNames:
    """The distinct names a users file gives, to resolve before its rows are read
    (:meth:`ResolvedNames.resolve`): its ``department`` and ``cost_center`` cells, and — in an
    HR file (one read with a column map, or with a name column) — the limits of its ``limits``
    cells, which may be titles. Raises :class:`InputFileError` as :func:`inspect_users_file`."""
    options = _options(columns, encoding, sheet, None)
    _, rows = _users_rows(path, options)
    found: dict[str, dict[object, None]] = {"department": {}, "cost_center": {}, "limits": {}}
    for _, cells in rows:
        if isinstance(cells, ValidationError):
            continue
        for field in NAME_FIELDS:
            text = cells.get(field, "").strip()
            if text:
                found[field].setdefault(text, None)
        text = cells.get("limits", "").strip()
        if text:
            try:
                limits = parse_limits(text)
            except ValidationError:
                continue  # the row reports it
            for limit in limits:
                found["limits"].setdefault((limit.service.value, limit.limit_id), None)
    if options.columns is None and not (found["department"] or found["cost_center"]):
        found["limits"] = {}  # a file in the API's own format: limits are ids
    return FileNames(
        departments=tuple(str(text) for text in found["department"]),
        cost_centers=tuple(str(text) for text in found["cost_center"]),
        limits=tuple(pair for pair in found["limits"] if isinstance(pair, tuple)),
    )


async def resolve_file_names(
    client: B2BClient,
    path: FilePath,
    *,
    columns: ColumnMap | str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    create_departments: bool = False,
    source: NameSource | None = None,
) -> ResolvedNames:
    """The names of the users file at ``path`` (read as :func:`read_users_csv` reads it),
    each resolved once through ``source`` — by default a :class:`NameResolver` of ``client``,
    which creates missing departments when ``create_departments`` — for ``names=``.

    Raises :class:`InputFileError` for a file to refuse; a name that does not resolve is the
    error of the rows that give it.
    """
    names = file_names(path, columns=columns, encoding=encoding, sheet=sheet)
    if source is None:
        source = NameResolver(client, create_missing=create_departments)
    return await ResolvedNames.resolve(source, names)


def _header(path: str, cells: list[str]) -> list[str]:
    names = [cell.strip() for cell in cells]
    seen: set[str] = set()
    for column, column_name in enumerate(names, start=1):
        if not column_name:
            raise InputFileError(path, "a column has no name", line=1, column=column)
        if column_name in seen:
            raise InputFileError(
                path, f"column {column_name!r} appears twice", line=1, column=column
            )
        seen.add(column_name)
    return names


# First lines of a one-column file that name a column rather than hold an id: a file of
# phones (or of any other field) must not have its header and rows sent as user ids.
_NOT_ID_HEADERS: Final = _COLUMNS | {"id", "phone_number", "телефон", "фио", "почта"}
# A bare value that is a phone number, not a user id ('+' and digits, or 10-15 digits).
_PHONE_LIKE: Final = re.compile(r"\+?\d[\d\s()-]{8,18}\d")


def _column_rows(
    path: FilePath, column: str, options: _Options | None = None
) -> Iterator[tuple[int, str]]:
    """``(line, raw value)`` of a one-column file: one value per line (a first line naming
    ``column`` is its header), or a CSV with a ``column`` column; with a column map, an
    encoding or a workbook, the column the map names (or the one named ``column``) of a table."""
    if options is not None and (
        options.columns is not None
        or options.encoding is not None
        or options.sheet is not None
        or is_excel(path)
    ):
        yield from _table_column(path, column, options)
        return
    name = os.fspath(path)
    number = 0
    for first in text_lines(path):
        number += 1
        if first.strip():
            break
    else:
        return
    header = [cell.strip() for cell in first.replace(";", ",").split(",")]
    if column in header:
        rows = table_rows(path)
        _, cells = next(rows)
        position = _header(name, cells).index(column)
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
    for position, text in enumerate(text_lines(path), start=1):
        if text.strip():
            yield position, text.strip()


def _table_column(path: FilePath, column: str, options: _Options) -> Iterator[tuple[int, str]]:
    name = os.fspath(path)
    rows = table_rows(path, encoding=options.encoding, sheet=options.sheet)
    try:
        _, cells = next(rows)
    except StopIteration:
        raise InputFileError(name, "is empty: the first line must be the header", line=1) from None
    mapped = options.columns.columns.get(column) if options.columns is not None else None
    wanted = header_key(mapped or column)
    keys = [header_key(cell) for cell in cells]
    if wanted not in keys:
        hint = "" if mapped else f"; map yours with --columns {column}=Header"
        raise InputFileError(
            name,
            f"no column {mapped or column!r} in the header{hint}; the header has: "
            + ", ".join(repr(cell.strip()) for cell in cells if cell.strip()),
            line=1,
        )
    position = keys.index(wanted)
    for line, cells in rows:
        yield line, cells[position] if position < len(cells) else ""


def _id_options(
    columns: ColumnMap | str | None, encoding: str | None, sheet: str | None
) -> _Options:
    return _options(columns, encoding, sheet, None, fields=ID_FIELDS)


def count_user_ids(
    path: FilePath,
    *,
    columns: ColumnMap | str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
) -> int:
    """Check a file of user ids whole and return how many ids it lists.

    Raises :class:`InputFileError` for a file whose first line names a column that is not
    ``user_id`` (``phone``, ``email``, …): its rows are not ids. ``columns`` (``user_id=Код``),
    ``encoding`` and ``sheet`` read it as :func:`read_users_csv` does.
    """
    options = _id_options(columns, encoding, sheet)
    return sum(1 for _ in _column_rows(path, _ID_COLUMN, options))


def read_user_ids(
    path: FilePath,
    *,
    check: bool = True,
    columns: ColumnMap | str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
) -> Iterator[CsvRow[str]]:
    """The user ids of a file, lazily, each with its line (see :func:`read_users_csv`).

    A value that is a phone number is a row error (it is not an id; ``--by phone`` reads
    phones).
    """
    options = _id_options(columns, encoding, sheet)
    if check:
        sum(1 for _ in _column_rows(path, _ID_COLUMN, options))
    return _read_ids(path, options)


def _read_ids(path: FilePath, options: _Options) -> Iterator[CsvRow[str]]:
    for line, raw in _column_rows(path, _ID_COLUMN, options):
        try:
            value = check_text(_ID_COLUMN, raw.strip(), allow_empty=False)
            if _PHONE_LIKE.fullmatch(value):
                raise ValidationError(
                    _ID_COLUMN, "is a phone number, not a user id (use --by phone for phones)"
                )
            yield CsvRow(line=line, value=value)
        except ValidationError as exc:
            yield CsvRow(line=line, error=exc)


def count_phones(
    path: FilePath,
    *,
    columns: ColumnMap | str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
) -> int:
    """Check a file of phones whole (one per line, or a CSV with a ``phone`` column) and
    return how many it lists."""
    options = _id_options(columns, encoding, sheet)
    return sum(1 for _ in _column_rows(path, "phone", options))


def read_phones(
    path: FilePath,
    *,
    check: bool = True,
    columns: ColumnMap | str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    phone_region: str | None = None,
) -> Iterator[CsvRow[str]]:
    """The phones of a file, lazily, each with its line, checked as the API's phones are
    (``+`` and digits), or read in ``phone_region``'s conventions when it is given."""
    options = _options(columns, encoding, sheet, phone_region, fields=ID_FIELDS)
    if check:
        sum(1 for _ in _column_rows(path, "phone", options))
    return _read_phones(path, options)


def _read_phones(path: FilePath, options: _Options) -> Iterator[CsvRow[str]]:
    region = options.phone_region
    for line, raw in _column_rows(path, "phone", options):
        try:
            if region is not None:
                yield CsvRow(line=line, value=normalize_phone(raw, region=region))
            else:
                yield CsvRow(line=line, value=check_phone("phone", raw.strip()))
        except ValidationError as exc:
            yield CsvRow(line=line, error=exc)
