"""Typed asyncio client for the Yandex Go for Business integration API 2.0.

Manage a company's employees and departments: create, edit, archive and restore them one by
one or in bulk, with validation before sending, typed errors, retries and client-side pacing.
``yandex_b2b_async.sandbox`` holds an in-memory emulator of the API for tests.
"""

from ._client import B2BClient
from ._columns import ColumnMap
from ._csv import (
    CsvRow,
    InputFileError,
    UsersFileInfo,
    inspect_users_file,
    read_user_ids,
    read_users_csv,
)
from ._export import export_users
from ._names import Directory
from ._phones import normalize_phone
from ._transport import AsyncTransport
from ._types import NOT_GIVEN, NotGiven
from .bulk import (
    BulkItem,
    BulkProgress,
    BulkReport,
    ItemCancelledError,
    bulk,
    bulk_stream,
)
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
from .pacing import Pacer, RateLimit
from .retries import GiveUpReason, RetryBudget, RetryEvent, RetryOption, RetryPolicy
from .sync import (
    ArchiveCapError,
    FieldChange,
    SyncAction,
    SyncArchive,
    SyncCreate,
    SyncKey,
    SyncPlan,
    SyncReport,
    SyncRestore,
    SyncUpdate,
)

__version__ = "0.1.0"

__all__ = [
    "NOT_GIVEN",
    "UNSET",
    "APIError",
    "ArchiveCapError",
    "AssignedLimit",
    "AsyncTransport",
    "AuthenticationError",
    "B2BClient",
    "B2BError",
    "BadRequestError",
    "BulkItem",
    "BulkProgress",
    "BulkReport",
    "ClientClosedError",
    "ClientInfo",
    "ColumnMap",
    "ConflictError",
    "CostCenter",
    "CostCenterField",
    "CostCentersPage",
    "CreateOrRestoreResult",
    "CreatedDepartment",
    "CreatedUser",
    "CsvRow",
    "Department",
    "DepartmentArchiveResult",
    "DepartmentsPage",
    "Directory",
    "FieldChange",
    "GiveUpReason",
    "InputFileError",
    "InvalidResponseError",
    "ItemCancelledError",
    "Limit",
    "NotFoundError",
    "NotGiven",
    "Pacer",
    "PermissionDeniedError",
    "RateLimit",
    "RateLimitError",
    "RetryBudget",
    "RetryEvent",
    "RetryOption",
    "RetryPolicy",
    "ServerError",
    "Service",
    "SyncAction",
    "SyncArchive",
    "SyncCreate",
    "SyncKey",
    "SyncPlan",
    "SyncReport",
    "SyncRestore",
    "SyncUpdate",
    "TransportError",
    "Unset",
    "User",
    "UserCreate",
    "UserIsDeletedError",
    "UserPatch",
    "UserUpdate",
    "UsersFileInfo",
    "UsersPage",
    "ValidationError",
    "__version__",
    "bulk",
    "bulk_stream",
    "export_users",
    "inspect_users_file",
    "normalize_phone",
    "read_user_ids",
    "read_users_csv",
]
