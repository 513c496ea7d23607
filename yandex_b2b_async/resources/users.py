"""UsersAPI: the employee calls of the API 2.0 (``/integration/2.0/users``).

Each method is a declaration — method, path, query, request model, response model — over
:meth:`B2BClient.request`. The two calls with logic of their own are :meth:`UsersAPI.restore`
(which keeps the cost center a bare PATCH would reset) and :meth:`UsersAPI.create_or_restore`
(the documents' rule for a phone that belongs to an archived employee).
"""

from __future__ import annotations

import builtins
import functools
import logging
from collections.abc import AsyncIterator, Awaitable
from typing import TYPE_CHECKING, Final, Unpack

import attrs

from .._constants import DEFAULT_PAGE_LIMIT
from .._logs import call_extra
from .._pagination import cursor_pages
from .._types import NOT_GIVEN, UNSET, NotGiven
from .._validators import check_id, check_limit, check_phone, require
from ..bulk import BulkOperation, BulkOptions
from ..errors import APIError, B2BError, ConflictError, UserIsDeletedError, ValidationError
from ..models import (
    CreatedUser,
    CreateOrRestoreResult,
    User,
    UserCreate,
    UserPatch,
    UsersPage,
    UserSpending,
    UserUpdate,
)
from ..retries import RetryOption
from ._base import APIResource
from ._reconcile import holds_what_was_sent

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator, AsyncIterable, Iterable

    from ..bulk import BulkItem, BulkReport
    from ..hr.sync import SyncKey, SyncPlan, SyncReport

__all__ = ["UsersAPI"]

logger: Final = logging.getLogger("yandex_b2b_async")

_USERS: Final = "/users"
# users-get: "cost_centers_id ... Необязательное поле" (absent for a client without the new
# cost centers), so an answer without it does not tell against a create that sent one.
_ANSWER_MAY_OMIT: Final = frozenset({"cost_centers_id"})
# users-spending-details: an array of employee ids, "no more than 100".
_SPENDING_BATCH: Final = 100


@attrs.frozen(kw_only=True)
class _SpendingAnswer:
    users: tuple[UserSpending, ...] = ()


