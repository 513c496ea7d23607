"""``yandex-b2b tanker|eats|travels list``: the orders of the other services."""

from __future__ import annotations

import argparse
import datetime
from typing import Any

from .. import B2BClient
from .parser import Commands, UsageError
from .verbs import Verb, add_verbs, moment, named_columns, names_argument, with_names

__all__ = ["register"]


def register(commands: Commands) -> None:
    """Add ``tanker list``, ``eats list`` and ``travels list``."""
    commands.group("tanker", help="fuel orders (Yandex Fuel): list")
    commands.group("eats", help="food orders (Yandex Eats): list")
    commands.group("travels", help="business trips (Yandex Travel): list")
    add_verbs(commands, _VERBS)


def _tanker_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--user-id", metavar="ID", help="one employee's orders")
    parser.add_argument("--since", metavar="DATE", help="closed from this date or time")
    parser.add_argument("--till", metavar="DATE", help="closed up to this date or time")
    names_argument(parser)


def _tanker_prepare(args: argparse.Namespace) -> None:
    args.since_at = moment(args.since, field="--since") if args.since else None
    args.till_at = moment(args.till, field="--till") if args.till else None


async def _tanker(client: B2BClient, args: argparse.Namespace) -> Any:
    listing = client.tanker.list(user_id=args.user_id, since=args.since_at, till=args.till_at)
    orders = [order async for order in listing]
    return await with_names(client, orders) if args.names else orders


def _eats_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--user-id", metavar="ID", action="append", help="this employee's (repeat for several)"
    )
    names_argument(parser)


async def _eats(client: B2BClient, args: argparse.Namespace) -> Any:
    orders = [order async for order in client.eats.list(user_ids=args.user_id)]
    return await with_names(client, orders) if args.names else orders


def _travels_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--name", help="trips with this name")
    parser.add_argument("--date-from", metavar="DATE", help="trips from this day (2026-11-01)")
    parser.add_argument("--date-to", metavar="DATE", help="trips to this day")


def _travels_prepare(args: argparse.Namespace) -> None:
    for option, text in (("--date-from", args.date_from), ("--date-to", args.date_to)):
        if text is None:
            continue
        try:
            datetime.date.fromisoformat(text)
        except ValueError:
            raise UsageError(f"{option}: {text!r} is not a date (2026-11-01)") from None


def _travels(client: B2BClient, args: argparse.Namespace) -> Any:
    return client.travels.list(name=args.name, date_from=args.date_from, date_to=args.date_to)


_VERBS = (
    Verb(
        group="tanker",
        name="list",
        help="list the fuel orders",
        description="Every fuel order of the account (of one employee, closed in a period).",
        examples=(
            "tanker list --user-id USER_ID",
            "tanker list --since 2026-11-01 --till 2026-12-01 -o fuel.xlsx",
        ),
        call=_tanker,
        shows="list",
        columns=named_columns(
            "id", "closed_at", "user_id", "fuel_type", "liters_filled", "final_price"
        ),
        arguments=_tanker_arguments,
        prepare=_tanker_prepare,
    ),
    Verb(
        group="eats",
        name="list",
        help="list the food orders",
        description="Every food order of the account (of the employees given with --user-id).",
        examples=("eats list", "eats list --user-id USER_ID --format jsonl"),
        call=_eats,
        shows="list",
        columns=named_columns(
            "id", "created_at", "status", "user_id", "restaurant_name", "final_cost"
        ),
        arguments=_eats_arguments,
    ),
    Verb(
        group="travels",
        name="list",
        help="list the business trips",
        description="Every business trip of the account (by name, in a period of days).",
        examples=(
            "travels list --name Казань",
            "travels list --date-from 2026-11-01 --date-to 2026-11-30 -o trips.csv",
        ),
        call=_travels,
        shows="list",
        columns=("id", "name", "date_from", "date_to", "created_at"),
        arguments=_travels_arguments,
        prepare=_travels_prepare,
    ),
)
