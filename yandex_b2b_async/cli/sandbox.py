"""``yandex-b2b sandbox serve``: the API emulator on localhost until Ctrl-C.

The options are the sandbox's own (:func:`yandex_b2b_async.sandbox.__main__.add_serve_arguments`),
so ``python -m yandex_b2b_async.sandbox serve`` and this command take the same ones, and each
names itself in its help.
"""

from __future__ import annotations

import argparse

from ..sandbox.__main__ import SERVE_DESCRIPTION, SERVE_HELP, add_serve_arguments, serve_parsed
from .parser import PROG, Commands

__all__ = ["register"]


def register(commands: Commands) -> None:
    """Add ``sandbox serve``."""
    commands.group("sandbox", help="the API emulator on localhost: serve")
    parser = commands.add(
        "sandbox",
        "serve",
        help=SERVE_HELP,
        description=SERVE_DESCRIPTION,
        examples=("sandbox serve --port 8080", "sandbox serve --port 0 --latency 0.05:0.2"),
        connects=False,
    )
    add_serve_arguments(parser)
    parser.set_defaults(run=_serve)


def _serve(args: argparse.Namespace) -> int:
    return serve_parsed(args, prog=f"{PROG} sandbox serve")
