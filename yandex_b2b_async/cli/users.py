"""``yandex-b2b users …``: create, archive, restore and sync employees from files; list, get,
update one and their spending.

Each command declares its parser and builds a :class:`~.runner.Job`; the runner does the
rest (report, progress, summary, exit code). ``users sync`` plans first (reading the account),
prints the plan — or writes it whole with ``--report`` — and, with ``--apply``, runs it as a
job like the others.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import Final, TypeVar

import attrs

from .. import B2BClient
from .._constants import DEFAULT_PAGE_LIMIT, SYNC_ARCHIVE_CAP
from .._types import UNSET
from .._validators import check_phone
from ..bulk import BulkItem, BulkOptions, BulkStop, JobBinding, error_summary, input_key
from ..errors import AuthenticationError, B2BError, PermissionDeniedError, ValidationError
from ..hr.duplicates import duplicate_rows
from ..hr.names import NameLookup
from ..hr.phones import normalize_phone
from ..hr.rows import CsvRow, FileSnapshot, InputFileError, read_users_csv
from ..hr.sync import (
    CLEARABLE,
    ArchiveCapError,
    SyncAction,
    SyncArchive,
    SyncPlan,
    SyncWarning,
    action_name,
    action_outcome,
    apply_plan,
    build_plan,
    check_desired,
    describe_action_data,
    read_account,
)
from ..models import CreateOrRestoreResult, User, UserCreate, UserPatch
from .hrfiles import FileReading, add_file_options, file_reading, names_of_ids, run_file_job
from .output import Reporter, RowFormat
from .parser import EXIT_OK, Commands, Parser, UsageError
from .runner import (
    Job,
    Session,
    argument_rows,
    check_file,
    check_journal,
    execute,
    fail,
    open_session,
    refused_before_rows,
    row_operation,
    run_async,
    run_job,
)
from .verbs import Verb, add_verbs

__all__ = ["PhoneMatchError", "register"]

_T = TypeVar("_T")

# Action lines printed before a sync runs (or instead of it); --report writes every one.
_PLAN_PREVIEW_LINES: Final = 20
# How many offending rows an error about a sync's input names before it says "and N more".
_ROWS_NAMED: Final = 10


def register(commands: Commands) -> None:
    """Add the ``users`` commands."""
    commands.group(
        "users",
        help="employees: list, get, update, spending; create, archive, restore, sync from files",
    )
    add_verbs(commands, _VERBS)
    _create(commands)
    _archive_or_restore(commands, "archive")
    _archive_or_restore(commands, "restore")
    _sync(commands)


# -- users create -------------------------------------------------------------------------


def _create(commands: Commands) -> None:
    parser = commands.add(
        "users",
        "create",
        help="create (or restore) employees from a CSV, text or .xlsx file",
        description="Create every employee of FILE, or restore the archived one with the "
        "same phone. An active employee with that phone is never overwritten: the row is "
        "reported as a conflict naming the existing id. Columns are API field names: "
        "fullname,phone,is_active,cost_centers_id (required), email,nickname,department_id,"
        "limits (limits as service:limit_id pairs joined by ';'), and department (a name or a "
        "path Parent/Child) and cost_center (a name) instead of the ids; --columns maps a "
        "file's own headers.",
        examples=(
            "users create employees.csv --report report.jsonl --journal journal.jsonl",
            "--sandbox users create examples/employees.csv --dry-run",
        ),
    )
    parser.add_argument(
        "file", metavar="FILE", help="the employees, one per row (.csv, .txt, .xlsx)"
    )
    add_file_options(parser)
    parser.set_defaults(run=_run_create)


async def _create_one(client: B2BClient, user: UserCreate) -> CreateOrRestoreResult:
    return await client.users.create_or_restore(user)


async def _create_again(client: B2BClient, user: UserCreate) -> CreateOrRestoreResult:
    # An earlier attempt at this row may have created the employee with its reply lost.
    return await client.users.create_or_restore(user, earlier_attempt_unknown=True)


def _run_create(args: argparse.Namespace) -> int:
    try:
        reading = file_reading(args)
    except UsageError as exc:
        return fail(str(exc))

    def job(
        file: FileSnapshot, names: NameLookup | None, total: int
    ) -> Job[CsvRow[UserCreate], CreateOrRestoreResult]:
        # A key repeated inside the file fails every row that has it, before anything is sent.
        repeated = duplicate_rows(
            (row.line, row.value) for row in reading.read(file, names) if row.value is not None
        )

        def refused(row: CsvRow[UserCreate]) -> Exception | None:
            return row.error or repeated.get(row.line)

        return Job(
            title=f"users create {args.file}",
            rows=reading.read(file, names),
            total=total,
            form=RowFormat(
                line=_line,
                outcome=lambda _, result: "restored" if result.restored else "created",
            ),
            operation=row_operation(
                "users.create",
                _create_one,
                id_of=lambda _, result: result.id,
                key=input_key,
                call_if_unsure=_create_again,
                refused=refused,
            ),
            check=refused,
            filtered=_filtered,
            left_out=refused if reading.skip_invalid else _kept,
            journal_job=reading.binding("users.create", file),
        )

    return run_file_job(args, reading, "users.create", job)


def _filtered(row: CsvRow[_T]) -> bool:
    return row.filtered


def _kept(row: CsvRow[_T]) -> Exception | None:
    return None


def _line(row: CsvRow[_T]) -> int:
    return row.line


def _row_error(row: CsvRow[_T]) -> Exception | None:
    return row.error


# -- users archive / restore ----------------------------------------------------------------


def _archive_or_restore(commands: Commands, action: str) -> None:
    verb = "archive" if action == "archive" else "restore"
    parser = commands.add(
        "users",
        action,
        help=f"{verb} employees by id, or those listed in a file",
        description=f"{verb.capitalize()} the employees --id names, or every employee whose id "
        "FILE lists: one user_id per line, or a CSV with a user_id column (a file with another "
        "header, such as phone, is refused: pass --by phone for a file of phones)."
        + (" Each keeps its cost center." if action == "restore" else "")
        + " With --id, 'line' in the report is the id's position among them.",
        examples=(
            f"users {action} --id USER_ID",
            f"users {action} user_ids.txt",
            f"users {action} phones.csv --by phone",
        ),
    )
    parser.add_argument(
        "file", metavar="FILE", nargs="?", help="user ids, one per line (or CSV, .xlsx)"
    )
    parser.add_argument(
        "--id",
        metavar="USER_ID",
        dest="ids",
        action="append",
        help=f"an employee to {verb} instead of a file (repeat for several)",
    )
    add_file_options(parser, employees=False)
    parser.add_argument(
        "--by",
        choices=("id", "phone"),
        default="id",
        help="what FILE lists: user ids (default), or phones (one per line, or a CSV with a "
        "phone column), each looked up with the by-phone call; a phone that matches no "
        f"{'active' if action == 'archive' else 'archived'} employee, or several, fails its row",
    )
    parser.set_defaults(run=_run_archive if action == "archive" else _run_restore)


async def _archive_one(client: B2BClient, user_id: str) -> None:
    await client.users.archive(user_id)


async def _restore_one(client: B2BClient, user_id: str) -> None:
    await client.users.restore(user_id)


def _run_archive(args: argparse.Namespace) -> int:
    return _run_by_id(args, "archive")


def _run_restore(args: argparse.Namespace) -> int:
    return _run_by_id(args, "restore")


class PhoneMatchError(B2BError):
    """A phone of an ``--by phone`` file that matches no employee to act on, or several.

    ``code`` is ``NO_EMPLOYEE_WITH_PHONE`` or ``SEVERAL_EMPLOYEES_WITH_PHONE``; ``user_ids``
    the matches (several). The message never holds the phone.
    """

    def __init__(self, code: str, message: str, user_ids: tuple[str, ...] = ()) -> None:
        self.code = code
        self.user_ids = user_ids
        super().__init__(message)


async def _match_phone(client: B2BClient, phone: str, *, archived: bool) -> str:
    """The one employee with ``phone`` to archive (an active one) or restore (an archived one)."""
    state = "archived" if archived else "active"
    found = [
        user.id
        for user in await client.users.find_by_phone(phone)
        if bool(user.is_deleted) is archived
    ]
    if not found:
        raise PhoneMatchError("NO_EMPLOYEE_WITH_PHONE", f"no {state} employee has this phone")
    if len(found) > 1:
        raise PhoneMatchError(
            "SEVERAL_EMPLOYEES_WITH_PHONE",
            f"{len(found)} {state} employees have this phone ({', '.join(found)}); "
            "list their user ids instead",
            tuple(found),
        )
    return found[0]


async def _archive_by_phone(client: B2BClient, phone: str) -> str:
    user_id = await _match_phone(client, phone, archived=False)
    await client.users.archive(user_id)
    return user_id


async def _restore_by_phone(client: B2BClient, phone: str) -> str:
    user_id = await _match_phone(client, phone, archived=True)
    await client.users.restore(user_id)
    return user_id


def _run_by_id(args: argparse.Namespace, action: str) -> int:
    if args.ids is not None or args.file is None:
        try:
            _check_ids_alone(args, action)
        except UsageError as exc:
            return fail(str(exc))
        return _run_given_ids(args, action)
    try:
        reading = file_reading(args, employees=False)
    except UsageError as exc:
        return fail(str(exc))
    if args.by == "phone":
        return _run_by_phone(args, action, reading)
    done = "archived" if action == "archive" else "restored"

    def job() -> Job[CsvRow[str], None]:
        file = reading.take(args.file)
        total = check_file(lambda _: reading.count_ids(file), args.file)
        binding = reading.binding(f"users.{action}", file)
        check_journal(args, binding)
        return Job(
            title=f"users {action} {args.file}",
            rows=reading.read_ids(file),
            total=total,
            form=RowFormat(
                line=_line,
                outcome=lambda _, __: done,
                details=lambda row, _: {"user_id": row.value} if row.value is not None else {},
            ),
            operation=row_operation(
                f"users.{action}",
                _archive_one if action == "archive" else _restore_one,
                id_of=lambda user_id, _: user_id,
                key=input_key,
            ),
            check=_row_error,
            filtered=_filtered,
            left_out=_row_error if reading.skip_invalid else _kept,
            journal_job=binding,
        )

    return run_job(args, job)


# The file options and what they are when not given: --id names employees without a file.
_FILE_OPTIONS: dict[str, tuple[str, object]] = {
    "--columns": ("columns", None),
    "--encoding": ("encoding", None),
    "--sheet": ("sheet", None),
    "--phone-region": ("phone_region", None),
    "--header-row": ("header_row", None),
    "--where": ("where", []),
    "--skip-invalid": ("skip_invalid", False),
    "--by": ("by", "id"),
}


def _check_ids_alone(args: argparse.Namespace, action: str) -> None:
    """--id or FILE, one of them; no file option beside --id."""
    if args.ids is None:
        raise UsageError(f"users {action}: give FILE or --id USER_ID")
    if args.file is not None:
        raise UsageError(f"users {action}: give FILE or --id, not both")
    for option, (dest, unset) in _FILE_OPTIONS.items():
        if getattr(args, dest, unset) != unset:
            raise UsageError(f"users {action}: {option} reads a file; --id takes user ids")


def _run_given_ids(args: argparse.Namespace, action: str) -> int:
    """Archive or restore the employees ``--id`` names (a job like a file's, numbered by
    position)."""
    ids: list[str] = args.ids
    done = "archived" if action == "archive" else "restored"

    def job() -> Job[CsvRow[str], None]:
        return Job(
            title=f"users {action}",
            rows=argument_rows(ids),
            total=len(ids),
            form=RowFormat(
                line=_line,
                outcome=lambda _, __: done,
                details=lambda row, _: {"user_id": row.value} if row.value is not None else {},
            ),
            operation=row_operation(
                f"users.{action}",
                _archive_one if action == "archive" else _restore_one,
                id_of=lambda user_id, _: user_id,
                key=lambda user_id: user_id,
            ),
            check=_row_error,
        )

    return run_job(args, job)


def _run_by_phone(args: argparse.Namespace, action: str, reading: FileReading) -> int:
    done = "archived" if action == "archive" else "restored"

    def job() -> Job[CsvRow[str], str]:
        file = reading.take(args.file)
        total = check_file(lambda _: reading.count_ids(file, phones=True), args.file)
        binding = reading.binding(f"users.{action}.by_phone", file)
        check_journal(args, binding)
        return Job(
            title=f"users {action} --by phone {args.file}",
            rows=reading.read_phones(file),
            total=total,
            form=RowFormat(
                line=_line,
                outcome=lambda _, __: done,
                details=lambda _, user_id: {"user_id": user_id} if user_id is not None else {},
            ),
            operation=row_operation(
                f"users.{action}.by_phone",
                _archive_by_phone if action == "archive" else _restore_by_phone,
                id_of=lambda _, user_id: user_id,
                key=lambda phone: input_key(("phone", phone)),  # no phone in the journal
            ),
            check=_row_error,
            filtered=_filtered,
            left_out=_row_error if reading.skip_invalid else _kept,
            journal_job=binding,
        )

    return run_job(args, job)


# -- users sync -----------------------------------------------------------------------------


def _sync(commands: Commands) -> None:
    parser = commands.add(
        "users",
        "sync",
        help="make the account match a file (prints the plan; --apply carries it out)",
        description="Compare FILE (read as 'users create' reads it) with the account and print "
        "the plan: who is created, restored (archived and listed), updated (only the fields "
        "that differ) and, with --archive-missing, archived (active and absent from the file; "
        "refused above 10% of the active employees unless --force). Nothing changes without "
        "--apply; --report PATH then writes the whole plan, one JSON line per action. Every "
        "row must be valid, and each key must appear once.",
        examples=(
            "users sync employees.csv --archive-missing",
            "users sync employees.csv --archive-missing --apply --report plan.jsonl",
        ),
    )
    parser.add_argument("file", metavar="FILE", help="the desired employees, one per row")
    add_file_options(parser)
    parser.add_argument(
        "--empty-clears",
        metavar="FIELD,...",
        help="let an empty cell clear these fields ("
        + ", ".join(_CLEAR_NAMES)
        + "); by default an empty cell leaves the field as it is",
    )
    parser.add_argument(
        "--key",
        choices=("phone", "nickname"),
        default="phone",
        help="match employees by phone (default) or by nickname (the external system's ID)",
    )
    parser.add_argument(
        "--archive-missing",
        action="store_true",
        help="archive active employees absent from the file",
    )
    parser.add_argument(
        "--force", action="store_true", help="allow archiving more than 10%% of the account"
    )
    parser.add_argument("--apply", action="store_true", help="carry the plan out")
    parser.add_argument(
        "--hide-personal",
        action="store_true",
        help="mask names, phones and emails in the printed plan and the report (+7••••••4567)",
    )
    parser.set_defaults(run=_run_sync)


@attrs.frozen(kw_only=True)
class DesiredFile:
    """The valid records of a users file, with the line each came from; the lines of rows
    ``--where`` left out; the invalid rows ``--skip-invalid`` left out, the key values they
    still give (their employees are kept as they are), and the lines of those whose key
    cannot be read."""

    users: tuple[UserCreate, ...]
    lines: tuple[int, ...]
    filtered: tuple[int, ...] = ()
    invalid: tuple[CsvRow[UserCreate], ...] = ()
    kept_keys: frozenset[str] = frozenset()
    keyless: tuple[int, ...] = ()

    def row_name(self, index: int) -> str:
        """How errors name the record at ``index``: its line in the file."""
        return f"line {self.lines[index]}"

    def line_of(self, action: SyncAction) -> int | None:
        """The line an action comes from (None for an archive: it is not in the file)."""
        return None if isinstance(action, SyncArchive) else self.lines[action.index]


def load_desired_csv(
    path: str | os.PathLike[str] | FileSnapshot,
    *,
    reading: FileReading | None = None,
    names: NameLookup | None = None,
    key: str = "phone",
) -> DesiredFile:
    """Read a users file (the ``users create`` format, or as ``reading`` says, already
    checked) for a sync.

    Unlike ``users create``, a row that fails validation refuses the whole file — a sync must
    know every desired employee, or it would archive or miss the one on the broken row —
    unless ``reading.skip_invalid``: then such rows are left out, and the ``key`` each still
    gives keeps its employee as they are. Raises ``InputFileError`` for a refused file and
    :class:`ValidationError` naming the lines of invalid rows.
    """
    users: list[UserCreate] = []
    lines: list[int] = []
    filtered: list[int] = []
    invalid: list[CsvRow[UserCreate]] = []
    problems: list[str] = []
    if reading is None:
        rows = read_users_csv(path)
        file_name = path.name if isinstance(path, FileSnapshot) else os.fspath(path)
    else:
        file = path if isinstance(path, FileSnapshot) else reading.take(os.fspath(path))
        rows = reading.read(file, names)
        file_name = file.name
    for row in rows:
        if row.filtered:
            filtered.append(row.line)
        elif row.error is not None:
            problems.append(f"line {row.line}: {row.error}")
            invalid.append(row)
        elif row.value is not None:
            users.append(row.value)
            lines.append(row.line)
    if problems and not (reading is not None and reading.skip_invalid):
        more = len(problems) - _ROWS_NAMED
        listed = "; ".join(problems[:_ROWS_NAMED]) + (f"; and {more} more" if more > 0 else "")
        raise ValidationError(
            file_name,
            f"every row must be valid to sync: {listed} (--skip-invalid leaves invalid rows "
            "out and keeps their employees as they are)",
        )
    kept: set[str] = set()
    keyless: list[int] = []
    region = reading.phone_region if reading is not None else None
    for row in invalid:
        value = _key_of(row, key, region)
        if value is None:
            keyless.append(row.line)
        else:
            kept.add(value)
    return DesiredFile(
        users=tuple(users),
        lines=tuple(lines),
        filtered=tuple(filtered),
        invalid=tuple(invalid),
        kept_keys=frozenset(kept),
        keyless=tuple(keyless),
    )


def _key_of(row: CsvRow[UserCreate], key: str, region: str | None) -> str | None:
    """The key value an invalid row still gives (its phone as the API writes it, or its
    nickname), or None when it cannot be read."""
    text = (row.cells or {}).get(key, "").strip()
    if not text:
        return None
    if key != "phone":
        return text
    try:
        return normalize_phone(text, region=region) if region else check_phone("phone", text)
    except ValidationError:
        return None


# --empty-clears names (a department is cleared by its id), and the columns that give each.
_CLEAR_NAMES: Final = {
    "email": "email",
    "nickname": "nickname",
    "department": "department_id",
    "department_id": "department_id",
    "limits": "limits",
}
_CLEAR_COLUMNS: Final = {
    "email": ("email",),
    "nickname": ("nickname",),
    "department_id": ("department", "department_id"),
    "limits": ("limits",),
}


def _empty_clears(text: str | None) -> frozenset[str]:
    """The fields ``--empty-clears`` names; an unknown one is a :class:`UsageError`."""
    fields: set[str] = set()
    for name in (part.strip() for part in (text or "").split(",")):
        if not name:
            continue
        field = _CLEAR_NAMES.get(name)
        if field is None:
            raise UsageError(
                f"--empty-clears: {name!r} cannot be cleared; these can: " + ", ".join(_CLEAR_NAMES)
            )
        fields.add(field)
    assert fields <= set(CLEARABLE)
    return frozenset(fields)


def _check_clears(clear: frozenset[str], given: frozenset[str]) -> None:
    """Refuse clearing a field the file has no column for: it would clear everyone's."""
    for field in sorted(clear):
        if not any(column in given for column in _CLEAR_COLUMNS[field]):
            raise UsageError(
                f"--empty-clears {field}: the file has no {_CLEAR_COLUMNS[field][0]} column, so "
                "every employee's would be cleared; refused (nothing was sent)"
            )


