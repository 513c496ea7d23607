"""The two paging loops of the API 2.0: offset pages and cursor pages.

A resource's listing is ``fetch`` (one page) plus one of these loops; neither sends anything
itself. Offset lists (departments, cost centers, limits, …) end on an empty page or at
``total_amount``; cursor lists (employees, orders, …) end when ``next_cursor`` is empty, and a
cursor answered twice is a paging loop, reported instead of followed forever.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Protocol, TypeVar

from .errors import InvalidResponseError

__all__ = ["CursorPage", "OffsetPage", "cursor_pages", "offset_items"]

_Item = TypeVar("_Item")
_Item_co = TypeVar("_Item_co", covariant=True)
_Page = TypeVar("_Page", bound="CursorPage[object]")


class OffsetPage(Protocol[_Item_co]):
    """A page of an offset-paged list."""

    @property
    def items(self) -> tuple[_Item_co, ...]: ...

    @property
    def total_amount(self) -> int | None: ...


class CursorPage(Protocol[_Item_co]):
    """A page of a cursor-paged list."""

    @property
    def items(self) -> tuple[_Item_co, ...]: ...

    @property
    def next_cursor(self) -> str | None: ...


async def offset_items(
    fetch: Callable[[int], Awaitable[OffsetPage[_Item]]],
) -> AsyncIterator[_Item]:
    """Every item of an offset-paged list: ``fetch(offset)`` until an empty page or the total."""
    offset = 0
    while True:
        page = await fetch(offset)
        for item in page.items:
            yield item
        offset += len(page.items)
        if not page.items or (page.total_amount is not None and offset >= page.total_amount):
            return


async def cursor_pages(
    fetch: Callable[[str | None], Awaitable[_Page]],
    *,
    method: str,
    path: str,
) -> AsyncIterator[_Page]:
    """Every page of a cursor-paged list: ``fetch(cursor)`` from ``None`` until no cursor.

    Only a first page is yielded empty (the API gives a cursor on every page that holds
    items, so the last request answers an empty page). A cursor seen before raises
    :class:`InvalidResponseError` naming ``method`` and ``path``.
    """
    cursor: str | None = None
    seen: set[str] = set()
    first = True
    while True:
        page = await fetch(cursor)
        if page.items or first:
            yield page
        first = False
        cursor = page.next_cursor
        if not cursor or not page.items:
            return
        if cursor in seen:
            raise InvalidResponseError(
                200,
                message="the API answered a next_cursor it gave before (a paging loop)",
                method=method,
                path=path,
            )
        seen.add(cursor)
