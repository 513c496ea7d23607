"""Typed asyncio client for the Yandex Go for Business integration API 2.0.

Manage a company's employees and departments: create, edit, archive and restore them one by
one or in bulk, with validation before sending, typed errors, retries and client-side pacing.
``yandex_b2b_async.sandbox`` holds an in-memory emulator of the API for tests.
"""

from ._client import NOT_GIVEN, B2BClient, NotGiven
from .errors import (
    APIError,
    AuthenticationError,
    B2BError,
    BadRequestError,
    ClientClosedError,
    ConflictError,
    InvalidResponseError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    TransportError,
    UserIsDeletedError,
    ValidationError,
)
from .models import (
    UNSET,
    AssignedLimit,
    ClientInfo,
    CostCenter,
    CostCenterField,
    CostCentersPage,
    CreatedDepartment,
    CreatedUser,
    CreateOrRestoreResult,
    Department,
    DepartmentArchiveResult,
    DepartmentsPage,
    Limit,
    Service,
    Unset,
    User,
    UserCreate,
    UserPatch,
    UsersPage,
    UserUpdate,
)
from .ratelimit import Pacer, RateLimit
from .retry import RetryPolicy

__version__ = "0.1.0"

__all__ = [
    "NOT_GIVEN",
    "UNSET",
    "APIError",
    "AssignedLimit",
    "AuthenticationError",
    "B2BClient",
    "B2BError",
    "BadRequestError",
    "ClientClosedError",
    "ClientInfo",
    "ConflictError",
    "CostCenter",
    "CostCenterField",
    "CostCentersPage",
    "CreateOrRestoreResult",
    "CreatedDepartment",
    "CreatedUser",
    "Department",
    "DepartmentArchiveResult",
    "DepartmentsPage",
    "InvalidResponseError",
    "Limit",
    "NotFoundError",
    "NotGiven",
    "Pacer",
    "PermissionDeniedError",
    "RateLimit",
    "RateLimitError",
    "RetryPolicy",
    "ServerError",
    "Service",
    "TransportError",
    "Unset",
    "User",
    "UserCreate",
    "UserIsDeletedError",
    "UserPatch",
    "UserUpdate",
    "UsersPage",
    "ValidationError",
    "__version__",
]
