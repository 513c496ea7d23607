"""Reading HR files: employees from CSV, user ids from a list, row by row.

:func:`read_users_csv` checks the whole file first — its encoding, its header (every column an
API field name, the required ones present) and the shape of every row — and raises
:class:`InputFileError` naming the line and column before the caller sends anything. It then
returns a lazy iterator of :class:`CsvRow`: one per data row, holding a :class:`UserCreate` or
the :class:`ValidationError` that row fails with (a bad row is reported, never dropped), or
marking a row the ``where`` conditions (:class:`RowFilter`) leave out as ``filtered``.
:func:`read_user_ids` does the same for files of user ids. Each reader takes the file's bytes
once, when it is called (or a :class:`FileSnapshot` taken earlier), and the check and the rows
come from that copy: a file rewritten meanwhile changes nothing.

Format: UTF-8 (a byte-order mark is allowed; UTF-16 with one, or any ``encoding``), ``,``,
``;`` or tab between cells (told by the first lines), any line ends; or an ``.xlsx`` sheet.
The header is the first row naming a known field (or, with ``columns``, a mapped header),
so title and blank rows above a table are passed over; ``header_row`` says where it is
instead. Empty cells are left out of the request. ``limits`` is ``service:limit_id`` pairs
joined by ``;`` (``taxi:lim-1;eats2:lim-2``); ``is_active`` is one of true/false/1/0/yes/no or
ИСТИНА/ЛОЖЬ/да/нет (Russian Excel), in any case. Line numbers are the file's own lines; a row
whose quoted cell spans lines is numbered by its first line (an ``.xlsx`` row by Excel's). A
row error names the file's column when its header is not the field's name (:class:`CellError`).

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

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Final, Generic, Literal, TypeVar

import attrs

from .._personal import looks_like_phone, mask_name, name_repr, opaque_repr
from .._validators import PHONE_RE, check_phone, check_text
from ..errors import ValidationError
from ..models import Limit, UserCreate
from .columns import ID_FIELDS, NAME_FIELDS, USER_FIELDS, ColumnMap, header_key
from .names import FileNames, NameLookup, NameSource, ResolvedNames
from .phones import check_region, normalize_phone
from .resolve import NameResolver
from .tables import (
    FileSnapshot,
    FileSource,
    InputFileError,
    is_excel,
    snapshot,
    table_rows,
    text_lines,
)

if TYPE_CHECKING:
    from .._client import B2BClient

__all__ = [
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "CellError",
    "ColumnMap",
    "CsvRow",
    "FileSnapshot",
    "InputFileError",
    "RowFilter",
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
    """One data row: its first line in the file and its value, or why it is invalid; or a row
    a ``where`` condition leaves out (``filtered``: no value, no error, never sent).

    The repr shows the value's type, not the value, and leaves ``cells`` out: a row holds an
    employee's personal data. ``cells`` are the row's texts by field (the reader's input), so
    that a caller can still read a key of an invalid row.
    """

    line: int
    value: _T | None = attrs.field(default=None, repr=opaque_repr)
    error: ValidationError | None = None
    filtered: bool = False
    cells: Mapping[str, str] | None = attrs.field(default=None, repr=False, eq=False)

    @property
    def ok(self) -> bool:
        """True when the row holds a valid value."""
        return self.error is None and not self.filtered


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
        elif name == "phone" and not text:
            raise ValidationError(
                "phone",
                "the cell is empty: every employee needs a mobile phone; fill it in, or leave "
                "the row out of the file (or out of the run with --where)",
            )
        elif name == "phone" and _several_phones(text):
            raise ValidationError(
                "phone",
                "the cell holds more than one phone; the API takes one per employee: keep the "
                "mobile phone in this cell and move the others out of it",
            )
        elif name == "phone" and phone_region is not None:
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


# A run of digits a phone has at least (national significant numbers are 7 digits and up).
_PHONE_DIGITS: Final = 7
_PHONE_SPLIT: Final = re.compile(r"[,;/\n]|\s(?:и|или|or|and)\s", re.IGNORECASE)


def _several_phones(text: str) -> bool:
    """True when a phone cell holds two numbers (``8 900 …, 8 901 …``, ``… / …``, ``… и …``)."""
    parts = [part for part in _PHONE_SPLIT.split(text) if part.strip()]
    return sum(1 for part in parts if sum(c.isdigit() for c in part) >= _PHONE_DIGITS) > 1


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
class RowFilter:
    """A condition a row must hold to be read (``--where``): the cell of ``column`` (a header
    of the file, or a field the map names) equals ``value`` — or, with ``equal=False``, differs
    from it. Cells and values compare ignoring case and repeated spaces.

    The value may be a person's cell (a name, a phone), so its repr and ``str`` hide it
    (``ФИО=•••``): the errors about a condition name its column; :attr:`spec` is the condition
    as written."""

    column: str
    value: str = attrs.field(repr=name_repr)
    equal: bool = True

    @classmethod
    def parse(cls, text: str) -> RowFilter:
        """A filter from ``"COLUMN=VALUE"`` or ``"COLUMN!=VALUE"``; raises
        :class:`ValidationError`."""
        for operator, equal in (("!=", False), ("=", True)):
            column, found, value = text.partition(operator)
            if found:
                if not column.strip():
                    break
                return cls(column=column.strip(), value=value.strip(), equal=equal)
        # not quoted: a condition without its column may be the value alone (a name, a phone)
        raise ValidationError(
            "where",
            "must be COLUMN=VALUE or COLUMN!=VALUE, e.g. Статус=Работает; "
            + ("the column is empty" if found else "got no '=' in it"),
        )

    @property
    def spec(self) -> str:
        """The condition as written, its value included (``ФИО=Иванов``)."""
        return f"{self.column}{self._operator}{self.value}"

    @property
    def _operator(self) -> str:
        return "=" if self.equal else "!="

    def __str__(self) -> str:
        return f"{self.column}{self._operator}{mask_name(self.value)}"


@attrs.frozen(kw_only=True)
class UsersFileInfo:
    """What :func:`inspect_users_file` found: the data rows, the field each used column
    holds (field -> header as written), the headers ignored (a column map was given and does
    not name them), the fields given a value for every row, the name fields
    (``department``, ``cost_center``) some row fills, the header's line, and how many data
    rows the ``where`` conditions leave out (``rows`` counts them too).
    """

    rows: int
    columns: Mapping[str, str]
    ignored: tuple[str, ...]
    defaults: Mapping[str, str]
    named: frozenset[str] = frozenset()
    header_line: int = 1
    filtered: int = 0

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
    header_row: int | None = None
    where: tuple[RowFilter, ...] = ()


# Rows looked at for the header when no --header-row says where it is: a title block above a
# table is a few lines.
_HEADER_SEARCH: Final = 30


def _options(
    file: FileSnapshot,
    columns: ColumnMap | str | None,
    encoding: str | None,
    sheet: str | None,
    phone_region: str | None,
    *,
    fields: tuple[str, ...] = USER_FIELDS,
    header_row: int | None = None,
    where: Iterable[RowFilter | str] = (),
) -> _Options:
    """The reading options: explicit ones win over a mapping file's. A mapping file's
    ``sheet`` applies to workbooks only and its ``encoding`` to text only, so that one map
    serves a month's CSV and the next month's ``.xlsx``."""
    if isinstance(columns, str):
        columns = ColumnMap.parse(columns, fields=fields)
    excel = is_excel(file)
    if columns is not None:
        encoding = encoding or (None if excel else columns.encoding)
        sheet = sheet or (columns.sheet if excel else None)
        phone_region = phone_region or columns.phone_region
    if phone_region is not None:
        phone_region = check_region(phone_region)
    if header_row is not None and (
        isinstance(header_row, bool) or not isinstance(header_row, int) or header_row < 1
    ):
        raise ValidationError("header_row", "must be a row number >= 1", value=header_row)
    filters = tuple(
        condition if isinstance(condition, RowFilter) else RowFilter.parse(condition)
        for condition in where
    )
    return _Options(
        columns=columns,
        encoding=encoding,
        sheet=sheet,
        phone_region=phone_region,
        header_row=header_row,
        where=filters,
    )


def _find_header(
    name: str,
    rows: Iterator[tuple[int, list[str]]],
    *,
    header_row: int | None,
    names_a_column: Callable[[list[str]], bool],
    wanted: str,
) -> tuple[int, list[str]]:
    """The header row: the one at ``header_row``, else the first that ``names_a_column``
    (title and blank rows above a table are passed over)."""
    first: tuple[int, list[str]] | None = None
    for seen, (line, cells) in enumerate(rows):
        if first is None:
            first = (line, cells)
        if header_row is not None:
            if line == header_row:
                if any(_holds_contact(cell) for cell in cells):
                    # A message listing this "header" would quote an employee's name.
                    raise InputFileError(
                        name,
                        f"--header-row {header_row}: that row holds a phone or an email, so it "
                        "is an employee's row, not the header: give the row of the column "
                        "titles, or leave --header-row out to have the header found",
                        line=header_row,
                    )
                return line, cells
            if line > header_row:
                raise InputFileError(
                    name,
                    f"--header-row {header_row}: that row is blank or inside a cell; the next "
                    f"row starts on line {line}",
                    line=header_row,
                )
            continue
        if names_a_column(cells):
            return line, cells
        if seen + 1 >= _HEADER_SEARCH:
            break
    if first is None:
        raise InputFileError(name, "is empty: it needs a header row and a row per employee", line=1)
    if header_row is not None:
        raise InputFileError(
            name, f"--header-row {header_row}: the file ends on an earlier row", line=header_row
        )
    raise InputFileError(
        name,
        f"found no header: none of its first {_HEADER_SEARCH} rows names {wanted}; say which "
        "row is the header with --header-row N"
        + ("" if "map" in wanted else ", or map your own headers with --columns"),
        line=first[0],
    )


_EMAIL_CELL: Final = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def _holds_contact(cell: str) -> bool:
    """True for a cell that is a phone or an email: a data row's cell, never a header's."""
    text = cell.strip()
    return looks_like_phone(text) or bool(_EMAIL_CELL.fullmatch(text))


def _listed(headers: Iterable[str]) -> str:
    """A header's cells for a message: each once (a merged title fills every cell of its
    range), in order, blanks left out."""
    cells = dict.fromkeys(cell.strip() for cell in headers if cell.strip())
    return ", ".join(repr(cell) for cell in cells)


@attrs.frozen(kw_only=True)
class _Layout:
    """Where each field is on a row: its cell position, or a value for every row; and the
    position of each ``where`` condition's column."""

    info: UsersFileInfo
    positions: tuple[tuple[str, int], ...]
    width: int
    filters: tuple[tuple[int, RowFilter], ...] = ()


