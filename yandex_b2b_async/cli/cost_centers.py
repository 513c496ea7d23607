"""``yandex-b2b cost-centers …``: list, create and update the account's cost centers."""

from __future__ import annotations

import argparse
from typing import Any

from .. import B2BClient
from ..models import CostCenterCreate, CostCenterUpdate
from .parser import Commands, UsageError
from .verbs import Verb, add_verbs, body_of, data_argument, listed, model_of, updated

__all__ = ["register"]

GROUP = "cost-centers"


def register(commands: Commands) -> None:
    """Add the ``cost-centers`` commands."""
    commands.group(GROUP, help="the account's cost centers: list, create, update")
    add_verbs(commands, _VERBS)


async def _list(client: B2BClient, args: argparse.Namespace) -> Any:
    centers = [center async for center in client.cost_centers.list()]
    return sorted(centers, key=lambda center: center.name or "")


def _list_arguments(parser: argparse.ArgumentParser) -> None:
    # The flag of the first release: a JSON object a line, as --format jsonl.
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)


def _list_prepare(args: argparse.Namespace) -> None:
    if args.json:
        args.format = "jsonl"


def _fields(parser: argparse.ArgumentParser, *, update: bool) -> None:
    if update:
        parser.add_argument("id", metavar="ID", help="the cost center")
    if update:
        parser.add_argument(
            "--name",
            metavar="NAME",
            help="its new name",
        )
    else:
        parser.add_argument("name", metavar="NAME", nargs="?", help="its name (or in --data)")
    parser.add_argument(
        "--default", action="store_true", default=None, help="make it the main cost center"
    )
    data_argument(parser, "the record (name, default, field_settings)", required=False)


def _prepare_create(args: argparse.Namespace) -> None:
    args.body = model_of(body_of(args, name=args.name, default=args.default), CostCenterCreate)


def _prepare_update(args: argparse.Namespace) -> None:
    args.given = body_of(args, name=args.name, default=args.default)
    if not args.given:
        raise UsageError("cost-centers update: give a field to change (--name, --default, --data)")


async def _create(client: B2BClient, args: argparse.Namespace) -> Any:
    return await client.cost_centers.create(args.body)


async def _update(client: B2BClient, args: argparse.Namespace) -> Any:
    # The API replaces the whole record: what was not given is sent as it stands, or a rename
    # would drop the field settings and the main cost center's mark.
    current = await listed(client.cost_centers.list(), args.id, what="cost center")
    return await client.cost_centers.update(args.id, updated(current, args.given, CostCenterUpdate))


_VERBS = (
    Verb(
        group=GROUP,
        name="list",
        help="list the cost centers (name and id)",
        description="Every cost center of the account; 'default' marks the main one.",
        examples=("cost-centers list", "cost-centers list --format json"),
        call=_list,
        shows="list",
        columns=("name", "id", "default"),
        arguments=_list_arguments,
        prepare=_list_prepare,
    ),
    Verb(
        group=GROUP,
        name="create",
        help="create a cost center; prints its id",
        description="Create the cost center NAME and print its id. --data gives the whole "
        "record (field_settings too).",
        examples=('cost-centers create "Выездные"', "cost-centers create --data @center.json"),
        call=_create,
        shows="id",
        arguments=lambda parser: _fields(parser, update=False),
        prepare=_prepare_create,
    ),
    Verb(
        group=GROUP,
        name="update",
        help="change a cost center (name, main mark, field settings)",
        description="Change the fields given and keep the rest (the record is read first: "
        "the API replaces it whole, field_settings included), then print the id. --data gives "
        "fields as JSON; its field_settings replace the current ones.",
        examples=(
            'cost-centers update ID --name "Командировки"',
            "cost-centers update ID --data @center.json",
        ),
        call=_update,
        shows="id",
        arguments=lambda parser: _fields(parser, update=True),
        prepare=_prepare_update,
    ),
)
