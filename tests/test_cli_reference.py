"""docs/cli.md's command reference is what the parser says, and every command's help reads
well: one purpose line, examples, no global options repeated, nothing cut mid-word."""

from __future__ import annotations

import io
import re
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from yandex_b2b_async.cli import build_parser, main
from yandex_b2b_async.cli.reference import BEGIN, END, commands_of, reference

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = [(group, verb) for group, verb, _ in commands_of(build_parser())]


def test_the_docs_reference_is_the_parsers() -> None:
    """The part of docs/cli.md between the markers equals the reference made from the parser
    (python -m yandex_b2b_async.cli.reference --write docs/cli.md makes it anew)."""
    page = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    shown = page[page.index(BEGIN) : page.index(END) + len(END) + 1]
    assert shown == reference()


def _help(*words: str) -> str:
    out = io.StringIO()
    with redirect_stdout(out), pytest.raises(SystemExit) as done:
        main([*words, "--help"])
    assert done.value.code == 0
    return out.getvalue()


@pytest.mark.parametrize(("group", "verb"), COMMANDS, ids=[" ".join(c) for c in COMMANDS])
def test_a_commands_help_has_examples_and_no_global_options(group: str, verb: str) -> None:
    """GROUP VERB --help ends with two examples and does not list the global options."""
    text = _help(group, verb)
    examples = text.partition("examples:\n")[2]
    assert len([line for line in examples.splitlines() if line.startswith("  yandex-b2b ")]) >= 2
    assert "--log-json" not in text
    assert "--redis-key" not in text
    assert "%%" not in text


def test_the_top_help_explains_the_global_options_once() -> None:
    """yandex-b2b --help lists the global options and the exit codes."""
    text = _help()
    assert text.count("--redis-key NAME") == 2  # the usage line and the option's own line
    assert "Exit codes: 0" in text


def test_a_long_example_in_help_is_not_cut_mid_word() -> None:
    """users create --help keeps the --columns example's words whole."""
    text = _help("users", "create")
    assert re.search(r"Подразделени\n", text) is None
    assert "phone=Телефон" in text
