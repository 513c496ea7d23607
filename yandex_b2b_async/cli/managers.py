"""``yandex-b2b managers …``: the manager and secretary roles of departments and the account."""

from __future__ import annotations

import argparse
from typing import Any

from .. import B2BClient
from ..models import ManagerCreate, ManagerRole, ManagerUpdate
from .parser import Commands, UsageError
from .verbs import Verb, add_verbs, body_of, data_argument, listed, model_of, updated

__all__ = ["register"]

GROUP = "managers"
_ROLES = [role.value for role in ManagerRole]


def register(commands: Commands) -> None:
    """Add the ``managers`` commands."""
    commands.group(GROUP, help="manager and secretary roles: list, create, update, delete")
    add_verbs(commands, _VERBS)


def _list_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--department-id", metavar="ID", help="the roles of this department")
    parser.add_argument(
        "--role", choices=_ROLES, action="append", help="of this role (repeat for several)"
    )


def _list(client: B2BClient, args: argparse.Namespace) -> Any:
    return client.managers.list(department_id=args.department_id, roles=args.role)


def _fields(parser: argparse.ArgumentParser, *, update: bool) -> None:
    if update:
        parser.add_argument("id", metavar="ID", help="the role")
    parser.add_argument("--fullname", help="the person's name")
    parser.add_argument("--email", help="their email")
    parser.add_argument("--phone", help="their phone (+79001234567)")
    parser.add_argument("--yandex-login", metavar="LOGIN", help="their Yandex login")
    parser.add_argument("--role", choices=_ROLES, help="the role")
    parser.add_argument("--department-id", metavar="ID", help="the department (a department role)")
    data_argument(parser, "the record (the fields above)", required=False)


def _given(args: argparse.Namespace) -> dict[str, object]:
    return body_of(
        args,
        fullname=args.fullname,
        email=args.email,
        phone=args.phone,
        yandex_login=args.yandex_login,
        role=args.role,
        department_id=args.department_id,
    )


def _prepare_create(args: argparse.Namespace) -> None:
    args.body = model_of(_given(args), ManagerCreate)


def _prepare_update(args: argparse.Namespace) -> None:
    args.given = _given(args)
    if not args.given:
        raise UsageError("managers update: give a field to change (--role, --fullname, ...)")


async def _create(client: B2BClient, args: argparse.Namespace) -> Any:
    return await client.managers.create(args.body)


async def _update(client: B2BClient, args: argparse.Namespace) -> Any:
    # The API replaces the whole record: the fields not given are sent as they stand.
    current = await listed(client.managers.list(), args.id, what="manager role")
    if args.given.get("role") == ManagerRole.CLIENT_MANAGER and "department_id" not in args.given:
        current.pop("department_id", None)  # an account-wide role leaves its department
    return await client.managers.update(args.id, updated(current, args.given, ManagerUpdate))


async def _delete(client: B2BClient, args: argparse.Namespace) -> Any:
    return await client.managers.delete(args.id)


_EXAMPLE_FIELDS = (
    "--fullname 'Иван Петров' --email ivan@example.com --phone +79001234567 "
    "--yandex-login ivan --role department_manager --department-id DEPARTMENT_ID"
)

_VERBS = (
    Verb(
        group=GROUP,
        name="list",
        help="list the roles (of one department, of some roles)",
        description="Every manager and secretary role of the account. The table shows each "
        "person's login and name: it is your own account's data, printed on your request.",
        examples=("managers list", "managers list --role department_manager --format csv"),
        call=_list,
        shows="list",
        columns=("id", "role", "yandex_login", "fullname", "department_id"),
        arguments=_list_arguments,
    ),
    Verb(
        group=GROUP,
        name="create",
        help="give someone a role; prints the role's id",
        description="Create a role: every field is required but --department-id (needed for "
        "a department role). --data gives the record as JSON instead.",
        examples=(f"managers create {_EXAMPLE_FIELDS}", "managers create --data @manager.json"),
        call=_create,
        shows="id",
        arguments=lambda parser: _fields(parser, update=False),
        prepare=_prepare_create,
    ),
    Verb(
        group=GROUP,
        name="update",
        help="change a role (its person's fields, the role, the department)",
        description="Change the fields given and keep the rest (the role is read first: the "
        "API replaces the record whole), then print its id.",
        examples=(
            "managers update ID --role department_secretary",
            "managers update ID --email ivan.petrov@example.com --department-id DEPARTMENT_ID",
        ),
        call=_update,
        shows="id",
        arguments=lambda parser: _fields(parser, update=True),
        prepare=_prepare_update,
    ),
    Verb(
        group=GROUP,
        name="delete",
        help="remove a role",
        description="Remove role ID and print its id.",
        examples=("managers delete ID", "managers delete ID --format json"),
        call=_delete,
        shows="id",
        arguments=lambda parser: parser.add_argument("id", metavar="ID", help="the role"),
    ),
)
