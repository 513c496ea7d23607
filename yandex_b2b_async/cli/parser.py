"""The ``yandex-b2b`` argument parser: the global options, the job options, the command table.

Global options (``--sandbox``, ``--token``, ``--client-id``, ``--base-url``, ``--rate``,
``--redis-url``, ``--redis-key``, ``--log-level``, ``--log-json``) are
declared once and accepted anywhere on the line — before the command, between the group and
the action, or after the file (``yandex-b2b users create f.csv --sandbox``): each subcommand
parser carries them too, with defaults suppressed so that a value given earlier survives, and
with their help hidden: ``yandex-b2b --help`` explains them once, every other help points there.
A command module registers its parsers through :class:`Commands`; a group given without its
action (``yandex-b2b users``) prints the group's help and exits 0, as gh and kubectl do.
"""

from __future__ import annotations

import argparse
import os
import re
import textwrap
from collections.abc import Callable, Sequence
from typing import Final, NoReturn

from .. import __version__
from .._constants import DEFAULT_BASE_URL, DEFAULT_BULK_CONCURRENCY
from .._logs import LOG_LEVELS
from .output import redact

__all__ = [
    "ENV_BASE_URL",
    "ENV_CLIENT_ID",
    "ENV_REDIS_URL",
    "ENV_TOKEN",
    "EXIT_FAILED_ROWS",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "GLOBAL_HINT",
    "PROG",
    "Commands",
    "Formatter",
    "Parser",
    "UsageError",
    "new_parser",
    "secrets_of",
]

PROG: Final = "yandex-b2b"
EXIT_OK: Final = 0
EXIT_FAILED_ROWS: Final = 1
EXIT_USAGE: Final = 2
EXIT_INTERRUPTED: Final = 130  # 128 + SIGINT, the shell's convention

ENV_TOKEN: Final = "YANDEX_B2B_TOKEN"
ENV_CLIENT_ID: Final = "YANDEX_B2B_CLIENT_ID"
ENV_BASE_URL: Final = "YANDEX_B2B_BASE_URL"
ENV_REDIS_URL: Final = "YANDEX_B2B_REDIS_URL"

# Ends every subcommand's help, in place of the global options themselves.
GLOBAL_HINT: Final = (
    f"Global options (--sandbox, --token, --client-id, --base-url, --rate, --log-level, ...) "
    f"may stand anywhere on the line: {PROG} --help explains them."
)


class UsageError(Exception):
    """A command line or input file that is refused before anything is sent (exit 2)."""


class Formatter(argparse.HelpFormatter):
    """Help text wrapped at spaces only (a long ``field=Header,...`` example is never cut
    mid-word), and lines indented by two spaces — the examples — kept as they are."""

    def _split_lines(self, text: str, width: int) -> list[str]:
        text = re.sub(r"\s+", " ", text).strip()
        return textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        out: list[str] = []
        for paragraph in text.split("\n\n"):
            lines = paragraph.splitlines()
            if lines and all(line.startswith("  ") for line in lines[1:]) and len(lines) > 1:
                out.append("\n".join(indent + line for line in lines))  # a title and examples
            else:
                joined = re.sub(r"\s+", " ", paragraph).strip()
                out.append(
                    textwrap.fill(
                        joined,
                        width,
                        initial_indent=indent,
                        subsequent_indent=indent,
                        break_long_words=False,
                        break_on_hyphens=False,
                    )
                )
        return "\n\n".join(out)


class Parser(argparse.ArgumentParser):
    """argparse that exits 2 with the token, if the message would hold it, hidden."""

    secrets: tuple[str, ...] = ()

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("formatter_class", Formatter)
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def error(self, message: str) -> NoReturn:
        """One line naming what to change, and where the usage is (not the usage itself:
        a long command's runs to several lines above the one that matters)."""
        said = redact(message, self.secrets)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {said} (see {self.prog} --help)\n")


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


def _global_options(*, top: bool) -> argparse.ArgumentParser:
    """The options every command accepts anywhere; below the top level their defaults are
    suppressed, so ``--sandbox`` given before the command is not reset by a subparser."""
    options = Parser(add_help=False)
    group = options.add_argument_group("global options (anywhere on the line)")

    def default(value: object) -> object:
        return value if top else argparse.SUPPRESS

    def add(*names: str, help: str, **kwargs: object) -> None:
        group.add_argument(*names, help=help if top else argparse.SUPPRESS, **kwargs)  # type: ignore[arg-type]

    add(
        "--sandbox",
        action="store_true",
        default=default(False),
        help="run against an embedded sandbox (no token, no network)",
    )
    add("--token", default=default(None), help=f"OAuth token (better: {ENV_TOKEN})")
    add("--client-id", default=default(None), help=f"selected client id (or {ENV_CLIENT_ID})")
    add(
        "--base-url",
        default=default(None),
        help=f"API base URL (or {ENV_BASE_URL}; default {DEFAULT_BASE_URL})",
    )
    add(
        "--rate",
        type=_positive_float,
        default=default(None),
        metavar="R",
        help="calls per second at most (adaptive: slows down on 429); default: no pacing",
    )
    add(
        "--log-level",
        choices=LOG_LEVELS,
        type=str.lower,
        default=default(None),
        help="write the library's log lines at this level and above to stderr, each naming "
        "the call and the attempt (default: a few warnings only)",
    )
    add(
        "--log-json",
        action="store_true",
        default=default(False),
        help="write those log lines as JSON objects, one a line",
    )
    add(
        "--redis-url",
        default=default(None),
        metavar="URL",
        help=f"share --rate (and the pause after a 429) with every run using this Redis "
        f"(or {ENV_REDIS_URL}); see docs/workers.md",
    )
    add(
        "--redis-key",
        default=default(None),
        metavar="NAME",
        help="the shared quota's name (default: from the API host, client id and token hash)",
    )
    return options


