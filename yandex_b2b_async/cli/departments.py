"""``yandex-b2b departments …``: archive departments (each with its subtree)."""

from __future__ import annotations

import argparse

from .. import B2BClient
from ..hr.rows import CsvRow
from ..models import DepartmentArchiveResult
from .output import RowFormat
from .parser import Commands
from .runner import Job, argument_rows, row_operation, run_job

__all__ = ["register"]


def register(commands: Commands) -> None:
    """Add the ``departments`` commands."""
    parser = commands.add(
        "departments",
        "archive",
        help="remove departments (each with its subtree)",
        description="Remove each department ID and its whole subtree. The API refuses a "
        "subtree that still holds an active employee or a role. In the report, 'line' is the "
        "ID's position among the arguments.",
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
