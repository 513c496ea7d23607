"""The ``yandex-b2b`` command line (also ``python -m yandex_b2b_async``): bulk jobs from files.

::

    yandex-b2b [--sandbox] users create FILE.csv [options]
    yandex-b2b [--sandbox] users archive FILE [options]
    yandex-b2b [--sandbox] users restore FILE [options]
    yandex-b2b [--sandbox] departments archive ID... [options]
    yandex-b2b sandbox serve [--port N ...]

Every job reads its input lazily through the bulk engine (:mod:`yandex_b2b_async.bulk`), writes
a JSON-lines report as rows finish (``--report``), can resume from a journal (``--journal``),
shows a progress bar on a terminal and ends with a summary. Exit codes: 0 every row succeeded,
1 some rows failed, 2 a usage error or a file refused before anything was sent, 130
interrupted (what finished is in the report and the journal).

Adding a command is one function that declares its parser and one :class:`Job` (see
``_users_create``) plus a line in ``_COMMANDS``. It uses the standard library only (argparse):
no extra to install. The token is read from ``--token`` or ``YANDEX_B2B_TOKEN`` and is never
printed or written to a report.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from typing import IO, Final, Generic, NoReturn, TypeVar

import attrs

from . import __version__
from ._client import B2BClient
from ._constants import DEFAULT_BASE_URL, DEFAULT_BULK_CONCURRENCY
from ._csv import (
    CsvRow,
    InputFileError,
    count_user_ids,
    count_users_csv,
    read_user_ids,
    read_users_csv,
)
from ._logs import LOG_LEVELS, install_handler, remove_handler
from .bulk import BulkItem, BulkProgress, bulk_stream, error_summary, input_key
from .errors import APIError, B2BError, ValidationError
from .models import CreateOrRestoreResult, DepartmentArchiveResult, UserCreate
from .pacing import RateLimit

__all__ = ["Job", "main"]

_T = TypeVar("_T")
_R = TypeVar("_R")

PROG: Final = "yandex-b2b"
EXIT_OK: Final = 0
EXIT_FAILED_ROWS: Final = 1
EXIT_USAGE: Final = 2
EXIT_INTERRUPTED: Final = 130  # 128 + SIGINT, the shell's convention

ENV_TOKEN: Final = "YANDEX_B2B_TOKEN"
ENV_CLIENT_ID: Final = "YANDEX_B2B_CLIENT_ID"
ENV_BASE_URL: Final = "YANDEX_B2B_BASE_URL"

# Failed rows printed after the summary; the rest are in --report.
_SHOWN_FAILURES: Final = 20
# Progress bar redraws per second at most: per-item callbacks stay cheap.
_BAR_INTERVAL: Final = 0.1


class UsageError(Exception):
    """A command line or input file that is refused before anything is sent (exit 2)."""


# ---------------------------------------------------------------------------------------------
# A job: what a command runs for each row, and how its outcomes read


@attrs.frozen(kw_only=True)
class Job(Generic[_T, _R]):
    """One bulk command: its rows and the call made for each.

    ``rows`` yields the rows lazily (the file was checked already); ``call`` sends one valid
    row's value; ``outcome`` names what a success did ("created", "archived", …);
    ``operation`` and ``key`` key the journal (the library's own bulk methods use the same, so
    their journals are interchangeable); ``details`` adds fields to a report line;
    ``call_if_unsure`` replaces ``call`` for a row whose journaled call may have been carried
    out although it failed (see :func:`bulk`).
    """

    title: str
    operation: str
    rows: Iterator[CsvRow[_T]]
    total: int | None
    call: Callable[[B2BClient, _T], Awaitable[_R]]
    outcome: Callable[[_R], str]
    id_of: Callable[[_T, _R], str | None]
    key: Callable[[_T], str] = input_key
    details: Callable[[_T, _R | None], dict[str, object]] = lambda _, __: {}
    call_if_unsure: Callable[[B2BClient, _T], Awaitable[_R]] | None = None


# ---------------------------------------------------------------------------------------------
# The commands. Each declares its arguments and returns a Job built from the parsed options.


def _users_create(commands: _Commands) -> None:
    parser = commands.add(
        "users",
        "create",
        help="create (or restore) employees from a CSV file",
        description="Create every employee of FILE.csv, or restore the archived one with the "
        "same phone. An active employee with that phone is never overwritten: the row is "
        "reported as a conflict naming the existing id. Columns are API field names: "
        "fullname,phone,is_active,cost_centers_id (required), email,nickname,department_id,"
        "limits (limits as service:limit_id pairs joined by ';').",
    )
    parser.add_argument("file", metavar="FILE.csv", help="the employees, one per row")

    def job(args: argparse.Namespace) -> Job[UserCreate, CreateOrRestoreResult]:
        total = _check_file(count_users_csv, args.file)

        async def create(client: B2BClient, user: UserCreate) -> CreateOrRestoreResult:
            return await client.users.create_or_restore(user)

        async def create_again(client: B2BClient, user: UserCreate) -> CreateOrRestoreResult:
            # An earlier run's create of this row may have happened with its reply lost.
            return await client.users.create_or_restore(user, earlier_attempt_unknown=True)

        return Job(
            title=f"users create {args.file}",
            operation="users.create",
            rows=read_users_csv(args.file, check=False),
            total=total,
            call=create,
            call_if_unsure=create_again,
            outcome=lambda result: "restored" if result.restored else "created",
            id_of=lambda _, result: result.id,
        )

    parser.set_defaults(job=job)


def _users_archive_or_restore(commands: _Commands, action: str) -> None:
    verb = "archive" if action == "archive" else "restore"
    parser = commands.add(
        "users",
        action,
        help=f"{verb} employees listed in a file",
        description=f"{verb.capitalize()} every employee whose id FILE lists: one user_id per "
        "line, or a CSV with a user_id column."
        + (" Each keeps its cost center." if action == "restore" else ""),
    )
    parser.add_argument("file", metavar="FILE", help="user ids, one per line (or CSV)")

    def job(args: argparse.Namespace) -> Job[str, None]:
        total = _check_file(count_user_ids, args.file)

        async def archive(client: B2BClient, user_id: str) -> None:
            await client.users.archive(user_id)

        async def restore(client: B2BClient, user_id: str) -> None:
            await client.users.restore(user_id)

        return Job(
            title=f"users {action} {args.file}",
            operation=f"users.{action}",
            rows=read_user_ids(args.file, check=False),
            total=total,
            call=archive if action == "archive" else restore,
            outcome=lambda _: "archived" if action == "archive" else "restored",
            id_of=lambda user_id, _: user_id,
            details=lambda user_id, _: {"user_id": user_id},
        )

    parser.set_defaults(job=job)


def _users_archive(commands: _Commands) -> None:
    _users_archive_or_restore(commands, "archive")


def _users_restore(commands: _Commands) -> None:
    _users_archive_or_restore(commands, "restore")


def _departments_archive(commands: _Commands) -> None:
    parser = commands.add(
        "departments",
        "archive",
        help="remove departments (each with its subtree)",
        description="Remove each department ID and its whole subtree. The API refuses a "
        "subtree that still holds an active employee or a role. In the report, 'line' is the "
        "ID's position among the arguments.",
    )
    parser.add_argument("ids", metavar="ID", nargs="+", help="department ids")

    def job(args: argparse.Namespace) -> Job[str, DepartmentArchiveResult]:
        ids: list[str] = args.ids

        async def archive(client: B2BClient, department_id: str) -> DepartmentArchiveResult:
            return await client.departments.archive(department_id)

        return Job(
            title="departments archive",
            operation="departments.archive",
            rows=_argument_rows(ids),
            total=len(ids),
            call=archive,
            outcome=lambda _: "archived",
            id_of=lambda department_id, _: department_id,
            details=lambda department_id, result: {
                "department_id": department_id,
                **({"deleted_ids": result.deleted_ids} if result is not None else {}),
            },
        )

    parser.set_defaults(job=job)


def _sandbox_serve(commands: _Commands) -> None:
    parser = commands.add(
        "sandbox",
        "serve",
        job_options=False,
        add_help=False,
        help="run the API emulator on localhost until Ctrl-C",
        description="Run the sandbox (options: python -m yandex_b2b_async.sandbox serve -h).",
    )
    parser.set_defaults(run=_run_sandbox, passes_unknown_options=True)


def _run_sandbox(args: argparse.Namespace) -> int:
    # The sandbox's own parser owns these options (python -m yandex_b2b_async.sandbox).
    from .sandbox.__main__ import main as sandbox_main

    return sandbox_main(["serve", *args.unknown_options])


def _users_sync(commands: _Commands) -> None:
    parser = commands.add(
        "users",
        "sync",
        help="make the account match a CSV file (prints the plan; --apply carries it out)",
        description="Compare FILE.csv (the 'users create' columns) with the account and print "
        "the plan: who is created, restored (archived and listed), updated (only the fields "
        "that differ) and, with --archive-missing, archived (active and absent from the file; "
        "refused above 10% of the active employees unless --force). Nothing changes without "
        "--apply. Every row must be valid, and each key must appear once.",
    )
    parser.add_argument("file", metavar="FILE.csv", help="the desired employees, one per row")
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
    parser.set_defaults(run=_run_users_sync)


def _run_users_sync(args: argparse.Namespace) -> int:
    from .sync import load_desired_csv, run_sync

    try:
        desired = load_desired_csv(args.file)
    except (InputFileError, ValidationError) as exc:
        print(f"{PROG}: error: refused {exc} (nothing was sent)", file=sys.stderr)
        return EXIT_USAGE

    async def sync() -> int:
        async with _client_for(args) as client:
            return await run_sync(
                client.users,
                desired,
                key=args.key,
                archive_missing=args.archive_missing,
                force=args.force,
                apply=args.apply and not args.dry_run,
                concurrency=args.concurrency,
                report=args.report,
                journal=args.journal,
                progress=_ProgressBar(f"users sync {args.file}") if sys.stderr.isatty() else None,
            )

    try:
        return asyncio.run(sync())
    except UsageError as exc:
        print(f"{PROG}: error: {_redact(str(exc), _Parser.secrets)}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except B2BError as exc:  # reading the account failed
        print(f"{PROG}: error: {_redact(str(exc), _Parser.secrets)}", file=sys.stderr)
        return EXIT_FAILED_ROWS
    except OSError as exc:  # the report or journal could not be written
        print(f"{PROG}: error: cannot use {exc.filename}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE


# The command table.
_COMMANDS: Final[Sequence[Callable[[_Commands], None]]] = (
    _users_create,
    _users_archive,
    _users_restore,
    _users_sync,
    _departments_archive,
    _sandbox_serve,
)


# ---------------------------------------------------------------------------------------------
# Parsing


class _Parser(argparse.ArgumentParser):
    """argparse that exits 2 with the token, if the message would hold it, hidden."""

    secrets: tuple[str, ...] = ()

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {_redact(message, self.secrets)}\n")


class _Commands:
    """The ``GROUP ACTION`` subcommands, each with the shared job options."""

    def __init__(self, parser: argparse.ArgumentParser) -> None:
        self._groups = parser.add_subparsers(dest="group", metavar="COMMAND", required=True)
        self._actions: dict[str, argparse._SubParsersAction[argparse.ArgumentParser]] = {}
        self._job_options = _job_options()

    def add(
        self,
        group: str,
        action: str,
        *,
        help: str,
        description: str,
        job_options: bool = True,
        add_help: bool = True,
    ) -> argparse.ArgumentParser:
        actions = self._actions.get(group)
        if actions is None:
            group_parser = self._groups.add_parser(group, help=f"{group} commands")
            actions = group_parser.add_subparsers(dest="action", metavar="ACTION", required=True)
            self._actions[group] = actions
        return actions.add_parser(
            action,
            help=help,
            description=description,
            parents=[self._job_options] if job_options else [],
            add_help=add_help,
        )


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1, got {value}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number > 0, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number > 0, got {text!r}")
    return value


def _job_options() -> argparse.ArgumentParser:
    options = _Parser(add_help=False)
    group = options.add_argument_group("job options")
    group.add_argument(
        "--concurrency",
        type=_positive_int,
        default=DEFAULT_BULK_CONCURRENCY,
        metavar="N",
        help=f"calls in flight at most (default {DEFAULT_BULK_CONCURRENCY})",
    )
    group.add_argument(
        "--rate",
        type=_positive_float,
        default=None,
        metavar="R",
        help="calls per second at most (adaptive: slows down on 429); default: no pacing",
    )
    group.add_argument(
        "--report",
        metavar="PATH",
        help="write a JSON line per row to PATH, as rows finish (each names its line)",
    )
    group.add_argument(
        "--journal",
        metavar="PATH",
        help="record finished rows in PATH; a rerun with it skips the rows that succeeded",
    )
    group.add_argument("--dry-run", action="store_true", help="check the input only; send nothing")
    group.add_argument("--token", help=f"OAuth token (better: set {ENV_TOKEN})")
    group.add_argument("--client-id", help=f"selected client id (or {ENV_CLIENT_ID})")
    group.add_argument("--base-url", help=f"API base URL (or {ENV_BASE_URL}; {DEFAULT_BASE_URL})")
    return options


def build_parser() -> argparse.ArgumentParser:
    """The ``yandex-b2b`` argument parser."""
    parser = _Parser(
        prog=PROG,
        description="Bulk jobs for the Yandex Go for Business API 2.0: create, archive and "
        "restore employees from files, archive departments.",
        epilog="Exit codes: 0 all rows succeeded, 1 some failed, 2 usage error or refused "
        "file, 130 interrupted.",
    )
    parser.add_argument(
        "--sandbox",
        action="store_true",
        help="run against an embedded sandbox (no token, no network)",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--log-level",
        choices=LOG_LEVELS,
        type=str.lower,
        help="write the library's log lines at this level and above to stderr (default: "
        "warnings only)",
    )
    parser.add_argument(
        "--log-json", action="store_true", help="write log lines as JSON objects, one a line"
    )
    commands = _Commands(parser)
    for register in _COMMANDS:
        register(commands)
    return parser


# ---------------------------------------------------------------------------------------------
# Running a job


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    _Parser.secrets = _secrets(arguments)
    parser = build_parser()
    args, unknown = parser.parse_known_args(arguments)
    if unknown and not getattr(args, "passes_unknown_options", False):
        parser.error("unrecognized arguments: " + " ".join(unknown))
    args.unknown_options = unknown
    handler = None
    if args.log_level is not None or args.log_json:
        level = args.log_level or "warning"
        handler = install_handler(level, json=args.log_json, stream=sys.stderr)
    try:
        return _main(args)
    finally:
        if handler is not None:
            remove_handler(handler)


def _main(args: argparse.Namespace) -> int:
    run: Callable[[argparse.Namespace], int] | None = getattr(args, "run", None)
    if run is not None:
        return run(args)
    try:
        job = args.job(args)
        return asyncio.run(_run_job(args, job))
    except UsageError as exc:
        print(f"{PROG}: error: {_redact(str(exc), _Parser.secrets)}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except B2BError as exc:  # the input failed midway (e.g. the file changed while read)
        print(f"{PROG}: error: {_redact(str(exc), _Parser.secrets)}", file=sys.stderr)
        return EXIT_FAILED_ROWS


def _check_file(count: Callable[[str], int], path: str) -> int:
    try:
        return count(path)
    except InputFileError as exc:
        raise UsageError(f"refused {exc} (nothing was sent)") from None


def _argument_rows(values: Sequence[str]) -> Iterator[CsvRow[str]]:
    for position, value in enumerate(values, start=1):
        if value.strip():
            yield CsvRow(line=position, value=value.strip())
        else:
            yield CsvRow(line=position, error=ValidationError("id", "must not be empty"))


async def _run_job(args: argparse.Namespace, job: Job[_T, _R]) -> int:
    reporter = _Reporter(job, args.report)
    with reporter:
        if args.dry_run:
            for row in job.rows:
                reporter.dry_run(row)
            return _summary(job, reporter, dry_run=True)
        bar = _ProgressBar(job.title) if sys.stderr.isatty() else None
        try:
            async with _client_for(args) as client:

                def value_of(row: CsvRow[_T]) -> _T:
                    if row.error is not None:
                        raise row.error
                    assert row.value is not None
                    return row.value

                async def call(row: CsvRow[_T]) -> _R:
                    return await job.call(client, value_of(row))

                unsure = job.call_if_unsure

                async def call_again(row: CsvRow[_T]) -> _R:
                    assert unsure is not None
                    return await unsure(client, value_of(row))

                def key(row: CsvRow[_T]) -> str:
                    return job.key(row.value) if row.value is not None else f"line:{row.line}"

                def id_of(row: CsvRow[_T], result: _R) -> str | None:
                    assert row.value is not None
                    return job.id_of(row.value, result)

                stream = bulk_stream(
                    call,
                    job.rows,
                    concurrency=args.concurrency,
                    on_progress=bar,
                    on_item=reporter.item,
                    total=job.total,
                    journal=args.journal,
                    operation=job.operation,
                    key=key,
                    id_of=id_of,
                    call_if_unsure=call_again if unsure is not None else None,
                )
                # aclosing: the run must stop (its grace period included) before the client closes.
                async with contextlib.aclosing(stream):
                    async for _ in stream:
                        pass
        except asyncio.CancelledError:
            if bar is not None:
                bar.close()
            _summary(job, reporter, interrupted=True)
            raise
        except OSError as exc:  # the journal could not be opened
            raise UsageError(f"cannot use {exc.filename}: {exc.strerror or exc}") from None
        if bar is not None:
            bar.close()
        return _summary(job, reporter)


@contextlib.asynccontextmanager
async def _client_for(args: argparse.Namespace) -> AsyncIterator[B2BClient]:
    """The client the options describe: the embedded sandbox's, or the real API's."""
    rate_limit = RateLimit(rate=args.rate, adaptive=True) if args.rate else None
    if args.sandbox:
        if args.base_url or args.token:
            raise UsageError("--sandbox runs against an embedded sandbox: drop --token/--base-url")
        from .sandbox import Sandbox

        async with (
            Sandbox() as sandbox,
            B2BClient(sandbox.token, base_url=sandbox.url, rate_limit=rate_limit) as client,
        ):
            yield client
        return
    token = args.token or os.environ.get(ENV_TOKEN)
    if not token:
        raise UsageError(f"no token: pass --token or set {ENV_TOKEN} (or try --sandbox)")
    try:
        client = B2BClient(
            token,
            client_id=args.client_id or os.environ.get(ENV_CLIENT_ID) or None,
            base_url=args.base_url or os.environ.get(ENV_BASE_URL) or DEFAULT_BASE_URL,
            rate_limit=rate_limit,
        )
    except ValidationError as exc:
        raise UsageError(str(exc)) from None
    async with client:
        yield client


# ---------------------------------------------------------------------------------------------
# Report, progress and summary


class _Reporter(Generic[_T, _R]):
    """Writes each finished row to the report file and counts outcomes for the summary."""

    def __init__(self, job: Job[_T, _R], path: str | None) -> None:
        self._job = job
        self._path = path
        self._file: IO[str] | None = None
        self.rows = 0
        self.outcomes: dict[str, int] = {}
        self.error_codes: dict[str, int] = {}
        self.shown: list[str] = []

    def __enter__(self) -> _Reporter[_T, _R]:
        if self._path is not None:
            try:
                self._file = open(self._path, "w", encoding="utf-8")
            except OSError as exc:
                raise UsageError(
                    f"cannot write the report {self._path}: {exc.strerror or exc}"
                ) from None
        return self

    def __exit__(self, *_: object) -> None:
        if self._file is not None:
            self._file.close()

    @property
    def failed(self) -> int:
        return self.outcomes.get("failed", 0)

    def item(self, item: BulkItem[CsvRow[_T], _R]) -> None:
        row = item.input
        line: dict[str, object] = {"line": row.line, "ok": item.ok}
        if item.error is not None:
            self._failure(line, row.line, item.error)
        else:
            outcome = "skipped" if item.skipped else self._job.outcome(item.result)  # type: ignore[arg-type]
            self._count(outcome)
            line["id"] = item.id
            line["outcome"] = outcome
        if row.value is not None:
            line.update(self._job.details(row.value, item.result))
        self._write(line)

    def dry_run(self, row: CsvRow[_T]) -> None:
        line: dict[str, object] = {"line": row.line, "ok": row.error is None, "dry_run": True}
        if row.error is not None:
            self._failure(line, row.line, row.error)
        else:
            self._count("valid")
            line["id"] = None
        self._write(line)

    def _failure(self, line: dict[str, object], row_line: int, error: Exception) -> None:
        summary = error_summary(error)
        self._count("failed")
        self.error_codes[summary["code"]] = self.error_codes.get(summary["code"], 0) + 1
        described: dict[str, object] = dict(summary)
        if isinstance(error, ValidationError):
            described["field"] = error.field
        if isinstance(error, APIError) and error.conflict_user_id:
            described["conflict_user_id"] = error.conflict_user_id
        line["error"] = described
        if len(self.shown) < _SHOWN_FAILURES:
            self.shown.append(f"line {row_line}: {summary['code']}: {summary['message']}")

    def _count(self, outcome: str) -> None:
        self.rows += 1
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1

    def _write(self, line: dict[str, object]) -> None:
        if self._file is not None:
            self._file.write(json.dumps(line, ensure_ascii=False) + "\n")
            self._file.flush()


class _ProgressBar:
    """``[#####.....] 120/1000 12% 45/s 3 failed`` on stderr, redrawn ten times a second."""

    def __init__(self, title: str) -> None:
        self._title = title
        self._last = 0.0
        self._shown: BulkProgress | None = None
        self._latest: BulkProgress | None = None

    def __call__(self, progress: BulkProgress) -> None:
        self._latest = progress
        now = time.monotonic()
        if now - self._last >= _BAR_INTERVAL or progress.done == progress.total:
            self._last = now
            self._draw(progress)

    def _draw(self, progress: BulkProgress) -> None:
        width = 30
        if progress.total:
            share = progress.done / progress.total
            filled = int(share * width)
            bar = f"[{'#' * filled}{'.' * (width - filled)}] {progress.done}/{progress.total}"
            bar += f" {share:4.0%}"
        else:
            bar = f"{progress.done} done"
        failed = f" {progress.failed} failed" if progress.failed else ""
        sys.stderr.write(f"\r{self._title}: {bar} {progress.rate:.0f}/s{failed}\x1b[K")
        sys.stderr.flush()
        self._shown = progress

    def close(self) -> None:
        if self._latest is not None and self._latest is not self._shown:
            self._draw(self._latest)
        if self._shown is not None:
            sys.stderr.write("\n")
            sys.stderr.flush()


_OUTCOME_ORDER: Final[tuple[str, ...]] = (
    "valid",
    "created",
    "restored",
    "archived",
    "skipped",
    "failed",
)


def _summary(
    job: Job[_T, _R],
    reporter: _Reporter[_T, _R],
    *,
    dry_run: bool = False,
    interrupted: bool = False,
) -> int:
    """Print the end-of-run summary to stdout (failed rows to stderr); return the exit code."""
    counts = reporter.outcomes
    names = [name for name in _OUTCOME_ORDER if name in counts]
    names += sorted(name for name in counts if name not in _OUTCOME_ORDER)
    parts = [f"{name} {counts[name]}" for name in names] or ["no rows"]
    head = f"{job.title}{' (dry run: nothing sent)' if dry_run else ''}"
    head += " INTERRUPTED" if interrupted else ""
    rows = f"{reporter.rows} row{'' if reporter.rows == 1 else 's'}"
    print(f"{head}: {rows}: " + ", ".join(parts))
    if reporter.error_codes:
        codes = sorted(reporter.error_codes.items(), key=lambda pair: (-pair[1], pair[0]))
        print("failed by error code: " + ", ".join(f"{code} {n}" for code, n in codes))
    for text in reporter.shown:
        print(f"  {text}", file=sys.stderr)
    if reporter.failed > len(reporter.shown):
        print(f"  ... and {reporter.failed - len(reporter.shown)} more", file=sys.stderr)
    if interrupted:
        print(
            "interrupted: rows not listed were not sent; rerun with the same --journal to resume",
            file=sys.stderr,
        )
    sys.stdout.flush()
    return EXIT_FAILED_ROWS if reporter.failed else EXIT_OK


def _secrets(arguments: Sequence[str]) -> tuple[str, ...]:
    """The token as given on the command line or in the environment, to keep out of output."""
    found = [os.environ.get(ENV_TOKEN, "")]
    for position, argument in enumerate(arguments):
        if argument == "--token" and position + 1 < len(arguments):
            found.append(arguments[position + 1])
        elif argument.startswith("--token="):
            found.append(argument.partition("=")[2])
    return tuple(secret for secret in found if len(secret) >= 4)


def _redact(text: str, secrets: Sequence[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, "<hidden>")
    return text
