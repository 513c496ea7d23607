"""The HR wing: HR files in and out, and the sync of an account to a file.

It stands above the client and uses only its public calls (openai-python's ``lib/`` stands so
beside its resources); the core never imports it at module level. Nothing here prints.

- ``tables``: a file's rows as text, whatever its format (CSV in any common encoding, TSV,
  ``.xlsx``); ``columns``: which column is which field (``ColumnMap``, TOML mapping files);
- ``phones``: phones as people write them; ``names`` and ``resolve``: department, cost center and
  limit names to ids;
- ``rows``: a file's rows as validated ``UserCreate`` records, or user ids; ``duplicates``: keys
  repeated within a file; ``export``: the account's employees written back as a file;
- ``sync``: the plan that makes the account match a file (pure), and its application through the
  bulk engine.
"""

from .columns import ColumnMap
from .export import export_users
from .names import Directory, ResolvedNames
from .phones import normalize_phone
from .resolve import AmbiguousNameError, NameNotFoundError, NameResolver
from .rows import (
    CellError,
    CsvRow,
    FileSnapshot,
    InputFileError,
    RowFilter,
    UsersFileInfo,
    inspect_users_file,
    read_user_ids,
    read_users_csv,
    resolve_file_names,
)
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
    SyncWarning,
)

__all__ = [
    "AmbiguousNameError",
    "ArchiveCapError",
    "CellError",
    "ColumnMap",
    "CsvRow",
    "Directory",
    "FieldChange",
    "FileSnapshot",
    "InputFileError",
    "NameNotFoundError",
    "NameResolver",
    "ResolvedNames",
    "RowFilter",
    "SyncAction",
    "SyncArchive",
    "SyncCreate",
    "SyncKey",
    "SyncPlan",
    "SyncReport",
    "SyncRestore",
    "SyncUpdate",
    "SyncWarning",
    "UsersFileInfo",
    "export_users",
    "inspect_users_file",
    "normalize_phone",
    "read_user_ids",
    "read_users_csv",
    "resolve_file_names",
]