def _layout(
    path: str,
    cells: list[str],
    *,
    line: int,
    known: tuple[str, ...],
    columns: ColumnMap | None,
    required: tuple[str, ...],
    where: tuple[RowFilter, ...] = (),
) -> _Layout:
    headers = [cell.strip() for cell in cells]
    mapped = columns.columns if columns else {}
    wanted = {header_key(header): field for field, header in mapped.items()}

    def field_of(header: str) -> str | None:
        field = wanted.get(header_key(header))
        if field is None and header in known and header not in mapped:
            field = header  # a column already named as the field
        return field

    positions: dict[str, int] = {}
    used: dict[str, str] = {}
    ignored: list[str] = []
    seen: dict[str, int] = {}
    for position, header in enumerate(headers):
        column = position + 1
        if not header:
            if columns is None:
                raise InputFileError(path, "a column has no name", line=line, column=column)
            continue
        key = header_key(header)
        field = field_of(header)
        if key in seen:
            if field is None and columns is not None:
                continue  # a repeated column nothing reads: ignored like any unmapped one
            raise InputFileError(
                path,
                f"column {header!r} appears twice (columns {seen[key]} and {column}): rename "
                "one, so that it is clear which one holds " + (field or "what"),
                line=line,
                column=column,
            )
        seen[key] = column
        if field is None:
            if columns is None:
                raise InputFileError(
                    path,
                    f"unknown column {header!r}; the columns are field names ("
                    + ", ".join(known)
                    + "), or map your own headers with --columns, e.g. fullname=ФИО,phone=Телефон",
                    line=line,
                    column=column,
                )
            ignored.append(header)
            continue
        if field in positions:
            raise InputFileError(
                path,
                f"columns {used[field]!r} and {header!r} both hold {field}",
                line=line,
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
                "the header has: " + _listed(headers),
                line=line,
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
        named = [
            "cost_centers_id (or cost_center, a cost center's name)"
            if field == "cost_centers_id"
            else field
            for field in missing
        ]
        example = "cost_center" if missing[0] == "cost_centers_id" else missing[0]
        hint = (
            f": map a column with --columns ({example}=Header), or, when the file has no such "
            "column, give every row the same value in a mapping file's [defaults] "
            "(docs/hr-files.md)"
        )
        raise InputFileError(
            path,
            "missing required column(s): " + ", ".join(named) + hint,
            line=line,
            column=missing[0],
        )
    filters = tuple(
        (_filter_position(path, headers, positions, condition, line), condition)
        for condition in where
    )
    info = UsersFileInfo(
        rows=0, columns=used, ignored=tuple(ignored), defaults=defaults, header_line=line
    )
    return _Layout(
        info=info, positions=tuple(positions.items()), width=len(headers), filters=filters
    )


def _filter_position(
    path: str, headers: list[str], positions: Mapping[str, int], condition: RowFilter, line: int
) -> int:
    """The cell a ``where`` condition reads: a header of the file, or a field it maps."""
    keys = [header_key(header) for header in headers]
    wanted = header_key(condition.column)
    if keys.count(wanted) == 1:
        return keys.index(wanted)
    if keys.count(wanted) > 1:
        raise InputFileError(
            path,
            f"--where {condition}: the header has column {condition.column!r} twice; rename one",
            line=line,
        )
    if condition.column in positions:
        return positions[condition.column]
    raise InputFileError(
        path,
        f"--where {condition}: the header has no column {condition.column!r}; it has: "
        + _listed(headers),
        line=line,
    )


def _kept(filters: tuple[tuple[int, RowFilter], ...], cells: list[str]) -> bool:
    """Whether a row holds every ``where`` condition."""
    for position, condition in filters:
        text = cells[position] if position < len(cells) else ""
        if (header_key(text) == header_key(condition.value)) is not condition.equal:
            return False
    return True


_Cells = dict[str, str]
# A data row as read: its cells by field, the error of a row of the wrong shape, or left out
# by a where condition.
_FILTERED: Final = "filtered"
_RowCells = _Cells | ValidationError | Literal["filtered"]


def _cells_of(layout: _Layout, cells: list[str]) -> _RowCells:
    if not _kept(layout.filters, cells):
        return _FILTERED
    if len(cells) != layout.width:
        return ValidationError(
            "row",
            f"has {len(cells)} cells, the header has {layout.width}: a separator inside an "
            "unquoted cell? Put such a cell in quotes",
        )
    values = {field: cells[position] for field, position in layout.positions}
    for field, value in layout.info.defaults.items():
        values[field] = value
    return values


def _users_rows(
    file: FileSnapshot, options: _Options
) -> tuple[_Layout, Iterator[tuple[int, _RowCells]]]:
    rows = table_rows(file, encoding=options.encoding, sheet=options.sheet)
    columns = options.columns
    if columns is not None and columns.columns:
        mapped = {header_key(header) for header in columns.columns.values()}

        def names_a_column(cells: list[str]) -> bool:
            return any(header_key(cell) in mapped for cell in cells)

        wanted = (
            "a column of the map (" + ", ".join(repr(h) for h in columns.columns.values()) + ")"
        )
    else:

        def names_a_column(cells: list[str]) -> bool:
            return any(cell.strip() in USER_FIELDS for cell in cells)

        wanted = "a field (" + ", ".join(REQUIRED_COLUMNS) + ", …)"
    line, header_cells = _find_header(
        file.name,
        rows,
        header_row=options.header_row,
        names_a_column=names_a_column,
        wanted=wanted,
    )
    layout = _layout(
        file.name,
        header_cells,
        line=line,
        known=USER_FIELDS,
        columns=columns,
        required=REQUIRED_COLUMNS,
        where=options.where,
    )

    def data() -> Iterator[tuple[int, _RowCells]]:
        for number, cells in rows:
            yield number, _cells_of(layout, cells)

    return layout, data()


def inspect_users_file(
    path: FileSource,
    *,
    columns: ColumnMap | str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    phone_region: str | None = None,
    header_row: int | None = None,
    where: Iterable[RowFilter | str] = (),
) -> UsersFileInfo:
    """Check a users file whole (see the module) and say what it holds.

    Raises :class:`InputFileError` for a file that must be refused, and
    :class:`ValidationError` for bad options (a malformed column map, an unknown region).
    """
    file = snapshot(path)
    options = _options(
        file, columns, encoding, sheet, phone_region, header_row=header_row, where=where
    )
    return _inspect(file, options)


def _inspect(file: FileSnapshot, options: _Options) -> UsersFileInfo:
    layout, rows = _users_rows(file, options)
    count = 0
    filtered = 0
    named: set[str] = set()
    for _, cells in rows:
        count += 1
        if cells == _FILTERED:
            filtered += 1
        elif not isinstance(cells, ValidationError | str):
            named.update(field for field in NAME_FIELDS if cells.get(field, "").strip())
    return attrs.evolve(layout.info, rows=count, named=frozenset(named), filtered=filtered)


def count_users_csv(
    path: FileSource,
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
    path: FileSource,
    *,
    check: bool = True,
    columns: ColumnMap | str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    phone_region: str | None = None,
    names: NameLookup | None = None,
    header_row: int | None = None,
    where: Iterable[RowFilter | str] = (),
) -> Iterator[CsvRow[UserCreate]]:
    """The rows of a users file (CSV, tab-separated text or ``.xlsx``), lazily: a
    :class:`UserCreate` or the row's error each; a row ``where`` leaves out is ``filtered``.

    The file is read once, when this is called (a :class:`FileSnapshot` may be given instead
    of a path): a file rewritten while the rows are read does not change them. With ``check``
    (the default) the whole file is checked first, so a file to refuse raises
    :class:`InputFileError` here, before the first row is returned — also a file with a
    ``department`` or ``cost_center`` column when no ``names`` are given to resolve them. See
    the module for ``columns``, ``encoding``, ``sheet``, ``phone_region`` and ``names``;
    ``header_row`` is the header's line (else the first row naming a known or mapped column).
    """
    file = snapshot(path)
    options = _options(
        file, columns, encoding, sheet, phone_region, header_row=header_row, where=where
    )
    if check:
        info = _inspect(file, options)
        if info.uses_names and names is None:
            field = min(info.named)
            raise InputFileError(
                file.name,
                f"column {info.columns.get(field, field)!r} holds {field} names: pass names= "
                "(resolve_file_names resolves a file's names) to read it",
                line=info.header_line,
            )
    return _read_users(file, options, names)


def _read_users(
    file: FileSnapshot, options: _Options, names: NameLookup | None
) -> Iterator[CsvRow[UserCreate]]:
    layout, rows = _users_rows(file, options)
    headers = dict(layout.info.columns)
    for line, cells in rows:
        if isinstance(cells, str):
            yield CsvRow(line=line, filtered=True)
            continue
        if isinstance(cells, ValidationError):
            yield CsvRow(line=line, error=cells)
            continue
        try:
            yield CsvRow(
                line=line,
                value=user_from_cells(cells, phone_region=options.phone_region, names=names),
                cells=cells,
            )
        except ValidationError as exc:
            yield CsvRow(line=line, error=_in_column(exc, headers), cells=cells)


class CellError(ValidationError):
    """A row's :class:`ValidationError` that also names the file's column (``column``: the
    header as written) the field was read from."""

    def __init__(self, field: str, rule: str, *, column: str) -> None:
        super().__init__(field, rule)
        self.column = column
        self.args = (f"column {column!r} ({field}): {rule}",)


def _in_column(error: ValidationError, headers: Mapping[str, str]) -> ValidationError:
    """``error`` naming the column of the file its field came from, when the header is not
    the field's own name (a names error, which names the name, is kept as it is)."""
    if type(error) is not ValidationError:
        return error
    field = re.split(r"[.\[]", error.field, maxsplit=1)[0]
    source = {"department_id": "department", "cost_centers_id": "cost_center"}.get(field)
    header = headers.get(field) or (headers.get(source) if source else None)
    if header is None or header == error.field:
        return error
    return CellError(error.field, error.rule, column=header)


def file_names(
    path: FileSource,
    *,
    columns: ColumnMap | str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    header_row: int | None = None,
    where: Iterable[RowFilter | str] = (),
) -> FileNames:
    """The distinct names a users file gives, to resolve before its rows are read
    (:meth:`ResolvedNames.resolve`): its ``department`` and ``cost_center`` cells, and — in an
    HR file (one read with a column map, or with a name column) — the limits of its ``limits``
    cells, which may be titles. Rows ``where`` leaves out are not read. Raises
    :class:`InputFileError` as :func:`inspect_users_file`."""
    file = snapshot(path)
    options = _options(file, columns, encoding, sheet, None, header_row=header_row, where=where)
    _, rows = _users_rows(file, options)
    found: dict[str, dict[object, None]] = {"department": {}, "cost_center": {}, "limits": {}}
    for _, cells in rows:
        if isinstance(cells, ValidationError | str):
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
    path: FileSource,
    *,
    columns: ColumnMap | str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    create_departments: bool = False,
    source: NameSource | None = None,
    header_row: int | None = None,
    where: Iterable[RowFilter | str] = (),
) -> ResolvedNames:
    """The names of the users file at ``path`` (read as :func:`read_users_csv` reads it),
    each resolved once through ``source`` — by default a :class:`NameResolver` of ``client``,
    which creates missing departments when ``create_departments`` — for ``names=``.

    Raises :class:`InputFileError` for a file to refuse; a name that does not resolve is the
    error of the rows that give it.
    """
    names = file_names(
        path, columns=columns, encoding=encoding, sheet=sheet, header_row=header_row, where=where
    )
    if source is None:
        source = NameResolver(client, create_missing=create_departments)
    return await ResolvedNames.resolve(source, names)


