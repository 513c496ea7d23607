"""``yandex-b2b orders …``: taxi orders — place, follow, cancel, list (the month's rides for
accounting: ``orders list --since … --till … -o trips.xlsx``) and the report data."""

from __future__ import annotations

import argparse
import math
import sys
from typing import Any

from .. import B2BClient
from .._constants import DEFAULT_WAIT_TIMEOUT
from ..models import (
    CancelState,
    OrderCreate,
    OrderProgress,
    OrderStatus,
    RoutePoint,
    SortingField,
)
from .parser import Commands, UsageError
from .verbs import (
    Verb,
    add_verbs,
    body_of,
    data_argument,
    model_of,
    moment,
    named_columns,
    names_argument,
    with_names,
)

__all__ = ["register"]

GROUP = "orders"


def register(commands: Commands) -> None:
    """Add the ``orders`` commands."""
    commands.group(
        GROUP,
        help="taxi orders: routestats, create, info, progress, wait, cancel, change-destinations, "
        "feedback, list, report, active",
    )
    add_verbs(commands, _VERBS)


def _id(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", metavar="ORDER_ID", help="the order")


# -- create -------------------------------------------------------------------------------


def _create_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--user-id", metavar="ID", help="the employee who rides")
    parser.add_argument("--class", dest="tariff", metavar="CLASS", help="the tariff (econom, ...)")
    data_argument(parser, "the order (user_id, route: [[lon, lat], ...], class, due_date, ...)")
    parser.add_argument(
        "--idempotency-token",
        metavar="UUID",
        help="repeat a create that may have happened with the token it printed: the API "
        "answers with that order instead of placing another",
    )


def _create_prepare(args: argparse.Namespace) -> None:
    args.body = model_of(body_of(args, user_id=args.user_id, **{"class": args.tariff}), OrderCreate)


async def _create(client: B2BClient, args: argparse.Namespace) -> Any:
    created = await client.orders.create(args.body, idempotency_token=args.idempotency_token)
    return {"id": created.order_id, "idempotency_token": created.idempotency_token}


# -- one order ----------------------------------------------------------------------------


async def _info(client: B2BClient, args: argparse.Namespace) -> Any:
    return await client.orders.info(args.id)


async def _progress(client: B2BClient, args: argparse.Namespace) -> Any:
    return await client.orders.progress(args.id)


def _cancel_arguments(parser: argparse.ArgumentParser) -> None:
    _id(parser)
    parser.add_argument(
        "--state",
        choices=[state.value for state in CancelState],
        help="the cancel rule you accept (default: the one 'orders info' reports now)",
    )


async def _cancel(client: B2BClient, args: argparse.Namespace) -> Any:
    result = await client.orders.cancel(args.id, state=args.state)
    return {"id": args.id, "status": result.status}


def _seconds(text: str) -> float:
    """A --timeout: seconds, more than none."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 < value < math.inf:
        raise argparse.ArgumentTypeError(f"must be a number of seconds > 0, got {text!r}")
    return value


def _wait_arguments(parser: argparse.ArgumentParser) -> None:
    _id(parser)
    parser.add_argument(
        "--until",
        choices=[status.value for status in OrderStatus],
        action="append",
        metavar="STATUS",
        help="wait for this status (repeat for several; default: any final status): "
        + ", ".join(status.value for status in OrderStatus),
    )
    parser.add_argument(
        "--timeout",
        type=_seconds,
        default=DEFAULT_WAIT_TIMEOUT,
        metavar="S",
        help=f"give up after S seconds (default {DEFAULT_WAIT_TIMEOUT:.0f}; exit 1)",
    )


async def _wait(client: B2BClient, args: argparse.Namespace) -> Any:
    def show(progress: OrderProgress) -> None:
        if progress.status != getattr(show, "last", None):
            print(f"{args.id}: {progress.status}", file=sys.stderr, flush=True)
            show.last = progress.status  # type: ignore[attr-defined]

    options: dict[str, Any] = {"timeout": args.timeout, "on_progress": show}
    if args.until:
        options["until"] = args.until
    return await client.orders.wait(args.id, **options)


# -- prices, the route, the rating --------------------------------------------------------


def _point(text: str) -> tuple[float, float]:
    """A ``--point LON,LAT`` value."""
    try:
        lon, lat = (float(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be LON,LAT (two numbers, longitude first), got {text!r}"
        ) from None
    return lon, lat


def _points(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--point",
        dest="points",
        type=_point,
        action="append",
        required=True,
        metavar="LON,LAT",
        help=f"{what}, longitude first (repeat for each point, in order)",
    )


def _routestats_arguments(parser: argparse.ArgumentParser) -> None:
    _points(parser, "a point of the route: the pick-up first")
    parser.add_argument("--user-id", metavar="ID", help="the employee who would ride")


async def _routestats(client: B2BClient, args: argparse.Namespace) -> Any:
    return await client.orders.routestats(args.points, user_id=args.user_id)


def _destinations_arguments(parser: argparse.ArgumentParser) -> None:
    _id(parser)
    _points(parser, "a new point after the pick-up")


async def _change_destinations(client: B2BClient, args: argparse.Namespace) -> Any:
    points = [RoutePoint(geopoint=point) for point in args.points]
    return await client.orders.change_destinations(args.id, points)


def _feedback_arguments(parser: argparse.ArgumentParser) -> None:
    _id(parser)
    parser.add_argument(
        "--rating", type=int, required=True, choices=range(1, 6), metavar="1-5", help="the rating"
    )
    parser.add_argument("--msg", metavar="TEXT", help="a comment")


async def _feedback(client: B2BClient, args: argparse.Namespace) -> Any:
    await client.orders.feedback(args.id, args.rating, msg=args.msg)
    return {"id": args.id}


# -- listings -----------------------------------------------------------------------------


def _list_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--since", metavar="DATE", help="orders from this date or time (2026-11-01: its midnight)"
    )
    parser.add_argument(
        "--till", metavar="DATE", help="orders up to this date or time (2026-12-01: its midnight)"
    )
    parser.add_argument("--user-id", metavar="ID", help="one employee's orders")
    parser.add_argument(
        "--sort",
        choices=[field.value for field in SortingField],
        help="order by this date (default: due_date, newest first)",
    )
    parser.add_argument("--oldest-first", action="store_true", help="oldest first")
    names_argument(parser)


def _list_prepare(args: argparse.Namespace) -> None:
    args.since_at = moment(args.since, field="--since") if args.since else None
    args.till_at = moment(args.till, field="--till") if args.till else None


async def _list(client: B2BClient, args: argparse.Namespace) -> Any:
    listing = client.orders.list(
        user_id=args.user_id,
        since=args.since_at,
        till=args.till_at,
        sorting_field=args.sort,
        sorting_direction=1 if args.oldest_first else None,
    )
    orders = [order async for order in listing]
    return await with_names(client, orders) if args.names else orders


def _report_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "ids", metavar="ORDER_ID", nargs="*", help="the orders (or a period: --since, --till)"
    )
    parser.add_argument(
        "--since", metavar="DATE", help="every order from this date or time, as orders list"
    )
    parser.add_argument("--till", metavar="DATE", help="every order up to this date or time")
    parser.add_argument("--user-id", metavar="ID", help="one employee's orders of the period")
    names_argument(parser)


def _report_prepare(args: argparse.Namespace) -> None:
    period = args.since is not None or args.till is not None or args.user_id is not None
    if args.ids and period:
        raise UsageError("orders report: give ORDER_IDs or a period (--since, --till), not both")
    if not args.ids and not period:
        raise UsageError("orders report: give ORDER_IDs, or a period: --since DATE --till DATE")
    _list_prepare(args)


async def _report(client: B2BClient, args: argparse.Namespace) -> Any:
    ids = args.ids
    if not ids:  # the period's orders, oldest first: the order an accountant reads them in
        listing = client.orders.list(
            user_id=args.user_id, since=args.since_at, till=args.till_at, sorting_direction=1
        )
        ids = [order.id async for order in listing]
    report = await client.orders.taxi_report(ids) if ids else []
    return await with_names(client, report) if args.names else report


async def _active(client: B2BClient, args: argparse.Namespace) -> Any:
    return await client.orders.active(args.user_id)


_VERBS = (
    Verb(
        group=GROUP,
        name="routestats",
        help="prices per tariff for a route (and the offer to order with)",
        description="Print the prices of each tariff for the route the --point options give "
        "(the pick-up first), and the offer an order may name to keep that price.",
        examples=(
            "orders routestats --point 37.59,55.73 --point 37.61,55.75",
            "orders routestats --point 37.59,55.73 --point 37.61,55.75 --format json",
        ),
        call=_routestats,
        arguments=_routestats_arguments,
    ),
    Verb(
        group=GROUP,
        name="create",
        help="place a taxi order; prints its id",
        description="Place the order --data describes (--user-id and --class may stand in for "
        "those fields) and print its id. With --format json the idempotency token is printed "
        "too: a create repeated with --idempotency-token TOKEN gets the same order.",
        examples=(
            "orders create --user-id USER_ID --class econom "
            "--data '{\"route\": [[37.64, 55.73], [37.59, 55.76]]}'",
            "orders create --data @order.json --format json",
        ),
        call=_create,
        shows="id",
        arguments=_create_arguments,
        prepare=_create_prepare,
    ),
    Verb(
        group=GROUP,
        name="info",
        help="show an order",
        description="Print the order: status, route, times, cost, the car.",
        examples=("orders info ORDER_ID", "orders info ORDER_ID --format json"),
        call=_info,
        arguments=_id,
    ),
    Verb(
        group=GROUP,
        name="progress",
        help="show an order's status and car",
        description="Print the order's status, the minutes left and the car.",
        examples=("orders progress ORDER_ID", "orders progress ORDER_ID --format json"),
        call=_progress,
        arguments=_id,
    ),
    Verb(
        group=GROUP,
        name="wait",
        help="wait for an order to reach a status",
        description="Poll the order until its status is one of --until (default: any final "
        "status), printing each new status on stderr, then print its progress. Exit 1 when "
        "the order ends in another final status or --timeout passes.",
        examples=("orders wait ORDER_ID", "orders wait ORDER_ID --until driving --timeout 600"),
        call=_wait,
        arguments=_wait_arguments,
    ),
    Verb(
        group=GROUP,
        name="cancel",
        help="cancel an order",
        description="Cancel the order under the cancel rule in force (free, paid, minimal) "
        "and print its id; --format json shows the new status too.",
        examples=("orders cancel ORDER_ID", "orders cancel ORDER_ID --state paid"),
        call=_cancel,
        shows="id",
        arguments=_cancel_arguments,
    ),
    Verb(
        group=GROUP,
        name="change-destinations",
        help="replace an order's route after the pick-up",
        description="Replace every point of the order's route but the pick-up with the --point "
        "options, in order, and list the route's new points.",
        examples=(
            "orders change-destinations ORDER_ID --point 37.61,55.75",
            "orders change-destinations ORDER_ID --point 37.60,55.74 --point 37.61,55.75",
        ),
        call=_change_destinations,
        shows="list",
        arguments=_destinations_arguments,
    ),
    Verb(
        group=GROUP,
        name="feedback",
        help="rate a ride from 1 to 5",
        description="Rate the ride (within a day of it), with a comment; prints its id.",
        examples=(
            "orders feedback ORDER_ID --rating 5",
            'orders feedback ORDER_ID --rating 2 --msg "Долго ждали"',
        ),
        call=_feedback,
        shows="id",
        arguments=_feedback_arguments,
    ),
    Verb(
        group=GROUP,
        name="list",
        help="list the orders (the month's rides: --since/--till, -o trips.xlsx)",
        description="Every order of the account matching the filters, newest first. A date "
        "means its midnight, local time, so --since 2026-11-01 --till 2026-12-01 is November "
        "(the API includes both ends: an order due at midnight on 1 December too). -o writes "
        "every field (cost, route, car) to .xlsx or .csv.",
        examples=(
            "orders list --since 2026-11-01 --till 2026-12-01 -o trips.xlsx",
            "orders list --user-id USER_ID --format jsonl",
        ),
        call=_list,
        shows="list",
        columns=named_columns(
            "id",
            "due_date",
            "status",
            "user_id",
            "class",
            "source.fullname",
            "destination.fullname",
            "cost_with_vat",
        ),
        arguments=_list_arguments,
        prepare=_list_prepare,
    ),
    Verb(
        group=GROUP,
        name="report",
        help="the report data of taxi orders (cost, VAT, distance, department)",
        description="Print the report data of the taxi orders given, or of every order of a "
        "period (--since/--till as for orders list): cost with and without VAT, distance, "
        "times, cost center and department, what accounting reads. Asked for 100 orders at a "
        "time.",
        examples=(
            "orders report --since 2026-11-01 --till 2026-12-01 -o november.xlsx",
            "orders report ORDER_ID ORDER_ID2",
        ),
        call=_report,
        shows="list",
        columns=named_columns(
            "id",
            "local_due_datetime",
            "ride_status.value",
            "user_id",
            "tariff_class",
            "distance",
            "total_cost",
            "cost_center",
        ),
        arguments=_report_arguments,
        prepare=_report_prepare,
    ),
    Verb(
        group=GROUP,
        name="active",
        help="an employee's orders under way",
        description="List the orders of USER_ID that are under way, with their statuses.",
        examples=("orders active USER_ID", "orders active USER_ID --format jsonl"),
        call=_active,
        shows="list",
        arguments=lambda parser: parser.add_argument(
            "user_id", metavar="USER_ID", help="the employee"
        ),
    ),
)
