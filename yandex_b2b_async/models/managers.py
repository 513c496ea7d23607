"""Manager-role models: the roles, a manager as listed, and the create/update body.

A manager here is a role given to a person in the Dashboard (``/integration/2.0/managers``),
not an employee record. The roles page (``manager-roles``) says what each may do:

- ``department_manager``: within their department (and below it), manage employees and rides,
  export reports, add sub-departments and roles; cannot see departments above or beside theirs,
  add cost centers, or see the balance and financial documents;
- ``department_secretary``: within their department, order taxis, see and cancel orders;
- ``client_manager``: what the account's administrator may do, except the Balance section.

A manager's name, phone, email and Yandex login are personal data: every repr shows them
masked (``+7••••••4567``, see ``_personal.py``).
"""

from __future__ import annotations

import enum
from typing import Any

import attrs

from .._personal import email_repr, name_repr, phone_repr
from .._types import UNSET, Unset
from .._validators import check_id, email, phone, text
from ..errors import ValidationError

__all__ = [
    "CreatedManager",
    "Manager",
    "ManagerCreate",
    "ManagerRole",
    "ManagerUpdate",
    "ManagersPage",
]


class ManagerRole(enum.StrEnum):
    """The three roles of the Dashboard (see the module docstring for what each may do)."""

    DEPARTMENT_MANAGER = "department_manager"
    DEPARTMENT_SECRETARY = "department_secretary"
    CLIENT_MANAGER = "client_manager"

    @property
    def needs_department(self) -> bool:
        """A department manager or secretary acts within one department; a client manager
        acts for the whole account."""
        return self is not ManagerRole.CLIENT_MANAGER


def to_role(value: object) -> ManagerRole:
    """``value`` as a :class:`ManagerRole`, or a :class:`ValidationError` naming ``role``."""
    if isinstance(value, ManagerRole):
        return value
    try:
        return ManagerRole(value if isinstance(value, str) else repr(value))
    except ValueError:
        raise ValidationError(
            "role",
            "must be one of: department_manager, department_secretary, client_manager",
            value=value,
        ) from None


def _optional_id(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not UNSET:
        check_id(attribute.name, value)


def _check_department(role: ManagerRole, department_id: str | Unset) -> None:
    if role.needs_department and department_id is UNSET:
        raise ValidationError(
            "department_id", f"a {role.value} acts within a department: give its id"
        )


@attrs.frozen(kw_only=True)
class ManagerCreate:
    """A new manager role (``POST /integration/2.0/managers/create``).

    Every field but ``department_id`` is required by the page; a ``department_manager`` or
    ``department_secretary`` needs ``department_id`` too (the roles page: they act within
    "the department entrusted to them").
    """

    fullname: str = attrs.field(validator=text(allow_empty=False), repr=name_repr)
    email: str = attrs.field(validator=email, repr=email_repr)
    phone: str = attrs.field(validator=phone, repr=phone_repr)
    yandex_login: str = attrs.field(validator=text(allow_empty=False), repr=name_repr)
    role: ManagerRole = attrs.field(converter=to_role)
    department_id: str | Unset = attrs.field(default=UNSET, validator=_optional_id)

    def __attrs_post_init__(self) -> None:
        _check_department(self.role, self.department_id)


@attrs.frozen(kw_only=True)
class ManagerUpdate:
    """The full record of a manager role (``POST /integration/2.0/managers/update?id=…``);
    the same fields and rules as :class:`ManagerCreate`."""

    fullname: str = attrs.field(validator=text(allow_empty=False), repr=name_repr)
    email: str = attrs.field(validator=email, repr=email_repr)
    phone: str = attrs.field(validator=phone, repr=phone_repr)
    yandex_login: str = attrs.field(validator=text(allow_empty=False), repr=name_repr)
    role: ManagerRole = attrs.field(converter=to_role)
    department_id: str | Unset = attrs.field(default=UNSET, validator=_optional_id)

    def __attrs_post_init__(self) -> None:
        _check_department(self.role, self.department_id)


@attrs.frozen(kw_only=True)
class Manager:
    """A manager role as ``GET /managers/list`` returns it; ``role`` is a :class:`ManagerRole`
    or the raw string of a role this library does not know."""

    id: str
    yandex_login: str | None = attrs.field(default=None, repr=name_repr)
    role: ManagerRole | str | None = None
    department_id: str | None = None
    fullname: str | None = attrs.field(default=None, repr=name_repr)
    email: str | None = attrs.field(default=None, repr=email_repr)
    phone: str | None = attrs.field(default=None, repr=phone_repr)


@attrs.frozen(kw_only=True)
class ManagersPage:
    """One page of ``GET /integration/2.0/managers/list``; ``next_cursor`` is None on the
    last page."""

    items: tuple[Manager, ...] = ()
    cursor: str | None = None
    next_cursor: str | None = None
    limit: int | None = None
    total_amount: int | None = None


@attrs.frozen(kw_only=True)
class CreatedManager:
    """The answer to a manager create: its id; ``reconciled`` is True when the create's answer
    was lost and the role was found by its ``yandex_login`` instead of being made again."""

    id: str
    reconciled: bool = False
