"""DepartmentsAPI: the department calls of the API 2.0 (``/integration/2.0/departments``)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Final

from .._constants import DEFAULT_PAGE_LIMIT
from .._pagination import offset_items
from .._types import NOT_GIVEN, UNSET, Unset
from .._validators import check_id, check_limit, check_offset, check_text
from ..errors import ValidationError
from ..models import CreatedDepartment, Department, DepartmentArchiveResult, DepartmentsPage
from ..retries import RetryOption
from ._base import APIResource

__all__ = ["DepartmentsAPI"]

_DEPARTMENTS: Final = "/departments"

logger: Final = logging.getLogger("yandex_b2b_async")


class DepartmentsAPI(APIResource):
    """Departments of the selected client: ``client.departments``."""

    async def archive(
        self, department_id: str, *, retry: RetryOption = NOT_GIVEN
    ) -> DepartmentArchiveResult:
        """Remove a department and its whole subtree (``POST /departments/archive``).

        Returns every removed id. The API refuses (400, :class:`BadRequestError`) when the
        subtree holds an employee who is not archived or a role (manager, secretary).
        """
        check_id("department_id", department_id)
        return await self._request(
            "POST",
            _DEPARTMENTS + "/archive",
            params={"department_id": department_id},
            response=DepartmentArchiveResult,
            retry=retry,
        )

    async def create(
        self,
        name: str,
        parent_id: str | None = None,
        *,
        retry: RetryOption = NOT_GIVEN,
    ) -> CreatedDepartment:
        """Create a department under ``parent_id`` (``None``: under the root).

        Nothing identifies a department but its name and parent, so a create whose answer was
        lost (a reset, a timeout, a 5xx) is not blindly repeated: before the next attempt (or
        before giving up) the departments are read, and one with this name under this parent is
        returned with ``reconciled=True``. Only when there is none is the create sent again
        (within the policy's ``max_attempts``).
        """
        check_text("name", name, allow_empty=False)
        if parent_id is not None:
            check_id("parent_id", parent_id)

        async def find_it() -> CreatedDepartment | None:
            found = await self._find(name, parent_id, retry=retry)
            if found is None:
                return None
            logger.warning(
                "POST /departments/create: the answer was lost; department %s with this "
                "name and parent exists, returning it (no duplicate made)",
                found,
            )
            return CreatedDepartment(id=found, reconciled=True)

        return await self._request(
            "POST",
            _DEPARTMENTS + "/create",
            body={"parent_id": parent_id, "name": name},
            response=CreatedDepartment,
            retry=retry,
            idempotent=False,
            reconcile=find_it,
        )

    async def _find(self, name: str, parent_id: str | None, *, retry: RetryOption) -> str | None:
        async for department in self.list(retry=retry):
            if department.name == name and department.parent_id == parent_id:
                return department.id
        return None

    async def update(
        self,
        department_id: str,
        *,
        name: str | Unset = UNSET,
        parent_id: str | Unset = UNSET,
        retry: RetryOption = NOT_GIVEN,
    ) -> None:
        """Rename or move a department (``PUT /departments/update``); only given fields change.

        Raises :class:`APIError` with status 409 when the move would make a cycle.
        """
        check_id("department_id", department_id)
        body: dict[str, str] = {}
        if name is not UNSET:
            body["name"] = check_text("name", name, allow_empty=False)
        if parent_id is not UNSET:
            check_id("parent_id", parent_id)
            body["parent_id"] = parent_id
        if not body:
            raise ValidationError("name", "give name, parent_id or both: nothing to change")
        await self._request(
            "PUT",
            _DEPARTMENTS + "/update",
            params={"department_id": department_id},
            body=body,
            retry=retry,
        )

    async def list_page(
        self,
        *,
        limit: int = DEFAULT_PAGE_LIMIT,
        offset: int = 0,
        retry: RetryOption = NOT_GIVEN,
    ) -> DepartmentsPage:
        """One page of departments (``GET /departments/list?limit=…&offset=…``)."""
        check_limit(limit)
        check_offset(offset)
        return await self._request(
            "GET",
            _DEPARTMENTS + "/list",
            params={"limit": limit, "offset": offset},
            response=DepartmentsPage,
            retry=retry,
        )

    async def list(
        self,
        *,
        limit: int = DEFAULT_PAGE_LIMIT,
        retry: RetryOption = NOT_GIVEN,
    ) -> AsyncIterator[Department]:
        """Every department, page by page, lazily."""
        async for department in offset_items(
            lambda offset: self.list_page(limit=limit, offset=offset, retry=retry)
        ):
            yield department
