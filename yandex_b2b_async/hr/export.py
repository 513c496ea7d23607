"""Export: the account's employees written in the columns ``users create`` and ``users sync`` read.

:func:`export_rows` turns employees into rows (pure); :func:`write_table` writes rows to a
``.csv`` (UTF-8 with a byte-order mark, so Excel opens Cyrillic right; or ``encoding``) or an
``.xlsx`` file (openpyxl, the ``xlsx`` extra; every cell text, so a phone stays ``+7…``);
:func:`export_users` reads the account and does both. Departments and cost centers are written
by name (a department by the shortest path that names it alone), limits by title when the
directory knows their titles — each falls back to the id where a name would not read back as
the same one — so export → edit → sync changes only what was edited. Archived employees are
left out: a sync of the file would restore them.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Final

from ..models import User
from .names import Directory
from .tables import FilePath, InputFileError, is_excel, spreadsheet_text

if TYPE_CHECKING:
    from .._client import B2BClient

__all__ = ["EXPORT_COLUMNS", "export_rows", "export_users", "write_table"]

EXPORT_COLUMNS: Final = (
    "fullname",
    "phone",
    "email",
    "is_active",
    "cost_center",
    "nickname",
    "department",
    "limits",
)
_CSV_ENCODING: Final = "utf-8-sig"


def export_rows(users: Iterable[User], directory: Directory) -> Iterator[list[str]]:
    """The header, then one row per employee that is not archived (see the module).

    A department or cost center that no name reads back as (an ambiguous name, a name with a
    ``/``, one the directory does not know) goes by id, in a ``department_id`` or
    ``cost_centers_id`` column added for those rows only.
    """
    rows = [_export_row(user, directory) for user in users if not user.is_deleted]
    extra = [
        column
        for column in ("cost_centers_id", "department_id")
        if any(row.get(column) for row in rows)
    ]
    header = [*EXPORT_COLUMNS, *extra]
    yield header
    for row in rows:
        yield [row.get(column, "") for column in header]


def _export_row(user: User, directory: Directory) -> dict[str, str]:
    limits = []
    for limit in user.limits:
        service = str(getattr(limit.service, "value", limit.service))
        title = directory.limit_title(service, limit.limit_id)
        limits.append(f"{service}:{limit.limit_id if ';' in title else title}")
    row = {
        "fullname": user.fullname or "",
        "phone": user.phone or "",
        "email": user.email or "",
        "is_active": "false" if user.is_active is False else "true",
        "nickname": user.nickname or "",
        "limits": ";".join(limits),
    }
    if user.cost_centers_id:
        name = directory.cost_center_name(user.cost_centers_id)
        row["cost_center" if name != user.cost_centers_id else "cost_centers_id"] = name
    if user.department_id:
        name = directory.department_name(user.department_id)
        row["department" if name != user.department_id else "department_id"] = name
    return row


def write_table(path: FilePath, rows: Iterable[list[str]], *, encoding: str | None = None) -> int:
    """Write ``rows`` (the header first) to ``path``, ``.xlsx`` or CSV by its suffix; returns
    the number of data rows. Raises :class:`InputFileError` when the file cannot be written."""
    name = os.fspath(path)
    try:
        if is_excel(name):
            return _write_xlsx(name, rows)
        with open(name, "w", encoding=encoding or _CSV_ENCODING, newline="") as handle:
            writer = csv.writer(handle)
            count = -1
            for row in rows:
                writer.writerow([spreadsheet_text(cell) for cell in row])
                count += 1
            return max(count, 0)
    except OSError as exc:
        raise InputFileError(name, f"cannot write: {exc.strerror or exc}") from None
    except UnicodeEncodeError as exc:
        raise InputFileError(
            name, f"a name cannot be written in {encoding}: {exc.reason} (try utf-8)"
        ) from None


def _write_xlsx(name: str, rows: Iterable[list[str]]) -> int:
    try:
        import openpyxl
    except ImportError:
        raise InputFileError(
            name, "writing .xlsx needs openpyxl: pip install 'yandex_b2b_async[xlsx]'"
        ) from None
    from openpyxl.cell import WriteOnlyCell

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Employees")
    count = -1
    for row in rows:
        cells = []
        for text in row:
            cell = WriteOnlyCell(sheet, value=text)
            # Every cell is text: a name starting with "=" must not become a formula.
            cell.data_type = "s"
            cells.append(cell)
        sheet.append(cells)
        count += 1
    workbook.save(name)
    return max(count, 0)


async def export_users(
    client: B2BClient,
    path: FilePath,
    *,
    encoding: str | None = None,
    directory: Directory | None = None,
) -> int:
    """Write the account's employees that are not archived to ``path`` (``.csv`` or
    ``.xlsx``) in the columns ``users create`` reads; returns how many were written.

    Reads the employees and, unless ``directory`` is given, the departments and cost centers.
    """
    if directory is None:
        directory = await Directory.load(client)
    users = [user async for user in client.users.list()]
    return write_table(path, export_rows(users, directory), encoding=encoding)
