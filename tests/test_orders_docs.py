"""The examples of docs/orders.md run as they are, against the sandbox."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

PAGE = Path(__file__).resolve().parent.parent / "docs" / "orders.md"
BLOCKS = re.findall(r"```python\n(.*?)```", PAGE.read_text(encoding="utf-8"), flags=re.S)


def test_the_page_has_examples() -> None:
    """The orders page shows runnable examples."""
    assert len(BLOCKS) >= 5


@pytest.mark.parametrize("source", BLOCKS, ids=[f"block-{i}" for i in range(len(BLOCKS))])
def test_an_example_of_the_orders_page_runs(source: str) -> None:
    """Each Python block of docs/orders.md runs to its end without an error."""
    exec(compile(source, str(PAGE), "exec"), {"__name__": "__docs__"})
