"""Names instead of ids: departments by name or path, cost centers by name, limits by title.

A :class:`Directory` holds the account's departments, cost centers and (when known) limits, read
once through the list calls (:meth:`Directory.load`), and answers lookups without the network:
:meth:`~Directory.department_id`, :meth:`~Directory.cost_center_id` and
:meth:`~Directory.limit_id` turn what a person wrote into an id, or raise
:class:`ValidationError` naming the field and saying whether the name is unknown or ambiguous.
The reverse lookups (:meth:`~Directory.department_name`, …) write names an export can be read
back with. :meth:`~Directory.create_departments` creates the departments a file names that do
not exist yet: parents first, each once, however many callers ask at the same time.

Rules. Names compare ignoring case and repeated spaces. A department is written as its name
(``Москва``) or as a path of names from the root down, joined by ``/`` (``Продажи/Москва``);
a path may leave out its upper part when the rest is unique (``Москва`` alone is enough when
only one department has that name). A text equal to an id is that id, so a file of ids still
reads. A limit is given by its title or its id, per service; a text that is not a known title
is taken as an id (the API has the last word on ids).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterable, Sequence
from typing import TYPE_CHECKING, Final, Protocol

import attrs

from ._columns import header_key
from .errors import ValidationError

if TYPE_CHECKING:
    from ._client import B2BClient

__all__ = [
    "Directory",
    "FileNames",
    "LimitEntry",
    "NameLookup",
    "NameSource",
    "ResolvedNames",
    "split_path",
]

PATH_SEPARATOR: Final = "/"
# How many ambiguous matches an error lists.
_SHOWN: Final = 3


class NameLookup(Protocol):
    """What the file readers need to turn names into ids, without the network (a
    :class:`Directory`, or the :class:`ResolvedNames` of a file)."""

    def department_id(self, text: str) -> str: ...

    def cost_center_id(self, text: str) -> str: ...

    def limit_id(self, service: str, text: str) -> str: ...


class NameSource(Protocol):
    """What resolves names through the API, one at a time (the library's name resolver, or a
    :class:`Directory`); each raises :class:`ValidationError` for a name it cannot resolve."""

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
    """A :class:`NameLookup` over the names of one file, each resolved once beforehand
    (:meth:`resolve`): a lookup returns the id, or raises the error its name got."""

    def __init__(
        self,
        *,
        departments: dict[str, str | ValidationError],
        cost_centers: dict[str, str | ValidationError],
        limits: dict[tuple[str, str], str | ValidationError],
    ) -> None:
        self._departments = departments
        self._cost_centers = cost_centers
        self._limits = limits

    @classmethod
    async def resolve(
        cls, source: NameSource, names: FileNames, *, concurrency: int = 4
    ) -> ResolvedNames:
        """Resolve every name of ``names`` through ``source``, at most ``concurrency`` at a
        time (a source that creates missing departments creates each once). A limit that no
        title matches is taken as an id. Errors other than :class:`ValidationError` (the API
        failing) are raised."""
        gate = asyncio.Semaphore(concurrency)

        async def one(lookup: Awaitable[str]) -> str | ValidationError:
            async with gate:
                try:
                    return await lookup
                except ValidationError as exc:
                    return exc

        async def limit(service: str, text: str) -> str | ValidationError:
            found = await one(source.limit(text, service))
            return text if isinstance(found, ValidationError) and _not_found(found) else found

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

    @staticmethod
    def _answer(found: str | ValidationError | None, field: str, text: str) -> str:
        if found is None:
            raise ValidationError(field, f"{text!r} was not resolved with the file's names")
        if isinstance(found, ValidationError):
            raise found
        return found

    def department_id(self, text: str) -> str:
        """The id resolved for this department name."""
        return self._answer(self._departments.get(text.strip()), "department", text)

    def cost_center_id(self, text: str) -> str:
        """The id resolved for this cost center name."""
        return self._answer(self._cost_centers.get(text.strip()), "cost_center", text)

    def limit_id(self, service: str, text: str) -> str:
        """The id resolved for this limit title (or the text, an id)."""
        return self._answer(self._limits.get((service, text.strip())), "limits", text)


def _not_found(error: ValidationError) -> bool:
    """True for "no such name" (as opposed to an ambiguous or malformed one)."""
    return type(error).__name__ == "NameNotFoundError" or error.rule.startswith("no ")


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


def split_path(text: str, *, field: str = "department") -> tuple[str, ...]:
    """The names of a department path (``"Продажи / Москва"`` → ``("Продажи", "Москва")``)."""
    parts = tuple(part.strip() for part in text.split(PATH_SEPARATOR))
    if not all(parts):
        raise ValidationError(field, f"{text!r} has an empty part; write Parent/Child")
    return parts


class Directory:
    """The account's departments, cost centers and limits, for lookups by name (see the module)."""

    def __init__(
        self,
        *,
        departments: Iterable[DepartmentEntry] = (),
        cost_centers: Iterable[CostCenterEntry] = (),
        limits: Iterable[LimitEntry] | None = None,
    ) -> None:
        self._departments: dict[str, DepartmentEntry] = {}
        self._by_name: dict[str, list[str]] = {}
        for department in departments:
            self._add_department(department)
        self._cost_centers = {entry.id: entry for entry in cost_centers}
        self._limits = None if limits is None else {entry.id: entry for entry in limits}
        self._creating: dict[tuple[str, ...], asyncio.Task[str]] = {}
        self.created: list[tuple[str, ...]] = []

    @classmethod
    async def load(
        cls, client: B2BClient, *, limits: Iterable[LimitEntry] | None = None
    ) -> Directory:
        """Read every department and cost center of the account (the list calls)."""
        departments = [
            DepartmentEntry(id=item.id, name=item.name or "", parent_id=item.parent_id)
            async for item in client.departments.list()
        ]
        cost_centers = [
            CostCenterEntry(id=item.id, name=item.name or "", default=bool(item.default))
            async for item in client.cost_centers.list()
        ]
        return cls(departments=departments, cost_centers=cost_centers, limits=limits)

    # -- as a NameSource (one name at a time) --------------------------------------------------

    async def department(self, path: str) -> str:
        """:meth:`department_id`, as a :class:`NameSource`."""
        return self.department_id(path)

    async def cost_center(self, name: str) -> str:
        """:meth:`cost_center_id`, as a :class:`NameSource`."""
        return self.cost_center_id(name)

    async def limit(self, title: str, service: str | None = None) -> str:
        """:meth:`limit_id`, as a :class:`NameSource` (a title no limit has is returned)."""
        return self.limit_id(service or "", title)

    # -- departments ---------------------------------------------------------------------------

    def _add_department(self, department: DepartmentEntry) -> None:
        self._departments[department.id] = department
        self._by_name.setdefault(header_key(department.name), []).append(department.id)

    def path_of(self, department_id: str) -> tuple[str, ...]:
        """The names from the root down to ``department_id``."""
        names: list[str] = []
        current: str | None = department_id
        seen: set[str] = set()
        while current is not None and current in self._departments and current not in seen:
            seen.add(current)
            entry = self._departments[current]
            names.append(entry.name)
            current = entry.parent_id
        return tuple(reversed(names))

    def _matches(self, parts: Sequence[str]) -> list[str]:
        """Ids of departments whose path ends with ``parts``; those whose whole path is
        ``parts`` only, when there are such."""
        wanted = [header_key(part) for part in parts]
        found = [
            candidate
            for candidate in self._by_name.get(wanted[-1], ())
            if [header_key(name) for name in self.path_of(candidate)[-len(wanted) :]] == wanted
        ]
        whole = [d for d in found if len(self.path_of(d)) == len(wanted)]
        return whole if len(found) > 1 and len(whole) == 1 else found

    def department_id(self, text: str) -> str:
        """The id of the department ``text`` names (a name, a path, or an id)."""
        parts = split_path(text)
        found = self._matches(parts)
        if len(found) == 1:
            return found[0]
        if not found:
            if text.strip() in self._departments:
                return text.strip()
            if len(parts) > 1 and len(whole := self._matches([text.strip()])) == 1:
                return whole[0]  # a name that holds a "/"
            raise ValidationError("department", f"no department {text.strip()!r} in the account")
        shown = ", ".join(
            PATH_SEPARATOR.join(self.path_of(department)) for department in found[:_SHOWN]
        )
        raise ValidationError(
            "department",
            f"{text.strip()!r} names {len(found)} departments ({shown}); write its path",
        )

    def department_name(self, department_id: str) -> str:
        """What an export writes for ``department_id``: the shortest path that names it alone
        (its name when that is unique), or the id when the directory does not know it."""
        path = self.path_of(department_id)
        if not path or any(PATH_SEPARATOR in name or "\\" in name for name in path):
            return department_id
        for size in range(1, len(path) + 1):
            if self._matches(path[-size:]) == [department_id]:
                return PATH_SEPARATOR.join(path[-size:])
        return department_id

    def is_missing(self, text: str) -> bool:
        """True when ``text`` names no department (so :meth:`create_departments` may make it)."""
        try:
            self.department_id(text)
        except ValidationError as exc:
            return exc.rule.startswith("no department")
        return False

    async def create_departments(
        self, client: B2BClient, texts: Iterable[str], *, concurrency: int = 4
    ) -> None:
        """Create every department ``texts`` name that is missing, as a path from the root.

        Parents are created before children and each path once, also when several calls
        ask for the same one at the same time; :attr:`created` lists the paths created, in
        order. Raises :class:`ValidationError` for a text that is not a path; API errors as
        they come.
        """
        paths = {split_path(text) for text in texts if self.is_missing(text)}
        gate = asyncio.Semaphore(concurrency)
        await asyncio.gather(*(self._ensure(client, path, gate) for path in sorted(paths)))

    async def _ensure(
        self, client: B2BClient, path: tuple[str, ...], gate: asyncio.Semaphore
    ) -> str:
        task = self._creating.get(path)
        if task is None:
            task = asyncio.ensure_future(self._create(client, path, gate))
            self._creating[path] = task
        return await asyncio.shield(task)

    async def _create(
        self, client: B2BClient, path: tuple[str, ...], gate: asyncio.Semaphore
    ) -> str:
        parent_id = await self._ensure(client, path[:-1], gate) if len(path) > 1 else None
        existing = self._child(parent_id, path[-1])
        if existing is not None:
            return existing
        async with gate:
            created = await client.departments.create(path[-1], parent_id)
        self._add_department(DepartmentEntry(id=created.id, name=path[-1], parent_id=parent_id))
        self.created.append(path)
        return created.id

    def _child(self, parent_id: str | None, name: str) -> str | None:
        for candidate in self._by_name.get(header_key(name), ()):
            if self._departments[candidate].parent_id == parent_id:
                return candidate
        return None

    # -- cost centers --------------------------------------------------------------------------

    def cost_center_id(self, text: str) -> str:
        """The id of the cost center named ``text`` (or ``text`` itself when it is an id)."""
        key = header_key(text)
        found = [entry.id for entry in self._cost_centers.values() if header_key(entry.name) == key]
        if len(found) == 1:
            return found[0]
        if not found:
            if text.strip() in self._cost_centers:
                return text.strip()
            raise ValidationError("cost_center", f"no cost center {text.strip()!r} in the account")
        raise ValidationError(
            "cost_center", f"{text.strip()!r} names {len(found)} cost centers; give its id"
        )

    def cost_center_name(self, cost_center_id: str) -> str:
        """What an export writes for ``cost_center_id``: its name when that is unique, else
        the id."""
        entry = self._cost_centers.get(cost_center_id)
        if entry is None or not entry.name.strip():
            return cost_center_id
        try:
            return (
                entry.name if self.cost_center_id(entry.name) == cost_center_id else cost_center_id
            )
        except ValidationError:
            return cost_center_id

    # -- limits --------------------------------------------------------------------------------

    def limit_id(self, service: str, text: str) -> str:
        """The id of the ``service`` limit titled ``text``; ``text`` itself when no limit has
        that title (an id)."""
        if self._limits is None or text in self._limits:
            return text
        key = header_key(text)
        found = [
            entry.id
            for entry in self._limits.values()
            if entry.service == service and header_key(entry.title) == key
        ]
        if len(found) > 1:
            raise ValidationError(
                "limits", f"{text!r} titles {len(found)} {service} limits; give its id"
            )
        return found[0] if found else text

    def limit_title(self, service: str, limit_id: str) -> str:
        """What an export writes for a limit: its title when that reads back as this id."""
        entry = None if self._limits is None else self._limits.get(limit_id)
        if entry is None or not entry.title.strip():
            return limit_id
        try:
            return entry.title if self.limit_id(service, entry.title) == limit_id else limit_id
        except ValidationError:
            return limit_id