def _run_sync(args: argparse.Namespace) -> int:
    try:
        reading = file_reading(args)
        clear = _empty_clears(args.empty_clears)
    except UsageError as exc:
        return fail(str(exc))

    def desired_of(file: FileSnapshot, names: NameLookup | None) -> DesiredFile:
        try:
            desired = load_desired_csv(file, reading=reading, names=names, key=args.key)
        except (InputFileError, ValidationError) as exc:
            raise UsageError(f"refused {exc} (nothing was sent)") from None
        if desired.keyless and args.archive_missing and not args.force:
            listed = ", ".join(f"line {line}" for line in desired.keyless[:_ROWS_NAMED])
            raise UsageError(
                f"sync refused (nothing was sent): --archive-missing would archive the "
                f"employees of invalid rows whose {args.key} cannot be read ({listed}); fix "
                "those rows, or pass --force to archive whoever the file does not name"
            )
        return desired

    async def body() -> int:
        file = reading.take(args.file)
        info = reading.check(file)
        _check_clears(clear, info.fields)
        binding = reading.binding(
            "users.sync",
            file,
            key=args.key,
            archive_missing=args.archive_missing,
            force=args.force,
            empty_clears=sorted(clear),
        )
        if args.apply:
            check_journal(args, binding)
        title = f"users sync {args.file}"
        if not reading.needs_names(info):
            desired = desired_of(file, None)
            async with open_session(args) as session:
                try:
                    return await _sync_session(
                        args, desired, session, clear=clear, journal_job=binding
                    )
                except (AuthenticationError, PermissionDeniedError) as exc:
                    return refused_before_rows(args, title, reading.read(file, None), exc)
        async with open_session(args) as session:
            sends = args.apply and not args.dry_run
            try:
                names = await reading.names(session.client, file, sends=sends)
                return await _sync_session(
                    args,
                    desired_of(file, names),
                    session,
                    clear=clear,
                    names_used=True,
                    journal_job=binding,
                )
            except (AuthenticationError, PermissionDeniedError) as exc:
                return refused_before_rows(args, title, reading.read(file, None), exc)

    return run_async(args, body)


