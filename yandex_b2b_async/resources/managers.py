"""Manager roles of departments: ``client.managers`` (``/integration/2.0/managers``).

Create, update, delete and list (cursor pages). The delete page is not stored at all: it is
taken to follow the update's shape (``POST /managers/delete?id=…``, no body, answering
``{"id": …}``). The create page is stored only in part (English); its body is the update's.
"""

from __future__ import annotations

import builtins
from collections.abc import AsyncIterator, Awaitable, Iterable
from typing import Final

import attrs

from .._pagination import cursor_pages
from .._types import NOT_GIVEN, UNSET, NotGiven
from .._validators import check_id, check_limit, require
from ..errors import ConflictError, ValidationError
from ..models import (
    CreatedManager,
    Manager,
    ManagerCreate,
    ManagerRole,
    ManagersPage,
    ManagerUpdate,
)
from ..models.managers import to_role
from ..retries import RetryOption
from ._base import APIResource
from ._reconcile import (
    duplicate_settler,
    gone_after_unknown_outcome,
    holds_what_was_sent,
    log_found,
)

__all__ = ["ManagersAPI"]

_MANAGERS: Final = "/managers"
# The list page: "Значение от 1 до 100".
_MAX_PAGE: Final = 100


@attrs.frozen(kw_only=True)
class _IdAnswer:
    id: str


class ManagersAPI(APIResource):
    """Manager roles of the selected client's departments: ``client.managers``."""

    async def create(
        self,
        manager: ManagerCreate,
        *,
        retry: RetryOption = NOT_GIVEN,
        timeout: float | NotGiven = NOT_GIVEN,
    ) -> CreatedManager:
        """Give someone a role (``POST /managers/create``) and return the role's id.

        A create whose answer was lost is not blindly repeated: the roles are read, and the
        one with this ``yandex_login`` and role (in this department) is returned with
        ``reconciled=True`` when it holds the fullname, email and phone sent; only when there
        is none is the create sent again. A role given to someone else is never taken for
        this call's: the call ends in the error it would have had without the lost answer.
        """
        require(manager, ManagerCreate, "manager")
        department_id = None if manager.department_id is UNSET else manager.department_id

        async def reconcile() -> CreatedManager | None:
            async for existing in self.list(
                department_id=department_id, roles=[manager.role], retry=retry, timeout=timeout
            ):
                if existing.yandex_login == manager.yandex_login and holds_what_was_sent(
                    manager, existing
                ):
                    log_found("POST " + _MANAGERS + "/create", existing.id)
                    return CreatedManager(id=existing.id, reconciled=True)
            return None

        return await self._request(
            "POST",
            _MANAGERS + "/create",
            body=manager,
            response=CreatedManager,
            retry=retry,
            timeout=timeout,
            idempotent=False,
            reconcile=reconcile,
            handles=(ConflictError,),
            settle=duplicate_settler(reconcile),
        )

    async def update(
        self,
        manager_id: str,
        manager: ManagerUpdate,
        *,
        retry: RetryOption = NOT_GIVEN,
        timeout: float | NotGiven = NOT_GIVEN,
    ) -> str:
        """Replace a role's record (``POST /managers/update?id=…``); returns its id.

        Raises :class:`NotFoundError` for an unknown id, :class:`APIError` 409 on a
        concurrent change.
        """
        check_id("manager_id", manager_id)
        require(manager, ManagerUpdate, "manager")
        answer = await self._request(
            "POST",
            _MANAGERS + "/update",
            params={"id": manager_id},
            body=manager,
            response=_IdAnswer,
            retry=retry,
            timeout=timeout,
        )
        return answer.id

    async def delete(
        self,
        manager_id: str,
        *,
        retry: RetryOption = NOT_GIVEN,
        timeout: float | NotGiven = NOT_GIVEN,
    ) -> str:
        """Remove a role (``POST /managers/delete?id=…``, shaped like update: the page is not
        stored); returns its id.

        A delete whose answer was lost and whose retry answers 404 did its work: that is a
        success, not an error. A 404 on the first attempt raises :class:`NotFoundError`.
        """
        check_id("manager_id", manager_id)
        await self._request(
            "POST",
            _MANAGERS + "/delete",
            params={"id": manager_id},
            retry=retry,
            timeout=timeout,
            settle=gone_after_unknown_outcome,
        )
        return manager_id

    async def list_page(
        self,
        *,
        department_id: str | None = None,
        roles: Iterable[ManagerRole | str] | None = None,
        limit: int = _MAX_PAGE,
        cursor: str | None = None,
        retry: RetryOption = NOT_GIVEN,
        timeout: float | NotGiven = NOT_GIVEN,
    ) -> ManagersPage:
        """One page of roles (``GET /managers/list?limit=…&cursor=…``), of one department
        and of the given roles (sent comma-separated) when asked."""
        params = _list_params(department_id, roles, limit)
        if cursor is not None:
            params["cursor"] = check_id("cursor", cursor)
        return await self._request(
            "GET",
            _MANAGERS + "/list",
            params=params,
            response=ManagersPage,
            retry=retry,
            timeout=timeout,
        )

    async def pages(
        self,
        *,
        department_id: str | None = None,
        roles: Iterable[ManagerRole | str] | None = None,
        limit: int = _MAX_PAGE,
        retry: RetryOption = NOT_GIVEN,
        timeout: float | NotGiven = NOT_GIVEN,
    ) -> AsyncIterator[ManagersPage]:
        """Every page of roles, following ``next_cursor`` until the last page."""
        wanted = None if roles is None else builtins.list(roles)
        _list_params(department_id, wanted, limit)

        def fetch(cursor: str | None) -> Awaitable[ManagersPage]:
            return self.list_page(
                department_id=department_id,
                roles=wanted,
                limit=limit,
                cursor=cursor,
                retry=retry,
                timeout=timeout,
            )

        async for page in cursor_pages(fetch, method="GET", path=_MANAGERS + "/list"):
            yield page

    async def list(
        self,
        *,
        department_id: str | None = None,
        roles: Iterable[ManagerRole | str] | None = None,
        limit: int = _MAX_PAGE,
        retry: RetryOption = NOT_GIVEN,
        timeout: float | NotGiven = NOT_GIVEN,
    ) -> AsyncIterator[Manager]:
        """Every role (of one department, of the given roles), page by page, lazily."""
        async for page in self.pages(
            department_id=department_id, roles=roles, limit=limit, retry=retry, timeout=timeout
        ):
            for manager in page.items:
                yield manager


def _list_params(
    department_id: str | None, roles: Iterable[ManagerRole | str] | None, limit: int
) -> dict[str, str | int]:
    check_limit(limit, maximum=_MAX_PAGE)
    params: dict[str, str | int] = {"limit": limit}
    if department_id is not None:
        params["department_id"] = check_id("department_id", department_id)
    if roles is not None:
        if isinstance(roles, str):
            raise ValidationError("roles", "must be a list of roles, not one string", value=roles)
        chosen = [to_role(role).value for role in roles]
        if chosen:
            params["roles"] = ",".join(dict.fromkeys(chosen))
    return params
