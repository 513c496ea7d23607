"""Ownership of a file by one run at a time: a lease recorded beside it in ``PATH.owner``.

The bulk journal is claimed with :meth:`FileLease.claim` when it is opened and released when it
is closed, so that two runs never append to (and act on) one journal at once. The owner file
holds ``{"pid", "host", "since", "until", "nonce"}``; the claiming process keeps it open with an
exclusive ``flock`` and renews ``until`` every third of the lease from a daemon thread (a run
waiting on the pacer for minutes still renews).

A claim is refused with :class:`~yandex_b2b_async.errors.JournalInUseError` (naming the owner's
pid and host) when the lock is held — a live process on this host, or on another host where
the filesystem shares locks — or when another host's lease has not ended. It takes the file
over when the owner is gone: a dead process on this host (the kernel released its lock), or an
other host's lease past its end (that host crashed, or lost its network). A suspended owner
that wakes after its lease ended finds the file taken and says so in the log.

Nothing here reads or writes the journal itself, and a journal of an older version (no owner
file) is simply claimed.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import threading
import time
import uuid
from typing import Final

from .._constants import JOURNAL_LEASE_SECONDS
from ..errors import JournalInUseError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: leases only
    fcntl = None  # type: ignore[assignment]

__all__ = ["FileLease", "owner_path"]

logger: Final = logging.getLogger("yandex_b2b_async.bulk")

_SUFFIX: Final = ".owner"


def owner_path(path: str) -> str:
    """Where the lease of ``path`` is recorded."""
    return path + _SUFFIX


class FileLease:
    """A held claim on ``path`` (see the module doc); :meth:`release` gives it up."""

    def __init__(self, path: str, fd: int, record: dict[str, object], seconds: float) -> None:
        self.path: Final = path
        self._fd: int | None = fd
        self._record = record
        self._seconds = seconds
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self.lost = False
        self._renewer = threading.Thread(
            target=self._renew_loop, name=f"lease {os.path.basename(path)}", daemon=True
        )
        self._renewer.start()

    @classmethod
    def claim(cls, path: str, *, seconds: float = JOURNAL_LEASE_SECONDS) -> FileLease:
        """Take ``path`` for this run, or raise :class:`JournalInUseError` naming its owner."""
        where = owner_path(path)
        host = socket.gethostname()
        while True:
            fd = os.open(where, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                if not _lock(fd):
                    raise _in_use(path, _read(fd), lease_only=False)
                if not _same_file(fd, where):
                    os.close(fd)  # released and removed while we waited: claim the new one
                    continue
                holder = _read(fd)
                if holder is not None and _alive_elsewhere(holder, host):
                    raise _in_use(path, holder, lease_only=True)
                if holder is not None:
                    logger.warning(
                        "journal %s: taking it over from pid %s on %s, which is gone",
                        path,
                        holder.get("pid"),
                        holder.get("host"),
                    )
                now = time.time()
                record: dict[str, object] = {
                    "pid": os.getpid(),
                    "host": host,
                    "since": now,
                    "until": now + seconds,
                    "nonce": uuid.uuid4().hex,
                }
                _write(fd, record)
            except BaseException:
                os.close(fd)
                raise
            return cls(path, fd, record, seconds)

    def release(self) -> None:
        """Give the file up (idempotent): remove the owner file and drop the lock."""
        self._stop.set()
        with self._lock:
            fd, self._fd = self._fd, None
            if fd is None:
                return
            try:
                if not self.lost and _same_file(fd, owner_path(self.path)):
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(owner_path(self.path))
            finally:
                os.close(fd)
        if self._renewer is not threading.current_thread():
            self._renewer.join(timeout=1.0)

    def _renew_loop(self) -> None:
        while not self._stop.wait(self._seconds / 3):
            with self._lock:
                fd = self._fd
                if fd is None:
                    return
                current = _read(fd)
                if current is not None and current.get("nonce") != self._record["nonce"]:
                    self.lost = True
                    logger.error(
                        "journal %s: pid %s on %s took it over while this run was suspended "
                        "past its lease; stop one of the runs",
                        self.path,
                        current.get("pid"),
                        current.get("host"),
                    )
                    return
                self._record["until"] = time.time() + self._seconds
                try:
                    _write(fd, self._record)
                except OSError as exc:
                    logger.warning("journal %s: could not renew its lease: %s", self.path, exc)


def _lock(fd: int) -> bool:
    if fcntl is None:  # pragma: no cover
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _same_file(fd: int, where: str) -> bool:
    """Whether ``fd`` is still the file at ``where`` (a releasing owner removes it)."""
    try:
        return os.stat(where).st_ino == os.fstat(fd).st_ino
    except FileNotFoundError:
        return False


def _read(fd: int) -> dict[str, object] | None:
    os.lseek(fd, 0, os.SEEK_SET)
    data = b""
    while piece := os.read(fd, 65536):
        data += piece
    try:
        record = json.loads(data)
    except ValueError:
        return None  # empty, or torn by a crash mid-write: nobody holds it
    return record if isinstance(record, dict) else None


def _write(fd: int, record: dict[str, object]) -> None:
    data = json.dumps(record).encode()
    os.lseek(fd, 0, os.SEEK_SET)
    os.ftruncate(fd, 0)
    os.write(fd, data)
    os.fsync(fd)


def _alive_elsewhere(holder: dict[str, object], host: str) -> bool:
    """Whether a holder whose lock is free may still be running: only another host's, within
    its lease (on this host a free lock means the holder is gone, whatever its pid now is)."""
    if holder.get("host") == host:
        return False
    until = holder.get("until")
    return isinstance(until, int | float) and until > time.time()


def _in_use(path: str, holder: dict[str, object] | None, *, lease_only: bool) -> JournalInUseError:
    if holder is None:
        return JournalInUseError(
            path, pid=None, host=None, detail="another run is opening it; try again"
        )
    pid, host = holder.get("pid"), holder.get("host")
    since, until = holder.get("since"), holder.get("until")
    detail = f"another run owns it: pid {pid} on host {host}"
    if isinstance(since, int | float):
        detail += f", since {_clock(since)}"
    detail += "; wait for that run to end, or use another journal"
    if lease_only and isinstance(until, int | float):
        detail += f" (if that run is gone, its lease ends at {_clock(until)})"
    return JournalInUseError(
        path,
        pid=pid if isinstance(pid, int) else None,
        host=host if isinstance(host, str) else None,
        detail=detail,
    )


def _clock(moment: float) -> str:
    return time.strftime("%H:%M:%S UTC", time.gmtime(moment))
