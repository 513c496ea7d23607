"""DepartmentsAPI: the department calls of the API 2.0 (``/integration/2.0/departments``)."""

from __future__ import annotations

import decimal
import logging
import math
from collections.abc import AsyncIterator
from typing import Final, Literal

from .._constants import DEFAULT_PAGE_LIMIT
from .._logs import call_extra
from .._pagination import offset_items
from .._types import NOT_GIVEN, UNSET, NotGiven, Unset
from .._validators import check_id, check_limit, check_offset, check_text
from ..errors import ConflictError, ValidationError
from ..models import (
    CreatedDepartment,
    Department,
    DepartmentArchiveResult,
    DepartmentBudget,
    DepartmentsPage,
)
from ..retries import RetryOption
from ._base import APIResource
from ._reconcile import duplicate_settler

__all__ = ["DepartmentsAPI"]

_DEPARTMENTS: Final = "/departments"
_TAXI_LIMIT: Final = "/departments/limits/taxi"
# The taxi-limit pages: "Период лимита: month или quarter".
_BUDGET_PERIODS: Final = ("month", "quarter")

BudgetPeriod = Literal["month", "quarter"]

logger: Final = logging.getLogger("yandex_b2b_async")


class DepartmentsAPI(APIResource):
    """Departments of the selected client: ``client.departments``."""

    async def archive(
        self,
        department_id: str,
        *,
        retry: RetryOption = NOT_GIVEN,
        timeout: float | NotGiven = NOT_GIVEN,
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
            timeout=timeout,
        )

    async def create(
        self,
        name: str,
        parent_id: str | None = None,
        *,
        retry: RetryOption = NOT_GIVEN,
        timeout: float | NotGiven = NOT_GIVEN,
    ) -> CreatedDepartment:
        """Create a department under ``parent_id`` (``None``: under the root).

        Nothing identifies a department but its name and parent, so a create whose answer was
        lost (a reset, a timeout, a 5xx) is not blindly repeated: before the next attempt (or
        before giving up) the departments are read, and one with this name under this parent is
        returned with ``reconciled=True``. Only when there is none is the create sent again
        (within the policy's ``max_attempts``), and a retry refused as a duplicate (406) after
        a lost answer is looked up the same way.
        """
        check_text("name", name, allow_empty=False)
        if parent_id is not None:
            check_id("parent_id", parent_id)

        async def find_it() -> CreatedDepartment | None:
            found = await self._find(name, parent_id, retry=retry, timeout=timeout)
            if found is None:
                return None
            logger.warning(
                "POST /departments/create: the answer was lost; department %s with this "
                "name and parent exists, returning it (no duplicate made)",
                found,
                extra=call_extra("POST /departments/create"),
            )
            return CreatedDepartment(id=found, reconciled=True)

        return await self._request(
            "POST",
            _DEPARTMENTS + "/create",
            body={"parent_id": parent_id, "name": name},
            response=CreatedDepartment,
            retry=retry,
            timeout=timeout,
            idempotent=False,
            reconcile=find_it,
            handles=(ConflictError,),
            settle=duplicate_settler(find_it),
        )

    async def _find(
        self,
        name: str,
        parent_id: str | None,
        *,
        retry: RetryOption,
        timeout: float | NotGiven,
    ) -> str | None:
        async for department in self.list(retry=retry, timeout=timeout):
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
        timeout: float | NotGiven = NOT_GIVEN,
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
            timeout=timeout,
        )

    # -- the taxi budget ---------------------------------------------------------------------
    # The two pages swap the wording of `department_id` ("the department whose limit is
    # changed" on the read, "… is requested" on the update); both mean the department whose
    # budget is read or set.

    async def taxi_budget(
        self,
        department_id: str,
        *,
        retry: RetryOption = NOT_GIVEN,
        timeout: float | NotGiven = NOT_GIVEN,
    ) -> DepartmentBudget:
        """A department's taxi budget (``GET /departments/limits/taxi?department_id=…``).

        ``budget`` None means no limit. Raises :class:`NotFoundError` for an unknown
        department.
        """
        check_id("department_id", department_id)
        return await self._request(
            "GET",
            _TAXI_LIMIT,
            params={"department_id": department_id},
            response=DepartmentBudget,
            retry=retry,
            timeout=timeout,
        )

    async def set_taxi_budget(
        self,
        department_id: str,
        budget: int | float | decimal.Decimal | None,
        *,
        period: BudgetPeriod | None = None,
        retry: RetryOption = NOT_GIVEN,
        timeout: float | NotGiven = NOT_GIVEN,
    ) -> None:
        """Set a department's taxi budget (``POST /departments/limits/taxi/update``).

        ``budget`` is a sum >= 0 per ``period`` (``"month"`` or ``"quarter"``; left out, the
        API's default applies), or None for no limit (then no ``period`` may be given). The
        page answers an empty 200; ``{}`` is accepted too. Setting a value is idempotent, so a
        lost answer is retried.
        """
        check_id("department_id", department_id)
        body: dict[str, object] = {"budget": _check_budget(budget)}
        if period is not None:
            if budget is None:
                raise ValidationError("period", "is set only with a budget (None means no limit)")
            if period not in _BUDGET_PERIODS:
                raise ValidationError("period", "must be 'month' or 'quarter'", value=period)
            body["period"] = period
        await self._request(
            "POST",
            _TAXI_LIMIT + "/update",
            params={"department_id": department_id},
            body=body,
            retry=retry,
            timeout=timeout,
        )

    async def list_page(
        self,
        *,
        limit: int = DEFAULT_PAGE_LIMIT,
        offset: int = 0,
        retry: RetryOption = NOT_GIVEN,
        timeout: float | NotGiven = NOT_GIVEN,
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
            timeout=timeout,
        )

    async def list(
        self,
        *,
        limit: int = DEFAULT_PAGE_LIMIT,
        retry: RetryOption = NOT_GIVEN,
        timeout: float | NotGiven = NOT_GIVEN,
    ) -> AsyncIterator[Department]:
        """Every department, page by page, lazily."""
        async for department in offset_items(
            lambda offset: self.list_page(limit=limit, offset=offset, retry=retry, timeout=timeout)
        ):
            yield department


def _check_budget(budget: object) -> int | float | None:
    """A budget as JSON: None, or a finite number >= 0 (a Decimal goes as int or float)."""
    if budget is None:
        return None
    if isinstance(budget, decimal.Decimal):
        if not budget.is_finite():
            raise ValidationError("budget", "must be a finite number", value=budget)
        budget = int(budget) if budget == budget.to_integral_value() else float(budget)
    if isinstance(budget, bool) or not isinstance(budget, int | float):
        raise ValidationError("budget", "must be a number >= 0 or None (no limit)", value=budget)
    if not math.isfinite(budget) or budget < 0:
        raise ValidationError("budget", "must be a finite number >= 0", value=budget)
    return budget
