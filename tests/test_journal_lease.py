"""Journal ownership: one run at a time, a refusal naming the owner, stale owners taken over."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from yandex_b2b_async import B2BClient, JournalInUseError
from yandex_b2b_async.bulk.journal import Journal
from yandex_b2b_async.bulk.lease import FileLease, owner_path
from yandex_b2b_async.sandbox import Sandbox

_HOLDER = textwrap.dedent(
    """
    import sys
    from yandex_b2b_async.bulk.lease import FileLease
    lease = FileLease.claim(sys.argv[1])
    print("claimed", flush=True)
    sys.stdin.read()
    lease.release()
    """
)


@pytest.fixture
def journal(tmp_path: Path) -> str:
    return str(tmp_path / "run.journal")


@pytest.fixture
def holder(journal: str) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the journal until its stdin closes."""
    process = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, journal],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "claimed"
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                stream.close()


def write_owner(journal: str, *, host: str, until: float, pid: int = 4242) -> None:
    record = {"pid": pid, "host": host, "since": until - 30, "until": until, "nonce": "theirs"}
    Path(owner_path(journal)).write_text(json.dumps(record))


def test_a_journal_in_use_by_another_process_is_refused_naming_it(
    journal: str, holder: subprocess.Popen[str]
) -> None:
    """A second run opening a journal in use is refused with the owner's pid and host."""
    with pytest.raises(JournalInUseError) as caught:
        FileLease.claim(journal)
    assert caught.value.pid == holder.pid
    assert caught.value.host == socket.gethostname()
    assert f"pid {holder.pid} on host {socket.gethostname()}" in str(caught.value)


def test_the_journal_of_a_dead_process_is_taken_over(
    journal: str, holder: subprocess.Popen[str]
) -> None:
    """Once the owner process is gone (killed, not released), the next run takes the journal."""
    holder.kill()
    holder.wait()
    lease = FileLease.claim(journal)
    lease.release()


def test_the_journal_is_free_again_after_its_run_ends(journal: str) -> None:
    """Releasing removes the owner file, and a later run claims the journal."""
    first = FileLease.claim(journal)
    first.release()
    assert not os.path.exists(owner_path(journal))
    second = FileLease.claim(journal)
    second.release()


def test_one_process_cannot_run_a_journal_twice_at_once(journal: str) -> None:
    """Two runs of the same process on one journal are refused too."""
    lease = FileLease.claim(journal)
    try:
        with pytest.raises(JournalInUseError):
            FileLease.claim(journal)
    finally:
        lease.release()


def test_another_hosts_live_lease_is_respected(journal: str) -> None:
    """A lease written by another host that has not ended refuses the claim, naming that host."""
    write_owner(journal, host="worker-2.example", until=time.time() + 20)
    with pytest.raises(JournalInUseError) as caught:
        FileLease.claim(journal)
    assert caught.value.host == "worker-2.example"
    assert caught.value.pid == 4242
    assert "lease ends at" in str(caught.value)


def test_another_hosts_expired_lease_is_taken_over(journal: str) -> None:
    """A lease past its end (its host crashed) is taken over."""
    write_owner(journal, host="worker-2.example", until=time.time() - 1)
    lease = FileLease.claim(journal)
    try:
        record = json.loads(Path(owner_path(journal)).read_text())
        assert record["pid"] == os.getpid()
        assert record["host"] == socket.gethostname()
    finally:
        lease.release()


def test_a_dead_pid_recorded_on_this_host_is_taken_over(journal: str) -> None:
    """An owner file left by a crashed run on this host (lock gone) does not block the next."""
    write_owner(journal, host=socket.gethostname(), until=time.time() + 20)
    lease = FileLease.claim(journal)
    lease.release()


def test_the_lease_is_renewed_while_the_run_goes_on(journal: str) -> None:
    """A long run keeps moving its lease's end forward."""
    lease = FileLease.claim(journal, seconds=0.3)
    try:
        first = json.loads(Path(owner_path(journal)).read_text())["until"]
        time.sleep(0.35)
        later = json.loads(Path(owner_path(journal)).read_text())["until"]
        assert later > first
    finally:
        lease.release()


def test_a_run_whose_lease_was_taken_over_notices(journal: str) -> None:
    """A run that finds another owner in its file stops renewing and reports it as lost."""
    lease = FileLease.claim(journal, seconds=0.3)
    try:
        write_owner(journal, host="worker-2.example", until=time.time() + 20)
        time.sleep(0.35)
        assert lease.lost
        assert json.loads(Path(owner_path(journal)).read_text())["nonce"] == "theirs"
    finally:
        lease.release()


async def test_a_bulk_run_on_a_journal_in_use_sends_nothing(
    journal: str, holder: subprocess.Popen[str], b2b_sandbox: Sandbox
) -> None:
    """bulk(..., journal=PATH) while another process owns PATH fails before any call."""
    user_id = b2b_sandbox.add_user(phone="+79990007766")
    async with B2BClient(b2b_sandbox.token, base_url=b2b_sandbox.url) as client:
        with pytest.raises(JournalInUseError) as caught:
            await client.users.bulk_archive([user_id], journal=journal)
    assert caught.value.pid == holder.pid
    assert b2b_sandbox.stats.requests == 0


def test_an_old_journal_without_an_owner_file_is_read_and_claimed(tmp_path: Path) -> None:
    """A journal written before ownership existed is read as before and claimed."""
    path = tmp_path / "old.journal"
    path.write_text('{"op": "users.archive", "key": "u1", "index": 0, "ok": true, "id": "u1"}\n')
    opened = Journal(str(path), "users.archive")
    try:
        assert opened.done == {"u1": "u1"}
        assert os.path.exists(owner_path(str(path)))
    finally:
        opened.close()
    assert not os.path.exists(owner_path(str(path)))
