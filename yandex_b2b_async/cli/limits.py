"""``yandex-b2b limits …``: search the limits, show one, set an employee's personal limit."""

from __future__ import annotations

import argparse
from typing import Any

from .. import B2BClient
from ..models import PersonalLimit, Service
from .parser import Commands
from .verbs import Verb, add_verbs, body_of, data_argument, model_of

__all__ = ["register"]

GROUP = "limits"


def register(commands: Commands) -> None:
    """Add the ``limits`` commands."""
    commands.group(GROUP, help="spending limits: list, get, set an employee's personal one")
    add_verbs(commands, _VERBS)


def _list_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--department-id", metavar="ID", help="the limits of this department")
    parser.add_argument("--user-id", metavar="ID", help="the limits this employee has")
    parser.add_argument(
        "--service", choices=[service.value for service in Service], help="of this service"
    )
    parser.add_argument("--title", help="whose title is exactly this")


def _list(client: B2BClient, args: argparse.Namespace) -> Any:
    return client.limits.search(
        department_id=args.department_id,
        user_id=args.user_id,
        service=args.service,
        title=args.title,
    )


async def _get(client: B2BClient, args: argparse.Namespace) -> Any:
    return await client.limits.get(args.id)


def _personal_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("user_id", metavar="USER_ID", help="the employee")
    parser.add_argument("--title", help="the limit's title")
    parser.add_argument(
        "--service", choices=[service.value for service in Service], help="its service"
    )
    data_argument(
        parser,
        "the limit (title, service, categories for taxi, limits, geo_restrictions, ...)",
        required=False,
    )


def _personal_prepare(args: argparse.Namespace) -> None:
    args.body = model_of(body_of(args, title=args.title, service=args.service), PersonalLimit)


async def _set_personal(client: B2BClient, args: argparse.Namespace) -> Any:
    return await client.limits.update_personal(args.user_id, args.body)


_VERBS = (
    Verb(
        group=GROUP,
        name="list",
        help="list the limits (filters: department, employee, service, title)",
        description="Every limit of the account matching the filters given.",
        examples=("limits list", "limits list --user-id USER_ID --service taxi"),
        call=_list,
        shows="list",
        columns=("id", "title", "service", "department_id", "enabled"),
        arguments=_list_arguments,
    ),
    Verb(
        group=GROUP,
        name="get",
        help="show one limit",
        description="Print limit ID's record: its service, sums, geo and time rules.",
        examples=("limits get LIMIT_ID", "limits get LIMIT_ID --format json"),
        call=_get,
        arguments=lambda parser: parser.add_argument("id", metavar="ID", help="the limit"),
    ),
    Verb(
        group=GROUP,
        name="set-personal",
        help="set an employee's personal limit; prints its id",
        description="Set USER_ID's personal limit for a service (replacing the one they have "
        "for it) and print the limit's id. --data holds the limit as the API page spells it; "
        "--title and --service may stand in for those two fields.",
        examples=(
            'limits set-personal USER_ID --data \'{"title": "Такси", "service": "taxi", '
            '"categories": ["econom"], "limits": {"orders_cost": {"value": "5000", "period": '
            '"month"}}}\'',
            "limits set-personal USER_ID --data @limit.json --format json",
        ),
        call=_set_personal,
        shows="id",
        arguments=_personal_arguments,
        prepare=_personal_prepare,
    ),
)
