"""Placeholder."""

from __future__ import annotations

from ._common import Result, Settings


async def run(settings: Settings) -> Result | None:
    return None
