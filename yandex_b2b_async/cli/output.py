"""Everything the command line shows and writes: the progress bar, the JSON-lines report, the
end-of-run summary, and the log lines the library emits during a run.

One report writer and one summary serve every command (``users create``, ``archive``,
``restore``, ``sync``, ``departments archive``): a command only says, through its
:class:`RowFormat`, which line of the file an input came from, what a success did and which
fields to add to its report line. Summaries go to stdout, failed rows and warnings to stderr;
nothing here ever holds the token (messages are redacted with the secrets the parser saw).
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Callable, Sequence
from typing import IO, Final, Generic, TypeVar

import attrs

from ..bulk import NOT_ATTEMPTED, BulkItem, BulkProgress, BulkStop, error_summary
from ..errors import APIError, B2BError, ValidationError
from ..retries import RetryEvent

__all__ = [
    "LogCap",
    "ProgressBar",
    "Reporter",
    "RetryCounts",
    "RowFormat",
    "print_summary",
    "redact",
]

_In = TypeVar("_In")
_Out = TypeVar("_Out")

# Failed rows printed after the summary; the rest are in --report.
SHOWN_FAILURES: Final = 10
# Progress bar redraws per second at most: per-item callbacks stay cheap.
_BAR_INTERVAL: Final = 0.1
# Library warnings shown during one run before the rest are only counted (a dead server would
# otherwise print one per row).
_SHOWN_WARNINGS: Final = 5

_OUTCOME_ORDER: Final[tuple[str, ...]] = (
    "valid",
    "created",
    "restored",
    "updated",
    "archived",
    "skipped",
    "failed",
    "not attempted",
    "invalid, left out",
    "filtered out",
)


def redact(text: str, secrets: Sequence[str]) -> str:
    """``text`` with every secret replaced by ``<hidden>``."""
    for secret in secrets:
        text = text.replace(secret, "<hidden>")
    return text


@attrs.frozen(kw_only=True)
class RowFormat(Generic[_In, _Out]):
    """How one command's inputs read in reports and summaries.

    ``line(input)`` is the input's line in the file (None when it has none, as a sync archive);
    ``where(input)`` how a failure names it (``"line 5"``); ``outcome(input, result)`` what a
    success did (``"created"``); ``details(input, result)`` extra fields of its report line.
    """

    line: Callable[[_In], int | None]
    outcome: Callable[[_In, _Out], str]
    details: Callable[[_In, _Out | None], dict[str, object]] = lambda _, __: {}
    where: Callable[[_In], str] | None = None
    noun: str = "row"

    def name(self, value: _In) -> str:
        """How messages name the input."""
        if self.where is not None:
            return self.where(value)
        line = self.line(value)
        return f"line {line}" if line is not None else "an input"


class RetryCounts:
    """The retries and give-ups of a run's calls, counted by reason (``RetryPolicy`` hooks)."""

    def __init__(self) -> None:
        self.retries: dict[str, int] = {}
        self.give_ups: dict[str, int] = {}

    def on_retry(self, event: RetryEvent) -> None:
        self.retries[event.reason] = self.retries.get(event.reason, 0) + 1

    def on_give_up(self, event: RetryEvent) -> None:
        if event.reason != "not_retryable":  # an answer, not a failure of the retries
            self.give_ups[event.reason] = self.give_ups.get(event.reason, 0) + 1

    def lines(self) -> list[str]:
        """``retried …`` / ``gave up …`` summary lines (none when nothing was retried)."""
        lines = []
        for title, counts in (("retried", self.retries), ("gave up", self.give_ups)):
            if counts:
                total = sum(counts.values())
                parts = ", ".join(f"{reason} {n}" for reason, n in _by_count(counts))
                lines.append(f"{title} {total} call{'s' if total != 1 else ''}: {parts}")
        return lines


def _by_count(counts: dict[str, int]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))


