"""The command line's output pieces on their own: the library's warnings during a run are
capped, retry records are counted rather than shown, and the token never appears."""

from __future__ import annotations

import logging

import pytest

from yandex_b2b_async.cli.output import LogCap


def test_a_run_shows_five_library_warnings_and_counts_the_rest(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Twelve warnings during a run: five lines, then one line counting the seven others."""
    cap = LogCap()
    cap.install()
    try:
        for number in range(12):
            logging.getLogger("yandex_b2b_async.users").warning("row %d reconciled", number)
    finally:
        cap.remove()
    lines = capsys.readouterr().err.splitlines()
    assert lines[:5] == [f"warning: row {n} reconciled" for n in range(5)]
    assert lines[5:] == ["warning: 7 more warnings not shown"]


def test_retry_records_are_left_to_the_summary(capsys: pytest.CaptureFixture[str]) -> None:
    """A give-up logged at WARNING by the retry loop is not a line of its own."""
    cap = LogCap()
    cap.install()
    try:
        logging.getLogger("yandex_b2b_async.retry").warning("giving up on POST /users")
    finally:
        cap.remove()
    assert capsys.readouterr().err == ""


def test_a_warning_holding_the_token_shows_it_hidden(capsys: pytest.CaptureFixture[str]) -> None:
    """The secrets the parser saw are replaced in every warning line."""
    cap = LogCap(secrets=("tok-secret-123",))
    cap.install()
    try:
        logging.getLogger("yandex_b2b_async").warning("sent with tok-secret-123")
    finally:
        cap.remove()
    assert capsys.readouterr().err == "warning: sent with <hidden>\n"


def test_removing_the_cap_restores_the_logger() -> None:
    """After the run the package logger propagates again, at its earlier level."""
    package = logging.getLogger("yandex_b2b_async")
    before = (package.propagate, package.level, list(package.handlers))
    cap = LogCap()
    cap.install()
    cap.remove()
    assert (package.propagate, package.level, list(package.handlers)) == before