def _header(path: str, cells: list[str], line: int) -> list[str]:
    names = [cell.strip() for cell in cells]
    seen: set[str] = set()
    for column, column_name in enumerate(names, start=1):
        if not column_name:
            raise InputFileError(path, "a column has no name", line=line, column=column)
        if column_name in seen:
            raise InputFileError(
                path, f"column {column_name!r} appears twice", line=line, column=column
            )
        seen.add(column_name)
    return names


# First lines of a one-column file that name a column rather than hold an id: a file of
# phones (or of any other field) must not have its header and rows sent as user ids.
_NOT_ID_HEADERS: Final = _COLUMNS | {"id", "phone_number", "телефон", "фио", "почта"}
# A bare value that is a phone number, not a user id ('+' and digits, or 10-15 digits).
_PHONE_LIKE: Final = re.compile(r"\+?\d[\d\s()-]{8,18}\d")


def _column_rows(
    file: FileSnapshot, column: str, options: _Options | None = None
) -> Iterator[tuple[int, str | None]]:
    """``(line, raw value)`` of a one-column file: one value per line (a first line naming
    ``column`` is its header), or a CSV with a ``column`` column; with a column map, an
    encoding, a workbook, a header row or a where condition, the column the map names (or the
    one named ``column``) of a table. A row a where condition leaves out is ``None``."""
    if options is not None and (
        options.columns is not None
        or options.encoding is not None
        or options.sheet is not None
        or options.header_row is not None
        or options.where
        or is_excel(file)
    ):
        yield from _table_column(file, column, options)
        return
    name = file.name
    lines = text_lines(file)
    number = 0
    for first in lines:
        number += 1
        if first.strip():
            break
    else:
        return
    header = [cell.strip() for cell in first.replace(";", ",").split(",")]
    if column in header:
        rows = table_rows(file)
        line, cells = next(rows)
        position = _header(name, cells, line).index(column)
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
    for position, text in enumerate(lines, start=1):
        if text.strip():
            yield position, text.strip()