def _job_options() -> argparse.ArgumentParser:
    options = Parser(add_help=False)
    group = options.add_argument_group("job options")
    group.add_argument(
        "--concurrency",
        type=_positive_int,
        default=DEFAULT_BULK_CONCURRENCY,
        metavar="N",
        help=f"calls in flight at most (default {DEFAULT_BULK_CONCURRENCY})",
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
    return options


class Commands:
    """The ``GROUP ACTION`` subcommands; each connecting one gets the global and job options."""

    def __init__(self, parser: argparse.ArgumentParser) -> None:
        self._groups = parser.add_subparsers(dest="group", metavar="COMMAND")
        self._actions: dict[str, argparse._SubParsersAction[argparse.ArgumentParser]] = {}
        self._global = _global_options(top=False)
        self._job = _job_options()
        self.parsers: dict[tuple[str, str], argparse.ArgumentParser] = {}
        self.group_parsers: dict[str, argparse.ArgumentParser] = {}

    def group(self, group: str, *, help: str, description: str = "") -> argparse.ArgumentParser:
        """Declare (or get) the group ``group``: its one line in ``--help``, and its own help,
        printed when it is given without an action."""
        found = self.group_parsers.get(group)
        if found is not None:
            return found
        group_parser = self._groups.add_parser(
            group,
            help=help,
            description=description or help[:1].upper() + help[1:] + ".",
            epilog=GLOBAL_HINT,
            parents=[self._global],
        )
        self._actions[group] = group_parser.add_subparsers(dest="action", metavar="ACTION")
        group_parser.set_defaults(run=_help_of(group_parser))
        self.group_parsers[group] = group_parser
        return group_parser

    def add(
        self,
        group: str,
        action: str,
        *,
        help: str,
        description: str,
        examples: Sequence[str] = (),
        connects: bool = True,
        job_options: bool = True,
    ) -> argparse.ArgumentParser:
        """A parser for ``GROUP ACTION``. ``connects``: it talks to the API (global options);
        ``job_options``: it runs a bulk job (``--concurrency``, ``--report``, …);
        ``examples``: command lines (without the leading ``yandex-b2b``) shown at the end."""
        if group not in self._actions:
            self.group(group, help=f"{group} commands")
        parents = []
        if connects:
            parents.append(self._global)
            if job_options:
                parents.append(self._job)
        epilog = GLOBAL_HINT if connects else ""
        if examples:
            shown = "\n".join(f"  {PROG} {example}" for example in examples)
            epilog = f"examples:\n{shown}" + (f"\n\n{epilog}" if epilog else "")
        parser = self._actions[group].add_parser(
            action, help=help, description=description, epilog=epilog or None, parents=parents
        )
        self.parsers[(group, action)] = parser
        return parser


def _help_of(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    def show(_: argparse.Namespace) -> int:
        parser.print_help()
        return EXIT_OK

    return show


def new_parser() -> tuple[Parser, Commands]:
    """The top-level parser and its command table (empty: command modules fill it)."""
    parser = Parser(
        prog=PROG,
        description="The Yandex Go for Business API 2.0 from the command line: a group per "
        "resource with its calls as verbs (list, get, create, update, ...), and bulk jobs "
        "that create, archive, restore and sync employees from files. "
        f"'{PROG} GROUP' shows a group's verbs, '{PROG} GROUP VERB --help' one verb.",
        epilog="examples:\n"
        f"  {PROG} --sandbox users create examples/employees.csv\n"
        f"  {PROG} orders list --since 2026-11-01 --till 2026-12-01 -o trips.xlsx\n\n"
        "Listings print a table on a terminal; --format table|csv|json|jsonl chooses, -o FILE "
        "writes .csv, .jsonl, .json or .xlsx by its suffix.\n\n"
        "Exit codes: 0 done (every row of a job succeeded), 1 the API refused or failed (or "
        "some rows of a job failed, or the run stopped), 2 usage error or bad input (nothing "
        "was sent), 130 interrupted.",
        parents=[_global_options(top=True)],
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.set_defaults(run=_help_of(parser))
    return parser, Commands(parser)


def secrets_of(arguments: Sequence[str]) -> tuple[str, ...]:
    """The token as given on the command line or in the environment, to keep out of output."""
    found = [os.environ.get(ENV_TOKEN, "")]
    for position, argument in enumerate(arguments):
        if argument == "--token" and position + 1 < len(arguments):
            found.append(arguments[position + 1])
        elif argument.startswith("--token="):
            found.append(argument.partition("=")[2])
    return tuple(secret for secret in found if len(secret) >= 4)
