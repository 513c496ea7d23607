"""The ``yandex-b2b`` argument parser: the global options, the job options, the command table.

Global options (``--sandbox``, ``--token``, ``--client-id``, ``--base-url``, ``--rate``,
``--redis-url``, ``--redis-key``, ``--log-level``, ``--log-json``) are
declared once and accepted anywhere on the line — before the command, between the group and
the action, or after the file (``yandex-b2b users create f.csv --sandbox``): each subcommand
parser carries them too, with defaults suppressed so that a value given earlier survives.
A command module registers its parsers through :class:`Commands`.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
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
    "PROG",
    "Commands",
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


class UsageError(Exception):
    """A command line or input file that is refused before anything is sent (exit 2)."""


class Parser(argparse.ArgumentParser):
    """argparse that exits 2 with the token, if the message would hold it, hidden."""

    secrets: tuple[str, ...] = ()

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {redact(message, self.secrets)}\n")


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

    group.add_argument(
        "--sandbox",
        action="store_true",
        default=default(False),
        help="run against an embedded sandbox (no token, no network)",
    )
    group.add_argument("--token", default=default(None), help=f"OAuth token (better: {ENV_TOKEN})")
    group.add_argument(
        "--client-id", default=default(None), help=f"selected client id (or {ENV_CLIENT_ID})"
    )
    group.add_argument(
        "--base-url",
        default=default(None),
        help=f"API base URL (or {ENV_BASE_URL}; default {DEFAULT_BASE_URL})",
    )
    group.add_argument(
        "--rate",
        type=_positive_float,
        default=default(None),
        metavar="R",
        help="calls per second at most (adaptive: slows down on 429); default: no pacing",
    )
    group.add_argument(
        "--log-level",
        choices=LOG_LEVELS,
        type=str.lower,
        default=default(None),
        help="write the library's log lines at this level and above to stderr, each naming "
        "the call and the attempt (default: a few warnings only)",
    )
    group.add_argument(
        "--log-json",
        action="store_true",
        default=default(False),
        help="write those log lines as JSON objects, one a line",
    )
    group.add_argument(
        "--redis-url",
        default=default(None),
        metavar="URL",
        help=f"share --rate (and the pause after a 429) with every run using this Redis "
        f"(or {ENV_REDIS_URL}); see docs/workers.md",
    )
    group.add_argument(
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
        self._groups = parser.add_subparsers(dest="group", metavar="COMMAND", required=True)
        self._actions: dict[str, argparse._SubParsersAction[argparse.ArgumentParser]] = {}
        self._global = _global_options(top=False)
        self._job = _job_options()

    def add(
        self,
        group: str,
        action: str,
        *,
        help: str,
        description: str,
        connects: bool = True,
        job_options: bool = True,
    ) -> argparse.ArgumentParser:
        """A parser for ``GROUP ACTION``. ``connects``: it talks to the API (global options);
        ``job_options``: it runs a bulk job (``--concurrency``, ``--report``, …)."""
        actions = self._actions.get(group)
        if actions is None:
            group_parser = self._groups.add_parser(
                group, help=f"{group} commands", parents=[self._global]
            )
            actions = group_parser.add_subparsers(dest="action", metavar="ACTION", required=True)
            self._actions[group] = actions
        parents = []
        if connects:
            parents.append(self._global)
            if job_options:
                parents.append(self._job)
        return actions.add_parser(action, help=help, description=description, parents=parents)


def new_parser() -> tuple[Parser, Commands]:
    """The top-level parser and its command table (empty: command modules fill it)."""
    parser = Parser(
        prog=PROG,
        description="Bulk jobs for the Yandex Go for Business API 2.0: create, archive, "
        "restore and sync employees from files, archive departments, run the sandbox.",
        epilog="Exit codes: 0 all rows succeeded, 1 some failed (or the run stopped), 2 usage "
        "error or refused file, 130 interrupted.",
        parents=[_global_options(top=True)],
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
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
