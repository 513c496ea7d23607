"""HR files as they come, on the command line: the file options the users commands share, and
the command that writes them (``users export``).

File options (``users create``, ``sync``, ``archive``, ``restore``): ``--columns`` (a map of the
file's headers, or a TOML mapping file), ``--encoding``, ``--sheet``, ``--phone-region`` and, for
files of employees, ``--create-departments``. :class:`FileReading` holds them and reads a file
with them; :func:`run_file_job` checks the file, resolves its department, cost-center and limit
names through the list calls when it has any (creating missing departments only when the run
sends), and runs the job. What the file parts mean: ``docs/hr-files.md``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from typing import Final, TypeVar

import attrs

from .. import B2BClient
from .._converter import unstructure
from ..bulk import JobBinding
from ..errors import AuthenticationError, PermissionDeniedError, ValidationError
from ..hr.columns import ID_FIELDS, USER_FIELDS, ColumnMap, header_key
from ..hr.export import export_users
from ..hr.names import Directory, NameLookup
from ..hr.phones import check_region
from ..hr.resolve import NameNotFoundError, NameResolver
from ..hr.rows import (
    CsvRow,
    FileSnapshot,
    InputFileError,
    RowFilter,
    UsersFileInfo,
    count_phones,
    count_user_ids,
    inspect_users_file,
    read_phones,
    read_user_ids,
    read_users_csv,
    resolve_file_names,
)
from ..hr.tables import is_excel
from ..models import UserCreate
from .parser import EXIT_OK, Commands, UsageError
from .runner import (
    Job,
    check_journal,
    dry_run,
    execute,
    open_session,
    refused_before_rows,
    run_async,
)

__all__ = [
    "FileReading",
    "add_file_options",
    "file_reading",
    "names_of_ids",
    "register",
    "run_file_job",
]

_In = TypeVar("_In")
_Out = TypeVar("_Out")

# A map for a file of ids or phones may be the employees' one (the month's 1C map): it names
# their other columns too, which such a file does not read.
_ANY_FIELD: Final = (*ID_FIELDS, *(field for field in USER_FIELDS if field not in ID_FIELDS))
# What a dry run puts for a department it would create (never sent).
_TO_CREATE: Final = "(to be created) "


def add_file_options(parser: argparse.ArgumentParser, *, employees: bool = True) -> None:
    """The file options of a command reading employees (or, ``employees=False``, ids or
    phones): every file command declares them through this one function."""
    group = parser.add_argument_group("file options (HR files as they come: docs/hr-files.md)")
    example = (
        "fullname=ФИО,phone=Телефон,department=Подразделение,cost_center=Центр затрат"
        if employees
        else "user_id=Код or phone=Телефон"
    )
    group.add_argument(
        "--columns",
        metavar="MAP",
        help=f"the file's own headers, field=Header joined by ',' ({example}), or a TOML "
        "mapping file (.toml); columns the map does not name are ignored",
    )
    group.add_argument(
        "--encoding",
        metavar="ENC",
        help="the text's encoding, e.g. cp1251 (default: UTF-8, or UTF-16 by its byte-order mark)",
    )
    group.add_argument(
        "--sheet", metavar="NAME", help="the sheet of an .xlsx file (default: the first)"
    )
    group.add_argument(
        "--phone-region",
        metavar="CODE",
        help="read phones written in this region's way (RU: 8 900 123-45-67 -> +79001234567)",
    )
    group.add_argument(
        "--header-row",
        type=_row_number,
        metavar="N",
        help="the header's row (1-based line or Excel row); default: the first row naming "
        "known or mapped columns, below any title rows",
    )
    group.add_argument(
        "--where",
        action="append",
        default=[],
        metavar="COLUMN=VALUE",
        help="keep only the rows whose cell equals VALUE (COLUMN!=VALUE: differs), ignoring "
        "case; repeatable, all must hold; e.g. --where 'Статус=Работает'",
    )
    group.add_argument(
        "--skip-invalid",
        action="store_true",
        help="report invalid rows and leave them out, and go on with the rest (a sync then "
        "never archives the employee of an invalid row)",
    )
    if employees:
        group.add_argument(
            "--default",
            action="append",
            default=[],
            dest="defaults",
            metavar="FIELD=VALUE",
            help="a value for every row of a field the file has no column for, e.g. "
            "--default cost_center=Основной (repeatable; over a mapping file's [defaults])",
        )
        group.add_argument(
            "--create-departments",
            action="store_true",
            help="create the departments the file names that do not exist (parents first)",
        )


def _row_number(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a row number >= 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a row number >= 1, got {value}")
    return value


@attrs.frozen(kw_only=True)
class FileReading:
    """How the file options say to read a file. Every method reads a :class:`FileSnapshot`
    (:meth:`take`): a job reads its file once, as it is when the job starts."""

    columns: ColumnMap | None = None
    encoding: str | None = None
    sheet: str | None = None
    phone_region: str | None = None
    create_departments: bool = False
    header_row: int | None = None
    where: tuple[RowFilter, ...] = ()
    skip_invalid: bool = False

    def take(self, path: str) -> FileSnapshot:
        """The file's bytes, read once; a file that cannot be read is a :class:`UsageError`.
        A note says when a mapping file's encoding does not apply (to a workbook)."""
        try:
            file = FileSnapshot.take(path)
        except InputFileError as exc:
            raise UsageError(f"refused {exc} (nothing was sent)") from None
        if is_excel(file) and self.encoding is None and self.columns and self.columns.encoding:
            print(
                f"note: the mapping file's encoding ({self.columns.encoding}) applies to text "
                f"files; {file.name} is a workbook and is read without it",
                file=sys.stderr,
            )
        return file

    def binding(self, operation: str, file: FileSnapshot, **extra: object) -> JobBinding:
        """What a journal of this job is bound to: the operation, the file's content and the
        options that change what is sent (the column map, encoding, sheet, phone region,
        header row, conditions, ``extra``), as one hash."""
        options = {
            "columns": unstructure(self.columns) if self.columns is not None else None,
            "encoding": self.encoding,
            "sheet": self.sheet,
            "phone_region": self.phone_region,
            "create_departments": self.create_departments,
            "header_row": self.header_row,
            "where": [condition.spec for condition in self.where],
            "skip_invalid": self.skip_invalid,
            **extra,
        }
        return JobBinding.of(operation, file.digest, options)

    def check(self, file: FileSnapshot) -> UsersFileInfo:
        """Check a users file whole; a file to refuse is a :class:`UsageError`. Columns the map
        leaves out, title rows above the header and filtered rows are named on stderr."""
        try:
            info = inspect_users_file(
                file,
                columns=self.columns,
                encoding=self.encoding,
                sheet=self.sheet,
                phone_region=self.phone_region,
                header_row=self.header_row,
                where=self.where,
            )
        except InputFileError as exc:
            raise UsageError(f"refused {exc} (nothing was sent)") from None
        conditions = {header_key(condition.column) for condition in self.where}
        ignored = [header for header in info.ignored if header_key(header) not in conditions]
        if ignored:
            print(
                "note: columns not in the map are ignored: "
                + ", ".join(repr(header) for header in ignored),
                file=sys.stderr,
            )
        if info.header_line > 1 and self.header_row is None:
            print(
                f"note: the header is row {info.header_line}; the rows above it are not read",
                file=sys.stderr,
            )
        return info

    def needs_names(self, info: UsersFileInfo) -> bool:
        """True when the file's names must be resolved through the API: a department or cost
        center column, or limits in a mapped file (they may be titles)."""
        return info.uses_names or (self.columns is not None and "limits" in info.fields)

    def read(self, file: FileSnapshot, names: NameLookup | None) -> Iterator[CsvRow[UserCreate]]:
        """The file's rows, lazily (the file was checked already)."""
        return read_users_csv(
            file,
            check=False,
            columns=self.columns,
            encoding=self.encoding,
            sheet=self.sheet,
            phone_region=self.phone_region,
            names=names,
            header_row=self.header_row,
            where=self.where,
        )

    def count_ids(self, file: FileSnapshot, *, phones: bool = False) -> int:
        """Check a file of user ids (or phones) whole; returns how many rows it has."""
        count = count_phones if phones else count_user_ids
        return count(
            file,
            columns=self.columns,
            encoding=self.encoding,
            sheet=self.sheet,
            header_row=self.header_row,
            where=self.where,
        )

    def read_ids(self, file: FileSnapshot) -> Iterator[CsvRow[str]]:
        """The user ids of a checked file, lazily."""
        return read_user_ids(
            file,
            check=False,
            columns=self.columns,
            encoding=self.encoding,
            sheet=self.sheet,
            header_row=self.header_row,
            where=self.where,
        )

    def read_phones(self, file: FileSnapshot) -> Iterator[CsvRow[str]]:
        """The phones of a checked file, lazily (read in ``--phone-region``'s way)."""
        return read_phones(
            file,
            check=False,
            columns=self.columns,
            encoding=self.encoding,
            sheet=self.sheet,
            phone_region=self.phone_region,
            header_row=self.header_row,
            where=self.where,
        )

    async def names(self, client: B2BClient, file: FileSnapshot, *, sends: bool) -> NameLookup:
        """The file's names, each resolved once. Missing departments are created with
        ``--create-departments`` only when the run ``sends``; otherwise they read as to be
        created, and are listed on stdout."""
        source: _WouldCreate | NameResolver
        if self.create_departments and not sends:
            source = _WouldCreate(client)
        else:
            source = NameResolver(client, create_missing=self.create_departments)
        names = await resolve_file_names(
            client,
            file,
            columns=self.columns,
            encoding=self.encoding,
            sheet=self.sheet,
            source=source,
            header_row=self.header_row,
            where=self.where,
        )
        missing = names.missing_departments()
        if missing:
            print(
                f"note: {len(missing)} department{'' if len(missing) == 1 else 's'} the file "
                "names do not exist (their rows fail); --create-departments creates them",
                file=sys.stderr,
            )
        if isinstance(source, _WouldCreate) and source.to_create:
            count = len(source.to_create)
            print(
                f"--create-departments would create {count} department"
                f"{'' if count == 1 else 's'} (nothing was created):"
            )
            for path in source.to_create:
                print(f"  + {path}")
        created = len(source.created_departments)
        if created:
            print(
                f"note: created {created} department{'' if created == 1 else 's'} the file "
                "names (yandex-b2b departments list shows them)",
                file=sys.stderr,
            )
        return names