def _table_column(
    file: FileSnapshot, column: str, options: _Options
) -> Iterator[tuple[int, str | None]]:
    name = file.name
    rows = table_rows(file, encoding=options.encoding, sheet=options.sheet)
    mapped = options.columns.columns.get(column) if options.columns is not None else None
    wanted = header_key(mapped or column)
    line, cells = _find_header(
        name,
        rows,
        header_row=options.header_row,
        names_a_column=lambda cells: wanted in [header_key(cell) for cell in cells],
        wanted=f"the column {mapped or column!r}"
        + ("" if mapped else f" (map yours with --columns {column}=Header)"),
    )
    keys = [header_key(cell) for cell in cells]
    if wanted not in keys:
        hint = "" if mapped else f"; map yours with --columns {column}=Header"
        raise InputFileError(
            name,
            f"no column {mapped or column!r} in the header{hint}; the header has: "
            + _listed(cells),
            line=line,
        )
    position = keys.index(wanted)
    headers = [cell.strip() for cell in cells]
    filters = tuple(
        (_filter_position(name, headers, {column: position}, condition, line), condition)
        for condition in options.where
    )
    for line, cells in rows:
        if not _kept(filters, cells):
            yield line, None
            continue
        yield line, cells[position] if position < len(cells) else ""


def _id_options(
    file: FileSnapshot,
    columns: ColumnMap | str | None,
    encoding: str | None,
    sheet: str | None,
    phone_region: str | None = None,
    header_row: int | None = None,
    where: Iterable[RowFilter | str] = (),
) -> _Options:
    return _options(
        file,
        columns,
        encoding,
        sheet,
        phone_region,
        fields=ID_FIELDS,
        header_row=header_row,
        where=where,
    )


