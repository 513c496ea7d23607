"""Request and response models: attrs classes with validators, and no wire-format code.

Request models validate when they are built and raise :class:`ValidationError` naming the
field and the rule, so bad input never reaches the network. Optional request fields default to
:data:`UNSET`, which means "leave it out of the request" — different from any value, ``None``
included. The one cattrs converter in ``_converter.py`` owns how they look on the wire.

Response models tolerate what the API may add or leave out: unknown fields are ignored and
optional fields missing from a response are ``None`` (or empty).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Sequence
from typing import Any, Final, Literal, TypeAlias, TypeVar

import attrs

from .errors import ValidationError

__all__ = [
    "UNSET",
    "AssignedLimit",
    "ClientInfo",
    "CostCenter",
    "CostCenterField",
    "CostCentersPage",
    "CreateOrRestoreResult",
    "CreatedDepartment",
    "CreatedUser",
    "Department",
    "DepartmentArchiveResult",
    "DepartmentsPage",
    "Limit",
    "Service",
    "Unset",
    "User",
    "UserCreate",
    "UserPatch",
    "UserUpdate",
    "UsersPage",
]


class _Unset(enum.Enum):
    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET: Final = _Unset.UNSET
"""The value of an optional request field the caller did not set: it is not sent."""

Unset: TypeAlias = Literal[_Unset.UNSET]

_T = TypeVar("_T")


class Service(enum.StrEnum):
    """The services a limit can be assigned for (the create, PUT and PATCH pages)."""

    TAXI = "taxi"
    EATS2 = "eats2"
    GROCERY = "grocery"  # the documents call it outdated: use EATS2
    DRIVE = "drive"
    TANKER = "tanker"
    CARGO = "cargo"
    TRAVEL = "travel"
    SCOOTERS = "scooters"


# ---------------------------------------------------------------------------------------------
# Validation rules. Each raises ValidationError(field, rule) and is shared by every model.

# International format: "+", a country code that does not start with 0, 15 digits at most (E.164).
_PHONE_RE: Final = re.compile(r"\+[1-9][0-9]{6,14}")
# Pragmatic address shape: one "@", no spaces, a dotted domain. The server has the final word.
_EMAIL_RE: Final = re.compile(r"[^@\s]{1,64}@[^@\s.]+(?:\.[^@\s.]+)+")
_EMAIL_MAX: Final = 254  # RFC 5321 path limit
_CONTROL_RE: Final = re.compile(r"[\x00-\x1f\x7f]")
# Control characters, and lone surrogates (a badly decoded file) that cannot go out as UTF-8.
_BAD_CHAR_RE: Final = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")
_SERVICES: Final = ", ".join(service.value for service in Service)


def _check_text(field: str, value: object, *, allow_empty: bool) -> str:
    if not isinstance(value, str):
        raise ValidationError(field, "must be a string", value=value)
    if not allow_empty and not value.strip():
        raise ValidationError(field, "must not be empty", value=value)
    if _BAD_CHAR_RE.search(value):  # one scan on the common path; which rule only on failure
        if _CONTROL_RE.search(value):
            raise ValidationError(field, "must not contain control characters", value=value)
        raise ValidationError(field, "must be valid Unicode text (it holds a lone surrogate)")
    return value


def _text(*, allow_empty: bool) -> Callable[[Any, attrs.Attribute[Any], Any], None]:
    def validate(_: object, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is not UNSET:
            _check_text(attribute.name, value, allow_empty=allow_empty)

    return validate


def _phone(_: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is UNSET:
        return
    _check_text(attribute.name, value, allow_empty=True)
    assert isinstance(value, str)
    if not _PHONE_RE.fullmatch(value):
        raise ValidationError(
            attribute.name,
            "must be in international format: '+', the country code and digits, e.g. +79001234567",
            value=value,
        )


def _email(_: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is UNSET:
        return
    _check_text(attribute.name, value, allow_empty=False)
    assert isinstance(value, str)
    if len(value) > _EMAIL_MAX or not _EMAIL_RE.fullmatch(value):
        raise ValidationError(
            attribute.name, "must be an email address like name@example.com", value=value
        )


def _boolean(_: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not UNSET and not isinstance(value, bool):
        raise ValidationError(attribute.name, "must be a bool (True or False)", value=value)


def _to_service(value: object) -> Service:
    if isinstance(value, Service):
        return value
    if isinstance(value, str):
        try:
            return Service(value)
        except ValueError:
            pass
    raise ValidationError("service", f"must be one of: {_SERVICES}", value=value)


def _to_limits(value: Sequence[Limit] | Unset) -> tuple[Limit, ...] | Unset:
    if value is UNSET:
        return UNSET
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise ValidationError("limits", "must be a list of Limit", value=value)
    for index, item in enumerate(value):
        if not isinstance(item, Limit):
            raise ValidationError(f"limits[{index}]", "must be a Limit", value=item)
    services = [item.service for item in value]
    for index, service in enumerate(services):
        if service in services[:index]:
            raise ValidationError(
                f"limits[{index}].service", f"{service.value!r} is given twice: one limit a service"
            )
    return tuple(value)


# ---------------------------------------------------------------------------------------------
# Requests


@attrs.frozen
class Limit:
    """A previously created spending limit assigned to an employee for one service."""

    limit_id: str = attrs.field(validator=_text(allow_empty=False))
    service: Service = attrs.field(converter=_to_service)


@attrs.frozen(kw_only=True)
class UserCreate:
    """A new employee (``POST /integration/2.0/users``).

    ``fullname`` may be empty; ``phone`` is in international format (``+79001234567``);
    ``cost_centers_id`` is required when creating. Optional fields left :data:`UNSET` are not sent.
    """

    fullname: str = attrs.field(validator=_text(allow_empty=True))
    phone: str = attrs.field(validator=_phone)
    is_active: bool = attrs.field(validator=_boolean)
    cost_centers_id: str = attrs.field(validator=_text(allow_empty=False))
    email: str | Unset = attrs.field(default=UNSET, validator=_email)
    nickname: str | Unset = attrs.field(default=UNSET, validator=_text(allow_empty=True))
    department_id: str | Unset = attrs.field(default=UNSET, validator=_text(allow_empty=False))
    limits: tuple[Limit, ...] | Unset = attrs.field(default=UNSET, converter=_to_limits)


@attrs.frozen(kw_only=True)
class UserUpdate:
    """The full record of an employee for PUT (``PUT /integration/2.0/users?user_id=…``).

    Required fields as for a create; ``is_deleted=False`` restores an archived employee.
    """

    fullname: str = attrs.field(validator=_text(allow_empty=True))
    phone: str = attrs.field(validator=_phone)
    is_active: bool = attrs.field(validator=_boolean)
    cost_centers_id: str = attrs.field(validator=_text(allow_empty=False))
    email: str | Unset = attrs.field(default=UNSET, validator=_email)
    is_deleted: bool | Unset = attrs.field(default=UNSET, validator=_boolean)
    nickname: str | Unset = attrs.field(default=UNSET, validator=_text(allow_empty=True))
    department_id: str | Unset = attrs.field(default=UNSET, validator=_text(allow_empty=False))
    limits: tuple[Limit, ...] | Unset = attrs.field(default=UNSET, converter=_to_limits)


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

    fullname: str | Unset = attrs.field(default=UNSET, validator=_text(allow_empty=True))
    phone: str | Unset = attrs.field(default=UNSET, validator=_phone)
    email: str | Unset = attrs.field(default=UNSET, validator=_email)
    is_active: bool | Unset = attrs.field(default=UNSET, validator=_boolean)
    cost_centers_id: str | Unset = attrs.field(default=UNSET, validator=_text(allow_empty=False))
    is_deleted: bool | Unset = attrs.field(default=UNSET, validator=_boolean)
    nickname: str | Unset = attrs.field(default=UNSET, validator=_text(allow_empty=True))
    department_id: str | Unset = attrs.field(default=UNSET, validator=_text(allow_empty=False))
    limits: tuple[Limit, ...] | Unset = attrs.field(default=UNSET, converter=_to_limits)

    def fields_set(self) -> frozenset[str]:
        """The names of the fields this patch sends."""
        return frozenset(
            field.name
            for field in attrs.fields(UserPatch)
            if getattr(self, field.name) is not UNSET
        )


# ---------------------------------------------------------------------------------------------
# Responses


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
class DepartmentArchiveResult:
    """The ids of every department removed: the one asked for and its whole subtree."""

    deleted_ids: list[str] = attrs.field(factory=list)


@attrs.frozen
class AssignedLimit:
    """A limit as the API reports it: ``service`` is a :class:`Service`, or the raw string
    for a service this library does not know yet (the API grows)."""

    limit_id: str
    service: Service | str


@attrs.frozen(kw_only=True)
class User:
    """An employee as the read calls return it (``GET /integration/2.0/users``).

    Only ``id`` is guaranteed (the English list page names it ``_id``; both are accepted).
    A field the answer leaves out is ``None``.
    """

    id: str
    fullname: str | None = None
    phone: str | None = None
    email: str | None = None
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


@attrs.frozen(kw_only=True)
class Department:
    """A department; ``parent_id`` is None for one attached to the root.

    ``limits`` is the raw per-service budget object of the departments page.
    """

    id: str
    name: str | None = None
    parent_id: str | None = None
    limits: dict[str, object] = attrs.field(factory=dict)


@attrs.frozen(kw_only=True)
class DepartmentsPage:
    """One page of ``GET /integration/2.0/departments/list`` (offset pages)."""

    items: tuple[Department, ...] = ()
    limit: int | None = None
    offset: int | None = None
    total_amount: int | None = None


@attrs.frozen(kw_only=True)
class CreatedDepartment:
    """The answer to a department create (the page names the id ``_id``).

    ``reconciled`` is True when the create's answer was lost and the department was found by
    its name and parent instead of being created again.
    """

    id: str
    reconciled: bool = False


@attrs.frozen(kw_only=True)
class CostCenterField:
    """One field setting of a cost center (what an employee fills in when ordering)."""

    id: str
    title: str | None = None
    hidden: bool | None = None
    required: bool | None = None
    services: tuple[str, ...] = ()
    format: str | None = None
    values: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class CostCenter:
    """A cost center of the client; ``default`` marks the main one."""

    id: str
    name: str | None = None
    default: bool | None = None
    field_settings: tuple[CostCenterField, ...] = ()


@attrs.frozen(kw_only=True)
class CostCentersPage:
    """One page of ``GET /integration/2.0/cost_centers/list``."""

    items: tuple[CostCenter, ...] = ()
    limit: int | None = None
    offset: int | None = None
    total_amount: int | None = None


@attrs.frozen(kw_only=True)
class ClientInfo:
    """A client (company account) the token reaches (``GET /integration/2.0/auth/list``)."""

    client_id: str
    name: str | None = None
    role: str | None = None


def unset_to_none(value: _T | Unset) -> _T | None:
    """``None`` for :data:`UNSET`, the value otherwise."""
    return None if value is UNSET else value