class _WouldCreate(NameResolver):
    """A resolver for a run that sends nothing: a missing department is not created but
    given a placeholder (the run reports the row as valid), and listed in ``to_create``
    (each department a creation would make, parents first, once each)."""

    def __init__(self, client: B2BClient) -> None:
        super().__init__(client)
        self.to_create: list[str] = []

    async def department(self, path: str) -> str:
        try:
            return await super().department(path)
        except NameNotFoundError:
            for missing in await self.departments_to_create(path):
                if missing not in self.to_create:
                    self.to_create.append(missing)
            return _TO_CREATE + path.strip()


def file_reading(args: argparse.Namespace, *, employees: bool = True) -> FileReading:
    """The :class:`FileReading` of the parsed options; a bad map, region or condition is a
    :class:`UsageError`."""
    try:
        columns = (
            ColumnMap.from_option(args.columns, fields=USER_FIELDS if employees else _ANY_FIELD)
            if args.columns
            else None
        )
        defaults = getattr(args, "defaults", None)
        if defaults:
            columns = (columns or ColumnMap()).with_defaults(defaults)
        region = args.phone_region or (columns.phone_region if columns else None)
        where = tuple(RowFilter.parse(text) for text in getattr(args, "where", None) or ())
        return FileReading(
            columns=columns,
            encoding=args.encoding,
            sheet=args.sheet,
            phone_region=check_region(region, field="--phone-region") if region else None,
            create_departments=getattr(args, "create_departments", False),
            header_row=getattr(args, "header_row", None),
            where=where,
            skip_invalid=getattr(args, "skip_invalid", False),
        )
    except ValidationError as exc:
        raise UsageError(f"--{exc}" if exc.field == "where" else str(exc)) from None