def count_user_ids(
    path: FileSource,
    *,
    columns: ColumnMap | str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    header_row: int | None = None,
    where: Iterable[RowFilter | str] = (),
) -> int:
    """Check a file of user ids whole and return how many rows it has (rows ``where`` leaves
    out included).

    Raises :class:`InputFileError` for a file whose first line names a column that is not
    ``user_id`` (``phone``, ``email``, …): its rows are not ids. ``columns`` (``user_id=Код``),
    ``encoding``, ``sheet``, ``header_row`` and ``where`` read it as :func:`read_users_csv`
    does.
    """
    file = snapshot(path)
    options = _id_options(file, columns, encoding, sheet, header_row=header_row, where=where)
    return sum(1 for _ in _column_rows(file, _ID_COLUMN, options))


def read_user_ids(
    path: FileSource,
    *,
    check: bool = True,
    columns: ColumnMap | str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    header_row: int | None = None,
    where: Iterable[RowFilter | str] = (),
) -> Iterator[CsvRow[str]]:
    """The user ids of a file, lazily, each with its line (see :func:`read_users_csv`).

    A value that is a phone number is a row error (it is not an id; ``--by phone`` reads
    phones).
    """
    file = snapshot(path)
    options = _id_options(file, columns, encoding, sheet, header_row=header_row, where=where)
    if check:
        sum(1 for _ in _column_rows(file, _ID_COLUMN, options))
    return _read_ids(file, options)