async def _sync_session(
    args: argparse.Namespace,
    desired: DesiredFile,
    session: Session,
    *,
    clear: frozenset[str] = frozenset(),
    names_used: bool = False,
    journal_job: JobBinding | None = None,
) -> int:
    preview = not args.apply or args.dry_run
    try:
        check_desired(desired.users, key=args.key, row_name=desired.row_name)
        plan = build_plan(
            desired.users,
            await read_account(session.client.users, page_size=DEFAULT_PAGE_LIMIT),
            key=args.key,
            archive_missing=args.archive_missing,
            # A preview changes nothing: it shows a plan above the cap, then refuses it below.
            force=args.force or preview,
            row_name=desired.row_name,
            clear=clear,
            keep=desired.kept_keys,
            lines=desired.lines,
        )
    except (ValidationError, ArchiveCapError) as exc:
        return fail(f"sync refused (nothing was sent): {exc}")
    label = await names_of_ids(session.client) if names_used else None
    hide = args.hide_personal
    print(plan.describe(max_lines=_PLAN_PREVIEW_LINES, label=label, hide_personal=hide))
    _print_left_out(desired)
    if preview:
        if args.report:
            _write_plan(args.report, plan, desired, hide_personal=hide)
        if not args.force and len(plan.archives) > SYNC_ARCHIVE_CAP * plan.active:
            capped = ArchiveCapError(
                planned=len(plan.archives), active=plan.active, cap=SYNC_ARCHIVE_CAP
            )
            return fail(f"sync refused (nothing was sent): {capped}")
        if plan:
            whole = f" (the whole plan is in {args.report})" if args.report else ""
            print(f"nothing was changed{whole}: run again with --apply to carry out this plan")
        return EXIT_OK
    if not plan and not args.report:
        return EXIT_OK

    async def run(
        client: B2BClient,
        on_item: Callable[[BulkItem[SyncAction, str]], None],
        options: BulkOptions,
    ) -> BulkStop | None:
        report = await apply_plan(client.users, plan, on_item=on_item, **options)
        return report.stopped

    form = _action_format(desired, hide_personal=hide)
    job: Job[SyncAction, str] = Job(
        title=f"users sync {args.file}",
        rows=list(plan),
        total=len(plan),
        form=form,
        run=run,
        journal_job=journal_job,
        before=lambda reporter: _report_left_out(reporter, plan, desired),
    )
    return await execute(args, job, session)


