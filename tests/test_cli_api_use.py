"""The API verbs as an administrator meets them: piped into ``head``, copied from their own
help, pointed at one employee, written to a workbook for accounting. Run through the real entry
point against the sandbox over loopback sockets (a subprocess where the pipe itself matters)."""

from __future__ import annotations

import os
import subprocess
import sys

ZONE = ["zones", "info", "--lat", "55.73", "--lon", "37.64"]


def test_a_listing_into_a_closed_pipe_ends_quietly() -> None:
    """A reader that stops early (`| head`) ends the command with exit 0 and nothing on stderr."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first line
    try:
        process = subprocess.run(
            [sys.executable, "-m", "yandex_b2b_async", "--sandbox", *ZONE, "--format", "jsonl"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        os.close(write_end)
    assert (process.returncode, process.stderr) == (0, "")