class Reporter(Generic[_In, _Out]):
    """Writes each finished input to the report file and counts outcomes for the summary."""

    def __init__(
        self, form: RowFormat[_In, _Out], path: str | None, *, secrets: Sequence[str] = ()
    ) -> None:
        self.form = form
        self._path = path
        self._secrets = secrets
        self._file: IO[str] | None = None
        self.rows = 0
        self.outcomes: dict[str, int] = {}
        self.error_codes: dict[str, int] = {}
        self.shown: list[tuple[str, str]] = []  # (code, line) of the first failures
        self.final_pass = 0

    def open(self) -> None:
        """Open the report file (before anything is sent); raises ``OSError``."""
        if self._path is not None:
            self._file = open(self._path, "w", encoding="utf-8")  # noqa: SIM115 closed in close()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> Reporter[_In, _Out]:
        self.open()
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @property
    def failed(self) -> int:
        """Inputs that failed or were not attempted."""
        return self.outcomes.get("failed", 0) + self.outcomes.get("not attempted", 0)

    def item(self, item: BulkItem[_In, _Out]) -> None:
        """Count and write one finished item."""
        line: dict[str, object] = {"line": self.form.line(item.input), "ok": item.ok}
        if item.error is not None:
            self._failure(line, item.input, item.error)
        else:
            outcome = (
                "skipped" if item.skipped else self.form.outcome(item.input, item.result)  # type: ignore[arg-type]
            )
            self._count(outcome)
            line["id"] = item.id
            line["outcome"] = outcome
        if item.final_pass:
            line["final_pass"] = True
            self.final_pass += 1
        line.update(self.form.details(item.input, item.result))
        self.write(line)

    def invalid(self, value: _In, error: Exception, **fields: object) -> None:
        """Count and write an input refused before sending (a dry run's invalid row)."""
        line: dict[str, object] = {"line": self.form.line(value), "ok": False, **fields}
        self._failure(line, value, error)
        self.write(line)

    def filtered(self, value: _In, **fields: object) -> None:
        """Count and write a row a ``--where`` condition leaves out (never sent)."""
        self._count("filtered out")
        self.write({"line": self.form.line(value), "ok": True, "outcome": "filtered", **fields})

    def left_out(self, value: _In, error: Exception, **fields: object) -> None:
        """Count and write an invalid row ``--skip-invalid`` leaves out (never sent): reported
        with its error, and not a failure of the run."""
        line: dict[str, object] = {"line": self.form.line(value), "ok": False, **fields}
        self._failure(line, value, error, outcome="invalid, left out")
        line["outcome"] = "left out"
        self.write(line)

    def valid(self, value: _In, **fields: object) -> None:
        """Count and write an input a dry run found valid."""
        self._count("valid")
        self.write({"line": self.form.line(value), "ok": True, "id": None, **fields})

    def _failure(
        self, line: dict[str, object], value: _In, error: Exception, *, outcome: str = ""
    ) -> None:
        summary = error_summary(error)
        code = summary["code"]
        self._count(outcome or ("not attempted" if code == NOT_ATTEMPTED else "failed"))
        self.error_codes[code] = self.error_codes.get(code, 0) + 1
        described: dict[str, object] = dict(summary)
        described["message"] = redact(summary["message"], self._secrets)
        if isinstance(error, ValidationError):
            described["field"] = error.field
        if isinstance(error, APIError) and error.conflict_user_id:
            described["conflict_user_id"] = error.conflict_user_id
        if isinstance(error, B2BError) and error.attempts > 1:
            described["attempts"] = error.attempts
        line["error"] = described
        if code != NOT_ATTEMPTED and len(self.shown) < SHOWN_FAILURES:
            self.shown.append((code, f"{self.form.name(value)}: {code}: {described['message']}"))

    def record(self, outcome: str, line: dict[str, object]) -> None:
        """Count one input under ``outcome`` and write its report line as given."""
        self._count(outcome)
        self.write(line)

    def _count(self, outcome: str) -> None:
        self.rows += 1
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1

    def write(self, line: dict[str, object]) -> None:
        """Append one JSON line to the report (flushed: a crash keeps what was written)."""
        if self._file is not None:
            self._file.write(json.dumps(line, ensure_ascii=False) + "\n")
            self._file.flush()


class ProgressBar:
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
            share = min(progress.done / progress.total, 1.0)
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
            self._shown = None