def _print_left_out(desired: DesiredFile) -> None:
    """The rows the plan does not act on, by line: filtered out, and invalid ones left out."""
    if desired.filtered:
        count = len(desired.filtered)
        print(f"{count} row{_s(count)} filtered out by --where (absent from the sync)")
    for row in desired.invalid[:_ROWS_NAMED]:
        print(f"  line {row.line}: left out (invalid): {row.error}", file=sys.stderr)
    if desired.invalid:
        more = len(desired.invalid) - _ROWS_NAMED
        print(
            f"{len(desired.invalid)} invalid row{_s(len(desired.invalid))} left out "
            "(--skip-invalid)"
            + (f", {more} more in --report" if more > 0 else "")
            + "; their employees are kept as they are",
            file=sys.stderr,
        )


def _s(count: int) -> str:
    return "" if count == 1 else "s"


def _report_left_out(
    reporter: Reporter[SyncAction, str], plan: SyncPlan, desired: DesiredFile
) -> None:
    """Report lines (and counts) of the rows a sync leaves out, so every row is reported,
    and the plan's warnings."""
    for warning in plan.warnings:
        reporter.write(_warning_line(warning))
    for line in desired.filtered:
        reporter.record("filtered out", {"line": line, "ok": True, "outcome": "filtered"})
    for row in desired.invalid:
        assert row.error is not None
        error = {**error_summary(row.error), "field": row.error.field}
        reporter.record(
            "invalid, left out",
            {"line": row.line, "ok": False, "outcome": "left out", "error": error},
        )


