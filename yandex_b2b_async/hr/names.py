"""Names in HR files: a file's names resolved once before its rows are read, and the names an
export writes.

Reading. The file readers are synchronous and lazy, and a name needs the API to become an
id, so a file's names are resolved before its rows are read: :func:`~._csv.file_names` lists
the distinct names a file gives, :meth:`ResolvedNames.resolve` asks a :class:`NameSource` —
the library's :class:`~.resolve.NameResolver`, whose rules (paths, case, ambiguity, creating
missing departments once each) apply — for each one once, concurrently, and the rows then
get their ids, or the error their name got, from the :class:`ResolvedNames` (a
:class:`NameLookup`). :func:`~._csv.resolve_file_names` does both.

Writing. :class:`Directory` holds the account's departments, cost centers and limits (read
once, :meth:`Directory.load`) and says what an export writes for an id: a name that
:class:`~.resolve.NameResolver` reads back as that same id, or the id when no name would.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterable, Sequence
from typing import TYPE_CHECKING, Final, Protocol

import attrs

from ..errors import ValidationError
from .columns import header_key
from .resolve import NameNotFoundError, format_department_path

if TYPE_CHECKING:
    from .._client import B2BClient

__all__ = [
    "CostCenterEntry",
    "DepartmentEntry",
    "Directory",
    "FileNames",
    "LimitEntry",
    "NameLookup",
    "NameSource",
    "ResolvedNames",
]

# Names resolved at the same time at most (each may read a list, or create a department).
_RESOLVING: Final = 4


class NameLookup(Protocol):
    """What the file readers need to turn names into ids without the network; each raises
    :class:`ValidationError` naming the field for a name that has no id."""

    def department_id(self, text: str) -> str: ...

    def cost_center_id(self, text: str) -> str: ...

    def limit_id(self, service: str, text: str) -> str: ...


class NameSource(Protocol):
    """What resolves names through the API one at a time (:class:`~.resolve.NameResolver`);
    each raises :class:`ValidationError` for a name it cannot resolve."""

    async def department(self, path: str) -> str: ...

    async def cost_center(self, name: str) -> str: ...

    async def limit(self, title: str, service: str | None = None) -> str: ...


@attrs.frozen(kw_only=True)
class FileNames:
    """The distinct names a file gives, in file order: departments, cost centers, and limits
    as ``(service, title or id)``."""

    departments: tuple[str, ...] = ()
    cost_centers: tuple[str, ...] = ()
    limits: tuple[tuple[str, str], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.departments or self.cost_centers or self.limits)


class ResolvedNames:
    """A :class:`NameLookup` over the names of one file, each resolved once beforehand: a
    lookup returns the id, or raises the error its name got (a name the file did not give
    raises too)."""

    def __init__(
        self,
        *,
        departments: dict[str, str | ValidationError] | None = None,
        cost_centers: dict[str, str | ValidationError] | None = None,
        limits: dict[tuple[str, str], str | ValidationError] | None = None,
    ) -> None:
        self._departments = departments or {}
        self._cost_centers = cost_centers or {}
        self._limits = limits or {}

    @classmethod
    async def resolve(
        cls, source: NameSource, names: FileNames, *, concurrency: int = _RESOLVING
    ) -> ResolvedNames:
        """Resolve every name of ``names`` through ``source``, at most ``concurrency`` at a
        time. A limit no title matches is taken as an id (the API has the last word on ids).
        Errors other than :class:`ValidationError` (the API failing) are raised."""
        gate = asyncio.Semaphore(concurrency)

        async def one(lookup: Awaitable[str]) -> str | ValidationError:
            async with gate:
                try:
                    return await lookup
                except ValidationError as exc:
                    return exc

        async def limit(service: str, text: str) -> str | ValidationError:
            found = await one(source.limit(text, service))
            return text if isinstance(found, NameNotFoundError) else found

        departments = await asyncio.gather(*(one(source.department(t)) for t in names.departments))
        cost_centers = await asyncio.gather(
            *(one(source.cost_center(t)) for t in names.cost_centers)
        )
        limits = await asyncio.gather(*(limit(service, t) for service, t in names.limits))
        return cls(
            departments=dict(zip(names.departments, departments, strict=True)),
            cost_centers=dict(zip(names.cost_centers, cost_centers, strict=True)),
            limits=dict(zip(names.limits, limits, strict=True)),
        )

    def missing_departments(self) -> tuple[str, ...]:
        """The department names and paths of the file that no department has."""
        return tuple(
            text
            for text, found in self._departments.items()
            if isinstance(found, NameNotFoundError)
        )

    @staticmethod
    def _answer(found: str | ValidationError | None, field: str, text: str) -> str:
        if found is None:
            raise ValidationError(field, f"{text.strip()!r} is not among the names resolved")
        if isinstance(found, ValidationError):
            raise found
        return found

    def department_id(self, text: str) -> str:
        """The id resolved for this department name or path."""
        return self._answer(self._departments.get(text.strip()), "department", text)

    def cost_center_id(self, text: str) -> str:
        """The id resolved for this cost center name."""
        return self._answer(self._cost_centers.get(text.strip()), "cost_center", text)

    def limit_id(self, service: str, text: str) -> str:
        """The id resolved for this limit title; a text not resolved as a title is an id."""
        found = self._limits.get((service, text.strip()), text.strip())
        return self._answer(found, "limits", text)


# ---------------------------------------------------------------------------------------------
# The names an export writes


@attrs.frozen(kw_only=True)
class DepartmentEntry:
    """A department as the directory knows it."""

    id: str
    name: str
    parent_id: str | None


@attrs.frozen(kw_only=True)
class CostCenterEntry:
    """A cost center as the directory knows it."""

    id: str
    name: str
    default: bool = False


@attrs.frozen(kw_only=True)
class LimitEntry:
    """A limit as the directory knows it: its id, title and service."""

    id: str
    title: str
    service: str


class Directory:
    """The account's departments, cost centers and limits, to write names for ids.

    Each ``*_name`` method returns a name that :class:`~.resolve.NameResolver` resolves back
    to the same id — compared ignoring case and repeated spaces, a name unique here is unique
    there — or the id itself when no name would (an ambiguous name, an unknown id).
    """

    def __init__(
        self,
        *,
        departments: Iterable[DepartmentEntry] = (),
        cost_centers: Iterable[CostCenterEntry] = (),
        limits: Iterable[LimitEntry] = (),
    ) -> None:
        self.departments = {entry.id: entry for entry in departments}
        self.cost_centers = {entry.id: entry for entry in cost_centers}
        self.limits = {entry.id: entry for entry in limits}
        self._by_name: dict[str, list[str]] = {}
        for entry in self.departments.values():
            self._by_name.setdefault(header_key(entry.name), []).append(entry.id)

    @classmethod
    async def load(cls, client: B2BClient, *, limits: bool = True) -> Directory:
        """Read every department, cost center and (with ``limits``) limit of the account."""
        departments = [
            DepartmentEntry(id=item.id, name=item.name or "", parent_id=item.parent_id)
            async for item in client.departments.list()
        ]
        cost_centers = [
            CostCenterEntry(id=item.id, name=item.name or "", default=bool(item.default))
            async for item in client.cost_centers.list()
        ]
        known: list[LimitEntry] = []
        if limits:
            known = [
                LimitEntry(
                    id=item.id,
                    title=item.title or "",
                    service=str(getattr(item.service, "value", item.service) or ""),
                )
                async for item in client.limits.search()
            ]
        return cls(departments=departments, cost_centers=cost_centers, limits=known)

    def path_of(self, department_id: str) -> tuple[str, ...]:
        """The names from the root down to ``department_id`` (empty for an unknown id)."""
        names: list[str] = []
        current: str | None = department_id
        seen: set[str] = set()
        while current is not None and current in self.departments and current not in seen:
            seen.add(current)
            entry = self.departments[current]
            names.append(entry.name)
            current = entry.parent_id
        return tuple(reversed(names))

    def path_text(self, department_id: str) -> str:
        """The whole path of a department as a resolver reads it (``Продажи/Москва``)."""
        return format_department_path(self.path_of(department_id))

    def _ending_with(self, parts: Sequence[str]) -> list[str]:
        wanted = [header_key(part) for part in parts]
        return [
            candidate
            for candidate in self._by_name.get(wanted[-1], ())
            if [header_key(name) for name in self.path_of(candidate)[-len(wanted) :]] == wanted
        ]

    def department_name(self, department_id: str) -> str:
        """The shortest path that names ``department_id`` alone (its name when unique)."""
        path = self.path_of(department_id)
        for size in range(1, len(path) + 1):
            if self._ending_with(path[-size:]) == [department_id]:
                return format_department_path(path[-size:])
        return department_id

    def cost_center_name(self, cost_center_id: str) -> str:
        """The cost center's name when no other has it, else its id."""
        entry = self.cost_centers.get(cost_center_id)
        if entry is None or not entry.name.strip():
            return cost_center_id
        key = header_key(entry.name)
        alike = [other for other in self.cost_centers.values() if header_key(other.name) == key]
        return entry.name if len(alike) == 1 else cost_center_id

    def limit_title(self, service: str, limit_id: str) -> str:
        """The limit's title when no other limit of ``service`` has it, else its id."""
        entry = self.limits.get(limit_id)
        if entry is None or not entry.title.strip() or entry.service != service:
            return limit_id
        key = header_key(entry.title)
        alike = [
            other
            for other in self.limits.values()
            if other.service == service and header_key(other.title) == key
        ]
        return entry.title if len(alike) == 1 else limit_id
