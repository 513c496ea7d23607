"""Fixtures of the SDK tests: a default sandbox, and Yandex's SDK client pointed at it.

A module overrides ``sandbox`` to test another kind (``test_strict_sdk.py``: both modes);
``client`` then talks to that one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from yandex_b2b_async.sandbox import Sandbox


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    """A default sandbox: not strict, its clock stopped."""
    async with Sandbox() as sandbox:
        yield sandbox


@pytest.fixture
async def client(sandbox: Sandbox) -> AsyncIterator[Any]:
    """The SDK's client with its host pointed at the sandbox (the SDK has no option for it)."""
    sdk: Any = pytest.importorskip("yandex_b2b_go")
    client = sdk.Client(sandbox.token)
    client._base_url = f"{sandbox.url}/integration/2.0/"
    try:
        yield client
    finally:
        await client.__aexit__(None, None, None)
