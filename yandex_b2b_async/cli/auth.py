"""``yandex-b2b auth clients``: the company accounts the token reaches."""

from __future__ import annotations

import argparse
from typing import Any

from .. import B2BClient
from .parser import Commands
from .verbs import Verb, add_verbs

__all__ = ["register"]


def register(commands: Commands) -> None:
    """Add ``auth clients``."""
    commands.group("auth", help="the token: which clients it reaches")
    add_verbs(commands, _VERBS)


async def _clients(client: B2BClient, args: argparse.Namespace) -> Any:
    return await client.auth.clients()


_VERBS = (
    Verb(
        group="auth",
        name="clients",
        help="list the clients (company accounts) the token reaches",
        description="Every client the token may act for, with its id and role: the id to give "
        "--client-id (or YANDEX_B2B_CLIENT_ID) when there are several.",
        examples=("auth clients", "auth clients --format json"),
        call=_clients,
        shows="list",
        columns=("client_id", "name", "role"),
    ),
)
