"""``yandex-b2b promocodes …``: promocode series — order one, list, show, cancel, its codes."""

from __future__ import annotations

import argparse
from typing import Any

from .. import B2BClient
from ..models import PromocodeOrderCreate, PromocodeService
from .parser import Commands
from .verbs import Verb, add_verbs, body_of, data_argument, model_of

__all__ = ["register"]

GROUP = "promocodes"


def register(commands: Commands) -> None:
    """Add the ``promocodes`` commands."""
    commands.group(GROUP, help="promocode series: create, list, get, cancel, codes")
    add_verbs(commands, _VERBS)


def _id(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", metavar="SERIES_ID", help="the series (its order id)")


def _create_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--value",
        type=int,
        help="each code's value in roubles: 100 to 5000 (30000 for grocery, eats)",
    )
    parser.add_argument("--count", type=int, help="how many codes: 5 to 1000")
    parser.add_argument("--active-until", metavar="DATE", help="the last day (at most 90 days on)")
    parser.add_argument("--name", help="the series' name")
    parser.add_argument(
        "--service", choices=[service.value for service in PromocodeService], help="its service"
    )
    data_argument(parser, "the series (value, count, active_until, ...)", required=False)


def _create_prepare(args: argparse.Namespace) -> None:
    args.body = model_of(
        body_of(
            args,
            value=args.value,
            count=args.count,
            active_until=args.active_until,
            name=args.name,
            service=args.service,
        ),
        PromocodeOrderCreate,
    )


async def _create(client: B2BClient, args: argparse.Namespace) -> Any:
    created = await client.promocodes.create_order(args.body)
    return {"id": created.order_id, "idempotency_token": created.idempotency_token}


def _list(client: B2BClient, args: argparse.Namespace) -> Any:
    return client.promocodes.list_orders()


async def _get(client: B2BClient, args: argparse.Namespace) -> Any:
    return await client.promocodes.get_order(args.id)


async def _cancel(client: B2BClient, args: argparse.Namespace) -> Any:
    status = await client.promocodes.cancel_order(args.id)
    return {"id": args.id, "status": status}


def _codes(client: B2BClient, args: argparse.Namespace) -> Any:
    return client.promocodes.list_codes(args.id)


_VERBS = (
    Verb(
        group=GROUP,
        name="create",
        help="order a series of promocodes; prints its id",
        description="Order --count codes of --value each, usable until --active-until, and "
        "print the series' id. --data gives the whole series (bin_ranges, classes, ...).",
        examples=(
            "promocodes create --value 500 --count 10 --active-until 2026-12-31",
            "promocodes create --data @series.json --format json",
        ),
        call=_create,
        shows="id",
        arguments=_create_arguments,
        prepare=_create_prepare,
    ),
    Verb(
        group=GROUP,
        name="list",
        help="list the series",
        description="Every promocode series of the account, with its status.",
        examples=("promocodes list", "promocodes list --format csv -o series.csv"),
        call=_list,
        shows="list",
        columns=("order_id", "status", "service", "value", "count", "active_until"),
    ),
    Verb(
        group=GROUP,
        name="get",
        help="show a series",
        description="Print the series: status, value, count, how long it is active.",
        examples=("promocodes get SERIES_ID", "promocodes get SERIES_ID --format json"),
        call=_get,
        arguments=_id,
    ),
    Verb(
        group=GROUP,
        name="cancel",
        help="cancel a series",
        description="Cancel the series and print its id; --format json shows its new status.",
        examples=("promocodes cancel SERIES_ID", "promocodes cancel SERIES_ID --format json"),
        call=_cancel,
        shows="id",
        arguments=_id,
    ),
    Verb(
        group=GROUP,
        name="codes",
        help="list a series' codes",
        description="Every code of the series, with its status and uses.",
        examples=("promocodes codes SERIES_ID", "promocodes codes SERIES_ID -o codes.csv"),
        call=_codes,
        shows="list",
        arguments=_id,
    ),
)