def _warning_line(warning: SyncWarning) -> dict[str, object]:
    return {
        "line": warning.line,
        "warning": warning.kind,
        "user_id": warning.user_id,
        "message": warning.describe().removeprefix("warning: "),
    }


def _action_format(
    desired: DesiredFile, *, hide_personal: bool = False
) -> RowFormat[SyncAction, str]:
    def where(action: SyncAction) -> str:
        # A message names an action by its line, an archive by the employee's id: never by a
        # phone (messages and progress show no personal data, --hide-personal or not).
        if isinstance(action, SyncArchive):
            return f"archive of {action.user_id}"
        return f"line {desired.line_of(action)}"

    def key(action: SyncAction) -> str:
        return str(describe_action_data(action, hide_personal=hide_personal)["key"])

    return RowFormat(
        line=desired.line_of,
        outcome=lambda action, _: action_outcome(action),
        details=lambda action, _: {"action": action_name(action), "key": key(action)},
        where=where,
        noun="action",
    )


def _write_plan(
    path: str, plan: SyncPlan, desired: DesiredFile, *, hide_personal: bool = False
) -> None:
    """One JSON line per planned action, nothing applied (``hide_personal``: masked)."""
    reporter: Reporter[SyncAction, str] = Reporter(
        _action_format(desired, hide_personal=hide_personal), path, secrets=Parser.secrets
    )
    try:
        reporter.open()
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, path) from None
    try:  # not `with reporter`: entering it would open the file a second time
        for action in plan:
            data = describe_action_data(action, hide_personal=hide_personal)
            reporter.write({"line": desired.line_of(action), **data})
        _report_left_out(reporter, plan, desired)
    finally:
        reporter.close()


