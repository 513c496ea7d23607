"""The ``yandex-b2b`` command line (also ``python -m yandex_b2b_async``): the whole API, a
group per resource with its calls as verbs, and bulk jobs from files.

::

    yandex-b2b users list|get|update|spending …      (and the file jobs:)
    yandex-b2b users create|archive|restore|sync|export FILE [options]
    yandex-b2b departments list|create|update|archive|budget …
    yandex-b2b cost-centers list|create|update …
    yandex-b2b limits list|get|set-personal …
    yandex-b2b managers|geo-restrictions list|create|update|delete …
    yandex-b2b orders routestats|create|info|progress|wait|cancel|change-destinations|…
    yandex-b2b orders feedback|list|report|active …
    yandex-b2b promocodes create|list|get|cancel|codes …
    yandex-b2b vehicles list|create|update|archive …
    yandex-b2b zones info …    yandex-b2b tanker|eats|travels list …
    yandex-b2b auth clients
    yandex-b2b sandbox serve [--port N ...]

The package: :mod:`.parser` (global options anywhere on the line, the job options, the
command table, the help's layout), :mod:`.runner` (the client, the one job runner, exit
codes), :mod:`.output` (progress bar, report writer, summary, log lines), :mod:`.verbs` (one
declaration per API verb: its help, examples, arguments, call and output), :mod:`.formats`
(tables, CSV, JSON, JSON lines, .xlsx), :mod:`.reference` (docs/cli.md's reference, made from
the parser), and one module per command group. A new verb is a :class:`~.verbs.Verb` in its
group's module; a new group is a module and a line in :data:`GROUPS`. It uses the standard
library only (argparse; openpyxl for .xlsx): no extra to install. The token is read from
``--token`` or ``YANDEX_B2B_TOKEN`` and is never printed or written to a report.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Final

from .._logs import install_handler, remove_handler
from . import (
    auth,
    cost_centers,
    departments,
    geo_restrictions,
    hrfiles,
    limits,
    managers,
    orders,
    promocodes,
    sandbox,
    services,
    users,
    vehicles,
    zones,
)
from .parser import Commands, Parser, new_parser, secrets_of
from .runner import Job

__all__ = ["GROUPS", "Job", "build_parser", "main"]

# The command groups, in the order --help lists them.
GROUPS: Final[Sequence[Callable[[Commands], None]]] = (
    users.register,
    hrfiles.register,
    departments.register,
    cost_centers.register,
    limits.register,
    managers.register,
    geo_restrictions.register,
    orders.register,
    promocodes.register,
    vehicles.register,
    zones.register,
    services.register,
    auth.register,
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