def _read_ids(file: FileSnapshot, options: _Options) -> Iterator[CsvRow[str]]:
    for line, raw in _column_rows(file, _ID_COLUMN, options):
        if raw is None:
            yield CsvRow(line=line, filtered=True)
            continue
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
    path: FileSource,
    *,
    columns: ColumnMap | str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    header_row: int | None = None,
    where: Iterable[RowFilter | str] = (),
) -> int:
    """Check a file of phones whole (one per line, or a CSV with a ``phone`` column) and
    return how many rows it has."""
    file = snapshot(path)
    options = _id_options(file, columns, encoding, sheet, header_row=header_row, where=where)
    return sum(1 for _ in _column_rows(file, "phone", options))


def read_phones(
    path: FileSource,
    *,
    check: bool = True,
    columns: ColumnMap | str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    phone_region: str | None = None,
    header_row: int | None = None,
    where: Iterable[RowFilter | str] = (),
) -> Iterator[CsvRow[str]]:
    """The phones of a file, lazily, each with its line, checked as the API's phones are
    (``+`` and digits), or read in ``phone_region``'s conventions when it is given."""
    file = snapshot(path)
    options = _id_options(
        file, columns, encoding, sheet, phone_region, header_row=header_row, where=where
    )
    if check:
        sum(1 for _ in _column_rows(file, "phone", options))
    return _read_phones(file, options)


def _read_phones(file: FileSnapshot, options: _Options) -> Iterator[CsvRow[str]]:
    region = options.phone_region
    for line, raw in _column_rows(file, "phone", options):
        if raw is None:
            yield CsvRow(line=line, filtered=True)
            continue
        try:
            if region is not None:
                yield CsvRow(line=line, value=normalize_phone(raw, region=region))
            else:
                yield CsvRow(line=line, value=check_phone("phone", raw.strip()))
        except ValidationError as exc:
            yield CsvRow(line=line, error=exc)
