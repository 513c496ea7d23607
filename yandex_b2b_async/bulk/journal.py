"""The bulk journal: an append-only JSON-lines record of finished items, so a rerun skips
what succeeded and recognises what may have been done although its answer was lost.

One line per finished item: ``{"op", "key", "index", "ok", "id"?, "error"?,
"unknown_outcome"?}``. ``op`` names the operation (a journal may hold several kinds of run);
``key`` the input (:func:`input_key`). Each line is written whole and flushed as its item
ends, so a crash loses at most the line being written; a torn last line is ignored when the
journal is read back. The journal knows nothing of HTTP beyond :func:`outcome_unknown`.

A journal may be bound to one job (:class:`JobBinding`: the operation, the content of the
input file and the options that change what is sent): opened through a :class:`JournalFile`,
its first line records the binding, and a journal bound to another job is refused
(:class:`JournalMismatchError`) before anything is read or sent — an old journal reused for
another file would otherwise "skip" rows it recorded for the first one.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from typing import IO

import attrs

from .._converter import unstructure
from ..errors import B2BError, ServerError, TransportError
from .lease import FileLease
from .report import BulkItem, ItemCancelledError, error_summary

__all__ = [
    "JobBinding",
    "Journal",
    "JournalFile",
    "JournalMismatchError",
    "JournalPath",
    "input_key",
    "outcome_unknown",
]

JournalPath = str | os.PathLike[str]


def _digest(value: object) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


@attrs.frozen(kw_only=True)
class JobBinding:
    """The job a journal belongs to: the ``operation``, the SHA-256 of the input's
    ``content`` and a hash of the ``options`` that change what is sent."""

    operation: str
    content: str
    options: str

    @classmethod
    def of(cls, operation: str, content: str, options: Mapping[str, object]) -> JobBinding:
        """The binding of a job; ``options`` is plain (JSON-ready) data, hashed."""
        return cls(operation=operation, content=content, options=_digest(dict(options)))

    def differences(self, other: JobBinding) -> list[str]:
        """What differs from ``other``, in words."""
        found = []
        if self.operation != other.operation:
            found.append(f"another command ({other.operation}, not {self.operation})")
        if self.content != other.content:
            found.append("another file, or this file with other content")
        if self.options != other.options:
            found.append("other options (columns, encoding, sheet, --where, --key, …)")
        return found


def _fspath(path: JournalPath) -> str:
    return os.fspath(path)


@attrs.frozen
class JournalFile:
    """A journal path bound to a job: pass it as ``journal=`` so that the journal refuses
    another job (see the module). ``os.fspath`` gives the path."""

    path: str = attrs.field(converter=_fspath)
    job: JobBinding

    def __fspath__(self) -> str:
        return self.path


class JournalMismatchError(B2BError):
    """The journal at ``path`` was written for another job (see ``differences``): nothing was
    sent. A journal belongs to one file and one set of options."""

    def __init__(self, path: str, differences: list[str]) -> None:
        self.path = path
        self.differences = differences
        super().__init__(
            f"the journal {path} belongs to another job: it was written for "
            + " and ".join(differences)
            + "; nothing was sent. Resume with the file and options it was written for, or "
            "give this job a new --journal"
        )


def check_binding(path: JournalPath, job: JobBinding) -> None:
    """Refuse the journal at ``path`` when it belongs to a job other than ``job``
    (:class:`JournalMismatchError`); a journal that does not exist yet, or is empty, is
    fine. Reads the file only."""
    name = os.fspath(path)
    try:
        with open(name, encoding="utf-8", newline="") as existing:
            first = existing.readline()
    except FileNotFoundError:
        return
    if not first.strip():
        return
    found = _binding_of(first)
    if found is None:
        raise JournalMismatchError(
            name, ["a job that did not record its file (an older version, or another tool)"]
        )
    differences = job.differences(found)
    if differences:
        raise JournalMismatchError(name, differences)


def _binding_of(line: str) -> JobBinding | None:
    try:
        record = json.loads(line)
    except ValueError:
        return None
    job = record.get("job") if isinstance(record, dict) else None
    if not isinstance(job, dict) or not all(
        isinstance(job.get(key), str) for key in ("operation", "content", "options")
    ):
        return None
    return JobBinding(operation=job["operation"], content=job["content"], options=job["options"])


def input_key(value: object) -> str:
    """The journal key of an input: the input itself for a string, else a hash of its content.

    Request models are hashed on their wire form (canonical JSON), so an input that is edited
    between runs is a new input and is sent again, while reordering the inputs changes nothing.
    """
    if isinstance(value, str):
        return value
    try:
        wire: object = unstructure(value)
    except Exception:  # not a model: fall back to its repr, stable for plain data
        wire = repr(value)
    text = json.dumps(wire, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def outcome_unknown(error: BaseException) -> bool:
    """Whether a failed call may have been carried out by the server all the same."""
    if isinstance(error, ItemCancelledError) or (
        isinstance(error, B2BError) and error.after_unknown_outcome
    ):
        return True
    if isinstance(error, TransportError):
        return error.sent
    return isinstance(error, ServerError)


class Journal:
    """The journal file of one operation: what earlier runs finished, and appending to it.

    ``done`` maps the keys of inputs that succeeded to the id they produced; ``unsure`` holds
    the keys whose last call failed in a way the server may have carried out. Opening claims
    the journal for this run (:class:`~yandex_b2b_async.errors.JournalInUseError`, naming the
    owner's pid and host, while another live run holds it; an owner that is gone is taken
    over: see :mod:`yandex_b2b_async.bulk.lease`), reads the file (if any) and opens it for
    appending; :meth:`close` closes it and gives the journal up.
    """

    def __init__(self, path: JournalPath, operation: str) -> None:
        self._operation = operation
        self.done: dict[str, str | None] = {}
        self.unsure: set[str] = set()
        self._file: IO[str] | None = None
        self.path = os.fspath(path)
        job = path.job if isinstance(path, JournalFile) else None
        # Opened first, so that a path that cannot be written is named as the journal's; then
        # claimed (another run using it is refused before anything is read or sent).
        file = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 closed in close()
        try:
            self._lease: FileLease | None = FileLease.claim(self.path)
        except BaseException:
            file.close()
            raise
        self._file = file
        if job is not None:
            try:
                check_binding(self.path, job)
            except BaseException:
                self.close()
                raise
        needs_newline = False
        with open(self.path, encoding="utf-8", newline="") as existing:
            last = ""
            for last in existing:
                self._load(last)
            needs_newline = bool(last) and not last.endswith("\n")
        if needs_newline:
            self._file.write("\n")
        if job is not None and os.path.getsize(self.path) == 0:
            self._file.write(json.dumps({"job": attrs.asdict(job)}) + "\n")
            self._file.flush()

    def _load(self, line: str) -> None:
        try:
            record = json.loads(line)
        except ValueError:
            return  # a line torn by a crash
        if (
            not isinstance(record, dict)
            or record.get("op") != self._operation
            or not isinstance(record.get("key"), str)
        ):
            return
        key = record["key"]
        if record.get("ok") is True:
            found = record.get("id")
            self.done[key] = found if isinstance(found, str) else None
            self.unsure.discard(key)
        elif record.get("unknown_outcome") is True and key not in self.done:
            self.unsure.add(key)

    def record(self, key: str, item: BulkItem[object, object]) -> None:
        """Append the item's outcome under ``key`` and flush it."""
        entry: dict[str, object] = {
            "op": self._operation,
            "key": key,
            "index": item.index,
            "ok": item.error is None,
        }
        if item.id is not None:
            entry["id"] = item.id
        if item.error is not None:
            entry["error"] = error_summary(item.error)
            if outcome_unknown(item.error):
                entry["unknown_outcome"] = True
        assert self._file is not None
        self._file.write(json.dumps(entry, ensure_ascii=False) + "\n")
        self._file.flush()

    def close(self) -> None:
        """Close the file and give up its ownership (idempotent)."""
        if self._file is not None:
            self._file.close()
            self._file = None
        lease, self._lease = self._lease, None
        if lease is not None:
            lease.release()
