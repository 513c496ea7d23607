"""Employee models: the create, PUT and PATCH bodies, and employees as the read calls return them.

Request models validate when they are built and raise :class:`ValidationError` naming the
field and the rule, so bad input never reaches the network. Optional request fields default to
:data:`UNSET`, which means "leave it out of the request" — different from any value, ``None``
included. The one cattrs converter in ``_converter.py`` owns how they look on the wire.

Response models tolerate what the API may add or leave out: unknown fields are ignored and
optional fields missing from a response are ``None`` (or empty).

An employee's name, phone and email are personal data: every repr shows them masked
(``+7••••••4567``, see ``_personal.py``).
"""

from __future__ import annotations

import attrs

from .._personal import email_repr, name_repr, phone_repr
from .._types import UNSET, Unset
from .._validators import boolean, email, phone, text
from ._common import AssignedLimit, Limit, to_limits

__all__ = [
    "CreateOrRestoreResult",
    "CreatedUser",
    "User",
    "UserCreate",
    "UserPatch",
    "UserUpdate",
    "UsersPage",
]


@attrs.frozen(kw_only=True)
class UserCreate:
    """A new employee (``POST /integration/2.0/users``).

    ``fullname`` may be empty; ``phone`` is in international format (``+79001234567``);
    ``cost_centers_id`` is required when creating. Optional fields left :data:`UNSET` are not sent.
    """

    fullname: str = attrs.field(validator=text(allow_empty=True), repr=name_repr)
    phone: str = attrs.field(validator=phone, repr=phone_repr)
    is_active: bool = attrs.field(validator=boolean)
    cost_centers_id: str = attrs.field(validator=text(allow_empty=False))
    email: str | Unset = attrs.field(default=UNSET, validator=email, repr=email_repr)
    nickname: str | Unset = attrs.field(default=UNSET, validator=text(allow_empty=True))
    department_id: str | Unset = attrs.field(default=UNSET, validator=text(allow_empty=False))
    limits: tuple[Limit, ...] | Unset = attrs.field(default=UNSET, converter=to_limits)


@attrs.frozen(kw_only=True)
class UserUpdate:
    """The full record of an employee for PUT (``PUT /integration/2.0/users?user_id=…``).

    Required fields as for a create; ``is_deleted=False`` restores an archived employee.
    """

    fullname: str = attrs.field(validator=text(allow_empty=True), repr=name_repr)
    phone: str = attrs.field(validator=phone, repr=phone_repr)
    is_active: bool = attrs.field(validator=boolean)
    cost_centers_id: str = attrs.field(validator=text(allow_empty=False))
    email: str | Unset = attrs.field(default=UNSET, validator=email, repr=email_repr)
    is_deleted: bool | Unset = attrs.field(default=UNSET, validator=boolean)
    nickname: str | Unset = attrs.field(default=UNSET, validator=text(allow_empty=True))
    department_id: str | Unset = attrs.field(default=UNSET, validator=text(allow_empty=False))
    limits: tuple[Limit, ...] | Unset = attrs.field(default=UNSET, converter=to_limits)


@attrs.frozen(kw_only=True)
class UserPatch:
    """A partial edit of an employee (``PATCH /integration/2.0/users?user_id=…``).

    Exactly the fields the caller sets are sent; every field left :data:`UNSET` is left out.

    .. warning::
       **Leaving out ``cost_centers_id`` is not "unchanged".** The PATCH page (Russian) says
       that an employee edited without ``cost_centers_id`` is assigned the client's *main* cost
       center. Set ``cost_centers_id`` on every patch that must keep the current one;
       :meth:`UsersAPI.restore` does this for you by reading the employee first.
    """

    fullname: str | Unset = attrs.field(
        default=UNSET, validator=text(allow_empty=True), repr=name_repr
    )
    phone: str | Unset = attrs.field(default=UNSET, validator=phone, repr=phone_repr)
    email: str | Unset = attrs.field(default=UNSET, validator=email, repr=email_repr)
    is_active: bool | Unset = attrs.field(default=UNSET, validator=boolean)
    cost_centers_id: str | Unset = attrs.field(default=UNSET, validator=text(allow_empty=False))
    is_deleted: bool | Unset = attrs.field(default=UNSET, validator=boolean)
    nickname: str | Unset = attrs.field(default=UNSET, validator=text(allow_empty=True))
    department_id: str | Unset = attrs.field(default=UNSET, validator=text(allow_empty=False))
    limits: tuple[Limit, ...] | Unset = attrs.field(default=UNSET, converter=to_limits)

    def fields_set(self) -> frozenset[str]:
        """The names of the fields this patch sends."""
        return frozenset(
            field.name
            for field in attrs.fields(UserPatch)
            if getattr(self, field.name) is not UNSET
        )


@attrs.frozen(kw_only=True)
class CreatedUser:
    """The answer to a create: the new employee's id.

    ``reconciled`` is True when the create's first reply was lost and a retry found the
    employee the lost attempt had created (its id is returned; no duplicate was made).
    """

    id: str
    reconciled: bool = False


@attrs.frozen(kw_only=True)
class CreateOrRestoreResult:
    """What :meth:`UsersAPI.create_or_restore` did: created a new employee or restored one."""

    id: str
    restored: bool
    reconciled: bool = False


@attrs.frozen(kw_only=True)
class User:
    """An employee as the read calls return it (``GET /integration/2.0/users``).

    Only ``id`` is guaranteed (the English list page names it ``_id``; both are accepted).
    A field the answer leaves out is ``None``.
    """

    id: str
    fullname: str | None = attrs.field(default=None, repr=name_repr)
    phone: str | None = attrs.field(default=None, repr=phone_repr)
    email: str | None = attrs.field(default=None, repr=email_repr)
    is_active: bool | None = None
    is_deleted: bool | None = None
    cost_centers_id: str | None = None
    cost_center: str | None = None
    nickname: str | None = None
    department_id: str | None = None
    client_id: str | None = None
    limits: tuple[AssignedLimit, ...] = ()


@attrs.frozen(kw_only=True)
class UsersPage:
    """One page of ``GET /integration/2.0/users``; ``next_cursor`` is None on the last page."""

    items: tuple[User, ...] = ()
    cursor: str | None = None
    next_cursor: str | None = None
    limit: int | None = None
    total_amount: int | None = None