def run_file_job(
    args: argparse.Namespace,
    reading: FileReading,
    operation: str,
    build: Callable[[FileSnapshot, NameLookup | None, int], Job[_In, _Out]],
) -> int:
    """Read ``args.file`` once, check it, check that ``--journal`` belongs to this job,
    resolve its names when it has any, build the job (``build(file, names, rows)``) and run it
    (or, with ``--dry-run``, check every row)."""

    async def body() -> int:
        file = reading.take(args.file)
        info = reading.check(file)
        check_journal(args, reading.binding(operation, file))
        to_send = info.rows - info.filtered  # what the progress bar counts
        if not reading.needs_names(info):
            job = build(file, None, to_send)
            if args.dry_run:
                return dry_run(args, job)
            async with open_session(args) as session:
                return await execute(args, job, session)
        async with open_session(args) as session:
            try:
                names = await reading.names(session.client, file, sends=not args.dry_run)
            except (AuthenticationError, PermissionDeniedError) as exc:
                return refused_before_rows(
                    args,
                    f"{operation.replace('.', ' ')} {args.file}",
                    reading.read(file, None),
                    exc,
                )
            job = build(file, names, to_send)
            if args.dry_run:
                return dry_run(args, job)
            return await execute(args, job, session)

    return run_async(args, body)


