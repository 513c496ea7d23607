"""Request and response models: attrs classes with validators, and no wire-format code.

One module per group of the documents (``users``, ``departments``, ``cost_centers``, ``auth``,
…); ``_common`` holds what they share. Every name is importable from here and from
:mod:`yandex_b2b_async`.
"""

from .._types import UNSET, Unset, unset_to_none
from ._common import AssignedLimit, Limit, Service
from .auth import ClientInfo
from .cost_centers import (
    CostCenter,
    CostCenterCreate,
    CostCenterField,
    CostCenterFieldSetting,
    CostCentersPage,
    CostCenterUpdate,
    CreatedCostCenter,
)
from .departments import (
    CreatedDepartment,
    Department,
    DepartmentArchiveResult,
    DepartmentBudget,
    DepartmentsPage,
)
from .geo_restrictions import (
    CreatedGeoRestriction,
    GeoArea,
    GeoCircle,
    GeoRestriction,
    GeoRestrictionCreate,
    GeoRestrictionsPage,
)
from .limits import (
    CostLimit,
    CountLimit,
    GeoRule,
    GeoRuleInfo,
    LimitCounters,
    LimitInfo,
    LimitRules,
    LimitsPage,
    LimitValue,
    LimitValues,
    PersonalLimit,
    TimeRestriction,
    TimeRestrictionInfo,
    TimeRestrictionType,
    Weekday,
)
from .managers import (
    CreatedManager,
    Manager,
    ManagerCreate,
    ManagerRole,
    ManagersPage,
    ManagerUpdate,
)
from .spending import LimitSpending, SpendingDetails, UserSpending
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
    "CostCenterCreate",
    "CostCenterField",
    "CostCenterFieldSetting",
    "CostCenterUpdate",
    "CostCentersPage",
    "CostLimit",
    "CountLimit",
    "CreateOrRestoreResult",
    "CreatedCostCenter",
    "CreatedDepartment",
    "CreatedGeoRestriction",
    "CreatedManager",
    "CreatedUser",
    "Department",
    "DepartmentArchiveResult",
    "DepartmentBudget",
    "DepartmentsPage",
    "GeoArea",
    "GeoCircle",
    "GeoRestriction",
    "GeoRestrictionCreate",
    "GeoRestrictionsPage",
    "GeoRule",
    "GeoRuleInfo",
    "Limit",
    "LimitCounters",
    "LimitInfo",
    "LimitRules",
    "LimitSpending",
    "LimitValue",
    "LimitValues",
    "LimitsPage",
    "Manager",
    "ManagerCreate",
    "ManagerRole",
    "ManagerUpdate",
    "ManagersPage",
    "PersonalLimit",
    "Service",
    "SpendingDetails",
    "TimeRestriction",
    "TimeRestrictionInfo",
    "TimeRestrictionType",
    "Unset",
    "User",
    "UserCreate",
    "UserPatch",
    "UserSpending",
    "UserUpdate",
    "UsersPage",
    "Weekday",
    "unset_to_none",
]
