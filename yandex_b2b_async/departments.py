"""DepartmentsAPI: the department calls of the API 2.0 (``/integration/2.0/departments``)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Final, Protocol, TypeVar

from ._client import NOT_GIVEN, RetryOption
from ._constants import DEFAULT_PAGE_LIMIT
from .errors import ServerError, TransportError, ValidationError
from .models import (
    UNSET,
    CreatedDepartment,
    Department,
    DepartmentArchiveResult,
    DepartmentsPage,
    Unset,
    _check_text,
)
from .users import _check_id, _check_limit

if TYPE_CHECKING:
    from ._client import B2BClient
    from .retry import RetryPolicy

__all__ = ["DepartmentsAPI"]

_DEPARTMENTS: Final = "/departments"

logger: Final = logging.getLogger("yandex_b2b_async")

_Item = TypeVar("_Item")
_Item_co = TypeVar("_Item_co", covariant=True)


class DepartmentsAPI:
    """Departments of the selected client: ``client.departments``."""

    def __init__(self, client: B2BClient) -> None:
        self._client = client

    async def archive(
        self, department_id: str, *, retry: RetryOption = NOT_GIVEN
    ) -> DepartmentArchiveResult:
        """Remove a department and its whole subtree (``POST /departments/archive``).

        Returns every removed id. The API refuses (400, :class:`BadRequestError`) when the
        subtree holds an employee who is not archived or a role (manager, secretary).
        """
        _check_id("department_id", department_id)
        return await self._client._request(
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
        lost (a reset, a timeout, a 5xx) is not blindly repeated: the departments are read, and
        one with this name under this parent is returned with ``reconciled=True``. Only when
        there is none is the create sent again (up to the policy's ``max_attempts``).
        """
        _check_text("name", name, allow_empty=False)
        if parent_id is not None:
            _check_id("parent_id", parent_id)
        policy = self._client._policy_for(retry)
        rounds = 1 if policy is None else policy.max_attempts
        for round_number in range(1, rounds + 1):
            try:
                return await self._client._request(
                    "POST",
                    _DEPARTMENTS + "/create",
                    body={"parent_id": parent_id, "name": name},
                    response=CreatedDepartment,
                    retry=policy,
                    idempotent=False,
                )
            except (TransportError, ServerError) as error:
                if isinstance(error, TransportError) and not error.sent:
                    raise
                found = await self._find(name, parent_id, retry=policy)
                if found is not None:
                    logger.warning(
                        "POST /departments/create: the answer was lost; department %s with this "
                        "name and parent exists, returning it (no duplicate made)",
                        found,
                    )
                    return CreatedDepartment(id=found, reconciled=True)
                if policy is None or round_number == rounds:
                    raise
                await policy.sleep(policy.backoff(round_number))
        raise AssertionError("unreachable: the last round returns or raises")

    async def _find(
        self, name: str, parent_id: str | None, *, retry: RetryPolicy | None
    ) -> str | None:
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
        _check_id("department_id", department_id)
        body: dict[str, str] = {}
        if name is not UNSET:
            body["name"] = _check_text("name", name, allow_empty=False)
        if parent_id is not UNSET:
            _check_id("parent_id", parent_id)
            body["parent_id"] = parent_id
        if not body:
            raise ValidationError("name", "give name, parent_id or both: nothing to change")
        await self._client._request(
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
        _check_limit(limit)
        _check_offset(offset)
        return await self._client._request(
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


class _OffsetPage(Protocol[_Item_co]):
    """A page of an offset-paged list: departments and cost centers."""

    @property
    def items(self) -> tuple[_Item_co, ...]: ...

    @property
    def total_amount(self) -> int | None: ...


async def offset_items(
    fetch: Callable[[int], Awaitable[_OffsetPage[_Item]]],
) -> AsyncIterator[_Item]:
    """Every item of an offset-paged list: ``fetch(offset)`` until an empty page or the total."""
    offset = 0
    while True:
        page = await fetch(offset)
        for item in page.items:
            yield item
        offset += len(page.items)
        if not page.items or (page.total_amount is not None and offset >= page.total_amount):
            return


def _check_offset(offset: object) -> None:
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise ValidationError("offset", "must be an integer >= 0", value=offset)
