"""The ``yandex-b2b`` command line (also ``python -m yandex_b2b_async``): bulk jobs from files.

::

    yandex-b2b users create FILE.csv [options]
    yandex-b2b users archive FILE [options]
    yandex-b2b users restore FILE [options]
    yandex-b2b users sync FILE.csv [--key phone|nickname] [--archive-missing] [--force] [--apply]
    yandex-b2b users export FILE.csv|FILE.xlsx
    yandex-b2b departments list / yandex-b2b cost-centers list [--json]
    yandex-b2b departments archive ID... [options]
    yandex-b2b sandbox serve [--port N ...]

The package: :mod:`.parser` (global options anywhere on the line, the job options, the
command table), :mod:`.runner` (the client, the one job runner, exit codes), :mod:`.output`
(progress bar, report writer, summary, log lines), and one module per command group
(:mod:`.users`, :mod:`.departments`, :mod:`.sandbox`). Adding a command is a function in its
group's module that declares a parser and builds a :class:`~.runner.Job`, registered in
``register``; a new group is a module and a line in :data:`GROUPS`. It uses the standard
library only (argparse): no extra to install. The token is read from ``--token`` or
``YANDEX_B2B_TOKEN`` and is never printed or written to a report.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Final

from .._logs import install_handler, remove_handler
from . import departments, hrfiles, sandbox, users
from .parser import Commands, Parser, new_parser, secrets_of
from .runner import Job

__all__ = ["GROUPS", "Job", "build_parser", "main"]

# The command groups, in the order --help lists them.
GROUPS: Final[Sequence[Callable[[Commands], None]]] = (
    users.register,
    departments.register,
    hrfiles.register,
    sandbox.register,
)


def build_parser() -> argparse.ArgumentParser:
    """The ``yandex-b2b`` argument parser."""
    parser, commands = new_parser()
    for register in GROUPS:
        register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    Parser.secrets = secrets_of(arguments)
    args = build_parser().parse_args(arguments)
    run: Callable[[argparse.Namespace], int] = args.run
    if args.log_level is None and not args.log_json:
        return run(args)
    # The library's own lines, in full, instead of the few warnings a run shows by default.
    handler = install_handler(
        args.log_level or "warning", json=args.log_json, stream=sys.stderr, secrets=Parser.secrets
    )
    try:
        return run(args)
    finally:
        remove_handler(handler)