def print_summary(
    title: str,
    reporter: Reporter[_In, _Out],
    *,
    dry_run: bool = False,
    interrupted: bool = False,
    stopped: BulkStop | None = None,
    retries: RetryCounts | None = None,
    journal: str | None = None,
    secrets: Sequence[str] = (),
) -> None:
    """The end-of-run summary: counts by outcome and error code on stdout; failed rows, the
    reason of a stop and what to do next on stderr."""
    counts = reporter.outcomes
    names = [name for name in _OUTCOME_ORDER if name in counts]
    names += sorted(name for name in counts if name not in _OUTCOME_ORDER)
    parts = [f"{name} {counts[name]}" for name in names] or ["no rows"]
    head = f"{title}{' (dry run: nothing sent)' if dry_run else ''}"
    head += " INTERRUPTED" if interrupted else " STOPPED" if stopped is not None else ""
    noun = reporter.form.noun
    rows = f"{reporter.rows} {noun}{'' if reporter.rows == 1 else 's'}"
    print(f"{head}: {rows}: " + ", ".join(parts))
    if reporter.error_codes:
        codes = _by_count(reporter.error_codes)
        print("failed by error code: " + ", ".join(f"{code} {n}" for code, n in codes))
    if reporter.final_pass:
        print(f"sent again in the final pass: {reporter.final_pass}")
    if retries is not None:
        for line in retries.lines():
            print(line)
    sys.stdout.flush()
    shown = reporter.shown
    if stopped is not None:
        # Rows that failed with the stop's own error say nothing the stop line does not.
        code = error_summary(stopped.error)["code"]
        shown = [(other, text) for other, text in shown if other != code]
    for _, text in shown:
        print(f"  {text}", file=sys.stderr)
    listed = reporter.outcomes.get("failed", 0) + reporter.outcomes.get("invalid, left out", 0)
    unlisted = listed - len(reporter.shown)
    if unlisted > 0 and (shown or stopped is None):
        print(f"  ... and {unlisted} more", file=sys.stderr)
    rerun = (
        "rerun with the same --journal to resume"
        if journal
        else "rerun with --journal PATH next time to resume a run"
    )
    if stopped is not None:
        message = redact(stopped.message, secrets)
        hint = f"; {rerun}" if stopped.kind == "unreachable" else ""
        print(f"stopped: {message}{hint}", file=sys.stderr)
    if interrupted:
        print(f"interrupted: rows not listed were not sent; {rerun}", file=sys.stderr)
    sys.stderr.flush()


class LogCap(logging.Handler):
    """The library's warnings during a run, on stderr, at most a few: the rest are counted.

    Retry and give-up records are left out entirely: their counts are in the summary
    (:class:`RetryCounts`). Install with :meth:`install`, remove with :meth:`remove`;
    ``enabled=False`` (``--log-level``/``--log-json`` given) makes both do nothing.
    """

    def __init__(self, secrets: Sequence[str] = (), *, enabled: bool = True) -> None:
        super().__init__(logging.WARNING)
        self._secrets = secrets
        self._enabled = enabled
        self.shown = 0
        self.hidden = 0
        self._logger = logging.getLogger("yandex_b2b_async")
        self._saved = (self._logger.propagate, self._logger.level)

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith("yandex_b2b_async.retr"):
            return
        if self.shown >= _SHOWN_WARNINGS:
            self.hidden += 1
            return
        self.shown += 1
        try:
            text = redact(record.getMessage(), self._secrets)
        except Exception:  # a malformed record must not end the run
            text = str(record.msg)
        print(f"warning: {text}", file=sys.stderr)

    def install(self) -> None:
        if not self._enabled:
            return
        self._logger.addHandler(self)
        self._logger.propagate = False
        if self._logger.level == logging.NOTSET or self._logger.level > logging.WARNING:
            self._logger.setLevel(logging.WARNING)

    def remove(self) -> None:
        if not self._enabled:
            return
        self._logger.removeHandler(self)
        self._logger.propagate, level = self._saved
        self._logger.setLevel(level)
        if self.hidden:
            print(f"warning: {self.hidden} more warnings not shown", file=sys.stderr)
