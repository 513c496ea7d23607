"""Every Python block of docs/admin.md and the README's administration section runs as written
against the sandbox."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


def _blocks() -> list[tuple[str, str]]:
    found = [
        (f"docs/admin.md#{index}", code)
        for index, code in enumerate(_BLOCK.findall((ROOT / "docs" / "admin.md").read_text()))
    ]
    readme = (ROOT / "README.md").read_text()
    start = readme.index("## Limits, cost centers, budgets, roles and areas")
    section = readme[start : readme.index("\n## ", start + 1)]
    found += [(f"README#admin{index}", code) for index, code in enumerate(_BLOCK.findall(section))]
    return found


@pytest.mark.parametrize(("where", "code"), _blocks(), ids=[where for where, _ in _blocks()])
def test_the_example_runs(where: str, code: str) -> None:
    """The block runs to its end without an error or a failed assertion."""
    exec(compile(code, where, "exec"), {"__name__": "__example__"})