class UsersAPI(APIResource):
    """Employees of the selected client: ``client.users``."""

    # -- writes ------------------------------------------------------------------------------

    async def create(
        self,
        user: UserCreate,
        *,
        retry: RetryOption = NOT_GIVEN,
        timeout: float | NotGiven = NOT_GIVEN,
        earlier_attempt_unknown: bool = False,
    ) -> CreatedUser:
        """Create an employee (``POST /users``) and return the new id.

        If an attempt's answer was lost (reset, timeout, 5xx) and a retry then answers 406 naming
        an active employee, that employee is read (``GET /users?user_id=…``): when it holds
        every field this call sent (fullname, phone, email, nickname, cost center, department,
        limits, ``is_active``) the lost attempt made it, and its id is returned with
        ``reconciled=True`` instead of an error (no duplicate is made). An employee who only
        shares the phone (or email, nickname) is someone else: the call raises the
        :class:`ConflictError` naming them, as it would have without the lost answer.
        ``earlier_attempt_unknown=True`` says the same of an attempt made before this call (a
        rerun after a crash, as the bulk journal does; a retry of a call that was cancelled):
        a 406 is then settled in the same way.

        Raises :class:`ConflictError` (406) when an active employee already has this phone,
        email or nickname, :class:`UserIsDeletedError` when the phone belongs to an archived
        employee (see :meth:`create_or_restore`), and the other :class:`APIError` subclasses.
        """
        require(user, UserCreate, "user")

        async def settle(error: APIError) -> CreatedUser | None:
            if not isinstance(error, ConflictError):
                return None
            found = await self._reconcile(user, error, earlier_attempt_unknown, retry, timeout)
            return None if found is None else CreatedUser(id=found, reconciled=True)

        return await self._request(
            "POST",
            _USERS,
            body=user,
            response=CreatedUser,
            retry=retry,
            timeout=timeout,
            handles=(ConflictError,),  # settled below: not a give-up worth a log line
            settle=settle,
        )

    async def update(
        self,
        user_id: str,
        user: UserUpdate,
        *,
        retry: RetryOption = NOT_GIVEN,
        timeout: float | NotGiven = NOT_GIVEN,
    ) -> None:
        """Replace an employee's record (``PUT /users?user_id=…``)."""
        check_id("user_id", user_id)
        require(user, UserUpdate, "user")
        await self._request(
            "PUT", _USERS, params={"user_id": user_id}, body=user, retry=retry, timeout=timeout
        )

    async def patch(
        self,
        user_id: str,
        patch: UserPatch,
        *,
        retry: RetryOption = NOT_GIVEN,
        timeout: float | NotGiven = NOT_GIVEN,
    ) -> None:
        """Change the fields set in ``patch`` (``PATCH /users?user_id=…``).

        Leaving ``cost_centers_id`` unset makes the API assign the client's *main* cost center
        (see :class:`UserPatch`).
        """
        check_id("user_id", user_id)
        require(patch, UserPatch, "patch")
        await self._request(
            "PATCH", _USERS, params={"user_id": user_id}, body=patch, retry=retry, timeout=timeout
        )

    async def archive(
        self, user_id: str, *, retry: RetryOption = NOT_GIVEN, timeout: float | NotGiven = NOT_GIVEN
    ) -> None:
        """Archive an employee (``POST /users/archive?user_id=…``). Raises
        :class:`NotFoundError` for an unknown id."""
        check_id("user_id", user_id)
        await self._request(
            "POST", _USERS + "/archive", params={"user_id": user_id}, retry=retry, timeout=timeout
        )

    async def restore(
        self,
        user_id: str,
        patch: UserPatch | None = None,
        *,
        retry: RetryOption = NOT_GIVEN,
        timeout: float | NotGiven = NOT_GIVEN,
    ) -> None:
        """Restore an archived employee, optionally with new data.

        Sends a PATCH with ``is_deleted: false``, ``is_active: true`` (an archived employee
        cannot be active, so a restore that left it out would bring back an employee who cannot
        order; set ``is_active=False`` in ``patch`` to restore an inactive one) and the fields
        of ``patch``. The employee keeps the cost center it has: when ``patch`` sets no
        ``cost_centers_id``, the employee is read first (``GET /users?user_id=…``) and its
        current one is sent, because a PATCH without it would assign the main cost center.
        """
        check_id("user_id", user_id)
        patch = UserPatch() if patch is None else patch
        require(patch, UserPatch, "patch")
        if patch.is_deleted is True:
            raise ValidationError("patch.is_deleted", "must not be True in a restore")
        if patch.cost_centers_id is UNSET:
            current = await self.get(user_id, retry=retry, timeout=timeout)
            if current.cost_centers_id:
                patch = attrs.evolve(patch, cost_centers_id=current.cost_centers_id)
            else:
                logger.warning(
                    "employee %s has no cost center to keep; the API assigns the main one",
                    user_id,
                    extra=call_extra("PATCH /users"),
                )
        if patch.is_active is UNSET:
            patch = attrs.evolve(patch, is_active=True)
        await self.patch(
            user_id, attrs.evolve(patch, is_deleted=False), retry=retry, timeout=timeout
        )

    async def create_or_restore(
        self,
        user: UserCreate,
        *,
        retry: RetryOption = NOT_GIVEN,
        timeout: float | NotGiven = NOT_GIVEN,
        earlier_attempt_unknown: bool = False,
    ) -> CreateOrRestoreResult:
        """Create an employee, or restore the archived one that has this phone.

        The documents' rule: a create whose phone belongs to an archived employee fails with
        400 ``USER_IS_DELETED_ERROR``; that employee is then restored with the new data (a
        PATCH with every field of ``user`` and ``is_deleted: false``) and ``restored`` is True.
        An *active* employee with this phone is never overwritten: :class:`ConflictError`
        (``earlier_attempt_unknown`` as for :meth:`create`).
        """
        try:
            created = await self.create(
                user, retry=retry, timeout=timeout, earlier_attempt_unknown=earlier_attempt_unknown
            )
        except UserIsDeletedError as deleted:
            if deleted.conflict_user_id is None:
                raise
            await self.patch(
                deleted.conflict_user_id, _restore_patch(user), retry=retry, timeout=timeout
            )
            return CreateOrRestoreResult(id=deleted.conflict_user_id, restored=True)
        return CreateOrRestoreResult(id=created.id, restored=False, reconciled=created.reconciled)

    async def _reconcile(
        self,
        user: UserCreate,
        conflict: ConflictError,
        earlier_attempt_unknown: bool,
        retry: RetryOption,
        timeout: float | NotGiven,
    ) -> str | None:
        """The id of the employee a lost create attempt made, if ``conflict`` names one that
        holds what ``user`` sent; None when it is someone else (or cannot be read)."""
        unknown = conflict.after_unknown_outcome or earlier_attempt_unknown
        if not unknown or conflict.conflict_user_id is None:
            return None
        try:
            existing = await self.get(conflict.conflict_user_id, retry=retry, timeout=timeout)
        except B2BError:
            return None  # cannot confirm: the caller gets the conflict as it is
        if existing.is_deleted or not holds_what_was_sent(
            user, existing, may_omit=_ANSWER_MAY_OMIT
        ):
            return None
        logger.warning(
            "POST /users: an earlier attempt's answer was lost and the retry's conflict named "
            "employee %s, who holds what this call sent: made by that attempt; returning it "
            "(no duplicate made)",
            conflict.conflict_user_id,
            extra=call_extra("POST /users"),
        )
        return conflict.conflict_user_id

    # -- reads -------------------------------------------------------------------------------

    async def get(
        self, user_id: str, *, retry: RetryOption = NOT_GIVEN, timeout: float | NotGiven = NOT_GIVEN
    ) -> User:
        """One employee, archived ones included (``GET /users?user_id=…``)."""
        check_id("user_id", user_id)
        return await self._request(
            "GET", _USERS, params={"user_id": user_id}, response=User, retry=retry, timeout=timeout
        )

    async def find_by_phone(
        self, phone: str, *, retry: RetryOption = NOT_GIVEN, timeout: float | NotGiven = NOT_GIVEN
    ) -> builtins.list[User]:
        """Every employee with this phone, archived ones included (``POST /users/by_phone``)."""
        check_phone("phone", phone)
        page = await self._request(
            "POST",
            _USERS + "/by_phone",
            body={"phone": phone},
            response=UsersPage,
            retry=retry,
            timeout=timeout,
        )
        # The by_phone page's items carry no `phone` field: it is the one searched for.
        return [user if user.phone else attrs.evolve(user, phone=phone) for user in page.items]

    # -- spending (admin-api) -----------------------------------------------------------------

    async def spending_details(
        self,
        user_ids: Iterable[str],
        *,
        retry: RetryOption = NOT_GIVEN,
        timeout: float | NotGiven = NOT_GIVEN,
    ) -> builtins.list[UserSpending]:
        """What each employee spent within their limits (``POST /users-spending-details``).

        The page takes at most 100 ids a request: more are sent 100 at a time, in order, and
        the answers joined; an id given twice is asked for once. No ids: no request, ``[]``.
        A spending made while the employee had no limit is not reported (the page's rule).
        """
        if isinstance(user_ids, str):
            raise ValidationError("user_ids", "must be a list of ids, not one string")
        wanted = builtins.list(
            dict.fromkeys(
                check_id(f"user_ids[{index}]", user_id) for index, user_id in enumerate(user_ids)
            )
        )
        found: builtins.list[UserSpending] = []
        for start in range(0, len(wanted), _SPENDING_BATCH):
            answer = await self._request(
                "POST",
                "/users-spending-details",
                body={"user_ids": wanted[start : start + _SPENDING_BATCH]},
                response=_SpendingAnswer,
                retry=retry,
                timeout=timeout,
            )
            found.extend(answer.users)
        return found

    async def list_page(
        self,
        *,
        limit: int = DEFAULT_PAGE_LIMIT,
        cursor: str | None = None,
        retry: RetryOption = NOT_GIVEN,
        timeout: float | NotGiven = NOT_GIVEN,
    ) -> UsersPage:
        """One page of employees in creation order (``GET /users?limit=…&cursor=…``)."""
        check_limit(limit)
        params: dict[str, str | int] = {"limit": limit}
        if cursor is not None:
            check_id("cursor", cursor)
            params["cursor"] = cursor
        return await self._request(
            "GET", _USERS, params=params, response=UsersPage, retry=retry, timeout=timeout
        )

    async def pages(
        self,
        *,
        limit: int = DEFAULT_PAGE_LIMIT,
        retry: RetryOption = NOT_GIVEN,
        timeout: float | NotGiven = NOT_GIVEN,
    ) -> AsyncIterator[UsersPage]:
        """Every page of employees, following ``next_cursor`` until the last page."""
        check_limit(limit)

        def fetch(cursor: str | None) -> Awaitable[UsersPage]:
            return self.list_page(limit=limit, cursor=cursor, retry=retry, timeout=timeout)

        async for page in cursor_pages(fetch, method="GET", path=_USERS):
            yield page

    async def list(
        self,
        *,
        limit: int = DEFAULT_PAGE_LIMIT,
        retry: RetryOption = NOT_GIVEN,
        timeout: float | NotGiven = NOT_GIVEN,
    ) -> AsyncIterator[User]:
        """Every employee of the client (archived ones too), page by page, lazily."""
        async for page in self.pages(limit=limit, retry=retry, timeout=timeout):
            for user in page.items:
                yield user

    # -- sync --------------------------------------------------------------------------------

    async def plan_sync(
        self,
        desired: Iterable[UserCreate] | AsyncIterable[UserCreate],
        *,
        key: SyncKey = "phone",
        archive_missing: bool = False,
        force: bool = False,
        page_size: int = DEFAULT_PAGE_LIMIT,
        clear: Iterable[str] = (),
    ) -> SyncPlan:
        """Read the account and plan what makes it match ``desired``; nothing is changed.

        Employees are matched by ``key`` (``"phone"`` or ``"nickname"``, the Dashboard's "ID in
        the external system"). A desired record with no match is created; a match that is
        archived is restored; an active match whose fields differ is updated (a PATCH of the
        differing fields plus ``cost_centers_id``). Fields a record leaves unset are not
        compared. With ``archive_missing``, active employees absent from ``desired`` are
        archived — refused with :class:`ArchiveCapError` (a :class:`B2BError`) when that is more
        than 10% of the active employees, unless ``force``. Raises :class:`ValidationError`
        naming the rows when a key value repeats or (by nickname) is empty. ``clear`` names
        fields (email, nickname, department_id, limits) that a record leaving them unset wants
        empty: never implied.
        """
        from ..hr.sync import build_plan, check_clear, check_desired, collect, read_account

        wanted = await collect(desired)
        check_desired(wanted, key=key)
        cleared = check_clear(clear)
        check_limit(page_size)
        account = await read_account(self, page_size=page_size)
        return build_plan(
            wanted, account, key=key, archive_missing=archive_missing, force=force, clear=cleared
        )

    async def apply(self, plan: SyncPlan, **options: Unpack[BulkOptions]) -> SyncReport:
        """Carry out a plan from :meth:`plan_sync` through the bulk engine.

        Returns a bulk report with one item per action, in the plan's order (archives,
        updates, restores, creates — each kind finishing before the next starts); an item's
        ``id`` is the employee it created or changed. One failure never stops the others.
        ``options`` are the bulk options (``concurrency``, ``on_progress``, ``journal``: a rerun
        of the same plan skips what already succeeded, …).
        """
        from ..hr.sync import apply_plan

        return await apply_plan(self, plan, notify=self._client.notify, **options)

    # -- bulk --------------------------------------------------------------------------------
    # create_or_restore / archive / restore as bulk operations (data: the call, the journal
    # name, the id of a result); the engine in bulk/ owns laziness, the concurrency bound,
    # cancellation, the stop rules, the final pass and the journal.

    def bulk_create_operation(self) -> BulkOperation[UserCreate, CreateOrRestoreResult]:
        """:meth:`create_or_restore` as a bulk operation (journal name ``users.create``); an
        input whose earlier create may have happened is sent with
        ``earlier_attempt_unknown=True``, so a rerun recognises the employee it made."""
        return BulkOperation(
            name="users.create",
            call=self.create_or_restore,
            id_of=_created_id,
            call_if_unsure=functools.partial(self.create_or_restore, earlier_attempt_unknown=True),
            notify=self._client.notify,
        )

    def bulk_archive_operation(self) -> BulkOperation[str, None]:
        """:meth:`archive` as a bulk operation over user ids (journal name ``users.archive``)."""
        return BulkOperation(
            name="users.archive",
            call=self._archive_one,
            id_of=_given_id,
            notify=self._client.notify,
        )

    def bulk_restore_operation(self) -> BulkOperation[str, None]:
        """:meth:`restore` as a bulk operation over user ids (journal name ``users.restore``)."""
        return BulkOperation(
            name="users.restore",
            call=self._restore_one,
            id_of=_given_id,
            notify=self._client.notify,
        )

    async def bulk_create(
        self,
        users: Iterable[UserCreate] | AsyncIterable[UserCreate],
        **options: Unpack[BulkOptions],
    ) -> BulkReport[UserCreate, CreateOrRestoreResult]:
        """:meth:`create_or_restore` every user, at most ``concurrency`` calls at a time.

        One report item per input, in input order; an item's ``id`` is the employee's. An
        active employee with the same phone (email, nickname) is never overwritten: that item's
        error is :class:`ConflictError` naming it in ``conflict_user_id``. With ``journal``
        (a JSON-lines file) a rerun skips the users that succeeded; a user is recognised by its
        content, so a row edited since is sent again. ``options`` are the
        :class:`~yandex_b2b_async.bulk.BulkOptions` (``concurrency``, ``on_progress``,
        ``journal``, ``total``, …).
        """
        return await self.bulk_create_operation().run(users, **options)

    def bulk_create_stream(
        self,
        users: Iterable[UserCreate] | AsyncIterable[UserCreate],
        **options: Unpack[BulkOptions],
    ) -> AsyncGenerator[BulkItem[UserCreate, CreateOrRestoreResult], None]:
        """:meth:`bulk_create`, yielding each item as it finishes (see ``bulk_stream``)."""
        return self.bulk_create_operation().stream(users, **options)

    async def bulk_archive(
        self, user_ids: Iterable[str] | AsyncIterable[str], **options: Unpack[BulkOptions]
    ) -> BulkReport[str, None]:
        """:meth:`archive` every id, at most ``concurrency`` calls at a time; one item per id,
        in input order."""
        return await self.bulk_archive_operation().run(user_ids, **options)

    def bulk_archive_stream(
        self, user_ids: Iterable[str] | AsyncIterable[str], **options: Unpack[BulkOptions]
    ) -> AsyncGenerator[BulkItem[str, None], None]:
        """:meth:`bulk_archive`, yielding each item as it finishes (see ``bulk_stream``)."""
        return self.bulk_archive_operation().stream(user_ids, **options)

    async def bulk_restore(
        self, user_ids: Iterable[str] | AsyncIterable[str], **options: Unpack[BulkOptions]
    ) -> BulkReport[str, None]:
        """:meth:`restore` every id (each keeps its cost center), at most ``concurrency``
        at a time; one item per id, in input order."""
        return await self.bulk_restore_operation().run(user_ids, **options)

    def bulk_restore_stream(
        self, user_ids: Iterable[str] | AsyncIterable[str], **options: Unpack[BulkOptions]
    ) -> AsyncGenerator[BulkItem[str, None], None]:
        """:meth:`bulk_restore`, yielding each item as it finishes (see ``bulk_stream``)."""
        return self.bulk_restore_operation().stream(user_ids, **options)

    async def _archive_one(self, user_id: str) -> None:
        await self.archive(user_id)

    async def _restore_one(self, user_id: str) -> None:
        await self.restore(user_id)


def _created_id(_: UserCreate, result: CreateOrRestoreResult) -> str:
    return result.id


def _given_id(user_id: str, _: None) -> str:
    return user_id


def _restore_patch(user: UserCreate) -> UserPatch:
    """The PATCH that restores an archived employee with the data of ``user``."""
    return UserPatch(
        fullname=user.fullname,
        phone=user.phone,
        email=user.email,
        is_active=user.is_active,
        cost_centers_id=user.cost_centers_id,
        is_deleted=False,
        nickname=user.nickname,
        department_id=user.department_id,
        limits=user.limits,
    )
