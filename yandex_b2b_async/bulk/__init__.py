"""Bulk jobs: one async call over many inputs, with a report, a journal and stop rules.

- :mod:`.operation` — :class:`BulkOperation` (an operation described as data) and the
  :func:`bulk` / :func:`bulk_stream` shortcuts for a bare call;
- :mod:`.options` — :class:`BulkOptions`, the run options every bulk form takes;
- :mod:`.engine` — laziness, the concurrency bound, cancellation, the stop rules, the final
  pass;
- :mod:`.report` — :class:`BulkItem`, :class:`BulkReport`, :class:`BulkProgress`,
  :class:`BulkStop` and the errors an item can end with;
- :mod:`.journal` — the JSON-lines journal that lets a rerun resume.

Every call goes through the client it belongs to, so the client's rate limit and retry policy
apply to each of them::

    report = await bulk(client.departments.archive, department_ids, concurrency=4)
"""

from .journal import (
    JobBinding,
    Journal,
    JournalFile,
    JournalMismatchError,
    JournalPath,
    check_binding,
    input_key,
)
from .operation import BulkOperation, bulk, bulk_stream
from .options import BulkOptions
from .report import (
    NOT_ATTEMPTED,
    BulkItem,
    BulkProgress,
    BulkReport,
    BulkStop,
    ErrorSummary,
    ItemCancelledError,
    NotAttemptedError,
    StopKind,
    error_summary,
)

__all__ = [
    "NOT_ATTEMPTED",
    "BulkItem",
    "BulkOperation",
    "BulkOptions",
    "BulkProgress",
    "BulkReport",
    "BulkStop",
    "ErrorSummary",
    "ItemCancelledError",
    "JobBinding",
    "Journal",
    "JournalFile",
    "JournalMismatchError",
    "JournalPath",
    "NotAttemptedError",
    "StopKind",
    "bulk",
    "bulk_stream",
    "check_binding",
    "error_summary",
    "input_key",
]