async def names_of_ids(client: B2BClient) -> Callable[[str, str], str]:
    """``(field, id) -> name`` for a sync plan of a file that gave names: a department's path,
    a cost center's name (the id itself where the account has none)."""
    directory = await Directory.load(client, limits=False)

    def label(field: str, value: str) -> str:
        if field == "department_id" and value in directory.departments:
            return directory.path_text(value)
        if field == "cost_centers_id" and value in directory.cost_centers:
            return directory.cost_centers[value].name or value
        return value

    return label


# ---------------------------------------------------------------------------------------------
# Commands that show names


def register(commands: Commands) -> None:
    """Add ``users export``."""
    export = commands.add(
        "users",
        "export",
        help="write the account's employees to a .csv or .xlsx file that create and sync read",
        description="Write every active employee to FILE (.csv: UTF-8 with a byte-order mark, "
        "or --encoding; .xlsx: the xlsx extra) in the columns 'users create' and 'users sync' "
        "read, departments and cost centers by name, limits by title. Edit the file and run "
        "'users sync FILE' to change only what was edited.",
        examples=("users export employees.xlsx", "users export employees.csv --encoding cp1251"),
        job_options=False,
    )
    export.add_argument("file", metavar="FILE", help="the file to write (.csv or .xlsx)")
    export.add_argument("--encoding", metavar="ENC", help="the CSV's encoding (default utf-8-sig)")
    export.set_defaults(run=_run_export)


def _run_export(args: argparse.Namespace) -> int:
    async def body() -> int:
        async with open_session(args) as session:
            try:
                written = await export_users(session.client, args.file, encoding=args.encoding)
            except InputFileError as exc:
                raise UsageError(str(exc)) from None
        print(
            f"users export: {written} employee{'' if written == 1 else 's'} written to {args.file}"
        )
        return EXIT_OK

    return run_async(args, body)
