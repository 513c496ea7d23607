"""Running a command: the client the options describe, and the one job runner every bulk
command goes through (the report, the progress bar, the summary, the exit code, Ctrl-C).

A :class:`Job` is a command's rows, the bulk operation sent for each, and how its rows read
(:class:`~.output.RowFormat`). :func:`run_job` opens the client and runs it; :func:`execute`
runs a job on a client already open (``users sync`` reads the account first). Exit codes: 0
every row succeeded, 1 some rows failed or the run stopped (a 401/403, an unreachable API),
2 a usage error or a file refused before anything was sent, 130 interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Sequence
from typing import Generic, TypeVar

import attrs

from .. import B2BClient
from .._constants import DEFAULT_BASE_URL
from ..bulk import (
    BulkItem,
    BulkOperation,
    BulkOptions,
    BulkStop,
    JobBinding,
    JournalFile,
    JournalMismatchError,
    NotAttemptedError,
    check_binding,
)
from ..bulk.lease import FileLease
from ..errors import (
    AuthenticationError,
    B2BError,
    JournalInUseError,
    PermissionDeniedError,
    ValidationError,
)
from ..hr.rows import CsvRow, InputFileError
from ..pacing import RateLimit
from ..retries import RetryPolicy
from .output import LogCap, ProgressBar, Reporter, RetryCounts, RowFormat, print_summary, redact
from .parser import (
    ENV_BASE_URL,
    ENV_CLIENT_ID,
    ENV_REDIS_URL,
    ENV_TOKEN,
    EXIT_FAILED_ROWS,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    PROG,
    Parser,
    UsageError,
)

__all__ = [
    "Job",
    "Session",
    "argument_rows",
    "check_file",
    "check_journal",
    "execute",
    "fail",
    "open_session",
    "refused_before_rows",
    "row_operation",
    "run_async",
    "run_job",
]

_In = TypeVar("_In")
_Out = TypeVar("_Out")
_T = TypeVar("_T")

# What a job runs: given the client, the operation's run over the rows; returns why it stopped.
Execute = Callable[
    [B2BClient, Callable[[BulkItem[_In, _Out]], None], BulkOptions], Awaitable[BulkStop | None]
]


@attrs.frozen(kw_only=True)
class Job(Generic[_In, _Out]):
    """One bulk command: a title, its rows (lazy), how they read, and what is sent for them.

    ``operation(client)`` is the bulk operation over the rows; ``run`` replaces it when a job
    is more than one run (a sync's phases): it gets the client, the item callback and the bulk
    options, and returns the run's stop. ``check`` is called with each row in a dry run and
    returns its error (or None): a dry run sends nothing. ``filtered(row)`` says a row a
    ``--where`` condition leaves out, ``left_out(row)`` the error of an invalid row that
    ``--skip-invalid`` leaves out: both are reported and never sent, and neither fails the run.
    ``journal_job`` binds ``--journal`` to this job (its file and options); ``before`` writes
    report lines of its own before the rows (a sync's rows that are not actions).
    """

    title: str
    rows: Iterable[_In]
    total: int | None
    form: RowFormat[_In, _Out]
    operation: Callable[[B2BClient], BulkOperation[_In, _Out]] | None = None
    run: Execute[_In, _Out] | None = None
    check: Callable[[_In], Exception | None] = lambda _: None
    filtered: Callable[[_In], bool] = lambda _: False
    left_out: Callable[[_In], Exception | None] = lambda _: None
    journal_job: JobBinding | None = None
    before: Callable[[Reporter[_In, _Out]], None] | None = None


@attrs.frozen(kw_only=True)
class Session:
    """An open client with what the run counts of its calls."""

    client: B2BClient
    retries: RetryCounts


def fail(message: str) -> int:
    """Print ``yandex-b2b: error: …`` (the token hidden) and return exit code 2."""
    print(f"{PROG}: error: {redact(message, Parser.secrets)}", file=sys.stderr)
    return EXIT_USAGE


def check_file(count: Callable[[str], int], path: str) -> int:
    """Check a file whole (``count`` raises for a file to refuse); returns its row count."""
    try:
        return count(path)
    except InputFileError as exc:
        raise UsageError(f"refused {exc} (nothing was sent)") from None


def row_operation(
    name: str,
    call: Callable[[B2BClient, _T], Awaitable[_Out]],
    *,
    id_of: Callable[[_T, _Out], str | None],
    key: Callable[[_T], str],
    call_if_unsure: Callable[[B2BClient, _T], Awaitable[_Out]] | None = None,
    refused: Callable[[CsvRow[_T]], Exception | None] = lambda _: None,
) -> Callable[[B2BClient], BulkOperation[CsvRow[_T], _Out]]:
    """An operation over a file's rows made from one over their values: a row that failed
    validation (or that ``refused`` names an error for) fails with its error, unsent; the
    journal key of a valid row is its value's ``key``, of an invalid one its line."""

    def build(client: B2BClient) -> BulkOperation[CsvRow[_T], _Out]:
        def value_of(row: CsvRow[_T]) -> _T:
            error = row.error or refused(row)
            if error is not None:
                raise error
            assert row.value is not None
            return row.value

        async def send(row: CsvRow[_T]) -> _Out:
            return await call(client, value_of(row))

        unsure = call_if_unsure

        async def send_again(row: CsvRow[_T]) -> _Out:
            assert unsure is not None
            return await unsure(client, value_of(row))

        def row_key(row: CsvRow[_T]) -> str:
            return key(row.value) if row.value is not None else f"line:{row.line}"

        def row_id(row: CsvRow[_T], result: _Out) -> str | None:
            assert row.value is not None
            return id_of(row.value, result)

        return BulkOperation(
            name=name,
            call=send,
            id_of=row_id,
            key=row_key,
            call_if_unsure=send_again if unsure is not None else None,
            notify=client.notify,
        )

    return build


def run_async(args: argparse.Namespace, body: Callable[[], Awaitable[int]]) -> int:
    """Run a command's coroutine; turns the errors of the command line into exit codes."""
    try:
        return asyncio.run(_awaited(body))
    except UsageError as exc:
        return fail(str(exc))
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except (JournalInUseError, JournalMismatchError) as exc:  # nothing was sent
        return fail(str(exc))
    except B2BError as exc:  # reading the account failed, or the input failed midway
        message = str(exc) + _token_hint(exc, args)
        print(f"{PROG}: error: {redact(message, Parser.secrets)}", file=sys.stderr)
        return EXIT_FAILED_ROWS
    except BrokenPipeError:  # the reader had enough (| head): not an error
        return _reader_gone()
    except OSError as exc:  # the report or the journal could not be written
        return fail(f"cannot use {exc.filename}: {exc.strerror or exc}")


def _token_hint(error: B2BError, args: argparse.Namespace) -> str:
    """What to fix after a 401 or 403: the token, named by where it came from."""
    source = token_source(args)
    if isinstance(error, AuthenticationError):
        return f": fix the token ({source})"
    if isinstance(error, PermissionDeniedError):
        if error.code == "SELECT_CLIENT_HEADER_REQUIRED":
            return f": the token ({source}) reaches several clients; pick one with --client-id"
        return f": the token ({source}) does not reach this client; check --client-id"
    return ""


def _reader_gone() -> int:
    """End quietly when stdout's reader has closed the pipe: what is still buffered goes
    nowhere, instead of failing again when Python flushes it at exit."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return EXIT_OK


async def _awaited(body: Callable[[], Awaitable[int]]) -> int:
    return await body()


def run_job(args: argparse.Namespace, build: Callable[[], Job[_In, _Out]]) -> int:
    """Build a job and run it from the command line: a dry run, or the job on the client of
    ``args`` (a :class:`UsageError` while building — a refused file — exits 2)."""

    async def body() -> int:
        job = build()
        if args.dry_run:
            return dry_run(args, job)
        async with open_session(args) as session:
            return await execute(args, job, session)

    return run_async(args, body)


def dry_run(args: argparse.Namespace, job: Job[_In, _Out]) -> int:
    """Check every row, write the report, print the summary; nothing is sent."""
    reporter: Reporter[_In, _Out] = Reporter(job.form, args.report, secrets=Parser.secrets)
    with _opened(reporter):
        for row in _sifted(job, reporter, dry_run=True):
            error = job.check(row)
            if error is None:
                reporter.valid(row, dry_run=True)
            else:
                reporter.invalid(row, error, dry_run=True)
    print_summary(job.title, reporter, dry_run=True, secrets=Parser.secrets)
    return EXIT_FAILED_ROWS if reporter.failed else EXIT_OK


@contextlib.contextmanager
def _opened(reporter: Reporter[_In, _Out]) -> Iterator[Reporter[_In, _Out]]:
    try:
        reporter.open()
    except OSError as exc:
        raise UsageError(f"cannot write the report {exc.filename}: {exc.strerror or exc}") from None
    try:
        yield reporter
    finally:
        reporter.close()


async def execute(args: argparse.Namespace, job: Job[_In, _Out], session: Session) -> int:
    """Run ``job`` on an open session: the report as rows end, a progress bar on a terminal,
    the summary at the end (also when interrupted), the exit code."""
    reporter: Reporter[_In, _Out] = Reporter(job.form, args.report, secrets=Parser.secrets)
    bar = ProgressBar(job.title) if sys.stderr.isatty() else None
    # --log-level / --log-json show the library's lines in full: no cap on top of them.
    logs = LogCap(Parser.secrets, enabled=args.log_level is None and not args.log_json)
    journal = args.journal
    if journal is not None and job.journal_job is not None:
        journal = JournalFile(journal, job.journal_job)
    options: BulkOptions = {
        "concurrency": args.concurrency,
        "on_progress": bar,
        "total": job.total,
        "journal": journal,
    }
    source = token_source(args)
    client_source = client_id_source(args)

    def reported(item: BulkItem[_In, _Out]) -> None:
        # A row the API refused for the token's sake was not carried out: not attempted.
        if isinstance(item.error, AuthenticationError | PermissionDeniedError):
            stop = _token_stop(item.error, source, client_source)
            item = attrs.evolve(item, error=NotAttemptedError(stop))
        reporter.item(item)

    with _opened(reporter):
        if job.before is not None:
            job.before(reporter)
        logs.install()
        try:
            sifted = attrs.evolve(job, rows=_sifted(job, reporter, dry_run=False))
            stopped = await _send(sifted, session.client, reported, options)
        except asyncio.CancelledError:
            _end(bar, logs)
            print_summary(
                job.title,
                reporter,
                interrupted=True,
                retries=session.retries,
                journal=args.journal,
                secrets=Parser.secrets,
            )
            raise
        except OSError as exc:  # the journal could not be opened
            _end(bar, logs)
            raise UsageError(f"cannot use {exc.filename}: {exc.strerror or exc}") from None
        except BaseException:
            _end(bar, logs)
            raise
        _end(bar, logs)
    if stopped is not None and stopped.kind == "authentication":
        stopped = _token_stop(stopped.error, source, client_source)
    print_summary(
        job.title,
        reporter,
        stopped=stopped,
        retries=session.retries,
        journal=args.journal,
        secrets=Parser.secrets,
    )
    return EXIT_FAILED_ROWS if reporter.failed or stopped is not None else EXIT_OK


def _sifted(job: Job[_In, _Out], reporter: Reporter[_In, _Out], *, dry_run: bool) -> Iterator[_In]:
    """The rows to send (or check): those a condition filters out, and the invalid ones
    ``--skip-invalid`` leaves out, are reported here instead."""
    extra = {"dry_run": True} if dry_run else {}
    for row in job.rows:
        if job.filtered(row):
            reporter.filtered(row, **extra)
            continue
        error = job.left_out(row)
        if error is not None:
            reporter.left_out(row, error, **extra)
            continue
        yield row


def token_source(args: argparse.Namespace) -> str:
    """Where the run's token came from, as the user gave it."""
    if getattr(args, "sandbox", False):
        return "the embedded sandbox"
    return "--token" if getattr(args, "token", None) else ENV_TOKEN


def client_id_source(args: argparse.Namespace) -> str:
    """Where the run's client id came from, as the user gave it."""
    return "--client-id" if getattr(args, "client_id", None) else ENV_CLIENT_ID


# The 403 codes that are about the client id the run names, not about the token itself.
_CLIENT_ID_CODES = frozenset({"SELECTED_CLIENT_ACCESS_DENIED", "SELECT_CLIENT_HEADER_REQUIRED"})


def _token_stop(error: Exception, source: str, client_source: str = ENV_CLIENT_ID) -> BulkStop:
    status = getattr(error, "status", None)
    code = getattr(error, "code", None) or ""
    what = (
        f"the token from {source} was refused"
        if status == 401
        else f"the token from {source} has no access to this client"
    )
    if code == "SELECT_CLIENT_HEADER_REQUIRED":
        fix = f"the token reaches several clients: name one with {client_source}"
    elif code in _CLIENT_ID_CODES:
        fix = (
            f"give {client_source} a client id the token reaches (client.auth.clients() lists "
            "them), or leave it out for a token of one client,"
        )
    else:
        fix = f"fix the token ({source}, and --client-id if it reaches several clients)"
    return BulkStop(
        kind="authentication",
        message=f"{what} (HTTP {status} {code}".rstrip()
        + f"): nothing more was sent; {fix} and rerun",
        error=error,
    )


def check_journal(args: argparse.Namespace, job: JobBinding) -> None:
    """Refuse ``--journal`` (exit 2, before anything is sent) when it belongs to another job;
    nothing to check in a dry run, which writes no journal."""
    if args.journal and not args.dry_run:
        # A live run holding the journal is named first (JournalInUseError): that is the news.
        lease = FileLease.claim(os.fspath(args.journal))
        try:
            check_binding(args.journal, job)
        finally:
            lease.release()


def refused_before_rows(
    args: argparse.Namespace, title: str, rows: Iterable[CsvRow[_T]], error: Exception
) -> int:
    """A file job whose first calls (reading the account, resolving names) were refused for
    the token (401/403): every row is reported not attempted (or filtered out), the one-line
    reason names the token's source; exit 1."""
    stop = _token_stop(error, token_source(args), client_id_source(args))
    form: RowFormat[CsvRow[_T], None] = RowFormat(
        line=lambda row: row.line, outcome=lambda _, __: ""
    )
    reporter: Reporter[CsvRow[_T], None] = Reporter(form, args.report, secrets=Parser.secrets)
    with _opened(reporter):
        for row in rows:
            if row.filtered:
                reporter.filtered(row)
            else:
                reporter.invalid(row, NotAttemptedError(stop))
    print_summary(title, reporter, stopped=stop, secrets=Parser.secrets)
    return EXIT_FAILED_ROWS


def _end(bar: ProgressBar | None, logs: LogCap) -> None:
    if bar is not None:
        bar.close()
    logs.remove()


async def _send(
    job: Job[_In, _Out],
    client: B2BClient,
    on_item: Callable[[BulkItem[_In, _Out]], None],
    options: BulkOptions,
) -> BulkStop | None:
    if job.run is not None:
        return await job.run(client, on_item, options)
    assert job.operation is not None
    last = await job.operation(client).each(job.rows, on_item=on_item, **options)
    return last.stopped


@contextlib.asynccontextmanager
async def open_session(args: argparse.Namespace) -> AsyncIterator[Session]:
    """The client the options describe — the embedded sandbox's, or the real API's — with
    its retries counted for the summary instead of logged one by one."""
    retries = RetryCounts()
    retry = RetryPolicy(on_retry=retries.on_retry, on_give_up=retries.on_give_up)
    rate_limit = _rate_limit(args)
    if args.sandbox:
        if args.base_url or args.token:
            raise UsageError("--sandbox runs against an embedded sandbox: drop --token/--base-url")
        from ..sandbox import Sandbox

        async with (
            Sandbox() as sandbox,
            B2BClient(
                sandbox.token, base_url=sandbox.url, rate_limit=rate_limit, retry=retry
            ) as client,
        ):
            yield Session(client=client, retries=retries)
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
            retry=retry,
        )
    except ValidationError as exc:
        raise UsageError(str(exc)) from None
    async with client:
        yield Session(client=client, retries=retries)


def _rate_limit(args: argparse.Namespace) -> RateLimit | None:
    """``--rate``, shared through Redis with ``--redis-url`` (or its environment variable)."""
    redis_url = getattr(args, "redis_url", None) or os.environ.get(ENV_REDIS_URL) or None
    key = getattr(args, "redis_key", None)
    if not args.rate:
        if redis_url and getattr(args, "redis_url", None):
            raise UsageError("--redis-url shares the --rate quota: give --rate too")
        return None
    try:
        return RateLimit(rate=args.rate, adaptive=True, redis_url=redis_url, key=key)
    except ValidationError as exc:
        raise UsageError(str(exc)) from None


def argument_rows(values: Sequence[str]) -> Iterator[CsvRow[str]]:
    """Ids given as arguments, as rows numbered by their position."""
    for position, value in enumerate(values, start=1):
        if value.strip():
            yield CsvRow(line=position, value=value.strip())
        else:
            yield CsvRow(line=position, error=ValidationError("id", "must not be empty"))
