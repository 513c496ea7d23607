"""``yandex-b2b departments …``: list, create, update, archive (each with its subtree) and
the taxi budget."""

from __future__ import annotations

import argparse
import decimal
from typing import Any

from .. import B2BClient
from ..hr.names import Directory
from ..hr.rows import CsvRow
from ..models import DepartmentArchiveResult
from .output import RowFormat
from .parser import Commands, UsageError
from .runner import Job, argument_rows, row_operation, run_job
from .verbs import Verb, add_verbs

__all__ = ["register"]

GROUP = "departments"


def register(commands: Commands) -> None:
    """Add the ``departments`` commands."""
    commands.group(GROUP, help="the account's departments: list, create, update, archive, budget")
    add_verbs(commands, _VERBS)
    parser = commands.add(
        "departments",
        "archive",
        help="remove departments (each with its subtree)",
        description="Remove each department ID and its whole subtree. The API refuses a "
        "subtree that still holds an active employee or a role. In the report, 'line' is the "
        "ID's position among the arguments.",
        examples=(
            "departments archive DEPARTMENT_ID",
            "departments archive ID1 ID2 --report out.jsonl",
        ),
    )
    parser.add_argument("ids", metavar="ID", nargs="+", help="department ids")
    parser.set_defaults(run=_run_archive)


async def _archive(client: B2BClient, department_id: str) -> DepartmentArchiveResult:
    return await client.departments.archive(department_id)


def _details(row: CsvRow[str], result: DepartmentArchiveResult | None) -> dict[str, object]:
    details: dict[str, object] = {"department_id": row.value}
    if result is not None:
        details["deleted_ids"] = result.deleted_ids
    return details


def _run_archive(args: argparse.Namespace) -> int:
    ids: list[str] = args.ids

    def job() -> Job[CsvRow[str], DepartmentArchiveResult]:
        return Job(
            title="departments archive",
            rows=argument_rows(ids),
            total=len(ids),
            form=RowFormat(
                line=lambda row: row.line, outcome=lambda _, __: "archived", details=_details
            ),
            operation=row_operation(
                "departments.archive",
                _archive,
                id_of=lambda department_id, _: department_id,
                key=lambda department_id: department_id,
            ),
            check=lambda row: row.error,
        )

    return run_job(args, job)


# -- list, create, update, budget --------------------------------------------------------


async def _list(client: B2BClient, args: argparse.Namespace) -> list[dict[str, object]]:
    directory = await Directory.load(client, limits=False)
    rows = sorted(directory.departments.values(), key=lambda d: directory.path_of(d.id))
    return [
        {
            "id": department.id,
            "name": department.name,
            "parent_id": department.parent_id,
            "path": directory.path_text(department.id),
        }
        for department in rows
    ]


def _list_arguments(parser: argparse.ArgumentParser) -> None:
    # The flag of the first release: a JSON object a line, as --format jsonl.
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)


def _list_prepare(args: argparse.Namespace) -> None:
    if args.json:
        args.format = "jsonl"


async def _create(client: B2BClient, args: argparse.Namespace) -> Any:
    return await client.departments.create(args.name, args.parent)


def _create_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAME", help="the new department's name")
    parser.add_argument("--parent", metavar="ID", help="the parent department (default: the root)")


async def _update(client: B2BClient, args: argparse.Namespace) -> Any:
    changes: dict[str, Any] = {}
    if args.name is not None:
        changes["name"] = args.name
    if args.parent is not None:
        changes["parent_id"] = args.parent
    await client.departments.update(args.id, **changes)
    return {"id": args.id}


def _update_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", metavar="ID", help="the department")
    parser.add_argument("--name", help="its new name")
    parser.add_argument("--parent", metavar="ID", help="move it under this department")


def _update_prepare(args: argparse.Namespace) -> None:
    if args.name is None and args.parent is None:
        raise UsageError("departments update: give --name, --parent or both")


async def _budget(client: B2BClient, args: argparse.Namespace) -> Any:
    if args.set is not None or args.unlimited:
        await client.departments.set_taxi_budget(
            args.id, None if args.unlimited else args.set, period=args.period
        )
    return {
        "department_id": args.id,
        **_budget_fields(await client.departments.taxi_budget(args.id)),
    }


def _budget_fields(budget: Any) -> dict[str, object]:
    return {"budget": budget.budget, "period": budget.period}


def _sum(text: str) -> decimal.Decimal:
    """A --set value: a sum of money (50000, 12500.50)."""
    try:
        return decimal.Decimal(text)
    except decimal.InvalidOperation:  # not a ValueError: argparse would not catch it
        raise argparse.ArgumentTypeError(
            f"must be a sum like 50000 or 12500.50, got {text!r}"
        ) from None


def _budget_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", metavar="ID", help="the department")
    change = parser.add_mutually_exclusive_group()
    change.add_argument("--set", type=_sum, metavar="SUM", help="set the budget to SUM")
    change.add_argument("--unlimited", action="store_true", help="remove the limit")
    parser.add_argument(
        "--period", choices=("month", "quarter"), help="the period of --set (default: the API's)"
    )


def _budget_prepare(args: argparse.Namespace) -> None:
    if args.period is not None and args.set is None:
        raise UsageError("departments budget: --period goes with --set")


_VERBS = (
    Verb(
        group=GROUP,
        name="list",
        help="list the departments (path and id)",
        description="Every department of the account, by its path (Parent/Child).",
        examples=("departments list", "departments list --format csv -o departments.csv"),
        call=_list,
        shows="list",
        columns=("path", "id", "parent_id"),
        arguments=_list_arguments,
        prepare=_list_prepare,
    ),
    Verb(
        group=GROUP,
        name="create",
        help="create a department; prints its id",
        description="Create the department NAME under --parent (or the root) and print its id.",
        examples=('departments create "Продажи"', "departments create Москва --parent PARENT_ID"),
        call=_create,
        shows="id",
        arguments=_create_arguments,
    ),
    Verb(
        group=GROUP,
        name="update",
        help="rename or move a department",
        description="Rename a department (--name), move it (--parent), or both; prints its id.",
        examples=("departments update ID --name Маркетинг", "departments update ID --parent ID2"),
        call=_update,
        shows="id",
        arguments=_update_arguments,
        prepare=_update_prepare,
    ),
    Verb(
        group=GROUP,
        name="budget",
        help="show or set a department's taxi budget",
        description="Print the department's taxi budget (an empty budget: no limit); --set SUM "
        "[--period month|quarter] or --unlimited changes it first.",
        examples=("departments budget ID", "departments budget ID --set 50000 --period month"),
        call=_budget,
        shows="record",
        arguments=_budget_arguments,
        prepare=_budget_prepare,
    ),
)