# -- users list / get / update / spending ---------------------------------------------------


def _list_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--state",
        choices=("active", "archived", "all"),
        default="all",
        help="which employees (default: all, archived ones too)",
    )


async def _list(client: B2BClient, args: argparse.Namespace) -> list[User]:
    wanted = {"active": False, "archived": True}.get(args.state)
    return [
        user
        async for user in client.users.list()
        if wanted is None or bool(user.is_deleted) is wanted
    ]


async def _get(client: B2BClient, args: argparse.Namespace) -> User:
    return await client.users.get(args.id)


def _update_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", metavar="USER_ID", help="the employee")
    parser.add_argument("--fullname", metavar="NAME", help="the new name")
    parser.add_argument("--phone", help="the new phone (+79001234567)")
    parser.add_argument("--email", help="the new email")
    parser.add_argument("--nickname", metavar="TEXT", help="the new nickname (an external ID)")
    parser.add_argument("--department-id", metavar="ID", help="move to this department")
    parser.add_argument("--cost-center-id", metavar="ID", help="the new cost center")
    active = parser.add_mutually_exclusive_group()
    active.add_argument("--active", action="store_true", default=None, help="may order")
    active.add_argument(
        "--inactive", dest="active", action="store_false", help="may not order (kept, not archived)"
    )


