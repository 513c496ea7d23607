"""Runs ``benchmarks/bench_sync.py`` (the sync planner's benchmark) when it exists.

That module belongs to the sync work; it exposes an async function returning a dict of figures.
This adapter finds it (``run``, ``bench``, ``bench_sync`` or ``main``), passes ``quick`` when the
function takes it, and turns the dict into rows of the table. Nothing here fails the suite: an
error becomes "not run: …".
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import traceback
from collections.abc import Mapping

from ._common import Figure, Result, Settings

__all__ = ["run"]

TITLE = "8. Sync (benchmarks/bench_sync.py)"
_CANDIDATES = ("run", "bench", "bench_sync", "main")


async def run(settings: Settings) -> Result | None:
    """The sync benchmark's figures, or None when ``bench_sync.py`` does not exist."""
    if importlib.util.find_spec("benchmarks.bench_sync") is None:
        return None
    result = Result(key="sync", title=TITLE)
    try:
        module = importlib.import_module("benchmarks.bench_sync")
        function = next(
            (
                getattr(module, name)
                for name in _CANDIDATES
                if inspect.iscoroutinefunction(getattr(module, name, None))
            ),
            None,
        )
        if function is None:
            result.not_run = f"bench_sync.py has no async function named one of {_CANDIDATES}"
            return result
        parameters = inspect.signature(function).parameters
        kwargs: dict[str, object] = {}
        if "quick" in parameters:
            kwargs["quick"] = settings.quick
        elif "settings" in parameters:
            kwargs["settings"] = settings
        figures = await function(**kwargs)
    except Exception as exc:
        traceback.print_exc()
        result.not_run = f"failed: {type(exc).__name__}: {exc}"
        return result
    if not isinstance(figures, Mapping):
        result.not_run = f"bench_sync returned {type(figures).__name__}, not a dict"
        return result
    result.details = dict(figures)
    for name, value in figures.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            result.add(Figure(name=str(name), value=None, claim=False, note=str(value)[:80]))
        else:
            result.add(Figure(name=str(name), value=round(value, 3), claim=False))
    return result
