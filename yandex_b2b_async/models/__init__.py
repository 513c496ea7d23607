"""Request and response models: attrs classes with validators, and no wire-format code.

One module per group of the documents (``users``, ``departments``, ``cost_centers``, ``auth``,
…); ``_common`` holds what they share. Every name is importable from here and from
:mod:`yandex_b2b_async`.
"""

from .._types import UNSET, Unset, unset_to_none
from ._common import AssignedLimit, Limit, Service
from .auth import ClientInfo
from .cost_centers import CostCenter, CostCenterField, CostCentersPage
from .departments import CreatedDepartment, Department, DepartmentArchiveResult, DepartmentsPage
from .users import (
    CreatedUser,
    CreateOrRestoreResult,
    User,
    UserCreate,
    UserPatch,
    UsersPage,
    UserUpdate,
)

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
    "unset_to_none",
]