def _update_prepare(args: argparse.Namespace) -> None:
    fields = {
        "fullname": args.fullname,
        "phone": args.phone,
        "email": args.email,
        "nickname": args.nickname,
        "department_id": args.department_id,
        "cost_centers_id": args.cost_center_id,
        "is_active": args.active,
    }
    given = {name: value for name, value in fields.items() if value is not None}
    if not given:
        raise UsageError("users update: give a field to change (--fullname, --email, ...)")
    args.patch = UserPatch(**given)


async def _update(client: B2BClient, args: argparse.Namespace) -> dict[str, object]:
    patch: UserPatch = args.patch
    if patch.cost_centers_id is UNSET:
        # A PATCH without it would move the employee to the main cost center: keep theirs.
        current = await client.users.get(args.id)
        if current.cost_centers_id:
            patch = attrs.evolve(patch, cost_centers_id=current.cost_centers_id)
    await client.users.patch(args.id, patch)
    return {"id": args.id}


async def _spending(client: B2BClient, args: argparse.Namespace) -> object:
    return await client.users.spending_details(args.ids)


_VERBS = (
    Verb(
        group="users",
        name="list",
        help="list the employees",
        description="Every employee of the account (--state active or archived for some). The "
        "table shows names, phones and emails: your own account's data, printed on your "
        "request; -o writes every field.",
        examples=("users list --state active", "users list --format csv -o employees.csv"),
        call=_list,
        shows="list",
        columns=(
            "id",
            "fullname",
            "phone",
            "email",
            "department_id",
            "cost_center",
            "is_active",
            "is_deleted",
        ),
        arguments=_list_arguments,
    ),
    Verb(
        group="users",
        name="get",
        help="show an employee",
        description="Print employee USER_ID's record (archived ones too).",
        examples=("users get USER_ID", "users get USER_ID --format json"),
        call=_get,
        arguments=lambda parser: parser.add_argument("id", metavar="USER_ID", help="the employee"),
    ),
    Verb(
        group="users",
        name="update",
        help="change an employee's fields",
        description="Change the fields given and nothing else (the employee keeps their cost "
        "center unless --cost-center-id is given); prints the id.",
        examples=(
            "users update USER_ID --department-id DEPARTMENT_ID",
            "users update USER_ID --inactive",
        ),
        call=_update,
        shows="id",
        arguments=_update_arguments,
        prepare=_update_prepare,
    ),
    Verb(
        group="users",
        name="spending",
        help="what employees spent within their limits",
        description="Print what each employee given spent within each of their limits (any "
        "number of ids: they are asked for 100 at a time).",
        examples=("users spending USER_ID", "users spending USER_ID USER_ID2 --format json"),
        call=_spending,
        shows="list",
        arguments=lambda parser: parser.add_argument(
            "ids", metavar="USER_ID", nargs="+", help="the employees"
        ),
    ),
)
